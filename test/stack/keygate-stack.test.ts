import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { App, CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { FLAGS, VALIDATE_AGAINST_DEFAULT_RULES } from 'aws-cdk-lib/cx-api';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { EXAMPLE_ROUTES, REFERENCE_PERMISSIONS, REFERENCE_ROUTES } from '../../lib/reference-app';
import { MANAGEMENT_FUNCTIONS } from '../../lambda/core/management-functions';
import { ENV } from '../../lambda/shared/config';
import { addKeygateChecks } from '../../lib/checks';
import { gatewayResponses } from '../../lib/keygate-api';

// The reference app has usage plans (REFERENCE_PLANS).
const GATEWAY_RESPONSES = gatewayResponses('/v1/auth/verify', true);
import { KeygateStack, acknowledgeReferenceFindings } from '../../lib/keygate-stack';
import { ConditionalCheckFailedException, DynamoDBClient, type BatchGetItemCommandInput, type KeysAndAttributes, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { generateToken, parseToken } from '../../lambda/core/token';
import { DynamoCredentialStore } from '../../lambda/store/dynamo-credential-store';
import { LOOKUP_ATTRIBUTES } from '../../lambda/store/keys';
import { StoreUnavailableError } from '../../lambda/store/port';
import { allows, batchGetItemRequest, updateItemRequest, type Statement } from './iam-conditions';
import { appWithCdkJsonContext, methodsByRoute, onlyLogicalId } from './support';

/** What API Gateway substitutes into a gateway response template, for reading the body back. */
function renderGatewayBody(template: string): unknown {
  return JSON.parse(
    template
      .replaceAll('$context.resourcePath', '/v1/keys')
      .replaceAll('$context.authorizer.error_code', 'missing_permission')
      .replaceAll('$context.authorizer.error_message', "this route needs the 'manage_keys' permission")
      .replaceAll('$context.error.messageString', '"Invalid request body"'),
  );
}

describe('Stack: KeygateStack', () => {
  let app: App;
  let stack: KeygateStack;
  let template: Template;
  let methods: Map<string, Record<string, unknown>>;
  const logicalId = (fn: IFunction) => stack.getLogicalId(fn.node.defaultChild as CfnElement);

  // Building the stack bundles every function with esbuild: once for the whole file.
  beforeAll(() => {
    // Prepare
    app = appWithCdkJsonContext();
    stack = new KeygateStack(app, 'Keygate');
    addKeygateChecks(app);
    acknowledgeReferenceFindings(stack);
    // Act: synthesis runs cdk-nag and CloudFormation validation, and throws on an error
    template = Template.fromStack(stack);
    methods = methodsByRoute(template);
  });

  describe('Authorizer', () => {
    it('is one REQUEST authorizer without identity source or gateway cache, so cookies and headers both reach it', () => {
      // Assess
      template.resourceCountIs('AWS::ApiGateway::Authorizer', 1);
      template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
        Type: 'REQUEST',
        AuthorizerResultTtlInSeconds: 0,
        IdentitySource: Match.absent(),
      });
    });

    it('may be invoked by API Gateway only through its own authorizer ARN', () => {
      // Prepare
      const authorizerId = onlyLogicalId(template, 'AWS::ApiGateway::Authorizer');
      // Assess
      template.hasResourceProperties('AWS::Lambda::Permission', {
        FunctionName: { 'Fn::GetAtt': [logicalId(stack.keygate.authorizerFunction), 'Arn'] },
        Principal: 'apigateway.amazonaws.com',
        SourceArn: { 'Fn::Join': ['', Match.arrayWith(['/authorizers/', { Ref: authorizerId }])] },
      });
      const invokes = template.findResources('AWS::Lambda::Permission', {
        Properties: { FunctionName: { 'Fn::GetAtt': [logicalId(stack.keygate.authorizerFunction), 'Arn'] } },
      });
      expect(Object.keys(invokes)).toHaveLength(1);
    });

    it('has exactly one method per route of the route table, and with no allowed origin no preflight but the OAuth token and revocation endpoints\' (any origin)', () => {
      // Assess
      const preflights = ['OPTIONS /v1/oauth/revoke', 'OPTIONS /v1/oauth/token'];
      const console = ['GET /v1/console', 'GET /v1/console/{file}'];
      expect([...methods.keys()].sort()).toEqual([...REFERENCE_ROUTES.map((r) => `${r.method} ${r.path}`), ...preflights, ...console].sort());
    });

    it.each(REFERENCE_ROUTES.map((r) => [r.method, r.path, r.needs] as const))('%s %s (%s) is protected as the route table says', (method, path, needs) => {
      // Prepare
      const authorizerId = onlyLogicalId(template, 'AWS::ApiGateway::Authorizer');
      // Act
      const props = methods.get(`${method} ${path}`);
      // Assess
      expect(props).toBeDefined();
      if (needs === 'public') {
        expect(props).toMatchObject({ AuthorizationType: 'NONE' });
        expect(props!.AuthorizerId).toBeUndefined();
      } else {
        expect(props).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: authorizerId } });
      }
    });

    it.each(REFERENCE_ROUTES.map((r) => [r.method, r.path, r.target] as const))('%s %s is a Lambda proxy integration to the %s function', (method, path, target) => {
      // Prepare
      const fn = target === 'example' ? stack.exampleFunction : stack.keygate.managementFunctions[target];
      // Act
      const integration = methods.get(`${method} ${path}`)!.Integration as { Type: string; Uri: unknown };
      // Assess
      expect(integration.Type).toBe('AWS_PROXY');
      expect(JSON.stringify(integration.Uri)).toContain(JSON.stringify({ 'Fn::GetAtt': [logicalId(fn), 'Arn'] }));
    });

    it('gets the base path and the defaults through its environment, its own routes without handlers and its own permissions through its settings file', () => {
      // Act
      const props = template.toJSON().Resources[logicalId(stack.keygate.authorizerFunction)].Properties as { Environment: { Variables: unknown } };
      // Assess
      expect(props.Environment.Variables).toEqual({
        [ENV.tableName]: { Ref: stack.getLogicalId(stack.table.table.node.defaultChild as CfnElement) },
        [ENV.basePath]: '/v1',
        [ENV.userKeyPrefix]: 'user_key_',
        [ENV.botKeyPrefix]: 'bot_key_',
        [ENV.console]: 'true',
        [ENV.cookieName]: 'keygate_session',
        [ENV.allowedOrigins]: '',
        [ENV.cacheTtlSeconds]: '5',
        // usage plans (their ids and content: test/stack/usage-plans.test.ts); the two usage keys are the authorizer's only
        [ENV.plans]: stack.resolve(stack.keygate.environment[ENV.plans]),
        [ENV.defaultPlan]: 'shared',
        [ENV.usageKeyLimit]: '9000',
        [ENV.defaultUsageKey]: expect.stringMatching(/^[0-9A-Za-z]{40}$/),
        [ENV.spentUsageKey]: expect.stringMatching(/^[0-9A-Za-z]{40}$/),
      });
      // only the app's own routes and permissions: the Lambdas add the management ones
      expect(JSON.parse(stack.keygate.settingsFile)).toEqual({ [ENV.routes]: EXAMPLE_ROUTES, [ENV.permissions]: REFERENCE_PERMISSIONS });
    });
  });

  describe('Gateway responses', () => {
    it('has one gateway response per listed type', () => {
      // Assess
      template.resourceCountIs('AWS::ApiGateway::GatewayResponse', GATEWAY_RESPONSES.length);
    });

    it.each([
      ['UNAUTHORIZED', 401, 'unauthorized', 'missing or invalid credentials; POST /v1/auth/verify tells why a key is refused'],
      ['ACCESS_DENIED', 403, 'missing_permission', "this route needs the 'manage_keys' permission"],
      ['AUTHORIZER_FAILURE', 500, 'authorizer_failure', 'the authorizer could not check the credentials'],
      ['AUTHORIZER_CONFIGURATION_ERROR', 500, 'authorizer_failure', 'the authorizer could not check the credentials'],
      ['MISSING_AUTHENTICATION_TOKEN', 404, 'not_found', 'no such route'],
      ['THROTTLED', 429, 'too_many_requests', "too many requests for this caller's plan; retry after a second"],
      ['REQUEST_TOO_LARGE', 413, 'request_too_large', 'the request is too large'],
      ['INTEGRATION_TIMEOUT', 504, 'timeout', 'the backend did not answer in time'],
      ['DEFAULT_4XX', 400, 'bad_request', 'Invalid request body'],
      ['DEFAULT_5XX', 500, 'internal_error', 'Invalid request body'],
    ] as const)('%s answers %d with the keygate error body (%s)', (type, status, code, message) => {
      // Act
      const found = Object.values(template.findResources('AWS::ApiGateway::GatewayResponse', { Properties: { ResponseType: type } }));
      // Assess
      expect(found).toHaveLength(1);
      const props = found[0]!.Properties as { StatusCode: string; ResponseTemplates: Record<string, string> };
      expect(props.StatusCode).toBe(String(status));
      expect(Object.keys(props.ResponseTemplates)).toEqual(['application/json']);
      expect(renderGatewayBody(props.ResponseTemplates['application/json']!)).toEqual({
        status_code: status,
        endpoint: '/v1/keys',
        error_code: code,
        error_message: message,
      });
    });

    it('substitutes nothing the client sent: only the resource path, API Gateway\'s quoted message and the authorizer\'s error fields', () => {
      // API Gateway fills these templates by plain substitution, unescaped: `$context.path`
      // (the request line as sent) let `/v1/x","error_code":"pwned` add a second error_code.
      const allowed = new Set(['$context.resourcePath', '$context.error.messageString', '$context.authorizer.error_code', '$context.authorizer.error_message', '$context.authorizer.quota_code', '$context.authorizer.quota_message']);
      const all = Object.values(template.findResources('AWS::ApiGateway::GatewayResponse'));
      const used = new Set(all.flatMap((r) => Object.values((r.Properties as { ResponseTemplates: Record<string, string> }).ResponseTemplates).flatMap((t) => t.match(/\$[!{]*[A-Za-z][\w.]*/g) ?? [])));
      expect([...used].filter((ref) => !allowed.has(ref))).toEqual([]);
      expect(used.has('$context.resourcePath')).toBe(true);
    });

    it('asks for a bearer token on 401', () => {
      // Assess
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: 'UNAUTHORIZED',
        ResponseParameters: { 'gatewayresponse.header.WWW-Authenticate': "'Bearer'" },
      });
    });

    it('adds no CORS headers when no origin is allowed', () => {
      // Assess
      const all = Object.values(template.findResources('AWS::ApiGateway::GatewayResponse'));
      for (const r of all) expect(JSON.stringify(r.Properties)).not.toContain('Access-Control-Allow-Origin');
    });
  });

  describe('Upgrade from 0.1', () => {
    it('keeps the logical ids of the table and of the API, so an upgrade keeps the data and the URL', () => {
      // Assess: the ids 0.1 (KeygateTable and KeygateApi side by side in the stack) gave them
      expect(stack.getLogicalId(stack.table.table.node.defaultChild as CfnElement)).toBe('StoreTable0CCFA19B');
      expect(stack.getLogicalId(stack.keygate.api.node.defaultChild as CfnElement)).toBe('KeygateApiE01DEBD3');
      expect(stack.getLogicalId(stack.keygate.authorizer.node.defaultChild as CfnElement)).toBe('KeygateAuthorizer5E6A8139');
    });
  });

  describe('Outputs', () => {
    it('gives the table name for the CLI and the API URL', () => {
      template.hasOutput('TableName', { Value: { Ref: stack.getLogicalId(stack.table.table.node.defaultChild as CfnElement) } });
      expect(Object.keys(template.findOutputs('*')).some((id) => id.includes('Endpoint'))).toBe(true);
    });
  });

  describe('Table', () => {
    it('is on-demand, encrypted, point-in-time recoverable, expires items by ttl, and survives the stack', () => {
      // Assess
      template.resourceCountIs('AWS::DynamoDB::Table', 1);
      template.hasResource('AWS::DynamoDB::Table', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: {
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ],
          BillingMode: 'PAY_PER_REQUEST',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: { SSEEnabled: true },
          TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        },
      });
    });
  });

  describe('Permissions', () => {
    const tableArn = () => ({ 'Fn::GetAtt': [stack.getLogicalId(stack.table.table.node.defaultChild as CfnElement), 'Arn'] });
    const statementsOf = (fn: IFunction) => {
      const roleId = stack.getLogicalId(fn.role!.node.defaultChild as CfnElement);
      const policies = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }));
      return policies.flatMap((p) => (p.Properties as { PolicyDocument: { Statement: unknown[] } }).PolicyDocument.Statement);
    };

    it('lets the authorizer read the table with BatchGetItem, naming its attributes, and write only lastUsedAt and the credit attributes', () => {
      // Act
      const statements = statementsOf(stack.keygate.authorizerFunction);
      // Assess
      expect(statements).toEqual([
        {
          Action: 'dynamodb:BatchGetItem',
          Effect: 'Allow',
          Resource: tableArn(),
          Condition: {
            'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...LOOKUP_ATTRIBUTES] },
            StringEquals: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
          },
        },
        {
          Action: 'dynamodb:UpdateItem',
          Effect: 'Allow',
          Resource: tableArn(),
          Condition: {
            'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'sk', 'lastUsedAt', 'credits', 'creditsWindow', 'creditsRefill', 'creditsPeriod'] },
            StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE'] },
          },
        },
      ]);
    });

    it("allows the authorizer's own read and refuses it a read of passwordHash, judged by evaluating the synthesized grant", async () => {
      // Prepare: the request the credential store really sends, stopped before it leaves
      let sent: BatchGetItemCommandInput | undefined;
      const recorder = new DynamoDBClient({ region: 'us-east-1' });
      recorder.middlewareStack.add(
        () => async (args) => {
          sent = args.input as BatchGetItemCommandInput;
          throw new Error('recorded, not sent');
        },
        { step: 'initialize', name: 'recordOnly' },
      );
      const token = parseToken(generateToken('user', '0123456789ab').value, ['user']);
      if (!token.ok) throw new Error('unexpected');
      await expect(new DynamoCredentialStore(recorder, 'Table').lookup(token.token)).rejects.toThrow(StoreUnavailableError);
      recorder.destroy();
      const grant = statementsOf(stack.keygate.authorizerFunction) as Statement[];
      const read = (change: (table: KeysAndAttributes) => KeysAndAttributes) =>
        batchGetItemRequest({ RequestItems: { Table: change(sent!.RequestItems!.Table!) } }, tableArn());

      // Act & Assess
      expect(sent!.RequestItems!.Table!.AttributesToGet).toEqual([...LOOKUP_ATTRIBUTES]);
      expect(allows(grant, read((t) => t))).toBe(true);
      expect(allows(grant, read((t) => ({ ...t, AttributesToGet: [...t.AttributesToGet!, 'passwordHash'] })))).toBe(false);
      expect(allows(grant, read(({ AttributesToGet: _, ...t }) => ({ ...t, ProjectionExpression: 'pk, sk, #h', ExpressionAttributeNames: { '#h': 'passwordHash' } })))).toBe(false);
      // Naming no attribute asks for all of them (Select ALL_ATTRIBUTES): refused, though no name is outside the list.
      expect(allows(grant, read(({ AttributesToGet: _, ...t }) => t))).toBe(false);
      expect(allows(grant, { ...read((t) => t), action: 'dynamodb:GetItem' })).toBe(false);
    });

    it("allows the authorizer's own writes (last use, spending and refilling credits) and nothing else, judged by evaluating the synthesized grant", async () => {
      // Prepare: every UpdateItem the credential store sends, each answered "condition failed" so that all of them go out
      const sent: UpdateItemCommandInput[] = [];
      const recorder = new DynamoDBClient({ region: 'us-east-1' });
      recorder.middlewareStack.add(
        () => async (args) => {
          sent.push(args.input as UpdateItemCommandInput);
          throw new ConditionalCheckFailedException({ message: 'recorded, not sent', $metadata: {} });
        },
        { step: 'initialize', name: 'recordOnly' },
      );
      const store = new DynamoCredentialStore(recorder, 'Table');
      await expect(store.touchKey('u', 'k', 2, 1)).rejects.toThrow(ConditionalCheckFailedException);
      await expect(store.spendCredit('u', 'k', '2025-01-02')).resolves.toBe('spent');
      recorder.destroy();
      const grant = statementsOf(stack.keygate.authorizerFunction) as Statement[];
      const write = (input: UpdateItemCommandInput) => updateItemRequest(input, tableArn());

      // Act & Assess: last use, decrement, refill, decrement again
      expect(sent).toHaveLength(4);
      for (const input of sent) expect(allows(grant, write(input))).toBe(true);
      expect(allows(grant, write({ ...sent[1]!, UpdateExpression: 'SET credits = credits - :one, permissions = :one' }))).toBe(false);
      expect(allows(grant, write({ ...sent[2]!, ReturnValues: 'ALL_NEW' }))).toBe(false);
    });

    it.each(['auth', 'keys', 'admin', 'clients'] as const)('grants the %s function exactly its MANAGEMENT_FUNCTIONS tableActions on the table', (target) => {
      // Act
      const all = statementsOf(stack.keygate.managementFunctions[target]) as { Action: string | string[]; Resource: unknown; Condition?: unknown }[];
      const statements = all.filter((s) => [s.Action].flat().every((a) => a.startsWith('dynamodb:')));
      // Assess: besides, with usage plans, POST, DELETE and GET on API Gateway (exactly which: test/stack/usage-plans.test.ts)
      expect(statements).toHaveLength(1);
      expect(all.length - statements.length).toBe(MANAGEMENT_FUNCTIONS[target].usagePlans ? 3 : 0);
      expect([statements[0]!.Action].flat().sort()).toEqual([...MANAGEMENT_FUNCTIONS[target].tableActions].sort());
      expect(statements[0]!.Resource).toEqual(tableArn());
    });

    it('gives the example function no access beyond its logs', () => {
      // Assess
      expect(statementsOf(stack.exampleFunction)).toEqual([]);
    });

    it('gives the management functions the same settings as the authorizer', () => {
      // Assess
      for (const fn of Object.values(stack.keygate.managementFunctions)) {
        template.hasResourceProperties('AWS::Lambda::Function', {
          FunctionName: Match.absent(),
          Environment: { Variables: Match.objectEquals(Object.fromEntries(Object.entries(stack.resolve(stack.keygate.environment)))) },
          Description: (fn.node.defaultChild as unknown as { description: string }).description,
        });
      }
    });
  });

  describe('Functions', () => {
    it('runs every function on nodejs22.x, arm64, with its own log group', () => {
      // Act
      const functions = [stack.keygate.authorizerFunction, ...Object.values(stack.keygate.managementFunctions), stack.keygate.consoleFunction!, stack.exampleFunction].map(
        (fn) => template.toJSON().Resources[logicalId(fn)],
      );
      // Assess: seven functions (the console's too), and CDK's AwsCustomResource Lambda that writes the settings item
      template.resourceCountIs('AWS::Lambda::Function', 8);
      const logGroups = template.findResources('AWS::Logs::LogGroup');
      for (const f of functions) {
        const props = f.Properties as { Runtime: string; Architectures: string[]; LoggingConfig: { LogGroup: { Ref: string } } };
        expect(props.Runtime).toBe('nodejs22.x');
        expect(props.Architectures).toEqual(['arm64']);
        expect(Object.keys(logGroups)).toContain(props.LoggingConfig.LogGroup.Ref);
      }
    });

    it('keeps every log group one month', () => {
      // Act
      const logGroups = Object.values(template.findResources('AWS::Logs::LogGroup'));
      // Assess
      expect(logGroups.length).toBe(9); // seven functions, the settings writer and the access log
      for (const g of logGroups) expect(g.Properties).toMatchObject({ RetentionInDays: 30 });
    });

    it('sizes the authorizer for the hot path: 256–512 MB, a short timeout', () => {
      // Act
      const props = template.toJSON().Resources[logicalId(stack.keygate.authorizerFunction)].Properties as { MemorySize: number; Timeout: number };
      // Assess
      expect(props.MemorySize).toBeGreaterThanOrEqual(256);
      expect(props.MemorySize).toBeLessThanOrEqual(512);
      expect(props.Timeout).toBeLessThanOrEqual(10);
    });
  });

  describe('Stage', () => {
    it('is a regional API with stage "api", access logs, tracing and error logging, never request bodies', () => {
      // Assess
      template.hasResourceProperties('AWS::ApiGateway::RestApi', { EndpointConfiguration: { Types: ['REGIONAL'] } });
      template.hasResourceProperties('AWS::ApiGateway::Stage', {
        StageName: 'api',
        TracingEnabled: true,
        AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('authorizerError') },
        MethodSettings: [Match.objectLike({ LoggingLevel: 'ERROR', DataTraceEnabled: false, HttpMethod: '*', ResourcePath: '/*' })],
      });
    });
  });

  describe('Alarms', () => {
    it('raises five alarms and exposes them', () => {
      // Assess
      template.resourceCountIs('AWS::CloudWatch::Alarm', 5);
      expect(Object.keys(stack.keygate.alarms).sort()).toEqual(['api5xxRate', 'authorizerErrors', 'authorizerThrottles', 'clientAuthFailures', 'loginLockouts']);
    });

    it('alarms on a burst of login lockouts: the auth Lambda’s login_locked metric, 5 in 5 minutes', () => {
      // Assess
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'keygate',
        MetricName: 'login_locked',
        Dimensions: [{ Name: 'service', Value: 'keygate-management' }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 5,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    });

    it('alarms on wrong API client secrets (there is no client lockout): the clients Lambda’s client_auth_failed metric, 5 in 5 minutes', () => {
      // Assess
      expect(JSON.stringify(template.toJSON())).not.toContain('client_auth_locked');
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'keygate',
        MetricName: 'client_auth_failed',
        Dimensions: [{ Name: 'service', Value: 'keygate-management' }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 5,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      });
    });

    it('alarms on any authorizer error in 5 minutes other than a refused credential', () => {
      // Assess
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
        Metrics: Match.arrayWith([
          Match.objectLike({ Expression: 'FILL(errors, 0) - FILL(refused, 0)' }),
          Match.objectLike({
            Id: 'errors',
            MetricStat: { Metric: Match.objectLike({ Namespace: 'AWS/Lambda', MetricName: 'Errors' }), Period: 300, Stat: 'Sum' },
          }),
          Match.objectLike({
            Id: 'refused',
            MetricStat: {
              Metric: { Namespace: 'keygate', MetricName: 'decision_unauthorized', Dimensions: [{ Name: 'service', Value: 'keygate-authorizer' }] },
              Period: 300,
              Stat: 'Sum',
            },
          }),
        ]),
      });
    });

    it('alarms on any authorizer throttle', () => {
      // Assess
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Throttles',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Period: 300,
      });
    });

    it('alarms when more than 1 % of answers in 5 minutes are 5xx', () => {
      // Assess
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Threshold: 1,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        Metrics: Match.arrayWith([
          Match.objectLike({ Expression: '100 * errors / requests' }),
          Match.objectLike({ Id: 'errors', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: '5XXError' }), Period: 300 }) }),
          Match.objectLike({ Id: 'requests', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'Count' }), Period: 300 }) }),
        ]),
      });
    });
  });

  describe('Checks', () => {
    it('synthesizes with CloudFormation validation findings as errors, and finds none', () => {
      // Act
      const assembly = app.synth({ force: true });
      // Assess
      expect(FLAGS[VALIDATE_AGAINST_DEFAULT_RULES]).toBeDefined();
      expect(app.node.tryGetContext(VALIDATE_AGAINST_DEFAULT_RULES)).toBe(true);
      const report = JSON.parse(readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8')) as { pluginReports: unknown[] };
      expect(report.pluginReports).toEqual([]);
    });

    it('leaves no unacknowledged cdk-nag AwsSolutions finding', () => {
      // Act
      const report = new AwsSolutionsChecks().validateScope(app);
      // Assess
      expect(report.violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    });

    it('really checks: the same stack without the acknowledgments has AwsSolutions errors', () => {
      // Prepare
      const bare = appWithCdkJsonContext();
      new KeygateStack(bare, 'Keygate');
      // Act
      const report = new AwsSolutionsChecks().validateScope(bare);
      // Assess
      const errors = report.violations.filter((v) => v.severity === 'error').map((v) => v.ruleName);
      expect(errors).toEqual(expect.arrayContaining(['AwsSolutions-COG4', 'AwsSolutions-APIG4', 'AwsSolutions-L1']));
    });
  });
});

