/**
 * Issue 19 in the authorizer: the usage identifier key API Gateway counts a
 * request against (the key's own, else its user's, else the default plan's),
 * the context a 429 QUOTA_EXCEEDED reads its code from, and exact credits
 * spent with conditional writes on DynamoDB Local: exactly N requests under
 * concurrency, refills per UTC window, no store call for keys without
 * credits, and a failed write failing the decision (closed).
 */
import { GetItemCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CREDITS_EXHAUSTED, QUOTA_CONTEXT, type Decision } from '../../lambda/authorizer/authorizer';
import { keyGrantable } from '../../lambda/core/catalog';
import { DEFAULT_PREFIXES } from '../../lambda/core/token';
import { issueKey, issueSession } from '../../lambda/management/mint';
import type { DynamoAccountStore } from '../../lambda/store/dynamo-account-store';
import { DynamoCredentialStore } from '../../lambda/store/dynamo-credential-store';
import { PROFILE_SK, keySk, userPk } from '../../lambda/store/keys';
import { StoreUnavailableError, type CredentialStore } from '../../lambda/store/port';
import { REFERENCE_CATALOG } from '../../lib/reference-app';
import { authorizerEvent } from '../../fixtures/authorizer-events';
import { captureStdout, loadAuthorizerHandler } from '../support/authorizer-handler';
import { referenceEnv } from '../../fixtures/reference-env';
import { lambdaContext } from '../../fixtures/lambda-context';
import { Testbed } from '../support/testbed';

const ORIGIN = 'https://app.example.com';
const USAGE = { defaultKey: 'D'.repeat(40), spentKey: 'S'.repeat(40) };
/** 2025-03-10T12:00:00Z */
const NOON = Date.UTC(2025, 2, 10, 12);

let bed: Testbed;
let client: DynamoDBClient;
let table: string;
let accounts: DynamoAccountStore;

beforeAll(async () => {
  bed = await Testbed.open({ deployment: (t) => referenceEnv(t, { KEYGATE_ALLOWED_ORIGINS: ORIGIN }), handlers: false });
  ({ client, table, accounts } = bed);
});
afterAll(() => bed.close());

/** The real store, its calls counted. */
function countingStore(): CredentialStore & { calls: { lookup: number; spendCredit: number } } {
  const real = new DynamoCredentialStore(client, table);
  const calls = { lookup: 0, spendCredit: 0 };
  return {
    calls,
    lookup: (token) => (calls.lookup++, real.lookup(token)),
    touchKey: (...args) => real.touchKey(...args),
    spendCredit: (...args) => (calls.spendCredit++, real.spendCredit(...args)),
  };
}

const newAuthorizer = ({ usage = true, ...options }: { store?: CredentialStore; usage?: boolean; now?: () => number } = {}) =>
  bed.authorizer({ ...options, ...(usage ? { usage: USAGE } : {}) });

const call = (key: string, method = 'POST', resource = '/v1/scores') => authorizerEvent(method, resource, { Authorization: `Bearer ${key}` });

/** Writes attributes on an item the way the management API (h19d) stores them. */
async function setAttributes(userId: string, sk: string, values: Record<string, AttributeValue>): Promise<void> {
  const names = Object.keys(values);
  await client.send(
    new UpdateItemCommand({
      TableName: table,
      Key: { pk: { S: userPk(userId) }, sk: { S: sk } },
      UpdateExpression: `SET ${names.map((_, i) => `#a${i} = :v${i}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#a${i}`, n])),
      ExpressionAttributeValues: Object.fromEntries(names.map((n, i) => [`:v${i}`, values[n]!])),
    }),
  );
}

async function newKey(permissions = keyGrantable(REFERENCE_CATALOG)): Promise<{ userId: string; keyId: string; value: string }> {
  const { userId } = await accounts.createUser({ kind: 'human' });
  const { token } = await issueKey(accounts, DEFAULT_PREFIXES, userId, 'user', { name: 'k', permissions });
  return { userId, keyId: token.id, value: token.value };
}

