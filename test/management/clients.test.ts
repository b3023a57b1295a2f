/**
 * API clients, the client file flow, authorized apps, deletion (which revokes
 * every key issued through a client) and revocation by the holder, against
 * DynamoDB Local through the real handlers over HTTP.
 */
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { DEFAULT_PREFIXES, generateToken } from '../../lambda/core/token';
import { storedKeySecret } from '../../lambda/management/mint';
import { DynamoClientStore } from '../../lambda/store/dynamo-clients';
import { authorizerEvent } from '../../fixtures/authorizer-events';
import { OAuthHarness } from './oauth-harness';

const REDIRECT = 'https://tool.example/callback';
const TEMPLATE = '{"apiKey":"%%KEYGATE_KEY%%","server":"https://api.example.com"}';

let h: OAuthHarness;

beforeAll(async () => {
  h = await OAuthHarness.open();
});
afterAll(() => h.close());

const fileFlow = (user: { cookie: string }, clientId: string) => h.request('POST', `/v1/clients/${clientId}/file`, { cookie: user.cookie });
const keyOf = (file: string) => (JSON.parse(file) as { apiKey: string }).apiKey;
const scoreWith = (key: string) => h.request('POST', '/v1/scores', { key, json: {}, origin: null });

describe('Clients: registration', () => {
  it('registers a confidential client with a secret shown once, and a public one without', async () => {
    // Act
    const created = await h.request('POST', '/v1/clients', { cookie: h.owner.cookie, json: { name: 'Tool', redirectUris: [REDIRECT], permissions: ['submit_score'] } });
    const publicOne = await h.request('POST', '/v1/clients', { cookie: h.owner.cookie, json: { name: 'CLI', redirectUris: ['http://127.0.0.1:9999/cb'], permissions: ['submit_score'], public: true } });
    const read = await h.request('GET', `/v1/clients/${created.body.id}`, { cookie: h.owner.cookie });
    const list = await h.request('GET', '/v1/clients', { cookie: h.owner.cookie });

    // Assess
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Tool', public: false, status: 'active', secret: expect.stringMatching(new RegExp(`^client_secret_${created.body.id}[0-9A-Za-z]{38}$`)) });
    expect(created.body.secretHint).toBe((created.body.secret as string).slice(-4));
    expect(publicOne.body).toMatchObject({ public: true, secretHint: null });
    expect(publicOne.body.secret).toBeUndefined();
    expect(read.body.secret).toBeUndefined();
    expect(read.body).toEqual({ ...created.body, secret: undefined });
    expect(list.body.clients.map((c: { id: string }) => c.id)).toEqual(expect.arrayContaining([created.body.id, publicOne.body.id]));
  });

  it.each([
    [{ redirectUris: ['http://tool.example/cb'] }, "'redirectUris[0]' has to use https"],
    [{ redirectUris: ['https://tool.example/cb#x'] }, 'fragment'],
    [{ permissions: ['manage_keys'] }, 'can only be held by a login session'],
    [{ permissions: ['no_such'] }, 'unknown permission'],
    [{ apiKeyFilename: 'k.txt', apiKeyTemplate: 'no placeholder' }, 'exactly once'],
    [{ apiKeyTemplate: '%%KEYGATE_KEY%%' }, 'go together'],
    [{ apiKeyFilename: '../etc/passwd', apiKeyTemplate: '%%KEYGATE_KEY%%' }, "'apiKeyFilename'"],
    [{ name: 'Tool\u202Egnp.exe' }, "'name'"],
    [{ secret: 'mine' }, "unknown field 'secret'"],
  ])('refuses %j with a 400 that says why', async (change, message) => {
    const res = await h.request('POST', '/v1/clients', { cookie: h.owner.cookie, json: { name: 'Bad', redirectUris: [REDIRECT], permissions: ['submit_score'], ...change } });
    expect([res.status, res.body.error_code]).toEqual([400, 'validation']);
    expect(res.body.error_message).toContain(message);
  });

  it("changes a client, rotates its secret (the old one stops), and hides it from anyone but its owner", async () => {
    // Prepare
    const other = await h.user();
    const tool = await h.registerClient(h.owner, { name: 'Tool', redirectUris: [REDIRECT], permissions: ['submit_score'] });
    const tokenWith = (secret: string) => h.token({ grant_type: 'authorization_code', code: 'code_x', redirect_uri: REDIRECT, client_id: tool.id, client_secret: secret });

    // Act
    const patched = await h.request('PATCH', `/v1/clients/${tool.id}`, { cookie: h.owner.cookie, json: { name: 'Tool 2', permissions: ['submit_score', 'delete_score'] } });
    const flip = await h.request('PATCH', `/v1/clients/${tool.id}`, { cookie: h.owner.cookie, json: { public: true } });
    const rotated = await h.request('POST', `/v1/clients/${tool.id}/secret`, { cookie: h.owner.cookie });
    const foreign = await Promise.all([
      h.request('GET', `/v1/clients/${tool.id}`, { cookie: other.cookie }),
      h.request('PATCH', `/v1/clients/${tool.id}`, { cookie: other.cookie, json: { name: 'mine' } }),
      h.request('DELETE', `/v1/clients/${tool.id}`, { cookie: other.cookie }),
    ]);
    const withKey = await h.request('GET', '/v1/clients', { key: (await h.request('POST', '/v1/keys', { cookie: h.owner.cookie, json: { name: 'k', permissions: ['submit_score'] } })).body.key });

    // Assess
    expect(patched.body).toMatchObject({ name: 'Tool 2', permissions: ['submit_score', 'delete_score'], updatedAt: expect.any(String) });
    expect(flip.body.error_message).toContain('cannot switch between public and confidential');
    expect(rotated.status).toBe(201);
    // the old secret is refused as a secret (invalid_client); the new one gets past client authentication to the code check
    expect((await tokenWith(tool.secret!)).body.error).toBe('invalid_client');
    expect((await tokenWith(rotated.body.secret as string)).body.error).toBe('invalid_grant');
    expect(foreign.map((r) => r.status)).toEqual([404, 404, 404]);
    expect(withKey.status).toBe(403);
  });
});

