/**
 * The API Gateway half of the `Keygate` construct: the REST API with its
 * access logs, the REQUEST authorizer, one method per route, and keygate's
 * bodies for every error API Gateway answers itself.
 */
import { Duration, NestedStack, Names, Stack } from 'aws-cdk-lib';
import {
  AccessLogField,
  AccessLogFormat,
  ApiKeySourceType,
  AuthorizationType,
  CfnAuthorizer,
  CfnGatewayResponse,
  type CfnMethod,
  type CfnRestApi,
  Cors,
  EndpointType,
  type GatewayResponse,
  type IResource,
  IdentitySource,
  LambdaIntegration,
  LogGroupLogDestination,
  type Method,
  type MethodOptions,
  MethodLoggingLevel,
  RequestAuthorizer,
  Resource,
  ResponseType,
  RestApi,
  type CorsOptions,
} from 'aws-cdk-lib/aws-apigateway';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { RouteDef } from '../lambda/core/catalog';
import { LOOKUP_ATTRIBUTES, PK, SK } from '../lambda/core/table-schema';

/** What the authorizer writes when it records a key's use (at most hourly). */
const LAST_USED_ATTRIBUTE = 'lastUsedAt';
/**
 * What its exact-credits writes name: `credits` and `creditsWindow` change;
 * `creditsRefill` is only read, by the refill's update expression, and
 * `creditsPeriod` by its condition.
 */
const CREDIT_ATTRIBUTES = ['credits', 'creditsWindow', 'creditsRefill', 'creditsPeriod'];

/**
 * The authorizer reads a credential and its owner in one BatchGetItem, and
 * only the attributes it names (never `passwordHash`): every name in the
 * request has to be one of LOOKUP_ATTRIBUTES, and the request has to name
 * its attributes. A read that names none asks for all of them, which makes
 * its `dynamodb:Select` ALL_ATTRIBUTES, and is refused (docs/design.md).
 *
 * It also records a key's last use (at most hourly) and spends a key's exact
 * credits (docs/design.md, Exact credits) with UpdateItems that may touch
 * only those attributes and return nothing. The key attributes are
 * listed because a ConditionExpression names them; UpdateItem can never
 * change them.
 */
export function grantAuthorizerAccess(table: ITable, authorizer: IFunction): void {
  authorizer.addToRolePolicy(
    new PolicyStatement({
      effect: Effect.ALLOW,
      actions: ['dynamodb:BatchGetItem'],
      resources: [table.tableArn],
      conditions: {
        'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...LOOKUP_ATTRIBUTES] },
        StringEquals: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
      },
    }),
  );
  authorizer.addToRolePolicy(
    new PolicyStatement({
      effect: Effect.ALLOW,
      actions: ['dynamodb:UpdateItem'],
      resources: [table.tableArn],
      conditions: {
        'ForAllValues:StringEquals': { 'dynamodb:Attributes': [PK, SK, LAST_USED_ATTRIBUTE, ...CREDIT_ATTRIBUTES] },
        StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE'] },
      },
    }),
  );
}

export interface RestApiOptions {
  readonly authorizerFunction: IFunction;
  /** every route, each with the Lambda that answers it */
  readonly routes: readonly (RouteDef & { readonly handler: IFunction })[];
  readonly allowedOrigins: readonly string[];
  /** 0: no API Gateway result cache, no identity source */
  readonly gatewayCacheSeconds: number;
  /** the verify route, for the 401 body's pointer (none when the app has none) */
  readonly verifyPath: string | undefined;
  /**
   * The app's own REST API (`KeygateProps.api`): keygate adds its
   * authorizer, methods, preflights and gateway responses to it, on the
   * app's stage, instead of making one; `stageName`, `restApiName`,
   * `cloudWatchRole` and the access logs are then the app's.
   */
  readonly api?: RestApi;
  readonly stageName: string;
  readonly restApiName: string | undefined;
  readonly cloudWatchRole: boolean;
  readonly logRetention: RetentionDays;
  /**
   * The deployment has usage plans: the authorizer hands API Gateway the
   * usage key (`apiKeySource: AUTHORIZER`), every method behind it requires
   * one, and THROTTLED and QUOTA_EXCEEDED get the plans' bodies.
   */
  readonly usagePlans?: boolean;
}

