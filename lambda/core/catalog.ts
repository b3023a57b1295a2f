/**
 * The permission catalog and route table types and rules, which the CDK
 * constructs, the authorizer, the management Lambdas and the local runner all
 * import. Pure data and pure functions, no AWS imports. The management API's
 * routes are in management-routes.ts; a deployment's own permissions and
 * routes come from its construct (the reference app's: lib/reference-app.ts).
 */

/**
 * Who may hold a permission: `key` (keys may carry it, sessions always have
 * it), `session` (only a login session has it), `admin` (only the login
 * session of an admin user has it). The settings checks read this list.
 */
export const GRANTS = ['key', 'session', 'admin'] as const;
export type Grant = (typeof GRANTS)[number];

export interface PermissionDef {
  readonly name: string;
  readonly grant: Grant;
  readonly description: string;
}

/**
 * The permissions the management API itself needs. Every deployment has
 * them; a team's own permissions are added to these (`catalogWith`).
 */
export const MANAGEMENT_PERMISSIONS = [
  { name: 'manage_keys', grant: 'session', description: 'create, list, rename, rotate, revoke own keys' },
  { name: 'manage_sessions', grant: 'session', description: 'list and end own login sessions' },
  { name: 'change_password', grant: 'session', description: 'change own password' },
  { name: 'manage_clients', grant: 'session', description: 'register and manage API clients; list and revoke the apps you authorized' },
  { name: 'admin', grant: 'admin', description: 'manage users and bot accounts' },
] as const satisfies readonly PermissionDef[];

export type ManagementPermission = (typeof MANAGEMENT_PERMISSIONS)[number]['name'];

/** The whole catalog: the deployment's own permissions, then the management ones. */
export function catalogWith(own: readonly PermissionDef[]): PermissionDef[] {
  return [...own, ...MANAGEMENT_PERMISSIONS];
}

/** A route's method; `ANY` answers every method API Gateway does not find a method of its own for. The settings checks read this list. */
export const ROUTE_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'ANY'] as const;
export type HttpMethod = (typeof ROUTE_METHODS)[number];

/** What a route needs: a permission, any valid credential, or nothing. */
export type Requirement = string | 'authenticated' | 'public';

export interface RouteDef {
  readonly method: HttpMethod;
  /** API Gateway resource path, path parameters as `{name}` */
  readonly path: string;
  readonly needs: Requirement;
  /** management routes only: the operation the management Lambda runs */
  readonly operation?: string;
  /** management routes only: which management Lambda answers */
  readonly fn?: string;
  /** management routes only: a CORS rule other than the allowed origins' (see `CorsRule`) */
  readonly cors?: CorsRule;
}

/**
 * `none`: no CORS at all, not even for allowed origins, and no preflight
 * (RFC 9700 forbids CORS on the authorization endpoint: a browser is
 * redirected there, a script never calls it). `any-origin`: a preflight from any origin,
 * and answers readable from any origin where the handler says so (the
 * token and revocation endpoints, for public clients: browser-only tools).
 * Absent: the allowed origins only, with credentials.
 */
export type CorsRule = 'none' | 'any-origin';

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
  const names = new Set<string>();
  for (const p of catalog) {
    if (names.has(p.name)) problems.push(`permission '${p.name}' is listed twice (the management permissions are always in the catalog)`);
    names.add(p.name);
    if (!/^[a-z][a-z0-9_]*$/.test(p.name)) problems.push(`permission '${p.name}' has to be lower_snake_case`);
    if (p.name === 'public' || p.name === 'authenticated') problems.push(`'${p.name}' is reserved`);
  }
  return problems;
}
