/**
 * The keys Lambda and `POST /v1/auth/verify` through the real middy
 * handlers, behind the real authorizer, against DynamoDB Local: the whole
 * key lifecycle, every refusal, and rotation under concurrent use.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { Authorizer } from '../../lambda/authorizer/authorizer';
import { checksum, generateToken } from '../../lambda/core/token';
import { loadConfig } from '../../lambda/shared/config';
import { DynamoCredentialStore } from '../../lambda/store/dynamo-credential-store';
import { authorizerEvent } from '../../fixtures/authorizer-events';
import { makeUser, type SignedInUser } from '../support/management-api';
import { Testbed } from '../support/testbed';
import { referenceEnv } from '../../fixtures/reference-env';

let bed: Testbed;
let owner: SignedInUser;
let session: string;
/** every key value handed out, to check none reached the table */
const issued: string[] = [];

beforeAll(async () => {
  bed = await Testbed.open();
  owner = await bed.signIn();
  session = owner.session;
});
afterAll(() => bed.close());

async function createKey(body: Record<string, unknown> = { name: 'scores', permissions: ['submit_score'] }, as = session) {
  const res = await bed.api.call('POST', '/v1/keys', { session: as, body });
  if (res.status === 201) issued.push(res.body.key);
  return res;
}

/** What the authorizer decides for a key on a route; `authorizer` defaults to one without a cache. */
async function use(key: string, method = 'POST', resource = '/v1/scores', authorizer: Authorizer = bed.api.authorizer) {
  return (await authorizer.decide(authorizerEvent(method, resource, { Authorization: `Bearer ${key}` }))).outcome;
}

const verify = async (key: string) => (await bed.api.call('POST', '/v1/auth/verify', { body: { key } })).body;

