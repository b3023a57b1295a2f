/**
 * The admin Lambda through its real middy handler, behind the real
 * authorizer, against DynamoDB Local: users, bots, bot keys, disabling.
 */
import { makeUser, type SignedInUser } from '../support/management-api';
import { Testbed } from '../support/testbed';

let bed: Testbed;
let admin: SignedInUser;

beforeAll(async () => {
  bed = await Testbed.open();
  admin = await bed.signIn({ admin: true });
});
afterAll(() => bed.close());

let n = 0;
const email = () => `made${++n}-${Math.random().toString(36).slice(2, 7)}@example.com`;
const PASSWORD = 'a long enough password';

const postUser = (body: unknown, session = admin.session) => bed.api.call('POST', '/v1/admin/users', { session, body });
const patchUser = (userId: string, body: unknown, session = admin.session) => bed.api.call('PATCH', '/v1/admin/users/{userId}', { session, params: { userId }, body });
const postBotKey = (userId: string, body: unknown, session = admin.session) =>
  bed.api.call('POST', '/v1/admin/users/{userId}/keys', { session, params: { userId }, body });
const decide = async (credential: { key?: string; session?: string }) => {
  const res = await bed.api.call('GET', '/v1/auth/me', credential);
  return res.status === 200 ? 'allow' : `${res.status} ${res.body.reason ?? res.body.error_code}`;
};
const trail = async (session: string) =>
  (await bed.api.call('GET', '/v1/auth/audit', { session, query: { limit: '100' } })).body.records as { action: string; actor: string; target: string; authMethod: string }[];

