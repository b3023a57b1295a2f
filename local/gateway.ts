/**
 * API Gateway's REST request path, as far as keygate depends on it:
 * resource matching, the Lambda REQUEST/TOKEN authorizer (identity sources,
 * result cache, policy evaluation against the method ARN), the Lambda proxy
 * integration, MOCK integrations (CORS preflight) and gateway responses.
 * No HTTP server and no Lambda runtime here: requests come in as plain
 * objects and functions are called through `invoke`.
 */
import { randomUUID } from 'node:crypto';
import { headerValues } from '../lambda/core/credentials';
import { evaluatePolicy, isPolicyDocument } from './iam';
import type { AppModel, AuthorizerDef, GatewayResponseDef, MethodDef, ResourceNode } from './model';
import { REFUSALS, UsagePlanModel } from './usage-plans';
import { renderTemplate, runTemplate } from './vtl';

export interface GatewayRequest {
  readonly method: string;
  /** the path and query as received, e.g. `/v1/keys/abc?x=1` */
  readonly url: string;
  /** Node's `rawHeaders`: name, value, name, value, … with the names' case kept */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  readonly sourceIp: string;
}

export interface GatewayResponse {
  readonly statusCode: number;
  /** name/value pairs; a name may repeat (Set-Cookie) */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
  /** for the runner's log: which gateway response, if API Gateway answered itself */
  readonly responseType?: string;
}

export type InvokeResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly errorType: string; readonly errorMessage: string };

export type Invoke = (functionId: string, event: unknown) => Promise<InvokeResult>;

/** API Gateway's own default status code for each response type. */
const DEFAULT_STATUS: Record<string, number> = {
  ACCESS_DENIED: 403,
  API_CONFIGURATION_ERROR: 500,
  AUTHORIZER_CONFIGURATION_ERROR: 500,
  AUTHORIZER_FAILURE: 500,
  BAD_REQUEST_BODY: 400,
  BAD_REQUEST_PARAMETERS: 400,
  EXPIRED_TOKEN: 403,
  INTEGRATION_FAILURE: 504,
  INTEGRATION_TIMEOUT: 504,
  INVALID_API_KEY: 403,
  INVALID_SIGNATURE: 403,
  MISSING_AUTHENTICATION_TOKEN: 403,
  QUOTA_EXCEEDED: 429,
  REQUEST_TOO_LARGE: 413,
  RESOURCE_NOT_FOUND: 404,
  THROTTLED: 429,
  UNAUTHORIZED: 401,
  UNSUPPORTED_MEDIA_TYPE: 415,
  WAF_FILTERED: 403,
};

/** What clients see in `x-amzn-ErrorType` for the types that can happen here. */
const ERROR_TYPE: Record<string, string> = {
  ACCESS_DENIED: 'AccessDeniedException',
  AUTHORIZER_CONFIGURATION_ERROR: 'AuthorizerConfigurationException',
  AUTHORIZER_FAILURE: 'AuthorizerConfigurationException',
  MISSING_AUTHENTICATION_TOKEN: 'MissingAuthenticationTokenException',
  UNAUTHORIZED: 'UnauthorizedException',
  REQUEST_TOO_LARGE: 'RequestTooLargeException',
  INTEGRATION_TIMEOUT: 'InternalServerErrorException',
  DEFAULT_5XX: 'InternalServerErrorException',
  INVALID_API_KEY: REFUSALS.INVALID_API_KEY.errorType,
  THROTTLED: REFUSALS.THROTTLED.errorType,
  QUOTA_EXCEEDED: REFUSALS.QUOTA_EXCEEDED.errorType,
};

const DEFAULT_TEMPLATE = '{"message":$context.error.messageString}';
const MAX_BODY_BYTES = 10 * 1024 * 1024;
/** API Gateway's default (and maximum) integration timeout. */
const INTEGRATION_TIMEOUT_MS = 29_000;

/** Everything API Gateway knows about one request. */
interface RequestState {
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

interface AuthorizerResult {
  readonly principalId: string;
  readonly policyDocument: unknown;
  readonly context: Record<string, string>;
  readonly usageIdentifierKey?: string;
}

export interface GatewayOptions {
  /** epoch milliseconds, injectable for cache tests */
  readonly now?: () => number;
  /** the usage plans methods with ApiKeyRequired are metered by (default: the template's, in memory) */
  readonly usagePlans?: UsagePlanModel;
}

export class Gateway {
  private readonly cache = new Map<string, { readonly result: AuthorizerResult; readonly expiresAt: number }>();
  private readonly now: () => number;
  private readonly usagePlans: UsagePlanModel | undefined;

