/**
 * The authorization rules, apart from any store: given who is calling and
 * which route, allow or say why not.
 */
import type { RouteDef } from './catalog';
import { headerValues } from './credentials';
import { mayCall } from './policy';

export type AuthMethod = 'api_key' | 'session';

export interface Principal {
  readonly userId: string;
  readonly authMethod: AuthMethod;
  /** key id or session id */
  readonly credentialId: string;
  readonly permissions: readonly string[];
}

export type Refusal = { readonly code: 'missing_permission' | 'csrf_rejected' | 'unknown_route'; readonly message: string };

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isUnsafeMethod(method: string): boolean {
  return UNSAFE.has(method.toUpperCase());
}

/**
 * The route a request is for, by method and API Gateway resource path. As in
 * API Gateway, a method of its own beats an `ANY` on the same resource.
 */
export function findRoute(routes: readonly RouteDef[], method: string, resource: string): RouteDef | undefined {
  return routes.find((r) => r.method === method && r.path === resource) ?? routes.find((r) => r.method === 'ANY' && r.path === resource);
}

/**
 * `findRoute` with the table indexed once (the authorizer's, per cold start):
 * the same answer, the first of equal routes included, without a scan of
 * the table on every request, which a 500-route table would make the
 * largest part of a cache hit (docs/performance.md, Large route tables).
 */
export function routeFinder(routes: readonly RouteDef[]): (method: string, resource: string) => RouteDef | undefined {
  const byKey = new Map<string, RouteDef>();
  for (const r of routes) if (!byKey.has(`${r.method} ${r.path}`)) byKey.set(`${r.method} ${r.path}`, r);
  return (method, resource) => byKey.get(`${method} ${resource}`) ?? byKey.get(`ANY ${resource}`);
}

/**
 * The Origin rule for a request that carries a session cookie: an allowed
 * origin passes, and so does `also` (e.g. the hosted page's own origin); a
 * request without Origin passes only when `missingOk` (login: scripts send
 * none and cannot be tricked; a browser always sends one on a cross-site POST).
 */
export function originPasses(origin: string | undefined, allowedOrigins: ReadonlySet<string>, missingOk: boolean, also?: string): boolean {
  if (origin === undefined) return missingOk;
  return allowedOrigins.has(origin) || (also !== undefined && origin === also);
}

/**
 * The API's own origin as the browser sees it, from the request's `Host`
 * and `X-Forwarded-Proto` (API Gateway always sets https; without it the
 * request came from the local runner, plain http). A page served by the API
 * itself (the console) has this origin, and a browser never sends it from
 * another site, so it passes the CSRF rule without being listed
 * (docs/design.md, "The console").
 */
export function requestOrigin(headers: Parameters<typeof headerValues>[1], multi: Parameters<typeof headerValues>[2]): string | undefined {
  const host = headerValues('host', headers, multi)[0];
  if (host === undefined) return undefined;
  return `${headerValues('x-forwarded-proto', headers, multi)[0] ?? 'http'}://${host}`;
}

/**
 * Whether `principal` may make this request. Undefined means yes.
 * A session cookie on an unsafe method needs an allowed Origin (CSRF).
 */
export function refuse(
  principal: Principal,
  route: RouteDef | undefined,
  method: string,
  origin: string | undefined,
  allowedOrigins: ReadonlySet<string>,
  ownOrigin?: string,
): Refusal | undefined {
  if (!route) return { code: 'unknown_route', message: `no route ${method} is protected by this authorizer here` };
  if (principal.authMethod === 'session' && isUnsafeMethod(method) && !originPasses(origin, allowedOrigins, false, ownOrigin)) {
    return {
      code: 'csrf_rejected',
      // The Origin is not echoed: the message lands unescaped in a gateway response's JSON.
      message: origin === undefined
        ? `a session cookie on ${method} needs an Origin header from an allowed origin`
        : `this Origin is not allowed to use a session cookie on ${method}`,
    };
  }
  if (mayCall(route, principal.permissions)) return undefined;
  return { code: 'missing_permission', message: `this route needs the '${route.needs}' permission` };
}