describe('Handler: admin', () => {
  describe('Access', () => {
    it.each([
      ['POST', '/v1/admin/users'],
      ['PATCH', '/v1/admin/users/{userId}'],
      ['POST', '/v1/admin/users/{userId}/keys'],
    ])('refuses %s %s to a non-admin session and to keys with 403 missing_permission', async (method, resource) => {
      const user = await makeUser(bed.accounts);
      const session = await bed.api.login(user.email, user.password);
      const token = await bed.issueUserKey(user.userId, { name: 'k', permissions: ['submit_score'] });
      for (const credential of [{ session }, { key: token.value }]) {
        const res = await bed.api.call(method, resource, { ...credential, params: { userId: user.userId }, body: {} });
        expect(res).toMatchObject({ status: 403, fromGateway: true, body: { error_code: 'missing_permission' } });
      }
    });
  });

  describe('Route: POST /v1/admin/users', () => {
    it('creates a human who can log in, and files the change in both trails', async () => {
      // Act
      const address = email();
      const res = await postUser({ email: address.toUpperCase(), password: PASSWORD, kind: 'human' });

      // Assess
      expect(res.status).toBe(201);
      expect(res.body.user).toEqual({ id: expect.stringMatching(/^[0-9A-Za-z]{12}$/), email: address, kind: 'human', admin: false, disabled: false, createdAt: expect.any(String), plan: null });
      const session = await bed.api.login(address, PASSWORD);
      const theirs = await trail(session);
      expect(theirs.find((r) => r.action === 'user_created')).toMatchObject({ actor: admin.userId, target: `user:${res.body.user.id}`, authMethod: 'session' });
      expect((await trail(admin.session)).some((r) => r.action === 'user_created' && r.target === `user:${res.body.user.id}`)).toBe(true);
    });

    it('creates an admin whose session holds admin', async () => {
      const address = email();
      expect((await postUser({ email: address, password: PASSWORD, kind: 'human', admin: true })).status).toBe(201);
      const me = await bed.api.call('GET', '/v1/auth/me', { session: await bed.api.login(address, PASSWORD) });
      expect(me.body.permissions).toContain('admin');
    });

    it('creates a bot, which has no password and cannot log in', async () => {
      const address = email();
      const res = await postUser({ email: address, kind: 'bot' });
      expect(res.status).toBe(201);
      expect(res.body.user).toMatchObject({ kind: 'bot', admin: false });
      expect((await bed.api.call('POST', '/v1/auth/login', { body: { email: address, password: PASSWORD } })).status).toBe(401);
    });

    it.each([
      ['a bot with a password', { kind: 'bot', password: PASSWORD }, "'password': bots cannot log in, so they have no password"],
      ['an admin bot', { kind: 'bot', admin: true }, "'admin': bots cannot be admins (admin is a permission of login sessions)"],
      ['a human without a password', { kind: 'human' }, "'password' is required for human users"],
      ['a short password', { kind: 'human', password: 'short' }, "'password' has to be at least 12 characters long"],
      ['an unknown kind', { kind: 'robot' }, `'kind': Invalid option: expected one of "human"|"bot"`],
      ['an unknown field', { kind: 'bot', name: 'x' }, "unknown field 'name'"],
      ['a bad e-mail', { kind: 'bot', email: 'not-an-address' }, "'email': Invalid email address"],
      ['a wrong type', { kind: 'human', password: PASSWORD, admin: 'yes' }, "'admin': Invalid input: expected boolean, received string"],
    ])('refuses %s with 400 validation', async (_label, body, message) => {
      const res = await postUser({ email: email(), ...body });
      expect(res.body).toEqual({ status_code: 400, endpoint: '/v1/admin/users', error_code: 'validation', error_message: message });
    });

    it('refuses a taken e-mail, whatever its case, with 409', async () => {
      const address = email();
      expect((await postUser({ email: address, kind: 'bot' })).status).toBe(201);
      const res = await postUser({ email: address.toUpperCase(), password: PASSWORD, kind: 'human' });
      expect(res.body).toEqual({ status_code: 409, endpoint: '/v1/admin/users', error_code: 'conflict', error_message: 'a user with this e-mail already exists' });
    });
  });

  describe('Route: PATCH /v1/admin/users/{userId}', () => {
    it("disabling stops all the user's keys and sessions at once; enabling brings them back", async () => {
      // Prepare
      const user = await makeUser(bed.accounts);
      const session = await bed.api.login(user.email, user.password);
      const token = await bed.issueUserKey(user.userId, { name: 'k', permissions: ['submit_score'] });
      expect(await decide({ session })).toBe('allow');
      expect(await decide({ key: token.value })).toBe('allow');

      // Act
      const off = await patchUser(user.userId, { disabled: true });

      // Assess
      expect(off.status).toBe(200);
      expect(off.body.user).toMatchObject({ id: user.userId, disabled: true });
      expect(await decide({ session })).toBe('401 user_disabled');
      expect(await decide({ key: token.value })).toBe('401 user_disabled');
      expect((await bed.api.call('POST', '/v1/auth/login', { body: { email: user.email, password: user.password } })).status).toBe(401);

      const on = await patchUser(user.userId, { disabled: false });
      expect(on.body.user.disabled).toBe(false);
      expect(await decide({ session })).toBe('allow');
      expect(await decide({ key: token.value })).toBe('allow');
      const actions = (await trail(session)).map((r) => r.action);
      expect(actions.slice(0, 2)).toEqual(['user_enabled', 'user_disabled']);
    });

    it('refuses an unknown user, a bad body, and disabling oneself', async () => {
      const user = await makeUser(bed.accounts);
      expect((await patchUser('AAAAAAAAAAAA', { disabled: true })).body).toEqual({
        status_code: 404,
        endpoint: '/v1/admin/users/{userId}',
        error_code: 'not_found',
        error_message: 'no such user',
      });
      expect((await patchUser('nope', { disabled: true })).status).toBe(404);
      expect((await patchUser(user.userId, {})).body.error_message).toBe("'disabled' is required");
      expect((await patchUser(user.userId, { disabled: 'yes' })).body.error_message).toBe("'disabled': Invalid input: expected boolean, received string");
      expect((await patchUser(user.userId, { disabled: true, admin: true })).body.error_message).toBe("unknown field 'admin'");
      expect((await patchUser(admin.userId, { disabled: true })).body.error_message).toBe("'disabled': you cannot disable your own account");
      expect(await decide({ session: admin.session })).toBe('allow');
    });
  });

  describe('Route: POST /v1/admin/users/{userId}/keys', () => {
    it('creates a bot key that works for the bot, once shown', async () => {
      // Prepare
      const bot = (await postUser({ email: email(), kind: 'bot' })).body.user;

      // Act
      const res = await postBotKey(bot.id, { name: 'ci', permissions: ['submit_score'], expiresInDays: 90 });

      // Assess
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        userId: bot.id,
        key: expect.stringMatching(/^bot_key_[0-9A-Za-z]{62}$/),
        id: expect.any(String),
        name: 'ci',
        kind: 'bot',
        permissions: ['submit_score'],
        hint: res.body.key.slice(-4),
        createdAt: expect.any(String),
        expiresAt: expect.any(String),
      });
      const me = await bed.api.call('GET', '/v1/auth/me', { key: res.body.key });
      expect(me.body).toMatchObject({ user: { id: bot.id, kind: 'bot' }, authMethod: 'api_key', keyId: res.body.id, permissions: ['submit_score'] });
      expect(await bed.api.call('GET', '/v1/keys', { key: res.body.key })).toMatchObject({ status: 403, fromGateway: true });
      expect((await trail(admin.session)).some((r) => r.action === 'key_created' && r.target === `key:${res.body.id}`)).toBe(true);
    });

    it('refuses a human, an unknown user, a disabled bot, and session-only permissions', async () => {
      const human = await makeUser(bed.accounts);
      const bot = (await postUser({ email: email(), kind: 'bot' })).body.user;
      const off = (await postUser({ email: email(), kind: 'bot' })).body.user;
      await patchUser(off.id, { disabled: true });
      const body = { name: 'k', permissions: ['submit_score'] };

      expect((await postBotKey(human.userId, body)).body).toMatchObject({
        status_code: 409,
        error_code: 'conflict',
        error_message: 'this user is a person, not a bot: keys are made here for bots only, and people make their own after logging in',
      });
      expect((await postBotKey('AAAAAAAAAAAA', body)).status).toBe(404);
      expect((await postBotKey(off.id, body)).body).toMatchObject({ status_code: 409, error_code: 'conflict' });
      expect((await postBotKey(bot.id, { name: 'k', permissions: ['manage_keys'] })).body.error_message).toBe(
        "'permissions': 'manage_keys' can only be held by a login session, never by a key",
      );
      expect((await postBotKey(bot.id, { name: 'k' })).body.error_message).toBe("'permissions' is required");
    });
  });
});
