/**
 * Issue 20: a client whose owner is disabled, or that an admin disabled, is
 * unknown everywhere (authorize, token, RFC 7009 revoke, client file); admins
 * list every client, disable, enable and delete any of them (API and CLI),
 * audited. Against DynamoDB Local through the real handlers over HTTP.
 */
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { main, type CliIo } from '../../cli/keygate';
import { generateToken } from '../../lambda/core/token';
import { storedKeySecret } from '../../lambda/management/mint';
import { DynamoClientStore } from '../../lambda/store/dynamo-clients';
import { CLIENTS_PK, clientDirectorySk } from '../../lambda/store/keys';
import { IssueRefusedError } from '../../lambda/store/port';
import { OAuthHarness, basic, type HarnessUser } from './oauth-harness';

const REDIRECT = 'https://tool.example/callback';
/** PKCE is required of every client (issue 20, item 7): one fixed pair, since these tests are about something else. */
const VERIFIER = 'a-fixed-test-verifier-of-at-least-43-characters-long';
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');
const PKCE = { code_challenge: CHALLENGE, code_challenge_method: 'S256' };
const TEMPLATE = '{"apiKey":"%%KEYGATE_KEY%%"}';

let h: OAuthHarness;
let admin: HarnessUser;
let store: DynamoClientStore;

beforeAll(async () => {
  h = await OAuthHarness.open({ settings: true });
  admin = await h.user({ admin: true });
  store = new DynamoClientStore(h.client, h.table, Date.now);
});
afterAll(() => h.close());

interface Tool {
  readonly id: string;
  readonly secret: string;
}

const register = async (owner: { cookie: string }, name = 'Tool'): Promise<Tool> =>
  (await h.registerClient(owner, { name, redirectUris: [REDIRECT], permissions: ['submit_score', 'delete_score'], apiKeyFilename: 'key.json', apiKeyTemplate: TEMPLATE })) as Tool;

const authorizeQuery = (tool: Tool) => `/v1/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: tool.id, redirect_uri: REDIRECT, scope: 'delete_score', ...PKCE }).toString()}`;
const consent = (user: { cookie: string }, tool: Tool) => h.request('GET', authorizeQuery(tool), { cookie: user.cookie, headers: { Accept: 'application/json' } });
const approve = (user: { cookie: string }, tool: Tool) =>
  h.request('POST', '/v1/oauth/authorize', { cookie: user.cookie, json: { response_type: 'code', client_id: tool.id, redirect_uri: REDIRECT, scope: 'delete_score', ...PKCE, decision: 'approve' } });
const exchange = (tool: Tool, code: string) => h.token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: VERIFIER }, basic(tool.id, tool.secret));
const codeOf = (res: { body: { redirectTo: string } }) => new URL(res.body.redirectTo).searchParams.get('code')!;
const revoke = (tool: Tool, token: string) => h.request('POST', '/v1/oauth/revoke', { form: { token }, headers: basic(tool.id, tool.secret), origin: null });
const fileFlow = (user: { cookie: string }, tool: Tool) => h.request('POST', `/v1/clients/${tool.id}/file`, { cookie: user.cookie });
const deleteScore = (key: string) => h.request('DELETE', '/v1/scores/s1', { key, origin: null });
const setUserDisabled = (userId: string, disabled: boolean) => h.request('PATCH', `/v1/admin/users/${userId}`, { cookie: admin.cookie, json: { disabled } });

/** A working key through `tool`: consent, approve, exchange. */
async function keyThrough(user: { cookie: string }, tool: Tool): Promise<string> {
  const res = await exchange(tool, codeOf(await approve(user, tool)));
  if (res.status !== 200) throw new Error(`exchange failed: ${res.status} ${res.text}`);
  return res.body.access_token as string;
}

type Audit = { action: string; actor: string | null; target: string; detail?: Record<string, string> };
const trail = async (cookie: string) => (await h.request('GET', '/v1/auth/audit?limit=100', { cookie })).body.records as Audit[];

