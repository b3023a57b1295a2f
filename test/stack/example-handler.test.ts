import type { APIGatewayProxyEvent } from 'aws-lambda';
import { createHandler } from '../../lambda/example/handler';
import { allowedOriginsFrom } from '../../lambda/shared/config';

function event(overrides: Partial<APIGatewayProxyEvent> = {}, authorizer: Record<string, unknown> | undefined = {}): APIGatewayProxyEvent {
  return {
    httpMethod: 'PATCH',
    resource: '/v1/scores/{scoreId}',
    path: '/v1/scores/42',
    pathParameters: { scoreId: '42' },
    headers: {},
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { authorizer } as unknown as APIGatewayProxyEvent['requestContext'],
    ...overrides,
  };
}

const keyContext = { userId: 'u1', authMethod: 'api_key', keyId: 'k1', permissions: 'submit_score,customise_score', principalId: 'u1' };
const handler = createHandler(allowedOriginsFrom({ KEYGATE_ALLOWED_ORIGINS: 'https://app.example, https://admin.example' }));

describe('Function: example handler', () => {
  it('echoes who called with an API key, and how', async () => {
    // Act
    const res = await handler(event({ body: '{"comment":"nice"}' }, keyContext));
    // Assess
    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({ 'Content-Type': 'application/json', Vary: 'Origin' });
    expect(JSON.parse(res.body)).toEqual({
      userId: 'u1',
      authMethod: 'api_key',
      keyId: 'k1',
      permissions: ['submit_score', 'customise_score'],
      method: 'PATCH',
      path: '/v1/scores/42',
      pathParameters: { scoreId: '42' },
      body: { comment: 'nice' },
    });
  });

  it('names the session, not a key, for a cookie caller with no permissions', async () => {
    // Act
    const res = await handler(event({ httpMethod: 'GET', pathParameters: null }, { userId: 'u2', authMethod: 'session', sessionId: 's1', permissions: '' }));
    // Assess
    const body = JSON.parse(res.body);
    expect(body).toMatchObject({ userId: 'u2', authMethod: 'session', sessionId: 's1', permissions: [], pathParameters: {} });
    expect(body).not.toHaveProperty('keyId');
    expect(body).not.toHaveProperty('body');
  });

  it('reads a base64 body', async () => {
    // Act
    const res = await handler(event({ body: Buffer.from('{"a":1}').toString('base64'), isBase64Encoded: true }, keyContext));
    // Assess
    expect(JSON.parse(res.body).body).toEqual({ a: 1 });
  });

  it('allows an allowed origin to read the answer, with credentials', async () => {
    // Act
    const res = await handler(event({ headers: { origin: 'https://admin.example' } }, keyContext));
    // Assess
    expect(res.headers).toMatchObject({
      'Access-Control-Allow-Origin': 'https://admin.example',
      'Access-Control-Allow-Credentials': 'true',
      Vary: 'Origin',
    });
  });

  it('gives no CORS grant to any other origin', async () => {
    // Act
    const res = await handler(event({ headers: { Origin: 'https://evil.example' } }, keyContext));
    // Assess
    expect(res.headers).not.toHaveProperty('Access-Control-Allow-Origin');
    expect(res.headers).toMatchObject({ Vary: 'Origin' });
  });

  it('answers 401 in the error shape when there is no authorizer context', async () => {
    // Act
    const res = await handler(event({}, undefined));
    // Assess
    expect(res.statusCode).toBe(401);
    expect(res.headers).toMatchObject({ 'WWW-Authenticate': 'Bearer' });
    expect(JSON.parse(res.body)).toEqual({
      status_code: 401,
      endpoint: '/v1/scores/{scoreId}',
      error_code: 'unauthorized',
      error_message: 'no authorizer context on this request',
    });
  });

  it('answers 400 validation to a body that is not JSON', async () => {
    // Act
    const res = await handler(event({ body: '{nope' }, keyContext));
    // Assess
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ status_code: 400, error_code: 'validation' });
  });
});
