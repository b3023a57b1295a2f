/**
 * The deployment's usage plans, as the construct hands them to every Lambda
 * (issue 19): `KEYGATE_PLANS` (JSON, each plan with its usage-plan `id`),
 * `KEYGATE_DEFAULT_PLAN`, `KEYGATE_USAGE_KEY_LIMIT`. Kept apart from
 * config.ts for now, to be folded into the one settings declaration. No
 * `KEYGATE_PLANS`: no plans (undefined), behaviour as before plans existed.
 */
import { z } from 'zod';

export const PLAN_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;
export const DEFAULT_USAGE_KEY_LIMIT = 9000;
/** API Gateway's hard limit: 10,000 API keys per account and region. */
export const MAX_USAGE_KEY_LIMIT = 10000;

const planDef = z.object({
  name: z.string().regex(PLAN_NAME_PATTERN),
  description: z.string().optional(),
  throttle: z.object({ rateLimit: z.number().positive(), burstLimit: z.int().min(1) }),
  quota: z.object({ limit: z.int().min(1), period: z.enum(['DAY', 'WEEK', 'MONTH']) }).nullish(),
  id: z.string().min(1),
});
/** The deployment settings item stores them without being required to carry them. */
export const plansSchema = z.array(planDef).max(250);

export type PlanConfig = z.output<typeof planDef>;

export interface PlansConfig {
  readonly plans: readonly PlanConfig[];
  /** names one of `plans` */
  readonly defaultPlan: string;
  /** how many usage keys (API Gateway API keys) keygate may hold */
  readonly usageKeyLimit: number;
}

export const PLANS_ENV = { plans: 'KEYGATE_PLANS', defaultPlan: 'KEYGATE_DEFAULT_PLAN', usageKeyLimit: 'KEYGATE_USAGE_KEY_LIMIT' } as const;

/** Checks the plans; throws with a message naming the variable. */
export function plansConfig(plans: unknown, defaultPlan: string | undefined, usageKeyLimit: string | number | undefined, source: string = PLANS_ENV.plans): PlansConfig | undefined {
  if (plans === undefined || plans === null) return undefined;
  const parsed = plansSchema.safeParse(plans);
  if (!parsed.success) throw new Error(`${source} is invalid: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`);
  if (parsed.data.length === 0) return undefined;
  const names = parsed.data.map((p) => p.name);
  if (new Set(names).size !== names.length) throw new Error(`${source}: plan names have to be unique`);
  const chosen = defaultPlan || names[0]!;
  if (!names.includes(chosen)) throw new Error(`${PLANS_ENV.defaultPlan} '${chosen}' is not one of the plans (${names.join(', ')})`);
  const limit = usageKeyLimit === undefined || usageKeyLimit === '' ? DEFAULT_USAGE_KEY_LIMIT : Number(usageKeyLimit);
  if (!Number.isInteger(limit) || limit < 0 || limit > MAX_USAGE_KEY_LIMIT) {
    throw new Error(`${PLANS_ENV.usageKeyLimit} has to be a whole number from 0 to ${MAX_USAGE_KEY_LIMIT}, not '${String(usageKeyLimit)}'`);
  }
  return { plans: parsed.data, defaultPlan: chosen, usageKeyLimit: limit };
}

export function loadPlans(env: NodeJS.ProcessEnv = process.env): PlansConfig | undefined {
  const raw = env[PLANS_ENV.plans];
  if (raw === undefined || raw === '') return undefined;
  let plans: unknown;
  try {
    plans = JSON.parse(raw);
  } catch {
    throw new Error(`${PLANS_ENV.plans} is not JSON`);
  }
  return plansConfig(plans, env[PLANS_ENV.defaultPlan], env[PLANS_ENV.usageKeyLimit]);
}
