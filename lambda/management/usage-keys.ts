/**
 * Usage keys (issue 19): the API Gateway API keys that give a user or a key
 * its own plan's bucket. Made in a fixed order so nothing is left half-made
 * (docs/design.md, Rate limits and quotas):
 *   make:   reserve a slot in the count → CreateApiKey → CreateUsagePlanKey
 *           → the table item; a failure after CreateApiKey deletes the key and
 *           gives the slot back, so the table is unchanged.
 *   delete: the table stops naming the key and records it as retired →
 *           DeleteApiKey → forget it → give the slot back; a failure leaves
 *           it recorded, and the next change to that user or key (a retry)
 *           finishes it.
 *   sweep:  a key that ended (revoked, expired) still naming a usage key, or
 *           with one recorded as retired, has it deleted when its owner's
 *           keys are listed (`sweepEndedKeys`).
 * Also the hooks the key and user services call (credits on a new key, a
 * user disabled or enabled). Shared by the plan, key and user services;
 * imports none of them.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { creditsWindow } from '../core/credits';
import { randomBase62 } from '../core/token';
import { conflict, serviceUnavailable, validation } from '../shared/errors';
import type { PlanConfig, PlansConfig } from '../core/settings';
import type { PlanTarget } from '../store/dynamo-plans';
import type { Credits, KeyRecord, UserRecord } from '../store/port';
import type { UsagePlans } from '../usage-plans/port';
import { UsagePlansError } from '../usage-plans/port';
import type { ManagementDeps } from './deps';
import type { CreditsInput } from './plan-schemas';
import { keyStatus } from './views';

/** A usage key's value: random, not a credential (with source AUTHORIZER no client can send one). */
export const USAGE_KEY_LENGTH = 40;

const logger = new Logger({ serviceName: 'keygate-management' });

export const limitReached = (limit: number) =>
  conflict(`keygate holds ${limit} usage keys, the limit this deployment allows (usageKeyLimit); clear plans no longer needed, or raise the limit`);

/** API Gateway's refusal in the API's words; anything else as is. */
export function gatewayError(err: unknown): unknown {
  if (!(err instanceof UsagePlansError)) return err;
  if (err.reason === 'limit') return conflict(`API Gateway refused: an account limit on API keys or usage plans is reached (${err.message}); nothing was changed`);
  if (err.reason === 'throttled') return serviceUnavailable('API Gateway throttled the change; nothing was changed, try again in a few seconds');
  return serviceUnavailable("API Gateway's control plane did not answer; nothing was changed, try again");
}

export const planOf = (plans: PlansConfig, name: string | undefined): PlanConfig | undefined => plans.plans.find((p) => p.name === name);

const keyName = (deps: ManagementDeps, t: PlanTarget) => `keygate-${deps.config.tableName}-${t.userId}${t.keyId ? `-${t.keyId}` : ''}`;

/** A new usage key in `plan`; on failure nothing is left (the key deleted, the slot given back) and the API's error is thrown. */
export async function makeUsageKey(deps: ManagementDeps, usagePlans: UsagePlans, plans: PlansConfig, target: PlanTarget, plan: PlanConfig) {
  if (!(await deps.planStore.reserveUsageKey(plans.usageKeyLimit))) throw limitReached(plans.usageKeyLimit);
  let id: string | undefined;
  try {
    const value = randomBase62(USAGE_KEY_LENGTH);
    id = (await usagePlans.createKey(keyName(deps, target), value)).id;
    await usagePlans.addToPlan(plan.id, id);
    return { usageKeyId: id, usageKey: value };
  } catch (err) {
    await undoUsageKey(deps, usagePlans, id);
    throw gatewayError(err);
  }
}

/** Deletes a usage key this request made but did not store; the slot is given back only once the key is gone. */
export async function undoUsageKey(deps: ManagementDeps, usagePlans: UsagePlans, id: string | undefined): Promise<void> {
  try {
    if (id) await usagePlans.deleteKey(id);
    await deps.planStore.releaseUsageKey();
  } catch (err) {
    // The slot stays taken: the count reads high, never low.
    logger.error('usage_key_undo_failed', { usageKeyId: id, error: err as Error });
  }
}

/** Deletes the target's retired usage keys at API Gateway, forgets them and gives their slots back. Throws the API's 503 when API Gateway fails. */
export async function finishRetired(deps: ManagementDeps, target: PlanTarget): Promise<void> {
  if (!deps.usagePlans) return;
  for (const id of await deps.planStore.retiredUsageKeys(target)) {
    try {
      await deps.usagePlans.deleteKey(id);
    } catch (err) {
      throw gatewayError(err);
    }
    await deps.planStore.forgetRetired(target, id);
    await deps.planStore.releaseUsageKey();
  }
}

/** The target stops having a usage key (its plan is kept, to restore later), then the key is deleted. */
export async function retireUsageKey(deps: ManagementDeps, target: PlanTarget, current: { plan?: string; usageKeyId?: string }): Promise<void> {
  if (current.usageKeyId) {
    await deps.planStore.setPlan(target, { ...(current.plan ? { plan: current.plan } : {}) }, { expectedKeyId: current.usageKeyId, retire: current.usageKeyId });
  }
  await finishRetired(deps, target);
}