describe('Clients: the client file flow', () => {
  it("answers the client's template with a new key, as a no-store attachment; the key works and names the client", async () => {
    // Prepare
    const tool = await h.registerClient(h.owner, { name: 'Score Importer', permissions: ['submit_score'], apiKeyFilename: 'importer.json', apiKeyTemplate: TEMPLATE });
    const user = await h.user();

    // Act
    const file = await fileFlow(user, tool.id);

    // Assess
    expect(file.status).toBe(200);
    expect(file.headers.get('content-disposition')).toBe('attachment; filename="importer.json"');
    expect(file.headers.get('cache-control')).toBe('no-store');
    expect(file.headers.get('content-type')).toBe('application/octet-stream');
    expect(file.text).toMatch(/^\{"apiKey":"user_key_[0-9A-Za-z]{62}","server":"https:\/\/api\.example\.com"\}$/);
    expect((await scoreWith(keyOf(file.text))).body).toMatchObject({ userId: user.userId, clientId: tool.id, permissions: ['submit_score'] });
  });

  it('is a POST under the CSRF rule, and a client without a template is a 409', async () => {
    const tool = await h.registerClient(h.owner, { name: 'Templated', permissions: ['submit_score'], apiKeyFilename: 'k.txt', apiKeyTemplate: '%%KEYGATE_KEY%%' });
    const plain = await h.registerClient(h.owner, { name: 'No file', redirectUris: [REDIRECT], permissions: ['submit_score'] });
    expect((await h.request('GET', `/v1/clients/${tool.id}/file`, { cookie: h.owner.cookie })).status).toBe(404);
    expect((await h.request('POST', `/v1/clients/${tool.id}/file`, { cookie: h.owner.cookie, origin: 'https://evil.example' })).body.error_code).toBe('csrf_rejected');
    expect((await fileFlow(h.owner, plain.id)).status).toBe(409);
  });
});