  constructor(
    private readonly model: AppModel,
    private readonly invoke: Invoke,
    options: GatewayOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.usagePlans = options.usagePlans ?? (model.usagePlans ? UsagePlanModel.fromTemplate(model.usagePlans, { now: this.now }) : undefined);
  }

  async handle(request: GatewayRequest): Promise<GatewayResponse> {
    const req = this.parse(request);
    const match = matchResource(this.model.api.root, req.routed);
    const method = match && (match.node.methods.get(req.method) ?? match.node.methods.get('ANY'));
    if (!match || !method) return this.gatewayResponse('MISSING_AUTHENTICATION_TOKEN', req, 'Missing Authentication Token');
    req.resource = match.node;
    req.pathParameters = Object.keys(match.params).length > 0 ? match.params : null;
    if (req.body.length > MAX_BODY_BYTES) return this.gatewayResponse('REQUEST_TOO_LARGE', req, 'Request Too Long');

    if (method.authorizerId) {
      const denied = await this.authorize(this.model.api.authorizers.get(method.authorizerId)!, method, req);
      if (denied) return denied;
    }
    if (method.apiKeyRequired) {
      const refused = this.meter(req);
      if (refused) return refused;
    }
    return method.integration.type === 'lambda' ? this.proxy(method.integration.functionId, method, req) : this.mock(method, req);
  }

  private parse(request: GatewayRequest): RequestState {
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
      epoch: this.now(),
    };
  }

  private header(req: RequestState, name: string): string | undefined {
    return headerValues(name, req.headers, undefined)[0];
  }

  private methodArn(req: RequestState): string {
    const { region, account, api } = this.model;
    return `arn:aws:execute-api:${region}:${account}:${api.id}/${api.stage}/${req.method}/${req.routed.slice(1)}`;
  }

  private requestContext(req: RequestState, method?: MethodDef) {
    const { api, account } = this.model;
    const host = this.header(req, 'host') ?? 'localhost';
    return {
      accountId: account,
      apiId: api.id,
      domainName: host,
      domainPrefix: host.split('.')[0],
      extendedRequestId: req.requestId,
      httpMethod: req.method,
      identity: {
        accessKey: null,
        accountId: null,
        caller: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: req.sourceIp,
        user: null,
        userAgent: this.header(req, 'user-agent') ?? null,
        userArn: null,
      },
      // Served without the stage prefix, like a custom domain whose base path maps to the stage: the path as sent.
      path: req.path,
      protocol: 'HTTP/1.1',
      requestId: req.requestId,
      requestTime: requestTime(req.epoch),
      requestTimeEpoch: req.epoch,
      resourceId: method?.resourceId ?? '',
      resourcePath: req.resource?.path ?? '',
      stage: api.stage,
    };
  }