async function runCli(args: string[]) {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), stdin: Readable.from(['']), env: process.env };
  const code = await main([...args, '--table', h.table], io);
  return { code, out, err, json: code === 0 ? JSON.parse(out) : undefined };
}

describe('Issue 20: a disabled owner’s client is unknown everywhere', () => {
  it('the reproduction: after the owner is disabled, no consent page, no token, no revoke, no client file; enabling the owner restores it', async () => {
    // Prepare: a non-admin registers a client with delete_score; another user holds a code and a key from it.
    const owner = await h.user();
    const other = await h.user();
    const tool = await register(owner);
    const earlierKey = await keyThrough(other, tool);
    const pendingCode = codeOf(await approve(other, tool));

    // Act
    expect((await setUserDisabled(owner.userId, true)).status).toBe(200);
    const page = await consent(other, tool);
    const approved = await approve(other, tool);
    const token = await exchange(tool, pendingCode);
    const revoked = await revoke(tool, earlierKey);
    const file = await fileFlow(other, tool);
    const earlierKeyWorks = await deleteScore(earlierKey);
    await setUserDisabled(owner.userId, false);
    const pageAgain = await consent(other, tool);

    // Assess: as unknown as a client id that does not exist
    expect([page.status, page.body.error_message]).toEqual([400, 'there is no client with this client_id']);
    expect([approved.status, approved.body.error_message]).toEqual([400, 'there is no client with this client_id']);
    expect([token.status, token.body]).toEqual([401, { error: 'invalid_client', error_description: 'client is not known' }]);
    expect([revoked.status, revoked.body.error]).toEqual([401, 'invalid_client']);
    expect([file.status, file.body.error_code]).toEqual([404, 'not_found']);
    // The rule (docs/design.md): keys already issued belong to the approving users and keep working.
    expect(earlierKeyWorks.status).toBeLessThan(300);
    expect(pageAgain.status).toBe(200);
  });

  it('the issue transaction itself refuses a key when the owner is disabled (a disable racing an issue)', async () => {
    // Prepare
    const owner = await h.user();
    const other = await h.user();
    const tool = await register(owner);
    await setUserDisabled(owner.userId, true);

    // Act
    const issue = store.issueClientKey(other.userId, { clientId: tool.id, ownerId: owner.userId }, storedKeySecret(generateToken('user', other.userId)), { name: 'x', permissions: ['submit_score'] }, undefined, []);

    // Assess
    await expect(issue).rejects.toEqual(new IssueRefusedError('client_gone'));
  });
});

