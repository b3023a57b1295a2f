/**
 * The example backend behind /v1/scores, /v1/users/me and /v1/sessions: it
 * answers with who called and how, which is what a real backend reads from
 * the authorizer context to attribute a change to a key's owner.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { z } from 'zod';
import { allowedOriginsFrom } from '../shared/config';
import type { echoResponse } from './echo-schema';

export type EchoBody = z.output<typeof echoResponse>;

type Handler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

/** CORS headers for the request's Origin, if it is allowed; a browser on any other origin gets none. */
function corsHeaders(event: APIGatewayProxyEvent, allowed: ReadonlySet<string>): Record<string, string> {
  const origin = Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === 'origin')?.[1];
  const headers: Record<string, string> = { Vary: 'Origin' };
  if (origin && allowed.has(origin)) {
    headers['Access-Control-Allow-Origin'] = origin;
    headers['Access-Control-Allow-Credentials'] = 'true';
  }
  return headers;
}

function json(status: number, body: unknown, headers: Record<string, string>): APIGatewayProxyResult {
  return { statusCode: status, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

function error(event: APIGatewayProxyEvent, status: number, code: string, message: string, headers: Record<string, string>) {
  return json(status, { status_code: status, endpoint: event.resource, error_code: code, error_message: message }, headers);
}

export function createHandler(allowedOrigins: ReadonlySet<string>): Handler {
  return async (event) => {
    const cors = corsHeaders(event, allowedOrigins);
    const ctx = event.requestContext?.authorizer;
    // Only reachable without the authorizer (a misconfigured route): refuse rather than guess.
    if (!ctx || typeof ctx.userId !== 'string' || typeof ctx.authMethod !== 'string') {
      return error(event, 401, 'unauthorized', 'no authorizer context on this request', { ...cors, 'WWW-Authenticate': 'Bearer' });
    }

    let body: unknown;
    if (event.body) {
      const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
      try {
        body = JSON.parse(raw);
      } catch {
        return error(event, 400, 'validation', 'the body is not valid JSON', cors);
      }
    }

    const answer: EchoBody = {
      userId: ctx.userId,
      authMethod: ctx.authMethod,
      ...(typeof ctx.keyId === 'string' ? { keyId: ctx.keyId } : {}),
      ...(typeof ctx.sessionId === 'string' ? { sessionId: ctx.sessionId } : {}),
      ...(typeof ctx.clientId === 'string' ? { clientId: ctx.clientId } : {}),
      permissions: typeof ctx.permissions === 'string' && ctx.permissions !== '' ? ctx.permissions.split(',') : [],
      method: event.httpMethod,
      path: event.path,
      // API Gateway gives every path parameter a value.
      pathParameters: (event.pathParameters ?? {}) as Record<string, string>,
      ...(body !== undefined ? { body } : {}),
    };
    return json(200, answer, cors);
  };
}

export const handler = createHandler(allowedOriginsFrom(process.env));
