/**
 * What an admin does to other accounts (docs/design.md, Admins, bots and lists): list and read users, read,
 * rotate and revoke their keys, read their audit trail; and the paged lists
 * (users, keys, audit). Through the real admin and keys handlers behind the
 * real authorizer, against DynamoDB Local.
 */
import { Authorizer } from '../../lambda/authorizer/authorizer';
import { auditPageResponse as auditListResponse, keyListResponse, rotatedBotKeyResponse, userListResponse, userEnvelopeResponse as userResponse } from '../../lambda/management/schemas';
import { encodeCursor } from '../../lambda/management/pagination';
import { loadConfig } from '../../lambda/shared/config';
import { DynamoCredentialStore } from '../../lambda/store/dynamo-credential-store';
import { authorizerEvent } from '../../fixtures/authorizer-events';
import { makeUser, managementEnv, type SignedInUser } from '../support/management-api';
import { Testbed } from '../support/testbed';

let bed: Testbed;
let admin: SignedInUser;

beforeAll(async () => {
  bed = await Testbed.open();
  admin = await bed.signIn({ admin: true });
});
afterAll(() => bed.close());

const USERS = '/v1/admin/users';
const USER = '/v1/admin/users/{userId}';
const USER_KEYS = '/v1/admin/users/{userId}/keys';
const USER_KEY = '/v1/admin/users/{userId}/keys/{keyId}';
const ROTATE = '/v1/admin/users/{userId}/keys/{keyId}/rotate';
const USER_AUDIT = '/v1/admin/users/{userId}/audit';

const asAdmin = (method: string, resource: string, opts: { params?: Record<string, string>; query?: Record<string, string>; body?: unknown } = {}) =>
  bed.api.call(method, resource, { session: admin.session, ...opts });
const bot = async () => (await makeUser(bed.accounts, { kind: 'bot' })).userId;
const botKey = async (userId: string, name = 'ci') => (await asAdmin('POST', USER_KEYS, { params: { userId }, body: { name, permissions: ['submit_score'] } })).body;
const decide = async (key: string) => {
  const res = await bed.api.call('GET', '/v1/auth/me', { key });
  return res.status === 200 ? 'allow' : `${res.status} ${res.body.reason ?? res.body.error_code}`;
};
const refusal = (status: number, endpoint: string, code: string, message: string) => ({ status_code: status, endpoint, error_code: code, error_message: message });
type Audit = { action: string; actor: string | null; target: string; detail?: Record<string, string> };

