/**
 * The management API's route table: one row per route, with the operation a
 * management Lambda runs for it and which Lambda that is. Paths are relative
 * to the base path the deployment mounts the management API under (`/v1` in
 * the reference app), so a team can put it at `/auth-service` next to its own
 * routes. Pure data, no AWS imports: the construct, the authorizer, the
 * management Lambdas and the local runner all read this one table.
 */
import type { CorsRule, HttpMethod, Requirement, RouteDef } from './catalog';

/** The management Lambdas; each answers the operations of its rows. */
export type ManagementFunctionName = 'auth' | 'keys' | 'admin' | 'clients';

export interface ManagementRouteDef {
  readonly method: HttpMethod;
  /** under the base path, e.g. `/auth/login`; from the API root when `atRoot` */
  readonly path: string;
  readonly needs: Requirement;
  /** what the management Lambda runs: unique across the table */
  readonly operation: string;
  /** which management Lambda answers it */
  readonly fn: ManagementFunctionName;
  /** served at the API root, outside the base path */
  readonly atRoot?: boolean;
  /** absent: CORS for the allowed origins, like every other route */
  readonly cors?: CorsRule;
}

export const MANAGEMENT_ROUTES: readonly ManagementRouteDef[] = [
  { method: 'POST', path: '/auth/login', needs: 'public', operation: 'login', fn: 'auth' },
  { method: 'POST', path: '/auth/verify', needs: 'public', operation: 'verify', fn: 'auth' },
  { method: 'POST', path: '/auth/logout', needs: 'authenticated', operation: 'logout', fn: 'auth' },
  { method: 'GET', path: '/auth/me', needs: 'authenticated', operation: 'me', fn: 'auth' },
  { method: 'GET', path: '/auth/sessions', needs: 'manage_sessions', operation: 'listSessions', fn: 'auth' },
  { method: 'DELETE', path: '/auth/sessions/{sessionId}', needs: 'manage_sessions', operation: 'endSession', fn: 'auth' },
  { method: 'GET', path: '/auth/audit', needs: 'manage_sessions', operation: 'listOwnAudit', fn: 'auth' },
  { method: 'POST', path: '/users/me/password', needs: 'change_password', operation: 'changePassword', fn: 'auth' },
  { method: 'GET', path: '/keys', needs: 'manage_keys', operation: 'listKeys', fn: 'keys' },
  { method: 'POST', path: '/keys', needs: 'manage_keys', operation: 'createKey', fn: 'keys' },
  { method: 'GET', path: '/keys/{keyId}', needs: 'manage_keys', operation: 'getKey', fn: 'keys' },
  { method: 'PATCH', path: '/keys/{keyId}', needs: 'manage_keys', operation: 'renameKey', fn: 'keys' },
  { method: 'DELETE', path: '/keys/{keyId}', needs: 'manage_keys', operation: 'revokeKey', fn: 'keys' },
  { method: 'POST', path: '/keys/{keyId}/rotate', needs: 'manage_keys', operation: 'rotateKey', fn: 'keys' },
  // Plans, usage and credits (SPEC §12)
  { method: 'GET', path: '/plans', needs: 'authenticated', operation: 'listPlans', fn: 'keys' },
  { method: 'GET', path: '/keys/{keyId}/usage', needs: 'manage_keys', operation: 'keyUsage', fn: 'keys' },
  { method: 'PUT', path: '/admin/users/{userId}/plan', needs: 'admin', operation: 'setUserPlan', fn: 'admin' },
  { method: 'PUT', path: '/admin/users/{userId}/keys/{keyId}/plan', needs: 'admin', operation: 'setKeyPlan', fn: 'admin' },
  { method: 'PUT', path: '/admin/users/{userId}/keys/{keyId}/credits', needs: 'admin', operation: 'setKeyCredits', fn: 'admin' },
  { method: 'GET', path: '/admin/users/{userId}/usage', needs: 'admin', operation: 'userUsage', fn: 'admin' },
  { method: 'POST', path: '/admin/users', needs: 'admin', operation: 'createUser', fn: 'admin' },
  { method: 'PATCH', path: '/admin/users/{userId}', needs: 'admin', operation: 'updateUser', fn: 'admin' },
  { method: 'POST', path: '/admin/users/{userId}/keys', needs: 'admin', operation: 'createBotKey', fn: 'admin' },
  { method: 'GET', path: '/admin/users', needs: 'admin', operation: 'listUsers', fn: 'admin' },
  { method: 'GET', path: '/admin/users/{userId}', needs: 'admin', operation: 'getUser', fn: 'admin' },
  { method: 'GET', path: '/admin/users/{userId}/keys', needs: 'admin', operation: 'listUserKeys', fn: 'admin' },
  { method: 'POST', path: '/admin/users/{userId}/keys/{keyId}/rotate', needs: 'admin', operation: 'rotateUserKey', fn: 'admin' },
  { method: 'DELETE', path: '/admin/users/{userId}/keys/{keyId}', needs: 'admin', operation: 'revokeUserKey', fn: 'admin' },
  { method: 'GET', path: '/admin/users/{userId}/audit', needs: 'admin', operation: 'listUserAudit', fn: 'admin' },
  { method: 'POST', path: '/auth/revoke', needs: 'public', operation: 'revokeKeyByHolder', fn: 'clients' },
  { method: 'GET', path: '/clients', needs: 'manage_clients', operation: 'listClients', fn: 'clients' },
  { method: 'POST', path: '/clients', needs: 'manage_clients', operation: 'createClient', fn: 'clients' },
  { method: 'GET', path: '/clients/{clientId}', needs: 'manage_clients', operation: 'getClient', fn: 'clients' },
  { method: 'PATCH', path: '/clients/{clientId}', needs: 'manage_clients', operation: 'updateClient', fn: 'clients' },
  { method: 'DELETE', path: '/clients/{clientId}', needs: 'manage_clients', operation: 'deleteClient', fn: 'clients' },
  { method: 'POST', path: '/clients/{clientId}/secret', needs: 'manage_clients', operation: 'rotateClientSecret', fn: 'clients' },
  { method: 'POST', path: '/clients/{clientId}/file', needs: 'manage_clients', operation: 'clientFile', fn: 'clients' },
  { method: 'GET', path: '/admin/clients', needs: 'admin', operation: 'listAllClients', fn: 'clients' },
  { method: 'PATCH', path: '/admin/clients/{clientId}', needs: 'admin', operation: 'setClientDisabled', fn: 'clients' },
  { method: 'DELETE', path: '/admin/clients/{clientId}', needs: 'admin', operation: 'adminDeleteClient', fn: 'clients' },
  { method: 'GET', path: '/authorizations', needs: 'manage_clients', operation: 'listAuthorizations', fn: 'clients' },
  { method: 'DELETE', path: '/authorizations/{clientId}', needs: 'manage_clients', operation: 'revokeAuthorization', fn: 'clients' },
  // OAuth 2.0: public at the gateway; authorize checks the session cookie itself, token and revoke authenticate the client.
  // CORS (RFC 9700): never on authorize (a browser is redirected there); token and revoke from any origin for public clients.
  { method: 'GET', path: '/oauth/authorize', needs: 'public', operation: 'oauthAuthorizeRequest', fn: 'clients', cors: 'none' },
  { method: 'POST', path: '/oauth/authorize', needs: 'public', operation: 'oauthAuthorize', fn: 'clients', cors: 'none' },
  { method: 'POST', path: '/oauth/token', needs: 'public', operation: 'oauthToken', fn: 'clients', cors: 'any-origin' },
  { method: 'POST', path: '/oauth/revoke', needs: 'public', operation: 'oauthRevoke', fn: 'clients', cors: 'any-origin' },
  // RFC 8414 puts the metadata at the API root, outside the base path.
  { method: 'GET', path: '/.well-known/oauth-authorization-server', needs: 'public', operation: 'oauthMetadata', fn: 'clients', atRoot: true },
];
/** Where the management API is mounted unless the deployment says otherwise. */
export const DEFAULT_BASE_PATH = '/v1';

