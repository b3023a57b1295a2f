/**
 * Plans, usage and credits (issue 19, SPEC §12), for the management API and
 * the CLI alike: list the plans, set or clear a user's or key's plan, read a
 * bucket's daily usage, set a key's exact credits. Usage keys are made and
 * deleted in the order of ./usage-keys.ts.
 */
import { conflict, validation } from '../shared/errors';
import type { PlansConfig } from '../core/settings';
import type { PlanTarget } from '../store/dynamo-plans';
import type { Credits, KeyRecord } from '../store/port';
import type { UsagePlans } from '../usage-plans/port';
import { auditEntries, type Actor } from './audit';
import type { ManagementDeps } from './deps';
import { ownKey } from './key-service';
import type { CreditsInput } from './plan-schemas';
import { NO_PLANS, creditsOf, finishRetired, gatewayError, makeUsageKey, planOf, undoUsageKey } from './usage-keys';
import { existingUser } from './user-service';
import { keyStatus } from './views';

const DAY_MS = 24 * 3600 * 1000;
export const DEFAULT_USAGE_DAYS = 7;
export const MAX_USAGE_DAYS = 90;

function requirePlans(deps: ManagementDeps): { plans: PlansConfig; usagePlans: UsagePlans } {
  if (!deps.plans || !deps.usagePlans) throw conflict(NO_PLANS);
  return { plans: deps.plans, usagePlans: deps.usagePlans };
}

export function planList(deps: ManagementDeps) {
  const config = deps.plans;
  return {
    plans: (config?.plans ?? []).map((p) => ({
      name: p.name,
      description: p.description ?? null,
      throttle: { rateLimit: p.throttle.rateLimit, burstLimit: p.throttle.burstLimit },
      quota: p.quota ? { limit: p.quota.limit, period: p.quota.period } : null,
      default: p.name === config!.defaultPlan,
    })),
  };
}

async function liveKey(deps: ManagementDeps, userId: string, keyId: string, now: number): Promise<KeyRecord> {
  const key = await ownKey(deps, userId, keyId);
  const status = keyStatus(key, now);
  if (status === 'revoked' || status === 'expired') throw conflict(`key is ${status}; plans and credits are for live keys`);
  if (key.replacedBy) throw conflict(`key was rotated into '${key.replacedBy}'; set the plan of that key`);
  return key;
}

/**
 * Sets (`planName`) or clears (null) a user's or key's plan. A live user's
 * (or live key's) new plan gets a new usage key before the table names it;
 * the one it replaces is retired and deleted after. A disabled user keeps
 * the plan without a usage key until enabled again.
 */
