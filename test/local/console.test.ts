/**
 * The console over HTTP (SPEC §13), as `npm start` serves it from the
 * template: the reference app's cdk.out rewritten into a consumer app whose
 * management API is under /identity (its `v1` resource renamed, every keygate
 * Lambda told so), served with KEYGATE_CDK_OUT. Raw requests (node:http),
 * so paths like `%2e%2e` reach the server as sent.
 */
import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENV } from '../../lambda/shared/config';
import { CONSOLE_CSP } from '../../lambda/console/handler';
import { consoleConfig } from '../../lambda/core/console-config';
import { REFERENCE_DEFAULT_PLAN, REFERENCE_PERMISSIONS, REFERENCE_PLANS } from '../../lib/reference-app';
import { loadStack } from '../../local/assembly';
import { EXAMPLE_ROUTES } from '../../lib/reference-app';
import type { CfnTemplate } from '../../local/intrinsics';
import { CDK_OUT, startRunner, synthOnce, type Json, type StartedRunner } from './runner-process';

jest.setTimeout(60_000);

const ADMIN = { email: 'console-admin@example.com', password: 'console test password' };

/** The reference template with its management API (and so its console) under /identity. */
function identityTemplate(template: CfnTemplate): CfnTemplate {
  const t = structuredClone(template);
  for (const r of Object.values(t.Resources)) {
    const p = r.Properties;
    if (r.Type === 'AWS::ApiGateway::Resource' && p?.PathPart === 'v1') p.PathPart = 'identity';
    const vars = (p?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
    if (r.Type === 'AWS::Lambda::Function' && vars && ENV.basePath in vars) {
      vars[ENV.basePath] = '/identity';
      // The routes travel in the settings file of each asset; a variable of the same name overrides it.
      vars[ENV.routes] = JSON.stringify(EXAMPLE_ROUTES).replaceAll('"/v1/', '"/identity/');
    }
  }
  return t;
}

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: Json;
}

