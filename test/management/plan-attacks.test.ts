/**
 * Attacks on plans, usage keys and exact credits (issue 19), each against the
 * real components: the keys and admin handlers behind the real authorizer on
 * DynamoDB Local, the local runner's emulated API Gateway control plane.
 * Each test is one attempt; a defect it found has its fix next to it
 * (docs/design.md, Exact credits).
 */
import type { Decision } from '../../lambda/authorizer/authorizer';
import { CLI_ACTOR } from '../../lambda/management/audit';
import { buildDeps } from '../../lambda/management/deps';
import { rotateKey } from '../../lambda/management/key-service';
import { plansOf } from '../../lambda/core/settings';
import { loadManagementConfig } from '../../lambda/shared/management-config';
import { DynamoCredentialStore } from '../../lambda/store/dynamo-credential-store';
import type { AccountStore } from '../../lambda/store/port';
import { startControlPlane, UsagePlanModel, type ControlPlane } from '../../local/usage-plans';
import { authorizerEvent } from '../../fixtures/authorizer-events';
import { managementEnv, type SignedInUser } from '../support/management-api';
import { planEnv as plansEnvironment } from '../support/plans';
import { Testbed } from '../support/testbed';

const PLANS = [
  { name: 'free', throttle: { rateLimit: 5, burstLimit: 10 }, quota: { limit: 1000, period: 'DAY' }, id: 'planfree' },
  { name: 'partner', throttle: { rateLimit: 50, burstLimit: 100 }, id: 'planpartner' },
];
const USAGE = { defaultKey: 'D'.repeat(40), spentKey: 'S'.repeat(40) };

let cp: ControlPlane;
let bed: Testbed;
let admin: SignedInUser;

const planEnv = (limit: number) => plansEnvironment(PLANS, cp.endpoint, limit);

beforeAll(async () => {
  cp = await startControlPlane(UsagePlanModel.fromPlans(PLANS.map(({ id, throttle, quota }) => ({ id, throttle, ...(quota ? { quota } : {}) })) as never));
  bed = await Testbed.open({ env: planEnv(4) });
  admin = await bed.signIn({ admin: true });
});
afterAll(async () => {
  await bed.close();
  await cp.close();
});

const asAdmin = (method: string, resource: string, opts: { params?: Record<string, string>; query?: Record<string, string>; body?: unknown } = {}) =>
  bed.api.call(method, resource, { session: admin.session, ...opts });
const call = (key: string) => authorizerEvent('POST', '/v1/scores', { Authorization: `Bearer ${key}` });
/** Whether a decision let the request through to the backend: an Allow that did not find the credits spent. */
const through = (d: Decision) => d.outcome === 'allow' && d.credits !== 'spent';
const deps = () => buildDeps(loadManagementConfig(managementEnv(bed.table)), bed.client, Date.now, { plans: plansOf(loadManagementConfig({ ...managementEnv(bed.table), ...planEnv(4) }))! });

/** A signed-in user's key made through `POST /keys` with `credits`. */
async function meteredKey(user: SignedInUser, remaining: number): Promise<{ id: string; key: string }> {
  const made = await bed.api.call('POST', '/v1/keys', { session: user.session, body: { name: 'metered', permissions: ['submit_score'], credits: { remaining } } });
  expect(made.status).toBe(201);
  return { id: made.body.id, key: made.body.key };
}