  /** Runs the authorizer; returns the answer when the request may not go on. */
  private async authorize(auth: AuthorizerDef, method: MethodDef, req: RequestState): Promise<GatewayResponse | undefined> {
    const identity = this.identityValues(auth, req);
    // API Gateway refuses without calling the authorizer when an identity source is missing.
    if (!identity) return this.gatewayResponse('UNAUTHORIZED', req, 'Unauthorized');
    if (auth.type === 'TOKEN' && auth.validationExpression && !new RegExp(`^(?:${auth.validationExpression})$`).test(identity[0]!)) {
      return this.gatewayResponse('UNAUTHORIZED', req, 'Unauthorized');
    }
    const methodArn = this.methodArn(req);
    const cacheKey = auth.ttlSeconds > 0 && auth.identitySources.length > 0 ? `${auth.logicalId}\n${identity.join('\n')}` : undefined;
    const cached = cacheKey ? this.cache.get(cacheKey) : undefined;
    let result = cached && cached.expiresAt > this.now() ? cached.result : undefined;
    if (!result) {
      const event =
        auth.type === 'TOKEN'
          ? { type: 'TOKEN', authorizationToken: identity[0], methodArn }
          : {
              type: 'REQUEST',
              methodArn,
              resource: method.resourcePath,
              path: req.path,
              httpMethod: req.method,
              headers: req.headers,
              multiValueHeaders: req.multiValueHeaders,
              queryStringParameters: req.query ?? {},
              multiValueQueryStringParameters: req.multiQuery ?? {},
              pathParameters: req.pathParameters ?? {},
              stageVariables: this.model.api.stageVariables ?? {},
              requestContext: this.requestContext(req, method),
            };
      const out = await this.invoke(auth.functionId, event);
      if (!out.ok) {
        if (out.errorMessage === 'Unauthorized') return this.gatewayResponse('UNAUTHORIZED', req, 'Unauthorized');
        return this.gatewayResponse('AUTHORIZER_FAILURE', req, null);
      }
      result = readAuthorizerResult(out.value);
      if (!result) return this.gatewayResponse('AUTHORIZER_CONFIGURATION_ERROR', req, null);
      if (cacheKey) this.cache.set(cacheKey, { result, expiresAt: this.now() + auth.ttlSeconds * 1000 });
    }
    // The gateway responses and the integration both see the authorizer's context.
    req.authorizer = Object.assign(dict<string>(), result.context, { principalId: result.principalId });
    if (result.usageIdentifierKey !== undefined) req.usageIdentifierKey = result.usageIdentifierKey;
    const verdict = evaluatePolicy(result.policyDocument, methodArn);
    if (verdict === 'allow') return undefined;
    return this.gatewayResponse(
      'ACCESS_DENIED',
      req,
      verdict === 'explicit-deny' ? 'User is not authorized to access this resource with an explicit deny' : 'User is not authorized to access this resource',
    );
  }

  /**
   * Usage plans, for a method that requires an API key: the key comes from
   * the authorizer (`ApiKeySourceType: AUTHORIZER`) or the `x-api-key`
   * header; a missing, unknown or disabled key, or one in no plan of this
   * stage, is 403 Forbidden; then the plan's throttle and quota.
   */
  private meter(req: RequestState): GatewayResponse | undefined {
    const { api } = this.model;
    const value = api.apiKeySource === 'AUTHORIZER' ? req.usageIdentifierKey : this.header(req, 'x-api-key');
    const verdict = this.usagePlans?.admit(value, { apiId: api.id, stage: api.stage }) ?? { ok: false, type: 'INVALID_API_KEY' as const };
    return verdict.ok ? undefined : this.gatewayResponse(verdict.type, req, REFUSALS[verdict.type].message);
  }

  /** The identity source values, or undefined when one is missing or empty. */
  private identityValues(auth: AuthorizerDef, req: RequestState): string[] | undefined {
    const values: string[] = [];
    for (const source of auth.identitySources) {
      const value = this.parameter(source, req);
      if (value === undefined || value === '') return undefined;
      values.push(value);
    }
    return values;
  }

  /** A mapped header's value: a quoted literal (`'*'`), or a request parameter. */
  private mappedValue(expression: string, req: RequestState): string | undefined {
    return /^'(.*)'$/s.exec(expression)?.[1] ?? this.parameter(expression, req);
  }

  /** A mapping expression: `method.request.header.x`, `…querystring.x`, `…path.x`, `stageVariables.x`, `context.x`. */
  private parameter(expression: string, req: RequestState): string | undefined {
    let m: RegExpExecArray | null;
    if ((m = /^method\.request\.header\.(.+)$/.exec(expression))) return this.header(req, m[1]!);
    if ((m = /^method\.request\.multivalueheader\.(.+)$/.exec(expression))) {
      const wanted = m[1]!.toLowerCase();
      const entry = Object.entries(req.multiValueHeaders).find(([k]) => k.toLowerCase() === wanted);
      return entry?.[1].join(',');
    }
    if ((m = /^method\.request\.querystring\.(.+)$/.exec(expression))) return req.query?.[m[1]!];
    if ((m = /^method\.request\.multivaluequerystring\.(.+)$/.exec(expression))) return req.multiQuery?.[m[1]!]?.join(',');
    if ((m = /^method\.request\.path\.(.+)$/.exec(expression))) return req.pathParameters?.[m[1]!];
    if ((m = /^stageVariables\.(.+)$/.exec(expression))) return this.model.api.stageVariables?.[m[1]!];
    if ((m = /^context\.(.+)$/.exec(expression))) return this.contextValue(req, m[1]!.split('.'), undefined);
    return undefined;
  }

