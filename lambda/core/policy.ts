/**
 * IAM policies for API Gateway. The Allow statement lists every route the
 * principal may call, built from the incoming methodArn's API and stage, so
 * the same policy is right whichever route triggered it (docs/design.md, Authorizer).
 */
import type { RouteDef } from './catalog';

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly {
    readonly Action: 'execute-api:Invoke';
    readonly Effect: 'Allow' | 'Deny';
    readonly Resource: readonly string[];
  }[];
}

export interface MethodArn {
  /** `arn:aws:execute-api:region:account:apiId/stage` */
  readonly apiStage: string;
  readonly method: string;
  /** the request path, starting with `/` */
  readonly path: string;
}

/**
 * `arn:aws:execute-api:eu-west-1:123:abc/prod/GET/v1/scores/1` → its parts;
 * undefined when it is not one. Runs on every request, so it scans with
 * indexOf instead of splitting (same result as splitting on `:` and `/`).
 */
export function parseMethodArn(methodArn: string): MethodArn | undefined {
  if (!methodArn.startsWith('arn:')) return undefined;
  const partition = methodArn.indexOf(':', 4);
  const service = partition < 0 ? -1 : methodArn.indexOf(':', partition + 1);
  if (service < 0 || methodArn.slice(partition + 1, service) !== 'execute-api') return undefined;
  const region = methodArn.indexOf(':', service + 1);
  const account = region < 0 ? -1 : methodArn.indexOf(':', region + 1);
  if (account < 0) return undefined;
  // resource: <apiId>/<stage>/<method>[/<path>], none of the first three empty
  const apiId = methodArn.indexOf('/', account + 1);
  if (apiId <= account + 1) return undefined;
  const stage = methodArn.indexOf('/', apiId + 1);
  if (stage <= apiId + 1) return undefined;
  const method = methodArn.indexOf('/', stage + 1);
  const methodEnd = method < 0 ? methodArn.length : method;
  if (methodEnd === stage + 1) return undefined;
  return {
    apiStage: methodArn.slice(0, stage),
    method: methodArn.slice(stage + 1, methodEnd),
    path: method < 0 ? '/' : methodArn.slice(method),
  };
}

/** `/v1/keys/{keyId}/rotate` → `/v1/keys/*\/rotate` */
export function routePattern(path: string): string {
  return path.replace(/\{[^}]+\}/g, '*');
}

/**
 * The methods a method ARN can carry. API Gateway puts the request's own
 * method into the ARN, also for a route declared as `ANY`.
 */
export const REQUEST_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** The concrete methods a route answers: `ANY` stands for all of them. */
export function routeMethods(method: string): readonly string[] {
  return method === 'ANY' ? REQUEST_METHODS : [method];
}

/**
 * The resources of a route in a policy. An `ANY` route is listed once per
 * method rather than as `*`: IAM's `*` also matches `/`, so `…/*\/v1/x`
 * would cover `GET /other/v1/x` too.
 */
export function routeArns(apiStage: string, route: Pick<RouteDef, 'method' | 'path'>): string[] {
  const pattern = routePattern(route.path);
  return routeMethods(route.method).map((m) => `${apiStage}/${m}${pattern}`);
}

/** Whether a principal holding `permissions` may call a route. */
export function mayCall(route: RouteDef, permissions: ReadonlySet<string> | readonly string[]): boolean {
  if (route.needs === 'public' || route.needs === 'authenticated') return true;
  return permissions instanceof Set ? permissions.has(route.needs) : (permissions as readonly string[]).includes(route.needs);
}

/**
 * The Allow for a principal holding `permissions`: every route it may call.
 * `compress`: a subtree it may call whole becomes one `*` per method
 * (`compressedPatterns`); only for a deployment without API Gateway's result
 * cache, where every request reaches the authorizer (docs/design.md, Large route tables).
 */
