/**
 * The `Keygate` construct as another team's app uses it: its own table or
 * keygate's, its own routes and permissions, the management API under its
 * own base path, alarms that reach someone. Built from the pre-built assets
 * in dist/assets (jest's global setup bundles them when stale).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Duration, RemovalPolicy, Stack, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import { Table, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { consoleRoutes, managementRoutes } from '../../lambda/core/management-routes';
import { MANAGEMENT_FUNCTIONS } from '../../lambda/core/management-functions';
import { ENV, loadConfig } from '../../lambda/shared/config';
import { readSettings } from '../../lambda/core/settings-item';
import { SETTINGS_FILE } from '../../lambda/core/settings';
import { acknowledgeFunctionFindings, acknowledgeKeygateFindings } from '../../lib/checks';
import { Keygate, KeygateTable, type KeygateProps, type PermissionDef } from '../../lib/index';
import { appWithCdkJsonContext, methodsByRoute } from './support';

const WIDGET_PERMISSIONS: PermissionDef[] = [
  { name: 'read_widgets', grant: 'key', description: 'list widgets' },
  { name: 'write_widgets', grant: 'key', description: 'create and change widgets' },
];

/** A stack of another app, with its own backend Lambda. */
function widgetsStack(app: App = appWithCdkJsonContext(), props: { env?: { region: string; account?: string } } = {}): { stack: Stack; backend: LambdaFunction } {
  const stack = new Stack(app, 'Widgets', props);
  const backend = new LambdaFunction(stack, 'Backend', {
    runtime: Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: Code.fromInline('exports.handler = async () => ({ statusCode: 200, body: "{}" })'),
  });
  return { stack, backend };
}

function widgetsProps(backend: LambdaFunction, overrides: Partial<KeygateProps> = {}): KeygateProps {
  return {
    basePath: '/auth-service',
    permissions: WIDGET_PERMISSIONS,
    routes: [
      { method: 'GET', path: '/widgets', needs: 'read_widgets', handler: backend },
      { method: 'POST', path: '/widgets', needs: 'write_widgets', handler: backend },
      { method: 'DELETE', path: '/widgets/{widgetId}', needs: 'write_widgets', handler: backend },
    ],
    ...overrides,
  };
}

const logicalId = (stack: Stack, c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as CfnElement);

