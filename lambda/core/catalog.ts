/**
 * The permission catalog and the route table: the single source of truth that
 * the CDK stack, the authorizer, the management Lambdas and the local runner
 * all import. Pure data and pure functions, no AWS imports.
 */

/** Who may hold a permission. */
export type Grant =
  /** keys may carry it, sessions always have it */
  | 'key'
  /** only a login session has it */
  | 'session'
  /** only the login session of an admin user has it */
  | 'admin';

export interface PermissionDef {
  readonly name: string;
  readonly grant: Grant;
  readonly description: string;
}

export const DEFAULT_PERMISSIONS = [
  { name: 'submit_score', grant: 'key', description: 'requests that could submit scores' },
  { name: 'customise_profile', grant: 'key', description: 'requests that modify user info (status, about me)' },
  { name: 'customise_session', grant: 'key', description: "requests that modify the user's play sessions" },
  { name: 'customise_score', grant: 'key', description: 'requests that modify scores (e.g. add a comment)' },
  { name: 'delete_score', grant: 'key', description: 'requests that delete scores' },
  { name: 'manage_keys', grant: 'session', description: 'create, list, rename, rotate, revoke own keys' },
  { name: 'manage_sessions', grant: 'session', description: 'list and end own login sessions' },
  { name: 'change_password', grant: 'session', description: 'change own password' },
  { name: 'admin', grant: 'admin', description: 'manage users and bot accounts' },
] as const satisfies readonly PermissionDef[];

export type DefaultPermission = (typeof DEFAULT_PERMISSIONS)[number]['name'];

/** A route's method; `ANY` answers every method API Gateway does not find a method of its own for. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'ANY';

/** What a route needs: a permission, any valid credential, or nothing. */
export type Requirement = string | 'authenticated' | 'public';

export interface RouteDef {
  readonly method: HttpMethod;
  /** API Gateway resource path, path parameters as `{name}` */
  readonly path: string;
  readonly needs: Requirement;
}

/** Which Lambda of the reference app answers a route. */
export type ReferenceTarget = 'auth' | 'keys' | 'admin' | 'example';

export interface ReferenceRoute extends RouteDef {
  readonly target: ReferenceTarget;
}

export const REFERENCE_ROUTES: readonly ReferenceRoute[] = [
  { method: 'POST', path: '/v1/auth/login', needs: 'public', target: 'auth' },
  { method: 'POST', path: '/v1/auth/verify', needs: 'public', target: 'auth' },
  { method: 'POST', path: '/v1/auth/logout', needs: 'authenticated', target: 'auth' },
  { method: 'GET', path: '/v1/auth/me', needs: 'authenticated', target: 'auth' },
  { method: 'GET', path: '/v1/auth/sessions', needs: 'manage_sessions', target: 'auth' },
  { method: 'DELETE', path: '/v1/auth/sessions/{sessionId}', needs: 'manage_sessions', target: 'auth' },
  { method: 'POST', path: '/v1/users/me/password', needs: 'change_password', target: 'auth' },
  // Not in SPEC §4's table: users read their own audit trail (issue 3).
  { method: 'GET', path: '/v1/auth/audit', needs: 'manage_sessions', target: 'auth' },
  { method: 'GET', path: '/v1/keys', needs: 'manage_keys', target: 'keys' },
  { method: 'POST', path: '/v1/keys', needs: 'manage_keys', target: 'keys' },
  { method: 'GET', path: '/v1/keys/{keyId}', needs: 'manage_keys', target: 'keys' },
  { method: 'PATCH', path: '/v1/keys/{keyId}', needs: 'manage_keys', target: 'keys' },
  { method: 'DELETE', path: '/v1/keys/{keyId}', needs: 'manage_keys', target: 'keys' },
  { method: 'POST', path: '/v1/keys/{keyId}/rotate', needs: 'manage_keys', target: 'keys' },
  { method: 'POST', path: '/v1/admin/users', needs: 'admin', target: 'admin' },
  { method: 'PATCH', path: '/v1/admin/users/{userId}', needs: 'admin', target: 'admin' },
  { method: 'POST', path: '/v1/admin/users/{userId}/keys', needs: 'admin', target: 'admin' },
  { method: 'GET', path: '/v1/scores/{scoreId}', needs: 'authenticated', target: 'example' },
  { method: 'POST', path: '/v1/scores', needs: 'submit_score', target: 'example' },
  { method: 'PATCH', path: '/v1/scores/{scoreId}', needs: 'customise_score', target: 'example' },
  { method: 'DELETE', path: '/v1/scores/{scoreId}', needs: 'delete_score', target: 'example' },
  { method: 'PATCH', path: '/v1/users/me', needs: 'customise_profile', target: 'example' },
  { method: 'PATCH', path: '/v1/sessions/{sessionId}', needs: 'customise_session', target: 'example' },
];

/** The permissions a key may be created with. */
export function keyGrantable(catalog: readonly PermissionDef[]): string[] {
  return catalog.filter((p) => p.grant === 'key').map((p) => p.name);
}

/** A login session holds every permission of its user; admins also get the admin ones. */
export function sessionPermissions(catalog: readonly PermissionDef[], isAdmin: boolean): string[] {
  return catalog.filter((p) => p.grant !== 'admin' || isAdmin).map((p) => p.name);
}

/**
 * Checks a route table against a catalog. Returns the problems found, so a
 * construct can refuse a bad table at synth time with every reason at once.
 */
export function validateRouteTable(routes: readonly RouteDef[], catalog: readonly PermissionDef[]): string[] {
  const known = new Set(catalog.map((p) => p.name));
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const r of routes) {
    const id = `${r.method} ${r.path}`;
    if (seen.has(id)) problems.push(`route ${id} is listed twice`);
    seen.add(id);
    if (!r.path.startsWith('/')) problems.push(`route ${id}: path has to start with '/'`);
    if (r.needs !== 'public' && r.needs !== 'authenticated' && !known.has(r.needs)) {
      problems.push(`route ${id} needs '${r.needs}', which is not in the permission catalog`);
    }
  }
  for (const p of catalog) {
    if (!/^[a-z][a-z0-9_]*$/.test(p.name)) problems.push(`permission '${p.name}' has to be lower_snake_case`);
    if (p.name === 'public' || p.name === 'authenticated') problems.push(`'${p.name}' is reserved`);
  }
  return problems;
}
