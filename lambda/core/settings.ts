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
}

/** The settings the table's settings item stores: what a tool that knows only the table (the CLI) needs. */
export const STORED_SETTINGS = ['basePath', 'permissions', 'userKeyPrefix', 'botKeyPrefix', 'cookieName'] as const;
export type DeploymentSettings = Pick<KeygateSettings, (typeof STORED_SETTINGS)[number]>;

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

/** The declaration: every setting of `KeygateSettings`. */
export const SETTINGS: { readonly [K in keyof KeygateSettings]: Setting<KeygateSettings[K]> } = {
  basePath: textSetting(
    'KEYGATE_BASE_PATH',
    DEFAULT_BASE_PATH,
    pattern(BASE_PATH_PATTERN, "has to be '' or like '/v1' (segments of letters, digits and ._~-, no trailing '/', no parameters)"),
    true,
  ),
  routes: jsonList<RouteDef>('KEYGATE_ROUTES', { method: oneOf(ROUTE_METHODS), path: text({ startsWith: '/' }), needs: text({ nonEmpty: true }) }),
  permissions: jsonList<PermissionDef>('KEYGATE_PERMISSIONS', { name: text({ nonEmpty: true }), grant: oneOf(GRANTS), description: text() }),
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
};

/** Every setting's name, in the declaration's order. */
export const SETTING_NAMES = Object.keys(SETTINGS) as (keyof KeygateSettings)[];

/** Each setting's default. */
export const DEFAULT_SETTINGS = Object.fromEntries(SETTING_NAMES.map((k) => [k, SETTINGS[k].default])) as unknown as KeygateSettings;

/** The environment variable of each setting. */
export const SETTINGS_ENV = Object.fromEntries(SETTING_NAMES.map((k) => [k, SETTINGS[k].env])) as { readonly [K in keyof KeygateSettings]: string };

export const TABLE_NAME_ENV = 'TABLE_NAME';

/** The environment variables that carry `settings` (and the table name) to a keygate Lambda. */
export function configEnvironment(tableName: string, settings: KeygateSettings): Record<string, string> {
  const env: Record<string, string> = { [TABLE_NAME_ENV]: tableName };
  for (const k of SETTING_NAMES) env[SETTINGS[k].env] = (SETTINGS[k] as Setting<unknown>).encode(settings[k]);
  return env;
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
 */
export function settingsFromEnv(env: Readonly<Record<string, string | undefined>>): KeygateSettings {
  const out: Record<string, unknown> = {};
  for (const k of SETTING_NAMES) {
    const s = SETTINGS[k] as Setting<unknown>;
    const raw = env[s.env];
    if (raw === undefined && s.required) throw new Error(`${s.env} is not set; the keygate construct sets it on every keygate Lambda`);
    if (raw === undefined || (raw === '' && !s.required)) {
      out[k] = s.default;
      continue;
    }
    const value = s.decode(raw, s.env);
    const [problem] = s.problems(value, s.env, raw);
    if (problem) throw new Error(problem);
    out[k] = s.clean ? s.clean(value) : value;
  }
  return out as unknown as KeygateSettings;
}
