/**
 * The deployment's settings, declared once: each field with its environment
 * variable, its default, its rule, and whether the settings item (the table's
 * SETTINGS/DEPLOYMENT, for the CLI) stores it. Everything else is derived
 * from `SETTINGS`: the construct's defaults and checks (lib/keygate-settings.ts),
 * the Lambdas' environment (`configEnvironment`) and its reading at cold
 * start (`settingsFromEnv`, under `loadConfig`), the settings item
 * (core/settings-item.ts), the CLI and the local runner.
 *
 * Plain checks, no zod: the authorizer reads its settings on every cold
 * start, and zod's load and first parse alone cost more than the rest of
 * its configuration (docs/performance.md). Pure: no AWS import, so the
 * construct reads it as well.
 *
 * A new setting: a field in `KeygateSettings`, its entry in `SETTINGS`, and
 * its name in `STORED_SETTINGS` when the CLI needs it (docs/design.md, where things live).
 * A rule between settings goes in `crossSettingsProblems`.
 */
import { GRANTS, ROUTE_METHODS, type PermissionDef, type RouteDef } from './catalog';
import { BASE_PATH_PATTERN, DEFAULT_BASE_PATH } from './management-routes';
import { DEFAULT_PREFIXES } from './token';

/** What a deployment chooses; every keygate Lambda gets it as environment variables (`configEnvironment`). */
export interface KeygateSettings {
  /** where the management API is mounted: `/v1`, `/auth-service`, or '' for the API root */
  readonly basePath: string;
  /** the deployment's own routes (not the management API's) */
  readonly routes: readonly RouteDef[];
  /** the deployment's own permissions (not the management ones) */
  readonly permissions: readonly PermissionDef[];
  readonly userKeyPrefix: string;
  readonly botKeyPrefix: string;
  readonly cookieName: string;
  readonly allowedOrigins: readonly string[];
  /** how long the authorizer trusts a verified credential without a read */
  readonly cacheTtlSeconds: number;
  /** whether the API serves the console (SPEC §13) under `{basePath}/console/` */
  readonly console: boolean;
  /** usage plans (SPEC §12), each with its API Gateway usage plan id; none: no usage plans at all */
  readonly plans: readonly PlanConfig[];
  /** the plan of callers without one of their own: one of `plans` ('' without plans) */
  readonly defaultPlan: string;
  /** how many usage keys (API Gateway API keys) keygate may hold */
  readonly usageKeyLimit: number;
  /**
   * API Gateway's cache of authorizer results (seconds; 0: none). With it, a
   * policy also answers requests the authorizer never saw, so the authorizer
   * lists every route and compresses nothing (core/policy.ts, `compressedPatterns`).
   */
  readonly gatewayCacheSeconds: number;
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

/** A plan as the Lambdas and the settings item have it: with its usage plan's id. */
export interface PlanConfig extends PlanDef {
  readonly id: string;
}

/** A deployment's plans, when it has some: what the management API and the CLI work with. */
export interface PlansConfig {
  readonly plans: readonly PlanConfig[];
  /** names one of `plans` */
  readonly defaultPlan: string;
  readonly usageKeyLimit: number;
}

export const PLAN_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;
/** API Gateway allows 300 usage plans per account and region; keygate adds one (credits spent) and leaves room for other APIs. */
export const MAX_PLANS = 250;
/** The name of keygate's own plan (`<restApiName>-keygate-credits-spent`): not a plan name of yours. */
export const SPENT_PLAN_NAME = 'keygate-credits-spent';
/** API Gateway's hard limit of API keys per account and region, and keygate's default share of it. */
export const MAX_USAGE_KEYS = 10_000;
export const DEFAULT_USAGE_KEY_LIMIT = 9_000;
/**
 * The authorizer's two usage key VALUES, with plans: the default plan's
 * shared key and the credits-spent plan's. Derived by the construct, not
 * chosen, so not settings; `loadConfig` reads them (`KeygateConfig.usage`).
 */
export const USAGE_KEY_ENV = { defaultKey: 'KEYGATE_DEFAULT_USAGE_KEY', spentKey: 'KEYGATE_SPENT_USAGE_KEY' } as const;

/** The plan settings of a deployment with plans; undefined without. */
export function plansOf(s: Pick<KeygateSettings, 'plans' | 'defaultPlan' | 'usageKeyLimit'>): PlansConfig | undefined {
  return s.plans.length > 0 ? { plans: s.plans, defaultPlan: s.defaultPlan, usageKeyLimit: s.usageKeyLimit } : undefined;
}

/** The settings the table's settings item stores: what a tool that knows only the table (the CLI) needs. */
export const STORED_SETTINGS = ['basePath', 'permissions', 'userKeyPrefix', 'botKeyPrefix', 'cookieName', 'plans', 'defaultPlan', 'usageKeyLimit'] as const;
/** The plan settings may be left out: they are the item's only when the deployment has plans. */
export type DeploymentSettings = Pick<KeygateSettings, Exclude<(typeof STORED_SETTINGS)[number], PlanSetting>> & Partial<Pick<KeygateSettings, PlanSetting>>;
type PlanSetting = 'plans' | 'defaultPlan' | 'usageKeyLimit';

/** One setting: how it travels in the environment, its default, and its rule. */
export interface Setting<T> {
  /** the environment variable that carries it to every keygate Lambda */
  readonly env: string;
  readonly default: T;
  /** unset in the environment is an error (the construct always sets it), rather than the default; '' is then a value */
  readonly required?: boolean;
  /** the environment's text → the value to check (its format: text, a comma list, a number, JSON) */
  readonly decode: (raw: string, env: string) => unknown;
  readonly encode: (value: T) => string;
  /** every reason `value` is refused, each a message that starts with `name` (and ends with `raw`, the environment's text, if given) */
  readonly problems: (value: unknown, name: string, raw?: string) => string[];
  /** the value with only its declared parts (JSON items keep only their rule's fields, in that order) */
  readonly clean?: (value: T) => T;
  /**
   * Travels in the settings file bundled with every keygate Lambda
   * (`SETTINGS_FILE`, next to its handler, read once at cold start) rather
   * than in its environment, whose 4 KB (3.5 KB by the construct) held 37
   * generated routes: the route table and the permission catalog, which
   * only grow with the app (docs/design.md, Large route tables). Read under
   * the same name and rule.
   */
  readonly bundled?: true;
  /**
   * When this holds for the settings, the setting is neither set in the
   * environment nor stored in the settings item, and unset (or absent) is its
   * default: the plan settings without plans, so a deployment without them
   * has the environment and item it always had, and an item written before
   * they existed still reads.
   */
  readonly unsetWhen?: (settings: KeygateSettings) => boolean;
}

/** A scalar rule: undefined when the value passes, else what it has to be (`has to be …`, `is not …`). */
type Rule = (value: unknown) => string | undefined;

const pattern =
  (re: RegExp, what: string): Rule =>
  (v) => (typeof v === 'string' && re.test(v) ? undefined : what);

/** `name 'value' problem` (the construct's props, the settings item), or `name problem, got 'raw'` (the environment). */
const scalar =
  (rule: Rule): Setting<unknown>['problems'] =>
  (v, name, raw) => {
    const problem = rule(v);
    if (!problem) return [];
    return [raw === undefined ? `${name} '${String(v)}' ${problem}` : `${name} ${problem}, got '${raw}'`];
  };

/** Each item of a list: `name: 'item' problem`, every bad item. */
const eachItem =
  (rule: Rule): Setting<unknown>['problems'] =>
  (v, name) =>
    Array.isArray(v) ? v.flatMap((item) => (rule(item) ? [`${name}: '${String(item)}' ${rule(item)}`] : [])) : [`${name} has to be a list`];

const oneOf =
  (values: readonly string[]): Rule =>
  (v) => (typeof v === 'string' && values.includes(v) ? undefined : `has to be one of ${values.join(', ')}`);
const text =
  (rule: { nonEmpty?: boolean; startsWith?: string } = {}): Rule =>
  (v) => {
    if (typeof v !== 'string') return 'has to be a string';
    if (rule.nonEmpty && v === '') return 'has to be a non-empty string';
    if (rule.startsWith !== undefined && !v.startsWith(rule.startsWith)) return `has to start with '${rule.startsWith}'`;
    return undefined;
  };

/**
 * A JSON setting: an array of objects whose fields pass `rules`. The
 * message names the setting, the item and what is wrong; `clean` keeps only
 * the rules' fields, in their order.
 */
function jsonList<T extends object>(env: string, rules: Record<string, Rule>): Setting<readonly T[]> {
  const fields = Object.keys(rules);
  const clean = (items: readonly T[]) => items.map((item) => Object.fromEntries(fields.map((f) => [f, (item as Record<string, unknown>)[f]])) as T);
  return {
    env,
    default: [],
    required: true,
    decode: (raw, name) => {
      try {
        return JSON.parse(raw);
      } catch {
        throw new Error(`${name} is not JSON`);
      }
    },
    encode: (items) => JSON.stringify(clean(items)),
    clean,
    problems: (value, name) => {
      if (!Array.isArray(value)) return [`${name} is invalid: has to be a JSON array`];
      return value.flatMap((item: unknown, i) => {
        if (typeof item !== 'object' || item === null || Array.isArray(item)) return [`${name} is invalid: [${i}] has to be an object`];
        return fields.flatMap((field) => {
          const v = (item as Record<string, unknown>)[field];
          const problem = rules[field]!(v);
          return problem ? [`${name} is invalid: [${i}].${field} ${problem}, got ${JSON.stringify(v) ?? 'nothing'}`] : [];
        });
      });
    },
  };
}

function textSetting(env: string, fallback: string, rule: Rule, required = false): Setting<string> {
  return { env, default: fallback, required, decode: (raw) => raw, encode: (v) => v, problems: scalar(rule) };
}

export const ORIGIN_PATTERN = /^https?:\/\/[^/\s,*]+$/;
export const KEY_PREFIX_PATTERN = /^[a-z][a-z0-9]*_(?:[a-z0-9]+_)*$/;
export const COOKIE_NAME_PATTERN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const keyPrefix = pattern(KEY_PREFIX_PATTERN, "has to be lower_snake_case ending in '_'");

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const integerFrom = (v: unknown, min: number) => Number.isInteger(v) && (v as number) >= min;

/** Every reason one plan is refused (`plan 'name': …`). */
function planProblems(p: unknown, i: number): string[] {
  if (!isObject(p)) return [`[${i}] has to be an object`];
  const label = `plan '${String(p.name)}'`;
  const problems: string[] = [];
  if (typeof p.name !== 'string' || !PLAN_NAME_PATTERN.test(p.name)) problems.push(`${label}: a name is lower case letters, digits, '_' and '-', starting with a letter, at most 32 characters`);
  if (p.name === SPENT_PLAN_NAME) problems.push(`${label}: '${SPENT_PLAN_NAME}' is keygate's own plan for keys whose credits are spent; choose another name`);
  if (p.description !== undefined && typeof p.description !== 'string') problems.push(`${label}: description has to be a string`);
  const throttle = isObject(p.throttle) ? p.throttle : {};
  if (!isNumber(throttle.rateLimit) || throttle.rateLimit <= 0) problems.push(`${label}: throttle.rateLimit has to be a number of requests per second above 0, got ${String(throttle.rateLimit)}`);
  if (!integerFrom(throttle.burstLimit, 1)) problems.push(`${label}: throttle.burstLimit has to be an integer of at least 1, got ${String(throttle.burstLimit)}`);
  if (p.quota !== undefined) {
    const quota = isObject(p.quota) ? p.quota : {};
    if (!integerFrom(quota.limit, 1)) problems.push(`${label}: quota.limit has to be an integer of at least 1, got ${String(quota.limit)}`);
    if (!QUOTA_PERIODS.includes(quota.period as QuotaPeriod)) problems.push(`${label}: quota.period has to be one of ${QUOTA_PERIODS.join(', ')}, got '${String(quota.period)}'`);
  }
  if (typeof p.id !== 'string' || p.id === '') problems.push(`${label}: id (its usage plan's) has to be a non-empty string`);
  return problems;
}

/** A plan with only its declared parts, in a fixed order. */
function cleanPlan(p: PlanConfig): PlanConfig {
  return {
    name: p.name,
    ...(p.description !== undefined ? { description: p.description } : {}),
    throttle: { rateLimit: p.throttle.rateLimit, burstLimit: p.throttle.burstLimit },
    ...(p.quota ? { quota: { limit: p.quota.limit, period: p.quota.period } } : {}),
    id: p.id,
  };
}

const withoutPlans = (s: KeygateSettings) => s.plans.length === 0;

/** The declaration: every setting of `KeygateSettings`. */
export const SETTINGS: { readonly [K in keyof KeygateSettings]: Setting<KeygateSettings[K]> } = {
  basePath: textSetting(
    'KEYGATE_BASE_PATH',
    DEFAULT_BASE_PATH,
    pattern(BASE_PATH_PATTERN, "has to be '' or like '/v1' (segments of letters, digits and ._~-, no trailing '/', no parameters)"),
    true,
  ),
  routes: { ...jsonList<RouteDef>('KEYGATE_ROUTES', { method: oneOf(ROUTE_METHODS), path: text({ startsWith: '/' }), needs: text({ nonEmpty: true }) }), bundled: true },
  permissions: { ...jsonList<PermissionDef>('KEYGATE_PERMISSIONS', { name: text({ nonEmpty: true }), grant: oneOf(GRANTS), description: text() }), bundled: true },
  allowedOrigins: {
    env: 'KEYGATE_ALLOWED_ORIGINS',
    default: [],
    // A comma-separated list; blanks are dropped.
    decode: (raw) => raw.split(',').map((s) => s.trim()).filter(Boolean),
    encode: (origins) => origins.join(','),
    problems: eachItem(pattern(ORIGIN_PATTERN, 'is not an origin like https://app.example.com (no path, no wildcard)')),
  },
  userKeyPrefix: textSetting('KEYGATE_USER_KEY_PREFIX', DEFAULT_PREFIXES.user, keyPrefix),
  botKeyPrefix: textSetting('KEYGATE_BOT_KEY_PREFIX', DEFAULT_PREFIXES.bot, keyPrefix),
  cookieName: textSetting('KEYGATE_COOKIE_NAME', 'keygate_session', pattern(COOKIE_NAME_PATTERN, 'is not a valid cookie name')),
  cacheTtlSeconds: {
    env: 'KEYGATE_CACHE_TTL_SECONDS',
    default: 5,
    decode: Number,
    encode: String,
    problems: scalar((v) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? undefined : 'has to be a number >= 0')),
  },
  console: {
    env: 'KEYGATE_CONSOLE',
    default: true,
    // Anything but 'true' or 'false' stays text, so the rule names it.
    decode: (raw) => (raw === 'true' ? true : raw === 'false' ? false : raw),
    encode: String,
    problems: scalar((v) => (typeof v === 'boolean' ? undefined : 'has to be true or false')),
  },
  plans: {
    env: 'KEYGATE_PLANS',
    default: [],
    unsetWhen: withoutPlans,
    decode: (raw, name) => {
      try {
        return JSON.parse(raw);
      } catch {
        throw new Error(`${name} is not JSON`);
      }
    },
    encode: (plans) => JSON.stringify(plans.map(cleanPlan)),
    clean: (plans) => plans.map(cleanPlan),
    problems: (value, name) => {
      if (!Array.isArray(value)) return [`${name} has to be a list of plans`];
      const names = value.map((p: unknown) => (isObject(p) ? p.name : undefined));
      return [
        ...(value.length > MAX_PLANS ? [`${name} lists ${value.length} plans; at most ${MAX_PLANS} (API Gateway allows 300 usage plans per account and region)`] : []),
        ...[...new Set(names.filter((n, i) => names.indexOf(n) !== i))].map((n) => `${name}: plan '${String(n)}' is listed twice`),
        ...value.flatMap((p: unknown, i) => planProblems(p, i).map((problem) => `${name}: ${problem}`)),
      ];
    },
  },
  defaultPlan: {
    ...textSetting('KEYGATE_DEFAULT_PLAN', '', (v) => (v === '' || (typeof v === 'string' && PLAN_NAME_PATTERN.test(v)) ? undefined : 'is not a plan name')),
    unsetWhen: withoutPlans,
  },
  usageKeyLimit: {
    env: 'KEYGATE_USAGE_KEY_LIMIT',
    default: DEFAULT_USAGE_KEY_LIMIT,
    unsetWhen: withoutPlans,
    decode: Number,
    encode: String,
    problems: scalar((v) =>
      integerFrom(v, 1) && (v as number) <= MAX_USAGE_KEYS ? undefined : `has to be an integer from 1 to ${MAX_USAGE_KEYS} (API Gateway's limit of API keys per account and region)`,
    ),
  },
  gatewayCacheSeconds: {
    env: 'KEYGATE_GATEWAY_CACHE_SECONDS',
    default: 0,
    // Set only with a gateway cache: the environment of every other deployment stays as it was.
    unsetWhen: (s) => s.gatewayCacheSeconds === 0,
    decode: Number,
    encode: String,
    problems: scalar((v) => (integerFrom(v, 0) && (v as number) <= 3600 ? undefined : 'has to be an integer from 0 to 3600 (seconds)')),
  },
};

