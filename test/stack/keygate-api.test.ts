import { Duration, Stack, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AttributeType, BillingMode, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import type { PermissionDef } from '../../lambda/core/catalog';
import { ENV } from '../../lambda/shared/config';
import { KeygateApi, type KeygateApiProps, type KeygateRoute } from '../../lib/keygate-api';
import { appWithCdkJsonContext, methodsByRoute } from './support';

/** A stack of another app: its own table and backend, keygate in front. */
function anotherApp(): { stack: Stack; table: Table; backend: LambdaFunction } {
  const stack = new Stack(appWithCdkJsonContext(), 'Widgets');
  const table = new Table(stack, 'Table', {
    partitionKey: { name: 'pk', type: AttributeType.STRING },
    sortKey: { name: 'sk', type: AttributeType.STRING },
    billingMode: BillingMode.PAY_PER_REQUEST,
  });
  const backend = new LambdaFunction(stack, 'Backend', {
    runtime: Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: Code.fromInline('exports.handler = async () => ({ statusCode: 200, body: "{}" })'),
  });
  return { stack, table, backend };
}

const widgetPermissions: PermissionDef[] = [
  { name: 'write_widgets', grant: 'key', description: 'create and change widgets' },
];

function widgetRoutes(handler: LambdaFunction): KeygateRoute[] {
  return [
    { method: 'GET', path: '/widgets', needs: 'public', handler },
    { method: 'POST', path: '/widgets', needs: 'write_widgets', handler },
    { method: 'DELETE', path: '/widgets/{widgetId}', needs: 'authenticated', handler },
  ];
}

describe('Construct: KeygateApi', () => {
  describe('Constructor: refused configurations', () => {
    const attempt = (overrides: (backend: LambdaFunction) => Partial<KeygateApiProps>) => {
      const { stack, table, backend } = anotherApp();
      return () => new KeygateApi(stack, 'Keygate', { table, routes: widgetRoutes(backend), permissions: widgetPermissions, ...overrides(backend) });
    };

    it('refuses the gateway cache while sessions are on, since cookies would never reach the authorizer', () => {
      // Act & Assess
      expect(attempt(() => ({ gatewayCacheTtl: Duration.minutes(5) }))).toThrow(/gatewayCacheTtl needs sessions: false/);
    });

    it('refuses a route table with problems, listing every one', () => {
      // Prepare
      const bad = (handler: LambdaFunction): Partial<KeygateApiProps> => ({
        routes: [
          { method: 'GET', path: '/widgets', needs: 'read_widgets', handler },
          { method: 'GET', path: '/widgets', needs: 'public', handler },
        ],
      });
      // Act & Assess
      expect(attempt(bad)).toThrow(/needs 'read_widgets', which is not in the permission catalog[\s\S]*GET \/widgets is listed twice/);
    });

    it('refuses routes whose wildcard would also match another route with another requirement', () => {
      // Prepare
      const conflicting = (handler: LambdaFunction): Partial<KeygateApiProps> => ({
        routes: [
          { method: 'GET', path: '/widgets/{widgetId}', needs: 'write_widgets', handler },
          { method: 'GET', path: '/widgets/mine', needs: 'authenticated', handler },
        ],
      });
      // Act & Assess
      expect(attempt(conflicting)).toThrow(/GET \/widgets\/\{widgetId\} \(write_widgets\) also covers GET \/widgets\/mine/);
    });

    it('refuses patterns that cross each other (issue 9), naming every conflict', () => {
      // Prepare: a literal beats a parameter, so POST /a/b/c goes to /a/b/{y}; an Allow for /a/*/c would cover it.
      const crossing = (handler: LambdaFunction): Partial<KeygateApiProps> => ({
        routes: [
          { method: 'POST', path: '/a/{x}/c', needs: 'write_widgets', handler },
          { method: 'POST', path: '/a/b/{y}', needs: 'admin', handler },
          { method: 'GET', path: '/files/{proxy+}', needs: 'authenticated', handler },
          { method: 'GET', path: '/files/private/{name}', needs: 'admin', handler },
        ],
      });
      // Act & Assess
      expect(attempt(crossing)).toThrow(
        /POST \/a\/\{x\}\/c \(write_widgets\) also covers POST \/a\/b\/\{y\} \(admin\) in an IAM policy: POST \/a\/b\/c [\s\S]*GET \/files\/\{proxy\+\} \(authenticated\) also covers GET \/files\/private\/\{name\} \(admin\)/,
      );
    });

    it.each([
      ['a credential cache over 60 s', { credentialCacheTtl: Duration.seconds(61) }, /credentialCacheTtl is 61 s; at most 60 s/],
      ['an origin with a path', { allowedOrigins: ['https://app.example.com/'] }, /'https:\/\/app.example.com\/' is not an origin/],
      ['a wildcard origin', { allowedOrigins: ['*'] }, /'\*' is not an origin/],
      ['equal key prefixes', { userKeyPrefix: 'k_', botKeyPrefix: 'k_' }, /key prefixes have to differ/],
      ['a prefix without trailing _', { userKeyPrefix: 'key' }, /userKeyPrefix 'key' has to be lower_snake_case ending in '_'/],
      ['a cookie name with a space', { cookieName: 'my session' }, /cookieName 'my session' is not a valid cookie name/],
    ] as const)('refuses %s', (_what, props, message) => {
      // Act & Assess
      expect(attempt(() => props as Partial<KeygateApiProps>)).toThrow(message);
    });
  });

  describe('Constructor: a custom route table in another app', () => {
    let template: Template;
    let api: KeygateApi;
    let stack: Stack;
    let table: Table;

    beforeAll(() => {
      // Prepare
      const parts = anotherApp();
      stack = parts.stack;
      table = parts.table;
      // Act
      api = new KeygateApi(stack, 'Keygate', {
        table: parts.table,
        routes: widgetRoutes(parts.backend),
        permissions: widgetPermissions,
        cookieName: 'widget_sid',
        userKeyPrefix: 'wk_',
        botKeyPrefix: 'wbot_',
        allowedOrigins: ['https://app.widgets.example', 'https://admin.widgets.example'],
        credentialCacheTtl: Duration.seconds(10),
        stageName: 'v1',
      });
      template = Template.fromStack(stack);
    });

    it('protects exactly its non-public routes with the authorizer', () => {
      // Act
      const methods = methodsByRoute(template);
      const authorizerId = { Ref: stack.getLogicalId(api.authorizer.node.defaultChild as CfnElement) };
      // Assess
      expect([...methods.keys()].filter((k) => !k.startsWith('OPTIONS ')).sort()).toEqual(['DELETE /widgets/{widgetId}', 'GET /widgets', 'POST /widgets']);
      expect(methods.get('GET /widgets')).toMatchObject({ AuthorizationType: 'NONE' });
      expect(methods.get('GET /widgets')!.AuthorizerId).toBeUndefined();
      expect(methods.get('POST /widgets')).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: authorizerId });
      expect(methods.get('DELETE /widgets/{widgetId}')).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: authorizerId });
    });

    it('answers CORS preflights on every resource without credentials', () => {
      // Act
      const methods = methodsByRoute(template);
      // Assess
      for (const path of ['/', '/widgets', '/widgets/{widgetId}']) {
        expect(methods.get(`OPTIONS ${path}`)).toMatchObject({ AuthorizationType: 'NONE' });
      }
      const preflight = JSON.stringify(methods.get('OPTIONS /widgets'));
      expect(preflight).toContain('https://admin.widgets.example');
      expect(preflight).toContain("'true'"); // Access-Control-Allow-Credentials
    });

    it('puts CORS headers for the first allowed origin on every gateway response', () => {
      // Act
      const responses = Object.values(template.findResources('AWS::ApiGateway::GatewayResponse'));
      // Assess
      expect(responses.length).toBeGreaterThan(0);
      for (const r of responses) {
        expect(r.Properties).toMatchObject({
          ResponseParameters: {
            'gatewayresponse.header.Access-Control-Allow-Origin': "'https://app.widgets.example'",
            'gatewayresponse.header.Access-Control-Allow-Credentials': "'true'",
            'gatewayresponse.header.Vary': "'Origin'",
          },
        });
      }
    });

    it('hands its settings to the authorizer and exposes them for other functions', () => {
      // Prepare
      const expected = {
        [ENV.routes]: JSON.stringify([
          { method: 'GET', path: '/widgets', needs: 'public' },
          { method: 'POST', path: '/widgets', needs: 'write_widgets' },
          { method: 'DELETE', path: '/widgets/{widgetId}', needs: 'authenticated' },
        ]),
        [ENV.permissions]: JSON.stringify(widgetPermissions),
        [ENV.basePath]: '/v1',
        [ENV.userKeyPrefix]: 'wk_',
        [ENV.botKeyPrefix]: 'wbot_',
        [ENV.cookieName]: 'widget_sid',
        [ENV.allowedOrigins]: 'https://app.widgets.example,https://admin.widgets.example',
        [ENV.cacheTtlSeconds]: '10',
      };
      // Assess
      template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike(expected) } });
      expect(api.configEnvironment).toMatchObject(expected);
      expect(stack.resolve(api.configEnvironment[ENV.tableName])).toEqual({ Ref: stack.getLogicalId(table.node.defaultChild as CfnElement) });
    });

    it('uses the stage name it was given', () => {
      // Assess
      template.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: 'v1' });
    });
  });

  describe('Constructor: API keys only, with the gateway cache', () => {
    it('makes Authorization the identity source and caches results for the given time', () => {
      // Prepare
      const { stack, table, backend } = anotherApp();
      // Act
      new KeygateApi(stack, 'Keygate', {
        table,
        routes: widgetRoutes(backend),
        permissions: widgetPermissions,
        sessions: false,
        gatewayCacheTtl: Duration.minutes(5),
        cloudWatchRole: false,
      });
      // Assess
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
        Type: 'REQUEST',
        IdentitySource: 'method.request.header.Authorization',
        AuthorizerResultTtlInSeconds: 300,
      });
      template.resourceCountIs('AWS::ApiGateway::Account', 0);
    });
  });
});
