/** The request as API Gateway reads it: headers and query in maps without prototypes, the routed path, the matched resource. */
import { randomUUID } from 'node:crypto';
import { headerValues } from '../../lambda/core/credentials';
import type { ResourceNode } from '../model';

export interface GatewayRequest {
  readonly method: string;
  /** the path and query as received, e.g. `/v1/keys/abc?x=1` */
  readonly url: string;
  /** Node's `rawHeaders`: name, value, name, value, … with the names' case kept */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  readonly sourceIp: string;
}

/** Everything API Gateway knows about one request. */
export interface RequestState {
  readonly requestId: string;
  readonly method: string;
  /** the path as received (the event's `path`) */
  readonly path: string;
  /** the path as API Gateway routes it: empty segments dropped (see `routedPath`) */
  readonly routed: string;
  readonly headers: Record<string, string>;
  readonly multiValueHeaders: Record<string, string[]>;
  readonly query: Record<string, string> | null;
  readonly multiQuery: Record<string, string[]> | null;
  readonly body: Buffer;
  readonly sourceIp: string;
  readonly epoch: number;
  resource?: ResourceNode;
  pathParameters?: Record<string, string> | null;
  authorizer?: Record<string, string>;
  /** the authorizer's `usageIdentifierKey` */
  usageIdentifierKey?: string;
}

/**
 * A map of request data by name: without a prototype, so names such as
 * `constructor`, `toString` or `__proto__` (which API Gateway accepts as
 * header and query names) are plain entries like any other.
 */
export function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

export function parseRequest(request: GatewayRequest, epoch: number): RequestState {
  const headers = dict<string>();
  const multiValueHeaders = dict<string[]>();
  const caseOf = new Map<string, string>();
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    const raw = request.rawHeaders[i]!;
    const name = caseOf.get(raw.toLowerCase()) ?? raw;
    caseOf.set(raw.toLowerCase(), name);
    (multiValueHeaders[name] ??= []).push(request.rawHeaders[i + 1]!);
    headers[name] = request.rawHeaders[i + 1]!;
  }
  const q = request.url.indexOf('?');
  const path = q < 0 ? request.url : request.url.slice(0, q);
  let query: Record<string, string> | null = null;
  let multiQuery: Record<string, string[]> | null = null;
  if (q >= 0) {
    for (const [k, v] of new URLSearchParams(request.url.slice(q + 1))) {
      (query ??= dict())[k] = v;
      ((multiQuery ??= dict())[k] ??= []).push(v);
    }
  }
  return {
    requestId: randomUUID(),
    method: request.method.toUpperCase(),
    path,
    routed: routedPath(path),
    headers,
    multiValueHeaders,
    query,
    multiQuery,
    body: request.body,
    sourceIp: request.sourceIp,
    epoch,
  };
}

export function header(req: RequestState, name: string): string | undefined {
  return headerValues(name, req.headers, undefined)[0];
}

/**
 * The path API Gateway routes a request by: a trailing slash and repeated
 * slashes do not count, so `/v1/auth/me/`, `//v1/auth/me` and
 * `/v1//auth/me` are all `/v1/auth/me`. The method ARN is built from it
 * too, so the authorizer's policy is judged against the route it was
 * called for. (See docs/local-runner.md for what is known of AWS here.)
 */
export function routedPath(path: string): string {
  return '/' + path.split('/').filter((s) => s !== '').join('/');
}

/**
 * The most specific resource for a path: at each level a literal part beats
 * `{param}`, which beats a greedy `{param+}`.
 */
export function matchResource(root: ResourceNode, path: string): { node: ResourceNode; params: Record<string, string> } | undefined {
  const segments = path.split('/').filter((s) => s !== '');
  const walk = (node: ResourceNode, i: number, params: Record<string, string>): { node: ResourceNode; params: Record<string, string> } | undefined => {
    if (i === segments.length) return { node, params };
    const seg = segments[i]!;
    const literal = node.children.find((c) => c.part === seg);
    const found = literal && walk(literal, i + 1, params);
    if (found) return found;
    for (const c of node.children) {
      const m = /^\{([^}+]+)\}$/.exec(c.part);
      const hit = m && walk(c, i + 1, { ...params, [m[1]!]: seg });
      if (hit) return hit;
    }
    const greedy = node.children.find((c) => /^\{[^}]+\+\}$/.test(c.part));
    if (greedy) return { node: greedy, params: { ...params, [greedy.part.slice(1, -2)]: segments.slice(i).join('/') } };
    return undefined;
  };
  return walk(root, 0, {});
}
