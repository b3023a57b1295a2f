/**
 * The `Keygate` construct's props turned into the settings every keygate
 * Lambda gets, and every reason they are refused, all at once. No constructs
 * here: what is checked, and how, is readable on its own.
 */
import type { Duration } from 'aws-cdk-lib';
import { catalogWith, validateRouteTable, type HttpMethod, type PermissionDef, type Requirement, type RouteDef } from '../lambda/core/catalog';
import { BASE_PATH_PATTERN, consoleRoutes, managementRoutes, type ManagementRoute } from '../lambda/core/management-routes';
import { wildcardConflicts } from '../lambda/core/policy';
import {
  DEFAULT_SETTINGS,
  SETTING_NAMES,
  USAGE_KEY_ENV,
  crossSettingsProblems,
  lambdaSettings,
  settingsProblems,
  type KeygateSettings,
  type PlanDef,
} from '../lambda/core/settings';
import { DEFAULT_PREFIXES } from '../lambda/core/token';

/** A route of your own API: what it needs, and the Lambda that answers it (proxy integration). */
export interface KeygateRouteDef {
  readonly method: HttpMethod;
  /** API Gateway resource path from the API root, path parameters as `{name}` */
  readonly path: string;
  /** one of your permissions, `authenticated` (any valid key or session) or `public` */
  readonly needs: Requirement;
}

/** The settings half of `KeygateProps`: what `resolveSettings` checks and turns into the Lambdas' settings. */
export interface KeygateSettingsProps {
  /**
   * Your own permissions. The management ones (`manage_keys`,
   * `manage_sessions`, `change_password`, `manage_clients`, `admin`:
   * `MANAGEMENT_PERMISSIONS`) are always there and may not be listed again.
   *
   * @default - none of your own
   */
  readonly permissions?: readonly PermissionDef[];

  /**
   * Your own routes: method, path from the API root, what they need (one of
   * your permissions, `authenticated` or `public`), and the Lambda that
   * answers. They are merged with the management routes under `basePath`;
   * the whole table is refused at synth, with every reason at once, if a
   * route needs an unknown permission, is listed twice (a management route
   * included), or if two routes with different requirements overlap: the
   * IAM resource of one (`{x}` → `*`) covering a request that API Gateway
   * routes to the other (crossing parameters, `ANY`, `{proxy+}`).
   *
   * @default - only the management API
   */
  readonly routes?: readonly KeygateRouteDef[];

  /**
   * Where the management API is mounted: `${basePath}/auth/login`,
   * `${basePath}/keys`, … (`''` mounts it at the API root).
   *
   * @default '/v1'
   */
  readonly basePath?: string;

  /**
   * Browser origins (`https://app.example.com`) allowed to use a session
   * cookie on unsafe methods (the CSRF allow-list) and to read answers
   * (CORS, with credentials). When set, every resource gets an
   * unauthenticated OPTIONS preflight that echoes the request's origin if it
   * is listed.
   *
   * API Gateway's own error answers (401, 403, 404, 429, 5xx) cannot choose a
   * header value per request, so they carry `Access-Control-Allow-Origin` set
   * to the FIRST origin of this list only. Browsers on the other origins see
   * those errors as CORS failures; put the main front end first.
   *
   * @default - no origin: no CORS, and a session cookie works only on GET
   */
  readonly allowedOrigins?: readonly string[];

  /**
   * Name of the session cookie.
   *
   * @default 'keygate_session'
   */
  readonly cookieName?: string;

  /**
   * Prefix of user API keys.
   *
   * @default 'user_key_'
   */
  readonly userKeyPrefix?: string;

  /**
   * Prefix of bot API keys.
   *
   * @default 'bot_key_'
   */
  readonly botKeyPrefix?: string;

  /**
   * How long the authorizer function trusts a credential it has read, before
   * reading it again. This is also how long a revoked key or ended session
   * can still be used. At most 60 seconds.
   *
   * @default Duration.seconds(5)
   */
  readonly credentialCacheTtl?: Duration;

