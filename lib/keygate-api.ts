import { Duration, Names } from 'aws-cdk-lib';
import {
  AccessLogField,
  AccessLogFormat,
  AuthorizationType,
  CfnAuthorizer,
  Cors,
  EndpointType,
  IdentitySource,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  RequestAuthorizer,
  ResponseType,
  RestApi,
  type CorsOptions,
} from 'aws-cdk-lib/aws-apigateway';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { catalogWith, validateRouteTable, type PermissionDef, type RouteDef } from '../lambda/core/catalog';
import { BASE_PATH_PATTERN, DEFAULT_BASE_PATH, managementRoutes, type ManagementFunctionName } from '../lambda/core/management-routes';
import { wildcardConflicts } from '../lambda/core/policy';
import { DEFAULT_PREFIXES } from '../lambda/core/token';
import { DEFAULT_CACHE_TTL_SECONDS, DEFAULT_COOKIE_NAME, ENV, configEnvironment } from '../lambda/shared/config';
import { LOOKUP_ATTRIBUTES, PK, SK } from '../lambda/store/keys';
import { keygateFunction } from './keygate-function';

/** A route of the protected API and the Lambda that answers it (proxy integration). */
export interface KeygateRoute extends RouteDef {
  readonly handler: IFunction;
}

export interface KeygateApiProps {
  /** The keygate table (see `KeygateTable`); the authorizer only reads it. */
  readonly table: ITable;

  /**
   * Your own routes: method, path, what they need, and who answers them.
   * They are merged with the management API's routes (under `basePath`);
   * the whole table is refused at synth time if a route needs an unknown
   * permission, is listed twice, or if a path parameter of one route would
   * also match another route with another requirement in an IAM policy.
   */
  readonly routes: readonly KeygateRoute[];

  /**
   * Your own permissions, added to the management ones (`manage_keys`,
   * `manage_sessions`, `change_password`, `admin`), which are always there.
   *
   * @default - none of your own
   */
  readonly permissions?: readonly PermissionDef[];

  /**
   * Where the management API is mounted: `/v1/auth/login`, `/v1/keys`, …
   *
   * @default '/v1'
   */
  readonly basePath?: string;

  /**
   * The management Lambdas that answer the management routes, by name.
   *
   * @default - the management routes get no resources on the API (their
   * permissions and policies still count)
   */
  readonly managementHandlers?: Readonly<Record<ManagementFunctionName, IFunction>>;

  /**
   * Name of the session cookie.
   *
   * @default 'keygate_session'
   */
  readonly cookieName?: string;

  /**
   * Prefix of user API keys.
   *
   * @default 'user_key_'
   */
  readonly userKeyPrefix?: string;

  /**
   * Prefix of bot API keys.
   *
   * @default 'bot_key_'
   */
  readonly botKeyPrefix?: string;

  /**
   * Browser origins (`https://app.example.com`) allowed to use a session
   * cookie on unsafe methods (the CSRF allow-list) and to read answers
   * (CORS, with credentials). When set, every resource gets an
   * unauthenticated OPTIONS preflight that echoes the request's origin if it
   * is listed.
   *
   * API Gateway's own error answers (401, 403, 404, 429, 5xx) cannot choose a
   * header value per request, so they carry `Access-Control-Allow-Origin` set
   * to the FIRST origin of this list only. Browsers on the other origins see
   * those errors as CORS failures; put the main front end first.
   *
   * @default - no origin: no CORS, and a session cookie works only on GET
   */
  readonly allowedOrigins?: string[];

  /**
   * How long the authorizer function trusts a credential it has read, before
   * reading it again. This is also how long a revoked key or ended session
   * can still be used. At most 60 seconds.
   *
   * @default Duration.seconds(5)
   */
  readonly credentialCacheTtl?: Duration;