describe('Handler: keys', () => {
  describe('Route: POST /v1/keys', () => {
    it('creates a key that works at once and is shown this once', async () => {
      // Act
      const res = await createKey({ name: 'score uploader', permissions: ['submit_score', 'customise_score', 'submit_score'] });

      // Assess
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        key: expect.stringMatching(/^user_key_[0-9A-Za-z]{62}$/),
        id: expect.stringMatching(/^[0-9A-Za-z]{12}$/),
        name: 'score uploader',
        kind: 'user',
        permissions: ['submit_score', 'customise_score'],
        hint: res.body.key.slice(-4),
        createdAt: expect.any(String),
        expiresAt: null,
      });
      expect(res.headers['Cache-Control']).toBe('no-store');
      expect(await use(res.body.key, 'POST', '/v1/scores')).toBe('allow');
      expect(await use(res.body.key, 'DELETE', '/v1/scores/{scoreId}')).toBe('deny');
    });

    it('sets an expiry from expiresInDays', async () => {
      const before = Date.now();
      const res = await createKey({ name: 'short', permissions: [], expiresInDays: 30 });
      const expiresAt = Date.parse(res.body.expiresAt);
      expect(expiresAt - Date.parse(res.body.createdAt)).toBe(30 * 24 * 3600 * 1000);
      expect(expiresAt).toBeGreaterThanOrEqual(before + 30 * 24 * 3600 * 1000);
    });

    it.each([
      ['an unknown permission', { name: 'k', permissions: ['submit_score', 'fly'] }, "'permissions': unknown permission 'fly'; a key can hold 'submit_score', 'customise_profile', 'customise_session', 'customise_score', 'delete_score'"],
      ['session-only permissions', { name: 'k', permissions: ['manage_keys', 'submit_score', 'admin'] }, "'permissions': 'manage_keys', 'admin' can only be held by a login session, never by a key"],
      ['permissions that are not a list', { name: 'k', permissions: 'submit_score' }, "'permissions': Invalid input: expected array, received string"],
      ['a permission that is not a string', { name: 'k', permissions: [7] }, "'permissions[0]': Invalid input: expected string, received number"],
      ['a missing name', { permissions: [] }, "'name' is required"],
      ['an empty name', { name: '  ', permissions: [] }, "'name': Too small: expected string to have >=1 characters"],
      ['an unknown field', { name: 'k', permissions: [], scope: 'all' }, "unknown field 'scope'"],
      ['a fractional expiry', { name: 'k', permissions: [], expiresInDays: 1.5 }, "'expiresInDays': Invalid input: expected int, received number"],
      ['a zero expiry', { name: 'k', permissions: [], expiresInDays: 0 }, "'expiresInDays': Too small: expected number to be >=1"],
    ])('refuses %s with 400 validation naming it', async (_label, body, message) => {
      const res = await createKey(body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ status_code: 400, endpoint: '/v1/keys', error_code: 'validation', error_message: message });
    });

    it('is for sessions only: a key cannot make keys', async () => {
      const { body } = await createKey();
      const res = await bed.api.call('POST', '/v1/keys', { key: body.key, body: { name: 'k', permissions: [] } });
      expect(res).toMatchObject({ status: 403, fromGateway: true, body: { error_code: 'missing_permission' } });
    });
  });

  describe('Routes: GET /v1/keys, GET /v1/keys/{keyId}', () => {
    it("lists the caller's keys in key id order, without secrets", async () => {
      // Prepare
      const user = await makeUser(bed.accounts);
      const mine = await bed.api.login(user.email, user.password);
      const a = (await createKey({ name: 'a', permissions: ['submit_score'] }, mine)).body;
      const b = (await createKey({ name: 'b', permissions: [] }, mine)).body;
      await bed.api.call('DELETE', '/v1/keys/{keyId}', { session: mine, params: { keyId: a.id } });

      // Act
      const res = await bed.api.call('GET', '/v1/keys', { session: mine });

      // Assess
      expect(res.status).toBe(200);
      expect(res.body.keys.map((k: { id: string }) => k.id)).toEqual([a.id, b.id].sort());
      expect(res.body.next).toBeNull();
      const byId = (id: string) => res.body.keys.find((k: { id: string }) => k.id === id);
      expect(byId(a.id)).toEqual({
        id: a.id,
        name: 'a',
        kind: 'user',
        permissions: ['submit_score'],
        hint: a.key.slice(-4),
        status: 'revoked',
        createdAt: a.createdAt,
        expiresAt: null,
        revokedAt: expect.any(String),
        lastUsedAt: null,
        replacedBy: null,
        replaces: null,
        clientId: null,
        plan: null,
        credits: null,
      });
      expect(byId(b.id).status).toBe('active');
      const text = JSON.stringify(res.body);
      for (const k of [a.key, b.key]) expect(text).not.toContain(k.slice(33, 65));
      expect(text).not.toContain('secretHash');
    });

    it('shows when a key was last used', async () => {
      const { body } = await createKey();
      expect(await use(body.key)).toBe('allow');
      const res = await bed.api.call('GET', '/v1/keys/{keyId}', { session, params: { keyId: body.id } });
      expect(res.status).toBe(200);
      expect(Date.parse(res.body.lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(body.createdAt));
    });

    it("answers 404 for someone else's key, an unknown id and a malformed id", async () => {
      const { body } = await createKey();
      const stranger = await makeUser(bed.accounts);
      const theirs = await bed.api.login(stranger.email, stranger.password);
      for (const keyId of [body.id, 'AAAAAAAAAAAA', 'x']) {
        const res = await bed.api.call('GET', '/v1/keys/{keyId}', { session: theirs, params: { keyId } });
        expect(res).toMatchObject({ status: 404, body: { status_code: 404, endpoint: '/v1/keys/{keyId}', error_code: 'not_found', error_message: 'no such key' } });
      }
      expect((await bed.api.call('GET', '/v1/keys', { session: theirs })).body.keys).toEqual([]);
    });
  });

  describe('Route: PATCH /v1/keys/{keyId}', () => {
    it('renames a key', async () => {
      const { body } = await createKey({ name: 'old name', permissions: ['submit_score'] });
      const res = await bed.api.call('PATCH', '/v1/keys/{keyId}', { session, params: { keyId: body.id }, body: { name: 'new name' } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: body.id, name: 'new name', permissions: ['submit_score'], status: 'active' });
      expect((await bed.api.call('GET', '/v1/keys/{keyId}', { session, params: { keyId: body.id } })).body.name).toBe('new name');
    });

    it.each([
      ['a permissions field', { permissions: ['delete_score'] }],
      ['a permissions field beside a name', { name: 'x', permissions: [] }],
    ])('refuses %s with a 400 that says to create a new key', async (_label, patch) => {
      const { body } = await createKey();
      const res = await bed.api.call('PATCH', '/v1/keys/{keyId}', { session, params: { keyId: body.id }, body: patch });
      expect(res.status).toBe(400);
      expect(res.body.error_code).toBe('validation');
      expect(res.body.error_message).toContain("'permissions': a key's permissions cannot change; create a new key");
      expect((await bed.api.call('GET', '/v1/keys/{keyId}', { session, params: { keyId: body.id } })).body.permissions).toEqual(['submit_score']);
    });

    it('refuses an unknown field, an empty body and an unknown key', async () => {
      const { body } = await createKey();
      const patch = (b: unknown, keyId = body.id) => bed.api.call('PATCH', '/v1/keys/{keyId}', { session, params: { keyId }, body: b });
      expect((await patch({ name: 'x', expiresInDays: 3 })).body.error_message).toBe("unknown field 'expiresInDays'");
      expect((await patch('')).body.error_message).toBe("'name' is required");
      expect((await patch({ name: 'x' }, 'BBBBBBBBBBBB')).status).toBe(404);
    });
  });

  describe('Route: POST /v1/keys/{keyId}/rotate', () => {
    it('without a grace period: a new key with the same name and permissions, the old one ends at once', async () => {
      // Prepare
      const old = (await createKey({ name: 'uploader', permissions: ['submit_score', 'delete_score'], expiresInDays: 10 })).body;

      // Act
      const res = await bed.api.call('POST', '/v1/keys/{keyId}/rotate', { session, params: { keyId: old.id } });
      issued.push(res.body.key);

      // Assess
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ name: 'uploader', permissions: ['submit_score', 'delete_score'], kind: 'user', replaces: old.id });
      expect(res.body.key).not.toBe(old.key);
      expect(Date.parse(res.body.expiresAt) - Date.parse(res.body.createdAt)).toBe(10 * 24 * 3600 * 1000);
      expect(Date.parse(res.body.previousKeyEndsAt)).toBeLessThanOrEqual(Date.now());
      expect(await use(old.key)).toBe('unauthorized');
      expect(await use(res.body.key)).toBe('allow');
      const listed = (await bed.api.call('GET', '/v1/keys/{keyId}', { session, params: { keyId: old.id } })).body;
      expect(listed).toMatchObject({ status: 'revoked', replacedBy: res.body.id });
    });

    it('with a grace period: both keys work until the old one ends, then only the new one', async () => {
      // Prepare
      const old = (await createKey()).body;

      // Act
      const res = await bed.api.call('POST', '/v1/keys/{keyId}/rotate', { session, params: { keyId: old.id }, body: { gracePeriodSeconds: 3600 } });
      issued.push(res.body.key);

      // Assess
      expect(res.status).toBe(201);
      const endsAt = Date.parse(res.body.previousKeyEndsAt);
      expect(endsAt - Date.parse(res.body.createdAt)).toBe(3600 * 1000);
      expect(await use(old.key)).toBe('allow');
      expect(await use(res.body.key)).toBe('allow');
      expect((await bed.api.call('GET', '/v1/keys/{keyId}', { session, params: { keyId: old.id } })).body.status).toBe('grace_period');
      expect(await verify(old.key)).toMatchObject({ valid: true, keyId: old.id });
      // An authorizer whose clock has reached the end, with its cache on.
      let now = endsAt - 1;
      const later = new Authorizer({ store: new DynamoCredentialStore(bed.client, bed.table), config: loadConfig(referenceEnv(bed.table)), now: () => now });
      expect(await use(old.key, 'POST', '/v1/scores', later)).toBe('allow');
      now = endsAt;
      expect(await use(old.key, 'POST', '/v1/scores', later)).toBe('unauthorized');
      expect(await use(res.body.key, 'POST', '/v1/scores', later)).toBe('allow');
    });

    it.each([
      [{ gracePeriodSeconds: 7 * 24 * 3600 + 1 }, "'gracePeriodSeconds': Too big: expected number to be <=604800"],
      [{ gracePeriodSeconds: -1 }, "'gracePeriodSeconds': Too small: expected number to be >=0"],
      [{ gracePeriodSeconds: '60' }, "'gracePeriodSeconds': Invalid input: expected number, received string"],
      [{ grace: 60 }, "unknown field 'grace'"],
    ])('refuses %j with 400 validation', async (body, message) => {
      const old = (await createKey()).body;
      const res = await bed.api.call('POST', '/v1/keys/{keyId}/rotate', { session, params: { keyId: old.id }, body });
      expect(res.body).toEqual({ status_code: 400, endpoint: '/v1/keys/{keyId}/rotate', error_code: 'validation', error_message: message });
      expect(await use(old.key)).toBe('allow');
    });

    it('refuses with 409 to rotate a revoked key or one already rotated', async () => {
      const revoked = (await createKey()).body;
      await bed.api.call('DELETE', '/v1/keys/{keyId}', { session, params: { keyId: revoked.id } });
      const rotated = (await createKey()).body;
      const first = await bed.api.call('POST', '/v1/keys/{keyId}/rotate', { session, params: { keyId: rotated.id }, body: { gracePeriodSeconds: 60 } });
      issued.push(first.body.key);

      const a = await bed.api.call('POST', '/v1/keys/{keyId}/rotate', { session, params: { keyId: revoked.id } });
      const b = await bed.api.call('POST', '/v1/keys/{keyId}/rotate', { session, params: { keyId: rotated.id } });

      expect(a).toMatchObject({ status: 409, body: { error_code: 'conflict', error_message: 'key is revoked; create a new key instead' } });
      expect(b).toMatchObject({ status: 409, body: { error_code: 'conflict', error_message: `key was already rotated into '${first.body.id}'; rotate that key instead` } });
    });

    it('lets exactly one of concurrent rotations of a key succeed', async () => {
      const old = (await createKey()).body;
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => bed.api.call('POST', '/v1/keys/{keyId}/rotate', { session, params: { keyId: old.id }, body: { gracePeriodSeconds: 60 } })),
      );
      answers.filter((a) => a.status === 201).forEach((a) => issued.push(a.body.key));
      expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
      expect(answers.filter((a) => a.status === 409)).toHaveLength(7);
      const keys = (await bed.api.call('GET', '/v1/keys', { session })).body.keys as { replaces: string | null }[];
      expect(keys.filter((k) => k.replaces === old.id)).toHaveLength(1);
    });
  });

  describe('Route: DELETE /v1/keys/{keyId}', () => {
    it('revokes a key; repeating it is a harmless 204 that changes nothing', async () => {
      // Prepare
      const user = await makeUser(bed.accounts);
      const session = await bed.api.login(user.email, user.password);
      const { body } = await createKey(undefined, session);

      // Act
      const first = await bed.api.call('DELETE', '/v1/keys/{keyId}', { session, params: { keyId: body.id } });
      const revokedAt = (await bed.api.call('GET', '/v1/keys/{keyId}', { session, params: { keyId: body.id } })).body.revokedAt;
      const second = await bed.api.call('DELETE', '/v1/keys/{keyId}', { session, params: { keyId: body.id } });

      // Assess
      expect(first.status).toBe(204);
      expect(second.status).toBe(204);
      expect(await use(body.key)).toBe('unauthorized');
      expect((await bed.api.call('GET', '/v1/keys/{keyId}', { session, params: { keyId: body.id } })).body.revokedAt).toBe(revokedAt);
      const audit = (await bed.api.call('GET', '/v1/auth/audit', { session, query: { limit: '100' } })).body.records as { action: string; target: string }[];
      expect(audit.filter((r) => r.action === 'key_revoked' && r.target === `key:${body.id}`)).toHaveLength(1);
    });

    it('ends a key in its grace period at once', async () => {
      const old = (await createKey()).body;
      const next = await bed.api.call('POST', '/v1/keys/{keyId}/rotate', { session, params: { keyId: old.id }, body: { gracePeriodSeconds: 3600 } });
      issued.push(next.body.key);
      expect(await use(old.key)).toBe('allow');
      expect((await bed.api.call('DELETE', '/v1/keys/{keyId}', { session, params: { keyId: old.id } })).status).toBe(204);
      expect(await use(old.key)).toBe('unauthorized');
      expect(await use(next.body.key)).toBe('allow');
    });

    it("answers 404 for someone else's key and leaves it working", async () => {
      const { body } = await createKey();
      const stranger = await makeUser(bed.accounts);
      const theirs = await bed.api.login(stranger.email, stranger.password);
      expect((await bed.api.call('DELETE', '/v1/keys/{keyId}', { session: theirs, params: { keyId: body.id } })).status).toBe(404);
      expect(await use(body.key)).toBe('allow');
    });
  });

  describe('Key lifecycle', () => {
    it('create → use → rotate → rotate with grace → old refused after the grace → revoke', async () => {
      const user = await makeUser(bed.accounts);
      const session = await bed.api.login(user.email, user.password);
      const events: string[] = [];
      let now = Date.now();
      const clocked = new Authorizer({ store: new DynamoCredentialStore(bed.client, bed.table), config: loadConfig(referenceEnv(bed.table)), now: () => now });

      const first = (await createKey({ name: 'bot', permissions: ['submit_score'] }, session)).body;
      expect(await use(first.key, 'POST', '/v1/scores', clocked)).toBe('allow');

      const second = (await bed.api.call('POST', '/v1/keys/{keyId}/rotate', { session, params: { keyId: first.id } })).body;
      issued.push(second.key);
      expect(await use(first.key)).toBe('unauthorized');
      expect(await use(second.key)).toBe('allow');
      expect(await verify(first.key)).toMatchObject({ valid: false, error_code: 'key_revoked' });

      const third = (await bed.api.call('POST', '/v1/keys/{keyId}/rotate', { session, params: { keyId: second.id }, body: { gracePeriodSeconds: 600 } })).body;
      issued.push(third.key);
      now = Date.now();
      expect(await use(second.key, 'POST', '/v1/scores', clocked)).toBe('allow');
      expect(await use(third.key, 'POST', '/v1/scores', clocked)).toBe('allow');
      now = Date.parse(third.previousKeyEndsAt) + 1;
      expect(await use(second.key, 'POST', '/v1/scores', clocked)).toBe('unauthorized');
      expect(await use(third.key, 'POST', '/v1/scores', clocked)).toBe('allow');

      expect((await bed.api.call('DELETE', '/v1/keys/{keyId}', { session, params: { keyId: third.id } })).status).toBe(204);
      now += 10_000; // past the cache entry
      expect(await use(third.key, 'POST', '/v1/scores', clocked)).toBe('unauthorized');
      expect(await verify(third.key)).toMatchObject({ valid: false, error_code: 'key_revoked' });

      const audit = (await bed.api.call('GET', '/v1/auth/audit', { session, query: { limit: '100' } })).body.records as { action: string; target: string; detail?: Record<string, string> }[];
      for (const r of audit.reverse()) if ([first.id, second.id, third.id].some((id) => r.target === `key:${id}`)) events.push(`${r.action} ${r.target.slice(4)}`);
      expect(events).toEqual([`key_created ${first.id}`, `key_rotated ${first.id}`, `key_rotated ${second.id}`, `key_revoked ${third.id}`]);
    });
  });

  describe('Concurrency: rotation while the key is in use', () => {
    it('never lets the old key work once the rotation has returned, and the new key works at once', async () => {
      // Prepare: 16 clients hammer the old key through an authorizer without a cache
      const old = (await createKey()).body;
      let rotated = false;
      let stop = false;
      const seen = { allowedBefore: 0, refusedAfter: 0, allowedAfter: 0 };
      const worker = async () => {
        while (!stop) {
          const afterRotation = rotated;
          const outcome = await use(old.key);
          if (afterRotation && outcome === 'allow') seen.allowedAfter++;
          else if (afterRotation) seen.refusedAfter++;
          else if (outcome === 'allow') seen.allowedBefore++;
        }
      };
      const workers = Array.from({ length: 16 }, worker);
      await new Promise((r) => setTimeout(r, 100));

      // Act
      const res = await bed.api.call('POST', '/v1/keys/{keyId}/rotate', { session, params: { keyId: old.id } });
      rotated = true;
      issued.push(res.body.key);
      const newKeyAtOnce = await use(res.body.key);
      await new Promise((r) => setTimeout(r, 200));
      stop = true;
      await Promise.all(workers);

      // Assess
      expect(res.status).toBe(201);
      expect(newKeyAtOnce).toBe('allow');
      expect(seen.allowedBefore).toBeGreaterThan(0);
      expect(seen.refusedAfter).toBeGreaterThan(0);
      expect(seen.allowedAfter).toBe(0);
    });

    it('with a grace period, ends the old key exactly at its end, even from a warm cache', async () => {
      // Prepare: a caching authorizer on a clock the test sets
      const old = (await createKey()).body;
      const res = await bed.api.call('POST', '/v1/keys/{keyId}/rotate', { session, params: { keyId: old.id }, body: { gracePeriodSeconds: 30 } });
      issued.push(res.body.key);
      const endsAt = Date.parse(res.body.previousKeyEndsAt);
      let now = endsAt - 1000;
      const cached = new Authorizer({ store: new DynamoCredentialStore(bed.client, bed.table), config: loadConfig(referenceEnv(bed.table)), now: () => now });
      expect(await use(old.key, 'POST', '/v1/scores', cached)).toBe('allow');

      // Act: many concurrent requests on either side of the end
      const before = await Promise.all(Array.from({ length: 50 }, () => use(old.key, 'POST', '/v1/scores', cached)));
      now = endsAt;
      const after = await Promise.all(Array.from({ length: 50 }, () => use(old.key, 'POST', '/v1/scores', cached)));
      const fresh = await Promise.all(Array.from({ length: 50 }, () => use(res.body.key, 'POST', '/v1/scores', cached)));

      // Assess
      expect(new Set(before)).toEqual(new Set(['allow']));
      expect(new Set(after)).toEqual(new Set(['unauthorized']));
      expect(new Set(fresh)).toEqual(new Set(['allow']));
    });
  });
});

