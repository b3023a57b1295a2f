/**
 * API Gateway's usage plans, in memory: plans (throttle, quota, stages),
 * API keys (id ↔ value, enabled), plan↔key links, and per plan and key a
 * token bucket, a quota counter per UTC period and daily usage counts.
 * The control plane (control-plane.ts) changes keys and links the way the
 * SDK's calls do; the gateway asks `admit` on every request of a method that
 * requires an API key. The clock is injectable for tests.
 */
import { randomBytes } from 'node:crypto';

export type QuotaPeriod = 'DAY' | 'WEEK' | 'MONTH';

export interface PlanThrottle {
  /** steady requests per second */
  readonly rateLimit: number;
  /** bucket size */
  readonly burstLimit: number;
}

export interface PlanQuota {
  readonly limit: number;
  readonly period: QuotaPeriod;
}

export interface PlanStage {
  readonly apiId: string;
  readonly stage: string;
}

export interface UsagePlanDef {
  readonly id: string;
  readonly name?: string;
  /** absent: no throttle of the plan's own */
  readonly throttle?: PlanThrottle;
  readonly quota?: PlanQuota;
  /** absent: the plan applies to every stage (convenient in tests) */
  readonly stages?: readonly PlanStage[];
}

export interface ApiKeyDef {
  readonly id: string;
  readonly value: string;
  readonly name: string;
  readonly enabled: boolean;
  readonly createdDate: number;
}

export interface SeedKey {
  readonly id: string;
  readonly value: string;
  readonly name?: string;
  readonly enabled?: boolean;
}

export interface UsagePlanModelOptions {
  /** epoch milliseconds */
  readonly now?: () => number;
  /** API Gateway: 10,000 API keys per account and region */
  readonly keyLimit?: number;
}