  /**
   * API Gateway's cache of authorizer results. Needs an identity source, and
   * API Gateway calls a REQUEST authorizer only when every identity source is
   * present, so turning this on makes `Authorization` the identity source and
   * session cookies can no longer reach the authorizer: it needs
   * `sessions: false`.
   *
   * @default - no gateway cache: no identity source, the authorizer runs on
   * every request and caches credentials itself (`credentialCacheTtl`)
   */
  readonly gatewayCacheTtl?: Duration;

  /**
   * Whether callers may authenticate with the session cookie. Set to false
   * for an API-keys-only deployment, which is what allows `gatewayCacheTtl`:
   * API Gateway then answers 401 itself to any request without an
   * Authorization header.
   *
   * @default true
   */
  readonly sessions?: boolean;

  /**
   * Name of the API Gateway stage; it is the first path segment of every URL.
   *
   * @default 'api'
   */
  readonly stageName?: string;

  /**
   * Name of the REST API; also the `ApiName` dimension of its metrics.
   *
   * @default - a name unique to this construct's path
   */
  readonly restApiName?: string;

  /**
   * Whether to create the account-wide role API Gateway needs to write access
   * and execution logs to CloudWatch. Needed once per account and region;
   * set to false when the account already has one.
   *
   * @default true
   */
  readonly cloudWatchRole?: boolean;
}

const MAX_CREDENTIAL_CACHE_SECONDS = 60;
/** Lambda refuses environments larger than 4 KB in total. */
const MAX_ENVIRONMENT_BYTES = 4096;
const ORIGIN = /^https?:\/\/[^/\s,*]+$/;
const PREFIX = /^[a-z][a-z0-9]*_(?:[a-z0-9]+_)*$/;
const COOKIE_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** What the authorizer writes when it records a key's use (at most hourly). */
const LAST_USED_ATTRIBUTE = 'lastUsedAt';

/**
 * An API Gateway REST API behind the keygate Lambda REQUEST authorizer: API
 * keys (`Authorization: Bearer …`) and session cookies, checked per route
 * against `routes`. Every route that is not `public` uses the authorizer.
 */
export class KeygateApi extends Construct {
  /** The REST API, one method per route. */
  public readonly api: RestApi;
  /** The REQUEST authorizer on every non-public method. */
  public readonly authorizer: RequestAuthorizer;
  /** The authorizer Lambda (lambda/authorizer/handler.ts). */
  public readonly authorizerFunction: NodejsFunction;
  /** Where the management API is mounted. */
  public readonly basePath: string;
  /** TABLE_NAME and the KEYGATE_* settings, for other functions that share the table (e.g. management Lambdas). */
  public readonly configEnvironment: Record<string, string>;