  private contextValue(req: RequestState, path: readonly string[], error: { type: string; message: string | null } | undefined): string | undefined {
    const [first, ...rest] = path;
    if (first === 'authorizer') return rest.length === 1 ? req.authorizer?.[rest[0]!] : undefined;
    if (first === 'error') {
      if (!error) return undefined;
      if (rest[0] === 'message') return error.message ?? '';
      if (rest[0] === 'messageString') return JSON.stringify(error.message);
      if (rest[0] === 'responseType') return error.type;
      return undefined;
    }
    let value: unknown = this.requestContext(req);
    for (const p of path) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[p] : undefined;
    return value === undefined || value === null || typeof value === 'object' ? undefined : String(value);
  }

  /** The answer API Gateway gives itself, shaped by the template's gateway responses. */
  private gatewayResponse(type: string, req: RequestState, message: string | null, status?: number): GatewayResponse {
    const responses = this.model.api.gatewayResponses;
    const baseStatus = status ?? DEFAULT_STATUS[type] ?? 500;
    const fallback = baseStatus >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX';
    const specific = responses.get(type);
    const def: GatewayResponseDef | undefined = specific ?? responses.get(fallback);
    const statusCode = def?.statusCode ?? baseStatus;
    const error = { type, message };
    const lookup = (root: string, path: readonly string[]) =>
      root === 'context' ? this.contextValue(req, path, error) : this.model.api.stageVariables?.[path.join('.')];
    const [contentType, template] = pickTemplate(def?.templates);
    const headers: [string, string][] = [['Content-Type', contentType]];
    for (const [name, expression] of Object.entries(def?.headers ?? {})) {
      const value = this.mappedValue(expression, req);
      if (value !== undefined) headers.push([name, value]);
    }
    headers.push(['x-amzn-RequestId', req.requestId]);
    const errorType = ERROR_TYPE[type] ?? ERROR_TYPE[fallback];
    if (errorType) headers.push(['x-amzn-ErrorType', errorType]);
    return { statusCode, headers, body: Buffer.from(renderTemplate(template, lookup)), responseType: type };
  }

  private async proxy(functionId: string, method: MethodDef, req: RequestState): Promise<GatewayResponse> {
    const binary = isBinary(this.header(req, 'content-type'), this.model.api.binaryMediaTypes);
    const event = {
      resource: method.resourcePath,
      path: req.path,
      httpMethod: req.method,
      headers: Object.keys(req.headers).length > 0 ? req.headers : null,
      multiValueHeaders: Object.keys(req.multiValueHeaders).length > 0 ? req.multiValueHeaders : null,
      queryStringParameters: req.query,
      multiValueQueryStringParameters: req.multiQuery,
      pathParameters: req.pathParameters ?? null,
      stageVariables: this.model.api.stageVariables,
      requestContext: {
        ...this.requestContext(req, method),
        ...(req.authorizer ? { authorizer: { ...req.authorizer, integrationLatency: 0 } } : {}),
      },
      body: req.body.length === 0 ? null : binary ? req.body.toString('base64') : req.body.toString('utf8'),
      isBase64Encoded: req.body.length > 0 && binary,
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), INTEGRATION_TIMEOUT_MS)));
    const out = await Promise.race([this.invoke(functionId, event), timeout]).finally(() => clearTimeout(timer));
    if (out === 'timeout') return this.gatewayResponse('INTEGRATION_TIMEOUT', req, 'Endpoint request timed out');
    // A function error or a malformed answer is a 502 "Internal server error".
    const response = out.ok ? readProxyResult(out.value) : undefined;
    if (!response) return this.gatewayResponse('DEFAULT_5XX', req, 'Internal server error', 502);
    return { ...response, headers: [...response.headers, ['x-amzn-RequestId', req.requestId]] };
  }

  /** MOCK integrations (such as CDK's CORS preflight): the static response headers, then the response template run as VTL. */
  private mock(method: MethodDef, req: RequestState): GatewayResponse {
    if (method.integration.type !== 'mock') throw new Error('not a mock integration');
    const response = method.integration.responses.find((r) => !r.selectionPattern) ?? method.integration.responses[0];
    if (!response) return this.gatewayResponse('DEFAULT_5XX', req, 'Internal server error', 500);
    const headers = new Map<string, string>();
    for (const [key, expression] of Object.entries(response.parameters)) {
      const name = /^method\.response\.header\.(.+)$/.exec(key)?.[1];
      const value = this.mappedValue(expression, req);
      if (name && value !== undefined) headers.set(name, value);
    }
    const [contentType, template] = pickTemplate(response.templates, '');
    const out = runTemplate(template, {
      lookup: (root, path) => (root === 'context' ? this.contextValue(req, path, undefined) : this.model.api.stageVariables?.[path.join('.')]),
      params: { header: req.headers, querystring: req.query ?? {}, path: req.pathParameters ?? {} },
    });
    // `$context.responseOverride.header.*` replaces a header of the same name, whatever its case.
    for (const [name, value] of Object.entries(out.headers)) {
      for (const existing of headers.keys()) if (existing.toLowerCase() === name.toLowerCase()) headers.delete(existing);
      headers.set(name, value);
    }
    return {
      statusCode: out.status ?? response.statusCode,
      headers: [['Content-Type', contentType], ...headers, ['x-amzn-RequestId', req.requestId]],
      // Velocity keeps the line breaks around directives; what is left of CDK's preflight template is only those.
      body: Buffer.from(out.output.trim()),
    };
  }
}