/**
 * The rules between settings, for every reader (the construct, a Lambda at
 * cold start, the settings item): with plans, `defaultPlan` names one of
 * them; without, there is none.
 */
export function crossSettingsProblems(s: Partial<Pick<KeygateSettings, 'plans' | 'defaultPlan'>>, names: { plans: string; defaultPlan: string } = { plans: 'plans', defaultPlan: 'defaultPlan' }): string[] {
  const plans = Array.isArray(s.plans) ? s.plans : [];
  const defaultPlan = s.defaultPlan ?? '';
  if (plans.length === 0) return defaultPlan === '' ? [] : [`${names.defaultPlan} '${defaultPlan}' needs ${names.plans}`];
  const planNames = plans.map((p) => p.name);
  return planNames.includes(defaultPlan) ? [] : [`${names.defaultPlan} '${defaultPlan}' is not one of ${names.plans} (${planNames.join(', ')})`];
}

/** Every setting's name, in the declaration's order. */
export const SETTING_NAMES = Object.keys(SETTINGS) as (keyof KeygateSettings)[];

/** Each setting's default. */
export const DEFAULT_SETTINGS = Object.fromEntries(SETTING_NAMES.map((k) => [k, SETTINGS[k].default])) as unknown as KeygateSettings;

/** The environment variable of each setting. */
export const SETTINGS_ENV = Object.fromEntries(SETTING_NAMES.map((k) => [k, SETTINGS[k].env])) as { readonly [K in keyof KeygateSettings]: string };

