/**
 * What every management Lambda does whatever the route: re-checking the
 * caller the authorizer let through, CORS, the error body, and hiding
 * faults. Events are built by hand here, to forge what the gateway never
 * would.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createAuthHandler } from '../../lambda/management/auth/routes';
import { buildDeps } from '../../lambda/management/deps';
import { loadManagementConfig } from '../../lambda/shared/management-config';
import { DynamoAccountStore } from '../../lambda/store/dynamo-account-store';
import { lambdaContext } from '../../fixtures/lambda-context';
import { ORIGIN, makeUser, managementEnv, proxyEvent, type ManagementHandlers, type ProxyRequest } from '../support/management-api';
import { Testbed } from '../support/testbed';
import { issueKey, issueSession } from '../../lambda/management/mint';
import { DEFAULT_PREFIXES } from '../../lambda/core/token';

let bed: Testbed;
let client: DynamoDBClient;
let table: string;
let handlers: ManagementHandlers;
let accounts: DynamoAccountStore;

beforeAll(async () => {
  bed = await Testbed.open();
  ({ client, table, accounts } = bed);
  handlers = bed.api.handlers;
});
afterAll(() => bed.close());

async function invoke(target: keyof ManagementHandlers, req: ProxyRequest) {
  const res = await handlers[target](proxyEvent(req), lambdaContext());
  return { status: res.statusCode, headers: (res.headers ?? {}) as Record<string, string>, body: res.body ? JSON.parse(res.body) : undefined };
}

/** The context the authorizer would have produced for this user and credential. */
function context(userId: string, credential: { sessionId: string } | { keyId: string }, permissions: string[]) {
  return { principalId: userId, userId, authMethod: 'sessionId' in credential ? 'session' : 'api_key', ...credential, permissions: permissions.join(',') };
}

describe('Management Lambdas: the caller is checked again', () => {
  it('refuses a session whose context claims admin for a user who is not one', async () => {
    const user = await makeUser(accounts);
    const { token } = await issueSession(accounts, DEFAULT_PREFIXES, user.userId, Date.now() + 60_000);
    const res = await invoke('admin', {
      method: 'POST',
      resource: '/v1/admin/users',
      body: { email: 'x@example.com', kind: 'bot' },
      authorizer: context(user.userId, { sessionId: token.id }, ['admin', 'manage_keys']),
    });
    expect(res).toMatchObject({ status: 403, body: { status_code: 403, endpoint: '/v1/admin/users', error_code: 'missing_permission', error_message: "this route needs the 'admin' permission" } });
  });

  it('refuses a key whose context claims a session-only permission', async () => {
    const user = await makeUser(accounts);
    const { token } = await issueKey(accounts, DEFAULT_PREFIXES, user.userId, 'user', { name: 'k', permissions: ['manage_keys', 'submit_score'] });
    const res = await invoke('keys', { method: 'GET', resource: '/v1/keys', authorizer: context(user.userId, { keyId: token.id }, ['manage_keys', 'submit_score']) });
    expect(res).toMatchObject({ status: 403, body: { error_code: 'missing_permission' } });
  });

  const changes: [string, (userId: string, sessionId: string) => Promise<unknown>][] = [
    ['a disabled user', (userId) => accounts.setDisabled(userId, true)],
    ['a deleted session', (userId, sessionId) => accounts.deleteSession(userId, sessionId)],
  ];
  it.each(changes)('refuses %s with 401 even if the authorizer let it through', async (_label, change) => {
    const user = await makeUser(accounts);
    const { token } = await issueSession(accounts, DEFAULT_PREFIXES, user.userId, Date.now() + 60_000);
    await change(user.userId, token.id);
    const res = await invoke('auth', { method: 'GET', resource: '/v1/auth/me', authorizer: context(user.userId, { sessionId: token.id }, ['manage_sessions']) });
    expect(res).toMatchObject({ status: 401, body: { error_code: 'unauthorized', error_message: 'credentials are no longer valid' } });
    expect(res.headers['WWW-Authenticate']).toBe('Bearer');
  });

  it('refuses an expired session and a revoked key with 401', async () => {
    const user = await makeUser(accounts);
    const old = await issueSession(accounts, DEFAULT_PREFIXES, user.userId, Date.now() - 1);
    const key = await issueKey(accounts, DEFAULT_PREFIXES, user.userId, 'user', { name: 'k', permissions: [] });
    await accounts.revokeKey(user.userId, key.token.id);
    for (const credential of [{ sessionId: old.token.id }, { keyId: key.token.id }]) {
      const res = await invoke('auth', { method: 'GET', resource: '/v1/auth/me', authorizer: context(user.userId, credential, []) });
      expect(res.status).toBe(401);
    }
  });

  it('refuses a protected route reached without an authorizer context', async () => {
    const res = await invoke('keys', { method: 'GET', resource: '/v1/keys', authorizer: null });
    expect(res).toMatchObject({ status: 401, body: { status_code: 401, endpoint: '/v1/keys', error_code: 'unauthorized', error_message: 'no credentials' } });
  });

  it('answers 404 for a route another Lambda serves', async () => {
    const res = await invoke('keys', { method: 'POST', resource: '/v1/admin/users', authorizer: null });
    expect(res).toMatchObject({ status: 404, body: { error_code: 'not_found', endpoint: '/v1/admin/users' } });
  });
});