export function allowPolicy(apiStage: string, routes: readonly RouteDef[], permissions: ReadonlySet<string>, compress = false): PolicyDocument {
  const resources = compress
    ? compressedPatterns(routes, permissions).map((p) => `${apiStage}/${p}`)
    : routes.filter((r) => mayCall(r, permissions)).flatMap((r) => routeArns(apiStage, r));
  if (resources.length === 0) return denyPolicy(`${apiStage}/*`);
  return { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: resources }] };
}

/** Whether a request path of `path` could start with `prefix` + '/' (literal prefix segments): a cheap filter before the proof. */
function mayStartWith(path: string, prefix: readonly string[]): boolean {
  const segments = path.split('/').slice(1);
  for (let i = 0; i < prefix.length; i++) {
    const s = segments[i];
    if (s === undefined) return false;
    if (s.startsWith('{')) {
      if (s.endsWith('+}')) return true;
      continue;
    }
    if (s !== prefix[i]) return false;
  }
  return segments.length > prefix.length;
}

/**
 * The principal's Allow as method/pattern resources (`GET/orders/*`),
 * compressed where that is proven safe. For each method, a literal prefix
 * `P` (at least one segment, no parameter) becomes one `METHOD/P/*` when
 *
 * - the principal may call at least two routes of that method under it
 *   (`P/…`; `P` itself stays its own resource: IAM's `*` needs the `/`),
 * - no route of the table answering that method that the principal may NOT
 *   call has a request the wildcard covers, proven pattern against pattern
 *   by the automaton of `routeConflicts` (`coveredRequest`): crossing
 *   parameters, `{x}` beside a literal, greedy `{x+}` and `ANY` included,
 * - and the wildcard covers no request of a management route, whatever the
 *   principal may do there: the management API is never behind a wildcard.
 *
 * The widest such prefix wins. Every other route is listed as
 * `routeArns` lists it. So for every route of the table, the compressed
 * Allow covers its requests exactly when the full list does (test/core/policy).
 * A request outside the table may fall under a wildcard; without the
 * gateway cache the authorizer still sees it and refuses it with an explicit
 * Deny (`unknown_route`), which wins.
 */
export function compressedPatterns(routes: readonly RouteDef[], permissions: ReadonlySet<string>): string[] {
  const wildcards = new Map<string, string>();
  const management = routes.filter((r) => r.operation !== undefined);
  for (const method of REQUEST_METHODS) {
    const answering = routes.filter((r) => routeMethods(r.method).includes(method));
    const allowed = answering.filter((r) => mayCall(r, permissions));
    const refused = answering.filter((r) => !mayCall(r, permissions));
    const prefixes = new Map<string, string[]>();
    for (const r of allowed) {
      const head: string[] = [];
      for (const s of r.path.split('/').slice(1, -1)) {
        if (s.includes('{')) break;
        head.push(s);
        prefixes.set(`/${head.join('/')}`, [...head]);
      }
    }
    const chosen: string[] = [];
    // Widest first: fewer segments, then table order.
    for (const [prefix, segments] of [...prefixes].sort((a, b) => a[1].length - b[1].length)) {
      if (chosen.some((c) => prefix.startsWith(`${c}/`))) continue;
      const under = allowed.filter((r) => r.path.startsWith(`${prefix}/`));
      if (under.length < 2) continue;
      const wildcard = { path: `${prefix}/*` };
      const reaches = (r: RouteDef) => mayStartWith(r.path, segments) && coveredRequest(wildcard, r) !== undefined;
      if (refused.some(reaches) || management.some(reaches)) continue;
      chosen.push(prefix);
    }
    for (const prefix of chosen) wildcards.set(`${method} ${prefix}`, `${method}${prefix}/*`);
  }
  const out: string[] = [];
  const listed = new Set<string>();
  const add = (p: string) => {
    if (!listed.has(p)) out.push(p);
    listed.add(p);
  };
  for (const r of routes) {
    if (!mayCall(r, permissions)) continue;
    for (const method of routeMethods(r.method)) {
      const segments = r.path.split('/');
      let wildcard: string | undefined;
      for (let i = 2; i < segments.length && !wildcard; i++) wildcard = wildcards.get(`${method} ${segments.slice(0, i).join('/')}`);
      add(wildcard ?? `${method}${routePattern(r.path)}`);
    }
  }
  return out;
}