/**
 * Makes the REST API in `scope` (children `AccessLogs`, `Api`, `Authorizer`:
 * the ids KeygateApi used, so the reference app's API keeps its logical ids),
 * or adds keygate to the app's own (`options.api`): the authorizer, one
 * method per route, preflights and gateway responses. Returns the methods
 * keygate made (routes and preflights).
 */
export function keygateRestApi(scope: Construct, options: RestApiOptions): { api: RestApi; authorizer: RequestAuthorizer; methods: readonly Method[] } {
  const origins = [...options.allowedOrigins];
  const existing = options.api !== undefined;
  const api = options.api ?? newRestApi(scope, options);
  const usagePlans = options.usagePlans ?? false;

  // The app's API: every reason keygate cannot add itself to it, at once, before anything is added.
  const resources = existing ? options.routes.map((route) => api.root.resourceForPath(route.path)) : undefined;
  if (resources) {
    const problems = existingApiProblems(scope, api, options.routes, resources, origins, usagePlans);
    if (problems.length > 0) throw new Error(`Keygate ${scope.node.path} cannot be added to the API ${api.node.path}:\n- ${problems.join('\n- ')}`);
    // Usage plans take each caller's usage key from keygate's authorizer (SPEC §12).
    if (usagePlans) (api.node.defaultChild as CfnRestApi).apiKeySourceType = ApiKeySourceType.AUTHORIZER;
  }

  const authorizer = new RequestAuthorizer(scope, 'Authorizer', {
    handler: options.authorizerFunction,
    identitySources: options.gatewayCacheSeconds > 0 ? [IdentitySource.header('Authorization')] : [],
    resultsCacheTtl: Duration.seconds(options.gatewayCacheSeconds),
  });
  if (options.gatewayCacheSeconds === 0) {
    // No identity source at all, so API Gateway calls the authorizer for
    // header and cookie alike (CDK would write an empty string).
    (authorizer.node.defaultChild as CfnAuthorizer).addPropertyDeletionOverride('IdentitySource');
  }

  // One integration per handler: with `scopePermissionToMethod: false` each handler gets one
  // permission for this API (`api-id/*/*/*`), not one per method, so a large route table does not
  // spend a CloudFormation resource (500 per stack) on each route's permission (docs/design.md, Large route tables).
  const integrations = new Map<IFunction, LambdaIntegration>();
  const integrationOf = (fn: IFunction): LambdaIntegration => {
    let integration = integrations.get(fn);
    if (!integration) integrations.set(fn, (integration = new LambdaIntegration(fn, { scopePermissionToMethod: false })));
    return integration;
  };
  const addRoute = (root: IResource, route: RouteDef & { readonly handler: IFunction }, resource?: IResource): Method =>
    (resource ?? root.resourceForPath(route.path)).addMethod(route.method, integrationOf(route.handler), methodOptions(route, authorizer, usagePlans, existing));
  const groups = existing ? undefined : nestedGroups(options.routes, origins);
  let methods: Method[];
  if (!groups) {
    // On keygate's own API each resource is made just before its method, as always (the deployment's hash follows that order).
    methods = options.routes.map((route, i) => addRoute(api.root, route, resources?.[i]));
    methods.push(...addPreflights(api.root, options.routes, origins, resources));
  } else {
    methods = addNestedMethods(scope, api, options.routes, groups, origins, addRoute);
  }

  const corsHeaders: Record<string, string> = origins[0]
    ? { 'Access-Control-Allow-Origin': `'${origins[0]}'`, 'Access-Control-Allow-Credentials': "'true'", Vary: "'Origin'" }
    : {};
  const responses: GatewayResponse[] = [];
  for (const r of gatewayResponses(options.verifyPath, usagePlans)) {
    responses.push(
      api.addGatewayResponse(r.type.responseType, {
        type: r.type,
        statusCode: String(r.status),
        responseHeaders: { ...corsHeaders, ...r.headers },
        templates: { 'application/json': errorBody(r.status, r.code, r.message) },
      }),
    );
  }
  // What the app adds to its API after keygate, checked at synth.
  if (existing) scope.node.addValidation({ validate: () => existingApiClashes(api, responses, usagePlans) });
  return { api, authorizer, methods };
}