/** A live target with a plan but no usage key (a re-enabled user's) gets one again. */
export async function restoreUsageKey(deps: ManagementDeps, target: PlanTarget, current: { plan?: string; usageKeyId?: string }, now: number): Promise<void> {
  const { plans, usagePlans } = deps;
  const plan = plans ? planOf(plans, current.plan) : undefined;
  if (!plans || !usagePlans || !plan || current.usageKeyId) return;
  const made = await makeUsageKey(deps, usagePlans, plans, target, plan);
  const written = await deps.planStore.setPlan(target, { plan: plan.name, ...made }, { ...(target.keyId ? { liveAt: now } : {}), ownerEnabled: true }).catch(async (err: unknown) => {
    await undoUsageKey(deps, usagePlans, made.usageKeyId);
    throw err;
  });
  if (!written) await undoUsageKey(deps, usagePlans, made.usageKeyId);
}

/**
 * After keys were revoked through their API client (the client deleted, an
 * authorization or a token revoked, a code reused): their usage keys go. The
 * revocation is done whatever API Gateway answers; what it refuses is logged
 * and left to the owner's next sweep (`sweepEndedKeys`).
 */
export async function afterGrantsRevoked(deps: ManagementDeps, grants: readonly { userId: string; keyId: string }[]): Promise<void> {
  if (!deps.usagePlans) return;
  for (const { userId, keyId } of grants) {
    try {
      const key = await deps.accounts.getKey(userId, keyId);
      if (key) await sweepEndedKeys(deps, userId, [key]);
    } catch (err) {
      logger.warn('usage_key_sweep_failed', { userId, keyId, error: err as Error });
    }
  }
}

/** After a key is revoked: its usage key goes. A rotated key handed its usage key to its successor and has none. */
export async function afterKeyRevoked(deps: ManagementDeps, userId: string, key: KeyRecord): Promise<void> {
  if (!deps.usagePlans) return;
  await retireUsageKey(deps, { userId, keyId: key.keyId }, key);
}

/** Whether a key holds a usage key it no longer needs: it ended still naming one, or one awaits deletion. */
export const needsSweep = (key: KeyRecord, now: number): boolean =>
  (key.retiredUsageKeys?.length ?? 0) > 0 || (key.usageKeyId !== undefined && ['revoked', 'expired'].includes(keyStatus(key, now)));

/**
 * Deletes the usage keys that `keys` (one user's, as just read) no longer
 * need: an expired key's, a revoked key's whose deletion failed, a retired
 * one not yet deleted. The plan stays stored. Housekeeping: what API Gateway
 * refuses now is logged and stays recorded for the next sweep; it never
 * fails the caller's request. No read or write when there is nothing to do.
 */
export async function sweepEndedKeys(deps: ManagementDeps, userId: string, keys: readonly KeyRecord[]): Promise<void> {
  if (!deps.usagePlans) return;
  const now = deps.now();
  for (const key of keys.filter((k) => needsSweep(k, now))) {
    const target = { userId, keyId: key.keyId };
    const ended = ['revoked', 'expired'].includes(keyStatus(key, now));
    try {
      await retireUsageKey(deps, target, ended ? key : {});
    } catch (err) {
      logger.warn('usage_key_sweep_failed', { userId, keyId: key.keyId, error: err as Error });
    }
  }
}

export const NO_PLANS = 'this deployment has no plans (the keygate construct was given no `plans`), so there is nothing to assign or count';

/** Disabling a user deletes their and their keys' usage keys; enabling makes them again from the stored plans. Repeating either finishes it. */
export async function afterUserFlagChange(deps: ManagementDeps, user: UserRecord, disabled: boolean): Promise<void> {
  if (!deps.usagePlans) return;
  const now = deps.now();
  // Read again after the flag was written: a plan assigned meanwhile (before the flag) may have made a usage key.
  if (disabled) user = (await deps.accounts.getUser(user.userId)) ?? user;
  const keys = (await deps.accounts.listKeys(user.userId)).filter((k) => k.plan !== undefined || k.usageKeyId !== undefined);
  const targets: [PlanTarget, { plan?: string; usageKeyId?: string }, boolean][] = [
    [{ userId: user.userId }, user, true],
    ...keys.map((k): [PlanTarget, KeyRecord, boolean] => [{ userId: user.userId, keyId: k.keyId }, k, !['revoked', 'expired'].includes(keyStatus(k, now))]),
  ];
  for (const [target, current, live] of targets) {
    if (disabled || !live) await retireUsageKey(deps, target, current);
    else await restoreUsageKey(deps, target, current, now);
  }
}

/** Credits as stored, from the API's input; they need plans (the spent plan answers 429 for a key whose credits are spent). */
export function creditsOf(deps: ManagementDeps, input: CreditsInput, now: number): Credits {
  if (!deps.plans) throw validation(`'credits': ${NO_PLANS}`);
  // API Gateway answers from its cache without calling the authorizer, so a call there would spend no credit.
  if (deps.config.gatewayCacheSeconds > 0) {
    throw validation(`'credits': this deployment caches the authorizer's answers in API Gateway for ${deps.config.gatewayCacheSeconds} s (gatewayCacheTtl), so calls would pass without spending a credit; credits need the gateway cache off`);
  }
  return { remaining: input.remaining, ...(input.refill ? { refill: input.refill, window: creditsWindow(input.refill.period, now) } : {}) };
}
