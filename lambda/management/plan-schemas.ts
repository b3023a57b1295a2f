/** What the plan, usage and credits routes read and answer (issue 19), as zod schemas; the OpenAPI document is made from them. */
import { z } from 'zod';
import { PLAN_NAME_PATTERN } from '../core/settings';

export const planName = z.string().regex(PLAN_NAME_PATTERN).meta({ description: "A plan's name, from `GET …/plans`." });

export const creditsBody = z
  .strictObject({
    remaining: z.int().min(0).max(1_000_000_000).meta({ description: 'Requests left; at 0 the key gets 429 `credits_exhausted`.' }),
    refill: z
      .strictObject({
        amount: z.int().min(1).max(1_000_000_000).meta({ description: 'What `remaining` is set to at the start of each period.' }),
        period: z.enum(['day', 'month']).meta({ description: 'UTC days or calendar months.' }),
      })
      .optional()
      .meta({ description: 'Without it the credits are never refilled.' }),
  })
  .meta({ id: 'CreditsInput', description: 'Exact credits, counted by the authorizer (needs plans).' });
export type CreditsInput = z.output<typeof creditsBody>;

export const setPlanBody = z.strictObject({ plan: planName.nullable().meta({ description: '`null` clears the plan.' }) });
export const setCreditsBody = z.strictObject({ credits: creditsBody.nullable().meta({ description: '`null` removes the credits.' }) });

export const creditsResponse = z
  .object({
    remaining: z.int(),
    refill: z.object({ amount: z.int(), period: z.enum(['day', 'month']) }).optional(),
  })
  .meta({ id: 'Credits' });

export const planResponse = z
  .object({
    name: z.string(),
    description: z.string().nullable(),
    throttle: z.object({ rateLimit: z.number().meta({ description: 'Steady requests per second.' }), burstLimit: z.int() }),
    quota: z.object({ limit: z.int(), period: z.enum(['DAY', 'WEEK', 'MONTH']) }).nullable(),
    default: z.boolean().meta({ description: 'Users and keys without a plan share this plan\'s one usage key.' }),
  })
  .meta({ id: 'Plan' });
export const planListResponse = z.object({ plans: z.array(planResponse) }).meta({ id: 'PlanList' });

export const planSetResponse = z
  .object({
    plan: z.string().nullable(),
    usageKey: z.enum(['own', 'none']).meta({ description: '`own`: the user or key has its own bucket now; `none`: no plan, or a disabled user (made again when enabled).' }),
  })
  .meta({ id: 'PlanAssignment' });
export const creditsSetResponse = z.object({ credits: creditsResponse.nullable() }).meta({ id: 'CreditsAssignment' });

export const usageQuery = z.object({
  from: z.string().optional().meta({ description: 'First day, `YYYY-MM-DD` (UTC); default 6 days before `to`.' }),
  to: z.string().optional().meta({ description: 'Last day, `YYYY-MM-DD` (UTC); default today. At most 90 days in all.' }),
});
export const adminUsageQuery = usageQuery.extend({ keyId: z.string().optional().meta({ description: "One of the user's keys: its bucket if it has its own plan." }) });

export const usageResponse = z
  .object({
    plan: z.string().nullable(),
    bucket: z.enum(['key', 'user', 'default']).meta({ description: "Whose bucket the calls count in: the key's own plan, its user's, or the default plan's shared usage key (whose counts are everyone's and are not shown)." }),
    from: z.string(),
    to: z.string(),
    days: z.array(z.object({ date: z.string(), used: z.int() })),
    remaining: z.int().nullable().meta({ description: "What is left of the plan's quota in the current period; `null` without a quota." }),
    credits: creditsResponse.optional(),
  })
  .meta({ id: 'Usage' });