/**
 * A map of request data by name: without a prototype, so names such as
 * `constructor`, `toString` or `__proto__` (which API Gateway accepts as
 * header and query names) are plain entries like any other.
 */
function dict<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

function pickTemplate(templates: Readonly<Record<string, string>> | undefined, fallback = DEFAULT_TEMPLATE): [string, string] {
  const entries = Object.entries(templates ?? {});
  const json = entries.find(([type]) => type === 'application/json') ?? entries[0];
  return json ? [json[0], json[1]] : ['application/json', fallback];
}

/** `dd/MMM/yyyy:HH:mm:ss +0000`, as in `$context.requestTime`. */
function requestTime(epoch: number): string {
  const d = new Date(epoch);
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

function isBinary(contentType: string | undefined, binaryTypes: readonly string[]): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return binaryTypes.some((b) => b === '*/*' || b.toLowerCase() === type || (b.endsWith('/*') && type.startsWith(b.slice(0, -1).toLowerCase())));
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

function readAuthorizerResult(value: unknown): AuthorizerResult | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as { principalId?: unknown; policyDocument?: unknown; context?: unknown; usageIdentifierKey?: unknown };
  if (v.principalId === undefined || v.principalId === null || !isPolicyDocument(v.policyDocument)) return undefined;
  const context = dict<string>();
  if (v.context !== undefined && v.context !== null) {
    if (typeof v.context !== 'object' || Array.isArray(v.context)) return undefined;
    // API Gateway refuses nested values and passes the others on as strings.
    for (const [k, x] of Object.entries(v.context)) {
      if (x !== null && typeof x === 'object') return undefined;
      context[k] = String(x);
    }
  }
  const usageKey = typeof v.usageIdentifierKey === 'string' ? { usageIdentifierKey: v.usageIdentifierKey } : {};
  return { principalId: String(v.principalId), policyDocument: v.policyDocument, context, ...usageKey };
}

function readProxyResult(value: unknown): Omit<GatewayResponse, 'responseType'> | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as { statusCode?: unknown; headers?: unknown; multiValueHeaders?: unknown; body?: unknown; isBase64Encoded?: unknown };
  const statusCode = Number(v.statusCode);
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) return undefined;
  if (v.body !== undefined && v.body !== null && typeof v.body !== 'string') return undefined;
  const headers: [string, string][] = [];
  const seen = new Set<string>();
  for (const [k, vs] of Object.entries((v.multiValueHeaders ?? {}) as Record<string, unknown>)) {
    if (!Array.isArray(vs)) return undefined;
    for (const x of vs) {
      headers.push([k, String(x)]);
      seen.add(`${k.toLowerCase()}\n${String(x)}`);
    }
  }
  for (const [k, x] of Object.entries((v.headers ?? {}) as Record<string, unknown>)) {
    if (x !== null && typeof x === 'object') return undefined;
    if (!seen.has(`${k.toLowerCase()}\n${String(x)}`)) headers.push([k, String(x)]);
  }
  // API Gateway answers application/json when the function names no type.
  if (!headers.some(([k]) => k.toLowerCase() === 'content-type')) headers.push(['Content-Type', 'application/json']);
  const body = typeof v.body === 'string' ? Buffer.from(v.body, v.isBase64Encoded === true ? 'base64' : 'utf8') : Buffer.alloc(0);
  return { statusCode, headers, body };
}