  constructor(scope: Construct, id: string, props: KeygateApiProps) {
    super(scope, id);
    const ownPermissions = props.permissions ?? [];
    const permissions = catalogWith(ownPermissions);
    const basePath = props.basePath ?? DEFAULT_BASE_PATH;
    const origins = props.allowedOrigins ?? [];
    const credentialCacheTtl = props.credentialCacheTtl ?? Duration.seconds(DEFAULT_CACHE_TTL_SECONDS);
    const gatewayCacheSeconds = props.gatewayCacheTtl?.toSeconds() ?? 0;
    const sessions = props.sessions ?? true;
    const prefixes = { user: props.userKeyPrefix ?? DEFAULT_PREFIXES.user, bot: props.botKeyPrefix ?? DEFAULT_PREFIXES.bot };
    const cookieName = props.cookieName ?? DEFAULT_COOKIE_NAME;
    const ownRoutes: RouteDef[] = props.routes.map(({ method, path, needs }) => ({ method, path, needs }));
    const problems: string[] = [];
    if (!BASE_PATH_PATTERN.test(basePath)) problems.push(`basePath '${basePath}' has to be '' or like '/v1' (no trailing '/', no parameters)`);
    const mgmtRoutes = problems.length === 0 ? managementRoutes(basePath) : [];
    const routes: RouteDef[] = [...mgmtRoutes, ...ownRoutes];
    problems.push(...validateRouteTable(routes, permissions), ...wildcardConflicts(routes));
    if (credentialCacheTtl.toSeconds() > MAX_CREDENTIAL_CACHE_SECONDS) {
      problems.push(`credentialCacheTtl is ${credentialCacheTtl.toSeconds()} s; at most ${MAX_CREDENTIAL_CACHE_SECONDS} s, since a revoked key works for that long`);
    }
    if (gatewayCacheSeconds > 0 && sessions) {
      problems.push(
        'gatewayCacheTtl needs sessions: false. The gateway cache needs the Authorization header as identity source, ' +
          'and API Gateway would then refuse every request that carries only a session cookie without calling the authorizer',
      );
    }
    for (const o of origins) if (!ORIGIN.test(o)) problems.push(`allowedOrigins: '${o}' is not an origin like https://app.example.com (no path, no wildcard)`);
    for (const [kind, p] of Object.entries(prefixes)) if (!PREFIX.test(p)) problems.push(`${kind}KeyPrefix '${p}' has to be lower_snake_case ending in '_'`);
    if (prefixes.user === prefixes.bot || [prefixes.user, prefixes.bot].includes(DEFAULT_PREFIXES.session)) {
      problems.push(`key prefixes have to differ from each other and from '${DEFAULT_PREFIXES.session}'`);
    }
    if (!COOKIE_NAME.test(cookieName)) problems.push(`cookieName '${cookieName}' is not a valid cookie name`);
    if (problems.length > 0) throw new Error(`KeygateApi ${this.node.path} is misconfigured:\n- ${problems.join('\n- ')}`);

    this.basePath = basePath;
    this.configEnvironment = configEnvironment(props.table.tableName, {
      basePath,
      routes: ownRoutes,
      permissions: ownPermissions,
      userKeyPrefix: prefixes.user,
      botKeyPrefix: prefixes.bot,
      cookieName,
      allowedOrigins: origins,
      cacheTtlSeconds: credentialCacheTtl.toSeconds(),
    });
    const envBytes = Object.entries(this.configEnvironment)
      .filter(([k]) => k !== ENV.tableName) // a token at synth time; table names are short
      .reduce((n, [k, v]) => n + k.length + v.length, 0);
    if (envBytes > MAX_ENVIRONMENT_BYTES - 512) {
      throw new Error(`KeygateApi ${this.node.path}: the route table and permission catalog take ${envBytes} bytes of the 4 KB Lambda environment; shorten them`);
    }

    this.authorizerFunction = keygateFunction(this, 'AuthorizerFunction', {
      entry: 'lambda/authorizer/handler.ts',
      description: 'keygate: checks API keys and session cookies, returns the routes the caller may use',
      environment: this.configEnvironment,
      // The authorizer sits in front of every request: more memory is more CPU, so a shorter cold start.
      memorySize: 512,
      timeout: Duration.seconds(5),
    });
    // The authorizer reads a credential and its owner in one BatchGetItem, nothing
    // else, and only the attributes it names (never `passwordHash`): every name in
    // the request has to be one of LOOKUP_ATTRIBUTES, and the request has to name
    // its attributes. A read that names none asks for all of them, which makes
    // its `dynamodb:Select` ALL_ATTRIBUTES, and is refused (docs/design.md).
    this.authorizerFunction.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['dynamodb:BatchGetItem'],
        resources: [props.table.tableArn],
        conditions: {
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...LOOKUP_ATTRIBUTES] },
          StringEquals: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
        },
      }),
    );
    // It also records a key's last use (at most hourly): UpdateItem may touch
    // only that attribute and return nothing. The key attributes are listed
    // because a ConditionExpression names them; UpdateItem can never change them.
    this.authorizerFunction.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['dynamodb:UpdateItem'],
        resources: [props.table.tableArn],
        conditions: {
          'ForAllValues:StringEquals': { 'dynamodb:Attributes': [PK, SK, LAST_USED_ATTRIBUTE] },
          StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE'] },
        },
      }),
    );

    const stageName = props.stageName ?? 'api';
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_MONTH });
    this.api = new RestApi(this, 'Api', {
      restApiName: props.restApiName ?? Names.uniqueResourceName(this, { maxLength: 128, separator: '-' }),
      description: 'keygate-protected API',
      endpointTypes: [EndpointType.REGIONAL],
      cloudWatchRole: props.cloudWatchRole ?? true,
      deployOptions: {
        stageName,
        tracingEnabled: true,
        metricsEnabled: true,
        loggingLevel: MethodLoggingLevel.ERROR,
        // Request and response bodies carry keys and passwords: never log them.
        dataTraceEnabled: false,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: accessLogFormat(),
      },
      defaultCorsPreflightOptions: origins.length > 0 ? corsOptions(origins) : undefined,
    });

    this.authorizer = new RequestAuthorizer(this, 'Authorizer', {
      handler: this.authorizerFunction,
      identitySources: gatewayCacheSeconds > 0 ? [IdentitySource.header('Authorization')] : [],
      resultsCacheTtl: Duration.seconds(gatewayCacheSeconds),
    });
    if (gatewayCacheSeconds === 0) {
      // No identity source at all, so API Gateway calls the authorizer for
      // header and cookie alike (CDK would write an empty string).
      (this.authorizer.node.defaultChild as CfnAuthorizer).addPropertyDeletionOverride('IdentitySource');
    }

    const management = props.managementHandlers;
    const mounted: KeygateRoute[] = [
      ...(management ? mgmtRoutes.map((r) => ({ method: r.method, path: r.path, needs: r.needs, handler: management[r.fn] })) : []),
      ...props.routes,
    ];
    for (const route of mounted) {
      const integration = new LambdaIntegration(route.handler, { allowTestInvoke: false });
      this.api.root.resourceForPath(route.path).addMethod(
        route.method,
        integration,
        route.needs === 'public'
          ? { authorizationType: AuthorizationType.NONE }
          : { authorizationType: AuthorizationType.CUSTOM, authorizer: this.authorizer },
      );
    }

    this.addGatewayResponses(origins[0], `${basePath}/auth/verify`);
  }

  /** SPEC §5 bodies for every error API Gateway answers itself. */
  private addGatewayResponses(corsOrigin: string | undefined, verifyPath: string): void {
    const headers: Record<string, string> = corsOrigin
      ? {
          'Access-Control-Allow-Origin': `'${corsOrigin}'`,
          'Access-Control-Allow-Credentials': "'true'",
          Vary: "'Origin'",
        }
      : {};
    for (const r of gatewayResponses(verifyPath)) {
      this.api.addGatewayResponse(r.type.responseType, {
        type: r.type,
        statusCode: String(r.status),
        responseHeaders: { ...headers, ...r.headers },
        templates: { 'application/json': errorBody(r.status, r.code, r.message) },
      });
    }
  }
}

