/**
 * The settings a deployment gives every keygate Lambda, through environment
 * variables that the construct writes (`configEnvironment`). They are
 * declared once, in lambda/core/settings.ts, and validated when a Lambda
 * starts (`loadConfig`): a missing or invalid one stops the cold start with
 * a message that names it, instead of falling back to some other app's routes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { catalogWith, validateRouteTable, type PermissionDef, type RouteDef } from '../core/catalog';
import { managementRoutes } from '../core/management-routes';
import { DEFAULT_SETTINGS, SETTINGS, SETTINGS_ENV, SETTINGS_FILE, TABLE_NAME_ENV, USAGE_KEY_ENV, settingsFromEnv, type KeygateSettings } from '../core/settings';
import { DEFAULT_PREFIXES, type TokenPrefixes } from '../core/token';

export { configEnvironment, type KeygateSettings } from '../core/settings';

/** The settings as a Lambda uses them; a setting the Lambdas take as it is (basePath, cookieName, a new one) is passed through. */
export interface KeygateConfig
  extends Omit<KeygateSettings, 'routes' | 'permissions' | 'userKeyPrefix' | 'botKeyPrefix' | 'allowedOrigins' | 'cacheTtlSeconds'> {
  readonly tableName: string;
  /** every route: the management API's under `basePath`, then the deployment's own */
  readonly routes: readonly RouteDef[];
  /** the whole catalog: the deployment's own permissions, then the management ones */
  readonly permissions: readonly PermissionDef[];
  readonly prefixes: TokenPrefixes;
  readonly allowedOrigins: ReadonlySet<string>;
  /** how long a verified credential is trusted without a read */
  readonly cacheTtlMs: number;
  /** how long an unknown credential id is refused without a read */
  readonly negativeCacheTtlMs: number;
  readonly cacheMaxEntries: number;
  /** the authorizer's only, with plans (SPEC §12): the default plan's shared usage key VALUE and the credits-spent plan's (not credentials) */
  readonly usage?: { readonly defaultKey: string; readonly spentKey: string };
}

/** Names of the environment variables, shared with the CDK construct: the settings' (core/settings.ts), then the Lambdas' own tuning. */
export const ENV = {
  tableName: TABLE_NAME_ENV,
  ...SETTINGS_ENV,
  negativeCacheTtlSeconds: 'KEYGATE_NEGATIVE_CACHE_TTL_SECONDS',
  cacheMaxEntries: 'KEYGATE_CACHE_MAX_ENTRIES',
  /** the authorizer's only, with plans */
  defaultUsageKey: USAGE_KEY_ENV.defaultKey,
  spentUsageKey: USAGE_KEY_ENV.spentKey,
} as const;

export const DEFAULT_COOKIE_NAME = DEFAULT_SETTINGS.cookieName;
export const DEFAULT_CACHE_TTL_SECONDS = DEFAULT_SETTINGS.cacheTtlSeconds;
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
  return new Set(SETTINGS.allowedOrigins.decode(env[ENV.allowedOrigins] ?? '', ENV.allowedOrigins) as string[]);
}

/**
 * The settings file in `dir` (a keygate Lambda's bundle: `SETTINGS_FILE`
 * next to its handler), parsed; undefined when there is none (the tests, the
 * CLI: every setting in `env`). Read once, at cold start.
 */
export function bundledSettings(dir: string = __dirname): unknown {
  const file = join(dir, SETTINGS_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new Error(`${SETTINGS_FILE} is not JSON`);
  }
}

/** The Lambda's settings: `env`, and the bundled settings file (`bundledSettings`) for the bundled settings `env` does not set. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, file: unknown = bundledSettings()): KeygateConfig {
  const tableName = env[ENV.tableName];
  if (!tableName) throw new Error(`${ENV.tableName} is not set`);
  const { routes: ownRoutes, permissions: ownPermissions, userKeyPrefix, botKeyPrefix, allowedOrigins, cacheTtlSeconds, ...taken } = settingsFromEnv(env, file);
  const permissions = catalogWith(ownPermissions);
  const routes = [...managementRoutes(taken.basePath), ...ownRoutes];
  const problems = validateRouteTable(routes, permissions);
  if (problems.length > 0) throw new Error(`the route table is invalid: ${problems.join('; ')}`);
  const defaultKey = env[ENV.defaultUsageKey];
  const spentKey = env[ENV.spentUsageKey];
  return {
    ...taken,
    tableName,
    routes,
    permissions,
    prefixes: { user: userKeyPrefix, bot: botKeyPrefix, session: DEFAULT_PREFIXES.session },
    allowedOrigins: new Set(allowedOrigins),
    cacheTtlMs: cacheTtlSeconds * 1000,
    negativeCacheTtlMs: numberVar(env, ENV.negativeCacheTtlSeconds, DEFAULT_NEGATIVE_CACHE_TTL_SECONDS) * 1000,
    cacheMaxEntries: numberVar(env, ENV.cacheMaxEntries, DEFAULT_CACHE_MAX_ENTRIES),
    // Both or neither, and only with plans.
    ...(taken.plans.length > 0 && defaultKey && spentKey ? { usage: { defaultKey, spentKey } } : {}),
  };
}
