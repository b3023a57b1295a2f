/**
 * Configuration that the stack hands to every Lambda through environment
 * variables. Unset variables fall back to the reference app's defaults, so
 * tests and the local runner need only TABLE_NAME.
 */
import { DEFAULT_PERMISSIONS, REFERENCE_ROUTES, type PermissionDef, type RouteDef } from '../core/catalog';
import { DEFAULT_PREFIXES, type TokenPrefixes } from '../core/token';

export interface KeygateConfig {
  readonly tableName: string;
  readonly routes: readonly RouteDef[];
  readonly permissions: readonly PermissionDef[];
  readonly prefixes: TokenPrefixes;
  readonly cookieName: string;
  readonly allowedOrigins: ReadonlySet<string>;
  /** how long a verified credential is trusted without a read */
  readonly cacheTtlMs: number;
  /** how long an unknown credential id is refused without a read */
  readonly negativeCacheTtlMs: number;
  readonly cacheMaxEntries: number;
}

/** Names of the environment variables, shared with the CDK construct. */
export const ENV = {
  tableName: 'TABLE_NAME',
  routes: 'KEYGATE_ROUTES',
  permissions: 'KEYGATE_PERMISSIONS',
  userKeyPrefix: 'KEYGATE_USER_KEY_PREFIX',
  botKeyPrefix: 'KEYGATE_BOT_KEY_PREFIX',
  cookieName: 'KEYGATE_COOKIE_NAME',
  allowedOrigins: 'KEYGATE_ALLOWED_ORIGINS',
  cacheTtlSeconds: 'KEYGATE_CACHE_TTL_SECONDS',
  negativeCacheTtlSeconds: 'KEYGATE_NEGATIVE_CACHE_TTL_SECONDS',
  cacheMaxEntries: 'KEYGATE_CACHE_MAX_ENTRIES',
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

export function loadConfig(env: NodeJS.ProcessEnv = process.env): KeygateConfig {
  const tableName = env[ENV.tableName];
  if (!tableName) throw new Error(`${ENV.tableName} is not set`);
  return {
    tableName,
    routes: env[ENV.routes] ? (JSON.parse(env[ENV.routes]!) as RouteDef[]) : REFERENCE_ROUTES,
    permissions: env[ENV.permissions] ? (JSON.parse(env[ENV.permissions]!) as PermissionDef[]) : DEFAULT_PERMISSIONS,
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
  };
}