/**
 * A body template. `code` and `message` are JSON string literals, or
 * `$context…` references that API Gateway substitutes (gateway response
 * templates are plain substitution, not VTL).
 */
function errorBody(status: number, code: string, message: string): string {
  return `{"status_code":${status},"endpoint":"$context.resourcePath","error_code":${code},"error_message":${message}}`;
}

const str = (s: string) => JSON.stringify(s);

interface GatewayResponseDef {
  readonly type: ResponseType;
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly headers?: Record<string, string>;
}

/** Every gateway response; the 401 points at the verify route where this deployment has it. */
export const gatewayResponses = (verifyPath: string): readonly GatewayResponseDef[] => [
  {
    type: ResponseType.UNAUTHORIZED,
    status: 401,
    code: str('unauthorized'),
    message: str(`missing or invalid credentials; POST ${verifyPath} tells why a key is refused`),
    headers: { 'WWW-Authenticate': "'Bearer'" },
  },
  // The authorizer puts missing_permission or csrf_rejected, and why, into its context.
  { type: ResponseType.ACCESS_DENIED, status: 403, code: '"$context.authorizer.error_code"', message: '"$context.authorizer.error_message"' },
  { type: ResponseType.AUTHORIZER_FAILURE, status: 500, code: str('authorizer_failure'), message: str('the authorizer could not check the credentials') },
  { type: ResponseType.AUTHORIZER_CONFIGURATION_ERROR, status: 500, code: str('authorizer_failure'), message: str('the authorizer could not check the credentials') },
  // API Gateway answers an unknown route or method with this type.
  { type: ResponseType.MISSING_AUTHENTICATION_TOKEN, status: 404, code: str('not_found'), message: str('no such route') },
  { type: ResponseType.THROTTLED, status: 429, code: str('throttled'), message: str('too many requests, slow down') },
  { type: ResponseType.REQUEST_TOO_LARGE, status: 413, code: str('request_too_large'), message: str('the request is too large') },
  { type: ResponseType.INTEGRATION_TIMEOUT, status: 504, code: str('timeout'), message: str('the backend did not answer in time') },
  // Each type API Gateway may answer with gets its own status: the catch-alls
  // below must set one (the body names it), which would otherwise flatten these.
  { type: ResponseType.INTEGRATION_FAILURE, status: 504, code: str('integration_failure'), message: str('the backend failed') },
  { type: ResponseType.API_CONFIGURATION_ERROR, status: 500, code: str('internal_error'), message: str('the API is misconfigured') },
  { type: ResponseType.BAD_REQUEST_BODY, status: 400, code: str('validation'), message: '$context.error.messageString' },
  { type: ResponseType.BAD_REQUEST_PARAMETERS, status: 400, code: str('validation'), message: '$context.error.messageString' },
  { type: ResponseType.UNSUPPORTED_MEDIA_TYPE, status: 415, code: str('unsupported_media_type'), message: str('unsupported content type') },
  { type: ResponseType.QUOTA_EXCEEDED, status: 429, code: str('throttled'), message: str('quota exceeded') },
  { type: ResponseType.WAF_FILTERED, status: 403, code: str('forbidden'), message: str('the request was blocked') },
  { type: ResponseType.RESOURCE_NOT_FOUND, status: 404, code: str('not_found'), message: str('no such resource') },
  // `messageString` is API Gateway's own message, already a quoted JSON string.
  { type: ResponseType.DEFAULT_4XX, status: 400, code: str('bad_request'), message: '$context.error.messageString' },
  { type: ResponseType.DEFAULT_5XX, status: 500, code: str('internal_error'), message: '$context.error.messageString' },
];

function corsOptions(origins: string[]): CorsOptions {
  return {
    allowOrigins: origins,
    allowCredentials: true,
    allowMethods: Cors.ALL_METHODS,
    allowHeaders: ['Authorization', 'Content-Type'],
    maxAge: Duration.minutes(10),
  };
}

function accessLogFormat(): AccessLogFormat {
  return AccessLogFormat.custom(
    JSON.stringify({
      requestId: AccessLogField.contextRequestId(),
      requestTime: AccessLogField.contextRequestTime(),
      ip: AccessLogField.contextIdentitySourceIp(),
      method: AccessLogField.contextHttpMethod(),
      resourcePath: AccessLogField.contextResourcePath(),
      status: AccessLogField.contextStatus(),
      responseLength: AccessLogField.contextResponseLength(),
      errorType: AccessLogField.contextErrorResponseType(),
      principalId: AccessLogField.contextAuthorizerPrincipalId(),
      authorizerStatus: AccessLogField.contextAuthorizerStatus(),
      authorizerLatency: AccessLogField.contextAuthorizerLatency(),
      authorizerError: AccessLogField.contextAuthorizerError(),
      integrationLatency: AccessLogField.contextIntegrationLatency(),
    }),
  );
}