describe('Stack: KeygateStack settings from CDK context', () => {
  it('passes cookie name, key prefixes, origins and cache TTL from context to the authorizer', () => {
    // Prepare: no bundling needed to read the environment
    const app = appWithCdkJsonContext({
      'aws:cdk:bundling-stacks': [],
      'keygate:cookieName': 'sid',
      'keygate:userKeyPrefix': 'tape_',
      'keygate:botKeyPrefix': 'tapebot_',
      'keygate:allowedOrigins': 'https://a.example.com,https://b.example.com',
      'keygate:credentialCacheTtlSeconds': '2',
    });
    // Act
    const stack = new KeygateStack(app, 'Custom');
    const env = Template.fromStack(stack).toJSON().Resources[stack.getLogicalId(stack.keygate.authorizerFunction.node.defaultChild as CfnElement)]
      .Properties.Environment.Variables as Record<string, string>;
    // Assess
    expect(env).toMatchObject({
      [ENV.cookieName]: 'sid',
      [ENV.userKeyPrefix]: 'tape_',
      [ENV.botKeyPrefix]: 'tapebot_',
      [ENV.allowedOrigins]: 'https://a.example.com,https://b.example.com',
      [ENV.cacheTtlSeconds]: '2',
    });
  });

  it('refuses a cache TTL that is not a number', () => {
    const app = appWithCdkJsonContext({ 'aws:cdk:bundling-stacks': [], 'keygate:credentialCacheTtlSeconds': 'soon' });
    expect(() => new KeygateStack(app, 'Bad')).toThrow("context keygate:credentialCacheTtlSeconds has to be a number of seconds, got 'soon'");
  });
});
