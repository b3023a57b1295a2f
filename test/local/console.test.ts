/**
 * The local console at /_keygate/: the page as the runner serves it, its
 * own script run against the real API (in a small stand-in for the browser's
 * DOM, with a cookie jar and the Origin header a browser sends), and that
 * nothing else under /_keygate/ gets past the gateway.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runInNewContext } from 'node:vm';
import { CONSOLE_DIR, CONSOLE_PATH, consolePage, type ConsoleConfig } from '../../local/console';
import { staticRoute } from '../../local/static-files';
import { CDK_OUT, call, startRunner, synthOnce, type Json, type StartedRunner } from './runner-process';
import { REFERENCE_CONSOLE_PATHS } from './fixtures/console-paths';

jest.setTimeout(30_000);

const PASSWORD = 'console test password';
// No route matched: the endpoint is the (empty) resource path, never the path as sent.
const notFound = { status_code: 404, endpoint: '', error_code: 'not_found', error_message: 'no such route' };

const inline = (html: string, tag: string) => new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(html)![1]!;
const dataBlock = (html: string) => JSON.parse(/<script type="application\/json" id="console-config">([\s\S]*?)<\/script>/.exec(html)![1]!) as ConsoleConfig;
const hashOf = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;
const headerOf = (page: { headers: readonly (readonly [string, string])[] }, name: string) => page.headers.find(([k]) => k.toLowerCase() === name)?.[1];

const CONFIG: ConsoleConfig = {
  paths: REFERENCE_CONSOLE_PATHS,
  adminEmail: 'admin@keygate.local',
  permissions: [{ name: 'submit_score', description: 'requests that could submit scores' }],
  example: { method: 'POST', path: '/v1/scores', permission: 'submit_score' },
};

describe('Function: consolePage', () => {
  const page = consolePage(CONFIG);
  const html = page.body.toString('utf8');

  it('serves the files in local/console/ as they are, the style and script inline', () => {
    expect(inline(html, 'script')).toBe(readFileSync(join(CONSOLE_DIR, 'console.js'), 'utf8'));
    expect(inline(html, 'style')).toBe(readFileSync(join(CONSOLE_DIR, 'console.css'), 'utf8'));
    // Put the markers back: the rest of the page is index.html, byte for byte.
    const back = html
      .replace(/<style>[\s\S]*?<\/style>/, '<link rel="stylesheet" href="console.css">')
      .replace(/<script>[\s\S]*?<\/script>/, '<script src="console.js"></script>')
      .replace(/(<script type="application\/json" id="console-config">)[\s\S]*?(<\/script>)/, '$1{}$2');
    expect(back).toBe(readFileSync(join(CONSOLE_DIR, 'index.html'), 'utf8'));
  });

  it('allows by CSP exactly its own inline script and style, by hash, and requests to its own origin', () => {
    const csp = headerOf(page, 'content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`script-src ${hashOf(inline(html, 'script'))}`);
    expect(csp).toContain(`style-src ${hashOf(inline(html, 'style'))}`);
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/unsafe|https?:|\*/);
    expect(headerOf(page, 'cache-control')).toBe('no-store');
    expect(headerOf(page, 'content-length')).toBe(String(page.body.length));
  });

  it('is self-contained: no external assets, no inline handlers, no innerHTML', () => {
    expect(html).not.toMatch(/\b(src|href)=|@import|url\(|\son[a-z]+=|innerHTML|style=/);
    expect(html).toContain('not part of the\nCloudFormation template');
  });

  it('carries what it knows of the served app as JSON that cannot close its <script> element', () => {
    expect(dataBlock(html)).toEqual(CONFIG);
    const odd = consolePage({ ...CONFIG, permissions: [{ name: 'a<b', description: '</script><script>alert(1)</script>' }] }).body.toString();
    expect(odd).not.toContain('</script><script>alert');
    expect(dataBlock(odd).permissions).toEqual([{ name: 'a<b', description: '</script><script>alert(1)</script>' }]);
  });

  it('says which file lost a marker the runner fills in', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keygate-console-'));
    for (const f of ['console.js', 'console.css']) cpSync(join(CONSOLE_DIR, f), join(dir, f));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><script src="console.js"></script>');
    expect(() => consolePage(CONFIG, dir)).toThrow('local/console/index.html must contain <link rel="stylesheet" href="console.css"> exactly once');
    rmSync(dir, { recursive: true });
  });
});