describe('Handler: auth — Route: POST /v1/auth/verify', () => {
  it('says a good key is valid, with its owner, permissions and expiry', async () => {
    const { body } = await createKey({ name: 'v', permissions: ['delete_score'], expiresInDays: 2 });
    expect(await verify(body.key)).toEqual({ valid: true, keyId: body.id, userId: owner.userId, permissions: ['delete_score'], expiresAt: body.expiresAt });
  });

  it.each([
    ['a wrong prefix', (k: string) => `api_key_${k.slice(9)}`, "key has to start with 'user_key_' or 'bot_key_'"],
    ['a wrong length', (k: string) => k.slice(0, -1), 'key has to be 71 characters long, got 70'],
    ['a wrong alphabet', (k: string) => `${k.slice(0, 40)}-${k.slice(41)}`, "key may only contain letters and digits after 'user_key_'"],
    ['a typo', (k: string) => `${k.slice(0, 40)}${k[40] === 'a' ? 'b' : 'a'}${k.slice(41)}`, 'checksum check not passed, key is malformed'],
  ])('says malformed_key for %s, with what is wrong', async (_label, mangle, message) => {
    const { body } = await createKey();
    expect(await verify(mangle(body.key))).toEqual({ valid: false, error_code: 'malformed_key', error_message: message });
  });

  it('says invalid_key for an unknown key and for a wrong secret, alike', async () => {
    const { body } = await createKey();
    const unknownId = generateToken('user', owner.userId).value;
    const wrongSecret = generateToken('user', owner.userId, undefined, body.id).value;
    expect(await verify(unknownId)).toEqual({ valid: false, error_code: 'invalid_key', error_message: 'key is not known' });
    expect(await verify(wrongSecret)).toEqual({ valid: false, error_code: 'invalid_key', error_message: 'key is not known' });
  });

  it('says key_revoked and key_expired with when', async () => {
    const revoked = (await createKey()).body;
    await bed.api.call('DELETE', '/v1/keys/{keyId}', { session, params: { keyId: revoked.id } });
    const expired = await bed.issueUserKey(owner.userId, { name: 'old', permissions: [], expiresAt: Date.now() - 1000 });
    issued.push(expired.value);
    expect(await verify(revoked.key)).toEqual({ valid: false, error_code: 'key_revoked', error_message: expect.stringMatching(/^key was revoked at \d{4}-/) });
    expect(await verify(expired.value)).toEqual({ valid: false, error_code: 'key_expired', error_message: expect.stringMatching(/^key expired at \d{4}-/) });
  });

  it('says key_revoked when the owner is disabled', async () => {
    const user = await makeUser(bed.accounts);
    const token = await bed.issueUserKey(user.userId, { name: 'k', permissions: [] });
    issued.push(token.value);
    await bed.accounts.setDisabled(user.userId, true);
    expect(await verify(token.value)).toMatchObject({ valid: false, error_code: 'key_revoked', error_message: "key no longer works: its owner's account is disabled" });
  });

  it('answers as the authorizer does, in the one rule\'s order: a re-prefixed key of a disabled owner is not known', async () => {
    const human = await makeUser(bed.accounts);
    const token = await bed.issueUserKey(human.userId, { name: 'k', permissions: ['submit_score'] });
    const expiring = await bed.issueUserKey(human.userId, { name: 'e', permissions: [], expiresAt: Date.now() - 1000 });
    issued.push(token.value, expiring.value);
    // The same key under the bot prefix, with a checksum that passes: anyone can compute one.
    const head = `bot_key_${token.userId}${token.id}${token.secret}`;
    const rePrefixed = head + checksum(head);
    const reasonOf = async (key: string) => {
      const d = await bed.api.authorizer.decide(authorizerEvent('POST', '/v1/scores', { Authorization: `Bearer ${key}` }));
      return d.outcome === 'unauthorized' ? d.reason : d.outcome;
    };
    const both = async (key: string) => ({ verify: (await verify(key)).error_code ?? 'valid', authorizer: await reasonOf(key) });

    expect(await both(token.value)).toEqual({ verify: 'valid', authorizer: 'allow' });
    expect(await both(rePrefixed)).toEqual({ verify: 'invalid_key', authorizer: 'wrong_kind' });
    expect(await both(expiring.value)).toEqual({ verify: 'key_expired', authorizer: 'expired' });
    await bed.accounts.setDisabled(human.userId, true);
    expect(await both(token.value)).toEqual({ verify: 'key_revoked', authorizer: 'user_disabled' });
    // Before: verify said invalid_key (kind checked with the secret) while the authorizer said user_disabled.
    expect(await both(rePrefixed)).toEqual({ verify: 'invalid_key', authorizer: 'wrong_kind' });
    expect(await both(expiring.value)).toEqual({ verify: 'key_revoked', authorizer: 'user_disabled' });
  });

  it('holder revocation follows the same rule: a re-prefixed key is not the issued one and ends nothing; the real one ends, even of a disabled owner', async () => {
    const human = await makeUser(bed.accounts);
    const token = await bed.issueUserKey(human.userId, { name: 'k', permissions: ['submit_score'] });
    issued.push(token.value);
    const head = `bot_key_${token.userId}${token.id}${token.secret}`;
    const rePrefixed = head + checksum(head);
    const revoke = async (key: string) => {
      const res = await bed.api.call('POST', '/v1/auth/revoke', { body: { key } });
      return res.status === 200 ? 'revoked' : `${res.status} ${res.body.error_message}`;
    };
    const stillWorks = async () => (await verify(token.value)).error_code ?? 'valid';

    expect(await revoke(rePrefixed)).toBe('404 key is not known');
    expect(await stillWorks()).toBe('valid');
    await bed.accounts.setDisabled(human.userId, true);
    expect(await revoke(rePrefixed)).toBe('404 key is not known');
    expect((await bed.accounts.getKey(human.userId, token.id))?.revokedAt).toBeUndefined();
    // The key its holder genuinely holds: a disabled owner does not stop its revocation.
    expect(await revoke(token.value)).toBe('revoked');
    await bed.accounts.setDisabled(human.userId, false);
    expect(await stillWorks()).toBe('key_revoked');
  });

  it('refuses a body without a key, or with more', async () => {
    expect((await bed.api.call('POST', '/v1/auth/verify', { body: {} })).body).toEqual({ status_code: 400, endpoint: '/v1/auth/verify', error_code: 'validation', error_message: "'key' is required" });
    expect((await bed.api.call('POST', '/v1/auth/verify', { body: { key: 'x', userId: 'y' } })).body.error_message).toBe("unknown field 'userId'");
  });
});

describe('Storage', () => {
  it('holds no key secret, key, session token or password anywhere in the table', async () => {
    const out = await bed.client.send(new ScanCommand({ TableName: bed.table }));
    const everything = JSON.stringify(out.Items);
    expect(issued.length).toBeGreaterThan(20);
    for (const key of issued) {
      expect(everything).not.toContain(key.slice(-38, -6)); // the secret
    }
    expect(everything).not.toContain(session.slice(32, 64));
    expect(everything).not.toContain(owner.password);
  });
});
