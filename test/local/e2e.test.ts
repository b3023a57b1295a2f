/**
 * `npm start` from the outside: the synthesized app served over real HTTP,
 * as a user meets it. One runner for the file (restarted once, to see the
 * data survive), a data folder in a temp directory.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as oauth from 'oauth4webapi';
import { keyGrantable } from '../../lambda/core/catalog';
import { REFERENCE_CATALOG } from '../../lib/reference-app';
import { generateToken, newId } from '../../lambda/core/token';
import { call, isAlive, javaPidOf, startRunner, synthOnce, type StartedRunner } from './runner-process';

jest.setTimeout(60_000);

const dataDir = mkdtempSync(join(tmpdir(), 'keygate-e2e-'));
const workDir = mkdtempSync(join(tmpdir(), 'keygate-qs-'));
let runner: StartedRunner;
let adminPassword: string;
let adminCookie: string;

const UNAUTHORIZED_MESSAGE = 'missing or invalid credentials; POST /v1/auth/verify tells why a key is refused';

async function login(email: string, password: string): Promise<string> {
  const res = await fetch(`${runner.base}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  expect(res.status).toBe(200);
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('keygate_session='));
  return cookie!.split(';')[0]!;
}

/** A session on an unsafe method needs an allowed Origin; the runner allows its own. */
function asSession(cookie: string): Record<string, string> {
  return { cookie, origin: runner.base };
}