describe('Function: staticRoute — the console', () => {
  const files = [{ path: CONSOLE_PATH, file: consolePage(CONFIG), label: 'local console' }];
  it.each([
    ['GET', '/_keygate/', true],
    ['HEAD', '/_keygate/', true],
    ['GET', '/_keygate/?from=banner', true],
    ['POST', '/_keygate/', false],
    ['GET', '/_keygate', false],
    ['GET', '/_keygate/x', false],
    ['GET', '/_keygate/../v1/keys', false],
    ['GET', '/_keygate/%2e%2e/v1/keys', false],
    ['GET', '//_keygate/', false],
    ['GET', '/v1/_keygate/', false],
  ])('%s %s → page: %s', (method, url, served) => {
    expect(staticRoute(files, method, url) !== undefined).toBe(served);
  });
});

/** Just enough of a DOM element for the page's script. */
class El {
  textContent = '';
  hidden = false;
  value = '';
  checked = false;
  title = '';
  type = '';
  name = '';
  readonly dataset: Record<string, string> = {};
  readonly children: El[] = [];
  readonly elements: Record<string, El> = {};
  private readonly listeners: Record<string, ((e: unknown) => unknown)[]> = {};
  constructor(readonly tag: string) {}
  addEventListener(type: string, fn: (e: unknown) => unknown) {
    (this.listeners[type] ??= []).push(fn);
  }
  appendChild(c: El) {
    this.children.push(c);
    return c;
  }
  /** Elements are kept; text is added to textContent. */
  append(...nodes: (El | string)[]) {
    for (const n of nodes) {
      if (typeof n === 'string') this.textContent += n;
      else this.children.push(n);
    }
  }
  replaceChildren() {
    this.children.length = 0;
  }
  descendants(): El[] {
    return this.children.flatMap((c) => [c, ...c.descendants()]);
  }
  querySelectorAll(selector: string) {
    if (selector !== 'input[name=perm]:checked') throw new Error(`unexpected selector ${selector}`);
    return this.descendants().filter((c) => c.tag === 'input' && c.name === 'perm' && c.checked);
  }
  /** Dispatches an event and waits for the (async) listeners. */
  async fire(type: string) {
    await Promise.all((this.listeners[type] ?? []).map((fn) => fn({ target: this, preventDefault: () => undefined })));
  }
}