type HandledRoute = RouteDef & { readonly handler: IFunction };

/**
 * CloudFormation allows 500 resources per stack. When keygate's part of its
 * own API (resources, methods, preflights) would take more than
 * `API_BUDGET` of them, leaving too little for the rest of the stack, it
 * keeps `PARENT_BUDGET` of them and moves the other routes into nested
 * stacks of at most `NESTED_BUDGET` each
 * (docs/design.md, Large route tables).
 */
export const API_BUDGET = 300;
export const NESTED_BUDGET = 400;
export const PARENT_BUDGET = 150;

/**
 * The routes that stay in the parent stack, then those of each nested
 * stack; undefined when keygate's methods fit the parent stack. A top-level
 * path segment's resource tree stays in one stack (a resource is made once).
 * In the table's order, a segment stays in the parent while the parent's
 * share holds it (`PARENT_BUDGET`: a RestApi needs a method of its own), or
 * goes to the last nested stack, or a new one when that one is full. Routes
 * on `/` stay in the parent.
 */
export function nestedGroups<R extends RouteDef>(routes: readonly R[], origins: readonly string[]): { parent: R[]; nested: R[][] } | undefined {
  const rules = preflightRules(routes);
  if (apiCost(routes, origins, rules) <= API_BUDGET) return undefined;
  const bySegment = new Map<string, R[]>();
  for (const route of routes) {
    const segment = route.path.split('/')[1] ?? '';
    bySegment.set(segment, [...(bySegment.get(segment) ?? []), route]);
  }
  const parent = { routes: bySegment.get('') ?? [], cost: 0 };
  bySegment.delete('');
  const nested: { routes: R[]; cost: number }[] = [];
  for (const [segment, own] of bySegment) {
    const cost = apiCost(own, origins, rules);
    if (cost > NESTED_BUDGET) {
      throw new Error(`the routes under /${segment} make ${cost} CloudFormation resources, more than one nested stack holds (${NESTED_BUDGET}): spread them over more top-level paths`);
    }
    const last = nested.at(-1);
    const bin = parent.cost + cost <= PARENT_BUDGET ? parent : last && last.cost + cost <= NESTED_BUDGET ? last : undefined;
    if (bin) {
      bin.routes.push(...own);
      bin.cost += cost;
    } else {
      nested.push({ routes: [...own], cost });
    }
  }
  return { parent: parent.routes, nested: nested.map((g) => g.routes) };
}

/** The CloudFormation resources keygate makes for `routes`: resources below the root, methods, preflights, one Lambda permission per handler. */
function apiCost(routes: readonly RouteDef[], origins: readonly string[], rules: Map<string, RouteDef['cors']>): number {
  const paths = new Set<string>();
  for (const route of routes) {
    const segments = route.path.split('/').filter(Boolean);
    for (let i = 1; i <= segments.length; i++) paths.add(`/${segments.slice(0, i).join('/')}`);
  }
  const preflights = [...paths].filter((p) => rules.get(p) === 'any-origin' || (rules.get(p) !== 'none' && origins.length > 0)).length;
  const handlers = new Set(routes.map((r) => (r as Partial<HandledRoute>).handler ?? r));
  return paths.size + routes.length + preflights + handlers.size;
}

/**
 * Keygate's methods on its own API in nested stacks (aws-cdk-lib's
 * "Breaking up Methods and Resources across Stacks"): each imports the API
 * by id and root resource id and adds its groups' resources, methods and
 * preflights; the authorizer, the root's methods and the gateway responses
 * stay in the parent. The API's deployment depends on every nested stack,
 * and its logical id hashes what each nested method is, so a changed route
 * still makes a new deployment (CDK hashes only the methods of a `RestApi`
 * it made, not those added to an imported one).
 */