export function denyPolicy(resource: string): PolicyDocument {
  return { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: [resource] }] };
}

/**
 * `policy` plus an explicit Deny for one method ARN: what the authorizer
 * returns when it refuses the request that triggered it. In IAM an explicit
 * Deny wins over every Allow, so even a route table whose wildcards overlap
 * cannot let this request through. Cache-safe: whether this principal may
 * call this concrete ARN never changes while the cached policy lives (see
 * docs/design.md).
 */
export function withDeny(policy: PolicyDocument, methodArn: string): PolicyDocument {
  return { Version: '2012-10-17', Statement: [...policy.Statement, { Action: 'execute-api:Invoke', Effect: 'Deny', Resource: [methodArn] }] };
}

/**
 * Builds each distinct (API, permission set) policy once. Bounded: when full
 * it starts again, which costs a rebuild, never a wrong answer.
 */
/**
 * Tables of at most this many routes get the plain list: a few KB, where the
 * proof behind a compressed policy would only add its cost to a cold start's
 * first decision (docs/performance.md, Large route tables).
 */
export const COMPRESS_ABOVE_ROUTES = 100;

/** Whether a deployment's policies are compressed: a large table, and no API Gateway result cache (every request reaches the authorizer). */
export const compressesPolicies = (routes: readonly RouteDef[], gatewayCacheSeconds: number): boolean =>
  gatewayCacheSeconds === 0 && routes.length > COMPRESS_ABOVE_ROUTES;

export class PolicyCache {
  private readonly built = new Map<string, PolicyDocument>();

  constructor(
    private readonly routes: readonly RouteDef[],
    private readonly maxEntries = 1024,
    /** `allowPolicy`'s `compress`: only without API Gateway's result cache */
    private readonly compress = false,
  ) {}

  allow(apiStage: string, permissions: readonly string[]): PolicyDocument {
    const key = `${apiStage}|${[...permissions].sort().join(',')}`;
    let policy = this.built.get(key);
    if (!policy) {
      if (this.built.size >= this.maxEntries) this.built.clear();
      policy = allowPolicy(apiStage, this.routes, new Set(permissions), this.compress);
      this.built.set(key, policy);
    }
    return policy;
  }

  get size(): number {
    return this.built.size;
  }
}

/** IAM-style match of an ARN against a pattern with `*` and `?`. */
export function arnMatches(pattern: string, arn: string): boolean {
  const re = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  return re.test(arn);
}

/**
 * One position of a pattern: a character class, taken once or any number of
 * times. `any` is every character, `segment` every character but `/`, any
 * other string that one character.
 */
interface Token {
  readonly cls: string;
  readonly repeat: boolean;
}

const ANY = 'any';
const SEGMENT = 'segment';

/** A route's resource in an IAM policy, as IAM reads it: `*` is any string (`/` included), `?` any one character. */
function iamTokens(pattern: string): Token[] {
  return [...pattern].map((c) => (c === '*' ? { cls: ANY, repeat: true } : c === '?' ? { cls: ANY, repeat: false } : { cls: c, repeat: false }));
}

/** The request paths API Gateway routes to a resource path: `{x}` is one non-empty segment, `{x+}` one or more. */
function requestTokens(path: string): Token[] {
  const out: Token[] = [];
  for (const part of path.split(/(\{[^}]+\})/)) {
    if (part.startsWith('{') && part.endsWith('}')) {
      const cls = part.endsWith('+}') ? ANY : SEGMENT;
      out.push({ cls, repeat: false }, { cls, repeat: true });
    } else {
      for (const c of part) out.push({ cls: c, repeat: false });
    }
  }
  return out;
}

