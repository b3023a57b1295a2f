/**
 * Which requests the runner answers with the served app's OpenAPI document
 * (the document itself, over HTTP: served-app.test.ts).
 */
import { loadConfig } from '../../lambda/shared/config';
import { OPENAPI_PATH, openApiRoute, servedOpenApi } from '../../local/openapi';
import { referenceEnv } from '../support/config';

describe('Function: openApiRoute', () => {
  const file = servedOpenApi(loadConfig(referenceEnv('table')), 'Keygate', 'http://127.0.0.1:3999');

  it('answers GET and HEAD of exactly /openapi.json, with or without a query', () => {
    expect(openApiRoute(file, 'GET', OPENAPI_PATH)).toBe(file);
    expect(openApiRoute(file, 'HEAD', `${OPENAPI_PATH}?x=1`)).toBe(file);
    expect(file.headers).toContainEqual(['content-length', String(file.body.length)]);
  });

  it('leaves every other request to the gateway', () => {
    expect(openApiRoute(file, 'POST', OPENAPI_PATH)).toBeUndefined();
    expect(openApiRoute(file, 'GET', '/openapi.yaml')).toBeUndefined();
    expect(openApiRoute(file, 'GET', `${OPENAPI_PATH}/x`)).toBeUndefined();
    expect(openApiRoute(undefined, 'GET', OPENAPI_PATH)).toBeUndefined();
  });
});