/** One request with its path exactly as given. */
function raw(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        let json: Json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode!, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

const dir = mkdtempSync(join(tmpdir(), 'keygate-identity-'));
let runner: StartedRunner;
let get: (path: string, headers?: Record<string, string>) => Promise<Raw>;

beforeAll(async () => {
  await synthOnce();
  for (const entry of readdirSync(CDK_OUT)) if (entry.startsWith('asset.')) symlinkSync(join(CDK_OUT, entry), join(dir, entry));
  writeFileSync(join(dir, 'Identity.template.json'), JSON.stringify(identityTemplate(loadStack(CDK_OUT).template)));
  runner = await startRunner({ env: { KEYGATE_CDK_OUT: join(dir, 'Identity.template.json'), KEYGATE_IN_MEMORY: '1', KEYGATE_ADMIN_EMAIL: ADMIN.email, KEYGATE_ADMIN_PASSWORD: ADMIN.password } });
  get = (path, headers) => raw(runner.port, 'GET', path, headers);
}, 180_000);

afterAll(async () => {
  await runner?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The hashed asset names index.html refers to. */
async function assets(): Promise<string[]> {
  const page = await get('/identity/console/');
  return [...page.text.matchAll(/(?:src|href)="\.\/([^"]+)"/g)].map((m) => m[1]!);
}

describe('npm start serving a consumer app with basePath /identity', () => {
  it('serves the console at /identity/console/, announces it, and redirects /_keygate/ and /identity/console there', async () => {
    expect(runner.output()).toContain(`console    ${runner.base}/identity/console/`);
    const page = await get('/identity/console/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<main');
    expect(await get('/_keygate/')).toMatchObject({ status: 302, headers: { location: '/identity/console/' } });
    expect(await get('/identity/console')).toMatchObject({ status: 301, headers: { location: 'console/' } });
    expect((await get('/v1/console/')).status).toBe(404);
  });

  it('refers to content-hashed assets and serves them with their content types, cached for a year', async () => {
    const names = await assets();
    expect(names).toEqual(expect.arrayContaining([expect.stringMatching(/^app\.[0-9a-f]{8}\.js$/), expect.stringMatching(/^app\.[0-9a-f]{8}\.css$/)]));
    for (const name of names) {
      const res = await get(`/identity/console/${name}`);
      expect({ name, status: res.status, type: res.headers['content-type'], cache: res.headers['cache-control'] }).toEqual({
        name,
        status: 200,
        type: name.endsWith('.js') ? 'text/javascript; charset=utf-8' : name.endsWith('.css') ? 'text/css; charset=utf-8' : 'image/svg+xml; charset=utf-8',
        cache: 'public, max-age=31536000, immutable',
      });
    }
    // The unhashed source names are not served: a stale copy could never be cached forever under them.
    expect((await get('/identity/console/app.js')).status).toBe(404);
  });

  it('serves the HTML and config.json with no-cache', async () => {
    for (const path of ['/identity/console/', '/identity/console/index.html', '/identity/console/config.json']) {
      expect((await get(path)).headers['cache-control']).toBe('no-cache');
    }
    expect((await get('/identity/console/')).headers['content-type']).toBe('text/html; charset=utf-8');
    expect((await get('/identity/console/config.json')).headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it.each([
    ['/identity/console'],
    ['/identity/console/'],
    ['/identity/console/config.json'],
    ['/identity/console/nothing.js'],
    ['/identity/console/..%2f..%2fetc%2fpasswd'],
  ])('puts the CSP and the other security headers on %s', async (path) => {
    const res = await get(path);
    expect(res.headers).toMatchObject({
      'content-security-policy': CONSOLE_CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    });
    expect(CONSOLE_CSP).toContain("frame-ancestors 'none'");
    expect(CONSOLE_CSP).not.toContain('unsafe-inline');
  });

  it.each([
    ['an unknown file', '/identity/console/nothing.js'],
    ['a source name', '/identity/console/app.css'],
    ['..%2f', '/identity/console/..%2fauth%2fme'],
    ['%2e%2e', '/identity/console/%2e%2e'],
    ['%2e%2e%2f', '/identity/console/%2e%2e%2f%2e%2e%2fpackage.json'],
    ['an encoded slash', '/identity/console/static%2findex.html'],
    ['a backslash', '/identity/console/..\\index.js'],
    ['an encoded backslash', '/identity/console/..%5cindex.js'],
    ['the bundle itself', '/identity/console/index.js'],
    ['a folder', '/identity/console/static'],
    ['a folder with a slash', '/identity/console/static/'],
    ['a dot', '/identity/console/.'],
    ['two segments', '/identity/console/static/index.html'],
  ])('answers %s with 404 in the error shape', async (_what, path) => {
    const res = await get(path);
    expect(res.status).toBe(404);
    expect(res.json).toMatchObject({ status_code: 404, error_code: 'not_found' });
    expect(Object.keys(res.json).sort()).toEqual(['endpoint', 'error_code', 'error_message', 'status_code']);
    expect(res.text).not.toContain('<');
  });

  it('answers config.json with the base path, every management path, the catalog with descriptions, the prefixes, plans and an example', async () => {
    const { json } = await get('/identity/console/config.json');
    expect(json.basePath).toBe('/identity');
    expect(json.paths).toMatchObject({
      login: '/identity/auth/login',
      logout: '/identity/auth/logout',
      listKeys: '/identity/keys',
      revokeKey: '/identity/keys/{keyId}',
      rotateKey: '/identity/keys/{keyId}/rotate',
      listUsers: '/identity/admin/users',
      listAllClients: '/identity/admin/clients',
      oauthMetadata: '/.well-known/oauth-authorization-server',
    });
    // Each operation's method from the same route table: the page names none.
    expect(json.methods).toMatchObject({ login: 'POST', listKeys: 'GET', renameKey: 'PATCH', setUserPlan: 'PUT', setKeyPlan: 'PUT', keyUsage: 'GET', revokeKey: 'DELETE' });
    expect(Object.keys(json.methods).sort()).toEqual(Object.keys(json.paths).sort());
    const byName = Object.fromEntries((json.permissions as { name: string }[]).map((p) => [p.name, p]));
    for (const p of REFERENCE_PERMISSIONS) expect(byName[p.name]).toEqual({ name: p.name, description: p.description, keyGrantable: true });
    expect(byName.manage_keys).toMatchObject({ keyGrantable: false });
    expect(byName.admin).toMatchObject({ keyGrantable: false });
    expect(json.prefixes).toEqual({ user: 'user_key_', bot: 'bot_key_' });
    // The reference app's plans, as GET {base}/plans shows them (no usage plan id).
    expect(json.plans).toEqual(
      REFERENCE_PLANS.map((p) => ({ name: p.name, description: p.description, throttle: p.throttle, quota: p.quota ?? null, default: p.name === REFERENCE_DEFAULT_PLAN })),
    );
    expect(json.example).toEqual({ method: 'POST', path: '/identity/scores', permission: 'submit_score' });
  });

  it("lets the console's own origin use the session cookie on POST, even one no allow-list names", async () => {
    // A Host the runner does not list among its allowed origins: only the same-origin rule can let it through.
    const host = 'console.example.test';
    const login = await raw(runner.port, 'POST', '/identity/auth/login', { host, origin: `http://${host}`, 'content-type': 'application/json' }, JSON.stringify(ADMIN));
    expect(login.status).toBe(200);
    const cookie = (login.headers['set-cookie'] as string[])[0]!.split(';')[0]!;
    const create = (origin: string) =>
      raw(runner.port, 'POST', '/identity/keys', { host, origin, cookie, 'content-type': 'application/json' }, JSON.stringify({ name: 'from the console', permissions: ['submit_score'] }));
    expect((await create(`http://${host}`)).status).toBe(201);
    // Another site, or the right host under the wrong scheme, is still refused.
    expect(await create('https://evil.example')).toMatchObject({ status: 403, json: { error_code: 'csrf_rejected' } });
    expect(await create(`https://${host}`)).toMatchObject({ status: 403, json: { error_code: 'csrf_rejected' } });
    const foreignLogin = await raw(runner.port, 'POST', '/identity/auth/login', { host, origin: 'https://evil.example', 'content-type': 'application/json' }, JSON.stringify(ADMIN));
    expect(foreignLogin).toMatchObject({ status: 403, json: { error_code: 'csrf_rejected' } });
  });
});

describe('Function: consoleConfig', () => {
  it('gives a deployment without plans `plans: []`, so the page shows no plan, usage or plan control', () => {
    const config = consoleConfig({ basePath: '/v1', permissions: REFERENCE_PERMISSIONS, routes: [], prefixes: { user: 'user_key_', bot: 'bot_key_' }, publicPrefix: '' });
    expect(config.plans).toEqual([]);
    expect(config.methods.setKeyPlan).toBe('PUT');
  });
});