describe('Construct: Keygate', () => {
  describe('in another app, with its own routes under /auth-service', () => {
    let stack: Stack;
    let keygate: Keygate;
    let template: Template;
    let topic: Topic;

    beforeAll(() => {
      // Prepare: asset metadata on, as the CDK CLI sets it, to find each function's staged bundle
      const built = widgetsStack(appWithCdkJsonContext({ 'aws:cdk:enable-asset-metadata': true }));
      stack = built.stack;
      topic = new Topic(stack, 'Alarms');
      // Act
      keygate = new Keygate(stack, 'Keygate', widgetsProps(built.backend, { alarmAction: topic }));
      template = Template.fromStack(stack);
    });

    it("mounts every management route under the base path and the app's routes as given, each exactly once", () => {
      // Act
      // (the OAuth token and revoke routes' CORS preflights are methods of the API, not routes of keygate's table)
      const methods = [...methodsByRoute(template).keys()].filter((m) => !m.startsWith('OPTIONS ')).sort();
      // Assess
      const expected = [...managementRoutes('/auth-service'), ...consoleRoutes('/auth-service'), { method: 'GET', path: '/widgets' }, { method: 'POST', path: '/widgets' }, { method: 'DELETE', path: '/widgets/{widgetId}' }];
      expect(methods).toEqual(expected.map((r) => `${r.method} ${r.path}`).sort());
      expect(keygate.routes.map((r) => `${r.method} ${r.path}`).sort()).toEqual(methods);
    });

    it('sends each management route to the Lambda its row names', () => {
      // Prepare
      const methods = methodsByRoute(template);
      // Assess
      for (const route of managementRoutes('/auth-service')) {
        const uri = JSON.stringify((methods.get(`${route.method} ${route.path}`)!.Integration as { Uri: unknown }).Uri);
        expect(uri).toContain(JSON.stringify({ 'Fn::GetAtt': [logicalId(stack, keygate.managementFunctions[route.fn]), 'Arn'] }));
      }
    });

    it("gives every keygate Lambda the same settings: its base path in the environment, the app's own routes and permissions in the settings file of its asset", () => {
      // Prepare
      const functions = [keygate.authorizerFunction, ...Object.values(keygate.managementFunctions), keygate.consoleFunction!];
      const assembly = App.of(stack)!.synth() as unknown as { directory: string };
      const resources = template.toJSON().Resources as Record<string, { Properties: { Environment: { Variables: Record<string, unknown> } }; Metadata: Record<string, string> }>;
      // Assess
      for (const fn of functions) {
        const { Properties, Metadata } = resources[logicalId(stack, fn)]!;
        const env = Properties.Environment.Variables;
        expect(env).toEqual(stack.resolve(keygate.environment));
        expect(env[ENV.basePath]).toBe('/auth-service');
        expect(Object.keys(env)).not.toEqual(expect.arrayContaining([ENV.routes]));
        expect(Object.keys(env)).not.toEqual(expect.arrayContaining([ENV.permissions]));
        const file = JSON.parse(readFileSync(join(assembly.directory, Metadata['aws:asset:path']!, SETTINGS_FILE), 'utf8')) as Record<string, unknown>;
        expect(file).toEqual({
          [ENV.routes]: [
            { method: 'GET', path: '/widgets', needs: 'read_widgets' },
            { method: 'POST', path: '/widgets', needs: 'write_widgets' },
            { method: 'DELETE', path: '/widgets/{widgetId}', needs: 'write_widgets' },
          ],
          [ENV.permissions]: WIDGET_PERMISSIONS,
        });
      }
    });

    it('tells the authorizer about a gateway cache (then it lists every route in its policies), and says nothing without one', () => {
      // Prepare
      const { stack: cached, backend: cachedBackend } = widgetsStack();
      const withCache = new Keygate(cached, 'Keygate', widgetsProps(cachedBackend, { sessions: false, gatewayCacheTtl: Duration.minutes(5) }));
      const env = (k: Keygate) => Template.fromStack(Stack.of(k)).toJSON().Resources[logicalId(Stack.of(k), k.authorizerFunction)].Properties.Environment.Variables as Record<string, unknown>;
      // Act
      const config = loadConfig({ ...Stack.of(withCache).resolve(withCache.environment), TABLE_NAME: 't' }, JSON.parse(withCache.settingsFile));
      // Assess
      expect(env(withCache)[ENV.gatewayCacheSeconds]).toBe('300');
      expect(config.gatewayCacheSeconds).toBe(300);
      expect(Object.keys(env(keygate))).not.toContain(ENV.gatewayCacheSeconds);
    });

    it('makes one Lambda per MANAGEMENT_FUNCTIONS entry, granted exactly its table actions', () => {
      // Assess
      expect(Object.keys(keygate.managementFunctions).sort()).toEqual(Object.keys(MANAGEMENT_FUNCTIONS).sort());
      for (const [name, def] of Object.entries(MANAGEMENT_FUNCTIONS) as [keyof typeof MANAGEMENT_FUNCTIONS, (typeof MANAGEMENT_FUNCTIONS)['auth']][]) {
        const roleId = logicalId(stack, keygate.managementFunctions[name].role!);
        const [policy] = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }));
        const statements = (policy!.Properties as { PolicyDocument: { Statement: { Action: string | string[] }[] } }).PolicyDocument.Statement;
        expect(statements).toHaveLength(1);
        expect([statements[0]!.Action].flat().sort()).toEqual([...def.tableActions].sort());
      }
    });

    it("loads keygate's Lambdas from the pre-built bundles, unchanged", () => {
      // Prepare
      const assembly = App.of(stack)!.synth() as unknown as { directory: string };
      const resources = template.toJSON().Resources as Record<string, { Properties: { Handler: string }; Metadata: Record<string, string> }>;
      // Assess
      for (const [fn, asset] of [[keygate.authorizerFunction, 'authorizer'], ...Object.entries(keygate.managementFunctions).map(([n, f]) => [f, n] as const)] as const) {
        const r = resources[logicalId(stack, fn)]!;
        expect(r.Properties.Handler).toBe('index.handler');
        const shipped = readFileSync(join(assembly.directory, r.Metadata['aws:asset:path']!, 'index.js'));
        expect(shipped.equals(readFileSync(join(__dirname, '..', '..', 'dist', 'assets', asset, 'index.js')))).toBe(true);
      }
    });

    it("gives every gateway response the FIRST allowed origin's CORS headers (a gateway response cannot choose per request)", () => {
      // Prepare: a deployment with two origins
      const { stack: twoOrigins, backend } = widgetsStack();
      new Keygate(twoOrigins, 'Keygate', widgetsProps(backend, { allowedOrigins: ['https://app.example.com', 'https://admin.example.com'] }));
      const responses = Object.values(Template.fromStack(twoOrigins).findResources('AWS::ApiGateway::GatewayResponse'));
      // Assess
      expect(responses.length).toBeGreaterThan(3);
      for (const r of responses) {
        expect(r.Properties.ResponseParameters).toMatchObject({
          'gatewayresponse.header.Access-Control-Allow-Origin': "'https://app.example.com'",
          'gatewayresponse.header.Access-Control-Allow-Credentials': "'true'",
          'gatewayresponse.header.Vary': "'Origin'",
        });
      }
    });

    it('answers preflights from the allowed origins, none on OAuth authorize (RFC 9700), and any origin on token and revoke', () => {
      // Prepare: a deployment with two origins
      const { stack: twoOrigins, backend } = widgetsStack();
      new Keygate(twoOrigins, 'Keygate', widgetsProps(backend, { allowedOrigins: ['https://app.example.com', 'https://admin.example.com'] }));
      const methods = methodsByRoute(Template.fromStack(twoOrigins));
      const allowOrigin = (route: string) =>
        (methods.get(route) as { Integration: { IntegrationResponses: { ResponseParameters: Record<string, string> }[] } } | undefined)?.Integration.IntegrationResponses[0]!.ResponseParameters[
          'method.response.header.Access-Control-Allow-Origin'
        ];
      // Assess
      expect(allowOrigin('OPTIONS /auth-service/keys')).toBe("'https://app.example.com'");
      expect(methods.has('OPTIONS /auth-service/oauth/authorize')).toBe(false);
      expect(methods.has('GET /auth-service/oauth/authorize')).toBe(true);
      expect(allowOrigin('OPTIONS /auth-service/oauth/token')).toBe("'*'");
      expect(allowOrigin('OPTIONS /auth-service/oauth/revoke')).toBe("'*'");
    });

    it('points the 401 body at the verify route under the base path', () => {
      // Assess
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: 'UNAUTHORIZED',
        ResponseTemplates: { 'application/json': Match.stringLikeRegexp('POST /auth-service/auth/verify tells why') },
      });
    });

    it('sends every alarm to the SNS topic it was given', () => {
      // Assess
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
      expect(alarms).toHaveLength(Object.keys(keygate.alarms).length);
      for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: logicalId(stack, topic) }]);
    });

    it("writes the deployment's settings item at deploy time, with PutItem on the SETTINGS partition only", () => {
      // Prepare
      const [resource] = Object.values(template.findResources('Custom::KeygateDeploymentSettings'));
      const tableRef = { Ref: logicalId(stack, keygate.table.table) };
      const create = JSON.parse(JSON.stringify(resource!.Properties.Create).replaceAll(JSON.stringify(tableRef), '"TABLE"')) as { 'Fn::Join': [string, string[]] };
      const call = JSON.parse(create['Fn::Join'][1].join('')) as { action: string; parameters: { TableName: string; Item: Parameters<typeof readSettings>[0] } };
      // Assess
      expect(call.action).toBe('PutItem');
      expect(call.parameters.TableName).toBe('TABLE');
      expect(readSettings(call.parameters.Item)).toEqual({
        basePath: '/auth-service',
        permissions: WIDGET_PERMISSIONS,
        userKeyPrefix: 'user_key_',
        botKeyPrefix: 'bot_key_',
        cookieName: 'keygate_session',
        // without plans the item stores no plan setting; it reads as the defaults
        plans: [],
        defaultPlan: '',
        usageKeyLimit: 9000,
      });
      expect(Object.keys(JSON.parse(call.parameters.Item!.settings!.S!))).not.toContain('plans');
      expect(resource!.Properties.Update).toEqual(resource!.Properties.Create);
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: [
            {
              Action: 'dynamodb:PutItem',
              Effect: 'Allow',
              Resource: { 'Fn::GetAtt': [logicalId(stack, keygate.table.table), 'Arn'] },
              Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['SETTINGS'] } },
            },
          ],
        },
      });
    });

    it("passes cdk-nag once keygate's findings and the app's own public choices are acknowledged", () => {
      // Prepare
      const app = appWithCdkJsonContext();
      const { stack: other, backend } = widgetsStack(app);
      const gate = new Keygate(other, 'Keygate', widgetsProps(backend, { alarmAction: new Topic(other, 'Alarms') }));
      acknowledgeKeygateFindings(gate);
      acknowledgeFunctionFindings(backend);
      // Act
      const report = new AwsSolutionsChecks().validateScope(app);
      // Assess: only the app's own topic is left (keygate does not own it)
      const left = report.violations.filter((v) => !v.violatingResources.every((r) => r.constructPath?.startsWith('Widgets/Alarms')));
      expect(left.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    });
  });

  describe('alarm actions', () => {
    it('takes any IAlarmAction as it is', () => {
      // Prepare
      const { stack, backend } = widgetsStack();
      const action: IAlarmAction = { bind: () => ({ alarmActionArn: 'arn:aws:lambda:us-east-1:111111111111:function:pager' }) };
      // Act
      new Keygate(stack, 'Keygate', widgetsProps(backend, { alarmAction: action }));
      // Assess
      const alarms = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'));
      expect(alarms.length).toBeGreaterThan(0);
      for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual(['arn:aws:lambda:us-east-1:111111111111:function:pager']);
    });

    it('makes alarms without actions when none is given', () => {
      // Prepare
      const { stack, backend } = widgetsStack();
      // Act
      new Keygate(stack, 'Keygate', widgetsProps(backend));
      // Assess
      for (const alarm of Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'))) expect(alarm.Properties.AlarmActions).toBeUndefined();
    });
  });

  describe('the table', () => {
    it('uses an existing table: no new one, grants and the settings item on it', () => {
      // Prepare
      const { stack, backend } = widgetsStack();
      const existing = Table.fromTableName(stack, 'Kept', 'keygate-kept');
      // Act
      const keygate = new Keygate(stack, 'Keygate', widgetsProps(backend, { table: { existingTable: existing } }));
      const template = Template.fromStack(stack);
      // Assess
      template.resourceCountIs('AWS::DynamoDB::Table', 0);
      template.resourceCountIs('AWS::DynamoDB::GlobalTable', 0);
      expect(keygate.table.owned).toBe(false);
      expect(stack.resolve(keygate.environment[ENV.tableName])).toBe('keygate-kept');
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 'dynamodb:BatchGetItem', Resource: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([':table/keygate-kept'])]) }) })]) },
      });
      expect(JSON.stringify(Object.values(template.findResources('Custom::KeygateDeploymentSettings'))[0]!.Properties.Create)).toContain('keygate-kept');
    });

    it('may be destroyed with the stack and go without point-in-time recovery when asked', () => {
      // Prepare
      const { stack, backend } = widgetsStack();
      // Act
      new Keygate(stack, 'Keygate', widgetsProps(backend, { table: { removalPolicy: RemovalPolicy.DESTROY, pointInTimeRecovery: false } }));
      // Assess
      Template.fromStack(stack).hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Delete',
        Properties: { PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false } },
      });
    });

    it('becomes a global table with a replica per listed region', () => {
      // Prepare
      const { stack, backend } = widgetsStack(appWithCdkJsonContext(), { env: { region: 'us-east-1', account: '111111111111' } });
      // Act
      const keygate = new Keygate(stack, 'Keygate', widgetsProps(backend, { table: { replicaRegions: ['eu-west-1', 'ap-southeast-2'] } }));
      const template = Template.fromStack(stack);
      // Assess
      expect(keygate.table.table).toBeInstanceOf(TableV2);
      template.resourceCountIs('AWS::DynamoDB::Table', 0);
      template.hasResource('AWS::DynamoDB::GlobalTable', {
        DeletionPolicy: 'Retain',
        Properties: {
          BillingMode: 'PAY_PER_REQUEST',
          TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
          Replicas: Match.arrayWith([
            Match.objectLike({ Region: 'eu-west-1', PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } }),
            Match.objectLike({ Region: 'ap-southeast-2' }),
            Match.objectLike({ Region: 'us-east-1' }),
          ]),
        },
      });
    });

    it('can be a KeygateTable made beside the construct (the reference app keeps its logical id that way)', () => {
      // Prepare
      const { stack, backend } = widgetsStack();
      const store = new KeygateTable(stack, 'Store');
      // Act
      const keygate = new Keygate(stack, 'Keygate', widgetsProps(backend, { table: store }));
      // Assess
      expect(keygate.table).toBe(store);
      Template.fromStack(stack).resourceCountIs('AWS::DynamoDB::Table', 1);
    });

    it.each([
      ['an existing table with a removal policy', { existing: true, removalPolicy: RemovalPolicy.DESTROY }, undefined, /existingTable is used as it is: removalPolicy cannot be set with it/],
      ['replicas in a region-agnostic stack', { replicaRegions: ['eu-west-1'] }, undefined, /replicaRegions needs a stack with an explicit region/],
      ["a replica in the stack's own region", { replicaRegions: ['us-east-1'] }, 'us-east-1', /replicaRegions lists us-east-1, the stack's own region/],
      ['a replica region twice', { replicaRegions: ['eu-west-1', 'eu-west-1'] }, 'us-east-1', /replicaRegions lists eu-west-1 more than once/],
    ] as const)('refuses %s', (_case, { existing, ...tableProps }: { existing?: boolean; removalPolicy?: RemovalPolicy; replicaRegions?: readonly string[] }, region, message) => {
      // Prepare
      const { stack, backend } = widgetsStack(appWithCdkJsonContext(), region ? { env: { region } } : {});
      const table = { ...tableProps, ...(tableProps.replicaRegions ? { replicaRegions: [...tableProps.replicaRegions] } : {}), ...(existing ? { existingTable: Table.fromTableName(stack, 'T', 'x') } : {}) };
      // Act & Assess
      expect(() => new Keygate(stack, 'Keygate', widgetsProps(backend, { table }))).toThrow(message);
    });
  });

  describe('refused configurations', () => {
    it('refuses every problem at once: conflicts with management routes, unknown and reserved permissions, a bad base path is reported alone', () => {
      // Prepare
      const { stack, backend } = widgetsStack();
      // Act
      const attempt = () =>
        new Keygate(stack, 'Keygate', {
          basePath: '/auth-service',
          permissions: [...WIDGET_PERMISSIONS, { name: 'admin', grant: 'key', description: 'mine' }, { name: 'read_widgets', grant: 'key', description: 'again' }],
          routes: [
            { method: 'POST', path: '/auth-service/auth/login', needs: 'public', handler: backend },
            { method: 'GET', path: '/auth-service/keys/{anything}', needs: 'read_widgets', handler: backend },
            { method: 'GET', path: '/gadgets', needs: 'read_gadgets', handler: backend },
          ],
          gatewayCacheTtl: Duration.minutes(5),
          credentialCacheTtl: Duration.minutes(5),
          cookieName: 'bad cookie',
        });
      // Assess
      expect(attempt).toThrow(
        new RegExp(
          [
            "permission 'admin' is a management permission",
            "permission 'read_widgets' is listed twice",
            'POST /auth-service/auth/login is listed twice',
            "needs 'read_gadgets', which is not in the permission catalog",
            // the wildcard conflict between the app's route and the management one
            '/auth-service/keys/\\{anything\\}',
            'credentialCacheTtl is 300 s',
            'gatewayCacheTtl needs sessions: false',
            "cookieName 'bad cookie'",
          ].join('[\\s\\S]*'),
        ),
      );
    });

    it('refuses route patterns that cross each other, naming every conflict and a request that shows it', () => {
      // Prepare: a literal beats a parameter, so POST /a/b/c goes to /a/b/{y}; an Allow for /a/*/c would cover it.
      const { stack, backend } = widgetsStack();
      const routes = [
        { method: 'POST' as const, path: '/a/{x}/c', needs: 'read_widgets', handler: backend },
        { method: 'POST' as const, path: '/a/b/{y}', needs: 'write_widgets', handler: backend },
        { method: 'GET' as const, path: '/files/{proxy+}', needs: 'authenticated', handler: backend },
        { method: 'GET' as const, path: '/files/private/{name}', needs: 'read_widgets', handler: backend },
        { method: 'ANY' as const, path: '/things/{id}', needs: 'read_widgets', handler: backend },
        { method: 'DELETE' as const, path: '/things/{id}', needs: 'write_widgets', handler: backend },
      ];
      // Act & Assess
      expect(() => new Keygate(stack, 'Keygate', widgetsProps(backend, { routes }))).toThrow(
        new RegExp(
          [
            'POST /a/\\{x\\}/c \\(read_widgets\\) also covers POST /a/b/\\{y\\} \\(write_widgets\\) in an IAM policy: POST /a/b/c',
            'GET /files/\\{proxy\\+\\} \\(authenticated\\) also covers GET /files/private/\\{name\\} \\(read_widgets\\)',
            'ANY /things/\\{id\\} \\(read_widgets\\) also covers DELETE /things/\\{id\\} \\(write_widgets\\)',
          ].join('[\\s\\S]*'),
        ),
      );
    });

    it('refuses a base path that is not /segment[/segment…]', () => {
      // Prepare
      const { stack, backend } = widgetsStack();
      // Act & Assess
      expect(() => new Keygate(stack, 'Keygate', widgetsProps(backend, { basePath: '/auth/' }))).toThrow(/basePath '\/auth\/' has to be/);
    });

    it('refuses an origin with a path or a wildcard, key prefixes that are not lower_snake_case_ or that collide, all at once', () => {
      // Prepare
      const { stack, backend } = widgetsStack();
      // Act
      const attempt = () =>
        new Keygate(stack, 'Keygate', widgetsProps(backend, { allowedOrigins: ['https://app.example.com/app', 'https://*.example.com'], userKeyPrefix: 'Widget-', botKeyPrefix: 'Widget-' }));
      // Assess
      expect(attempt).toThrow(
        new RegExp(
          [
            "allowedOrigins: 'https://app.example.com/app' is not an origin",
            "allowedOrigins: 'https://\\*.example.com' is not an origin",
            "userKeyPrefix 'Widget-' has to be lower_snake_case ending in '_'",
            "botKeyPrefix 'Widget-' has to be lower_snake_case ending in '_'",
            'key prefixes have to differ from each other',
          ].join('[\\s\\S]*'),
        ),
      );
    });

    it('refuses settings too large for the 4 KB Lambda environment: the origins, now that routes and permissions travel in the settings file', () => {
      // Prepare: 60 more permissions with long descriptions (refused before the settings file) and 200 origins
      const { stack, backend } = widgetsStack();
      const permissions = [...WIDGET_PERMISSIONS, ...Array.from({ length: 60 }, (_, i) => ({ name: `widget_permission_${i}`, grant: 'key' as const, description: 'a description long enough to fill the environment quickly' }))];
      const allowedOrigins = Array.from({ length: 200 }, (_, i) => `https://app-${i}.example.com`);
      // Act & Assess
      expect(() => new Keygate(stack, 'Keygate', widgetsProps(backend, { permissions }))).not.toThrow();
      const other = widgetsStack();
      expect(() => new Keygate(other.stack, 'Keygate', widgetsProps(other.backend, { allowedOrigins }))).toThrow(
        /the settings take \d+ bytes of the 4 KB Lambda environment \(most in KEYGATE_ALLOWED_ORIGINS, [A-Z_]+\); shorten the origins/,
      );
    });
  });
});
