/**
 * The auth Lambda through its real middy handler, behind the real
 * authorizer, against DynamoDB Local: login, lockout, logout, me, sessions,
 * password change and the audit trail.
 */
import { QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createAuthHandler } from '../../lambda/management/auth/routes';
import { buildDeps } from '../../lambda/management/deps';
import { loadManagementConfig } from '../../lambda/shared/management-config';
import { DynamoAccountStore } from '../../lambda/store/dynamo-account-store';
import { ManagementApi, makeUser, sessionFromCookie, type ManagementHandlers } from '../support/management-api';
import { Testbed } from '../support/testbed';
import { issueKey, issueSession } from '../../lambda/management/mint';
import { DEFAULT_PREFIXES } from '../../lambda/core/token';

let bed: Testbed;
let client: DynamoDBClient;
let table: string;
let handlers: ManagementHandlers;
let api: ManagementApi;
let accounts: DynamoAccountStore;

beforeAll(async () => {
  bed = await Testbed.open();
  ({ client, table, api, accounts } = bed);
  handlers = api.handlers;
});
afterAll(() => bed.close());

async function userWithKey(permissions: string[] = ['submit_score']) {
  const user = await makeUser(accounts);
  const { token } = await issueKey(accounts, DEFAULT_PREFIXES, user.userId, 'user', { name: 'k', permissions });
  return { ...user, key: token.value, keyId: token.id };
}

async function partitionItems(userId: string) {
  const out = await client.send(
    new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: `USER#${userId}` } } }),
  );
  return out.Items ?? [];
}

