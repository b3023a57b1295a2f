/**
 * What the runner says about the app it serves comes from that app, not
 * from the reference app: its base path, the permissions a key may carry,
 * and a route to try a key on. All of it is read from the settings the
 * stack gives its authorizer (the environment in the template and the
 * settings file in its asset, validated by the same `loadConfig` the Lambda
 * runs at cold start), checked against the API's resources in the template.
 */
import type { PermissionDef, RouteDef } from '../lambda/core/catalog';
import { operationPath } from '../lambda/core/management-routes';
import { bundledSettings, loadConfig, type KeygateConfig } from '../lambda/shared/config';
import { settingsFromEnv } from '../lambda/core/settings';
import { storedSettings, type DeploymentSettings } from '../lambda/core/settings-item';
import { matchResource } from './gateway';
import type { AppModel, FunctionDef } from './model';
import type { StaticFile } from './static-files';

/** The local console's old address: now a redirect to the console the template serves. */
export const CONSOLE_PATH = '/_keygate/';

/** `/_keygate/` → 302 to the console (the served app's `{basePath}/console/`). */
export function consoleRedirect(consolePath: string): StaticFile {
  return { status: 302, headers: [['Location', consolePath], ['Cache-Control', 'no-cache'], ['Content-Length', '0']], body: Buffer.alloc(0) };
}

/** A route a key can be tried on: one that needs a permission keys may carry. */
export interface ExampleRoute {
  readonly method: string;
  /** the route's resource path, e.g. `/v1/scores/{scoreId}` */
  readonly path: string;
  /** a path to call: path parameters filled with `example` */
  readonly url: string;
  readonly permission: string;
}

/** The management paths the runner's quick start and console call (path parameters as `{name}`). */
export interface ManagementPaths {
  readonly login: string;
  readonly logout: string;
  readonly me: string;
  readonly keys: string;
  readonly key: string;
  readonly rotateKey: string;
  /** the admin view: users, one user, a user's keys, one of them, its rotation */
  readonly users: string;
  readonly user: string;
  readonly userKeys: string;
  readonly userKey: string;
  readonly rotateUserKey: string;
  /** the admin view of API clients: every client, and one (PATCH to disable or enable, DELETE) */
  readonly clients: string;
  readonly client: string;
}

export interface ServedApp {
  /** the management API's base path, e.g. `/v1` */
  readonly basePath: string;
  readonly paths: ManagementPaths;
  readonly config: KeygateConfig;
  /** what the deployment records in its table for the CLI (SETTINGS/DEPLOYMENT) */
  readonly settings: DeploymentSettings;
  /** the authorizer's settings as variables: its environment as the template sets it, and its bundled settings file's */
  readonly environment: Readonly<Record<string, string>>;
  readonly keyPermissions: readonly PermissionDef[];
  readonly example?: ExampleRoute;
  /** where the console is, `{basePath}/console/`, when the app has it on */
  readonly consolePath?: string;
}

/** The function behind the API's authorizer, if it has exactly one. */
function authorizerFunction(model: AppModel): FunctionDef | undefined {
  const ids = new Set([...model.api.authorizers.values()].map((a) => a.functionId));
  return ids.size === 1 ? model.functions.get([...ids][0]!) : undefined;
}

/** The first route (in table order) that a key permission opens and that the template has; one without path parameters first. */
export function exampleRoute(model: AppModel, routes: readonly RouteDef[], keyPermissions: readonly PermissionDef[]): ExampleRoute | undefined {
  const grantable = new Set(keyPermissions.map((p) => p.name));
  const served = routes.filter((r) => {
    if (!grantable.has(r.needs)) return false;
    const methods = matchResource(model.api.root, r.path)?.node.methods;
    return methods?.has(r.method) || methods?.has('ANY');
  });
  const route = served.find((r) => !r.path.includes('{')) ?? served[0];
  if (!route) return undefined;
  return { method: route.method, path: route.path, url: route.path.replace(/\{[^}]+\}/g, 'example'), permission: route.needs };
}

/**
 * The served app as keygate's settings describe it, or why it cannot be
 * read (an API that is not keygate's: then the runner serves it without a
 * quick start).
 */
export function servedApp(model: AppModel): ServedApp | { readonly unreadable: string } {
  const fn = authorizerFunction(model);
  if (!fn) return { unreadable: 'the API has no single Lambda authorizer' };
  let config: KeygateConfig;
  let file: unknown;
  try {
    file = bundledSettings(fn.codeDir);
    config = loadConfig(fn.environment, file);
  } catch (err) {
    return { unreadable: `the settings of ${fn.logicalId} are not keygate's: ${(err as Error).message}` };
  }
  const { basePath } = config;
  const at = (operation: string) => operationPath(basePath, operation);
  const paths = {
    login: at('login'),
    logout: at('logout'),
    me: at('me'),
    keys: at('listKeys'),
    key: at('revokeKey'),
    rotateKey: at('rotateKey'),
    users: at('listUsers'),
    user: at('updateUser'),
    userKeys: at('listUserKeys'),
    userKey: at('revokeUserKey'),
    rotateUserKey: at('rotateUserKey'),
    clients: at('listAllClients'),
    client: at('setClientDisabled'),
  };
  const keyPermissions = config.permissions.filter((p) => p.grant === 'key');
  const example = exampleRoute(model, config.routes, keyPermissions);
  // loadConfig has checked them: the settings are the ones the construct wrote. The
  // bundled ones as variables too (their JSON), for the readers that take variables (the first admin's).
  const environment = { ...Object.fromEntries(Object.entries(file ?? {}).map(([k, v]) => [k, JSON.stringify(v)])), ...fn.environment };
  const settings = storedSettings(settingsFromEnv(environment));
  const consolePath = config.console ? `${basePath}/console/` : undefined;
  return { basePath, paths, config, settings, environment, keyPermissions, ...(example ? { example } : {}), ...(consolePath ? { consolePath } : {}) };
}