/** Runs the page's script with the elements of its HTML, a browser's cookie and Origin handling, and a clipboard. */
function browse(html: string, base: string) {
  const byId = new Map<string, El>();
  const copyButtons: El[] = [];
  let form: El | undefined;
  for (const [, close, tag, attrs] of html.matchAll(/<(\/?)(\w+)([^>]*)>/g)) {
    if (close) {
      if (tag === 'form') form = undefined;
      continue;
    }
    const el = new El(tag!);
    const attr = (name: string) => new RegExp(`\\s${name}(?:="([^"]*)")?`).exec(attrs!);
    el.hidden = attr('hidden') !== null;
    el.value = attr('value')?.[1] ?? '';
    const id = attr('id')?.[1];
    if (id) byId.set(id, el);
    if (tag === 'form') form = el;
    const name = attr('name')?.[1];
    if (form && name) form.elements[name] = el;
    const copy = attr('data-copy')?.[1];
    if (copy) {
      el.dataset.copy = copy;
      copyButtons.push(el);
    }
  }
  byId.get('console-config')!.textContent = JSON.stringify(dataBlock(html));
  let cookie: string | undefined;
  const requests: string[] = [];
  const clipboard: string[] = [];
  const dialogs: string[] = [];
  const browserFetch = async (path: string, init: { method: string; credentials: string; headers: Record<string, string>; body?: string }) => {
    expect(init.credentials).toBe('same-origin');
    const headers = { ...init.headers, ...(cookie ? { cookie } : {}), ...(['GET', 'HEAD'].includes(init.method) ? {} : { origin: base }) };
    const res = await fetch(new URL(path, base), { method: init.method, headers, ...(init.body !== undefined ? { body: init.body } : {}) });
    requests.push(`${init.method} ${path} ${res.status}`);
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      cookie = /Max-Age=0|=$/.test(c) || pair!.endsWith('=') ? undefined : pair;
    }
    return res;
  };
  const context = {
    document: {
      getElementById: (id: string) => byId.get(id) ?? fail(`the script asks for #${id}, which the page does not have`),
      createElement: (tag: string) => new El(tag),
      querySelectorAll: (selector: string) => (selector === 'button[data-copy]' ? copyButtons : fail(`unexpected selector ${selector}`)),
    },
    fetch: browserFetch,
    location: { origin: base },
    navigator: { clipboard: { writeText: async (t: string) => void clipboard.push(t) } },
    confirm: (text: string) => dialogs.push(text) > 0,
    getSelection: () => ({ selectAllChildren: () => undefined }),
  };
  runInNewContext(inline(html, 'script'), context);
  /** The permission checkboxes the script made, in order. */
  const boxes = () => byId.get('permissions')!.descendants().filter((e) => e.tag === 'input');
  return { $: (id: string) => byId.get(id)!, boxes, copyButtons, requests, clipboard, dialogs, cookie: () => cookie };
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function fail(message: string): never {
  throw new Error(message);
}

