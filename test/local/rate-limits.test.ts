/**
 * Issue 19's "Done when", over `npm start`: a keygate app made for the test
 * (fixtures/plans-app.ts: plans `tight`, 2 r/s burst 2; `daily`, 20 a day;
 * `roomy`; a usage-key limit of 3), synthesized once for the file and served
 * with KEYGATE_CDK_OUT over real HTTP. Plans are set through the admin API;
 * what API Gateway holds is read from the runner's emulated control plane
 * with `@aws-sdk/client-api-gateway`, as one would read AWS's. What
 * reference-plans.test.ts covers (credits, exactly, also in parallel) is
 * not repeated.
 */
import { APIGatewayClient, GetApiKeyCommand, GetApiKeysCommand, NotFoundException } from '@aws-sdk/client-api-gateway';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE_USAGE_KEY_LIMIT, synthPlansApp } from './fixtures/plans-app';
import { call, startRunner, synthOnce, type Json, type StartedRunner } from './runner-process';

jest.setTimeout(60_000);

const ADMIN = { email: 'limits-admin@example.com', password: 'limits-admin-password-1' };
const outdir = mkdtempSync(join(tmpdir(), 'keygate-plans-app-'));
let runner: StartedRunner;
let cookie: string;
let adminId: string;
let apiGateway: APIGatewayClient;

const today = () => new Date().toISOString().slice(0, 10);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const asAdmin = (method: string, path: string, body?: unknown) =>
  call(runner.base, method, path, { headers: { cookie, origin: runner.base }, ...(body !== undefined ? { body } : {}) });
const score = (key: string) => call(runner.base, 'POST', '/v1/scores', { headers: { authorization: `Bearer ${key}` }, body: {} });

/** Every plan given in a test, cleared after it, so each test starts with no usage key held. */
const given: string[] = [];
async function setPlan(path: string, plan: string | null): Promise<Json> {
  const res = await asAdmin('PUT', path, { plan });
  if (res.status === 200 && plan !== null) given.push(path);
  return res;
}
const userPlan = (userId: string) => `/v1/admin/users/${userId}/plan`;
const keyPlan = (userId: string, keyId: string) => `/v1/admin/users/${userId}/keys/${keyId}/plan`;

async function bot(): Promise<string> {
  const res = await asAdmin('POST', '/v1/admin/users', { email: `bot-${Math.random().toString(36).slice(2)}@example.com`, kind: 'bot' });
  expect(res.status).toBe(201);
  return res.body.user.id;
}

async function botKey(userId: string, name = 'k'): Promise<{ key: string; id: string }> {
  const res = await asAdmin('POST', `/v1/admin/users/${userId}/keys`, { name, permissions: ['submit_score'] });
  expect(res.status).toBe(201);
  return res.body;
}

/** `n` calls one after another, their statuses. */
async function statuses(key: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push((await score(key)).status);
  return out;
}

/** Today's count in a bucket, as the admin's usage endpoint answers it. */
async function usage(userId: string, keyId?: string): Promise<Json> {
  const res = await asAdmin('GET', `/v1/admin/users/${userId}/usage${keyId ? `?keyId=${keyId}` : ''}`);
  expect(res.status).toBe(200);
  return { ...res.body, today: (res.body.days as { date: string; used: number }[]).find((d) => d.date === today())?.used ?? 0 };
}

/** The API keys API Gateway (here: the runner's control plane) holds, by name. */
async function apiKeyNames(): Promise<string[]> {
  const out = await apiGateway.send(new GetApiKeysCommand({}));
  return (out.items ?? []).map((k) => k.name!);
}

beforeAll(async () => {
  await synthOnce(); // builds the Lambda bundles the fixture app uses
  synthPlansApp(outdir);
  runner = await startRunner({ env: { KEYGATE_CDK_OUT: outdir, KEYGATE_IN_MEMORY: '1', KEYGATE_ADMIN_EMAIL: ADMIN.email, KEYGATE_ADMIN_PASSWORD: ADMIN.password } });
  const endpoint = /API Gateway control plane for the Lambdas at (http:\/\/127\.0\.0\.1:\d+)/.exec(runner.output())![1]!;
  apiGateway = new APIGatewayClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const login = await call(runner.base, 'POST', '/v1/auth/login', { body: ADMIN });
  expect(login.status).toBe(200);
  cookie = login.headers.getSetCookie().find((c) => c.startsWith('keygate_session='))!.split(';')[0]!;
  adminId = (await asAdmin('GET', '/v1/auth/me')).body.user.id;
}, 240_000);

afterEach(async () => {
  for (const path of given.splice(0)) await asAdmin('PUT', path, { plan: null });
});

afterAll(async () => {
  await runner?.stop();
  apiGateway?.destroy();
  rmSync(outdir, { recursive: true, force: true });
});

