/** The answers API Gateway gives itself (gateway responses), shaped by the template's `GatewayResponse`s. */
import type { AppModel, GatewayResponseDef } from '../model';
import { REFUSALS } from '../usage-plans';
import { renderTemplate } from '../vtl';
import { mappedValue, templateLookup } from './mapping';
import type { RequestState } from './request';

export interface GatewayResponse {
  readonly statusCode: number;
  /** name/value pairs; a name may repeat (Set-Cookie) */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
  /** for the runner's log: which gateway response, if API Gateway answered itself */
  readonly responseType?: string;
}

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

/** The answer API Gateway gives itself, shaped by the template's gateway responses. */
export function gatewayResponse(model: AppModel, type: string, req: RequestState, message: string | null, status?: number): GatewayResponse {
  const responses = model.api.gatewayResponses;
  const baseStatus = status ?? DEFAULT_STATUS[type] ?? 500;
  const fallback = baseStatus >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX';
  const specific = responses.get(type);
  const def: GatewayResponseDef | undefined = specific ?? responses.get(fallback);
  const statusCode = def?.statusCode ?? baseStatus;
  const [contentType, template] = pickTemplate(def?.templates);
  const headers: [string, string][] = [['Content-Type', contentType]];
  for (const [name, expression] of Object.entries(def?.headers ?? {})) {
    const value = mappedValue(model, expression, req);
    if (value !== undefined) headers.push([name, value]);
  }
  headers.push(['x-amzn-RequestId', req.requestId]);
  const errorType = ERROR_TYPE[type] ?? ERROR_TYPE[fallback];
  if (errorType) headers.push(['x-amzn-ErrorType', errorType]);
  return { statusCode, headers, body: Buffer.from(renderTemplate(template, templateLookup(model, req, { type, message }))), responseType: type };
}

/** The `application/json` template (else the first), as API Gateway picks one with no Accept rule. */
export function pickTemplate(templates: Readonly<Record<string, string>> | undefined, fallback = DEFAULT_TEMPLATE): [string, string] {
  const entries = Object.entries(templates ?? {});
  const json = entries.find(([type]) => type === 'application/json') ?? entries[0];
  return json ? [json[0], json[1]] : ['application/json', fallback];
}