describe('Issue 20: admins and every client', () => {
  it('GET /admin/clients lists every user’s clients with their owner, paged in a stable order; a non-admin cannot', async () => {
    // Prepare
    const alice = await h.user();
    const bob = await h.user();
    const a = await register(alice, 'Alice tool');
    const b = await register(bob, 'Bob tool');

    // Act
    const all: { id: string; name: string; owner: { id: string; email: string | null; disabled: boolean }; disabled: boolean }[] = [];
    let next: string | null = null;
    let pages = 0;
    do {
      const res = await h.request('GET', `/v1/admin/clients?limit=1${next ? `&cursor=${encodeURIComponent(next)}` : ''}`, { cookie: admin.cookie });
      expect(res.status).toBe(200);
      expect(res.body.clients.length).toBeLessThanOrEqual(1);
      all.push(...res.body.clients);
      next = res.body.next;
      pages++;
    } while (next && pages < 100);
    const refused = await h.request('GET', '/v1/admin/clients', { cookie: alice.cookie });
    const badCursor = await h.request('GET', '/v1/admin/clients?cursor=junk', { cookie: admin.cookie });

    // Assess
    expect(all.find((c) => c.id === a.id)).toMatchObject({ name: 'Alice tool', disabled: false, owner: { id: alice.userId, email: alice.email, disabled: false } });
    expect(all.find((c) => c.id === b.id)).toMatchObject({ name: 'Bob tool', owner: { id: bob.userId, email: bob.email } });
    expect(all.findIndex((c) => c.id === a.id)).toBeLessThan(all.findIndex((c) => c.id === b.id));
    expect(new Set(all.map((c) => c.id)).size).toBe(all.length);
    expect((all[0] as unknown as { secret?: string }).secret).toBeUndefined();
    expect([refused.status, refused.body.error_code]).toEqual([403, 'missing_permission']);
    expect([badCursor.status, badCursor.body.error_code]).toEqual([400, 'validation']);
  });

  it('PATCH /admin/clients/{id} disables a client (unknown everywhere, earlier keys keep working) and enables it again, audited in both trails', async () => {
    // Prepare
    const owner = await h.user();
    const other = await h.user();
    const tool = await register(owner);
    const earlierKey = await keyThrough(other, tool);

    // Act
    const disabled = await h.request('PATCH', `/v1/admin/clients/${tool.id}`, { cookie: admin.cookie, json: { disabled: true } });
    const ownersView = await h.request('GET', `/v1/clients/${tool.id}`, { cookie: owner.cookie });
    const page = await consent(other, tool);
    const file = await fileFlow(owner, tool);
    const token = await exchange(tool, 'code_x');
    const earlierKeyWorks = await deleteScore(earlierKey);
    const byOwner = await h.request('PATCH', `/v1/admin/clients/${tool.id}`, { cookie: owner.cookie, json: { disabled: false } });
    const enabled = await h.request('PATCH', `/v1/admin/clients/${tool.id}`, { cookie: admin.cookie, json: { disabled: false } });
    const pageAgain = await consent(other, tool);
    const badBody = await h.request('PATCH', `/v1/admin/clients/${tool.id}`, { cookie: admin.cookie, json: { disabled: 'yes' } });
    const unknown = await h.request('PATCH', '/v1/admin/clients/AAAAAAAAAAAA', { cookie: admin.cookie, json: { disabled: true } });

    // Assess
    expect([disabled.status, disabled.body.disabled, disabled.body.owner.id]).toEqual([200, true, owner.userId]);
    expect(ownersView.body.disabled).toBe(true);
    expect(page.status).toBe(400);
    expect(file.status).toBe(404);
    expect([token.status, token.body.error]).toEqual([401, 'invalid_client']);
    expect(earlierKeyWorks.status).toBeLessThan(300);
    expect(byOwner.status).toBe(403);
    expect([enabled.status, enabled.body.disabled]).toEqual([200, false]);
    expect(pageAgain.status).toBe(200);
    expect(badBody.status).toBe(400);
    expect(unknown.status).toBe(404);
    const wanted = (action: string) => expect.objectContaining({ action, actor: admin.userId, target: `client:${tool.id}` });
    for (const cookie of [admin.cookie, owner.cookie]) {
      expect(await trail(cookie)).toEqual(expect.arrayContaining([wanted('client_disabled'), wanted('client_enabled')]));
    }
  });

  it('DELETE /admin/clients/{id} deletes any client and revokes its keys, audited with the admin as actor; a non-admin cannot', async () => {
    // Prepare
    const owner = await h.user();
    const other = await h.user();
    const tool = await register(owner);
    const key = await keyThrough(other, tool);

    // Act
    const byOther = await h.request('DELETE', `/v1/admin/clients/${tool.id}`, { cookie: other.cookie });
    const deleted = await h.request('DELETE', `/v1/admin/clients/${tool.id}`, { cookie: admin.cookie });
    const again = await h.request('DELETE', `/v1/admin/clients/${tool.id}`, { cookie: admin.cookie });
    const keyAfter = await deleteScore(key);
    const ownersList = await h.request('GET', '/v1/clients', { cookie: owner.cookie });
    const adminList = await h.request('GET', '/v1/admin/clients?limit=100', { cookie: admin.cookie });

    // Assess
    expect(byOther.status).toBe(403);
    expect(deleted.status).toBe(204);
    expect(again.status).toBe(404);
    expect(keyAfter.status).toBe(401);
    expect(ownersList.body.clients.map((c: { id: string }) => c.id)).not.toContain(tool.id);
    expect(adminList.body.clients.map((c: { id: string }) => c.id)).not.toContain(tool.id);
    expect(await trail(owner.cookie)).toEqual(
      expect.arrayContaining([expect.objectContaining({ action: 'client_deleted', actor: admin.userId, target: `client:${tool.id}`, detail: expect.objectContaining({ revokedKeys: '1' }) })]),
    );
    expect(await trail(other.cookie)).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'key_revoked', actor: admin.userId, detail: expect.objectContaining({ reason: 'client_deleted' }) })]));
  });
});

