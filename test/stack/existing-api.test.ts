/**
 * The `Keygate` construct on a RestApi the app already has (`api`): the
 * README's snippet as printed ("In front of an API you already have"), what
 * happens to the app's own methods outside keygate's table, and every clash
 * with what the app set on its API, refused at construction or at synth.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ApiKeySourceType, AuthorizationType, Cors, LambdaIntegration, ResponseType, RestApi, type RestApiProps } from 'aws-cdk-lib/aws-apigateway';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ENV } from '../../lambda/shared/config';
import { acknowledgeFunctionFindings, acknowledgeKeygateFindings } from '../../lib/checks';
import { Keygate, type KeygateProps } from '../../lib/index';
import { gatewayResponses } from '../../lib/keygate-api';
import { writeReadmeFiles } from '../support/readme-snippets';
import { appWithCdkJsonContext, methodsByRoute } from './support';

// The README's `import { Keygate } from 'keygate'`: this repository's entry point.
jest.mock('keygate', () => jest.requireActual('../../lib/index'), { virtual: true });

const SECTION = '### In front of an API you already have';
const snippetDir = mkdtempSync(join(tmpdir(), 'keygate-existing-api-'));
afterAll(() => rmSync(snippetDir, { recursive: true, force: true }));

type ReportsStackClass = new (scope: import('constructs').Construct, id: string) => Stack;

/** The README's stack, written out as printed and loaded. */
function readmeReportsStack(): ReportsStackClass {
  const files = writeReadmeFiles(SECTION, snippetDir);
  return (require(files['lib/reports-stack.ts']!) as { ReportsStack: ReportsStackClass }).ReportsStack;
}

const logicalId = (stack: Stack, c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as CfnElement);

/** A stack of another app with its own API (`props`) and backend. */
function appStack(apiProps: RestApiProps = {}): { stack: Stack; api: RestApi; backend: LambdaFunction } {
  const stack = new Stack(appWithCdkJsonContext(), 'Shop');
  const backend = new LambdaFunction(stack, 'Backend', {
    runtime: Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: Code.fromInline('exports.handler = async () => ({ statusCode: 200, body: "{}" })'),
  });
  const api = new RestApi(stack, 'ShopApi', { ...(apiProps.deploy === false ? {} : { deployOptions: { stageName: 'live' } }), ...apiProps });
  api.root.addResource('status').addMethod('GET', new LambdaIntegration(backend));
  return { stack, api, backend };
}

function keygateProps(api: RestApi, backend: LambdaFunction, overrides: Partial<KeygateProps> = {}): KeygateProps {
  return {
    api,
    basePath: '/account',
    permissions: [{ name: 'read_orders', grant: 'key', description: 'read orders' }],
    routes: [{ method: 'GET', path: '/orders', needs: 'read_orders', handler: backend }],
    ...overrides,
  };
}