function addNestedMethods(
  scope: Construct,
  api: RestApi,
  routes: readonly HandledRoute[],
  groups: { readonly parent: readonly HandledRoute[]; readonly nested: readonly (readonly HandledRoute[])[] },
  origins: string[],
  addRoute: (root: IResource, route: HandledRoute) => Method,
): Method[] {
  const methods = groups.parent.map((r) => addRoute(api.root, r));
  methods.push(...addPreflights(api.root, routes, origins));
  const deployment = api.latestDeployment!;
  const describe = (m: Method, handler?: IFunction) => {
    const cfn = m.node.defaultChild as CfnMethod;
    return { path: m.resource.path, method: m.httpMethod, authorizationType: cfn.authorizationType, apiKeyRequired: cfn.apiKeyRequired, integration: handler ? handler.node.path : cfn.integration };
  };
  groups.nested.forEach((group, i) => {
    const stack = new NestedStack(scope, `Routes${i + 1}`);
    const imported = RestApi.fromRestApiAttributes(stack, 'Api', { restApiId: api.restApiId, rootResourceId: api.restApiRootResourceId });
    for (const route of group) {
      const method = addRoute(imported.root, route);
      deployment.addToLogicalId({ nestedMethod: describe(method, route.handler) });
      methods.push(method);
    }
    for (const preflight of addPreflights(imported.root, routes, origins, undefined, false)) {
      deployment.addToLogicalId({ nestedMethod: describe(preflight) });
      methods.push(preflight);
    }
    deployment.node.addDependency(stack);
  });
  return methods;
}

function newRestApi(scope: Construct, options: RestApiOptions): RestApi {
  const accessLogs = new LogGroup(scope, 'AccessLogs', { retention: options.logRetention });
  return new RestApi(scope, 'Api', {
    restApiName: options.restApiName ?? Names.uniqueResourceName(scope, { maxLength: 128, separator: '-' }),
    description: 'keygate-protected API',
    endpointTypes: [EndpointType.REGIONAL],
    cloudWatchRole: options.cloudWatchRole,
    deployOptions: {
      stageName: options.stageName,
      tracingEnabled: true,
      metricsEnabled: true,
      loggingLevel: MethodLoggingLevel.ERROR,
      // Request and response bodies carry keys and passwords: never log them.
      dataTraceEnabled: false,
      accessLogDestination: new LogGroupLogDestination(accessLogs),
      accessLogFormat: accessLogFormat(),
    },
    ...(options.usagePlans ? { apiKeySourceType: ApiKeySourceType.AUTHORIZER } : {}),
  });
}

/**
 * A route's method options. On the app's API every option that decides who
 * may call is set, so the API's `defaultMethodOptions` (an authorizer, IAM,
 * an API key) never apply to keygate's methods.
 */
function methodOptions(route: RouteDef, authorizer: RequestAuthorizer, usagePlans: boolean, existing: boolean): MethodOptions {
  const required = usagePlans && route.needs !== 'public';
  const apiKey = required || existing ? { apiKeyRequired: required } : {};
  return route.needs === 'public'
    ? { authorizationType: AuthorizationType.NONE, ...apiKey }
    : // Usage plans apply only to methods that require an API key: the authorizer's usageIdentifierKey.
      { authorizationType: AuthorizationType.CUSTOM, authorizer, ...apiKey };
}

/** Why keygate cannot be added to the app's API as it is: empty when it can. */
function existingApiProblems(
  scope: Construct,
  api: RestApi,
  routes: readonly RouteDef[],
  resources: readonly IResource[],
  origins: readonly string[],
  usagePlans: boolean,
): string[] {
  const problems: string[] = [];
  if (Stack.of(api) !== Stack.of(scope)) {
    problems.push(`the API is in stack ${Stack.of(api).node.path}, keygate in ${Stack.of(scope).node.path}: make keygate in the API's stack`);
  }
  if (api.latestDeployment === undefined) {
    problems.push("the API has no deployment stage (deploy: false): keygate's methods, and its usage plans, need the stage the API deploys itself to");
  }
  const keySource = (api.node.defaultChild as CfnRestApi).apiKeySourceType;
  if (usagePlans && keySource !== undefined && keySource !== ApiKeySourceType.AUTHORIZER) {
    problems.push(`the API takes API keys from ${keySource}; with plans, keygate's authorizer hands API Gateway each caller's usage key (apiKeySourceType AUTHORIZER)`);
  }
  routes.forEach((route, i) => {
    if (resources[i]!.node.tryFindChild(route.method)) {
      problems.push(`${route.method} ${route.path} is already a method of the API: keygate makes the method of each route in its table; remove the API's, or leave the route out of keygate's routes`);
    }
  });
  const rules = preflightRules(routes);
  const checked = new Set<string>();
  for (const resource of resources) {
    if (checked.has(resource.path) || !resource.node.tryFindChild('OPTIONS')) continue;
    checked.add(resource.path);
    const rule = rules.get(resource.path);
    if (rule === 'none') {
      problems.push(`${resource.path} has an OPTIONS method (the API's own, or its defaultCorsPreflightOptions): keygate allows no preflight there (OAuth authorize)`);
    } else if (rule === 'any-origin' || origins.length > 0) {
      problems.push(`${resource.path} has an OPTIONS method (the API's own, or its defaultCorsPreflightOptions): keygate answers the preflights of its routes itself, from allowedOrigins`);
    }
  }
  return problems;
}