  /**
   * API Gateway's cache of authorizer results. Needs an identity source, and
   * API Gateway calls a REQUEST authorizer only when every identity source is
   * present, so turning this on makes `Authorization` the identity source and
   * session cookies can no longer reach the authorizer: it needs
   * `sessions: false`.
   *
   * @default - no gateway cache: no identity source, the authorizer runs on
   * every request and caches credentials itself (`credentialCacheTtl`)
   */
  readonly gatewayCacheTtl?: Duration;

  /**
   * Whether callers may authenticate with the session cookie. Set to false
   * for an API-keys-only deployment, which is what allows `gatewayCacheTtl`.
   *
   * @default true
   */
  readonly sessions?: boolean;

  /**
   * Whether the API serves the console, a web page for keys, sessions,
   * clients and (for admins) users and bots, at `${basePath}/console/`:
   * public routes answered by a small Lambda that serves files from its
   * bundle, same origin as the API so the session cookie needs no CORS.
   * False: no console routes and no console Lambda.
   *
   * @default true
   */
  readonly console?: boolean;

  /**
   * Rate limits and quotas (SPEC §12): each plan becomes an API Gateway usage
   * plan on keygate's stage, with a throttle (steady requests per second and
   * burst) and an optional quota (requests per DAY, WEEK or MONTH). With
   * plans, every method behind the authorizer requires a usage key, which
   * the authorizer hands API Gateway (`apiKeySource: AUTHORIZER`); callers
   * never send one. Names are lower case (`^[a-z][a-z0-9_-]{0,31}$`) and
   * unique; at most 250 plans (API Gateway allows 300 usage plans per account
   * and region, keygate adds one of its own), and their JSON has to fit the
   * Lambda environment with the rest of the settings.
   *
   * @default - no plans: no usage plans, no usage keys, the API as without this prop
   */
  readonly plans?: readonly PlanDef[];

  /**
   * The plan of every user and key without one of their own: its one shared
   * usage key makes it a deployment-wide safety throttle. Has to name one of
   * `plans`.
   *
   * @default - the first of `plans`
   */
  readonly defaultPlan?: string;

  /**
   * How many usage keys (API Gateway API keys, one per user or key given a
   * plan of its own) keygate may hold; past it, assigning a plan is refused
   * with 409. API Gateway's limit is 10,000 API keys per account and region,
   * not raisable; the margin leaves room for other APIs in the account. At
   * most 10,000; only with `plans`.
   *
   * @default 9000
   */
  readonly usageKeyLimit?: number;
}

export interface ResolvedSettings {
  readonly settings: KeygateSettings;
  /** the management routes under the base path, the console's (when on), then the deployment's own */
  readonly routes: readonly RouteDef[];
  readonly managementRoutes: readonly ManagementRoute[];
  /** the console's routes; empty when `console` is false */
  readonly consoleRoutes: readonly RouteDef[];
  /** 0: no API Gateway result cache */
  readonly gatewayCacheSeconds: number;
  readonly sessions: boolean;
  /** every reason the props are refused; empty when they are fine */
  readonly problems: readonly string[];
}

export const MAX_CREDENTIAL_CACHE_SECONDS = 60;
/** A plan's id until its usage plan exists: as long as API Gateway's, so the environment's size is measured right. */
export const PLAN_ID_PLACEHOLDER = 'planid0000';
/** A usage key value's length (lib/keygate-usage-plans.ts). */
export const USAGE_KEY_LENGTH = 40;
/** Lambda refuses environments larger than 4 KB in total. */
const MAX_ENVIRONMENT_BYTES = 4096;

/** The props that are settings under their own name (core/settings.ts): given ones win over the defaults. */
function givenSettings(props: KeygateSettingsProps): Partial<KeygateSettings> {
  const given = Object.entries(props).filter(([k, v]) => k in DEFAULT_SETTINGS && k !== 'routes' && v !== undefined);
  return Object.fromEntries(given) as Partial<KeygateSettings>;
}

