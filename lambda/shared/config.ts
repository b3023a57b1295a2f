/**
 * The settings a deployment gives every keygate Lambda, through environment
 * variables that the construct writes (`configEnvironment`). They are
 * validated when a Lambda starts (`loadConfig`): a missing or invalid one
 * stops the cold start with a message that names it, instead of falling back
 * to some other app's routes.
 */
import * as z from 'zod/mini';
import { catalogWith, validateRouteTable, type PermissionDef, type RouteDef } from '../core/catalog';
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
}

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

const routeSchema = z.object({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'ANY']),
  path: z.string().check(z.regex(/^\//, "has to start with '/'")),
  needs: z.string().check(z.minLength(1)),
});
const permissionSchema = z.object({
  name: z.string().check(z.minLength(1)),
  grant: z.enum(['key', 'session', 'admin']),
  description: z.string(),
});

/** A required JSON setting, checked against `schema`; the error names the variable and what is wrong. */
function jsonVar<T>(env: NodeJS.ProcessEnv, name: string, schema: z.ZodMiniType<T>): T {
  const raw = env[name];
  if (raw === undefined) throw new Error(`${name} is not set; the keygate construct sets it on every keygate Lambda`);
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new Error(`${name} is not JSON`);
  }
  const parsed = z.safeParse(schema, value);
  if (!parsed.success) throw new Error(`${name} is invalid: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`);
  return parsed.data;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): KeygateConfig {
  const tableName = env[ENV.tableName];
  if (!tableName) throw new Error(`${ENV.tableName} is not set`);
  const basePath = env[ENV.basePath];
  if (basePath === undefined) throw new Error(`${ENV.basePath} is not set; the keygate construct sets it on every keygate Lambda`);
  if (!BASE_PATH_PATTERN.test(basePath)) throw new Error(`${ENV.basePath} has to be '' or like '/v1', got '${basePath}'`);
  const ownRoutes = jsonVar(env, ENV.routes, z.array(routeSchema)) as RouteDef[];
  const permissions = catalogWith(jsonVar(env, ENV.permissions, z.array(permissionSchema)));
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
  };
}