/**
 * What the app added to its API that clashes with keygate, wherever it was
 * added (before or after the construct): a gateway response of a type
 * keygate sets (an API has one response per type, the last one written
 * wins), and, with plans, a method that requires an API key without an
 * authorizer to hand one over (it would refuse every request).
 */
function existingApiClashes(api: RestApi, own: readonly GatewayResponse[], usagePlans: boolean): string[] {
  const ownCfn = new Set(own.map((r) => r.node.defaultChild));
  const types = new Set(own.map((r) => (r.node.defaultChild as CfnGatewayResponse).responseType));
  const problems = api.node.root.node
    .findAll()
    .filter((c): c is CfnGatewayResponse => c instanceof CfnGatewayResponse && c.restApiId === api.restApiId && !ownCfn.has(c) && types.has(c.responseType))
    .map(
      (c) =>
        `${c.node.path} sets the API's ${c.responseType} gateway response, which keygate sets (every error of the API in keygate's error shape): remove it`,
    );
  if (usagePlans) {
    for (const method of api.methods) {
      const cfn = method.node.defaultChild as CfnMethod;
      if (cfn.apiKeyRequired === true && cfn.authorizationType !== AuthorizationType.CUSTOM) {
        problems.push(`${method.httpMethod} ${method.resource.path} requires an API key but has no Lambda authorizer; with plans the API takes keys only from an authorizer (keygate's), so it would refuse every request`);
      }
    }
  }
  return problems;
}

/**
 * A gateway response's body template. API Gateway fills these by plain
 * substitution, not VTL, and inserts values unescaped (its docs:
 * "simple variable substitution"; `$util` is not documented there), so a
 * template may only substitute what cannot break the JSON: `endpoint` is
 * `$context.resourcePath`, the route as defined (empty where no route
 * matched), never `$context.path`, which is the request line as sent
 * (`/v1/x","error_code":"pwned` added a second `error_code`). `code` and
 * `message` are JSON string literals, `$context.error.messageString` (API
 * Gateway's own message, already a quoted JSON string) or the authorizer's
 * `error_code` / `error_message`, which it writes JSON-safe
 * (docs/design.md, "Gateway response bodies substitute nothing the client sent").
 */
export function errorBody(status: number, code: string, message: string): string {
  return `{"status_code":${status},"endpoint":"$context.resourcePath","error_code":${code},"error_message":${message}}`;
}

const str = (s: string) => JSON.stringify(s);

export interface GatewayResponseDef {
  readonly type: ResponseType;
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly headers?: Record<string, string>;
}

/** The 401 message: it names the verify route only when the app has one. */
export function unauthorizedMessage(verifyPath: string | undefined): string {
  return verifyPath ? `missing or invalid credentials; POST ${verifyPath} tells why a key is refused` : 'missing or invalid credentials';
}

/**
 * THROTTLED and QUOTA_EXCEEDED of a deployment with usage plans (SPEC §12).
 * A gateway response template is plain substitution, not VTL, so it cannot
 * choose between `quota_exceeded` and `credits_exhausted`: the authorizer
 * puts the code and message into its context (QUOTA_EXCEEDED only ever
 * follows an authorizer's Allow, so they are always there).
 */
