/**
 * The settings a deployment gives every keygate Lambda, through environment
 * variables that the construct writes (`configEnvironment`). They are
 * validated when a Lambda starts (`loadConfig`): a missing or invalid one
 * stops the cold start with a message that names it, instead of falling back
 * to some other app's routes.
 */
import { GRANTS, ROUTE_METHODS, catalogWith, validateRouteTable, type PermissionDef, type RouteDef } from '../core/catalog';
import { BASE_PATH_PATTERN, managementRoutes } from '../core/management-routes';
import { DEFAULT_PREFIXES, type TokenPrefixes } from '../core/token';

export interface KeygateConfig {
  readonly tableName: string;
  /** where the management API is mounted: `/v1`, `/auth-service`, or '' for the API root */
  readonly basePath: string;
  /** every route: the management API's under `basePath`, then the deployment's own */
  readonly routes: readonly RouteDef[];
  /** the whole catalog: the deployment's own permissions, then the management ones */
  readonly permissions: readonly PermissionDef[];
  readonly prefixes: TokenPrefixes;
  readonly cookieName: string;
  readonly allowedOrigins: ReadonlySet<string>;
  /** how long a verified credential is trusted without a read */
  readonly cacheTtlMs: number;
  /** how long an unknown credential id is refused without a read */
  readonly negativeCacheTtlMs: number;
  readonly cacheMaxEntries: number;
  // Usage plans (SPEC §12): all four absent when the deployment has no plans.
  /** the plans, each with its API Gateway usage plan id */
  readonly plans?: readonly PlanConfig[];
  /** the plan of callers without one of their own */
  readonly defaultPlan?: string;
  /** how many usage keys (API Gateway API keys) keygate may hold */
  readonly usageKeyLimit?: number;
  /** the authorizer's only: the default plan's shared usage key, and the credits-spent plan's */
  readonly usage?: { readonly defaultKey: string; readonly spentKey: string };
}

/** Names of the environment variables, shared with the CDK construct. */
export const ENV = {
  tableName: 'TABLE_NAME',
  basePath: 'KEYGATE_BASE_PATH',
  routes: 'KEYGATE_ROUTES',
  permissions: 'KEYGATE_PERMISSIONS',
  userKeyPrefix: 'KEYGATE_USER_KEY_PREFIX',
  botKeyPrefix: 'KEYGATE_BOT_KEY_PREFIX',
  cookieName: 'KEYGATE_COOKIE_NAME',
  allowedOrigins: 'KEYGATE_ALLOWED_ORIGINS',
  cacheTtlSeconds: 'KEYGATE_CACHE_TTL_SECONDS',
  negativeCacheTtlSeconds: 'KEYGATE_NEGATIVE_CACHE_TTL_SECONDS',
  cacheMaxEntries: 'KEYGATE_CACHE_MAX_ENTRIES',
  // Usage plans (SPEC §12): set only when the deployment has plans.
  plans: 'KEYGATE_PLANS',
  defaultPlan: 'KEYGATE_DEFAULT_PLAN',
  usageKeyLimit: 'KEYGATE_USAGE_KEY_LIMIT',
  /** the authorizer's only */
  defaultUsageKey: 'KEYGATE_DEFAULT_USAGE_KEY',
  /** the authorizer's only */
  spentUsageKey: 'KEYGATE_SPENT_USAGE_KEY',
} as const;

export const DEFAULT_COOKIE_NAME = 'keygate_session';
export const DEFAULT_CACHE_TTL_SECONDS = 5;
export const DEFAULT_NEGATIVE_CACHE_TTL_SECONDS = 2;
export const DEFAULT_CACHE_MAX_ENTRIES = 10_000;

/** A numeric setting: `fallback` when unset or empty, else a finite number of at least 0 (or above 0). */
export function numberVar(env: NodeJS.ProcessEnv, name: string, fallback: number, bound: '>= 0' | '> 0' = '>= 0'): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || (bound === '> 0' ? n <= 0 : n < 0)) throw new Error(`${name} has to be a number ${bound}, got '${raw}'`);
  return n;
}

/** `KEYGATE_ALLOWED_ORIGINS`: a comma-separated list; blanks are dropped. */
export function allowedOriginsFrom(env: NodeJS.ProcessEnv): ReadonlySet<string> {
  return new Set((env[ENV.allowedOrigins] ?? '').split(',').map((s) => s.trim()).filter(Boolean));
}

/** What a deployment chooses; the construct turns it into the environment (`configEnvironment`). */
export interface KeygateSettings {
  readonly basePath: string;
  /** the deployment's own routes (not the management API's) */
  readonly routes: readonly RouteDef[];
  /** the deployment's own permissions (not the management ones) */
  readonly permissions: readonly PermissionDef[];
  readonly userKeyPrefix: string;
  readonly botKeyPrefix: string;
  readonly cookieName: string;
  readonly allowedOrigins: readonly string[];
  readonly cacheTtlSeconds: number;
  /** usage plans (SPEC §12); none: no usage plans at all */
  readonly plans?: readonly PlanDef[];
  /** one of `plans` (the first when unset) */
  readonly defaultPlan?: string;
  readonly usageKeyLimit?: number;
}