describe('Attack: exact credits', () => {
  it('lets exactly one of two parallel requests through on the last credit', async () => {
    const user = await bed.signIn();
    const { key } = await meteredKey(user, 1);
    const [a, b] = [bed.authorizer({ usage: USAGE }), bed.authorizer({ usage: USAGE })];
    const decisions = await Promise.all([a.decide(call(key)), b.decide(call(key))]);
    expect(decisions.filter(through)).toHaveLength(1);
  });

  it("spends one count for a rotated key in its grace period and its successor: 3 credits are 3 requests over both keys", async () => {
    // Prepare: a 3-credit key rotated with a day's grace; the old key keeps working
    const user = await bed.signIn();
    const old = await meteredKey(user, 3);
    const rotated = await bed.api.call('POST', '/v1/keys/{keyId}/rotate', { session: user.session, params: { keyId: old.id }, body: { gracePeriodSeconds: 86_400 } });
    expect(rotated.status).toBe(201);
    const authorizer = bed.authorizer({ usage: USAGE });
    // Act: both keys, alternately
    const decisions: Decision[] = [];
    for (let i = 0; i < 10; i++) decisions.push(await authorizer.decide(call(i % 2 === 0 ? old.key : rotated.body.key)));
    // Assess
    expect(decisions.filter(through)).toHaveLength(3);
    expect((await bed.accounts.getKey(user.userId, rotated.body.id))!.credits).toEqual({ remaining: 0 });
  });

  it('hands the successor only the credits left when the rotation is written, not those read before it', async () => {
    // Prepare: a 3-credit key; two requests spend while the rotation is between its read and its write
    const user = await bed.signIn();
    const old = await meteredKey(user, 3);
    const authorizer = bed.authorizer({ usage: USAGE });
    const base = deps();
    const racing: AccountStore = Object.assign(Object.create(base.accounts) as AccountStore, {
      rotateKey: async (...args: Parameters<AccountStore['rotateKey']>) => {
        for (let i = 0; i < 2; i++) expect(through(await authorizer.decide(call(old.key)))).toBe(true);
        return base.accounts.rotateKey(...args);
      },
    });
    // Act: the rotation either refuses (the key changed meanwhile) or hands over what is left
    const outcome = await rotateKey({ ...base, accounts: racing }, user.userId, old.id, 0, CLI_ACTOR).catch((err: { statusCode?: number }) => err);
    // Assess: never more than 3 requests in all
    const successor = 'key' in outcome ? outcome : undefined;
    const after = successor ? (await bed.accounts.getKey(user.userId, successor.id))!.credits!.remaining : (await bed.accounts.getKey(user.userId, old.id))!.credits!.remaining;
    expect(successor ? after : (outcome as { statusCode?: number }).statusCode).toBe(successor ? 1 : 409);
    expect(after).toBe(1);
  });

  it("never refills a monthly key from a day's window (a rotated key's stale refill rule after its successor's changed)", async () => {
    // Prepare: credits of 2 a month, spent for this month
    const user = await bed.signIn();
    const { id } = await meteredKey(user, 0);
    const set = await asAdmin('PUT', '/v1/admin/users/{userId}/keys/{keyId}/credits', {
      params: { userId: user.userId, keyId: id },
      body: { credits: { remaining: 0, refill: { amount: 2, period: 'month' } } },
    });
    expect(set.status).toBe(200);
    const store = new DynamoCredentialStore(bed.client, bed.table);
    const today = new Date().toISOString().slice(0, 10);
    // Act: spends asked with a day's window, as a stale daily rule would
    const outcomes = [await store.spendCredit(user.userId, id, today), await store.spendCredit(user.userId, id, today)];
    // Assess
    expect(outcomes).toEqual(['spent', 'spent']);
    expect((await bed.accounts.getKey(user.userId, id))!.credits).toMatchObject({ remaining: 0, window: today.slice(0, 7) });
  });

  it('refuses credits inputs that are not whole counts in range, with 400', async () => {
    const user = await bed.signIn();
    const { id } = await meteredKey(user, 1);
    for (const credits of [{ remaining: -1 }, { remaining: 1.5 }, { remaining: '5' }, { remaining: 1e12 }, { remaining: 5, refill: { amount: 0, period: 'day' } }, { remaining: 5, refill: { amount: 5, period: 'year' } }, { remaining: 5, extra: 1 }]) {
      const res = await asAdmin('PUT', '/v1/admin/users/{userId}/keys/{keyId}/credits', { params: { userId: user.userId, keyId: id }, body: { credits } });
      expect(res).toMatchObject({ status: 400, body: { error_code: 'validation' } });
    }
    const made = await bed.api.call('POST', '/v1/keys', { session: user.session, body: { name: 'neg', permissions: [], credits: { remaining: -5 } } });
    expect(made.status).toBe(400);
    expect((await bed.accounts.getKey(user.userId, id))!.credits).toEqual({ remaining: 1 });
  });

  it('refuses credits on a revoked key and on a rotated one', async () => {
    const user = await bed.signIn();
    const revoked = await meteredKey(user, 1);
    expect((await bed.api.call('DELETE', '/v1/keys/{keyId}', { session: user.session, params: { keyId: revoked.id } })).status).toBe(204);
    const rotatedFrom = await meteredKey(user, 1);
    expect((await bed.api.call('POST', '/v1/keys/{keyId}/rotate', { session: user.session, params: { keyId: rotatedFrom.id }, body: { gracePeriodSeconds: 600 } })).status).toBe(201);
    for (const keyId of [revoked.id, rotatedFrom.id]) {
      const res = await asAdmin('PUT', '/v1/admin/users/{userId}/keys/{keyId}/credits', { params: { userId: user.userId, keyId }, body: { credits: { remaining: 1000 } } });
      expect(res.status).toBe(409);
    }
  });
});