describe('Handler: admin (users and their keys)', () => {
  describe('Access', () => {
    it.each([
      ['GET', USERS],
      ['GET', USER],
      ['GET', USER_KEYS],
      ['POST', ROTATE],
      ['DELETE', USER_KEY],
      ['GET', USER_AUDIT],
    ])('refuses %s %s to a non-admin session and to keys with 403 missing_permission', async (method, resource) => {
      const user = await makeUser(bed.accounts);
      const session = await bed.api.login(user.email, user.password);
      const token = await bed.issueUserKey(user.userId, { name: 'k', permissions: ['submit_score'] });
      for (const credential of [{ session }, { key: token.value }]) {
        const res = await bed.api.call(method, resource, { ...credential, params: { userId: user.userId, keyId: token.id } });
        expect(res).toMatchObject({ status: 403, fromGateway: true, body: { error_code: 'missing_permission' } });
      }
    });
  });

  describe('Route: GET /v1/admin/users', () => {
    it('pages through every user once, in creation order, while users are being created', async () => {
      // Prepare
      const before = await Promise.all(Array.from({ length: 5 }, () => makeUser(bed.accounts, { kind: 'bot' })));

      // Act: three users are created after each page
      const seen: { id: string; createdAt: string }[] = [];
      const during: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const res = await asAdmin('GET', USERS, { query: { limit: '3', ...(cursor ? { cursor } : {}) } });
        expect(res.status).toBe(200);
        const page = userListResponse.parse(res.body);
        seen.push(...page.users);
        cursor = page.next ?? undefined;
        if (pages++ < 2) during.push(...(await Promise.all([bot(), bot(), bot()])));
      } while (cursor);

      // Assess
      const ids = seen.map((u) => u.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual(expect.arrayContaining([admin.userId, ...before.map((u) => u.userId), ...during]));
      const times = seen.map((u) => u.createdAt);
      expect(times).toEqual([...times].sort());
      expect(pages).toBeGreaterThan(3);
    });

    it('answers users without password hashes, the last page with next null', async () => {
      const res = await asAdmin('GET', USERS, { query: { limit: '100' } });
      expect(res.status).toBe(200);
      expect(res.body.next).toBeNull();
      expect(res.body.users.find((u: { id: string }) => u.id === admin.userId)).toEqual({
        id: admin.userId,
        email: admin.email,
        kind: 'human',
        admin: true,
        disabled: false,
        createdAt: expect.any(String),
        plan: null,
      });
      expect(JSON.stringify(res.body)).not.toContain('scrypt');
    });

    it('refuses a bad limit and a forged, edited or foreign cursor with 400, never another page', async () => {
      const first = (await asAdmin('GET', USERS, { query: { limit: '1' } })).body.next as string;
      const [payload, checksum] = first.split('.') as [string, string];
      const edited = Buffer.from(Buffer.from(payload, 'base64url').toString().replace(/#[0-9A-Za-z]{12}"/, '#AAAAAAAAAAAA"')).toString('base64url');
      const cursors = {
        junk: 'S0VZI2FiYw',
        edited: `${edited}.${checksum}`,
        'from a key list': encodeCursor('keys', admin.userId, 'KEY#AAAAAAAAAAAA'),
        'of a wrong shape': encodeCursor('users', '*', 'PROFILE'),
      };
      for (const [what, cursor] of Object.entries(cursors)) {
        const res = await asAdmin('GET', USERS, { query: { cursor } });
        expect({ what, body: res.body }).toEqual({
          what,
          body: refusal(400, USERS, 'validation', "'cursor' is not a cursor of this list; leave it out to start from the first page"),
        });
      }
      for (const limit of ['0', '101', 'ten', '1.5', '']) {
        expect((await asAdmin('GET', USERS, { query: { limit } })).body).toEqual(refusal(400, USERS, 'validation', "'limit' has to be an integer from 1 to 100"));
      }
    });
  });

  describe('Route: GET /v1/admin/users/{userId}', () => {
    it('answers one user, and 404 for an unknown one', async () => {
      const id = await bot();
      const res = await asAdmin('GET', USER, { params: { userId: id } });
      expect(userResponse.parse(res.body).user).toMatchObject({ id, kind: 'bot', admin: false, disabled: false });
      expect((await asAdmin('GET', USER, { params: { userId: 'AAAAAAAAAAAA' } })).body).toEqual(refusal(404, USER, 'not_found', 'no such user'));
      expect((await asAdmin('GET', USER, { params: { userId: 'not-an-id' } })).status).toBe(404);
    });
  });

  describe('Route: GET /v1/admin/users/{userId}/keys', () => {
    it("shows a user's keys as the user sees them, never a secret, paged", async () => {
      // Prepare
      const user = await makeUser(bed.accounts);
      const session = await bed.api.login(user.email, user.password);
      for (const name of ['a', 'b', 'c']) await bed.api.call('POST', '/v1/keys', { session, body: { name, permissions: ['submit_score'] } });

      // Act
      const own = await bed.api.call('GET', '/v1/keys', { session });
      const page1 = await asAdmin('GET', USER_KEYS, { params: { userId: user.userId }, query: { limit: '2' } });
      const page2 = await asAdmin('GET', USER_KEYS, { params: { userId: user.userId }, query: { limit: '2', cursor: page1.body.next } });

      // Assess
      expect(keyListResponse.parse(page1.body).keys).toHaveLength(2);
      expect(page2.body.next).toBeNull();
      expect([...page1.body.keys, ...page2.body.keys]).toEqual(own.body.keys);
      expect(JSON.stringify(page1.body)).not.toMatch(/user_key_|secretHash/);
    });

    it("refuses an unknown user, and another user's cursor", async () => {
      const a = await bot();
      const b = await bot();
      await botKey(a);
      await botKey(a, 'second');
      const next = (await asAdmin('GET', USER_KEYS, { params: { userId: a }, query: { limit: '1' } })).body.next as string;
      expect((await asAdmin('GET', USER_KEYS, { params: { userId: b }, query: { cursor: next } })).status).toBe(400);
      expect((await asAdmin('GET', USER_KEYS, { params: { userId: 'AAAAAAAAAAAA' } })).body).toEqual(refusal(404, USER_KEYS, 'not_found', 'no such user'));
    });
  });

  describe('Route: POST /v1/admin/users/{userId}/keys/{keyId}/rotate', () => {
    it("rotates a bot's key: the old key is refused once the authorizer's cache TTL has passed, the new one works", async () => {
      // Prepare: an authorizer with the default 5 s cache, on a clock of our own
      let clock = Date.now();
      const config = loadConfig({ ...managementEnv(bed.table), KEYGATE_CACHE_TTL_SECONDS: '5' });
      const authorizer = new Authorizer({ store: new DynamoCredentialStore(bed.client, bed.table), config, now: () => clock });
      const outcome = async (key: string) => (await authorizer.decide(authorizerEvent('POST', '/v1/scores', { Authorization: `Bearer ${key}` }))).outcome;
      const id = await bot();
      const old = await botKey(id);
      expect(await outcome(old.key)).toBe('allow');

      // Act
      const res = await asAdmin('POST', ROTATE, { params: { userId: id, keyId: old.id } });

      // Assess
      expect(res.status).toBe(201);
      const rotated = rotatedBotKeyResponse.parse(res.body);
      expect(rotated).toMatchObject({ userId: id, name: 'ci', permissions: ['submit_score'], replaces: old.id });
      expect(Date.parse(rotated.previousKeyEndsAt)).toBeLessThanOrEqual(Date.now());
      clock += 5_001;
      expect(await outcome(old.key)).toBe('unauthorized');
      expect(await outcome(rotated.key)).toBe('allow');
      expect(await decide(old.key)).toBe('401 revoked');
      expect(await decide(rotated.key)).toBe('allow');
    });

    it('keeps the old key for a grace period when asked, and audits the rotation in both trails', async () => {
      const id = await bot();
      const old = await botKey(id);
      const res = await asAdmin('POST', ROTATE, { params: { userId: id, keyId: old.id }, body: { gracePeriodSeconds: 3600 } });
      expect(res.status).toBe(201);
      expect(await decide(old.key)).toBe('allow');
      const keys = (await asAdmin('GET', USER_KEYS, { params: { userId: id } })).body.keys as { id: string; status: string; revokedAt: string }[];
      expect(keys.find((k) => k.id === old.id)).toMatchObject({ status: 'grace_period', revokedAt: res.body.previousKeyEndsAt });

      const entry = { action: 'key_rotated', actor: admin.userId, target: `key:${old.id}`, detail: expect.objectContaining({ user: id, newKeyId: res.body.id }) };
      const theirs = auditListResponse.parse((await asAdmin('GET', USER_AUDIT, { params: { userId: id } })).body).records;
      expect(theirs[0]).toMatchObject(entry);
      const mine = (await bed.api.call('GET', '/v1/auth/audit', { session: admin.session, query: { limit: '100' } })).body.records as Audit[];
      expect(mine).toContainEqual(expect.objectContaining(entry));
    });

    it("refuses a person's key with 409 and a clear reason, and unknown, revoked or badly asked keys", async () => {
      // Prepare
      const person = await makeUser(bed.accounts);
      const token = await bed.issueUserKey(person.userId, { name: 'laptop', permissions: ['submit_score'] });
      const id = await bot();
      const key = await botKey(id);
      await asAdmin('DELETE', USER_KEY, { params: { userId: id, keyId: key.id } });

      // Act / Assess
      expect((await asAdmin('POST', ROTATE, { params: { userId: person.userId, keyId: token.id } })).body).toEqual(
        refusal(
          409,
          ROTATE,
          'conflict',
          "this key belongs to a person's account, and an admin never receives the secret of a person's key: revoke it instead, and its owner can make a new one",
        ),
      );
      expect(await decide(token.value)).toBe('allow');
      expect((await asAdmin('POST', ROTATE, { params: { userId: id, keyId: 'AAAAAAAAAAAA' } })).body).toEqual(refusal(404, ROTATE, 'not_found', 'no such key'));
      expect((await asAdmin('POST', ROTATE, { params: { userId: 'AAAAAAAAAAAA', keyId: key.id } })).body).toEqual(refusal(404, ROTATE, 'not_found', 'no such user'));
      expect((await asAdmin('POST', ROTATE, { params: { userId: id, keyId: key.id } })).body).toMatchObject({ status_code: 409, error_code: 'conflict' });
      const live = await botKey(id, 'live');
      expect((await asAdmin('POST', ROTATE, { params: { userId: id, keyId: live.id }, body: { gracePeriodSeconds: 8 * 24 * 3600 } })).body).toMatchObject({
        status_code: 400,
        error_code: 'validation',
      });
    });
  });

  describe('Route: DELETE /v1/admin/users/{userId}/keys/{keyId}', () => {
    it("revokes anyone's key at once; repeating it is a harmless 204, audited once", async () => {
      // Prepare
      const person = await makeUser(bed.accounts);
      const token = await bed.issueUserKey(person.userId, { name: 'leaked', permissions: ['submit_score'] });
      const params = { userId: person.userId, keyId: token.id };

      // Act
      const first = await asAdmin('DELETE', USER_KEY, { params });
      const again = await asAdmin('DELETE', USER_KEY, { params });

      // Assess
      expect([first.status, again.status]).toEqual([204, 204]);
      expect(await decide(token.value)).toBe('401 revoked');
      const theirs = (await asAdmin('GET', USER_AUDIT, { params: { userId: person.userId } })).body.records as Audit[];
      expect(theirs.filter((r) => r.action === 'key_revoked')).toEqual([
        expect.objectContaining({ actor: admin.userId, target: `key:${token.id}`, detail: { user: person.userId } }),
      ]);
    });

    it('refuses an unknown user or key with 404', async () => {
      const id = await bot();
      expect((await asAdmin('DELETE', USER_KEY, { params: { userId: id, keyId: 'AAAAAAAAAAAA' } })).body).toEqual(refusal(404, USER_KEY, 'not_found', 'no such key'));
      expect((await asAdmin('DELETE', USER_KEY, { params: { userId: 'AAAAAAAAAAAA', keyId: 'AAAAAAAAAAAA' } })).body).toEqual(
        refusal(404, USER_KEY, 'not_found', 'no such user'),
      );
    });
  });

  describe('Route: GET /v1/admin/users/{userId}/audit', () => {
    it("pages through a user's trail, newest first, and refuses an unknown user", async () => {
      const id = await bot();
      for (const name of ['a', 'b', 'c']) await botKey(id, name);
      const page1 = await asAdmin('GET', USER_AUDIT, { params: { userId: id }, query: { limit: '2' } });
      const page2 = await asAdmin('GET', USER_AUDIT, { params: { userId: id }, query: { limit: '2', cursor: page1.body.next } });
      const names = [...page1.body.records, ...page2.body.records].map((r: Audit) => `${r.action}:${r.detail?.name ?? ''}`);
      expect(names).toEqual(['key_created:c', 'key_created:b', 'key_created:a']);
      expect(page2.body.next).toBeNull();
      expect((await asAdmin('GET', USER_AUDIT, { params: { userId: 'AAAAAAAAAAAA' } })).status).toBe(404);
    });
  });
});

describe('Handler: keys (GET /v1/keys, paged)', () => {
  it('pages with limit and cursor and keeps the keys + next shape; no limit answers up to 50', async () => {
    // Prepare
    const user = await makeUser(bed.accounts);
    const session = await bed.api.login(user.email, user.password);
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await bed.api.call('POST', '/v1/keys', { session, body: { name: `k${i}`, permissions: [] } })).body.id);

    // Act
    const all = await bed.api.call('GET', '/v1/keys', { session });
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { keys: { id: string }[]; next: string | null } } = await bed.api.call('GET', '/v1/keys', { session, query: { limit: '2', ...(cursor ? { cursor } : {}) } });
      ids.push(...page.body.keys.map((k) => k.id));
      cursor = page.body.next;
    } while (cursor);

    // Assess
    expect(keyListResponse.parse(all.body).next).toBeNull();
    expect(all.body.keys.map((k: { id: string }) => k.id)).toEqual(ids);
    expect([...ids].sort()).toEqual([...made].sort());
    expect((await bed.api.call('GET', '/v1/keys', { session, query: { cursor: encodeCursor('keys', admin.userId, `KEY#${made[0]}`) } })).status).toBe(400);
  });
});