// ---- Usage plans (SPEC §12) -------------------------------------------------

export const QUOTA_PERIODS = ['DAY', 'WEEK', 'MONTH'] as const;
export type QuotaPeriod = (typeof QUOTA_PERIODS)[number];

/** A plan: an API Gateway usage plan on keygate's stage. */
export interface PlanDef {
  /** lower case, `^[a-z][a-z0-9_-]{0,31}$`, unique */
  readonly name: string;
  readonly description?: string;
  /** steady requests per second (> 0) and burst (an integer >= 1) */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  /** requests per period (an integer >= 1); none: no quota */
  readonly quota?: { readonly limit: number; readonly period: QuotaPeriod };
}

/** A plan as the Lambdas get it: with its usage plan's id. */
export interface PlanConfig extends PlanDef {
  readonly id: string;
}

/** API Gateway's hard limit of API keys per account and region, and keygate's default share of it. */
export const MAX_USAGE_KEYS = 10_000;
export const DEFAULT_USAGE_KEY_LIMIT = 9_000;

/**
 * The usage-plan variables: the plans with their usage plan ids (CloudFormation
 * references at synth), the default plan and the usage-key limit. None when
 * the deployment has no plans.
 */
export function usagePlanEnvironment(settings: KeygateSettings, planIds: Readonly<Record<string, string>>): Record<string, string> {
  const plans = settings.plans ?? [];
  if (plans.length === 0) return {};
  const withIds: PlanConfig[] = plans.map((p) => ({
    name: p.name,
    ...(p.description !== undefined ? { description: p.description } : {}),
    throttle: { rateLimit: p.throttle.rateLimit, burstLimit: p.throttle.burstLimit },
    ...(p.quota ? { quota: { limit: p.quota.limit, period: p.quota.period } } : {}),
    id: planIds[p.name] ?? '',
  }));
  return {
    [ENV.plans]: JSON.stringify(withIds),
    [ENV.defaultPlan]: settings.defaultPlan ?? plans[0]!.name,
    [ENV.usageKeyLimit]: String(settings.usageKeyLimit ?? DEFAULT_USAGE_KEY_LIMIT),
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const positive = (v: unknown, integer: boolean) => typeof v === 'number' && Number.isFinite(v) && v > 0 && (!integer || Number.isInteger(v));

/** What `KEYGATE_PLANS` items may hold. */
const PLAN_RULES: Record<keyof PlanConfig, FieldRule> = {
  name: (v) => text({ nonEmpty: true })(v),
  description: (v) => (v === undefined ? undefined : text()(v)),
  throttle: (v) => (isObject(v) && positive(v.rateLimit, false) && positive(v.burstLimit, true) ? undefined : 'has to be {rateLimit > 0, burstLimit: an integer >= 1}'),
  quota: (v) =>
    v === undefined || (isObject(v) && positive(v.limit, true) && QUOTA_PERIODS.includes(v.period as QuotaPeriod))
      ? undefined
      : `has to be {limit: an integer >= 1, period: ${QUOTA_PERIODS.join(' | ')}}`,
  id: (v) => text({ nonEmpty: true })(v),
};

/** The usage-plan half of the config; empty when `KEYGATE_PLANS` is unset. */
function usagePlanConfig(env: NodeJS.ProcessEnv): Pick<KeygateConfig, 'plans' | 'defaultPlan' | 'usageKeyLimit' | 'usage'> {
  if (env[ENV.plans] === undefined) return {};
  const plans = jsonVar(env, ENV.plans, PLAN_RULES).map((p) =>
    Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined)),
  ) as unknown as PlanConfig[];
  const defaultPlan = env[ENV.defaultPlan] || plans[0]?.name;
  if (!plans.some((p) => p.name === defaultPlan)) throw new Error(`${ENV.defaultPlan} has to name one of ${ENV.plans}, got '${defaultPlan ?? ''}'`);
  const usageKeyLimit = numberVar(env, ENV.usageKeyLimit, DEFAULT_USAGE_KEY_LIMIT);
  const defaultKey = env[ENV.defaultUsageKey];
  const spentKey = env[ENV.spentUsageKey];
  return { plans, defaultPlan: defaultPlan!, usageKeyLimit, ...(defaultKey && spentKey ? { usage: { defaultKey, spentKey } } : {}) };
}

// ------------------------------------------------------------------------------