describe('Issue 20: the CLI', () => {
  it('list-clients, disable-client, enable-client and delete-client, JSON out, audited as the CLI', async () => {
    // Prepare
    const owner = await h.user();
    const other = await h.user();
    const tool = await register(owner);
    const key = await keyThrough(other, tool);

    // Act
    const listed = await runCli(['list-clients', '--limit', '100']);
    const disabled = await runCli(['disable-client', '--client', tool.id]);
    const page = await consent(other, tool);
    const enabled = await runCli(['enable-client', '--client', tool.id]);
    const deleted = await runCli(['delete-client', '--client', tool.id]);
    const keyAfter = await deleteScore(key);
    const unknown = await runCli(['disable-client', '--client', tool.id]);
    const missing = await runCli(['delete-client']);
    const badLimit = await runCli(['list-clients', '--limit', '0']);

    // Assess
    expect(listed.code).toBe(0);
    expect(listed.json.clients).toEqual(expect.arrayContaining([expect.objectContaining({ id: tool.id, owner: { id: owner.userId, email: owner.email, disabled: false } })]));
    expect([disabled.code, disabled.json.disabled]).toEqual([0, true]);
    expect(page.status).toBe(400);
    expect([enabled.code, enabled.json.disabled]).toEqual([0, false]);
    expect([deleted.code, deleted.json]).toEqual([0, { id: tool.id, deleted: true, revokedKeys: 1 }]);
    expect(keyAfter.status).toBe(401);
    expect([unknown.code, unknown.err]).toEqual([1, 'keygate: no such client\n']);
    expect(missing.code).toBe(2);
    expect([badLimit.code, badLimit.err]).toEqual([1, expect.stringContaining('--limit has to be')]);
    expect(await trail(owner.cookie)).toEqual(
      expect.arrayContaining(['client_disabled', 'client_enabled', 'client_deleted'].map((action) => expect.objectContaining({ action, actor: null, target: `client:${tool.id}` }))),
    );
  });

  it('upgrade-table adds the directory pointer of a client registered before the client list existed', async () => {
    // Prepare: a client without its pointer, as an older table has it
    const owner = await h.user();
    const tool = await register(owner);
    const record = (await store.getClient(tool.id))!;
    await h.client.send(new DeleteItemCommand({ TableName: h.table, Key: { pk: { S: CLIENTS_PK }, sk: { S: clientDirectorySk(record.createdAt, tool.id) } } }));
    const before = await runCli(['list-clients', '--limit', '100']);

    // Act
    const upgraded = await runCli(['upgrade-table']);
    const after = await runCli(['list-clients', '--limit', '100']);

    // Assess
    expect(before.json.clients.map((c: { id: string }) => c.id)).not.toContain(tool.id);
    expect(upgraded.json.indexedClients).toBeGreaterThanOrEqual(1);
    expect(after.json.clients.map((c: { id: string }) => c.id)).toContain(tool.id);
  });
});
