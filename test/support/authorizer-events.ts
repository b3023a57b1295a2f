/** REQUEST authorizer events as API Gateway (REST) sends them. */
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';

export const API_STAGE = 'arn:aws:execute-api:us-east-1:123456789012:abc123/api';

/** `/v1/keys/{keyId}` → `/v1/keys/k1` */
export function concretePath(resource: string): string {
  return resource.replace(/\{[^}]+\}/g, (m) => `${m.slice(1, 4)}1`);
}

export function authorizerEvent(
  method: string,
  resource: string,
  headers: Record<string, string> = {},
  multiValueHeaders?: Record<string, string[]>,
): APIGatewayRequestAuthorizerEvent {
  const path = concretePath(resource);
  return {
    type: 'REQUEST',
    methodArn: `${API_STAGE}/${method}${path}`,
    resource,
    path,
    httpMethod: method,
    headers,
    multiValueHeaders: multiValueHeaders ?? Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    pathParameters: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    requestContext: {} as APIGatewayRequestAuthorizerEvent['requestContext'],
  };
}