/** A key with exact credits: `remaining`, optionally refilled to `refill` each `period`, last for `window`. */
async function creditKey(remaining: number, refill?: { amount: number; period: 'day' | 'month'; window: string }) {
  const key = await newKey();
  await setAttributes(key.userId, keySk(key.keyId), {
    credits: { N: String(remaining) },
    ...(refill ? { creditsRefill: { N: String(refill.amount) }, creditsPeriod: { S: refill.period }, creditsWindow: { S: refill.window } } : {}),
  });
  return key;
}

async function storedCredits(userId: string, keyId: string): Promise<{ credits: number; window: string | undefined }> {
  const out = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: userPk(userId) }, sk: { S: keySk(keyId) } }, ConsistentRead: true }));
  return { credits: Number(out.Item!.credits!.N), window: out.Item!.creditsWindow?.S };
}

const allowed = (d: Decision) => {
  if (d.outcome !== 'allow') throw new Error(`expected allow, got ${JSON.stringify(d)}`);
  return d;
};

describe('Class: Authorizer — usage identifier key', () => {
  it('adds no usage key and no quota context without usage plans', async () => {
    // Prepare
    const key = await newKey();
    // Act
    const d = allowed(await newAuthorizer({ usage: false }).decide(call(key.value)));
    // Assess
    expect(d.result.usageIdentifierKey).toBeUndefined();
    expect(d.result.context).not.toHaveProperty('quota_code');
  });

  it("hands the default plan's key to a key and a user without a plan, with the quota context", async () => {
    // Prepare
    const key = await newKey();
    // Act
    const d = allowed(await newAuthorizer().decide(call(key.value)));
    // Assess
    expect(d.result.usageIdentifierKey).toBe(USAGE.defaultKey);
    expect(d.result.context).toMatchObject(QUOTA_CONTEXT);
  });

  it("hands the user's usage key to their keys and sessions, and a key's own usage key wins over its user's", async () => {
    // Prepare: a user on a plan, one key of theirs on its own plan, one not
    const withPlan = await newKey();
    const other = await issueKey(accounts, DEFAULT_PREFIXES, withPlan.userId, 'user', { name: 'k2', permissions: keyGrantable(REFERENCE_CATALOG) });
    const session = await issueSession(accounts, DEFAULT_PREFIXES, withPlan.userId, Date.now() + 3600_000);
    await setAttributes(withPlan.userId, PROFILE_SK, { usageKey: { S: 'U'.repeat(40) } });
    await setAttributes(withPlan.userId, keySk(withPlan.keyId), { usageKey: { S: 'K'.repeat(40) } });
    const authorizer = newAuthorizer();
    // Act
    const own = allowed(await authorizer.decide(call(withPlan.value)));
    const shared = allowed(await authorizer.decide(call(other.token.value)));
    const bySession = allowed(await authorizer.decide(authorizerEvent('GET', '/v1/auth/me', { Cookie: `keygate_session=${session.token.value}` })));
    // Assess
    expect(own.result.usageIdentifierKey).toBe('K'.repeat(40));
    expect(shared.result.usageIdentifierKey).toBe('U'.repeat(40));
    expect(bySession.result.usageIdentifierKey).toBe('U'.repeat(40));
  });

  it('carries the usage key on a refusal too (harmless: API Gateway answers 403 before counting)', async () => {
    // Prepare
    const key = await newKey([]);
    // Act
    const d = await newAuthorizer().decide(call(key.value));
    // Assess
    expect(d.outcome).toBe('deny');
    expect(d.outcome === 'deny' && d.result.usageIdentifierKey).toBe(USAGE.defaultKey);
  });

  it('is wired from KEYGATE_DEFAULT_USAGE_KEY and KEYGATE_SPENT_USAGE_KEY in the handler', async () => {
    // Prepare
    const key = await newKey();
    let handler;
    try {
      handler = loadAuthorizerHandler({ TABLE_NAME: table, KEYGATE_ALLOWED_ORIGINS: ORIGIN,
        // the usage keys count only with plans
        KEYGATE_PLANS: JSON.stringify([{ name: 'free', id: 'planfree', throttle: { rateLimit: 5, burstLimit: 10 } }]),
        KEYGATE_DEFAULT_PLAN: 'free',
        KEYGATE_DEFAULT_USAGE_KEY: USAGE.defaultKey, KEYGATE_SPENT_USAGE_KEY: USAGE.spentKey });
    } finally {
      for (const name of ['KEYGATE_DEFAULT_USAGE_KEY', 'KEYGATE_SPENT_USAGE_KEY', 'KEYGATE_PLANS', 'KEYGATE_DEFAULT_PLAN']) delete process.env[name];
    }
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      // Act
      const result = await handler(call(key.value), lambdaContext('keygate-authorizer'));
      // Assess
      expect(result.usageIdentifierKey).toBe(USAGE.defaultKey);
    } finally {
      write.mockRestore();
    }
  });
});