export const USAGE_PLAN_RESPONSES: readonly GatewayResponseDef[] = [
  {
    type: ResponseType.THROTTLED,
    status: 429,
    code: str('too_many_requests'),
    message: str("too many requests for this caller's plan; retry after a second"),
    headers: { 'Retry-After': "'1'" },
  },
  { type: ResponseType.QUOTA_EXCEEDED, status: 429, code: '"$context.authorizer.quota_code"', message: '"$context.authorizer.quota_message"' },
];

/** Every gateway response, for an app whose verify route is `verifyPath`, with or without usage plans. */
export function gatewayResponses(verifyPath: string | undefined, usagePlans = false): readonly GatewayResponseDef[] {
  const others = usagePlans ? OTHER_RESPONSES.map((r) => USAGE_PLAN_RESPONSES.find((u) => u.type === r.type) ?? r) : OTHER_RESPONSES;
  return [
    {
      type: ResponseType.UNAUTHORIZED,
      status: 401,
      code: str('unauthorized'),
      message: str(unauthorizedMessage(verifyPath)),
      headers: { 'WWW-Authenticate': "'Bearer'" },
    },
    ...others,
  ];
}

const OTHER_RESPONSES: readonly GatewayResponseDef[] = [
  // The authorizer puts missing_permission or csrf_rejected, and why, into its context.
  { type: ResponseType.ACCESS_DENIED, status: 403, code: '"$context.authorizer.error_code"', message: '"$context.authorizer.error_message"' },
  { type: ResponseType.AUTHORIZER_FAILURE, status: 500, code: str('authorizer_failure'), message: str('the authorizer could not check the credentials') },
  { type: ResponseType.AUTHORIZER_CONFIGURATION_ERROR, status: 500, code: str('authorizer_failure'), message: str('the authorizer could not check the credentials') },
  // API Gateway answers an unknown route or method with this type. No route
  // matched, so the endpoint is empty: the path as sent is the client's text.
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
  // A method that requires a usage key got none a plan knows (its authorizer removed by hand, say).
  { type: ResponseType.INVALID_API_KEY, status: 403, code: str('forbidden'), message: str('no usage plan admits this request') },
  { type: ResponseType.WAF_FILTERED, status: 403, code: str('forbidden'), message: str('the request was blocked') },
  { type: ResponseType.RESOURCE_NOT_FOUND, status: 404, code: str('not_found'), message: str('no such resource') },
  // `messageString` is API Gateway's own message, already a quoted JSON string.
  { type: ResponseType.DEFAULT_4XX, status: 400, code: str('bad_request'), message: '$context.error.messageString' },
  { type: ResponseType.DEFAULT_5XX, status: 500, code: str('internal_error'), message: '$context.error.messageString' },
];

/**
 * An OPTIONS preflight on every resource (the root too), for the allowed
 * origins, except where a route's own rule says otherwise
 * (`RouteDef.cors`): none at all on the OAuth authorize resource, and any
 * origin, without credentials, on the token and revocation resources,
 * even when no origin is allowed. On the app's API, only on the resources
 * of keygate's routes (`only`).
 */
function addPreflights(root: IResource, routes: readonly RouteDef[], origins: string[], only?: readonly IResource[], withRoot = true): Method[] {
  const rules = preflightRules(routes);
  const tree = root.node.findAll().filter((c): c is Resource => c instanceof Resource);
  const resources = only ? [...new Set(only)] : withRoot ? [root, ...tree] : tree;
  const methods: Method[] = [];
  for (const resource of resources) {
    const rule = rules.get(resource.path);
    if (rule === 'none') continue;
    if (rule === 'any-origin') methods.push(resource.addCorsPreflight(anyOriginCorsOptions()));
    else if (origins.length > 0) methods.push(resource.addCorsPreflight(corsOptions(origins)));
  }
  return methods;
}

function preflightRules(routes: readonly RouteDef[]): Map<string, RouteDef['cors']> {
  return new Map(routes.filter((r) => r.cors !== undefined).map((r) => [r.path, r.cors]));
}

function anyOriginCorsOptions(): CorsOptions {
  return { allowOrigins: Cors.ALL_ORIGINS, allowMethods: ['POST'], allowHeaders: ['Authorization', 'Content-Type'], maxAge: Duration.minutes(10) };
}

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

