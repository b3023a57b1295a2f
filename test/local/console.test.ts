/**
 * The local console at /_keygate/: the page as the runner serves it, its
 * own script run against the real API (in a small stand-in for the browser's
 * DOM, with a cookie jar and the Origin header a browser sends), and that
 * nothing else under /_keygate/ gets past the gateway.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runInNewContext } from 'node:vm';
import { keyGrantable } from '../../lambda/core/catalog';
import { REFERENCE_CATALOG } from '../../lib/reference-app';
import { CONSOLE_PATH, consolePage, consoleRoute, keyPermissions } from '../../local/console-page';
import type { FunctionDef } from '../../local/model';
import { CDK_OUT, call, startRunner, synthOnce, type Json, type StartedRunner } from './runner-process';

jest.setTimeout(30_000);

const PASSWORD = 'console test password';
const NOT_FOUND = { status_code: 404, endpoint: '', error_code: 'not_found', error_message: 'no such route' };

const inline = (html: string, tag: string) => new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(html)![1]!;
const hashOf = (s: string) => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;
const headerOf = (page: { headers: readonly (readonly [string, string])[] }, name: string) => page.headers.find(([k]) => k.toLowerCase() === name)?.[1];

describe('Function: consolePage', () => {
  const page = consolePage(REFERENCE_CATALOG.filter((p) => p.grant === 'key'), 'admin@keygate.local');
  const html = page.body.toString('utf8');

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

  it('offers a checkbox for each key-grantable permission only, escaped', () => {
    const boxes = [...html.matchAll(/name="perm" value="([^"]*)"/g)].map((m) => m[1]);
    expect(boxes).toEqual(keyGrantable(REFERENCE_CATALOG));
    const odd = consolePage([{ name: 'a<b', grant: 'key', description: '"quoted" & <tagged>' }]).body.toString();
    expect(odd).toContain('value="a&#60;b"');
    expect(odd).toContain('title="&#34;quoted&#34; &#38; &#60;tagged&#62;"');
  });
});

describe('Function: keyPermissions', () => {
  const fn = (environment: Record<string, string>) => ({ environment }) as unknown as FunctionDef;

  it("reads the deployed catalog from the functions' KEYGATE_PERMISSIONS, else none", () => {
    const custom = [
      { name: 'write_widgets', grant: 'key', description: 'w' },
      { name: 'manage_keys', grant: 'session', description: 'm' },
    ];
    expect(keyPermissions([fn({}), fn({ KEYGATE_PERMISSIONS: JSON.stringify(custom) })]).map((p) => p.name)).toEqual(['write_widgets']);
    expect(keyPermissions([fn({})])).toEqual([]);
  });
});

describe('Function: consoleRoute', () => {
  const page = consolePage([]);
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
    expect(consoleRoute(page, method, url) !== undefined).toBe(served);
  });
});

/** Just enough of a DOM element for the page's script. */
class El {
  textContent = '';
  hidden = false;
  value = '';
  checked = false;
  readonly dataset: Record<string, string> = {};
  readonly children: El[] = [];
  readonly elements: Record<string, El> = {};
  readonly checkboxes: El[] = [];
  private readonly listeners: Record<string, ((e: unknown) => unknown)[]> = {};
  constructor(readonly tag: string) {}
  addEventListener(type: string, fn: (e: unknown) => unknown) {
    (this.listeners[type] ??= []).push(fn);
  }
  appendChild(c: El) {
    this.children.push(c);
    return c;
  }
  replaceChildren() {
    this.children.length = 0;
  }
  querySelectorAll(selector: string) {
    if (selector !== 'input[name=perm]:checked') throw new Error(`unexpected selector ${selector}`);
    return this.checkboxes.filter((c) => c.checked);
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
    if (form && name === 'perm') form.checkboxes.push(el);
    else if (form && name) form.elements[name] = el;
    const copy = attr('data-copy')?.[1];
    if (copy) {
      el.dataset.copy = copy;
      copyButtons.push(el);
    }
  }
  let cookie: string | undefined;
  const requests: string[] = [];
  const clipboard: string[] = [];
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
    confirm: () => true,
    getSelection: () => ({ selectAllChildren: () => undefined }),
  };
  runInNewContext(inline(html, 'script'), context);
  return { $: (id: string) => byId.get(id)!, copyButtons, requests, clipboard, cookie: () => cookie };
}

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
    expect(html).toContain('value="admin@keygate.local"');
  });

  it('is not in the CloudFormation template', () => {
    expect(readFileSync(join(CDK_OUT, 'Keygate.template.json'), 'utf8')).not.toMatch(/_keygate\b|console-page/);
  });

  it("runs its flow against the API: log in, who am I, create a key, use it, rotate, revoke, log out; errors as the API sent them", async () => {
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
    expect($('error').textContent).toMatch(/^POST \/v1\/auth\/login → 401 unauthorized: /);
    expect(JSON.parse($('error').textContent.split('\n').slice(1).join('\n'))).toMatchObject({ status_code: 401, error_code: 'unauthorized' });

    // log in: who am I, and an empty key list
    $('login-form').elements.password!.value = PASSWORD;
    await $('login-form').fire('submit');
    expect($('error').hidden).toBe(true);
    expect($('app').hidden).toBe(false);
    expect($('login').hidden).toBe(true);
    expect($('who').textContent).toMatch(/^admin@keygate\.local \(admin\), user \w+, by session\. Permissions: .*manage_keys/);
    expect($('no-keys').hidden).toBe(false);

    // create a key with two permissions: the secret once, and a curl line that works as shown
    const [submit, , , , del] = $('create-form').checkboxes;
    submit!.checked = del!.checked = true;
    await $('create-form').fire('submit');
    expect($('error').hidden).toBe(true);
    const key = $('secret-key').textContent;
    expect(key).toMatch(/^user_key_[0-9A-Za-z]{62}$/);
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', $('secret-curl').textContent]);
    expect(JSON.parse(stdout)).toMatchObject({ authMethod: 'api_key', permissions: ['submit_score', 'delete_score'], body: { score: 1234 } });
    const rows = () => $('keys').children.map((r) => r.children.map((c) => c.textContent));
    expect(rows()).toEqual([['from the console', expect.stringMatching(/^\w+$/), expect.stringMatching(/^…\w{4}$/), 'submit_score, delete_score', 'active', expect.any(String), 'never', '']]);
    for (const b of page.copyButtons) await b.fire('click');
    expect(page.clipboard).toEqual([key, $('secret-curl').textContent]);

    // the API's validation error for an empty name
    $('create-form').elements.keyname!.value = '';
    await $('create-form').fire('submit');
    expect($('error').textContent).toMatch(/^POST \/v1\/keys → 400 validation: /);
    expect($('keys').children).toHaveLength(1);

    // rotate: a new secret, the old key revoked at once (no grace period)
    await button(page, 0, 'rotate').fire('click');
    const rotated = $('secret-key').textContent;
    expect(rotated).not.toBe(key);
    expect(rows().map((r) => r[4])).toEqual(['active', 'revoked']);
    expect(button(page, 1, 'rotate', false)).toBeUndefined();

    // revoke the new one
    await button(page, 0, 'revoke').fire('click');
    expect(rows().map((r) => r[4])).toEqual(['revoked', 'revoked']);
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

  it.each(['/_keygate', '/_keygate/x', '/_keygate/../v1/keys', '/_keygate/%2e%2e/v1/keys', '/_keygate/./', '/nope', '/v1/nope'])(
    "GET %s is the API's own 404, even with a session",
    async (path) => {
      cookie ??= await login();
      for (const headers of [{}, { cookie }] as Record<string, string>[]) {
        const res = await rawGet(runner.base, path, headers);
        expect(res).toEqual({ status: 404, body: NOT_FOUND });
      }
    },
  );

  it("answers other methods on /_keygate/ as API Gateway would: the API's 404", async () => {
    const res = await call(runner.base, 'POST', CONSOLE_PATH, { body: {} });
    expect(res.status).toBe(404);
    expect(res.body).toEqual(NOT_FOUND);
    expect(res.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
  });
});

/** The rotate or revoke button of a key list row. */
function button(page: ReturnType<typeof browse>, row: number, label: string, required = true): El {
  const found = page.$('keys').children[row]?.children.at(-1)?.children.find((b) => b.textContent === label);
  if (!found && required) throw new Error(`no ${label} button in row ${row}`);
  return found!;
}
