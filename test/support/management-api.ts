/**
 * Calls the management Lambdas as API Gateway would: the real authorizer
 * (`Authorizer` on the same table) decides first, a refusal becomes the
 * gateway's 401/403, and an allow's context is what the Lambda receives in
 * `requestContext.authorizer`.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { Authorizer } from '../../lambda/authorizer/authorizer';
import { hashPassword } from '../../lambda/core/password';
import type { ManagementFunctionName } from '../../lambda/core/management-routes';
import { loadConfig, type KeygateConfig } from '../../lambda/shared/config';
import { referenceEnv } from '../../fixtures/reference-env';
import { DynamoAccountStore } from '../../lambda/store/dynamo-account-store';
import { DynamoCredentialStore } from '../../lambda/store/dynamo-credential-store';
import { authorizerEvent } from '../../fixtures/authorizer-events';
import { lambdaContext } from '../../fixtures/lambda-context';

export const ORIGIN = 'https://app.example.com';

export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
export type ManagementHandlers = Record<ManagementFunctionName, ProxyHandler>;

/** Environment for the handlers under test. The authorizer cache is off, so each decision reads the table. */
export function managementEnv(table: string): Record<string, string> {
  return referenceEnv(table, { KEYGATE_ALLOWED_ORIGINS: ORIGIN, KEYGATE_CACHE_TTL_SECONDS: '0', KEYGATE_NEGATIVE_CACHE_TTL_SECONDS: '0' });
}

/** Sets the environment, then loads the handler modules, which read it at import. */
export function loadHandlers(env: Record<string, string>): ManagementHandlers {
  Object.assign(process.env, env);
  let handlers: ManagementHandlers | undefined;
  // Each load reads the environment afresh, so one test file can load two deployments.
  jest.isolateModules(() => {
    handlers = {
      auth: (require('../../lambda/management/auth/handler') as { handler: ProxyHandler }).handler,
      keys: (require('../../lambda/management/keys/handler') as { handler: ProxyHandler }).handler,
      admin: (require('../../lambda/management/admin/handler') as { handler: ProxyHandler }).handler,
      clients: (require('../../lambda/management/clients/handler') as { handler: ProxyHandler }).handler,
    };
  });
  return handlers!;
}

export interface ProxyRequest {
  readonly method: string;
  readonly resource: string;
  readonly pathParameters?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  /** an object is sent as JSON, a string as is */
  readonly body?: unknown;
  /** what the authorizer put in the context; null for a route without authorizer */
  readonly authorizer?: Record<string, string> | null;
}

export function proxyEvent(req: ProxyRequest): APIGatewayProxyEvent {
  const path = req.resource.replace(/\{(\w+)\}/g, (_m, name: string) => req.pathParameters?.[name] ?? name);
  const headers = req.headers ?? {};
  return {
    resource: req.resource,
    path,
    httpMethod: req.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: req.query ?? null,
    multiValueQueryStringParameters: req.query ? Object.fromEntries(Object.entries(req.query).map(([k, v]) => [k, [v]])) : null,
    pathParameters: req.pathParameters ?? null,
    stageVariables: null,
    body: req.body === undefined ? null : typeof req.body === 'string' ? req.body : JSON.stringify(req.body),
    isBase64Encoded: false,
    requestContext: {
      resourcePath: req.resource,
      httpMethod: req.method,
      path: `/api${path}`,
      stage: 'api',
      requestId: `req-${Math.random().toString(36).slice(2)}`,
      authorizer: req.authorizer ?? null,
    } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}

export interface ApiResponse {
  readonly status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
  readonly headers: Record<string, string>;
  /** true when the authorizer refused and the Lambda was never called */
  readonly fromGateway: boolean;
}

export interface CallOptions {
  readonly params?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly body?: unknown;
  /** an API key (Authorization header) or a session token (cookie) */
  readonly key?: string;
  readonly session?: string;
  /** default ORIGIN; null sends none */
  readonly origin?: string | null;
  readonly headers?: Record<string, string>;
}

export class ManagementApi {
  readonly authorizer: Authorizer;
  private readonly config: KeygateConfig;

  constructor(
    client: DynamoDBClient,
    table: string,
    readonly handlers: ManagementHandlers,
    now?: () => number,
    /** the deployment's Lambda environment; default the reference app's */
    env: Record<string, string> = managementEnv(table),
  ) {
    this.config = loadConfig(env);
    this.authorizer = new Authorizer({ store: new DynamoCredentialStore(client, table), config: this.config, ...(now ? { now } : {}) });
  }

  async call(method: string, resource: string, opts: CallOptions = {}): Promise<ApiResponse> {
    const route = this.config.routes.find((r) => r.method === method && r.path === resource);
    const target = route?.fn as ManagementFunctionName | undefined;
    if (!route || !target) throw new Error(`not a management route: ${method} ${resource}`);
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.origin !== null) headers.Origin = opts.origin ?? ORIGIN;
    if (opts.key) headers.Authorization = `Bearer ${opts.key}`;
    if (opts.session) headers.Cookie = `keygate_session=${opts.session}`;

    let authorizer: Record<string, string> | null = null;
    if (route.needs !== 'public') {
      const decision = await this.authorizer.decide(authorizerEvent(method, resource, headers));
      if (decision.outcome === 'unauthorized') {
        return { status: 401, body: { error_code: 'unauthorized', reason: decision.reason }, headers: {}, fromGateway: true };
      }
      if (decision.outcome === 'deny') return { status: 403, body: { error_code: decision.reason }, headers: {}, fromGateway: true };
      authorizer = { principalId: decision.result.principalId, ...(decision.result.context as Record<string, string>) };
    }
    const event = proxyEvent({ method, resource, headers, authorizer, ...(opts.params ? { pathParameters: opts.params } : {}), ...(opts.query ? { query: opts.query } : {}), ...(opts.body !== undefined ? { body: opts.body } : {}) });
    const res = await this.handlers[target](event, lambdaContext(`keygate-${target}`));
    return {
      status: res.statusCode,
      body: res.body ? parseIfJson(res.body) : undefined,
      headers: (res.headers ?? {}) as Record<string, string>,
      fromGateway: false,
    };
  }

  /** Logs in and returns the session token from the cookie. */
  async login(email: string, password: string): Promise<string> {
    const res = await this.call('POST', `${this.config.basePath}/auth/login`, { body: { email, password } });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
    return sessionFromCookie(res.headers['Set-Cookie']);
  }
}

/** A JSON body as a value; any other body (an HTML page, a client file) as its text. */
function parseIfJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

export function sessionFromCookie(setCookie: string | undefined): string {
  const m = /^keygate_session=([^;]*);/.exec(setCookie ?? '');
  if (!m) throw new Error(`no session cookie in '${setCookie}'`);
  return m[1]!;
}

export interface TestUser {
  readonly userId: string;
  readonly email: string;
  readonly password: string;
}

let userCount = 0;

/** A user made straight in the table (faster than the admin API), with a real scrypt hash. */
export async function makeUser(accounts: DynamoAccountStore, opts: { admin?: boolean; kind?: 'human' | 'bot' } = {}): Promise<TestUser> {
  const email = `user${++userCount}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const password = `correct horse ${Math.random().toString(36).slice(2)}`;
  const kind = opts.kind ?? 'human';
  const { userId } = await accounts.createUser({
    email,
    kind,
    admin: opts.admin === true,
    ...(kind === 'human' ? { passwordHash: await hashPassword(password) } : {}),
  });
  return { userId, email, password };
}

/** A test user with a session token from a real login. */
export interface SignedInUser extends TestUser {
  readonly session: string;
}