describe('Handler: auth', () => {
  describe('Route: POST /v1/auth/login', () => {
    it('logs a user in: user, expiry, and a Secure HttpOnly SameSite=Lax cookie whose session works', async () => {
      // Prepare
      const user = await makeUser(accounts);
      const before = Date.now();

      // Act
      const res = await api.call('POST', '/v1/auth/login', { body: { email: user.email.toUpperCase(), password: user.password } });

      // Assess
      expect(res.status).toBe(200);
      expect(res.body.user).toEqual({ id: user.userId, email: user.email, kind: 'human', admin: false, disabled: false, createdAt: expect.any(String), plan: null });
      const expiresAt = Date.parse(res.body.expiresAt);
      expect(expiresAt).toBeGreaterThanOrEqual(before + 7 * 24 * 3600 * 1000);
      expect(res.headers['Set-Cookie']).toMatch(/^keygate_session=session_[0-9A-Za-z]{62}; HttpOnly; Secure; SameSite=Lax; Path=\/; Max-Age=604800$/);
      expect(res.headers['Cache-Control']).toBe('no-store');
      const me = await api.call('GET', '/v1/auth/me', { session: sessionFromCookie(res.headers['Set-Cookie']) });
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ user: { id: user.userId }, authMethod: 'session' });
    });

    it('refuses a login from a page on a foreign origin (login CSRF), and accepts scripts without Origin', async () => {
      // Prepare
      const user = await makeUser(accounts);
      const body = { email: user.email, password: user.password };

      // Act
      const foreign = await api.call('POST', '/v1/auth/login', { body, origin: 'https://evil.example.com' });
      const script = await api.call('POST', '/v1/auth/login', { body, origin: null });

      // Assess
      expect(foreign.status).toBe(403);
      expect(foreign.body).toEqual({ status_code: 403, endpoint: '/v1/auth/login', error_code: 'csrf_rejected', error_message: 'this Origin is not allowed to log in' });
      expect(foreign.headers['Set-Cookie']).toBeUndefined();
      expect(script.status).toBe(200);
    });

    it('gives the same 401 for a wrong password, an unknown e-mail, a bot and a disabled user', async () => {
      // Prepare
      const user = await makeUser(accounts);
      const bot = await makeUser(accounts, { kind: 'bot' });
      const disabled = await makeUser(accounts);
      await accounts.setDisabled(disabled.userId, true);

      // Act
      const answers = await Promise.all([
        api.call('POST', '/v1/auth/login', { body: { email: user.email, password: 'wrong password 123' } }),
        api.call('POST', '/v1/auth/login', { body: { email: 'nobody-here@example.com', password: 'wrong password 123' } }),
        api.call('POST', '/v1/auth/login', { body: { email: bot.email, password: bot.password } }),
        api.call('POST', '/v1/auth/login', { body: { email: disabled.email, password: disabled.password } }),
      ]);

      // Assess
      for (const res of answers) {
        expect(res.status).toBe(401);
        expect(res.body).toEqual({ status_code: 401, endpoint: '/v1/auth/login', error_code: 'unauthorized', error_message: 'e-mail or password is wrong' });
        expect(res.headers['WWW-Authenticate']).toBe('Bearer');
        expect(res.headers['Set-Cookie']).toBeUndefined();
      }
    });

    it.each([
      ['a missing field', { email: 'a@example.com' }, "'password' is required"],
      ['an unknown field', { email: 'a@example.com', password: 'x', remember: true }, "unknown field 'remember'"],
      ['a wrong type', { email: 5, password: 'x' }, "'email': Invalid input: expected string, received number"],
      ['a body that is not an object', [1, 2], 'request body: Invalid input: expected object, received array'],
      ['bad JSON', '{"email": "a@example.com", "password": "hunter2hunter2"', 'request body is not valid JSON'],
    ])('refuses %s with 400 validation naming it', async (_label, body, message) => {
      const res = await api.call('POST', '/v1/auth/login', { body });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ status_code: 400, endpoint: '/v1/auth/login', error_code: 'validation', error_message: message });
      expect(JSON.stringify(res.body)).not.toContain('hunter2');
    });

    it('refuses a body over 16 KiB before reading it', async () => {
      const res = await api.call('POST', '/v1/auth/login', { body: { email: 'a@example.com', password: 'x'.repeat(17 * 1024) } });
      expect(res.status).toBe(400);
      expect(res.body.error_code).toBe('validation');
      expect(res.body.error_message).toMatch(/^request body is \d+ bytes; at most 16384 are accepted$/);
    });
  });

  describe('Route: POST /v1/auth/login — lockout', () => {
    it('answers 429 too_many_attempts after 5 failures, even to the right password', async () => {
      // Prepare
      const user = await makeUser(accounts);
      for (let i = 0; i < 5; i++) {
        expect((await api.call('POST', '/v1/auth/login', { body: { email: user.email, password: `wrong ${i}` } })).status).toBe(401);
      }

      // Act
      const locked = await api.call('POST', '/v1/auth/login', { body: { email: user.email, password: user.password } });

      // Assess
      expect(locked.status).toBe(429);
      expect(locked.body).toMatchObject({ status_code: 429, endpoint: '/v1/auth/login', error_code: 'too_many_attempts' });
      expect(Number(locked.headers['Retry-After'])).toBeGreaterThan(0);
      expect(Number(locked.headers['Retry-After'])).toBeLessThanOrEqual(15 * 60);
      // Other accounts are not affected.
      const other = await makeUser(accounts);
      expect((await api.call('POST', '/v1/auth/login', { body: { email: other.email, password: other.password } })).status).toBe(200);
    });

    it('locks an unknown e-mail the same way, so the lockout tells nothing either', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await api.call('POST', '/v1/auth/login', { body: { email: 'ghost@example.com', password: `p${i}` } })).status);
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    });

    it('lets at most 5 of many concurrent guesses reach the password check', async () => {
      const user = await makeUser(accounts);
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => api.call('POST', '/v1/auth/login', { body: { email: user.email, password: `guess ${i}` } })),
      );
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 401)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(15);
    });

    it('clears the count on a successful login', async () => {
      const user = await makeUser(accounts);
      for (let i = 0; i < 4; i++) await api.call('POST', '/v1/auth/login', { body: { email: user.email, password: `wrong ${i}` } });
      expect((await api.call('POST', '/v1/auth/login', { body: { email: user.email, password: user.password } })).status).toBe(200);
      for (let i = 0; i < 5; i++) {
        expect((await api.call('POST', '/v1/auth/login', { body: { email: user.email, password: `wrong ${i}` } })).status).toBe(401);
      }
    });

    it('lets the user in again once the 15-minute window has passed', async () => {
      // Prepare: the auth handler on a clock the test moves
      let now = Date.now();
      const deps = buildDeps(loadManagementConfig(bed.env), client, () => now);
      const clocked = new ManagementApi(client, table, { ...handlers, auth: createAuthHandler(deps) });
      const user = await makeUser(accounts);
      for (let i = 0; i < 5; i++) await clocked.call('POST', '/v1/auth/login', { body: { email: user.email, password: `wrong ${i}` } });
      expect((await clocked.call('POST', '/v1/auth/login', { body: { email: user.email, password: user.password } })).status).toBe(429);

      // Act
      now += 15 * 60 * 1000 + 1;
      const res = await clocked.call('POST', '/v1/auth/login', { body: { email: user.email, password: user.password } });

      // Assess
      expect(res.status).toBe(200);
    });
  });

  describe('Route: POST /v1/auth/logout', () => {
    it('deletes the session, clears the cookie, and the session stops working', async () => {
      // Prepare
      const user = await makeUser(accounts);
      const session = await api.login(user.email, user.password);

      // Act
      const res = await api.call('POST', '/v1/auth/logout', { session });

      // Assess
      expect(res.status).toBe(204);
      expect(res.body).toBeUndefined();
      expect(res.headers['Set-Cookie']).toBe('keygate_session=; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=0');
      expect(await api.call('GET', '/v1/auth/me', { session })).toMatchObject({ status: 401, fromGateway: true });
      expect((await partitionItems(user.userId)).some((i) => i.sk?.S?.startsWith('SESSION#'))).toBe(false);
    });

    it('refuses an API key with 400, pointing at key revocation instead', async () => {
      const { key } = await userWithKey();
      const res = await api.call('POST', '/v1/auth/logout', { key });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ status_code: 400, endpoint: '/v1/auth/logout', error_code: 'validation' });
      expect(res.body.error_message).toMatch(/API key.*DELETE \/v1\/keys\/\{keyId\}/);
    });
  });

  describe('Route: GET /v1/auth/me', () => {
    it('describes a session caller, with every session permission and admin only for admins', async () => {
      const user = await makeUser(accounts);
      const admin = await makeUser(accounts, { admin: true });
      const mine = await api.call('GET', '/v1/auth/me', { session: await api.login(user.email, user.password) });
      const theirs = await api.call('GET', '/v1/auth/me', { session: await api.login(admin.email, admin.password) });
      expect(mine.status).toBe(200);
      expect(mine.body).toEqual({
        user: { id: user.userId, email: user.email, kind: 'human', admin: false, disabled: false, createdAt: expect.any(String), plan: null },
        authMethod: 'session',
        sessionId: expect.stringMatching(/^[0-9A-Za-z]{12}$/),
        permissions: expect.arrayContaining(['manage_keys', 'manage_sessions', 'change_password', 'submit_score']),
      });
      expect(mine.body.permissions).not.toContain('admin');
      expect(theirs.body.permissions).toContain('admin');
      expect(theirs.body.user.admin).toBe(true);
    });

    it('describes a key caller with exactly its permissions', async () => {
      const { key, keyId, userId } = await userWithKey(['submit_score', 'delete_score']);
      const res = await api.call('GET', '/v1/auth/me', { key });
      expect(res.body).toEqual({ user: expect.objectContaining({ id: userId }), authMethod: 'api_key', keyId, permissions: ['submit_score', 'delete_score'] });
    });
  });

  describe('Routes: GET /v1/auth/sessions, DELETE /v1/auth/sessions/{sessionId}', () => {
    it('lists live sessions, newest first, marking the current one', async () => {
      // Prepare
      const user = await makeUser(accounts);
      const first = await api.login(user.email, user.password);
      const second = await api.login(user.email, user.password);
      await issueSession(accounts, DEFAULT_PREFIXES, user.userId, Date.now() - 1); // expired, not yet removed by TTL

      // Act
      const res = await api.call('GET', '/v1/auth/sessions', { session: first });

      // Assess
      expect(res.status).toBe(200);
      expect(res.body.sessions).toHaveLength(2);
      expect(res.body.sessions[0]).toEqual({ id: second.slice(20, 32), createdAt: expect.any(String), expiresAt: expect.any(String), current: false });
      expect(res.body.sessions[1]).toMatchObject({ id: first.slice(20, 32), current: true });
    });

    it('ends another session of the caller, and only the caller’s own', async () => {
      // Prepare
      const user = await makeUser(accounts);
      const stranger = await makeUser(accounts);
      const mine = await api.login(user.email, user.password);
      const other = await api.login(user.email, user.password);
      const theirs = await api.login(stranger.email, stranger.password);

      // Act
      const ended = await api.call('DELETE', '/v1/auth/sessions/{sessionId}', { session: mine, params: { sessionId: other.slice(20, 32) } });
      const again = await api.call('DELETE', '/v1/auth/sessions/{sessionId}', { session: mine, params: { sessionId: other.slice(20, 32) } });
      const foreign = await api.call('DELETE', '/v1/auth/sessions/{sessionId}', { session: mine, params: { sessionId: theirs.slice(20, 32) } });
      const garbage = await api.call('DELETE', '/v1/auth/sessions/{sessionId}', { session: mine, params: { sessionId: '../../x' } });

      // Assess
      expect(ended.status).toBe(204);
      expect(ended.headers['Set-Cookie']).toBeUndefined();
      expect((await api.call('GET', '/v1/auth/me', { session: other })).status).toBe(401);
      expect((await api.call('GET', '/v1/auth/me', { session: mine })).status).toBe(200);
      expect(again).toMatchObject({ status: 404, body: { error_code: 'not_found', endpoint: '/v1/auth/sessions/{sessionId}' } });
      expect(foreign.status).toBe(404);
      expect((await api.call('GET', '/v1/auth/me', { session: theirs })).status).toBe(200);
      expect(garbage.status).toBe(404);
    });

    it('clears the cookie when the caller ends its own session', async () => {
      const user = await makeUser(accounts);
      const mine = await api.login(user.email, user.password);
      const res = await api.call('DELETE', '/v1/auth/sessions/{sessionId}', { session: mine, params: { sessionId: mine.slice(20, 32) } });
      expect(res.status).toBe(204);
      expect(res.headers['Set-Cookie']).toMatch(/Max-Age=0$/);
    });

    it('is not for API keys: manage_sessions is session-only', async () => {
      const { key } = await userWithKey();
      expect(await api.call('GET', '/v1/auth/sessions', { key })).toMatchObject({ status: 403, fromGateway: true, body: { error_code: 'missing_permission' } });
    });
  });

  describe('Route: POST /v1/users/me/password', () => {
    it('changes the password and ends every other session of the user, keeping the current one', async () => {
      // Prepare
      const user = await makeUser(accounts);
      const current = await api.login(user.email, user.password);
      const others = [await api.login(user.email, user.password), await api.login(user.email, user.password)];
      const newPassword = 'a much better passphrase';

      // Act
      const res = await api.call('POST', '/v1/users/me/password', { session: current, body: { currentPassword: user.password, newPassword } });

      // Assess
      expect(res.status).toBe(204);
      expect((await api.call('GET', '/v1/auth/me', { session: current })).status).toBe(200);
      for (const s of others) expect((await api.call('GET', '/v1/auth/me', { session: s })).status).toBe(401);
      expect((await api.call('POST', '/v1/auth/login', { body: { email: user.email, password: user.password } })).status).toBe(401);
      expect((await api.call('POST', '/v1/auth/login', { body: { email: user.email, password: newPassword } })).status).toBe(200);
      const profile = (await partitionItems(user.userId)).find((i) => i.sk?.S === 'PROFILE')!;
      expect(profile.passwordHash?.S).toMatch(/^scrypt\$15\$8\$1\$/);
      expect(JSON.stringify(profile)).not.toContain(newPassword);
    });

    it.each([
      ['a wrong current password', (p: string) => ({ currentPassword: `${p}x`, newPassword: 'another long passphrase' }), "'currentPassword' is not the current password"],
      ['a short new password', (p: string) => ({ currentPassword: p, newPassword: 'short' }), "'newPassword' has to be at least 12 characters long"],
      ['the same password', (p: string) => ({ currentPassword: p, newPassword: p }), "'newPassword' has to differ from the current password"],
      ['a missing field', (p: string) => ({ currentPassword: p }), "'newPassword' is required"],
      ['an unknown field', (p: string) => ({ currentPassword: p, newPassword: 'another long passphrase', confirm: 'x' }), "unknown field 'confirm'"],
    ])('refuses %s with 400 validation', async (_label, body, message) => {
      const user = await makeUser(accounts);
      const session = await api.login(user.email, user.password);
      const res = await api.call('POST', '/v1/users/me/password', { session, body: body(user.password) });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ status_code: 400, endpoint: '/v1/users/me/password', error_code: 'validation', error_message: message });
    });

    it('counts wrong current passwords like failed logins', async () => {
      const user = await makeUser(accounts);
      const session = await api.login(user.email, user.password);
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        const res = await api.call('POST', '/v1/users/me/password', { session, body: { currentPassword: `guess ${i}`, newPassword: 'another long passphrase' } });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([400, 400, 400, 400, 400, 429]);
    });
  });

  describe('Route: GET /v1/auth/audit', () => {
    it("lists the caller's own records, newest first, with who, what, when and how", async () => {
      // Prepare
      const user = await makeUser(accounts);
      const stranger = await makeUser(accounts);
      await api.login(stranger.email, stranger.password);
      const first = await api.login(user.email, user.password);
      const second = await api.login(user.email, user.password);
      await api.call('POST', '/v1/auth/logout', { session: second });

      // Act
      const res = await api.call('GET', '/v1/auth/audit', { session: first });

      // Assess
      expect(res.status).toBe(200);
      expect(res.body.records.map((r: { action: string }) => r.action)).toEqual(['logout', 'login', 'login']);
      expect(res.body.records[0]).toEqual({
        id: expect.stringMatching(/^[0-9A-Za-z]{12}$/),
        at: expect.any(String),
        action: 'logout',
        actor: user.userId,
        authMethod: 'session',
        credentialId: second.slice(20, 32),
        target: `session:${second.slice(20, 32)}`,
      });
      expect(res.body.records[2]).toMatchObject({ action: 'login', actor: user.userId, authMethod: 'password', credentialId: first.slice(20, 32) });
      expect(res.body.next).toBeNull();
    });

    it('pages with limit and cursor, and refuses bad ones', async () => {
      // Prepare
      const user = await makeUser(accounts);
      let session = '';
      for (let i = 0; i < 5; i++) session = await api.login(user.email, user.password);

      // Act
      const page1 = await api.call('GET', '/v1/auth/audit', { session, query: { limit: '2' } });
      const page2 = await api.call('GET', '/v1/auth/audit', { session, query: { limit: '2', cursor: page1.body.next } });
      const rest = await api.call('GET', '/v1/auth/audit', { session, query: { limit: '100', cursor: page2.body.next } });

      // Assess
      const ids = [...page1.body.records, ...page2.body.records, ...rest.body.records].map((r: { id: string }) => r.id);
      expect(ids).toHaveLength(5);
      expect(new Set(ids).size).toBe(5);
      expect((await api.call('GET', '/v1/auth/audit', { session, query: { limit: '0' } })).body.error_message).toBe("'limit' has to be an integer from 1 to 100");
      expect((await api.call('GET', '/v1/auth/audit', { session, query: { limit: 'ten' } })).status).toBe(400);
      expect((await api.call('GET', '/v1/auth/audit', { session, query: { cursor: 'S0VZI2FiYw' } })).body.error_code).toBe('validation');
    });

    it('stores records with a TTL a year ahead and no secret', async () => {
      const user = await makeUser(accounts);
      const session = await api.login(user.email, user.password);
      const items = await partitionItems(user.userId);
      const audit = items.filter((i) => i.sk?.S?.startsWith('AUDIT#'));
      expect(audit).toHaveLength(1);
      const ttl = Number(audit[0]!.ttl!.N);
      const at = Number(audit[0]!.at!.N);
      expect(ttl).toBe(Math.ceil((at + 365 * 24 * 3600 * 1000) / 1000));
      expect(audit[0]!.sk!.S).toMatch(/^AUDIT#\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z#[0-9A-Za-z]{12}$/);
      const everything = JSON.stringify(items);
      expect(everything).not.toContain(session.slice(32, 64));
      expect(everything).not.toContain(user.password);
    });

    it('is not for API keys: the route needs manage_sessions', async () => {
      const { key } = await userWithKey();
      expect(await api.call('GET', '/v1/auth/audit', { key })).toMatchObject({ status: 403, fromGateway: true });
    });
  });
});