/** A character both classes contain, or undefined when they are disjoint. */
function common(a: string, b: string): string | undefined {
  if (a === ANY || a === SEGMENT) {
    if (b === ANY || b === SEGMENT) return 'x';
    return a === SEGMENT && b === '/' ? undefined : b;
  }
  if (b === ANY) return a;
  if (b === SEGMENT) return a === '/' ? undefined : a;
  return a === b ? a : undefined;
}

/**
 * A string both token lists match, or undefined when there is none: a
 * breadth-first search over pairs of positions (the product automaton), so
 * the witness found is a shortest one.
 */
function intersection(a: readonly Token[], b: readonly Token[]): string | undefined {
  const width = b.length + 1;
  const from = new Map<number, { prev: number; char: string }>([[0, { prev: -1, char: '' }]]);
  const queue = [0];
  const visit = (state: number, prev: number, char: string) => {
    if (from.has(state)) return;
    from.set(state, { prev, char });
    queue.push(state);
  };
  for (let head = 0; head < queue.length; head++) {
    const state = queue[head]!;
    const i = Math.floor(state / width);
    const j = state % width;
    if (i === a.length && j === b.length) {
      let out = '';
      for (let s = state; s > 0; s = from.get(s)!.prev) out = from.get(s)!.char + out;
      return out;
    }
    const ta = a[i];
    const tb = b[j];
    // a repeated class may also be taken zero times
    if (ta?.repeat) visit((i + 1) * width + j, state, '');
    if (tb?.repeat) visit(i * width + j + 1, state, '');
    if (!ta || !tb) continue;
    const char = common(ta.cls, tb.cls);
    if (char !== undefined) visit((ta.repeat ? i : i + 1) * width + (tb.repeat ? j : j + 1), state, char);
  }
  return undefined;
}

/**
 * A request path that API Gateway would route to `target` and that `allowed`
 * also covers once it is an IAM resource (`{x}` → `*`), or undefined when
 * there is none. Pattern against pattern: crossing parameters (`/a/{x}/c`
 * and `/a/b/{y}` both match `/a/b/c`), a `*` that spans segments, a greedy
 * `{proxy+}`.
 */
export function coveredRequest(allowed: Pick<RouteDef, 'path'>, target: Pick<RouteDef, 'path'>): string | undefined {
  return intersection(iamTokens(routePattern(allowed.path)), requestTokens(target.path));
}

/** Two routes with different requirements, where an Allow for `wide` also covers `request`, a request for `narrow`. */
export interface RouteConflict {
  readonly wide: RouteDef;
  readonly narrow: RouteDef;
  /** a method both routes answer */
  readonly method: string;
  /** a request path that `narrow`'s pattern matches and `wide`'s IAM resource covers */
  readonly request: string;
}

/**
 * Route tables in which an Allow for one route would also cover a request
 * for another route with another requirement: then no route-independent
 * policy is right. Same method (`ANY` overlaps every method), patterns
 * compared with each other. One conflict per pair of routes.
 */
export function routeConflicts(routes: readonly RouteDef[]): RouteConflict[] {
  const out: RouteConflict[] = [];
  routes.forEach((a, i) => {
    routes.slice(i + 1).forEach((b) => {
      if (a.needs === b.needs) return;
      const method = routeMethods(a.method).find((m) => routeMethods(b.method).includes(m));
      if (method === undefined) return;
      const ab = coveredRequest(a, b);
      const ba = ab === undefined ? coveredRequest(b, a) : undefined;
      if (ab !== undefined) out.push({ wide: a, narrow: b, method, request: ab });
      else if (ba !== undefined) out.push({ wide: b, narrow: a, method, request: ba });
    });
  });
  return out;
}

/** `routeConflicts` as sentences, for a construct to refuse the table with. */
export function wildcardConflicts(routes: readonly RouteDef[]): string[] {
  return routeConflicts(routes).map(
    ({ wide, narrow, method, request }) =>
      `${wide.method} ${wide.path} (${wide.needs}) also covers ${narrow.method} ${narrow.path} (${narrow.needs}) in an IAM policy: ` +
      `${method} ${request} matches the second's path and the first's resource ${routePattern(wide.path)}`,
  );
}
