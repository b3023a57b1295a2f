/**
 * IAM policies for API Gateway. The Allow statement lists every route the
 * principal may call, built from the incoming methodArn's API and stage, so
 * the same policy is right whichever route triggered it (SPEC §4).
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

export function routeArn(apiStage: string, route: Pick<RouteDef, 'method' | 'path'>): string {
  return `${apiStage}/${route.method}${routePattern(route.path)}`;
}

/** Whether a principal holding `permissions` may call a route. */
export function mayCall(route: RouteDef, permissions: ReadonlySet<string> | readonly string[]): boolean {
  if (route.needs === 'public' || route.needs === 'authenticated') return true;
  return permissions instanceof Set ? permissions.has(route.needs) : (permissions as readonly string[]).includes(route.needs);
}

export function allowPolicy(apiStage: string, routes: readonly RouteDef[], permissions: ReadonlySet<string>): PolicyDocument {
  const resources = routes.filter((r) => mayCall(r, permissions)).map((r) => routeArn(apiStage, r));
  if (resources.length === 0) return denyPolicy(`${apiStage}/*`);
  return { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: resources }] };
}

export function denyPolicy(resource: string): PolicyDocument {
  return { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: [resource] }] };
}

/**
 * Builds each distinct (API, permission set) policy once. Bounded: when full
 * it starts again, which costs a rebuild, never a wrong answer.
 */
export class PolicyCache {
  private readonly built = new Map<string, PolicyDocument>();

  constructor(
    private readonly routes: readonly RouteDef[],
    private readonly maxEntries = 1024,
  ) {}

  allow(apiStage: string, permissions: readonly string[]): PolicyDocument {
    const key = `${apiStage}|${[...permissions].sort().join(',')}`;
    let policy = this.built.get(key);
    if (!policy) {
      if (this.built.size >= this.maxEntries) this.built.clear();
      policy = allowPolicy(apiStage, this.routes, new Set(permissions));
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
 * Route tables in which a route's wildcard also covers another route of the
 * same method with another requirement cannot be expressed as one
 * route-independent policy. Returns the conflicts found.
 */
export function wildcardConflicts(routes: readonly RouteDef[]): string[] {
  const out: string[] = [];
  for (const a of routes) {
    for (const b of routes) {
      if (a === b || a.method !== b.method || a.needs === b.needs) continue;
      if (arnMatches(routePattern(a.path), b.path)) {
        out.push(`${a.method} ${a.path} (${a.needs}) also covers ${b.method} ${b.path} (${b.needs}) in an IAM policy`);
      }
    }
  }
  return out;
}