describe('Attack: plans and usage', () => {
  const USER_PLAN = '/v1/admin/users/{userId}/plan';

  it("answers 404 for another user's key on the holder's usage route, and 403 on every admin route to a non-admin", async () => {
    const [alice, bob] = [await bed.signIn(), await bed.signIn()];
    const { id } = await meteredKey(alice, 5);
    const usage = await bed.api.call('GET', '/v1/keys/{keyId}/usage', { session: bob.session, params: { keyId: id } });
    expect(usage.status).toBe(404);
    const own = { userId: bob.userId, keyId: id };
    for (const [method, resource, body] of [
      ['PUT', '/v1/admin/users/{userId}/keys/{keyId}/credits', { credits: { remaining: 1000 } }],
      ['PUT', '/v1/admin/users/{userId}/keys/{keyId}/plan', { plan: 'partner' }],
      ['PUT', USER_PLAN, { plan: 'partner' }],
      ['GET', '/v1/admin/users/{userId}/usage', undefined],
    ] as const) {
      for (const userId of [alice.userId, bob.userId]) {
        const res = await bed.api.call(method, resource, { session: bob.session, params: { ...own, userId }, ...(body ? { body } : {}) });
        expect(res).toMatchObject({ status: 403, body: { error_code: 'missing_permission' } });
      }
    }
    expect((await bed.accounts.getKey(alice.userId, id))!.credits).toEqual({ remaining: 5 });
    // An admin naming alice's key under bob's path finds nothing.
    expect((await asAdmin('PUT', '/v1/admin/users/{userId}/keys/{keyId}/credits', { params: own, body: { credits: { remaining: 9 } } })).status).toBe(404);
  });

  it('refuses plan names that only look like one, and prototype names, with 400 and nothing stored', async () => {
    const user = await bed.signIn();
    for (const plan of ['Free', 'FREE', 'frée', 'free ', '__proto__', 'constructor', 'toString', 'keygate-credits-spent', '', 'ｆｒｅｅ']) {
      const res = await asAdmin('PUT', USER_PLAN, { params: { userId: user.userId }, body: { plan } });
      expect(res).toMatchObject({ status: 400, body: { error_code: 'validation' } });
    }
    expect(await bed.accounts.getUser(user.userId)).not.toHaveProperty('plan');
  });

  it('refuses usage ranges that are reversed, too long or not dates, with 400', async () => {
    const user = await bed.signIn();
    const { id } = await meteredKey(user, 1);
    for (const query of [
      { from: '2025-03-10', to: '2025-03-01' },
      { from: '2015-01-01', to: '2025-01-01' },
      { from: '2025-02-30' },
      { to: '2025-13-01' },
      { from: '2025-1-1' },
      { from: '2025-03-01T00:00:00Z' },
      { to: '+275760-09-13' },
    ]) {
      const res = await bed.api.call('GET', '/v1/keys/{keyId}/usage', { session: user.session, params: { keyId: id }, query });
      expect(res).toMatchObject({ status: 400, body: { error_code: 'validation' } });
    }
  });

  it('never holds more usage keys than the limit when assignments race: 6 parallel for 4 slots', async () => {
    const users = await Promise.all(Array.from({ length: 6 }, () => bed.signIn()));
    const results = await Promise.all(users.map((u) => asAdmin('PUT', USER_PLAN, { params: { userId: u.userId }, body: { plan: 'partner' } })));
    const count = await deps().planStore.usageKeyCount();
    const own = (await Promise.all(users.map((u) => bed.accounts.getUser(u.userId)))).filter((u) => u!.usageKeyId !== undefined);
    expect(results.filter((r) => r.status === 200)).toHaveLength(4);
    expect(results.filter((r) => r.status === 409)).toHaveLength(2);
    expect(count).toBe(4);
    expect(own).toHaveLength(4);
    for (const u of users) await asAdmin('PUT', USER_PLAN, { params: { userId: u.userId }, body: { plan: null } });
    expect(await deps().planStore.usageKeyCount()).toBe(0);
  });

  it('leaves no disabled user holding a usage key when a plan is assigned while they are disabled (both at once)', async () => {
    const users = await Promise.all(Array.from({ length: 3 }, () => bed.signIn()));
    const answers = await Promise.all(
      users.flatMap((u) => [
        asAdmin('PUT', USER_PLAN, { params: { userId: u.userId }, body: { plan: 'partner' } }),
        asAdmin('PATCH', '/v1/admin/users/{userId}', { params: { userId: u.userId }, body: { disabled: true } }),
      ]),
    );
    expect(answers.filter((_, i) => i % 2 === 1).map((r) => r.status)).toEqual([200, 200, 200]);
    for (const u of users) {
      const stored = await bed.accounts.getUser(u.userId);
      expect(stored).toMatchObject({ disabled: true });
      expect(stored).not.toHaveProperty('usageKeyId');
    }
    for (const u of users) await asAdmin('PUT', USER_PLAN, { params: { userId: u.userId }, body: { plan: null } });
  });

});
