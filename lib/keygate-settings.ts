/**
 * The `Keygate` construct's props turned into the settings every keygate
 * Lambda gets, and every reason they are refused, all at once. No constructs
 * here: what is checked, and how, is readable on its own.
 */
import type { Duration } from 'aws-cdk-lib';
import { catalogWith, validateRouteTable, type HttpMethod, type PermissionDef, type Requirement, type RouteDef } from '../lambda/core/catalog';
import { BASE_PATH_PATTERN, DEFAULT_BASE_PATH, managementRoutes, type ManagementRoute } from '../lambda/core/management-routes';
import { wildcardConflicts } from '../lambda/core/policy';
import { DEFAULT_PREFIXES } from '../lambda/core/token';
import { DEFAULT_CACHE_TTL_SECONDS, DEFAULT_COOKIE_NAME, ENV, configEnvironment, type KeygateSettings } from '../lambda/shared/config';

/** A route of your own API: what it needs, and the Lambda that answers it (proxy integration). */
export interface KeygateRouteDef {
  readonly method: HttpMethod;
  /** API Gateway resource path from the API root, path parameters as `{name}` */
  readonly path: string;
  /** one of your permissions, `authenticated` (any valid key or session) or `public` */
  readonly needs: Requirement;
}

/** What `resolveSettings` reads: the settings half of `KeygateProps`. */
export interface SettingsInput {
  readonly basePath?: string;
  readonly permissions?: readonly PermissionDef[];
  readonly routes?: readonly KeygateRouteDef[];
  readonly allowedOrigins?: readonly string[];
  readonly cookieName?: string;
  readonly userKeyPrefix?: string;
  readonly botKeyPrefix?: string;
  readonly credentialCacheTtl?: Duration;
  readonly gatewayCacheTtl?: Duration;
  readonly sessions?: boolean;
}

export interface ResolvedSettings {
  readonly settings: KeygateSettings;
  /** the management routes under the base path, then the deployment's own */
  readonly routes: readonly RouteDef[];
  readonly managementRoutes: readonly ManagementRoute[];
  /** 0: no API Gateway result cache */
  readonly gatewayCacheSeconds: number;
  readonly sessions: boolean;
  /** every reason the props are refused; empty when they are fine */
  readonly problems: readonly string[];
}

export const MAX_CREDENTIAL_CACHE_SECONDS = 60;
/** Lambda refuses environments larger than 4 KB in total. */
const MAX_ENVIRONMENT_BYTES = 4096;
const ORIGIN = /^https?:\/\/[^/\s,*]+$/;
const PREFIX = /^[a-z][a-z0-9]*_(?:[a-z0-9]+_)*$/;
const COOKIE_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

export function resolveSettings(props: SettingsInput): ResolvedSettings {
  const problems: string[] = [];
  const basePath = props.basePath ?? DEFAULT_BASE_PATH;
  const ownPermissions = props.permissions ?? [];
  const ownRoutes: RouteDef[] = (props.routes ?? []).map(({ method, path, needs }) => ({ method, path, needs }));
  const origins = props.allowedOrigins ?? [];
  const cacheTtlSeconds = props.credentialCacheTtl?.toSeconds() ?? DEFAULT_CACHE_TTL_SECONDS;
  const gatewayCacheSeconds = props.gatewayCacheTtl?.toSeconds() ?? 0;
  const sessions = props.sessions ?? true;
  const userKeyPrefix = props.userKeyPrefix ?? DEFAULT_PREFIXES.user;
  const botKeyPrefix = props.botKeyPrefix ?? DEFAULT_PREFIXES.bot;
  const cookieName = props.cookieName ?? DEFAULT_COOKIE_NAME;

  if (!BASE_PATH_PATTERN.test(basePath)) problems.push(`basePath '${basePath}' has to be '' or like '/v1' (segments of letters, digits and ._~-, no trailing '/', no parameters)`);
  const management = BASE_PATH_PATTERN.test(basePath) ? managementRoutes(basePath) : [];
  const routes: RouteDef[] = [...management, ...ownRoutes];

  const reserved = new Set(catalogWith([]).map((p) => p.name));
  for (const p of ownPermissions) if (reserved.has(p.name)) problems.push(`permission '${p.name}' is a management permission, which is always there: leave it out of permissions`);
  const names = ownPermissions.map((p) => p.name);
  for (const n of new Set(names.filter((n, i) => names.indexOf(n) !== i))) problems.push(`permission '${n}' is listed twice`);
  // Checked against the catalog as it will be, so each problem is reported once.
  const catalog = catalogWith(ownPermissions.filter((p, i) => !reserved.has(p.name) && names.indexOf(p.name) === i));
  problems.push(...validateRouteTable(routes, catalog), ...wildcardConflicts(routes));

  if (cacheTtlSeconds > MAX_CREDENTIAL_CACHE_SECONDS) {
    problems.push(`credentialCacheTtl is ${cacheTtlSeconds} s; at most ${MAX_CREDENTIAL_CACHE_SECONDS} s, since a revoked key works for that long`);
  }
  if (gatewayCacheSeconds > 0 && sessions) {
    problems.push(
      'gatewayCacheTtl needs sessions: false. The gateway cache needs the Authorization header as identity source, ' +
        'and API Gateway would then refuse every request that carries only a session cookie without calling the authorizer',
    );
  }
  for (const o of origins) if (!ORIGIN.test(o)) problems.push(`allowedOrigins: '${o}' is not an origin like https://app.example.com (no path, no wildcard)`);
  for (const [kind, p] of [['user', userKeyPrefix], ['bot', botKeyPrefix]] as const) {
    if (!PREFIX.test(p)) problems.push(`${kind}KeyPrefix '${p}' has to be lower_snake_case ending in '_'`);
  }
  if (userKeyPrefix === botKeyPrefix || [userKeyPrefix, botKeyPrefix].includes(DEFAULT_PREFIXES.session)) {
    problems.push(`key prefixes have to differ from each other and from '${DEFAULT_PREFIXES.session}'`);
  }
  if (!COOKIE_NAME.test(cookieName)) problems.push(`cookieName '${cookieName}' is not a valid cookie name`);

  const settings: KeygateSettings = {
    basePath,
    routes: ownRoutes,
    permissions: ownPermissions,
    userKeyPrefix,
    botKeyPrefix,
    cookieName,
    allowedOrigins: [...origins],
    cacheTtlSeconds,
  };
  // The table name is a token at synth time, and short: measure the rest.
  const envBytes = Object.entries(configEnvironment('', settings)).reduce((n, [k, v]) => n + k.length + v.length, 0);
  if (envBytes > MAX_ENVIRONMENT_BYTES - 512) {
    problems.push(`the routes and permissions take ${envBytes} bytes of the 4 KB Lambda environment (${ENV.routes}, ${ENV.permissions}); shorten them`);
  }
  return { settings, routes, managementRoutes: management, gatewayCacheSeconds, sessions, problems };
}