describe("Construct: Keygate on the app's own RestApi", () => {
  describe("the README snippet, as printed, with a method of the app's own behind keygate's authorizer", () => {
    let stack: Stack;
    let keygate: Keygate;
    let template: Template;

    beforeAll(() => {
      // Prepare
      const ReportsStack = readmeReportsStack();
      stack = new ReportsStack(appWithCdkJsonContext(), 'Reports');
      keygate = stack.node.findChild('Keygate') as Keygate;
      const api = stack.node.findChild('ReportsApi') as RestApi;
      // Act: a method the app adds itself, with keygate's authorizer, that is not in keygate's table
      api.root.resourceForPath('/reports/export').addMethod('GET', new LambdaIntegration(stack.node.findChild('Reports') as LambdaFunction), { authorizer: keygate.authorizer });
      template = Template.fromStack(stack);
    });

    it("adds keygate to the app's API and stage: no second REST API, stage or access log group", () => {
      // Assess
      template.resourceCountIs('AWS::ApiGateway::RestApi', 1);
      template.resourceCountIs('AWS::ApiGateway::Stage', 1);
      template.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: 'prod' });
      template.resourceCountIs('AWS::Logs::LogGroup', Object.keys(template.findResources('AWS::Lambda::Function')).length);
      expect(keygate.api).toBe(stack.node.findChild('ReportsApi'));
      expect(keygate.node.tryFindChild('Api')).toBeUndefined();
    });

    it("puts keygate's authorizer exactly on the methods of its routes and the one the app gave it, none on the app's public one", () => {
      // Prepare
      const methods = methodsByRoute(template);
      const authorizer = { Ref: logicalId(stack, keygate.authorizer) };
      const authorized = [...methods].filter(([, m]) => m.AuthorizationType === 'CUSTOM').map(([route]) => route);
      // Assess
      expect(methods.get('GET /health')).toMatchObject({ AuthorizationType: 'NONE' });
      expect(methods.get('GET /health')!.AuthorizerId).toBeUndefined();
      expect(methods.get('GET /reports')).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: authorizer });
      expect(methods.get('GET /reports/export')).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: authorizer });
      expect(methods.get('POST /account/auth/login')).toMatchObject({ AuthorizationType: 'NONE' });
      for (const route of authorized) expect(methods.get(route)!.AuthorizerId).toEqual(authorizer);
      expect(authorized).toEqual(expect.arrayContaining(['GET /reports', 'GET /reports/export', 'GET /account/keys', 'POST /account/keys']));
      // keygate's methods are the ones it made: the app's two are not among them
      expect(keygate.methods.map((m) => `${m.httpMethod} ${m.resource.path}`)).toEqual(expect.arrayContaining(['GET /reports', 'POST /account/auth/login']));
      expect(keygate.methods.map((m) => `${m.httpMethod} ${m.resource.path}`)).not.toEqual(expect.arrayContaining(['GET /health']));
      expect(keygate.methods.map((m) => `${m.httpMethod} ${m.resource.path}`)).not.toEqual(expect.arrayContaining(['GET /reports/export']));
    });

    it("gives the authorizer a table with the app's listed route only: /reports/export is unknown to it", () => {
      // Prepare
      // the route table every keygate Lambda reads (bundled next to its handler, not in its environment)
      const fn = template.findResources('AWS::Lambda::Function')[logicalId(stack, keygate.authorizerFunction)]!;
      const routes = JSON.parse(keygate.settingsFile)[ENV.routes] as { method: string; path: string }[];
      expect(fn.Properties.Environment.Variables[ENV.routes]).toBeUndefined();
      // Assess
      expect(routes).toEqual([{ method: 'GET', path: '/reports', needs: 'read_reports' }]);
      expect(keygate.routes.map((r) => `${r.method} ${r.path}`)).not.toContain('GET /reports/export');
    });

    it("sets keygate's gateway responses on the app's API", () => {
      // Prepare
      const apiId = logicalId(stack, keygate.api);
      const responses = Object.values(template.findResources('AWS::ApiGateway::GatewayResponse'));
      // Assess
      expect(responses.map((r) => r.Properties.ResponseType).sort()).toEqual(gatewayResponses(undefined).map((r) => r.type.responseType).sort());
      for (const r of responses) expect(r.Properties.RestApiId).toEqual({ Ref: apiId });
    });

    it("passes cdk-nag on everything keygate made once acknowledged, and leaves the app's own API findings to the app", () => {
      // Prepare
      const ReportsStack = readmeReportsStack();
      const app = appWithCdkJsonContext();
      const other = new ReportsStack(app, 'Reports');
      const gate = other.node.findChild('Keygate') as Keygate;
      acknowledgeKeygateFindings(gate);
      acknowledgeFunctionFindings(other.node.findChild('Reports') as LambdaFunction);
      const keygatePaths = [gate.node.path, ...gate.methods.map((m) => m.node.path)];
      const isKeygate = (path: string | undefined) => keygatePaths.some((p) => path === p || path?.startsWith(`${p}/`));
      // Act
      const report = new AwsSolutionsChecks().validateScope(app);
      // Assess: nothing of keygate's is left; the app's stage and public health check still are
      const violations = report.violations.flatMap((v) => v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath })));
      expect(violations.filter((v) => isKeygate(v.path))).toEqual([]);
      expect(violations).toEqual(expect.arrayContaining([{ rule: 'AwsSolutions-APIG4', path: 'Reports/ReportsApi/Default/health/GET/Resource' }]));
      expect(violations.map((v) => v.rule)).toEqual(expect.arrayContaining(['AwsSolutions-APIG1', 'AwsSolutions-APIG3']));
    });
  });

  describe("what the app set on its API", () => {
    it("sets the authorization and API-key requirement of keygate's methods, whatever defaultMethodOptions say; the app's methods keep them", () => {
      // Prepare
      const { stack, api, backend } = appStack({ defaultMethodOptions: { authorizationType: AuthorizationType.IAM, apiKeyRequired: true } });
      // Act
      const keygate = new Keygate(stack, 'Keygate', keygateProps(api, backend));
      const methods = methodsByRoute(Template.fromStack(stack));
      // Assess
      expect(methods.get('POST /account/auth/login')).toMatchObject({ AuthorizationType: 'NONE', ApiKeyRequired: false });
      expect(methods.get('GET /orders')).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: logicalId(stack, keygate.authorizer) }, ApiKeyRequired: false });
      expect(methods.get('GET /status')).toMatchObject({ AuthorizationType: 'AWS_IAM', ApiKeyRequired: true });
    });

    it('answers preflights only on the resources of its routes, from allowedOrigins, on an API without preflights', () => {
      // Prepare
      const { stack, api, backend } = appStack();
      // Act
      new Keygate(stack, 'Keygate', keygateProps(api, backend, { allowedOrigins: ['https://shop.example.com'] }));
      const methods = methodsByRoute(Template.fromStack(stack));
      // Assess
      expect(methods.get('OPTIONS /orders')).toMatchObject({ AuthorizationType: 'NONE' });
      expect(methods.get('OPTIONS /account/auth/login')).toBeDefined();
      expect(methods.get('OPTIONS /account/oauth/authorize')).toBeUndefined();
      expect(methods.get('OPTIONS /status')).toBeUndefined();
      expect(methods.get('OPTIONS /')).toBeUndefined();
    });

    it("with plans: takes usage keys from the authorizer, requires one on keygate's non-public methods, and puts the plans on the app's stage", () => {
      // Prepare
      const { stack, api, backend } = appStack();
      // Act
      const keygate = new Keygate(stack, 'Keygate', keygateProps(api, backend, { plans: [{ name: 'free', throttle: { rateLimit: 5, burstLimit: 10 } }] }));
      const template = Template.fromStack(stack);
      const methods = methodsByRoute(template);
      // Assess
      template.hasResourceProperties('AWS::ApiGateway::RestApi', { ApiKeySourceType: 'AUTHORIZER' });
      expect(methods.get('GET /orders')).toMatchObject({ ApiKeyRequired: true });
      expect(methods.get('POST /account/auth/login')).toMatchObject({ ApiKeyRequired: false });
      expect(methods.get('GET /status')!.ApiKeyRequired).toBeUndefined();
      const attach = Object.values(template.findResources('Custom::KeygateUsagePlanStage'));
      expect(attach).toHaveLength(2);
      const apiStage = `{"Ref":"${logicalId(stack, keygate.api)}"},":",{"Ref":"${logicalId(stack, keygate.api.deploymentStage)}"}`;
      for (const r of attach) expect(JSON.stringify(r.Properties.Create)).toContain(apiStage);
      template.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: 'live' });
    });

    it('passes cdk-nag on everything keygate made, with plans and allowed origins too, once acknowledged', () => {
      // Prepare
      const { stack, api, backend } = appStack();
      const keygate = new Keygate(stack, 'Keygate', keygateProps(api, backend, { allowedOrigins: ['https://shop.example.com'], plans: [{ name: 'free', throttle: { rateLimit: 5, burstLimit: 10 } }] }));
      acknowledgeKeygateFindings(keygate);
      const keygatePaths = [keygate.node.path, ...keygate.methods.map((m) => m.node.path)];
      // Act
      const report = new AwsSolutionsChecks().validateScope(stack.node.root);
      // Assess: what is left is the app's: its API, stage, backend and GET /status
      const paths = report.violations.flatMap((v) => v.violatingResources.map((r) => r.constructPath ?? ''));
      expect(paths.filter((p) => keygatePaths.some((k) => p === k || p.startsWith(`${k}/`)))).toEqual([]);
      expect(paths).toEqual(expect.arrayContaining(['Shop/ShopApi/DeploymentStage.live/Resource', 'Shop/ShopApi/Default/status/GET/Resource']));
      expect(paths.filter((p) => !/^Shop\/(ShopApi\/(Resource|DeploymentStage\.live\/Resource|Default\/status\/GET\/Resource)|Backend\/)/.test(p))).toEqual([]);
    });

    it('keeps an app gateway response of a type keygate does not set', () => {
      // Prepare
      const { stack, api, backend } = appStack();
      api.addGatewayResponse('Expired', { type: ResponseType.EXPIRED_TOKEN, statusCode: '401' });
      // Act
      new Keygate(stack, 'Keygate', keygateProps(api, backend));
      // Assess
      Template.fromStack(stack).hasResourceProperties('AWS::ApiGateway::GatewayResponse', { ResponseType: 'EXPIRED_TOKEN' });
    });
  });

  describe('refused', () => {
    it('refuses stageName, restApiName and cloudWatchRole, which are the API\'s', () => {
      // Prepare
      const { stack, api, backend } = appStack();
      // Act + Assess
      expect(() => new Keygate(stack, 'Keygate', keygateProps(api, backend, { stageName: 'v2', restApiName: 'x', cloudWatchRole: false }))).toThrow(
        'stageName, restApiName, cloudWatchRole belong to the API given as api',
      );
    });

    it("refuses every clash with the API at once: a method it already has for a route, a preflight where keygate answers them, another key source with plans", () => {
      // Prepare
      const { stack, api, backend } = appStack({ apiKeySourceType: ApiKeySourceType.HEADER });
      api.root.addResource('orders').addMethod('GET', new LambdaIntegration(backend));
      api.root.getResource('orders')!.addCorsPreflight({ allowOrigins: ['https://other.example.com'] });
      // Act
      const make = () => new Keygate(stack, 'Keygate', keygateProps(api, backend, { allowedOrigins: ['https://shop.example.com'], plans: [{ name: 'free', throttle: { rateLimit: 5, burstLimit: 10 } }] }));
      // Assess
      expect(make).toThrow(/cannot be added to the API Shop\/ShopApi:\n- the API takes API keys from HEADER; .*\n- GET \/orders is already a method of the API: .*\n- \/orders has an OPTIONS method .*: keygate answers the preflights of its routes itself/);
    });

    it("refuses defaultCorsPreflightOptions: a preflight on OAuth authorize, where keygate allows none", () => {
      // Prepare
      const { stack, api, backend } = appStack({ defaultCorsPreflightOptions: { allowOrigins: Cors.ALL_ORIGINS } });
      // Act + Assess
      expect(() => new Keygate(stack, 'Keygate', keygateProps(api, backend))).toThrow('/account/oauth/authorize has an OPTIONS method (the API\'s own, or its defaultCorsPreflightOptions): keygate allows no preflight there');
    });

    it('refuses an API without a deployment stage, and one in another stack', () => {
      // Prepare
      const { stack, api, backend } = appStack({ deploy: false });
      const other = new Stack(stack.node.root, 'Elsewhere');
      // Act + Assess
      expect(() => new Keygate(stack, 'Keygate', keygateProps(api, backend))).toThrow('the API has no deployment stage (deploy: false)');
      expect(() => new Keygate(other, 'Keygate', keygateProps(api, backend))).toThrow("the API is in stack Shop, keygate in Elsewhere: make keygate in the API's stack");
    });

    it('refuses at synth a gateway response of a type keygate sets, added before or after the construct', () => {
      // Prepare
      const { stack, api, backend } = appStack();
      api.addGatewayResponse('Default4xx', { type: ResponseType.DEFAULT_4XX, statusCode: '400' });
      new Keygate(stack, 'Keygate', keygateProps(api, backend));
      api.addGatewayResponse('Denied', { type: ResponseType.ACCESS_DENIED, statusCode: '403' });
      // Act + Assess
      expect(() => Template.fromStack(stack)).toThrow(/Shop\/ShopApi\/Default4xx\/Resource sets the API's DEFAULT_4XX gateway response, which keygate sets[\s\S]*Shop\/ShopApi\/Denied\/Resource sets the API's ACCESS_DENIED/);
    });

    it("refuses at synth, with plans, an app method that requires an API key without an authorizer (it could never be called)", () => {
      // Prepare
      const { stack, api, backend } = appStack();
      new Keygate(stack, 'Keygate', keygateProps(api, backend, { plans: [{ name: 'free', throttle: { rateLimit: 5, burstLimit: 10 } }] }));
      api.root.addResource('legacy').addMethod('GET', new LambdaIntegration(backend), { apiKeyRequired: true });
      // Act + Assess
      expect(() => Template.fromStack(stack)).toThrow('GET /legacy requires an API key but has no Lambda authorizer');
    });
  });
});
