/**
 * Plans, usage keys, usage and credits (issue 19) through the real keys and
 * admin handlers behind the real authorizer, on DynamoDB Local and the local
 * runner's emulated API Gateway control plane; API Gateway's faults with
 * aws-sdk-client-mock.
 */
import { APIGatewayClient, CreateApiKeyCommand, CreateUsagePlanKeyCommand, DeleteApiKeyCommand, LimitExceededException, TooManyRequestsException } from '@aws-sdk/client-api-gateway';
import { mockClient } from 'aws-sdk-client-mock';
import { startControlPlane, UsagePlanModel, type ControlPlane } from '../../local/usage-plans';
import { CLI_ACTOR } from '../../lambda/management/audit';
import { buildDeps } from '../../lambda/management/deps';
import { assignPlan } from '../../lambda/management/plan-service';
import { creditsOf } from '../../lambda/management/usage-keys';
import { loadManagementConfig } from '../../lambda/shared/management-config';
import { plansOf } from '../../lambda/core/settings';
import { ApiGatewayUsagePlans } from '../../lambda/usage-plans/api-gateway';
import { UsagePlansError, type UsagePlans } from '../../lambda/usage-plans/port';
import { revokeKey } from '../../lambda/management/key-service';
import { DEFAULT_PREFIXES, parseToken } from '../../lambda/core/token';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { Readable } from 'node:stream';
import { main, type CliIo } from '../../cli/keygate';
import { settingsItem } from '../../lambda/core/settings-item';
import { REFERENCE_SETTINGS } from '../support/config';
import { makeUser, managementEnv, type SignedInUser } from '../support/management-api';
import { planEnv as plansEnvironment } from '../support/plans';
import { Testbed } from '../support/testbed';

const PLANS = [
  { name: 'free', description: 'Free', throttle: { rateLimit: 5, burstLimit: 10 }, quota: { limit: 1000, period: 'DAY' }, id: 'planfree' },
  { name: 'partner', throttle: { rateLimit: 50, burstLimit: 100 }, id: 'planpartner' },
];
const STAGE = { apiId: 'api', stage: 'api' };

let cp: ControlPlane;
let model: UsagePlanModel;
let bed: Testbed;
let admin: SignedInUser;

const planEnv = (limit: number) => plansEnvironment(PLANS, cp.endpoint, limit);

beforeAll(async () => {
  model = UsagePlanModel.fromPlans([
    { id: 'planfree', throttle: { rateLimit: 5, burstLimit: 10 }, quota: { limit: 1000, period: 'DAY' } },
    { id: 'planpartner', throttle: { rateLimit: 50, burstLimit: 100 } },
  ]);
  cp = await startControlPlane(model);
  bed = await Testbed.open({ env: planEnv(3) });
  admin = await bed.signIn({ admin: true });
});
afterAll(async () => {
  await bed.close();
  await cp.close();
});

const asAdmin = (method: string, resource: string, opts: { params?: Record<string, string>; query?: Record<string, string>; body?: unknown } = {}) =>
  bed.api.call(method, resource, { session: admin.session, ...opts });
const USER_PLAN = '/v1/admin/users/{userId}/plan';
const KEY_PLAN = '/v1/admin/users/{userId}/keys/{keyId}/plan';
const USER = '/v1/admin/users/{userId}';
const record = async (userId: string, keyId?: string) => (keyId ? bed.accounts.getKey(userId, keyId) : bed.accounts.getUser(userId));
const usageKeyCount = () => buildDeps(loadManagementConfig(managementEnv(bed.table)), bed.client).planStore.usageKeyCount();
/** Clears every plan given in a test, so the count of the next starts from 0. */
const cleared: [string, string?][] = [];
afterEach(async () => {
  for (const [userId, keyId] of cleared.splice(0)) {
    await asAdmin('PUT', keyId ? KEY_PLAN : USER_PLAN, { params: { userId, ...(keyId ? { keyId } : {}) }, body: { plan: null } });
  }
});

