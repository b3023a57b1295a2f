/**
 * The HTTP edge of the management Lambdas: one middy middleware that bounds
 * the request body, turns every error into keygate's error body, and adds CORS
 * and caching headers to every answer; plus JSON body validation with zod.
 *
 * Only `HttpError`s with a status below 500 are shown; anything else is a
 * fault and becomes a generic 500 with no internals (middy's
 * http-error-handler rule).
 */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { z } from 'zod';
import type { CorsRule } from '../core/catalog';
import { headerValues } from '../core/credentials';
import { HttpError, validation, type ErrorCode } from './errors';

/** Bodies larger than this are refused before parsing: 16 KiB is far above any management request. */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024;

export interface HttpBoundaryOptions {
  /** origins whose browsers get CORS headers with credentials */
  readonly allowedOrigins: ReadonlySet<string>;
  /** @default DEFAULT_MAX_BODY_BYTES */
  readonly maxBodyBytes?: number;
  /** told about every fault (status 500); never given the request body */
  readonly onFault?: (error: unknown, event: APIGatewayProxyEvent) => void;
  /** the route's own CORS rule, if any (`none`: no CORS headers at all) */
  readonly corsRule?: (event: APIGatewayProxyEvent) => CorsRule | undefined;
}

export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return { statusCode, headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(body) };
}

export function noContent(headers: Record<string, string> = {}): APIGatewayProxyResult {
  return { statusCode: 204, headers, body: '' };
}

export function errorResponse(statusCode: number, endpoint: string, code: ErrorCode, message: string, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return json(statusCode, { status_code: statusCode, endpoint, error_code: code, error_message: message }, headers);
}

/**
 * An allowed origin gets its own name back, with credentials. Any other
 * origin gets nothing here, so an answer that set `Access-Control-Allow-Origin: *`
 * itself (the token endpoint, for a public client) keeps it.
 */
function corsHeaders(event: APIGatewayProxyEvent, allowedOrigins: ReadonlySet<string>): Record<string, string> {
  const origin = headerValues('origin', event.headers, event.multiValueHeaders)[0];
  if (origin === undefined || !allowedOrigins.has(origin)) return { Vary: 'Origin' };
  return { 'Access-Control-Allow-Origin': origin, 'Access-Control-Allow-Credentials': 'true', Vary: 'Origin' };
}

/** Refuses bytes that are not UTF-8 instead of turning them into U+FFFD. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The request body as text, decoded when API Gateway sent it base64-encoded. */
export function rawBody(event: APIGatewayProxyEvent): string {
  if (!event.body) return '';
  if (!event.isBase64Encoded) return event.body;
  try {
    return utf8.decode(Buffer.from(event.body, 'base64'));
  } catch {
    throw validation('request body is not valid UTF-8');
  }
}

export function httpBoundary(options: HttpBoundaryOptions): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const finish = (event: APIGatewayProxyEvent, response: APIGatewayProxyResult): APIGatewayProxyResult => {
    // Answers can carry a secret (a new key, a session cookie): never cache them.
    const headers = { 'Cache-Control': 'no-store', ...response.headers };
    return { ...response, headers: options.corsRule?.(event) === 'none' ? headers : { ...headers, ...corsHeaders(event, options.allowedOrigins) } };
  };
  return {
    before: ({ event }) => {
      const size = Buffer.byteLength(rawBody(event), 'utf8');
      if (size > maxBodyBytes) throw validation(`request body is ${size} bytes; at most ${maxBodyBytes} are accepted`);
    },
    after: (request) => {
      if (request.response) request.response = finish(request.event, request.response);
    },
    onError: (request) => {
      const { error, event } = request;
      const endpoint = event.resource ?? event.path ?? '';
      if (error instanceof HttpError && (error.statusCode < 500 || error.code === 'service_unavailable')) {
        request.response = finish(event, errorResponse(error.statusCode, endpoint, error.code, error.message, { ...error.headers }));
        return;
      }
      options.onFault?.(error, event);
      request.response = finish(event, errorResponse(500, endpoint, 'internal_error', 'internal error'));
    },
  };
}

/** `['permissions', 0]` → `permissions[0]` */
function fieldName(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

/** One readable sentence per problem, each naming its field. Never echoes the input (it may be a password). */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const field = fieldName(issue.path);
      if (issue.code === 'unrecognized_keys') {
        const names = issue.keys.map((k) => `'${field ? `${field}.` : ''}${k}'`).join(', ');
        return `unknown field${issue.keys.length > 1 ? 's' : ''} ${names}`;
      }
      if (!field) return `request body: ${issue.message}`;
      if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) return `'${field}' is required`;
      return `'${field}': ${issue.message}`;
    })
    .join('; ');
}

/** The JSON body as a value; no body counts as `{}`, so optional-only bodies may be left out. */
export function parseJsonBody(event: APIGatewayProxyEvent): unknown {
  const raw = rawBody(event);
  if (raw.trim() === '') return {};
  try {
    return JSON.parse(raw);
  } catch {
    // JSON.parse's message quotes the input, which may hold a password.
    throw validation('request body is not valid JSON');
  }
}

export function validateBody<S extends z.ZodType>(value: unknown, schema: S): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validation(describeIssues(result.error.issues));
  return result.data;
}

export function readJsonBody<S extends z.ZodType>(event: APIGatewayProxyEvent, schema: S): z.output<S> {
  return validateBody(parseJsonBody(event), schema);
}