/** An API Gateway error, by the name the SDK reads from `x-amzn-ErrorType`. */
export class UsagePlanError extends Error {
  constructor(
    readonly type: 'NotFoundException' | 'ConflictException' | 'LimitExceededException' | 'TooManyRequestsException' | 'BadRequestException',
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

export const STATUS_OF_ERROR: Record<UsagePlanError['type'], number> = {
  BadRequestException: 400,
  NotFoundException: 404,
  ConflictException: 409,
  LimitExceededException: 429,
  TooManyRequestsException: 429,
};

/** What the gateway does with a request: let it through, or answer with a gateway response of this type. */
export type Admission = { readonly ok: true; readonly planId: string; readonly keyId: string } | { readonly ok: false; readonly type: 'INVALID_API_KEY' | 'THROTTLED' | 'QUOTA_EXCEEDED' };

/** What API Gateway says for each refusal: `$context.error.message` and `x-amzn-ErrorType`. */
export const REFUSALS = {
  INVALID_API_KEY: { message: 'Forbidden', errorType: 'ForbiddenException' },
  THROTTLED: { message: 'Too Many Requests', errorType: 'TooManyRequestsException' },
  QUOTA_EXCEEDED: { message: 'Limit Exceeded', errorType: 'LimitExceededException' },
} as const;

interface Counter {
  tokens: number;
  refilledAt: number;
  /** the quota period's start (`YYYY-MM-DD`) and the requests counted in it */
  window: string;
  inWindow: number;
  /** `YYYY-MM-DD` → requests that reached the integration */
  readonly daily: Map<string, number>;
}

const ALPHANUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomString(length: number, alphabet: string): string {
  const bytes = randomBytes(length * 2);
  let out = '';
  for (let i = 0; out.length < length && i < bytes.length; i++) {
    // 62 does not divide 256: drop the top values so each character is equally likely.
    if (bytes[i]! < 248) out += alphabet[bytes[i]! % alphabet.length];
  }
  return out.length === length ? out : randomString(length, alphabet);
}

const day = (epoch: number) => new Date(epoch).toISOString().slice(0, 10);

/**
 * The first day of the quota period holding `epoch`, UTC. API Gateway's
 * periods start at midnight UTC; a WEEK starts on Sunday (QuotaSettings
 * `offset` 0 "means Sunday" in the API reference) and a MONTH on its 1st.
 */
export function periodStart(period: QuotaPeriod, epoch: number): string {
  const d = new Date(epoch);
  if (period === 'DAY') return day(epoch);
  if (period === 'MONTH') return day(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
  return day(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - d.getUTCDay()));
}

export class UsagePlanModel {
  private readonly plans = new Map<string, UsagePlanDef>();
  private readonly keys = new Map<string, ApiKeyDef>();
  private readonly byValue = new Map<string, string>();
  /** planId → keyIds */
  private readonly links = new Map<string, Set<string>>();
  /** `planId\nkeyId` → counters */
  private readonly counters = new Map<string, Counter>();
  readonly now: () => number;
  private readonly keyLimit: number;

  constructor(plans: readonly UsagePlanDef[], options: UsagePlanModelOptions = {}) {
    this.now = options.now ?? Date.now;
    this.keyLimit = options.keyLimit ?? 10_000;
    for (const p of plans) {
      this.plans.set(p.id, p);
      this.links.set(p.id, new Set());
    }
  }

  static fromPlans(plans: readonly UsagePlanDef[], options: UsagePlanModelOptions = {}): UsagePlanModel {
    return new UsagePlanModel(plans, options);
  }

  /** The plans and keys of a template; links name a plan id and a key id. */
  static fromTemplate(
    def: { readonly plans: readonly UsagePlanDef[]; readonly keys: readonly SeedKey[]; readonly links: readonly { readonly planId: string; readonly keyId: string }[] },
    options: UsagePlanModelOptions = {},
  ): UsagePlanModel {
    const model = new UsagePlanModel(def.plans, options);
    for (const k of def.keys) model.createKey({ id: k.id, value: k.value, name: k.name ?? k.id, enabled: k.enabled ?? true });
    for (const l of def.links) model.addKey(l.planId, l.keyId);
    return model;
  }

  planIds(): string[] {
    return [...this.plans.keys()];
  }

  /** CreateApiKey. `enabled` defaults to false, as in API Gateway. */
  createKey(input: { readonly name?: string; readonly value?: string; readonly enabled?: boolean; readonly id?: string }): ApiKeyDef {
    if (this.keys.size >= this.keyLimit) throw new UsagePlanError('LimitExceededException', `the account holds ${this.keyLimit} API keys, the limit`);
    const value = input.value ?? randomString(40, ALPHANUM);
    if (value.length < 20 || value.length > 128) throw new UsagePlanError('BadRequestException', 'API Key value should be at least 20 characters and at most 128 characters long');
    if (this.byValue.has(value)) throw new UsagePlanError('ConflictException', 'API Key already exists');
    let id = input.id ?? randomString(10, 'abcdefghijklmnopqrstuvwxyz0123456789');
    while (this.keys.has(id)) id = randomString(10, 'abcdefghijklmnopqrstuvwxyz0123456789');
    const key: ApiKeyDef = { id, value, name: input.name ?? id, enabled: input.enabled ?? false, createdDate: this.now() };
    this.keys.set(id, key);
    this.byValue.set(value, id);
    return key;
  }

  /** DeleteApiKey: also ends the key's plan links. */
  deleteKey(keyId: string): void {
    const key = this.keys.get(keyId);
    if (!key) throw new UsagePlanError('NotFoundException', 'Invalid API Key identifier specified');
    this.keys.delete(keyId);
    this.byValue.delete(key.value);
    for (const keys of this.links.values()) keys.delete(keyId);
  }

  getKey(keyId: string): ApiKeyDef | undefined {
    return this.keys.get(keyId);
  }

  /** GetApiKeys: every key, in the order made. */
  listKeys(): ApiKeyDef[] {
    return [...this.keys.values()];
  }

  /** CreateUsagePlanKey. Like API Gateway, a key may be in only one plan per API stage. */
  addKey(planId: string, keyId: string): ApiKeyDef {
    const plan = this.plan(planId);
    const key = this.keys.get(keyId);
    if (!key) throw new UsagePlanError('NotFoundException', 'Invalid API Key identifier specified');
    const keys = this.links.get(planId)!;
    if (keys.has(keyId)) throw new UsagePlanError('ConflictException', 'Usage Plan Key already exists');
    for (const [otherId, others] of this.links) {
      if (otherId === planId || !others.has(keyId)) continue;
      const shared = sharedStage(plan, this.plans.get(otherId)!);
      if (shared) {
        throw new UsagePlanError(
          'ConflictException',
          `Usage Plan ${planId} cannot be added because API Key ${keyId} cannot reference multiple Usage Plans with the same API Stage: ${shared}`,
        );
      }
    }
    keys.add(keyId);
    return key;
  }

  /** DeleteUsagePlanKey. */
  removeKey(planId: string, keyId: string): void {
    this.plan(planId);
    const keys = this.links.get(planId)!;
    if (!keys.has(keyId)) throw new UsagePlanError('NotFoundException', 'Invalid Usage Plan Key identifier specified');
    keys.delete(keyId);
  }

  /**
   * GetUsage: per key of the plan (or the one asked for), one `[used,
   * remaining]` per day from startDate to endDate. `remaining` is what was
   * left of the quota at the end of that day; without a quota API Gateway
   * has no figure, answered here as 0 (see docs/local-runner.md).
   */
  usage(planId: string, startDate: string, endDate: string, keyId?: string): Record<string, [number, number][]> {
    const plan = this.plan(planId);
    if (!isDate(startDate) || !isDate(endDate) || startDate > endDate) {
      throw new UsagePlanError('BadRequestException', 'Invalid start date or end date (YYYY-MM-DD, start not after end)');
    }
    const days: string[] = [];
    for (let t = Date.parse(`${startDate}T00:00:00Z`); day(t) <= endDate; t += 86_400_000) days.push(day(t));
    if (days.length > 90) throw new UsagePlanError('BadRequestException', 'The date range cannot exceed 90 days');
    const keyIds = keyId !== undefined ? [keyId].filter((k) => this.links.get(planId)!.has(k)) : [...this.links.get(planId)!];
    const out: Record<string, [number, number][]> = {};
    for (const k of keyIds) {
      const c = this.counters.get(`${planId}\n${k}`);
      out[k] = days.map((d) => {
        const used = c?.daily.get(d) ?? 0;
        if (!plan.quota) return [used, 0];
        // Everything counted from the period's start up to and including this day.
        const start = periodStart(plan.quota.period, Date.parse(`${d}T00:00:00Z`));
        let spent = 0;
        for (const [dd, n] of c?.daily ?? []) if (dd >= start && dd <= d) spent += n;
        return [used, Math.max(0, plan.quota.limit - spent)];
      });
    }
    return out;
  }

  /**
   * The data plane: a request of a method that requires an API key, with the
   * key value the authorizer returned (`usageIdentifierKey`). No key, an
   * unknown or disabled key, or a key in no plan of this stage →
   * INVALID_API_KEY (403 Forbidden); an empty bucket → THROTTLED; the
   * period's quota spent → QUOTA_EXCEEDED. Only admitted requests take a
   * token, count against the quota and show in the usage.
   */
  admit(value: string | undefined, stage: PlanStage): Admission {
    const keyId = value === undefined ? undefined : this.byValue.get(value);
    const key = keyId === undefined ? undefined : this.keys.get(keyId);
    if (!key || !key.enabled) return { ok: false, type: 'INVALID_API_KEY' };
    const planId = [...this.links].find(([id, keys]) => keys.has(key.id) && appliesTo(this.plans.get(id)!, stage))?.[0];
    if (planId === undefined) return { ok: false, type: 'INVALID_API_KEY' };
    const plan = this.plans.get(planId)!;
    const now = this.now();
    const c = this.counter(planId, key.id, now);
    if (plan.throttle) {
      const { rateLimit, burstLimit } = plan.throttle;
      c.tokens = Math.min(burstLimit, c.tokens + ((now - c.refilledAt) / 1000) * rateLimit);
      c.refilledAt = now;
      if (c.tokens < 1) return { ok: false, type: 'THROTTLED' };
    }
    if (plan.quota) {
      const window = periodStart(plan.quota.period, now);
      if (c.window !== window) {
        c.window = window;
        c.inWindow = 0;
      }
      if (c.inWindow >= plan.quota.limit) return { ok: false, type: 'QUOTA_EXCEEDED' };
      c.inWindow += 1;
    }
    if (plan.throttle) c.tokens -= 1;
    const today = day(now);
    c.daily.set(today, (c.daily.get(today) ?? 0) + 1);
    return { ok: true, planId, keyId: key.id };
  }

  private plan(planId: string): UsagePlanDef {
    const plan = this.plans.get(planId);
    if (!plan) throw new UsagePlanError('NotFoundException', 'Invalid Usage Plan ID specified');
    return plan;
  }

  private counter(planId: string, keyId: string, now: number): Counter {
    const id = `${planId}\n${keyId}`;
    let c = this.counters.get(id);
    if (!c) {
      c = { tokens: this.plans.get(planId)!.throttle?.burstLimit ?? 0, refilledAt: now, window: '', inWindow: 0, daily: new Map() };
      this.counters.set(id, c);
    }
    return c;
  }
}

function isDate(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && day(Date.parse(`${s}T00:00:00Z`)) === s;
}

function appliesTo(plan: UsagePlanDef, stage: PlanStage): boolean {
  return !plan.stages || plan.stages.some((s) => s.apiId === stage.apiId && s.stage === stage.stage);
}

/** `apiId:stage` of a stage both plans cover (plans without stages cover all). */
function sharedStage(a: UsagePlanDef, b: UsagePlanDef): string | undefined {
  if (!a.stages && !b.stages) return '*';
  if (!a.stages) return b.stages!.map((s) => `${s.apiId}:${s.stage}`)[0];
  const s = a.stages.find((x) => appliesTo(b, x));
  return s && `${s.apiId}:${s.stage}`;
}
