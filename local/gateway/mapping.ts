/**
 * What API Gateway maps from a request: the method ARN, the event's
 * `requestContext`, and the mapping expressions (`method.request.*`,
 * `stageVariables.*`, `context.*`) of identity sources and response headers.
 */
import type { AppModel, MethodDef } from '../model';
import type { Lookup } from '../vtl';
import { header, type RequestState } from './request';

/** `$context.error` while a gateway response is rendered. */
export interface GatewayError {
  readonly type: string;
  readonly message: string | null;
}

export function methodArn(model: AppModel, req: RequestState): string {
  const { region, account, api } = model;
  return `arn:aws:execute-api:${region}:${account}:${api.id}/${api.stage}/${req.method}/${req.routed.slice(1)}`;
}

export function requestContext(model: AppModel, req: RequestState, method?: MethodDef) {
  const { api, account } = model;
  const host = header(req, 'host') ?? 'localhost';
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
      userAgent: header(req, 'user-agent') ?? null,
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

/** A mapped header's value: a quoted literal (`'*'`), or a request parameter. */
export function mappedValue(model: AppModel, expression: string, req: RequestState): string | undefined {
  return /^'(.*)'$/s.exec(expression)?.[1] ?? parameter(model, expression, req);
}

/** A mapping expression: `method.request.header.x`, `…querystring.x`, `…path.x`, `stageVariables.x`, `context.x`. */
export function parameter(model: AppModel, expression: string, req: RequestState): string | undefined {
  let m: RegExpExecArray | null;
  if ((m = /^method\.request\.header\.(.+)$/.exec(expression))) return header(req, m[1]!);
  if ((m = /^method\.request\.multivalueheader\.(.+)$/.exec(expression))) {
    const wanted = m[1]!.toLowerCase();
    const entry = Object.entries(req.multiValueHeaders).find(([k]) => k.toLowerCase() === wanted);
    return entry?.[1].join(',');
  }
  if ((m = /^method\.request\.querystring\.(.+)$/.exec(expression))) return req.query?.[m[1]!];
  if ((m = /^method\.request\.multivaluequerystring\.(.+)$/.exec(expression))) return req.multiQuery?.[m[1]!]?.join(',');
  if ((m = /^method\.request\.path\.(.+)$/.exec(expression))) return req.pathParameters?.[m[1]!];
  if ((m = /^stageVariables\.(.+)$/.exec(expression))) return model.api.stageVariables?.[m[1]!];
  if ((m = /^context\.(.+)$/.exec(expression))) return contextValue(model, req, m[1]!.split('.'), undefined);
  return undefined;
}

export function contextValue(model: AppModel, req: RequestState, path: readonly string[], error: GatewayError | undefined): string | undefined {
  const [first, ...rest] = path;
  if (first === 'authorizer') return rest.length === 1 ? req.authorizer?.[rest[0]!] : undefined;
  if (first === 'error') {
    if (!error) return undefined;
    if (rest[0] === 'message') return error.message ?? '';
    if (rest[0] === 'messageString') return JSON.stringify(error.message);
    if (rest[0] === 'responseType') return error.type;
    return undefined;
  }
  let value: unknown = requestContext(model, req);
  for (const p of path) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[p] : undefined;
  return value === undefined || value === null || typeof value === 'object' ? undefined : String(value);
}

/** A `$context`/`$stageVariables` reference in a template. */
export function templateLookup(model: AppModel, req: RequestState, error: GatewayError | undefined): Lookup {
  return (root: string, path: readonly string[]) => (root === 'context' ? contextValue(model, req, path, error) : model.api.stageVariables?.[path.join('.')]);
}

/** `dd/MMM/yyyy:HH:mm:ss +0000`, as in `$context.requestTime`. */
function requestTime(epoch: number): string {
  const d = new Date(epoch);
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}