describe('Clients: keys issued through a client, at the authorizer', () => {
  it('get the same policy as any key with those permissions, and name the client in the context', async () => {
    // Prepare: a key from the client file, and a key made by hand with the same permission
    const tool = await h.registerClient(h.owner, { name: 'Policy Tool', permissions: ['submit_score'], apiKeyFilename: 'k.txt', apiKeyTemplate: '%%KEYGATE_KEY%%' });
    const user = await h.user();
    const fromClient = (await fileFlow(user, tool.id)).text;
    const byHand = (await h.request('POST', '/v1/keys', { cookie: user.cookie, json: { name: 'by hand', permissions: ['submit_score'] } })).body.key as string;
    const authorizer = h.bed.authorizer();
    const decide = (key: string) => authorizer.decide(authorizerEvent('POST', '/v1/scores', { Authorization: `Bearer ${key}` }));

    // Act
    const [a, b] = [await decide(fromClient), await decide(byHand)];

    // Assess
    if (a.outcome !== 'allow' || b.outcome !== 'allow') throw new Error(`expected two allows, got ${a.outcome} and ${b.outcome}`);
    expect(a.result.policyDocument).toEqual(b.result.policyDocument);
    const { clientId, keyId, ...rest } = a.result.context as Record<string, string>;
    expect(clientId).toBe(tool.id);
    expect(keyId).not.toBe((b.result.context as Record<string, string>).keyId);
    expect({ ...rest, keyId: 'k' }).toEqual({ ...(b.result.context as Record<string, string>), keyId: 'k' });
  });
});