describe('rate limits, quotas and usage over npm start (a fixture app with plans tight, daily, roomy)', () => {
  it("answers a burst of 10 past a user's 2 r/s burst 2 plan with 429 too_many_requests and Retry-After, and lets the key through again after a second", async () => {
    // Prepare
    const userId = await bot();
    expect((await setPlan(userPlan(userId), 'tight')).body).toEqual({ plan: 'tight', usageKey: 'own' });
    const { key } = await botKey(userId);
    // Act
    const answers = await Promise.all(Array.from({ length: 10 }, () => score(key)));
    await sleep(1_100); // two tokens back at 2 r/s
    const after = await score(key);
    // Assess
    const ok = answers.filter((r) => r.status === 200);
    const throttled = answers.filter((r) => r.status === 429);
    expect(ok.length + throttled.length).toBe(10);
    expect(ok.length).toBeGreaterThanOrEqual(2);
    expect(throttled.length).toBeGreaterThanOrEqual(1);
    expect(throttled[0]!.body).toMatchObject({ status_code: 429, error_code: 'too_many_requests' });
    expect(throttled[0]!.headers.get('retry-after')).toBe('1');
    expect(after.status).toBe(200);
  });

  it("answers a key on a 20-a-day plan 429 quota_exceeded on its 21st call, and counts the 20", async () => {
    // Prepare: the plan is the key's own; its user has none
    const userId = await bot();
    const k = await botKey(userId);
    expect((await setPlan(keyPlan(userId, k.id), 'daily')).status).toBe(200);
    // Act
    const seen = await statuses(k.key, 20);
    const twentyFirst = await score(k.key);
    // Assess
    expect(seen).toEqual(Array(20).fill(200));
    expect(twentyFirst).toMatchObject({ status: 429, body: { status_code: 429, error_code: 'quota_exceeded' } });
    expect(await usage(userId, k.id)).toMatchObject({ plan: 'daily', bucket: 'key', today: 20, remaining: 0 });
  });

  it("shares one bucket between two keys of a user on a user plan: 12 calls with one and 8 with the other spend the 20", async () => {
    // Prepare
    const userId = await bot();
    expect((await setPlan(userPlan(userId), 'daily')).status).toBe(200);
    const [a, b] = [await botKey(userId, 'a'), await botKey(userId, 'b')];
    // Act
    const seen = [...(await statuses(a.key, 12)), ...(await statuses(b.key, 8))];
    const [nextA, nextB] = [await score(a.key), await score(b.key)];
    // Assess: each key alone made fewer than 20 calls, yet both are refused
    expect(seen).toEqual(Array(20).fill(200));
    expect([nextA.status, nextA.body.error_code, nextB.status, nextB.body.error_code]).toEqual([429, 'quota_exceeded', 429, 'quota_exceeded']);
    for (const keyId of [undefined, a.id, b.id]) expect(await usage(userId, keyId)).toMatchObject({ plan: 'daily', bucket: 'user', today: 20, remaining: 0 });
  });

  it("lets a key's own plan win over its user's: past the user's 20 a day, in a bucket of its own", async () => {
    // Prepare: the user on daily, one key on roomy
    const userId = await bot();
    expect((await setPlan(userPlan(userId), 'daily')).status).toBe(200);
    const own = await botKey(userId, 'own plan');
    const plain = await botKey(userId, 'plain');
    expect((await setPlan(keyPlan(userId, own.id), 'roomy')).status).toBe(200);
    // Act
    const seen = await statuses(own.key, 25);
    const plainSeen = await statuses(plain.key, 3);
    // Assess
    expect(seen).toEqual(Array(25).fill(200));
    expect(plainSeen).toEqual([200, 200, 200]);
    expect(await usage(userId, own.id)).toMatchObject({ plan: 'roomy', bucket: 'key', today: 25, remaining: null });
    expect(await usage(userId)).toMatchObject({ plan: 'daily', bucket: 'user', today: 3, remaining: 17 });
  });

  it('counts in the usage endpoint exactly the calls made, for the holder of the key too', async () => {
    // Prepare: the admin's own key, on roomy
    const created = await asAdmin('POST', '/v1/keys', { name: 'mine', permissions: ['submit_score'] });
    expect(created.status).toBe(201);
    expect((await setPlan(keyPlan(adminId, created.body.id), 'roomy')).status).toBe(200);
    // Act
    await statuses(created.body.key, 7);
    const mine = await asAdmin('GET', `/v1/keys/${created.body.id}/usage`);
    // Assess
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({ plan: 'roomy', bucket: 'key', remaining: null });
    expect(mine.body.days.find((d: { date: string }) => d.date === today())).toEqual({ date: today(), used: 7 });
    expect((await usage(adminId, created.body.id)).today).toBe(7);
  });

  it('deletes the usage key at API Gateway when the key is revoked', async () => {
    // Prepare
    const userId = await bot();
    const k = await botKey(userId);
    expect((await setPlan(keyPlan(userId, k.id), 'roomy')).status).toBe(200);
    const named = (await apiGateway.send(new GetApiKeysCommand({}))).items!.find((i) => i.name!.endsWith(`-${userId}-${k.id}`));
    expect(named).toBeDefined();
    // Act
    const revoked = await asAdmin('DELETE', `/v1/admin/users/${userId}/keys/${k.id}`);
    // Assess
    expect(revoked.status).toBe(204);
    expect(await apiKeyNames()).not.toContain(named!.name);
    await expect(apiGateway.send(new GetApiKeyCommand({ apiKey: named!.id! }))).rejects.toBeInstanceOf(NotFoundException);
  });

  it(`refuses a usage key past usageKeyLimit (${FIXTURE_USAGE_KEY_LIMIT} here) with keygate's own 409, asking API Gateway nothing`, async () => {
    // Prepare: the limit's worth of users with a plan
    const users = [await bot(), await bot(), await bot(), await bot()];
    for (const u of users.slice(0, FIXTURE_USAGE_KEY_LIMIT)) expect((await setPlan(userPlan(u), 'roomy')).status).toBe(200);
    const held = (await apiKeyNames()).length;
    expect(held).toBe(FIXTURE_USAGE_KEY_LIMIT + 2); // and the default plan's shared key, and the credits-spent plan's
    // Act
    const refused = await setPlan(userPlan(users[3]!), 'roomy');
    // Assess
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ status_code: 409, error_code: 'conflict', error_message: expect.stringContaining('usageKeyLimit') });
    expect(await apiKeyNames()).toHaveLength(held);
    expect((await asAdmin('GET', `/v1/admin/users/${users[3]}`)).body.user.plan).toBeNull();
  });
});