export const TABLE_NAME_ENV = 'TABLE_NAME';

/**
 * `settings` (and the table name) as variables, every setting under its
 * variable's name: what the CLI, the tests and the benchmark hand
 * `loadConfig`. A deployed Lambda gets them split (`lambdaSettings`).
 */
export function configEnvironment(tableName: string, settings: KeygateSettings): Record<string, string> {
  const env: Record<string, string> = { [TABLE_NAME_ENV]: tableName };
  for (const k of SETTING_NAMES) {
    const s = SETTINGS[k] as Setting<unknown>;
    if (!s.unsetWhen?.(settings)) env[s.env] = s.encode(settings[k]);
  }
  return env;
}

/** The settings file bundled with every keygate Lambda, next to its handler (`Setting.bundled`). */
export const SETTINGS_FILE = 'keygate-settings.json';

/**
 * What the construct gives every keygate Lambda: the environment (the table
 * name and every setting but the bundled ones) and the settings file's text,
 * `{ "KEYGATE_ROUTES": [...], "KEYGATE_PERMISSIONS": [...] }`: each bundled
 * setting under its variable's name, as JSON rather than JSON text.
 */
export function lambdaSettings(tableName: string, settings: KeygateSettings): { environment: Record<string, string>; file: string } {
  const environment = configEnvironment(tableName, settings);
  const file: Record<string, unknown> = {};
  for (const k of SETTING_NAMES) {
    const s = SETTINGS[k] as Setting<unknown>;
    if (!s.bundled || !(s.env in environment)) continue;
    delete environment[s.env];
    file[s.env] = s.clean ? s.clean(settings[k]) : settings[k];
  }
  return { environment, file: JSON.stringify(file) };
}

