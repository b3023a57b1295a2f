/** The integrations: the Lambda proxy integration (called through `invoke`) and MOCK integrations (such as CORS preflight). */
import type { AppModel, MethodDef } from '../model';
import { runTemplate } from '../vtl';
import { mappedValue, requestContext, templateLookup } from './mapping';
import { header, type RequestState } from './request';
import { gatewayResponse, pickTemplate, type GatewayResponse } from './responses';

export type InvokeResult =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly errorType: string; readonly errorMessage: string };

export type Invoke = (functionId: string, event: unknown) => Promise<InvokeResult>;

/** API Gateway's default (and maximum) integration timeout. */
const INTEGRATION_TIMEOUT_MS = 29_000;

export async function proxy(model: AppModel, invoke: Invoke, functionId: string, method: MethodDef, req: RequestState): Promise<GatewayResponse> {
  const binary = isBinary(header(req, 'content-type'), model.api.binaryMediaTypes);
  const event = {
    resource: method.resourcePath,
    path: req.path,
    httpMethod: req.method,
    headers: Object.keys(req.headers).length > 0 ? req.headers : null,
    multiValueHeaders: Object.keys(req.multiValueHeaders).length > 0 ? req.multiValueHeaders : null,
    queryStringParameters: req.query,
    multiValueQueryStringParameters: req.multiQuery,
    pathParameters: req.pathParameters ?? null,
    stageVariables: model.api.stageVariables,
    requestContext: {
      ...requestContext(model, req, method),
      ...(req.authorizer ? { authorizer: { ...req.authorizer, integrationLatency: 0 } } : {}),
    },
    body: req.body.length === 0 ? null : binary ? req.body.toString('base64') : req.body.toString('utf8'),
    isBase64Encoded: req.body.length > 0 && binary,
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), INTEGRATION_TIMEOUT_MS)));
  const out = await Promise.race([invoke(functionId, event), timeout]).finally(() => clearTimeout(timer));
  if (out === 'timeout') return gatewayResponse(model, 'INTEGRATION_TIMEOUT', req, 'Endpoint request timed out');
  // A function error or a malformed answer is a 502 "Internal server error".
  const response = out.ok ? readProxyResult(out.value) : undefined;
  if (!response) return gatewayResponse(model, 'DEFAULT_5XX', req, 'Internal server error', 502);
  return { ...response, headers: [...response.headers, ['x-amzn-RequestId', req.requestId]] };
}

/** MOCK integrations (such as CDK's CORS preflight): the static response headers, then the response template run as VTL. */
export function mock(model: AppModel, method: MethodDef, req: RequestState): GatewayResponse {
  if (method.integration.type !== 'mock') throw new Error('not a mock integration');
  const response = method.integration.responses.find((r) => !r.selectionPattern) ?? method.integration.responses[0];
  if (!response) return gatewayResponse(model, 'DEFAULT_5XX', req, 'Internal server error', 500);
  const headers = new Map<string, string>();
  for (const [key, expression] of Object.entries(response.parameters)) {
    const name = /^method\.response\.header\.(.+)$/.exec(key)?.[1];
    const value = mappedValue(model, expression, req);
    if (name && value !== undefined) headers.set(name, value);
  }
  const [contentType, template] = pickTemplate(response.templates, '');
  const out = runTemplate(template, {
    lookup: templateLookup(model, req, undefined),
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

function isBinary(contentType: string | undefined, binaryTypes: readonly string[]): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return binaryTypes.some((b) => b === '*/*' || b.toLowerCase() === type || (b.endsWith('/*') && type.startsWith(b.slice(0, -1).toLowerCase())));
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