async function createKey(permissions: readonly string[], name = 'test key'): Promise<{ key: string; id: string }> {
  const res = await call(runner.base, 'POST', '/v1/keys', { headers: asSession(adminCookie), body: { name, permissions } });
  expect(res.status).toBe(201);
  return res.body;
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** Polls until the gateway refuses a key: revocation may take the authorizer's cache TTL (5 s by default). */
async function refusedWithin(key: string, ms: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    const res = await call(runner.base, 'POST', '/v1/scores', { headers: bearer(key), body: {} });
    if (res.status === 401) return Date.now() - start;
    if (Date.now() - start > ms) throw new Error(`key still accepted after ${ms} ms (status ${res.status})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

beforeAll(async () => {
  await synthOnce();
  runner = await startRunner({ env: { KEYGATE_DATA_DIR: dataDir, KEYGATE_ADMIN_EMAIL: undefined, KEYGATE_ADMIN_PASSWORD: undefined, KEYGATE_IN_MEMORY: undefined } });
  adminPassword = /password (\w+) {2}\(generated/.exec(runner.output())![1]!;
  adminCookie = await login('admin@keygate.local', adminPassword);
}, 180_000);

afterAll(async () => {
  await runner?.stop();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(workDir, { recursive: true, force: true });
});

describe('npm start', () => {
  describe('the printed quick start', () => {
    it('works as written: log in with curl, make a key, call POST /v1/scores with it', async () => {
      // Prepare: the printed commands, exactly
      const commands = runner
        .output()
        .split('\n')
        .filter((l) => /^ {2}(curl|KEY=)/.test(l))
        .map((l) => l.trim());
      expect(commands).toHaveLength(3);

      // Act
      const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', commands.join('\n')], { cwd: workDir });

      // Assess
      const [loginOut, key, scoreOut] = stdout.trim().split('\n');
      expect(JSON.parse(loginOut!).user).toMatchObject({ email: 'admin@keygate.local', admin: true });
      expect(key).toMatch(/^user_key_[0-9A-Za-z]+$/);
      expect(JSON.parse(scoreOut!)).toMatchObject({ authMethod: 'api_key', permissions: ['submit_score'], body: {}, path: '/v1/scores' });
    });

    it('says plainly that DynamoDB Local listens on every interface, and closes what it can: telemetry off, no CORS for any web page', async () => {
      const endpoint = /\n {2}DynamoDB {3}(http:\/\/127\.0\.0\.1:\d+) /.exec(runner.output())![1]!;
      expect(runner.output()).toContain(`note       DynamoDB Local listens on every network interface (port ${new URL(endpoint).port}), not only 127.0.0.1`);
      // A page in a local browser asks DynamoDB Local for CORS: no origin is allowed.
      const preflight = await fetch(endpoint, {
        method: 'OPTIONS',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-amz-target' },
      });
      expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
      // Telemetry cannot be seen offline; the flag it runs with can.
      expect(readFileSync(`/proc/${javaPidOf(dataDir)}/cmdline`, 'utf8').split('\0')).toContain('-disableTelemetry');
    });
  });

  describe("the README's quick start", () => {
    /** The ```sh blocks of README.md that follow `marker`, with the port and password of this run. */
    function readmeBlock(marker: string): string {
      const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
      const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf(marker)))![1]!;
      return block.replaceAll('http://127.0.0.1:3000', runner.base).replaceAll('<printed password>', adminPassword);
    }

    it('works exactly as written, and the refusals it shows answer as the README says', async () => {
      // Prepare: the README's two blocks, run in one shell as a reader would
      const quickStart = readmeBlock('same steps, commented');
      const tryThis = readmeBlock('Then try what a key may not do');
      const expected = tryThis.split('\n').filter((l) => l.startsWith('# ')).map((l) => JSON.parse(l.slice(2)) as unknown);
      expect(expected).toHaveLength(2);

      // Act
      const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', `${quickStart}\n${tryThis}`], { cwd: workDir });

      // Assess
      const lines = stdout.trim().split('\n');
      expect(lines).toHaveLength(5);
      expect(JSON.parse(lines[0]!).user).toMatchObject({ email: 'admin@keygate.local' });
      expect(lines[1]).toMatch(/^user_key_[0-9A-Za-z]{62}$/);
      expect(JSON.parse(lines[2]!)).toMatchObject({ authMethod: 'api_key', permissions: ['submit_score'] });
      expect(lines.slice(3).map((l) => JSON.parse(l) as unknown)).toEqual(expected);
    });
  });

  describe('API clients and OAuth, through the runner', () => {
    it('gives a stock OAuth client (oauth4webapi) a key: discovery at the root, consent in JSON, PKCE, the code exchange', async () => {
      // Prepare: a confidential client of the admin
      const redirectUri = 'http://127.0.0.1:8765/callback';
      const registered = await call(runner.base, 'POST', '/v1/clients', { headers: asSession(adminCookie), body: { name: 'Runner Tool', redirectUris: [redirectUri], permissions: ['submit_score'] } });
      expect(registered.status).toBe(201);
      const tool: oauth.Client = { client_id: registered.body.id };
      const insecure = { [oauth.allowInsecureRequests]: true };
      const verifier = oauth.generateRandomCodeVerifier();
      const codeChallenge = await oauth.calculatePKCECodeChallenge(verifier);

      // Act
      const issuer = new URL(runner.base);
      const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
      const query = { response_type: 'code', client_id: tool.client_id, redirect_uri: redirectUri, state: 'st', code_challenge: codeChallenge, code_challenge_method: 'S256' };
      const page = await fetch(`${as.authorization_endpoint}?${new URLSearchParams(query)}`);
      const decided = await call(runner.base, 'POST', '/v1/oauth/authorize', { headers: asSession(adminCookie), body: { ...query, decision: 'approve' } });
      const params = oauth.validateAuthResponse(as, tool, new URL(decided.body.redirectTo), 'st');
      const response = await oauth.authorizationCodeGrantRequest(as, tool, oauth.ClientSecretBasic(registered.body.secret), params, redirectUri, verifier, insecure);
      const token = await oauth.processAuthorizationCodeResponse(as, tool, response);
      const scored = await call(runner.base, 'POST', '/v1/scores', { headers: bearer(token.access_token), body: {} });

      // Assess: the hosted page passes the gateway as HTML, the key is a key of the admin marked with the client
      expect(as.token_endpoint).toBe(`${runner.base}/v1/oauth/token`);
      expect([page.status, page.headers.get('content-type'), page.headers.get('content-security-policy')?.startsWith("default-src 'none'")]).toEqual([200, 'text/html; charset=utf-8', true]);
      expect(scored.body).toMatchObject({ authMethod: 'api_key', clientId: tool.client_id, permissions: ['submit_score'] });
    });

    it("runs the README's \"Let a third-party tool get a key\" as written", async () => {
      // Prepare: its two blocks after the quick start's login
      const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
      const section = readme.slice(readme.indexOf('## Let a third-party tool get a key'));
      const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].slice(0, 2).map((m) => m[1]!);
      const login = /```sh\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('same steps, commented')))![1]!.split('\n').slice(0, 3).join('\n');
      expect(login).toContain('/v1/auth/login');
      const script = [`${login} > /dev/null`, ...blocks].join('\n').replaceAll('http://127.0.0.1:3000', runner.base).replaceAll('<printed password>', adminPassword);

      // Act
      const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], { cwd: workDir });

      // Assess: the authorization URL, the key, the route's answer, the client file
      const [url, key, echo, file, ...rest] = stdout.trim().split('\n');
      expect(rest).toEqual([]);
      expect((await fetch(url!)).status).toBe(200);
      expect(key).toMatch(/^user_key_[0-9A-Za-z]{62}$/);
      expect(JSON.parse(echo!)).toMatchObject({ authMethod: 'api_key', clientId: expect.stringMatching(/^[0-9A-Za-z]{12}$/), permissions: ['submit_score'] });
      expect((JSON.parse(file!) as { apiKey: string }).apiKey).toMatch(/^user_key_[0-9A-Za-z]{62}$/);
    });
  });

  describe('the permission matrix', () => {
    const routes = [
      ['GET', '/v1/scores/1', '/v1/scores/{scoreId}', 'authenticated'],
      ['POST', '/v1/scores', '/v1/scores', 'submit_score'],
      ['PATCH', '/v1/scores/1', '/v1/scores/{scoreId}', 'customise_score'],
      ['DELETE', '/v1/scores/1', '/v1/scores/{scoreId}', 'delete_score'],
      ['PATCH', '/v1/users/me', '/v1/users/me', 'customise_profile'],
      ['PATCH', '/v1/sessions/s1', '/v1/sessions/{sessionId}', 'customise_session'],
      ['GET', '/v1/keys', '/v1/keys', 'manage_keys'],
      ['GET', '/v1/auth/sessions', '/v1/auth/sessions', 'manage_sessions'],
      ['POST', '/v1/admin/users', '/v1/admin/users', 'admin'],
    ] as const;

    it('lets each key, user session and admin session through exactly where its permissions allow', async () => {
      // Prepare
      const scoreKey = await createKey(['submit_score']);
      const allKey = await createKey(keyGrantable(REFERENCE_CATALOG));
      const user = await call(runner.base, 'POST', '/v1/admin/users', {
        headers: asSession(adminCookie),
        body: { email: 'player@example.com', password: 'a long enough password', kind: 'human' },
      });
      expect(user.status).toBe(201);
      const userCookie = await login('player@example.com', 'a long enough password');
      const principals = [
        { name: 'submit_score key', headers: bearer(scoreKey.key), permissions: ['submit_score'] },
        { name: 'all-permissions key', headers: bearer(allKey.key), permissions: keyGrantable(REFERENCE_CATALOG) },
        { name: 'user session', headers: asSession(userCookie), permissions: REFERENCE_CATALOG.filter((p) => p.grant !== 'admin').map((p) => p.name) },
        { name: 'admin session', headers: asSession(adminCookie), permissions: REFERENCE_CATALOG.map((p) => p.name) },
      ];

      // Act
      const outcomes: string[] = [];
      const expected: string[] = [];
      for (const p of principals) {
        for (const [method, path, resource, needs] of routes) {
          const res = await call(runner.base, method, path, { headers: p.headers, ...(method === 'GET' ? {} : { body: {} }) });
          const allowed = needs === 'authenticated' || p.permissions.includes(needs);
          expected.push(`${p.name} ${method} ${path}: ${allowed ? 'reached' : `403 missing_permission '${needs}' at ${resource}`}`);
          outcomes.push(
            `${p.name} ${method} ${path}: ${
              res.status === 403 && res.body.error_code === 'missing_permission'
                ? `403 missing_permission '${/'([a-z_]+)'/.exec(res.body.error_message)?.[1]}' at ${res.body.endpoint}`
                : res.status === 401 || res.status === 403 || res.status >= 500
                  ? `${res.status} ${JSON.stringify(res.body)}`
                  : 'reached'
            }`,
          );
        }
      }

      // Assess
      expect(outcomes).toEqual(expected);
    });
  });

  describe('the §5 error bodies', () => {
    it.each([
      ['no credentials', {}],
      ['a malformed Authorization header', { authorization: 'Basic abc' }],
      ['a key with the wrong prefix', { authorization: 'Bearer api_key_123' }],
      ['a key with a typo', { authorization: `Bearer ${generateToken('user', newId()).value.slice(0, -1)}A` }],
      ['an unknown key', bearer(generateToken('user', newId()).value)],
      ['an unknown session cookie', { cookie: `keygate_session=${generateToken('session', newId()).value}` }],
    ])('401 unauthorized with WWW-Authenticate for %s', async (_, headers) => {
      const res = await call(runner.base, 'POST', '/v1/scores', { headers, body: {} });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(res.body).toEqual({ status_code: 401, endpoint: '/v1/scores', error_code: 'unauthorized', error_message: UNAUTHORIZED_MESSAGE });
    });

    it('403 missing_permission names the permission', async () => {
      const { key } = await createKey(['submit_score']);
      const res = await call(runner.base, 'DELETE', '/v1/scores/7', { headers: bearer(key) });
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ status_code: 403, endpoint: '/v1/scores/{scoreId}', error_code: 'missing_permission', error_message: expect.stringContaining("'delete_score'") });
    });

    it.each([
      ['without an Origin', {}],
      ['from an origin that is not allowed', { origin: 'https://evil.example' }],
    ])('403 csrf_rejected for a session cookie on POST %s', async (_, extra) => {
      const res = await call(runner.base, 'POST', '/v1/keys', { headers: { cookie: adminCookie, ...extra }, body: { name: 'x', permissions: [] } });
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ status_code: 403, endpoint: '/v1/keys', error_code: 'csrf_rejected' });
    });

    it('404 not_found for a route the API does not have, with an empty endpoint (the path as sent is never substituted)', async () => {
      const res = await call(runner.base, 'GET', '/v1/nothing/here', { headers: bearer(generateToken('user', newId()).value) });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ status_code: 404, endpoint: '', error_code: 'not_found', error_message: 'no such route' });
    });

    it.each<[string, { body?: unknown; raw?: string; headers?: Record<string, string> }, string]>([
      ['a session-only permission', { body: { name: 'x', permissions: ['manage_keys'] } }, 'manage_keys'],
      ['an unknown permission', { body: { name: 'x', permissions: ['fly'] } }, 'fly'],
      ['bad JSON', { raw: '{"name":', headers: { 'content-type': 'application/json' } }, ''],
    ])('400 validation for %s', async (_, options, mentioned) => {
      const res = await call(runner.base, 'POST', '/v1/keys', { ...options, headers: { ...asSession(adminCookie), ...options.headers } });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ status_code: 400, endpoint: '/v1/keys', error_code: 'validation' });
      expect(res.body.error_message).toContain(mentioned);
    });

    it('429 too_many_attempts after repeated failed logins', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 8 && !statuses.includes(429); i++) {
        statuses.push((await call(runner.base, 'POST', '/v1/auth/login', { body: { email: 'locked-out@example.com', password: `wrong password ${i}` } })).status);
      }
      const last = await call(runner.base, 'POST', '/v1/auth/login', { body: { email: 'locked-out@example.com', password: 'wrong again, still' } });
      expect(statuses[0]).toBe(401);
      expect(last.status).toBe(429);
      expect(last.body).toMatchObject({ status_code: 429, error_code: 'too_many_attempts' });
    });

    it('POST /v1/auth/verify says why a key is refused', async () => {
      const res = await call(runner.base, 'POST', '/v1/auth/verify', { body: { key: 'bot_key_abc' } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ valid: false, error_code: 'malformed_key' });
    });
  });

  describe('paths with empty segments, as API Gateway routes them', () => {
    it.each(['/v1/auth/me/', '//v1/auth/me', '/v1//auth/me', '/v1/auth/me//'])('%s with a valid key is GET /v1/auth/me', async (path) => {
      const { key, id } = await createKey(['submit_score'], 'slashes');
      const res = await call(runner.base, 'GET', path, { headers: bearer(key) });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ authMethod: 'api_key', keyId: id, user: { email: 'admin@keygate.local' } });
    });

    it('every 403 carries an error_code, whatever the slashes', async () => {
      // Prepare: refusals of each kind, on paths spelled with extra slashes
      const { key } = await createKey(['submit_score'], 'refused');
      const spellings = (path: string) => [path, `${path}/`, `/${path}`, path.replace('/v1/', '/v1//')];
      const cases: [string, string, Record<string, string>, string][] = [
        ...spellings('/v1/keys').map((p): [string, string, Record<string, string>, string] => ['GET', p, bearer(key), 'missing_permission']),
        ...spellings('/v1/scores/7').map((p): [string, string, Record<string, string>, string] => ['DELETE', p, bearer(key), 'missing_permission']),
        ...spellings('/v1/keys').map((p): [string, string, Record<string, string>, string] => ['POST', p, { cookie: adminCookie }, 'csrf_rejected']),
      ];

      // Act
      const seen: string[] = [];
      for (const [method, path, headers] of cases) {
        const res = await call(runner.base, method, path, { headers, ...(method === 'GET' ? {} : { body: {} }) });
        seen.push(`${method} ${path} → ${res.status} ${res.body?.error_code || '(no error_code)'}`);
      }

      // Assess
      expect(seen).toEqual(cases.map(([method, path, , code]) => `${method} ${path} → 403 ${code}`));
    });
  });

  describe('rotation and revocation, from outside', () => {
    it('rotating gives a new key that works at once; the old one is refused within the cache TTL', async () => {
      // Prepare
      const old = await createKey(['submit_score'], 'rotating');
      expect((await call(runner.base, 'POST', '/v1/scores', { headers: bearer(old.key), body: {} })).status).toBe(200);

      // Act
      const rotated = await call(runner.base, 'POST', `/v1/keys/${old.id}/rotate`, { headers: asSession(adminCookie), body: {} });

      // Assess
      expect(rotated.status).toBe(201);
      expect(rotated.body).toMatchObject({ name: 'rotating', permissions: ['submit_score'] });
      const fresh = await call(runner.base, 'POST', '/v1/scores', { headers: bearer(rotated.body.key), body: {} });
      expect(fresh.status).toBe(200);
      expect(fresh.body.keyId).toBe(rotated.body.id);
      expect((await call(runner.base, 'POST', '/v1/auth/verify', { body: { key: old.key } })).body).toMatchObject({ valid: false, error_code: 'key_revoked' });
      expect(await refusedWithin(old.key, 7000)).toBeLessThan(7000);
    });

    it('a grace period keeps the old key working', async () => {
      const old = await createKey(['submit_score'], 'graceful');
      const rotated = await call(runner.base, 'POST', `/v1/keys/${old.id}/rotate`, { headers: asSession(adminCookie), body: { gracePeriodSeconds: 600 } });
      expect(rotated.status).toBe(201);
      expect((await call(runner.base, 'POST', '/v1/scores', { headers: bearer(old.key), body: {} })).status).toBe(200);
      expect((await call(runner.base, 'POST', '/v1/scores', { headers: bearer(rotated.body.key), body: {} })).status).toBe(200);
    });

    it('a revoked key is refused (at once if the authorizer has not cached it), and revoking again is harmless', async () => {
      // Prepare
      const used = await createKey(['submit_score'], 'used');
      const unused = await createKey(['submit_score'], 'unused');
      expect((await call(runner.base, 'POST', '/v1/scores', { headers: bearer(used.key), body: {} })).status).toBe(200);

      // Act
      const statuses = [];
      for (const k of [used, unused, used]) statuses.push((await call(runner.base, 'DELETE', `/v1/keys/${k.id}`, { headers: asSession(adminCookie) })).status);

      // Assess
      expect(statuses).toEqual([204, 204, 204]);
      expect((await call(runner.base, 'POST', '/v1/scores', { headers: bearer(unused.key), body: {} })).status).toBe(401);
      expect(await refusedWithin(used.key, 7000)).toBeLessThan(7000);
    });
  });

  describe('stopping and starting again', () => {
    it('Ctrl-C stops the server and DynamoDB Local; a restart keeps users and keys', async () => {
      // Prepare
      const keep = await createKey(['submit_score'], 'survivor');
      const javaPid = javaPidOf(dataDir);
      expect(javaPid && isAlive(javaPid)).toBe(true);

      // Act: Ctrl-C, then start again on the same data
      await runner.stop('SIGINT');
      const stoppedOutput = runner.output();
      const portFree = await new Promise<boolean>((resolve) => {
        const socket = createConnection(runner.port, '127.0.0.1');
        socket.once('connect', () => (socket.destroy(), resolve(false)));
        socket.once('error', () => resolve(true));
      });
      runner = await startRunner({ env: { KEYGATE_DATA_DIR: dataDir, KEYGATE_ADMIN_EMAIL: undefined, KEYGATE_ADMIN_PASSWORD: undefined } });

      // Assess
      expect(stoppedOutput).toContain('stopped.');
      expect(isAlive(javaPid!)).toBe(false);
      expect(portFree).toBe(true);
      expect(runner.output()).toContain('admin@keygate.local (exists');
      expect(runner.output()).not.toContain(adminPassword);
      expect((await call(runner.base, 'POST', '/v1/scores', { headers: bearer(keep.key), body: {} })).status).toBe(200);
      adminCookie = await login('admin@keygate.local', adminPassword);
    }, 90_000);
  });

  describe('when DynamoDB is down', () => {
    it('500 authorizer_failure, never an Allow', async () => {
      // Prepare: DynamoDB Local goes away under the running API
      process.kill(javaPidOf(dataDir)!, 'SIGKILL');

      // Act
      const res = await call(runner.base, 'POST', '/v1/scores', { headers: bearer(generateToken('user', newId()).value), body: {} });

      // Assess
      expect(res.status).toBe(500);
      expect(res.body).toMatchObject({ status_code: 500, endpoint: '/v1/scores', error_code: 'authorizer_failure' });
    });
  });
});