describe('Class: Authorizer — exact credits', () => {
  it('makes no store call for a key without credits: one read on the miss, none on the hits', async () => {
    // Prepare
    const key = await newKey();
    const store = countingStore();
    const authorizer = newAuthorizer({ store });
    // Act
    for (let i = 0; i < 5; i++) allowed(await authorizer.decide(call(key.value)));
    // Assess
    expect(store.calls).toEqual({ lookup: 1, spendCredit: 0 });
  });

  it('spends one credit per request, on cache hits too, then hands out the spent usage key with credits_exhausted', async () => {
    // Prepare
    const key = await creditKey(2);
    const store = countingStore();
    const authorizer = newAuthorizer({ store });
    // Act
    const decisions = [];
    for (let i = 0; i < 3; i++) decisions.push(allowed(await authorizer.decide(call(key.value))));
    // Assess
    expect(decisions.map((d) => [d.cacheHit, d.credits, d.result.usageIdentifierKey])).toEqual([
      [false, 'ok', USAGE.defaultKey],
      [true, 'ok', USAGE.defaultKey],
      [true, 'spent', USAGE.spentKey],
    ]);
    expect(decisions[2]!.result.context).toMatchObject({ quota_code: CREDITS_EXHAUSTED, quota_message: "this key's credits are spent" });
    expect(decisions[0]!.result.context).toMatchObject(QUOTA_CONTEXT);
    expect(store.calls).toEqual({ lookup: 1, spendCredit: 3 });
    expect(await storedCredits(key.userId, key.keyId)).toEqual({ credits: 0, window: undefined });
  });

  it('allows exactly 5 of 20 parallel requests on a 5-credit key, across two instances', async () => {
    // Prepare: two warm instances, as two Lambda environments would be
    const key = await creditKey(5);
    const instances = [newAuthorizer(), newAuthorizer()];
    // Act
    const decisions = (await Promise.all(Array.from({ length: 20 }, (_, i) => instances[i % 2]!.decide(call(key.value))))).map(allowed);
    // Assess
    const normal = decisions.filter((d) => d.result.usageIdentifierKey === USAGE.defaultKey);
    const spent = decisions.filter((d) => d.result.usageIdentifierKey === USAGE.spentKey);
    expect(normal).toHaveLength(5);
    expect(spent).toHaveLength(15);
    expect(normal.every((d) => d.credits === 'ok' && d.result.context!.quota_code === 'quota_exceeded')).toBe(true);
    expect(spent.every((d) => d.credits === 'spent' && d.result.context!.quota_code === CREDITS_EXHAUSTED)).toBe(true);
    expect((await storedCredits(key.userId, key.keyId)).credits).toBe(0);
  });

  it("refills a daily key whose window is yesterday's on its first use today, then spends today's credits", async () => {
    // Prepare: spent yesterday, refills 3 a day
    const key = await creditKey(0, { amount: 3, period: 'day', window: '2025-03-09' });
    const authorizer = newAuthorizer({ now: () => NOON });
    // Act
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(allowed(await authorizer.decide(call(key.value))));
    // Assess
    expect(decisions.map((d) => d.credits)).toEqual(['ok', 'ok', 'ok', 'spent']);
    expect(decisions[3]!.result.context!.quota_message).toBe("this key's credits are spent; they refill at 2025-03-11T00:00:00.000Z");
    expect(await storedCredits(key.userId, key.keyId)).toEqual({ credits: 0, window: '2025-03-10' });
  });

  it('refills once under concurrency: 10 parallel first requests of the day on a 3-a-day key, exactly 3 allowed', async () => {
    // Prepare: credits left over from yesterday do not carry over
    const key = await creditKey(7, { amount: 3, period: 'day', window: '2025-03-09' });
    const instances = [newAuthorizer({ now: () => NOON }), newAuthorizer({ now: () => NOON })];
    // Act
    const decisions = (await Promise.all(Array.from({ length: 10 }, (_, i) => instances[i % 2]!.decide(call(key.value))))).map(allowed);
    // Assess
    expect(decisions.filter((d) => d.credits === 'ok')).toHaveLength(3);
    expect(await storedCredits(key.userId, key.keyId)).toEqual({ credits: 0, window: '2025-03-10' });
  });

  it('refills a monthly key in a new month, not within the same month', async () => {
    // Prepare
    const lastMonth = await creditKey(0, { amount: 2, period: 'month', window: '2025-02' });
    const thisMonth = await creditKey(0, { amount: 2, period: 'month', window: '2025-03' });
    const authorizer = newAuthorizer({ now: () => NOON });
    // Act
    const refilled = allowed(await authorizer.decide(call(lastMonth.value)));
    const notRefilled = allowed(await authorizer.decide(call(thisMonth.value)));
    // Assess
    expect(refilled.credits).toBe('ok');
    expect(await storedCredits(lastMonth.userId, lastMonth.keyId)).toEqual({ credits: 1, window: '2025-03' });
    expect(notRefilled.credits).toBe('spent');
    expect(notRefilled.result.context!.quota_message).toBe("this key's credits are spent; they refill at 2025-04-01T00:00:00.000Z");
  });

  it('spends nothing on a request the policy refuses', async () => {
    // Prepare
    const key = await newKey([]);
    await setAttributes(key.userId, keySk(key.keyId), { credits: { N: '1' } });
    const store = countingStore();
    // Act
    const d = await newAuthorizer({ store }).decide(call(key.value));
    // Assess
    expect(d.outcome).toBe('deny');
    expect(store.calls.spendCredit).toBe(0);
    expect((await storedCredits(key.userId, key.keyId)).credits).toBe(1);
  });

  it('refuses a spent key with 403 credits_exhausted when no usage plans can answer 429', async () => {
    // Prepare
    const key = await creditKey(0);
    const event = call(key.value);
    // Act
    const d = await newAuthorizer({ usage: false }).decide(event);
    // Assess
    expect(d.outcome).toBe('deny');
    if (d.outcome !== 'deny') return;
    expect(d.reason).toBe(CREDITS_EXHAUSTED);
    expect(d.result.context).toMatchObject({ error_code: CREDITS_EXHAUSTED, error_message: "this key's credits are spent" });
    expect(d.result.policyDocument.Statement).toContainEqual({ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: [event.methodArn] });
  });

  it('fails closed when the credit write fails: the decision throws, never an Allow', async () => {
    // Prepare: reads from the real table, credit writes to a table that does not exist
    const key = await creditKey(5);
    const real = new DynamoCredentialStore(client, table);
    const broken = new DynamoCredentialStore(client, `${table}-missing`);
    const store: CredentialStore = { lookup: (t) => real.lookup(t), touchKey: (...a) => real.touchKey(...a), spendCredit: (...a) => broken.spendCredit(...a) };
    // Act & Assess
    await expect(newAuthorizer({ store }).decide(call(key.value))).rejects.toThrow(StoreUnavailableError);
  });
});

describe('Function: handler — the decision line of a credit-carrying key', () => {
  const stdout = captureStdout();

  it("logs credits 'ok' or 'spent', and nothing for keys without credits", async () => {
    // Prepare
    const handler = loadAuthorizerHandler({ TABLE_NAME: table, KEYGATE_ALLOWED_ORIGINS: ORIGIN });
    const withCredits = await creditKey(1);
    const without = await newKey();
    // Act
    for (const k of [withCredits, withCredits, without]) await handler(call(k.value), lambdaContext('keygate-authorizer'));
    // Assess
    const lines = stdout.lines().map((l) => JSON.parse(l) as { credits?: string; reason: string });
    expect(lines.map((l) => [l.reason, l.credits])).toEqual([
      ['ok', 'ok'],
      [CREDITS_EXHAUSTED, undefined],
      ['ok', undefined],
    ]);
  });
});