export function resolveSettings(props: KeygateSettingsProps): ResolvedSettings {
  const problems: string[] = [];
  const settings: KeygateSettings = {
    ...DEFAULT_SETTINGS,
    ...givenSettings(props),
    // The routes without their handlers; the cache TTL from a Duration.
    routes: (props.routes ?? []).map(({ method, path, needs }) => ({ method, path, needs })),
    cacheTtlSeconds: props.credentialCacheTtl?.toSeconds() ?? DEFAULT_SETTINGS.cacheTtlSeconds,
    // The plans get their usage plans' ids once those exist (`withPlanIds`); the default plan is the first.
    plans: (props.plans ?? []).map((p) => ({ ...p, id: PLAN_ID_PLACEHOLDER })),
    defaultPlan: props.defaultPlan ?? props.plans?.[0]?.name ?? '',
    gatewayCacheSeconds: props.gatewayCacheTtl?.toSeconds() ?? 0,
  };
  const { basePath, permissions: ownPermissions, routes: ownRoutes, userKeyPrefix, botKeyPrefix, cacheTtlSeconds, gatewayCacheSeconds } = settings;
  const sessions = props.sessions ?? true;

  // Each setting's own rule (the one the Lambdas and the CLI check too): the base path first, since the routes hang on it; the routes as a table below.
  problems.push(...settingsProblems(settings, ['basePath']));
  const management = BASE_PATH_PATTERN.test(basePath) ? managementRoutes(basePath) : [];
  const console = BASE_PATH_PATTERN.test(basePath) && settings.console === true ? consoleRoutes(basePath) : [];
  const routes: RouteDef[] = [...management, ...console, ...ownRoutes];

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
  problems.push(...settingsProblems(settings, SETTING_NAMES.filter((k) => k !== 'routes' && k !== 'basePath')));
  if (userKeyPrefix === botKeyPrefix || [userKeyPrefix, botKeyPrefix].includes(DEFAULT_PREFIXES.session)) {
    problems.push(`key prefixes have to differ from each other and from '${DEFAULT_PREFIXES.session}'`);
  }
  problems.push(...crossSettingsProblems(settings));
  if (props.usageKeyLimit !== undefined && settings.plans.length === 0) problems.push('usageKeyLimit needs plans');

  // The routes and permissions travel in the bundled settings file, not the environment (core/settings.ts, `bundled`).
  // The table name is a token at synth time, and short: measure the rest, with
  // the placeholder plan ids (as long as API Gateway's) and the authorizer's two usage keys.
  const usageKeys = settings.plans.length > 0 ? USAGE_KEY_ENV.defaultKey.length + USAGE_KEY_ENV.spentKey.length + 2 * USAGE_KEY_LENGTH : 0;
  const environment = Object.entries(lambdaSettings('', settings).environment);
  const envBytes = environment.reduce((n, [k, v]) => n + k.length + v.length, usageKeys);
  if (envBytes > MAX_ENVIRONMENT_BYTES - 512) {
    const largest = environment.sort((a, b) => b[1].length - a[1].length).slice(0, 2).map(([k]) => k);
    const what = settings.plans.length > 0 ? 'plans and origins' : 'origins';
    problems.push(`the settings take ${envBytes} bytes of the 4 KB Lambda environment (most in ${largest.join(', ')}); shorten the ${what}`);
  }
  return { settings, routes, managementRoutes: management, consoleRoutes: console, gatewayCacheSeconds, sessions, problems };
}

/**
 * The settings with each plan's usage plan id, once the usage plans exist
 * (`resolveSettings` gives them `PLAN_ID_PLACEHOLDER`).
 */
export function withPlanIds(settings: KeygateSettings, ids: Readonly<Record<string, string>>): KeygateSettings {
  return { ...settings, plans: settings.plans.map((p) => ({ ...p, id: ids[p.name]! })) };
}
