/**
 * The local usage-plan emulation: the control plane through the real
 * `@aws-sdk/client-api-gateway` client over HTTP, and the model's data
 * plane (token bucket, quota periods, usage counts) on an injected clock.
 */
import {
  APIGatewayClient,
  BadRequestException,
  ConflictException,
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  DeleteUsagePlanKeyCommand,
  GetUsageCommand,
  LimitExceededException,
  NotFoundException,
} from '@aws-sdk/client-api-gateway';
import { join } from 'node:path';
import { loadStack } from '../../local/assembly';
import { Gateway } from '../../local/gateway';
import { lambdaEnvironment } from '../../local/lambda-env';
import { LambdaHost } from '../../local/lambda-host';
import { buildModel } from '../../local/model';
import { freePort } from '../../local/ports';
import { listen } from '../../local/server';
import { periodStart, startControlPlane, UsagePlanModel, type ControlPlane } from '../../local/usage-plans';

const STAGE = { apiId: 'api1', stage: 'prod' };
const VALUE = 'a'.repeat(40);

function client(cp: ControlPlane): APIGatewayClient {
  return new APIGatewayClient({ endpoint: cp.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
}

describe('Function: startControlPlane (through the AWS SDK)', () => {
  const clock = Date.UTC(2026, 2, 10, 12);
  const model = UsagePlanModel.fromPlans(
    [
      { id: 'free', throttle: { rateLimit: 5, burstLimit: 10 }, quota: { limit: 100, period: 'DAY' }, stages: [STAGE] },
      { id: 'partner', throttle: { rateLimit: 50, burstLimit: 100 }, stages: [STAGE] },
      { id: 'other', throttle: { rateLimit: 1, burstLimit: 1 }, stages: [{ apiId: 'api2', stage: 'prod' }] },
    ],
    { now: () => clock, keyLimit: 3 },
  );
  let cp: ControlPlane;
  let apigw: APIGatewayClient;

  beforeAll(async () => {
    cp = await startControlPlane(model);
    apigw = client(cp);
  });
  afterAll(async () => {
    apigw.destroy();
    await cp.close();
  });

  it('creates a key, links it to a plan, counts its requests, unlinks and deletes it', async () => {
    // Act
    const key = await apigw.send(new CreateApiKeyCommand({ name: 'user-1', value: VALUE, enabled: true }));
    const link = await apigw.send(new CreateUsagePlanKeyCommand({ usagePlanId: 'free', keyId: key.id!, keyType: 'API_KEY' }));
    const admitted = [model.admit(VALUE, STAGE), model.admit(VALUE, STAGE), model.admit(VALUE, STAGE)];
    const usage = await apigw.send(new GetUsageCommand({ usagePlanId: 'free', keyId: key.id!, startDate: '2026-03-09', endDate: '2026-03-10' }));
    await apigw.send(new DeleteUsagePlanKeyCommand({ usagePlanId: 'free', keyId: key.id! }));
    const unlinked = model.admit(VALUE, STAGE);
    await apigw.send(new DeleteApiKeyCommand({ apiKey: key.id! }));

    // Assess
    expect(key).toMatchObject({ name: 'user-1', value: VALUE, enabled: true });
    expect(key.id).toMatch(/^[a-z0-9]{10}$/);
    expect(key.createdDate).toEqual(new Date(Math.floor(clock / 1000) * 1000));
    expect(link).toMatchObject({ id: key.id, type: 'API_KEY', value: VALUE, name: 'user-1' });
    expect(admitted.every((a) => a.ok)).toBe(true);
    expect(usage).toMatchObject({ usagePlanId: 'free', startDate: '2026-03-09', endDate: '2026-03-10', items: { [key.id!]: [[0, 100], [3, 97]] } });
    expect(unlinked).toEqual({ ok: false, type: 'INVALID_API_KEY' });
    expect(model.getKey(key.id!)).toBeUndefined();
  });

  it('creates keys disabled unless asked, and with a generated 40-character value when none is given', async () => {
    // Act
    const key = await apigw.send(new CreateApiKeyCommand({ name: 'generated' }));
    await apigw.send(new CreateUsagePlanKeyCommand({ usagePlanId: 'partner', keyId: key.id!, keyType: 'API_KEY' }));

    // Assess
    expect(key.enabled).toBe(false);
    expect(key.value).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(model.admit(key.value, STAGE)).toEqual({ ok: false, type: 'INVALID_API_KEY' });
    await apigw.send(new DeleteApiKeyCommand({ apiKey: key.id! }));
  });

  it("answers API Gateway's errors with the SDK's exception classes", async () => {
    // Arrange
    const key = await apigw.send(new CreateApiKeyCommand({ name: 'k', value: 'b'.repeat(40), enabled: true }));
    await apigw.send(new CreateUsagePlanKeyCommand({ usagePlanId: 'free', keyId: key.id!, keyType: 'API_KEY' }));
    const attempt = (sent: Promise<unknown>) => sent.then(() => 'no error', (err: unknown) => err);

    // Act
    const results = {
      unknownPlan: await attempt(apigw.send(new CreateUsagePlanKeyCommand({ usagePlanId: 'nope', keyId: key.id!, keyType: 'API_KEY' }))),
      unknownKey: await attempt(apigw.send(new CreateUsagePlanKeyCommand({ usagePlanId: 'free', keyId: 'nokey12345', keyType: 'API_KEY' }))),
      again: await attempt(apigw.send(new CreateUsagePlanKeyCommand({ usagePlanId: 'free', keyId: key.id!, keyType: 'API_KEY' }))),
      sameStage: await attempt(apigw.send(new CreateUsagePlanKeyCommand({ usagePlanId: 'partner', keyId: key.id!, keyType: 'API_KEY' }))),
      sameValue: await attempt(apigw.send(new CreateApiKeyCommand({ name: 'dup', value: 'b'.repeat(40), enabled: true }))),
      shortValue: await attempt(apigw.send(new CreateApiKeyCommand({ name: 'short', value: 'tooshort' }))),
      notLinked: await attempt(apigw.send(new DeleteUsagePlanKeyCommand({ usagePlanId: 'partner', keyId: key.id! }))),
      deleteUnknown: await attempt(apigw.send(new DeleteApiKeyCommand({ apiKey: 'nokey12345' }))),
      badDates: await attempt(apigw.send(new GetUsageCommand({ usagePlanId: 'free', startDate: '2026-03-10', endDate: '2026-03-01' }))),
      otherStage: await attempt(apigw.send(new CreateUsagePlanKeyCommand({ usagePlanId: 'other', keyId: key.id!, keyType: 'API_KEY' }))),
    };

    // Assess
    expect(results.unknownPlan).toBeInstanceOf(NotFoundException);
    expect(results.unknownKey).toBeInstanceOf(NotFoundException);
    expect(results.again).toBeInstanceOf(ConflictException);
    expect(results.sameStage).toBeInstanceOf(ConflictException);
    expect((results.sameStage as Error).message).toMatch(/cannot reference multiple Usage Plans with the same API Stage/);
    expect(results.sameValue).toBeInstanceOf(ConflictException);
    expect(results.shortValue).toBeInstanceOf(BadRequestException);
    expect(results.notLinked).toBeInstanceOf(NotFoundException);
    expect(results.deleteUnknown).toBeInstanceOf(NotFoundException);
    expect(results.badDates).toBeInstanceOf(BadRequestException);
    // A plan on another stage is fine.
    expect(results.otherStage).toBe('no error');
    expect((results.unknownPlan as NotFoundException).$metadata.httpStatusCode).toBe(404);
    await apigw.send(new DeleteApiKeyCommand({ apiKey: key.id! }));
  });

  it('refuses a key beyond the account limit with LimitExceededException (429)', async () => {
    // Arrange: the model allows 3 keys.
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await apigw.send(new CreateApiKeyCommand({ name: `k${i}` })));

    // Act
    const err = await apigw.send(new CreateApiKeyCommand({ name: 'k3' })).catch((e: unknown) => e);

    // Assess
    expect(err).toBeInstanceOf(LimitExceededException);
    expect((err as LimitExceededException).$metadata.httpStatusCode).toBe(429);
    for (const k of made) await apigw.send(new DeleteApiKeyCommand({ apiKey: k.id! }));
  });

  it('answers all keys of a plan when GetUsage names none', async () => {
    // Arrange
    const a = await apigw.send(new CreateApiKeyCommand({ name: 'a', value: 'c'.repeat(40), enabled: true }));
    const b = await apigw.send(new CreateApiKeyCommand({ name: 'b', value: 'd'.repeat(40), enabled: true }));
    for (const k of [a, b]) await apigw.send(new CreateUsagePlanKeyCommand({ usagePlanId: 'partner', keyId: k.id!, keyType: 'API_KEY' }));
    model.admit('c'.repeat(40), STAGE);

    // Act
    const usage = await apigw.send(new GetUsageCommand({ usagePlanId: 'partner', startDate: '2026-03-10', endDate: '2026-03-10' }));

    // Assess: no quota, so nothing "remaining" to tell.
    expect(usage.items).toEqual({ [a.id!]: [[1, 0]], [b.id!]: [[0, 0]] });
    for (const k of [a, b]) await apigw.send(new DeleteApiKeyCommand({ apiKey: k.id! }));
  });
});

describe('Class: UsagePlanModel (data plane)', () => {
  const seed = (plan: Parameters<typeof UsagePlanModel.fromPlans>[0][number], now: () => number) =>
    UsagePlanModel.fromTemplate({ plans: [plan], keys: [{ id: 'k1', value: VALUE }], links: [{ planId: plan.id, keyId: 'k1' }] }, { now });

  it('lets a burst through, throttles, and refills at the steady rate', () => {
    // Arrange
    let t = Date.UTC(2026, 0, 1);
    const model = seed({ id: 'p', throttle: { rateLimit: 2, burstLimit: 2 } }, () => t);

    // Act
    const burst = Array.from({ length: 3 }, () => model.admit(VALUE, STAGE).ok);
    t += 500;
    const afterHalfSecond = [model.admit(VALUE, STAGE).ok, model.admit(VALUE, STAGE).ok];
    t += 1000;
    const afterSecond = [model.admit(VALUE, STAGE).ok, model.admit(VALUE, STAGE).ok, model.admit(VALUE, STAGE)];

    // Assess
    expect(burst).toEqual([true, true, false]);
    expect(afterHalfSecond).toEqual([true, false]);
    expect(afterSecond.slice(0, 2)).toEqual([true, true]);
    expect(afterSecond[2]).toEqual({ ok: false, type: 'THROTTLED' });
  });

  it('refuses the request after the quota and starts again in the next period; refusals are not counted', () => {
    // Arrange
    let t = Date.UTC(2026, 0, 1, 23, 59);
    const model = seed({ id: 'p', throttle: { rateLimit: 1000, burstLimit: 1000 }, quota: { limit: 20, period: 'DAY' } }, () => t);

    // Act
    const day1 = Array.from({ length: 21 }, () => model.admit(VALUE, STAGE));
    t += 60_000;
    const day2 = model.admit(VALUE, STAGE);

    // Assess
    expect(day1.slice(0, 20).every((a) => a.ok)).toBe(true);
    expect(day1[20]).toEqual({ ok: false, type: 'QUOTA_EXCEEDED' });
    expect(day2.ok).toBe(true);
    expect(model.usage('p', '2026-01-01', '2026-01-02')).toEqual({ k1: [[20, 0], [1, 19]] });
  });

  it('refuses no key, an unknown key, a disabled key and a key whose plan is on another stage', () => {
    // Arrange
    const model = UsagePlanModel.fromTemplate({
      plans: [{ id: 'p', throttle: { rateLimit: 1, burstLimit: 1 }, stages: [STAGE] }],
      keys: [
        { id: 'on', value: 'e'.repeat(40) },
        { id: 'off', value: 'f'.repeat(40), enabled: false },
      ],
      links: [
        { planId: 'p', keyId: 'on' },
        { planId: 'p', keyId: 'off' },
      ],
    });

    // Act & Assess
    for (const [value, stage] of [
      [undefined, STAGE],
      ['g'.repeat(40), STAGE],
      ['f'.repeat(40), STAGE],
      ['e'.repeat(40), { apiId: 'api1', stage: 'dev' }],
    ] as const) {
      expect(model.admit(value, stage)).toEqual({ ok: false, type: 'INVALID_API_KEY' });
    }
    expect(model.admit('e'.repeat(40), STAGE)).toEqual({ ok: true, planId: 'p', keyId: 'on' });
  });

  it('starts a WEEK on Sunday and a MONTH on the 1st, UTC', () => {
    // Act & Assess: 2026-03-11 is a Wednesday.
    expect(periodStart('WEEK', Date.UTC(2026, 2, 11, 10))).toBe('2026-03-08');
    expect(periodStart('WEEK', Date.UTC(2026, 2, 8, 0))).toBe('2026-03-08');
    expect(periodStart('WEEK', Date.UTC(2026, 2, 7, 23, 59))).toBe('2026-03-01');
    expect(periodStart('MONTH', Date.UTC(2026, 2, 31, 23))).toBe('2026-03-01');
    expect(periodStart('DAY', Date.UTC(2026, 2, 31, 23))).toBe('2026-03-31');
  });
});

describe('Usage plans over HTTP through the runner (fixture template fixtures/plans)', () => {
  const stack = loadStack(join(__dirname, 'fixtures', 'plans'));
  const model = buildModel(stack.template, { assemblyDir: stack.assemblyDir, stackName: stack.stackName, region: stack.region!, account: '000000000000' });
  const usagePlans = UsagePlanModel.fromTemplate(model.usagePlans!);
  let cp: ControlPlane;
  let host: LambdaHost;
  let close: () => Promise<void>;
  let base: string;
  const BURST = 'burst0000000000000000000000000000000000';
  const DAILY = 'daily0000000000000000000000000000000000';
  const SHARED = 'shared000000000000000000000000000000000';
  const today = () => new Date().toISOString().slice(0, 10);

  const limited = (usageKey?: string, token = 'allow') => fetch(`${base}/limited`, { headers: { 'X-Token': token, ...(usageKey ? { 'X-Usage-Key': usageKey } : {}) } });
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  beforeAll(async () => {
    // The runner's server logs a line per request.
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    cp = await startControlPlane(usagePlans, { port: await freePort() });
    host = new LambdaHost(model.functions, { environment: (fn) => lambdaEnvironment(fn, model, 'http://127.0.0.1:9', [], cp.endpoint), log: () => undefined });
    expect((await host.start()).size).toBe(0);
    const port = await freePort();
    close = await listen(port, { files: [], current: new Gateway(model, host.invoke, { usagePlans }) });
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await close();
    await host.stop();
    await cp.close();
    jest.restoreAllMocks();
  });

  it('reads the plans, keys and links from the template, with Refs resolved to logical ids', () => {
    // Assess
    expect(model.api.apiKeySource).toBe('AUTHORIZER');
    expect(model.api.root.children.find((c) => c.part === 'limited')!.methods.get('GET')!.apiKeyRequired).toBe(true);
    expect(model.api.root.children.find((c) => c.part === 'public')!.methods.get('GET')!.apiKeyRequired).toBeUndefined();
    expect(model.usagePlans!.plans.find((p) => p.id === 'DailyPlan')).toEqual({
      id: 'DailyPlan',
      name: 'plans-daily',
      throttle: { rateLimit: 1000, burstLimit: 1000 },
      quota: { limit: 20, period: 'DAY' },
      stages: [{ apiId: model.api.id, stage: 'prod' }],
    });
    expect(model.usagePlans!.keys.find((k) => k.id === 'OffKey')).toMatchObject({ enabled: false });
    expect(model.usagePlans!.links).toContainEqual({ planId: 'BurstPlan', keyId: 'BurstKey' });
    expect(model.functions.get('KeysFn')!.environment).toEqual({ BURST_PLAN: 'BurstPlan', SMALL_PLAN: 'SmallPlan' });
  });

  it('throttles a 2 r/s burst 2 plan with 429 too_many_requests and Retry-After within 10 parallel calls, and lets calls through again after a second', async () => {
    // Act
    const burst = await Promise.all(Array.from({ length: 10 }, () => limited(BURST)));
    await sleep(1100);
    const after = await limited(BURST);

    // Assess
    const refused = burst.filter((r) => r.status === 429);
    expect(burst.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(2);
    expect(refused.length).toBeGreaterThanOrEqual(5);
    expect(refused[0]!.headers.get('retry-after')).toBe('1');
    expect(refused[0]!.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(refused[0]!.headers.get('x-amzn-errortype')).toBe('TooManyRequestsException');
    expect(await refused[0]!.json()).toMatchObject({ status_code: 429, endpoint: '/limited', error_code: 'too_many_requests' });
    expect(after.status).toBe(200);
  });

  it('refuses the 21st call of a 20-a-day quota with 429 quota_exceeded from the authorizer context, and GetUsage counts the 20', async () => {
    // Act
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 21; i++) {
      last = await limited(DAILY);
      statuses.push(last.status);
    }
    const usage = usagePlans.usage('DailyPlan', today(), today(), 'DailyKey');

    // Assess
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(200));
    expect(statuses[20]).toBe(429);
    expect(last!.headers.get('retry-after')).toBeNull();
    expect(await last!.json()).toEqual({ status_code: 429, endpoint: '/limited', error_code: 'quota_exceeded', error_message: "this caller's plan quota is spent for the current period" });
    expect(usage).toEqual({ DailyKey: [[20, 0]] });
  });

  it('makes two credentials with the same usage key share one bucket', async () => {
    // Act
    const a = await limited(SHARED, 'allow');
    const b = await limited(SHARED, 'allow-2');
    const c = await limited(SHARED, 'allow');

    // Assess
    expect([a.status, b.status, c.status]).toEqual([200, 200, 429]);
  });

  it('refuses with 403 Forbidden: no usage key, an unknown one, a disabled one and one in no plan; methods without ApiKeyRequired are not metered', async () => {
    // Act
    const responses = await Promise.all([limited(), limited('nokey000000000000000000000000000000000000'), limited('off00000000000000000000000000000000000000'), limited('loose0000000000000000000000000000000000')]);
    const open = await Promise.all(Array.from({ length: 5 }, () => fetch(`${base}/public`)));

    // Assess
    for (const r of responses) {
      expect(r.status).toBe(403);
      expect(r.headers.get('x-amzn-errortype')).toBe('ForbiddenException');
      expect(await r.json()).toEqual({ message: 'Forbidden' });
    }
    expect(open.map((r) => r.status)).toEqual(Array(5).fill(200));
  });

  it('enforces a key a Lambda creates through the control plane (AWS_ENDPOINT_URL_API_GATEWAY), counts it in GetUsage, and stops it when deleted', async () => {
    // Arrange
    const value = 'runtime' + '7'.repeat(33);
    const before = await limited(value);

    // Act
    const created = await fetch(`${base}/keys`, { method: 'POST', body: JSON.stringify({ value, plan: 'SmallPlan' }) });
    const { id, endpoint } = (await created.json()) as { id: string; endpoint: string };
    const calls = [];
    for (let i = 0; i < 4; i++) calls.push((await limited(value)).status);
    const usage = await fetch(`${base}/usage?plan=SmallPlan&key=${id}&from=${today()}&to=${today()}`);
    const deleted = await fetch(`${base}/keys/${id}`, { method: 'DELETE' });
    const afterDelete = await limited(value);

    // Assess
    expect(before.status).toBe(403);
    expect(created.status).toBe(201);
    expect(endpoint).toBe(cp.endpoint);
    expect(calls).toEqual([200, 200, 200, 429]);
    expect(await usage.json()).toEqual({ items: { [id]: [[3, 0]] } });
    expect(deleted.status).toBe(204);
    expect(afterDelete.status).toBe(403);
  });
});