/** Every reason `settings` are refused, each named as its field (the construct's props, the settings item). */
export function settingsProblems(settings: Partial<Record<keyof KeygateSettings, unknown>>, names: readonly (keyof KeygateSettings)[] = SETTING_NAMES): string[] {
  return names.flatMap((k) => SETTINGS[k].problems(settings[k], k));
}

/** Only the declared parts of `value` for setting `k`. */
export function cleanSetting<K extends keyof KeygateSettings>(k: K, value: KeygateSettings[K]): KeygateSettings[K] {
  const clean = SETTINGS[k].clean as ((v: KeygateSettings[K]) => KeygateSettings[K]) | undefined;
  return clean ? clean(value) : value;
}

/**
 * The settings in an environment, as a keygate Lambda reads them when it
 * starts: unset (or '' where that is not a value) is the default; a missing
 * required one or an invalid one throws with a message that names its variable.
 * With `file` (the bundled settings file's JSON), a bundled setting the
 * environment does not set is read from it, under the same name and rule
 * (the construct sets them in the file only; a test or a tool may still set one as a variable).
 */
export function settingsFromEnv(env: Readonly<Record<string, string | undefined>>, file?: unknown): KeygateSettings {
  if (file !== undefined && (typeof file !== 'object' || file === null || Array.isArray(file))) throw new Error(`${SETTINGS_FILE} has to be a JSON object`);
  const out: Record<string, unknown> = {};
  for (const k of SETTING_NAMES) {
    const s = SETTINGS[k] as Setting<unknown>;
    if (s.bundled && file !== undefined && env[s.env] === undefined) {
      const value = (file as Record<string, unknown>)[s.env];
      if (value === undefined) throw new Error(`${SETTINGS_FILE} has no ${s.env}; the keygate construct writes it into every keygate Lambda`);
      const [problem] = s.problems(value, `${SETTINGS_FILE}: ${s.env}`);
      if (problem) throw new Error(problem);
      out[k] = s.clean ? s.clean(value) : value;
      continue;
    }
    const raw = env[s.env];
    if (raw === undefined && s.required) {
      throw new Error(
        s.bundled
          ? `${s.env} is not set, and there is no ${SETTINGS_FILE} beside the handler; the keygate construct writes that file into every keygate Lambda`
          : `${s.env} is not set; the keygate construct sets it on every keygate Lambda`,
      );
    }
    if (raw === undefined || (raw === '' && !s.required)) {
      out[k] = s.default;
      continue;
    }
    const value = s.decode(raw, s.env);
    const [problem] = s.problems(value, s.env, raw);
    if (problem) throw new Error(problem);
    out[k] = s.clean ? s.clean(value) : value;
  }
  const settings = out as unknown as KeygateSettings;
  const [problem] = crossSettingsProblems(settings, { plans: SETTINGS_ENV.plans, defaultPlan: SETTINGS_ENV.defaultPlan });
  if (problem) throw new Error(problem);
  return settings;
}