/** The environment variables that carry `settings` (and the table name) to a keygate Lambda. */
export function configEnvironment(tableName: string, settings: KeygateSettings): Record<string, string> {
  return {
    [ENV.tableName]: tableName,
    [ENV.basePath]: settings.basePath,
    [ENV.routes]: JSON.stringify(settings.routes.map(({ method, path, needs }) => ({ method, path, needs }))),
    [ENV.permissions]: JSON.stringify(settings.permissions.map(({ name, grant, description }) => ({ name, grant, description }))),
    [ENV.userKeyPrefix]: settings.userKeyPrefix,
    [ENV.botKeyPrefix]: settings.botKeyPrefix,
    [ENV.cookieName]: settings.cookieName,
    [ENV.allowedOrigins]: settings.allowedOrigins.join(','),
    [ENV.cacheTtlSeconds]: String(settings.cacheTtlSeconds),
  };
}

/** A rule for one field of a JSON setting's items: undefined when the value passes, else what it has to be. */
type FieldRule = (value: unknown) => string | undefined;

const oneOf =
  (values: readonly string[]): FieldRule =>
  (v) => (typeof v === 'string' && values.includes(v) ? undefined : `has to be one of ${values.join(', ')}`);
const text =
  (rule: { nonEmpty?: boolean; startsWith?: string } = {}): FieldRule =>
  (v) => {
    if (typeof v !== 'string') return 'has to be a string';
    if (rule.nonEmpty && v === '') return 'has to be a non-empty string';
    if (rule.startsWith !== undefined && !v.startsWith(rule.startsWith)) return `has to start with '${rule.startsWith}'`;
    return undefined;
  };

/** What `KEYGATE_ROUTES` items may hold. */
const ROUTE_RULES = { method: oneOf(ROUTE_METHODS), path: text({ startsWith: '/' }), needs: text({ nonEmpty: true }) };
/** What `KEYGATE_PERMISSIONS` items may hold. */
const PERMISSION_RULES = { name: text({ nonEmpty: true }), grant: oneOf(GRANTS), description: text() };

/**
 * A required JSON setting: an array of objects whose fields pass `rules`
 * (other fields are dropped). The error names the variable, the item and
 * what is wrong. Plain checks rather than zod: the authorizer loads its
 * settings on every cold start, and zod's load and first parse alone cost
 * more than the rest of its configuration (docs/performance.md).
 */
function jsonVar<K extends string>(env: NodeJS.ProcessEnv, name: string, rules: Record<K, FieldRule>): Record<K, unknown>[] {
  const raw = env[name];
  if (raw === undefined) throw new Error(`${name} is not set; the keygate construct sets it on every keygate Lambda`);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new Error(`${name} is not JSON`);
  }
  if (!Array.isArray(value)) throw new Error(`${name} is invalid: has to be a JSON array`);
  return value.map((item: unknown, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new Error(`${name} is invalid: [${i}] has to be an object`);
    const out = {} as Record<K, unknown>;
    for (const field of Object.keys(rules) as K[]) {
      const v = (item as Record<string, unknown>)[field];
      const problem = rules[field](v);
      if (problem) throw new Error(`${name} is invalid: [${i}].${field} ${problem}, got ${JSON.stringify(v) ?? 'nothing'}`);
      out[field] = v;
    }
    return out;
  });
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): KeygateConfig {
  const tableName = env[ENV.tableName];
  if (!tableName) throw new Error(`${ENV.tableName} is not set`);
  const basePath = env[ENV.basePath];
  if (basePath === undefined) throw new Error(`${ENV.basePath} is not set; the keygate construct sets it on every keygate Lambda`);
  if (!BASE_PATH_PATTERN.test(basePath)) throw new Error(`${ENV.basePath} has to be '' or like '/v1', got '${basePath}'`);
  const ownRoutes = jsonVar(env, ENV.routes, ROUTE_RULES) as unknown as RouteDef[];
  const permissions = catalogWith(jsonVar(env, ENV.permissions, PERMISSION_RULES) as unknown as PermissionDef[]);
  const routes = [...managementRoutes(basePath), ...ownRoutes];
  const problems = validateRouteTable(routes, permissions);
  if (problems.length > 0) throw new Error(`the route table is invalid: ${problems.join('; ')}`);
  return {
    tableName,
    basePath,
    routes,
    permissions,
    prefixes: {
      user: env[ENV.userKeyPrefix] || DEFAULT_PREFIXES.user,
      bot: env[ENV.botKeyPrefix] || DEFAULT_PREFIXES.bot,
      session: DEFAULT_PREFIXES.session,
    },
    cookieName: env[ENV.cookieName] || DEFAULT_COOKIE_NAME,
    allowedOrigins: allowedOriginsFrom(env),
    cacheTtlMs: numberVar(env, ENV.cacheTtlSeconds, DEFAULT_CACHE_TTL_SECONDS) * 1000,
    negativeCacheTtlMs: numberVar(env, ENV.negativeCacheTtlSeconds, DEFAULT_NEGATIVE_CACHE_TTL_SECONDS) * 1000,
    cacheMaxEntries: numberVar(env, ENV.cacheMaxEntries, DEFAULT_CACHE_MAX_ENTRIES),
    ...usagePlanConfig(env),
  };
}
