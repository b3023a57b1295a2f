/**
 * What keygate needs of API Gateway's usage plans: make and delete the API
 * keys that name a user's or key's bucket ("usage keys"), link them to a
 * plan, and read their daily usage. Services depend on this, never on the
 * SDK; the adapter is ./api-gateway.ts. No AWS import here.
 */

export interface UsageDay {
  /** `YYYY-MM-DD`, UTC */
  readonly date: string;
  readonly used: number;
  /** what is left of the plan's quota that day; null without a quota */
  readonly remaining: number | null;
}

export interface UsagePlans {
  /** CreateApiKey, enabled, with the given value. */
  createKey(name: string, value: string): Promise<{ id: string }>;
  /** CreateUsagePlanKey (type API_KEY). */
  addToPlan(usagePlanId: string, keyId: string): Promise<void>;
  /** DeleteUsagePlanKey; a link that is gone already is fine. */
  removeFromPlan(usagePlanId: string, keyId: string): Promise<void>;
  /** DeleteApiKey; a key that is gone already is fine. */
  deleteKey(keyId: string): Promise<void>;
  /** GetUsage for one key, one entry per day from `startDate` to `endDate` (`YYYY-MM-DD`). */
  usage(usagePlanId: string, keyId: string, startDate: string, endDate: string): Promise<{ days: UsageDay[] }>;
}

/**
 * API Gateway refused or could not be reached. `limit`: an account limit
 * (LimitExceededException); `throttled`: too many calls
 * (TooManyRequestsException); `unavailable`: anything else (a timeout, a 5xx).
 */
export class UsagePlansError extends Error {
  constructor(
    readonly reason: 'limit' | 'throttled' | 'unavailable',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'UsagePlansError';
  }
}