describe('Clients: authorized apps, deletion and revocation', () => {
  it('lists the apps a user holds live keys from, and revokes one app’s keys on request', async () => {
    // Prepare: two keys from one tool, one from another
    const user = await h.user();
    const a = await h.registerClient(h.owner, { name: 'App A', permissions: ['submit_score'], apiKeyFilename: 'a.txt', apiKeyTemplate: '%%KEYGATE_KEY%%' });
    const b = await h.registerClient(h.owner, { name: 'App B', permissions: ['delete_score'], apiKeyFilename: 'b.txt', apiKeyTemplate: '%%KEYGATE_KEY%%' });
    const keysA = [(await fileFlow(user, a.id)).text, (await fileFlow(user, a.id)).text];
    const keyB = (await fileFlow(user, b.id)).text;

    // Act
    const listed = await h.request('GET', '/v1/authorizations', { cookie: user.cookie });
    const revoked = await h.request('DELETE', `/v1/authorizations/${a.id}`, { cookie: user.cookie });
    const again = await h.request('DELETE', `/v1/authorizations/${a.id}`, { cookie: user.cookie });
    const after = await h.request('GET', '/v1/authorizations', { cookie: user.cookie });

    // Assess
    expect(listed.body.authorizations).toEqual(
      expect.arrayContaining([
        { clientId: a.id, name: 'App A', permissions: ['submit_score'], keys: 2, firstAuthorizedAt: expect.any(String), lastAuthorizedAt: expect.any(String) },
        expect.objectContaining({ clientId: b.id, keys: 1 }),
      ]),
    );
    expect([revoked.status, again.status]).toEqual([204, 204]);
    expect(after.body.authorizations).toEqual([expect.objectContaining({ clientId: b.id })]);
    for (const key of keysA) expect((await scoreWith(key)).status).toBe(401);
    expect((await h.request('DELETE', '/v1/scores/1', { key: keyB, origin: null })).status).toBe(200);
  });

  it("deleting a client revokes every key issued through it, for every user, a rotated one included, and leaves no GRANT item", async () => {
    // Prepare: keys of two users, one of them rotated by its owner
    const tool = await h.registerClient(h.owner, { name: 'Leaky', permissions: ['submit_score'], apiKeyFilename: 'k.txt', apiKeyTemplate: '%%KEYGATE_KEY%%' });
    const [u1, u2] = [await h.user(), await h.user()];
    const k1 = (await fileFlow(u1, tool.id)).text;
    const k2 = (await fileFlow(u2, tool.id)).text;
    const keyId = (await h.request('GET', '/v1/keys', { cookie: u2.cookie })).body.keys[0].id as string;
    const rotated = await h.request('POST', `/v1/keys/${keyId}/rotate`, { cookie: u2.cookie, json: { gracePeriodSeconds: 3600 } });
    expect((await scoreWith(rotated.body.key)).body.clientId).toBe(tool.id);

    // Act
    const deleted = await h.request('DELETE', `/v1/clients/${tool.id}`, { cookie: h.owner.cookie });

    // Assess
    expect(deleted.status).toBe(204);
    for (const key of [k1, k2, rotated.body.key as string]) expect((await scoreWith(key)).status).toBe(401);
    expect((await h.request('GET', `/v1/clients/${tool.id}`, { cookie: h.owner.cookie })).status).toBe(404);
    expect((await fileFlow(u1, tool.id)).status).toBe(404);
    const left = await h.client.send(new QueryCommand({ TableName: h.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: `CLIENT#${tool.id}` } } }));
    expect(left.Items).toEqual([]);
    const audit = await h.request('GET', '/v1/auth/audit', { cookie: u1.cookie });
    expect(audit.body.records[0]).toMatchObject({ action: 'key_revoked', actor: h.owner.userId, detail: { clientId: tool.id, reason: 'client_deleted' } });
  });

  it('a deletion cut short leaves the client deleting: nothing more is issued through it, and DELETE again finishes it', async () => {
    // Prepare: a key through the client, then only the first step of a deletion (as if the Lambda had stopped)
    const tool = await h.registerClient(h.owner, { name: 'Half deleted', permissions: ['submit_score'], apiKeyFilename: 'k.txt', apiKeyTemplate: '%%KEYGATE_KEY%%' });
    const user = await h.user();
    const key = (await fileFlow(user, tool.id)).text;
    const store = new DynamoClientStore(h.client, h.table);
    expect(await store.markClientDeleted(h.owner.userId, tool.id)).toBe(true);

    // Act
    const shown = await h.request('GET', `/v1/clients/${tool.id}`, { cookie: h.owner.cookie });
    const file = await fileFlow(user, tool.id);
    const issue = store.issueClientKey(user.userId, { clientId: tool.id, ownerId: h.owner.userId }, storedKeySecret(generateToken('user', user.userId)), { name: 'x', permissions: ['submit_score'] }, undefined, []);
    const finished = await h.request('DELETE', `/v1/clients/${tool.id}`, { cookie: h.owner.cookie });

    // Assess
    expect(shown.body.status).toBe('deleting');
    expect(file.status).toBe(404);
    await expect(issue).rejects.toMatchObject({ name: 'IssueRefusedError', reason: 'client_gone' });
    expect(finished.status).toBe(204);
    expect((await scoreWith(key)).status).toBe(401);
    expect((await h.request('GET', `/v1/clients/${tool.id}`, { cookie: h.owner.cookie })).status).toBe(404);
  });

  it('lets whoever holds a key revoke it, audited as revoked by its holder', async () => {
    // Prepare
    const user = await h.user();
    const key = (await h.request('POST', '/v1/keys', { cookie: user.cookie, json: { name: 'leaked', permissions: ['submit_score'] } })).body.key as string;

    // Act: anyone, with no credentials of their own
    const revoked = await h.request('POST', '/v1/auth/revoke', { json: { key }, origin: null });
    const again = await h.request('POST', '/v1/auth/revoke', { json: { key }, origin: null });
    const { value: sameIdOtherSecret } = generateToken('user', user.userId, DEFAULT_PREFIXES, revoked.body.keyId as string);
    const wrongSecret = await h.request('POST', '/v1/auth/revoke', { json: { key: sameIdOtherSecret }, origin: null });
    const malformed = await h.request('POST', '/v1/auth/revoke', { json: { key: `${key}x` }, origin: null });

    // Assess
    expect(revoked.body).toEqual({ keyId: expect.any(String), revokedAt: expect.any(String) });
    expect(again.body).toEqual(revoked.body);
    expect((await scoreWith(key)).status).toBe(401);
    expect([wrongSecret.status, wrongSecret.body.error_message]).toEqual([404, 'key is not known']);
    expect(malformed.body.error_message).toContain('71 characters');
    const audit = await h.request('GET', '/v1/auth/audit', { cookie: user.cookie });
    expect(audit.body.records[0]).toMatchObject({ action: 'key_revoked', actor: null, authMethod: 'api_key', detail: { by: 'holder' } });
  });
});
