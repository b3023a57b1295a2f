/**
 * GET /openapi.json on the local runner: the served app's own document (its
 * base path, routes, catalog, cookie), generated from the settings its
 * authorizer gets in the template.
 */
import { configEnvironment } from '../../lambda/shared/config';
import type { AppModel } from '../../local/model';
import { OPENAPI_PATH, openApiRoute, servedOpenApi } from '../../local/openapi';

const BASE = 'http://127.0.0.1:3999';

/** The part of a model the document is read from: one authorizer and its function's environment. */
const modelWith = (environment: Record<string, string>) =>
  ({
    stackName: 'WidgetStack',
    api: { authorizers: new Map([['Auth', { functionId: 'AuthFn' }]]) },
    functions: new Map([['AuthFn', { environment }]]),
  }) as unknown as AppModel;

const widgetEnv = configEnvironment('widgets-table', {
  basePath: '/auth-service',
  routes: [{ method: 'PUT', path: '/widgets/{widgetId}', needs: 'write_widgets' }],
  permissions: [{ name: 'write_widgets', grant: 'key', description: 'change widgets' }],
  userKeyPrefix: 'wdg_',
  botKeyPrefix: 'wdgbot_',
  cookieName: 'widget_session',
  allowedOrigins: [],
  cacheTtlSeconds: 5,
});

describe('Function: servedOpenApi', () => {
  it("describes the served app: its management API under its base path, its own routes and permissions, and this runner as the server", () => {
    // Act
    const file = servedOpenApi(modelWith(widgetEnv), BASE)!;
    const doc = JSON.parse(file.body.toString('utf8'));

    // Assess
    expect(file.headers).toContainEqual(['content-type', 'application/json; charset=utf-8']);
    expect(file.headers).toContainEqual(['content-length', String(file.body.length)]);
    expect(doc).toMatchObject({ openapi: '3.1.0', info: { title: 'WidgetStack' }, servers: [{ url: BASE }] });
    expect(doc.paths['/auth-service/auth/login'].post.operationId).toBe('login');
    expect(doc.paths['/widgets/{widgetId}'].put).toMatchObject({ 'x-keygate-needs': 'write_widgets', tags: ['app'] });
    expect(doc.components.schemas.KeyPermission.enum).toEqual(['write_widgets']);
    expect(doc.components.securitySchemes.sessionCookie.name).toBe('widget_session');
  });

  it('serves nothing for an API whose authorizer does not have keygate settings', () => {
    expect(servedOpenApi(modelWith({ SOMETHING: 'else' }), BASE)).toBeUndefined();
  });
});

describe('Function: openApiRoute', () => {
  const file = servedOpenApi(modelWith(widgetEnv), BASE)!;

  it('answers GET and HEAD of exactly /openapi.json, with or without a query', () => {
    expect(openApiRoute(file, 'GET', OPENAPI_PATH)).toBe(file);
    expect(openApiRoute(file, 'HEAD', `${OPENAPI_PATH}?x=1`)).toBe(file);
  });

  it('leaves every other request to the gateway', () => {
    expect(openApiRoute(file, 'POST', OPENAPI_PATH)).toBeUndefined();
    expect(openApiRoute(file, 'GET', '/openapi.yaml')).toBeUndefined();
    expect(openApiRoute(file, 'GET', `${OPENAPI_PATH}/x`)).toBeUndefined();
    expect(openApiRoute(undefined, 'GET', OPENAPI_PATH)).toBeUndefined();
  });
});