export async function assignPlan(deps: ManagementDeps, target: PlanTarget, planName: string | null, actor: Actor) {
  const { plans, usagePlans } = requirePlans(deps);
  const plan = planName === null ? undefined : planOf(plans, planName);
  if (planName !== null && !plan) throw validation(`'plan': no plan '${planName}'; this deployment has ${plans.plans.map((p) => `'${p.name}'`).join(', ')}`);
  const now = deps.now();
  const user = await existingUser(deps, target.userId);
  const current: { plan?: string; usageKeyId?: string } = target.keyId ? await liveKey(deps, target.userId, target.keyId, now) : user;
  // A retry finishes what an earlier request left (a usage key not yet deleted).
  await finishRetired(deps, target);
  const wantsKey = plan !== undefined && !user.disabled;
  const answer = { plan: plan?.name ?? null, usageKey: wantsKey ? ('own' as const) : ('none' as const) };
  if (current.plan === plan?.name && (current.usageKeyId !== undefined) === wantsKey) return answer;

  const made = wantsKey ? await makeUsageKey(deps, usagePlans, plans, target, plan!) : undefined;
  const what = target.keyId ? `key:${target.keyId}` : `user:${target.userId}`;
  const audit = plan
    ? auditEntries(actor, 'plan_set', what, [target.userId], { plan: plan.name, ...(current.plan ? { from: current.plan } : {}) })
    : auditEntries(actor, 'plan_cleared', what, [target.userId], current.plan ? { from: current.plan } : undefined);
  let written: boolean;
  try {
    written = await deps.planStore.setPlan(
      target,
      { ...(plan ? { plan: plan.name } : {}), ...made },
      {
        ...(current.usageKeyId ? { expectedKeyId: current.usageKeyId, retire: current.usageKeyId } : {}),
        ...(target.keyId ? { liveAt: now } : {}),
        // A new usage key only while the user is enabled: a disabling in between has already deleted theirs.
        ...(made ? { ownerEnabled: true } : {}),
      },
      audit,
    );
  } catch (err) {
    if (made) await undoUsageKey(deps, usagePlans, made.usageKeyId);
    throw err;
  }
  if (!written) {
    if (made) await undoUsageKey(deps, usagePlans, made.usageKeyId);
    throw conflict(`the ${target.keyId ? 'key' : 'user'} changed meanwhile (revoked, disabled, or its plan set by someone else); nothing was changed, try again`);
  }
  await finishRetired(deps, target);
  return answer;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function dateParam(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(`${value}T00:00:00Z`);
  if (!DATE.test(value) || Number.isNaN(ms) || day(ms) !== value) throw validation(`'${name}' has to be a date like 2025-01-31 (UTC)`);
  return ms;
}

/** `from`..`to` inclusive; default the last 7 days to today; at most 90 days. */
export function usageRange(query: { from?: string | undefined; to?: string | undefined }, now: number): { from: string; to: string } {
  const to = dateParam(query.to, 'to') ?? Date.parse(`${day(now)}T00:00:00Z`);
  const from = dateParam(query.from, 'from') ?? to - (DEFAULT_USAGE_DAYS - 1) * DAY_MS;
  if (from > to) throw validation("'from' has to be on or before 'to'");
  if ((to - from) / DAY_MS + 1 > MAX_USAGE_DAYS) throw validation(`'from' to 'to' can span at most ${MAX_USAGE_DAYS} days`);
  return { from: day(from), to: day(to) };
}

export const creditsView = (credits: Credits | undefined) =>
  credits ? { remaining: credits.remaining, ...(credits.refill ? { refill: { amount: credits.refill.amount, period: credits.refill.period } } : {}) } : undefined;

/**
 * The daily usage of the bucket a user's (or one of their key's) calls count
 * in: the key's own plan, else the user's, else the shared default usage key,
 * whose counts are everyone's and are not shown (`days: []`).
 */
export async function usageOf(deps: ManagementDeps, userId: string, keyId: string | undefined, query: { from?: string | undefined; to?: string | undefined }) {
  const { plans, usagePlans } = requirePlans(deps);
  const range = usageRange(query, deps.now());
  const user = await existingUser(deps, userId);
  const key = keyId ? await ownKey(deps, userId, keyId) : undefined;
  const [bucket, holder] = key?.usageKeyId && key.plan ? (['key', key] as const) : user.usageKeyId && user.plan ? (['user', user] as const) : (['default', undefined] as const);
  // Without a usage key of its own, a plan is only stored (a disabled user's); the calls count in the default plan.
  const plan = planOf(plans, holder?.plan ?? plans.defaultPlan);
  const credits = creditsView(key?.credits);
  const base = { plan: plan?.name ?? null, bucket, from: range.from, to: range.to, ...(credits ? { credits } : {}) };
  if (!holder || !plan) return { ...base, days: [], remaining: null };
  let days;
  try {
    ({ days } = await usagePlans.usage(plan.id, holder.usageKeyId!, range.from, range.to));
  } catch (err) {
    throw gatewayError(err);
  }
  const last = days[days.length - 1];
  return { ...base, days: days.map((d) => ({ date: d.date, used: d.used })), remaining: plan.quota ? (last?.remaining ?? plan.quota.limit) : null };
}

/** Sets (or with null, removes) a live key's credits. */
export async function setCredits(deps: ManagementDeps, userId: string, keyId: string, input: CreditsInput | null, actor: Actor) {
  const now = deps.now();
  const credits = input ? creditsOf(deps, input, now) : undefined;
  await existingUser(deps, userId);
  await liveKey(deps, userId, keyId, now);
  const detail = credits ? { remaining: String(credits.remaining), ...(credits.refill ? { refill: `${credits.refill.amount}/${credits.refill.period}` } : {}) } : { remaining: 'none' };
  const done = await deps.planStore.setCredits(userId, keyId, credits, now, auditEntries(actor, 'credits_set', `key:${keyId}`, [userId], detail));
  if (!done) throw conflict('key was revoked meanwhile');
  return { credits: creditsView(credits) ?? null };
}