/** `''` (the API root) or `/segment[/segment…]`, no trailing slash, no parameters. */
export const BASE_PATH_PATTERN = /^(?:\/[A-Za-z0-9._~-]+)*$/;

/** A management route as the route table carries it: full path, operation and Lambda. */
export interface ManagementRoute extends RouteDef {
  readonly operation: string;
  readonly fn: ManagementFunctionName;
}

/** The management routes mounted under `basePath`. */
export function managementRoutes(basePath: string): ManagementRoute[] {
  if (!BASE_PATH_PATTERN.test(basePath)) throw new Error(`base path '${basePath}' has to be '' or like '/v1' (segments of letters, digits and ._~-, no trailing '/')`);
  return MANAGEMENT_ROUTES.map(({ method, path, needs, operation, fn, atRoot, cors }) => ({
    method,
    path: atRoot ? path : `${basePath}${path}`,
    needs,
    operation,
    fn,
    ...(cors !== undefined ? { cors } : {}),
  }));
}

/** The full path of a management operation under `basePath` (for messages that name a route). */
export function operationPath(basePath: string, operation: string): string {
  const row = MANAGEMENT_ROUTES.find((r) => r.operation === operation);
  if (!row) throw new Error(`no management operation '${operation}'`);
  return row.atRoot ? row.path : `${basePath}${row.path}`;
}

/**
 * The console (SPEC §13): public pages under the base path, answered by the
 * console Lambda (lambda/console), present only when the `console` setting
 * is on. Not management operations: the OpenAPI document and the
 * authorizer's table leave them out (nothing behind them needs a
 * credential); the construct's route table and its overlap check have them.
 * `GET {basePath}/console/` reaches the `/console` resource (API Gateway
 * routes a trailing slash like none); the Lambda tells them apart.
 */
export const CONSOLE_ROUTES = [
  { method: 'GET', path: '/console', needs: 'public', operation: 'consolePage' },
  { method: 'GET', path: '/console/{file}', needs: 'public', operation: 'consoleFile' },
] as const satisfies readonly Omit<ManagementRouteDef, 'fn'>[];

/** The console's routes under `basePath`. */
export function consoleRoutes(basePath: string): RouteDef[] {
  return CONSOLE_ROUTES.map(({ method, path, needs }) => ({ method, path: `${basePath}${path}`, needs }));
}