describe('Management Lambdas: HTTP', () => {
  const verify = (headers: Record<string, string>, body: unknown = { key: 'nope' }) =>
    invoke('auth', { method: 'POST', resource: '/v1/auth/verify', headers, body });

  it('reflects an allowed Origin with credentials, on answers and on errors alike', async () => {
    const ok = await verify({ origin: ORIGIN });
    const refused = await verify({ Origin: ORIGIN }, { nope: 1 });
    for (const res of [ok, refused]) {
      expect(res.headers['Access-Control-Allow-Origin']).toBe(ORIGIN);
      expect(res.headers['Access-Control-Allow-Credentials']).toBe('true');
      expect(res.headers.Vary).toBe('Origin');
    }
    expect(ok.status).toBe(200);
    expect(refused.status).toBe(400);
  });

  it('gives no CORS headers to another origin', async () => {
    const res = await verify({ Origin: 'https://evil.example.com' });
    expect(res.headers['Access-Control-Allow-Origin']).toBeUndefined();
    expect(res.headers['Access-Control-Allow-Credentials']).toBeUndefined();
  });

  it('reads a base64-encoded body, and measures its decoded size', async () => {
    const event = proxyEvent({ method: 'POST', resource: '/v1/auth/verify', authorizer: null });
    const small = await handlers.auth({ ...event, isBase64Encoded: true, body: Buffer.from('{"key":"user_key_x"}').toString('base64') }, lambdaContext());
    expect(JSON.parse(small.body)).toMatchObject({ valid: false, error_code: 'malformed_key' });
    const big = await handlers.auth({ ...event, isBase64Encoded: true, body: Buffer.from(JSON.stringify({ key: 'k'.repeat(20_000) })).toString('base64') }, lambdaContext());
    expect(big.statusCode).toBe(400);
  });

  it('turns a fault into a bare 500, and logs it without the request body', async () => {
    // Prepare: a handler whose table does not exist
    const deps = buildDeps(loadManagementConfig({ ...managementEnv(`missing-${table}`) }), client);
    const broken = createAuthHandler(deps);
    const logged: string[] = [];
    const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (logged.push(String(chunk)), true));
    const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => (logged.push(String(chunk)), true));

    // Act
    let res;
    try {
      res = await broken(proxyEvent({ method: 'POST', resource: '/v1/auth/login', body: { email: 'a@example.com', password: 'the secret password' }, authorizer: null }), lambdaContext());
    } finally {
      out.mockRestore();
      err.mockRestore();
    }

    // Assess
    expect(res.statusCode).toBe(500);
    expect(JSON.parse(res.body)).toEqual({ status_code: 500, endpoint: '/v1/auth/login', error_code: 'internal_error', error_message: 'internal error' });
    expect(res.body).not.toMatch(/ResourceNotFound|missing-|dynamo/i);
    expect(logged.join('')).toContain('management_fault');
    expect(logged.join('')).not.toContain('the secret password');
  });
});