async function until(what: () => boolean) {
  const deadline = Date.now() + 10_000;
  while (!what()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** GET with the path exactly as written (fetch and curl would resolve `..`). */
function rawGet(base: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Json }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/`, { path, headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', reject).end();
  });
}

describe('npm start: the local console', () => {
  let runner: StartedRunner;

  beforeAll(async () => {
    await synthOnce();
    runner = await startRunner({ env: { KEYGATE_IN_MEMORY: '1', KEYGATE_ADMIN_EMAIL: undefined, KEYGATE_ADMIN_PASSWORD: PASSWORD } });
  }, 120_000);
  afterAll(() => runner?.stop());

  let cookie: string | undefined;
  async function login(): Promise<string> {
    const res = await call(runner.base, 'POST', '/v1/auth/login', { body: { email: 'admin@keygate.local', password: PASSWORD } });
    expect(res.status).toBe(200);
    return res.headers.getSetCookie()[0]!.split(';')[0]!;
  }

  it('prints its URL in the banner and serves GET and HEAD /_keygate/ as no-store HTML with the CSP', async () => {
    expect(runner.output()).toContain(`\n  console    ${runner.base}/_keygate/  (local only`);
    const get = await fetch(`${runner.base}${CONSOLE_PATH}`);
    const head = await fetch(`${runner.base}${CONSOLE_PATH}`, { method: 'HEAD' });
    const html = await get.text();
    for (const res of [get, head]) {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('content-security-policy')).toContain(`script-src ${hashOf(inline(html, 'script'))}`);
    }
    expect(await head.text()).toBe('');
    // What the page knows of the served app: the reference app's base path, key permissions and a route to try
    expect(dataBlock(html)).toEqual({
      paths: CONFIG.paths,
      adminEmail: 'admin@keygate.local',
      permissions: expect.arrayContaining([{ name: 'delete_score', description: 'requests that delete scores' }]),
      example: { method: 'POST', path: '/v1/scores', permission: 'submit_score' },
    });
  });

  it('is not in the CloudFormation template', () => {
    expect(readFileSync(join(CDK_OUT, 'Keygate.template.json'), 'utf8')).not.toMatch(/_keygate\b|local\/console/);
  });

  it('runs its flow against the API: log in, who am I, create a key, use it, rotate, revoke, log out; errors as sentences', async () => {
    const html = await (await fetch(`${runner.base}${CONSOLE_PATH}`)).text();
    const page = browse(html, runner.base);
    const { $ } = page;
    await until(() => page.requests.length === 1 && !$('login').hidden);
    expect($('app').hidden).toBe(true);
    expect($('error').hidden).toBe(true); // the first 401 from /v1/auth/me only means "log in"

    // a wrong password: the API's body, as it came back
    $('login-form').elements.password!.value = 'not the password at all';
    await $('login-form').fire('submit');
    expect($('error').hidden).toBe(false);
    expect($('error').textContent).toBe('Could not log in: e-mail or password is wrong.');

    // log in: who am I, and an empty key list
    $('login-form').elements.password!.value = PASSWORD;
    await $('login-form').fire('submit');
    expect($('error').hidden).toBe(true);
    expect($('app').hidden).toBe(false);
    expect($('login').hidden).toBe(true);
    expect($('who').textContent).toMatch(/^admin@keygate\.local \(admin\), user \w+, by session\. Permissions: .*manage_keys/);
    expect($('no-keys').hidden).toBe(false);

    // the served app's key permissions, as checkboxes the script made, with their descriptions
    expect(page.boxes().map((b) => b.value)).toEqual(['submit_score', 'customise_profile', 'customise_session', 'customise_score', 'delete_score']);
    expect($('permissions').children.map((l) => [l.title, l.textContent])).toContainEqual(['requests that delete scores', ' delete_score']);
    expect($('login-form').elements.email!.value).toBe('admin@keygate.local');

    // create a key with two permissions: the secret once, and a curl line that works as shown
    const [submit, , , , del] = page.boxes();
    submit!.checked = del!.checked = true;
    await $('create-form').fire('submit');
    expect($('error').hidden).toBe(true);
    const key = $('secret-key').textContent;
    expect(key).toMatch(/^user_key_[0-9A-Za-z]{62}$/);
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', $('secret-curl').textContent]);
    expect($('secret-curl').textContent).toContain(`${runner.base}/v1/scores`);
    expect(JSON.parse(stdout)).toMatchObject({ authMethod: 'api_key', permissions: ['submit_score', 'delete_score'], path: '/v1/scores', body: {} });
    const rows = () => $('keys').children.map((r) => r.children.map((c) => c.textContent));
    const label = (k: string) => `"from the console" (id ${k.slice(21, 33)}, ending …${k.slice(-4)})`;
    expect(rows()).toEqual([[label(key), 'submit_score, delete_score', 'active', expect.any(String), 'never', '']]);
    expect($('secret-title').textContent).toBe(`The secret of key ${label(key)}, shown this once:`);
    for (const b of page.copyButtons) await b.fire('click');
    expect(page.clipboard).toEqual([key, $('secret-curl').textContent]);

    // the API's validation error for an empty name
    $('create-form').elements.keyname!.value = '';
    await $('create-form').fire('submit');
    expect($('error').textContent).toBe("Could not create the key: 'name': Too small: expected string to have >=1 characters.");
    expect($('keys').children).toHaveLength(1);

    // rotate: a new secret, the old key revoked at once (no grace period)
    await button(page, 0, 'rotate').fire('click');
    const rotated = $('secret-key').textContent;
    expect(rotated).not.toBe(key);
    expect(rows().map((r) => [r[0], r[2]!.replace(/ .*/, '')])).toEqual([
      [label(rotated), 'active'],
      [label(key), 'revoked'],
    ]);
    expect(page.dialogs.pop()).toBe(`Rotate key ${label(key)}? The old key stops working within seconds; the new secret is shown once.`);
    expect(button(page, 1, 'rotate', false)).toBeUndefined();

    // revoke the new one
    await button(page, 0, 'revoke').fire('click');
    expect(rows().map((r) => r[2]!.replace(/ .*/, ''))).toEqual(['revoked', 'revoked']);
    expect(page.dialogs.pop()).toBe(`Revoke key ${label(rotated)}? It stops working within seconds.`);
    // its secret was on screen: once revoked, it is gone
    expect($('secret').hidden).toBe(true);
    expect($('secret-key').textContent).toBe('');
    expect((await call(runner.base, 'POST', '/v1/auth/verify', { body: { key: rotated } })).body).toMatchObject({ valid: false, error_code: 'key_revoked' });

    // log out: the cookie is gone and the login form is back
    const cookie = page.cookie()!;
    await $('logout').fire('click');
    expect(page.cookie()).toBeUndefined();
    expect($('login').hidden).toBe(false);
    expect($('app').hidden).toBe(true);
    expect((await call(runner.base, 'GET', '/v1/auth/me', { headers: { cookie } })).status).toBe(401);
    expect(page.requests.filter((r) => !r.startsWith('GET'))).toEqual([
      'POST /v1/auth/login 401',
      'POST /v1/auth/login 200',
      'POST /v1/keys 201',
      'POST /v1/keys 400',
      expect.stringMatching(/^POST \/v1\/keys\/\w+\/rotate 201$/),
      expect.stringMatching(/^DELETE \/v1\/keys\/\w+ 204$/),
      'POST /v1/auth/logout 204',
    ]);
  });

  it("gives an admin every user and bot: a bot's key rotated and revoked, a person's key only revocable, an account disabled and enabled", async () => {
    // Prepare: a bot with a key and a person with a key, made through the API
    cookie ??= await login();
    const asAdmin = { cookie, origin: runner.base };
    const made = async (body: object) => (await call(runner.base, 'POST', '/v1/admin/users', { headers: asAdmin, body })).body as { user: { id: string } };
    const bot = (await made({ email: 'console-bot@example.com', kind: 'bot' })).user;
    const person = (await made({ email: 'console-person@example.com', kind: 'human', password: 'a long enough password' })).user;
    const botKey = (await call(runner.base, 'POST', `/v1/admin/users/${bot.id}/keys`, { headers: asAdmin, body: { name: 'deploy', permissions: ['submit_score'] } })).body as { key: string; id: string };
    const personCookie = (await call(runner.base, 'POST', '/v1/auth/login', { body: { email: 'console-person@example.com', password: 'a long enough password' } })).headers.getSetCookie()[0]!.split(';')[0]!;
    const personKey = (await call(runner.base, 'POST', '/v1/keys', { headers: { cookie: personCookie, origin: runner.base }, body: { name: 'laptop', permissions: [] } })).body as { key: string; id: string };
    const verify = async (key: string) => ((await call(runner.base, 'POST', '/v1/auth/verify', { body: { key } })).body as { valid: boolean }).valid;

    // Act: log in as the admin
    const page = browse(await (await fetch(`${runner.base}${CONSOLE_PATH}`)).text(), runner.base);
    const { $ } = page;
    await until(() => !$('login').hidden);
    $('login-form').elements.password!.value = PASSWORD;
    await $('login-form').fire('submit');

    // Assess: every user, with the actions an admin has
    expect($('admin').hidden).toBe(false);
    const users = () => $('users').children.map((r) => r.children.map((c) => c.textContent));
    const userRow = (id: string) => $('users').children.find((r) => r.children[0]!.textContent.includes(id))!;
    const press = async (row: El, label: string) => row.children.at(-1)!.children.find((b) => b.textContent === label)!.fire('click');
    expect(users()).toEqual(
      expect.arrayContaining([
        [expect.stringMatching(/^admin@keygate\.local \(id \w{12}\)$/), 'person, admin', 'enabled', expect.any(String), ''],
        [`console-bot@example.com (id ${bot.id})`, 'bot', 'enabled', expect.any(String), ''],
      ]),
    );
    const admin = $('users').children.find((r) => r.children[0]!.textContent.startsWith('admin@'))!;
    expect(admin.children.at(-1)!.children.map((b) => b.textContent)).toEqual(['keys']);
    expect(userRow(bot.id).children.at(-1)!.children.map((b) => b.textContent)).toEqual(['keys', 'disable']);

    // the bot's keys: rotate with a grace period (the old key works until a time shown in local time), revoke both
    await press(userRow(bot.id), 'keys');
    expect($('user-keys-title').textContent).toBe(`Keys of bot console-bot@example.com (id ${bot.id})`);
    const keyRow = (i = 0) => $('user-keys').children[i]!;
    const label = (k: { key: string; id: string }) => `"deploy" (id ${k.id}, ending …${k.key.slice(-4)})`;
    expect(keyRow().children[0]!.textContent).toBe(label(botKey));
    $('admin-grace').value = '3600';
    await press(keyRow(), 'rotate');
    expect(page.dialogs.pop()).toMatch(
      new RegExp(`^Rotate key ${escapeRegExp(label(botKey))} of bot console-bot@example\\.com \\(id ${bot.id}\\)\\? The old key keeps working until .+; the new secret is shown once\\.$`),
    );
    const rotated = { key: $('secret-key').textContent, id: $('secret-key').textContent.slice(20, 32) };
    expect(rotated.key).toMatch(/^bot_key_/);
    expect($('secret-title').textContent).toBe(`The secret of key ${label(rotated)} of bot console-bot@example.com (id ${bot.id}), shown this once:`);
    const listed = (await call(runner.base, 'GET', `/v1/admin/users/${bot.id}/keys`, { headers: { cookie } })).body as { keys: { id: string; revokedAt: string }[] };
    const endsAt = listed.keys.find((k) => k.id === botKey.id)!.revokedAt;
    expect([keyRow(0), keyRow(1)].map((r) => [r.children[0]!.textContent, r.children[2]!.textContent])).toEqual([
      [label(rotated), 'active'],
      [label(botKey), `grace period, ends ${new Date(endsAt).toLocaleString()}`],
    ]);
    expect(keyRow(1).children.at(-1)!.children.map((b) => b.textContent)).toEqual(['revoke']);
    expect([await verify(botKey.key), await verify(rotated.key)]).toEqual([true, true]);
    await press(keyRow(1), 'revoke');
    expect(page.dialogs.pop()).toBe(`Revoke key ${label(botKey)} of bot console-bot@example.com (id ${bot.id})? It stops working within seconds.`);
    expect(await verify(botKey.key)).toBe(false);
    expect($('secret').hidden).toBe(false); // another key's secret stays
    await press(keyRow(0), 'revoke');
    expect(await verify(rotated.key)).toBe(false);
    expect($('secret').hidden).toBe(true);
    expect($('secret-key').textContent).toBe('');

    // a person's key: revoke only
    await press(userRow(person.id), 'keys');
    expect(keyRow().children.at(-1)!.children.map((b) => b.textContent)).toEqual(['revoke']);
    await press(keyRow(), 'revoke');
    expect(await verify(personKey.key)).toBe(false);

    // disable and enable the person: their session stops and comes back
    await press(userRow(person.id), 'disable');
    expect(userRow(person.id).children[2]!.textContent).toBe('disabled');
    expect((await call(runner.base, 'GET', '/v1/auth/me', { headers: { cookie: personCookie } })).status).toBe(401);
    await press(userRow(person.id), 'enable');
    expect(userRow(person.id).children[2]!.textContent).toBe('enabled');
    expect($('error').hidden).toBe(true);
    expect(page.requests.filter((r) => !r.startsWith('GET'))).toEqual([
      'POST /v1/auth/login 200',
      `POST /v1/admin/users/${bot.id}/keys/${botKey.id}/rotate 201`,
      `DELETE /v1/admin/users/${bot.id}/keys/${botKey.id} 204`,
      `DELETE /v1/admin/users/${bot.id}/keys/${rotated.id} 204`,
      `DELETE /v1/admin/users/${person.id}/keys/${personKey.id} 204`,
      `PATCH /v1/admin/users/${person.id} 200`,
      `PATCH /v1/admin/users/${person.id} 200`,
    ]);
  });

  it("gives an admin every user's API clients: disable (no more client files), enable, delete (its keys revoked)", async () => {
    // Prepare: a client with a client file, registered through the API, and a key from it
    cookie ??= await login();
    const asAdmin = { cookie, origin: runner.base };
    const tool = (await call(runner.base, 'POST', '/v1/clients', { headers: asAdmin, body: { name: 'console tool', permissions: ['submit_score'], apiKeyFilename: 'key.txt', apiKeyTemplate: '%%KEYGATE_KEY%%' } }))
      .body as { id: string };
    const file = () => call(runner.base, 'POST', `/v1/clients/${tool.id}/file`, { headers: asAdmin });
    const key = (await file()).body as string;
    const verify = async (k: string) => ((await call(runner.base, 'POST', '/v1/auth/verify', { body: { key: k } })).body as { valid: boolean }).valid;

    // Act: log in as the admin
    const page = browse(await (await fetch(`${runner.base}${CONSOLE_PATH}`)).text(), runner.base);
    const { $ } = page;
    await until(() => !$('login').hidden);
    $('login-form').elements.password!.value = PASSWORD;
    await $('login-form').fire('submit');
    await until(() => $('clients').children.length > 0);

    // Assess: the client, its owner and the actions
    const row = () => $('clients').children.find((r) => r.children[0]!.textContent.includes(tool.id))!;
    const press = async (label: string) => row().children.at(-1)!.children.find((b) => b.textContent === label)!.fire('click');
    expect(row().children.map((c) => c.textContent)).toEqual([
      `"console tool" (id ${tool.id})`,
      expect.stringMatching(/^admin@keygate\.local \(id \w{12}\)$/),
      'enabled',
      expect.any(String),
      '',
    ]);
    expect(row().children.at(-1)!.children.map((b) => b.textContent)).toEqual(['disable', 'delete']);
    await press('disable');
    expect(page.dialogs.pop()).toBe(`Disable client "console tool" (id ${tool.id})? Nobody can authorize it or get a key through it; keys it already issued keep working.`);
    expect(row().children[2]!.textContent).toBe('disabled');
    expect((await file()).status).toBe(404);
    expect(await verify(key)).toBe(true);
    await press('enable');
    expect(row().children[2]!.textContent).toBe('enabled');
    expect((await file()).status).toBe(200);
    await press('delete');
    expect(page.dialogs.pop()).toBe(`Delete client "console tool" (id ${tool.id})? Every key issued through it, for every user, stops working within seconds.`);
    expect($('clients').children.some((r) => r.children[0]!.textContent.includes(tool.id))).toBe(false);
    expect(await verify(key)).toBe(false);
    expect($('error').hidden).toBe(true);
    expect(page.requests.filter((r) => !r.startsWith('GET') && !r.startsWith('POST /v1/auth'))).toEqual([
      `PATCH /v1/admin/clients/${tool.id} 200`,
      `PATCH /v1/admin/clients/${tool.id} 200`,
      `DELETE /v1/admin/clients/${tool.id} 204`,
    ]);
  });

  it.each(['/_keygate', '/_keygate/x', '/_keygate/../v1/keys', '/_keygate/%2e%2e/v1/keys', '/_keygate/./', '/nope', '/v1/nope'])(
    "GET %s is the API's own 404, even with a session",
    async (path) => {
      cookie ??= await login();
      for (const headers of [{}, { cookie }] as Record<string, string>[]) {
        const res = await rawGet(runner.base, path, headers);
        expect(res).toEqual({ status: 404, body: notFound });
      }
    },
  );

  it("answers other methods on /_keygate/ as API Gateway would: the API's 404", async () => {
    const res = await call(runner.base, 'POST', CONSOLE_PATH, { body: {} });
    expect(res.status).toBe(404);
    expect(res.body).toEqual(notFound);
    expect(res.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
  });
});

/** The rotate or revoke button of a key list row. */
function button(page: ReturnType<typeof browse>, row: number, label: string, required = true): El {
  const found = page.$('keys').children[row]?.children.at(-1)?.children.find((b) => b.textContent === label);
  if (!found && required) throw new Error(`no ${label} button in row ${row}`);
  return found!;
}