describe('Plans (issue 19)', () => {
  it('lists the plans to any signed-in caller, marking the default', async () => {
    const user = await bed.signIn();
    const res = await bed.api.call('GET', '/v1/plans', { session: user.session });
    expect(res.status).toBe(200);
    expect(res.body.plans).toEqual([
      { name: 'free', description: 'Free', throttle: { rateLimit: 5, burstLimit: 10 }, quota: { limit: 1000, period: 'DAY' }, default: true },
      { name: 'partner', description: null, throttle: { rateLimit: 50, burstLimit: 100 }, quota: null, default: false },
    ]);
  });

  it('refuses plan changes to a non-admin', async () => {
    const user = await bed.signIn();
    const res = await bed.api.call('PUT', USER_PLAN, { session: user.session, params: { userId: user.userId }, body: { plan: 'partner' } });
    expect(res).toMatchObject({ status: 403, body: { error_code: 'missing_permission' } });
  });

  it("gives a user a plan with a usage key in API Gateway, shows it, audits it, and clears it (deleting the key)", async () => {
    const { userId } = await makeUser(bed.accounts);
    const res = await asAdmin('PUT', USER_PLAN, { params: { userId }, body: { plan: 'partner' } });
    expect(res).toMatchObject({ status: 200, body: { plan: 'partner', usageKey: 'own' } });
    const stored = await record(userId);
    expect(stored).toMatchObject({ plan: 'partner', usageKeyId: expect.any(String) });
    expect(model.getKey(stored!.usageKeyId!)).toMatchObject({ enabled: true });
    expect(model.admit((stored as { usageKey?: string }).usageKey, STAGE)).toMatchObject({ ok: true, planId: 'planpartner' });
    expect((await asAdmin('GET', USER, { params: { userId } })).body.user.plan).toBe('partner');
    expect(await usageKeyCount()).toBe(1);

    const clear = await asAdmin('PUT', USER_PLAN, { params: { userId }, body: { plan: null } });
    expect(clear).toMatchObject({ status: 200, body: { plan: null, usageKey: 'none' } });
    expect(model.getKey(stored!.usageKeyId!)).toBeUndefined();
    expect(await record(userId)).not.toHaveProperty('plan');
    expect(await usageKeyCount()).toBe(0);
    const audit = (await asAdmin('GET', '/v1/admin/users/{userId}/audit', { params: { userId } })).body.records.map((r: { action: string }) => r.action);
    expect(audit.slice(0, 2)).toEqual(['plan_cleared', 'plan_set']);
  });

  it("lets a key's own plan win, counts usage in its bucket, and deletes its usage key when the key is revoked", async () => {
    const user = await bed.signIn();
    const token = await bed.issueUserKey(user.userId, { name: 'k', permissions: [] });
    cleared.push([user.userId]);
    await asAdmin('PUT', USER_PLAN, { params: { userId: user.userId }, body: { plan: 'partner' } });
    expect((await asAdmin('PUT', KEY_PLAN, { params: { userId: user.userId, keyId: token.id }, body: { plan: 'free' } })).status).toBe(200);
    const key = await bed.accounts.getKey(user.userId, token.id);
    for (let i = 0; i < 3; i++) expect(model.admit(key!.usageKey, STAGE)).toMatchObject({ ok: true, planId: 'planfree' });

    const usage = await bed.api.call('GET', '/v1/keys/{keyId}/usage', { session: user.session, params: { keyId: token.id } });
    expect(usage.status).toBe(200);
    expect(usage.body).toMatchObject({ plan: 'free', bucket: 'key', remaining: 997 });
    expect(usage.body.days).toHaveLength(7);
    expect(usage.body.days.at(-1).used).toBe(3);
    const userUsage = await asAdmin('GET', '/v1/admin/users/{userId}/usage', { params: { userId: user.userId } });
    expect(userUsage.body).toMatchObject({ plan: 'partner', bucket: 'user', remaining: null });

    expect((await asAdmin('DELETE', '/v1/admin/users/{userId}/keys/{keyId}', { params: { userId: user.userId, keyId: token.id } })).status).toBe(204);
    expect(model.getKey(key!.usageKeyId!)).toBeUndefined();
    expect(await bed.accounts.getKey(user.userId, token.id)).not.toHaveProperty('usageKeyId');
  });

  it("deletes a user's and their keys' usage keys when disabled and makes them again when enabled", async () => {
    const { userId } = await makeUser(bed.accounts, { kind: 'bot' });
    const key = (await asAdmin('POST', '/v1/admin/users/{userId}/keys', { params: { userId }, body: { name: 'ci', permissions: [] } })).body;
    cleared.push([userId], [userId, key.id]);
    await asAdmin('PUT', USER_PLAN, { params: { userId }, body: { plan: 'partner' } });
    await asAdmin('PUT', KEY_PLAN, { params: { userId, keyId: key.id }, body: { plan: 'free' } });
    const before = [(await record(userId))!.usageKeyId!, (await record(userId, key.id))!.usageKeyId!];

    expect((await asAdmin('PATCH', USER, { params: { userId }, body: { disabled: true } })).status).toBe(200);
    for (const id of before) expect(model.getKey(id)).toBeUndefined();
    expect(await record(userId)).toMatchObject({ plan: 'partner' });
    expect(await record(userId)).not.toHaveProperty('usageKeyId');
    expect(await usageKeyCount()).toBe(0);

    expect((await asAdmin('PATCH', USER, { params: { userId }, body: { disabled: false } })).status).toBe(200);
    const after = [(await record(userId))!.usageKeyId, (await record(userId, key.id))!.usageKeyId];
    for (const id of after) expect(model.getKey(id!)).toMatchObject({ enabled: true });
    expect(await usageKeyCount()).toBe(2);
  });

  it('deletes the usage keys of the keys issued through an API client when the client is deleted', async () => {
    // Prepare: a key of a user through the client file flow, given a plan of its own
    const owner = await bed.signIn();
    const client = await bed.api.call('POST', '/v1/clients', {
      session: owner.session,
      body: { name: 'Tool', redirectUris: ['https://tool.example.com/cb'], permissions: ['submit_score'], apiKeyFilename: 'k.txt', apiKeyTemplate: '%%KEYGATE_KEY%%' },
    });
    expect(client.status).toBe(201);
    const file = await bed.api.call('POST', '/v1/clients/{clientId}/file', { session: owner.session, params: { clientId: client.body.id } });
    expect(file.status).toBe(200);
    const parsed = parseToken(String(file.body).trim(), ['user'], DEFAULT_PREFIXES);
    if (!parsed.ok) throw new Error(parsed.reason);
    const keyId = parsed.token.id;
    expect((await asAdmin('PUT', KEY_PLAN, { params: { userId: owner.userId, keyId }, body: { plan: 'free' } })).status).toBe(200);
    const usageKeyId = (await record(owner.userId, keyId))!.usageKeyId!;
    const before = await usageKeyCount();
    // Act
    const deleted = await bed.api.call('DELETE', '/v1/clients/{clientId}', { session: owner.session, params: { clientId: client.body.id } });
    // Assess: the key revoked, its usage key gone at API Gateway and from the count, its plan kept on the revoked key
    expect(deleted.status).toBe(204);
    expect(model.getKey(usageKeyId)).toBeUndefined();
    expect(await usageKeyCount()).toBe(before - 1);
    const key = await bed.accounts.getKey(owner.userId, keyId);
    expect(key).toMatchObject({ plan: 'free', revokedAt: expect.any(Number) });
    expect(key).not.toHaveProperty('usageKeyId');
  });

  it("deletes an expired key's usage key when its owner's keys are listed, and one API Gateway failed to delete at revocation", async () => {
    // Prepare: two keys of a user, each with a plan: one expires, one is revoked while DeleteApiKey fails
    const user = await bed.signIn();
    const expiring = await bed.issueUserKey(user.userId, { name: 'short-lived', permissions: [], expiresAt: Date.now() + 1_000 });
    const revoked = await bed.issueUserKey(user.userId, { name: 'revoked', permissions: [] });
    for (const keyId of [expiring.id, revoked.id]) expect((await asAdmin('PUT', KEY_PLAN, { params: { userId: user.userId, keyId }, body: { plan: 'free' } })).status).toBe(200);
    const usageKeyIds = [(await record(user.userId, expiring.id))!.usageKeyId!, (await record(user.userId, revoked.id))!.usageKeyId!];
    const before = await usageKeyCount();
    const real = new ApiGatewayUsagePlans(new APIGatewayClient({ endpoint: cp.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
    const failingDelete: UsagePlans = Object.assign(Object.create(real) as UsagePlans, {
      deleteKey: () => Promise.reject(new UsagePlansError('throttled', 'Too Many Requests')),
    });
    const deps = buildDeps(loadManagementConfig(managementEnv(bed.table)), bed.client, Date.now, { plans: plansOf(loadManagementConfig({ ...managementEnv(bed.table), ...planEnv(3) }))!, usagePlans: failingDelete });
    await expect(revokeKey(deps, user.userId, revoked.id, CLI_ACTOR)).rejects.toMatchObject({ statusCode: 503 });
    expect(await record(user.userId, revoked.id)).toMatchObject({ retiredUsageKeys: [usageKeyIds[1]] });
    await new Promise((r) => setTimeout(r, 1_100)); // the first key's end
    // Act
    const listed = await bed.api.call('GET', '/v1/keys', { session: user.session });
    // Assess
    expect(listed.status).toBe(200);
    for (const id of usageKeyIds) expect(model.getKey(id)).toBeUndefined();
    expect(await usageKeyCount()).toBe(before - 2);
    const [expired, ended] = [await record(user.userId, expiring.id), await record(user.userId, revoked.id)];
    expect(expired).toMatchObject({ plan: 'free' });
    for (const k of [expired, ended]) {
      expect(k).not.toHaveProperty('usageKeyId');
      expect(k).not.toHaveProperty('retiredUsageKeys');
    }
  });

  it('refuses a usage key past the deployment limit with 409, before API Gateway is asked', async () => {
    const users = await Promise.all([1, 2, 3, 4].map(() => makeUser(bed.accounts)));
    for (const u of users.slice(0, 3)) {
      cleared.push([u.userId]);
      expect((await asAdmin('PUT', USER_PLAN, { params: { userId: u.userId }, body: { plan: 'free' } })).status).toBe(200);
    }
    const res = await asAdmin('PUT', USER_PLAN, { params: { userId: users[3]!.userId }, body: { plan: 'free' } });
    expect(res).toMatchObject({ status: 409, body: { error_code: 'conflict', error_message: expect.stringContaining('keygate holds 3 usage keys') } });
    expect(await record(users[3]!.userId)).not.toHaveProperty('plan');
    expect(await usageKeyCount()).toBe(3);
  });

  it('sets credits at creation and by an admin, and shows them in the key view', async () => {
    const user = await bed.signIn();
    const made = await bed.api.call('POST', '/v1/keys', { session: user.session, body: { name: 'metered', permissions: [], credits: { remaining: 5 } } });
    expect(made.status).toBe(201);
    expect((await bed.api.call('GET', '/v1/keys/{keyId}', { session: user.session, params: { keyId: made.body.id } })).body.credits).toEqual({ remaining: 5 });
    const set = await asAdmin('PUT', '/v1/admin/users/{userId}/keys/{keyId}/credits', {
      params: { userId: user.userId, keyId: made.body.id },
      body: { credits: { remaining: 100, refill: { amount: 100, period: 'day' } } },
    });
    expect(set).toMatchObject({ status: 200, body: { credits: { remaining: 100, refill: { amount: 100, period: 'day' } } } });
    expect(await bed.accounts.getKey(user.userId, made.body.id)).toMatchObject({ credits: { remaining: 100, window: new Date().toISOString().slice(0, 10) } });
  });

  it('refuses credits when the deployment has no plans', () => {
    const deps = buildDeps(loadManagementConfig(managementEnv(bed.table)), bed.client);
    expect(() => creditsOf(deps, { remaining: 5 }, Date.now())).toThrow(/no plans/);
  });

  it("refuses credits when API Gateway caches the authorizer's answers (a cached answer spends no credit)", () => {
    const deps = (env: Record<string, string>) => {
      const config = loadManagementConfig({ ...managementEnv(bed.table), ...planEnv(9000), ...env });
      return buildDeps(config, bed.client, Date.now, { plans: plansOf(config)! });
    };
    const cached = deps({ KEYGATE_GATEWAY_CACHE_SECONDS: '300' });
    const uncached = deps({});
    expect(() => creditsOf(cached, { remaining: 5 }, Date.now())).toThrow(/caches the authorizer's answers in API Gateway for 300 s/);
    expect(creditsOf(uncached, { remaining: 5 }, Date.now())).toEqual({ remaining: 5 });
  });
});

describe('Plans when API Gateway fails (aws-sdk-client-mock)', () => {
  it.each([
    ['LimitExceeded', new LimitExceededException({ message: 'limit', $metadata: {} }), 409],
    ['TooManyRequests', new TooManyRequestsException({ message: 'slow down', $metadata: {} }), 503],
  ])('%s on CreateUsagePlanKey: table unchanged, the API key deleted, the slot given back', async (_name, fault, status) => {
    const client = new APIGatewayClient({ region: 'us-east-1' });
    const mock = mockClient(client);
    mock.on(CreateApiKeyCommand).resolves({ id: 'madekey' }).on(CreateUsagePlanKeyCommand).rejects(fault).on(DeleteApiKeyCommand).resolves({});
    const deps = buildDeps(loadManagementConfig(managementEnv(bed.table)), bed.client, Date.now, { plans: plansOf(loadManagementConfig({ ...managementEnv(bed.table), ...planEnv(3) }))!, usagePlans: new ApiGatewayUsagePlans(client) });
    const { userId } = await makeUser(bed.accounts);
    const before = await usageKeyCount();

    await expect(assignPlan(deps, { userId }, 'free', CLI_ACTOR)).rejects.toMatchObject({ statusCode: status });
    expect(mock.commandCalls(DeleteApiKeyCommand).map((c) => c.args[0].input)).toEqual([{ apiKey: 'madekey' }]);
    expect(await record(userId)).not.toHaveProperty('plan');
    expect(await usageKeyCount()).toBe(before);
    mock.restore();
  });

  it('a timeout of the control plane is a 503 and changes nothing', async () => {
    const client = new APIGatewayClient({ region: 'us-east-1' });
    const mock = mockClient(client);
    mock.on(CreateApiKeyCommand).rejects(Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }));
    const deps = buildDeps(loadManagementConfig(managementEnv(bed.table)), bed.client, Date.now, { plans: plansOf(loadManagementConfig({ ...managementEnv(bed.table), ...planEnv(3) }))!, usagePlans: new ApiGatewayUsagePlans(client) });
    const { userId } = await makeUser(bed.accounts);
    const before = await usageKeyCount();
    await expect(assignPlan(deps, { userId }, 'free', CLI_ACTOR)).rejects.toMatchObject({ statusCode: 503, code: 'service_unavailable' });
    expect(await record(userId)).not.toHaveProperty('plan');
    expect(await usageKeyCount()).toBe(before);
    mock.restore();
  });
});

describe('CLI: list-plans, set-plan, usage', () => {
  async function cli(args: string[]) {
    let out = '';
    let err = '';
    const io: CliIo = { out: (x) => void (out += x), err: (x) => void (err += x), stdin: Readable.from(['']), env: { ...process.env } };
    const code = await main([...args, '--table', bed.table], io);
    return { code, out, err, json: code === 0 ? JSON.parse(out) : undefined };
  }

  it('reads the plans from the settings item, sets and clears a plan, and reads usage; words refusals for the terminal', async () => {
    // The construct stores the plans in the settings item; the CLI reads them tolerantly.
    const item = settingsItem(REFERENCE_SETTINGS);
    const settings = { ...JSON.parse((item.settings as { S: string }).S), plans: PLANS, defaultPlan: 'free', usageKeyLimit: 3 };
    await bed.client.send(new PutItemCommand({ TableName: bed.table, Item: { ...item, settings: { S: JSON.stringify(settings) } } }));
    const { userId } = await makeUser(bed.accounts);

    expect((await cli(['list-plans'])).json.plans.map((p: { name: string }) => p.name)).toEqual(['free', 'partner']);
    expect((await cli(['set-plan', '--user', userId, '--plan', 'partner'])).json).toEqual({ plan: 'partner', usageKey: 'own' });
    const stored = await record(userId);
    model.admit(stored!.usageKey, STAGE);
    const usage = await cli(['usage', '--user', userId]);
    expect(usage.json).toMatchObject({ plan: 'partner', bucket: 'user' });
    expect(usage.json.days.at(-1).used).toBe(1);
    expect((await cli(['set-plan', '--user', userId, '--plan', 'none'])).json).toEqual({ plan: null, usageKey: 'none' });
    expect(model.getKey(stored!.usageKeyId!)).toBeUndefined();

    const unknown = await cli(['set-plan', '--user', userId, '--plan', 'gold']);
    expect(unknown).toMatchObject({ code: 1, err: expect.stringContaining("--plan: no plan 'gold'") });
    expect((await cli(['usage', '--user', userId, '--from', 'yesterday'])).err).toContain('--from has to be a date');
    expect((await cli(['set-plan', '--user', userId])).code).toBe(2);
  });
});
