/**
 * Which requests the runner answers with the served app's OpenAPI document
 * (the document itself, over HTTP: served-app.test.ts).
 */
import { loadConfig } from '../../lambda/shared/config';
import { OPENAPI_PATH, servedOpenApi } from '../../local/openapi';
import { staticRoute } from '../../local/static-files';
import { referenceEnv } from '../../fixtures/reference-env';

describe('Function: staticRoute — the OpenAPI document', () => {
  const file = servedOpenApi(loadConfig(referenceEnv('table')), 'Keygate', 'http://127.0.0.1:3999');
  const served = { path: OPENAPI_PATH, file, label: 'OpenAPI document' };
  const openApiRoute = (files: (typeof served)[], method: string, url: string) => staticRoute(files, method, url)?.file;

  it('answers GET and HEAD of exactly /openapi.json, with or without a query', () => {
    expect(openApiRoute([served], 'GET', OPENAPI_PATH)).toBe(file);
    expect(openApiRoute([served], 'HEAD', `${OPENAPI_PATH}?x=1`)).toBe(file);
    expect(file.headers).toContainEqual(['content-length', String(file.body.length)]);
  });

  it('leaves every other request to the gateway', () => {
    expect(openApiRoute([served], 'POST', OPENAPI_PATH)).toBeUndefined();
    expect(openApiRoute([served], 'GET', '/openapi.yaml')).toBeUndefined();
    expect(openApiRoute([served], 'GET', `${OPENAPI_PATH}/x`)).toBeUndefined();
    expect(openApiRoute([], 'GET', OPENAPI_PATH)).toBeUndefined();
  });
});
