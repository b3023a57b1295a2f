/**
 * Usage plans in the template (SPEC §12): what the `Keygate` construct makes
 * with `plans`, and that without them it makes exactly what it made before.
 * Built from the pre-built assets in dist/assets, like keygate.test.ts.
 */
import { Stack, type App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { MANAGEMENT_FUNCTIONS } from '../../lambda/core/management-functions';
import type { PlanDef } from '../../lambda/core/settings';
import { readSettings } from '../../lambda/core/settings-item';
import { ENV, loadConfig } from '../../lambda/shared/config';
import { Keygate, type KeygateProps } from '../../lib/index';
import { appWithCdkJsonContext, methodsByRoute } from './support';

const PLANS: PlanDef[] = [
  { name: 'free', description: 'the free tier', throttle: { rateLimit: 5, burstLimit: 10 }, quota: { limit: 1000, period: 'DAY' } },
  { name: 'partner', throttle: { rateLimit: 50.5, burstLimit: 100 } },
  { name: 'bulk', throttle: { rateLimit: 2, burstLimit: 2 }, quota: { limit: 100_000, period: 'MONTH' } },
];
const ORIGIN = 'https://app.example.com';

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };

function build(overrides: Partial<KeygateProps> = {}, app: App = appWithCdkJsonContext()): { stack: Stack; keygate: Keygate; template: Template } {
  const stack = new Stack(app, 'Widgets');
  const backend = new LambdaFunction(stack, 'Backend', {
    runtime: Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: Code.fromInline('exports.handler = async () => ({ statusCode: 200, body: "{}" })'),
  });
  const keygate = new Keygate(stack, 'Keygate', {
    basePath: '/auth-service',
    permissions: [{ name: 'read_widgets', grant: 'key', description: 'list widgets' }],
    routes: [
      { method: 'GET', path: '/widgets', needs: 'read_widgets', handler: backend },
      { method: 'GET', path: '/status', needs: 'public', handler: backend },
    ],
    allowedOrigins: [ORIGIN],
    restApiName: 'widgets',
    ...overrides,
  });
  return { stack, keygate, template: Template.fromStack(stack) };
}

/** A CloudFormation value as text: `{Ref: X}` → `<X>`, Fn::Join joined, pseudo parameters by name. */
function text(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  const v = value as { Ref?: string; 'Fn::Join'?: [string, unknown[]]; 'Fn::GetAtt'?: string[] };
  if (v.Ref) return v.Ref.startsWith('AWS::') ? v.Ref.slice(5) : `<${v.Ref}>`;
  if (v['Fn::Join']) return v['Fn::Join'][1].map(text).join(v['Fn::Join'][0]);
  if (v['Fn::GetAtt']) return `<${v['Fn::GetAtt'].join('.')}>`;
  throw new Error(`unexpected ${JSON.stringify(value)}`);
}

const id = (stack: Stack, c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as CfnElement);

describe('Construct: Keygate with plans', () => {
  let stack: Stack;
  let keygate: Keygate;
  let template: Template;
  let resources: Record<string, Resource>;
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const planId = (name: string) => id(stack, keygate.usagePlans[name]!);

  beforeAll(() => {
    ({ stack, keygate, template } = build({ plans: PLANS, defaultPlan: 'partner', usageKeyLimit: 500 }));
    resources = template.toJSON().Resources as Record<string, Resource>;
  });

  describe('usage plans', () => {
    it('makes one usage plan per plan, named after the REST API, with its throttle and its quota when it has one', () => {
      // Assess
      expect(Object.keys(keygate.usagePlans)).toEqual(['free', 'partner', 'bulk']);
      expect(resources[planId('free')]!.Properties).toEqual({
        UsagePlanName: 'widgets-free',
        Description: 'the free tier',
        Throttle: { RateLimit: 5, BurstLimit: 10 },
        Quota: { Limit: 1000, Period: 'DAY' },
      });
      expect(resources[planId('partner')]!.Properties).toEqual({
        UsagePlanName: 'widgets-partner',
        Description: 'keygate plan partner',
        Throttle: { RateLimit: 50.5, BurstLimit: 100 },
      });
      expect(resources[planId('bulk')]!.Properties).toMatchObject({ Quota: { Limit: 100000, Period: 'MONTH' } });
    });

    it("adds keygate's credits-spent plan: a quota of 0 a day, so API Gateway answers QUOTA_EXCEEDED for its key", () => {
      // Assess
      const plans = ofType('AWS::ApiGateway::UsagePlan');
      expect(plans).toHaveLength(PLANS.length + 1);
      const spent = plans.filter(([, r]) => r.Properties.UsagePlanName === 'widgets-keygate-credits-spent');
      expect(spent).toHaveLength(1);
      expect(spent[0]![1].Properties).toMatchObject({ Throttle: { RateLimit: 1, BurstLimit: 1 }, Quota: { Limit: 0, Period: 'DAY' } });
    });

    it("puts every plan on keygate's stage once the stage exists, and takes it off again before either goes", () => {
      // Prepare
      const stageId = id(stack, keygate.api.deploymentStage);
      const apiId = id(stack, keygate.api);
      const attachments = ofType('Custom::KeygateUsagePlanStage');
      const planIds = ofType('AWS::ApiGateway::UsagePlan').map(([logicalId]) => logicalId);
      // Assess
      expect(attachments).toHaveLength(planIds.length);
      const attached = attachments.map(([, r]) => {
        const create = JSON.parse(text(r.Properties.Create)) as { service: string; action: string; parameters: { usagePlanId: string; patchOperations: unknown[] } };
        const remove = JSON.parse(text(r.Properties.Delete)) as typeof create;
        expect(create.service).toBe('APIGateway');
        expect(create.action).toBe('updateUsagePlan');
        expect(create.parameters.patchOperations).toEqual([{ op: 'add', path: '/apiStages', value: `<${apiId}>:<${stageId}>` }]);
        expect(remove.parameters).toEqual({ ...create.parameters, patchOperations: [{ op: 'remove', path: '/apiStages', value: `<${apiId}>:<${stageId}>` }] });
        return create.parameters.usagePlanId;
      });
      expect(attached.sort()).toEqual(planIds.map((p) => `<${p}>`).sort());
    });

    it('lets each stage attachment PATCH its own plan only', () => {
      // Assess
      const patches = Object.values(resources)
        .filter((r) => r.Type === 'AWS::IAM::Policy')
        .flatMap((r) => (r.Properties.PolicyDocument as { Statement: { Action: string; Resource: unknown }[] }).Statement)
        .filter((s) => s.Action === 'apigateway:PATCH');
      expect(patches.map((s) => text(s.Resource)).sort()).toEqual(
        ofType('AWS::ApiGateway::UsagePlan')
          .map(([p]) => `arn:Partition:apigateway:Region::/usageplans/<${p}>`)
          .sort(),
      );
    });

    it("hands the default plan one shared usage key and the credits-spent plan another, both the authorizer's", () => {
      // Prepare
      const env = resources[id(stack, keygate.authorizerFunction)]!.Properties.Environment as { Variables: Record<string, string> };
      const keyOf = (value: string) => ofType('AWS::ApiGateway::ApiKey').find(([, r]) => r.Properties.Value === value)?.[0];
      const links = ofType('AWS::ApiGateway::UsagePlanKey').map(([, r]) => `${text(r.Properties.KeyId)} in ${text(r.Properties.UsagePlanId)}`);
      const spentPlan = ofType('AWS::ApiGateway::UsagePlan').find(([, r]) => r.Properties.UsagePlanName === 'widgets-keygate-credits-spent')![0];
      // Assess
      expect(ofType('AWS::ApiGateway::ApiKey')).toHaveLength(2);
      for (const [, key] of ofType('AWS::ApiGateway::ApiKey')) {
        expect(key.Properties).toMatchObject({ Enabled: true, Value: expect.stringMatching(/^[0-9A-Za-z]{40}$/) });
        expect(key.Properties.StageKeys).toBeUndefined();
      }
      const defaultKey = keyOf(env.Variables[ENV.defaultUsageKey]!);
      const spentKey = keyOf(env.Variables[ENV.spentUsageKey]!);
      expect(defaultKey).toBeDefined();
      expect(spentKey).toBeDefined();
      expect(links.sort()).toEqual([`<${defaultKey}> in <${planId('partner')}>`, `<${spentKey}> in <${spentPlan}>`].sort());
    });

    it('derives the usage key values from the construct: the same on every synth, different for another construct', () => {
      // Prepare
      const keysOf = (t: Template) => Object.values(t.findResources('AWS::ApiGateway::ApiKey')).map((r) => (r.Properties as { Value: string }).Value).sort();
      const other = new Stack(appWithCdkJsonContext(), 'Other');
      new Keygate(other, 'Gate', { plans: PLANS });
      // Act & Assess
      expect(keysOf(build({ plans: PLANS, defaultPlan: 'partner', usageKeyLimit: 500 }).template)).toEqual(keysOf(template));
      expect(keysOf(Template.fromStack(other))).not.toEqual(keysOf(template));
    });
  });

  describe('the REST API', () => {
    it('takes the usage key from the authorizer (apiKeySource AUTHORIZER)', () => {
      // Assess
      template.hasResourceProperties('AWS::ApiGateway::RestApi', { ApiKeySourceType: 'AUTHORIZER' });
    });

    it('requires a usage key on every method behind the authorizer and on no public method or preflight', () => {
      // Prepare
      const methods = [...methodsByRoute(template)];
      const authorized = methods.filter(([, m]) => m.AuthorizationType === 'CUSTOM');
      const open = methods.filter(([, m]) => m.AuthorizationType === 'NONE');
      // Assess
      expect(authorized.map(([route]) => route)).toContain('GET /widgets');
      expect(open.map(([route]) => route)).toEqual(expect.arrayContaining(['GET /status', 'POST /auth-service/auth/login', 'OPTIONS /widgets']));
      for (const [route, m] of authorized) expect([route, m.ApiKeyRequired]).toEqual([route, true]);
      // (CDK writes false on the CORS preflights)
      for (const [route, m] of open) expect([route, m.ApiKeyRequired ?? false]).toEqual([route, false]);
      expect(authorized.length + open.length).toBe(methods.length);
    });

    it.each([
      ['THROTTLED', { 'Retry-After': "'1'" }, 'too_many_requests', "too many requests for this caller's plan; retry after a second"],
      // QUOTA_EXCEEDED only follows an Allow: the authorizer's context says whether a plan's quota or a key's credits are spent.
      ['QUOTA_EXCEEDED', {}, 'credits_exhausted', "this key's credits are spent"],
    ] as const)('answers %s with 429, the keygate error body and the CORS headers of the other gateway responses', (type, headers, code, message) => {
      // Prepare
      const responseOf = (t: string) => Object.values(template.findResources('AWS::ApiGateway::GatewayResponse', { Properties: { ResponseType: t } }));
      const [response] = responseOf(type);
      const props = response!.Properties as { StatusCode: string; ResponseParameters: Record<string, string>; ResponseTemplates: Record<string, string> };
      const body = props.ResponseTemplates['application/json']!
        .replaceAll('$context.resourcePath', '/widgets')
        .replaceAll('$context.authorizer.quota_code', 'credits_exhausted')
        .replaceAll('$context.authorizer.quota_message', "this key's credits are spent");
      const cors = (responseOf('UNAUTHORIZED')[0]!.Properties as typeof props).ResponseParameters;
      // Assess
      expect(responseOf(type)).toHaveLength(1);
      expect(props.StatusCode).toBe('429');
      expect(JSON.parse(body)).toEqual({ status_code: 429, endpoint: '/widgets', error_code: code, error_message: message });
      const { 'gatewayresponse.header.WWW-Authenticate': _, ...corsOnly } = cors;
      expect(corsOnly['gatewayresponse.header.Access-Control-Allow-Origin']).toBe(`'${ORIGIN}'`);
      expect(props.ResponseParameters).toEqual({ ...corsOnly, ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [`gatewayresponse.header.${k}`, v])) });
    });

    it("takes QUOTA_EXCEEDED's code and message from the authorizer's context, since gateway response templates are not VTL", () => {
      // Assess
      template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
        ResponseType: 'QUOTA_EXCEEDED',
        ResponseTemplates: { 'application/json': '{"status_code":429,"endpoint":"$context.resourcePath","error_code":"$context.authorizer.quota_code","error_message":"$context.authorizer.quota_message"}' },
      });
    });
  });

  describe('the Lambdas', () => {
    it('give every keygate Lambda the plans with their usage plan ids, the default plan and the usage-key limit, readable by loadConfig', () => {
      // Prepare
      const fns = [keygate.authorizerFunction, ...Object.values(keygate.managementFunctions)];
      for (const fn of fns) {
        const vars = (resources[id(stack, fn)]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
        const env = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, text(v)]));
        // Act
        const config = loadConfig(env, JSON.parse(keygate.settingsFile));
        // Assess
        expect(config.plans).toEqual(PLANS.map((p) => ({ ...p, id: `<${planId(p.name)}>` })));
        expect(config.defaultPlan).toBe('partner');
        expect(config.usageKeyLimit).toBe(500);
        // The usage keys are the authorizer's alone.
        expect(config.usage !== undefined).toBe(fn === keygate.authorizerFunction);
      }
    });

    it('lets exactly the functions that manage usage keys create them, put them in and take them out of the plans, delete them and read usage', () => {
      // Prepare
      const planArn = (name: string, suffix: string) => `arn:Partition:apigateway:Region::/usageplans/<${planId(name)}>${suffix}`;
      const expected = [
        { Action: 'apigateway:POST', Resource: ['arn:Partition:apigateway:Region::/apikeys', ...PLANS.map((p) => planArn(p.name, '/keys'))].sort() },
        { Action: 'apigateway:DELETE', Resource: ['arn:Partition:apigateway:Region::/apikeys/*', ...PLANS.map((p) => planArn(p.name, '/keys/*'))].sort() },
        { Action: 'apigateway:GET', Resource: PLANS.map((p) => planArn(p.name, '/usage')).sort() },
      ];
      const apiGatewayStatements = (fn: LambdaFunction) => {
        const roleId = id(stack, fn.role!);
        return Object.values(resources)
          .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
          .flatMap((r) => (r.Properties.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown; Effect: string }[] }).Statement)
          .filter((s) => [s.Action].flat().some((a) => a.startsWith('apigateway:')))
          .map((s) => ({ Action: s.Action, Resource: [s.Resource].flat().map(text).sort() }));
      };
      // Assess
      for (const [name, def] of Object.entries(MANAGEMENT_FUNCTIONS)) {
        const fn = keygate.managementFunctions[name as keyof typeof MANAGEMENT_FUNCTIONS];
        expect([name, apiGatewayStatements(fn)]).toEqual([name, def.usagePlans ? expected : []]);
      }
      expect(Object.entries(MANAGEMENT_FUNCTIONS).filter(([, d]) => d.usagePlans).map(([n]) => n).sort()).toEqual(['admin', 'clients', 'keys']);
      expect(apiGatewayStatements(keygate.authorizerFunction)).toEqual([]);
    });

    it("stores the plans with their ids and the default plan in the deployment's settings item, for the CLI", () => {
      // Prepare
      const [resource] = Object.values(template.findResources('Custom::KeygateDeploymentSettings'));
      const call = JSON.parse(text(resource!.Properties.Create)) as { parameters: { Item: Parameters<typeof readSettings>[0] } };
      // Act
      const settings = readSettings(call.parameters.Item);
      // Assess
      expect(settings.plans).toEqual(PLANS.map((p) => ({ ...p, id: `<${planId(p.name)}>` })));
      expect(settings.defaultPlan).toBe('partner');
    });

    it('defaults to the first plan and a limit of 9,000 usage keys', () => {
      // Act
      const { keygate: k } = build({ plans: PLANS });
      // Assess
      expect(k.environment[ENV.defaultPlan]).toBe('free');
      expect(k.environment[ENV.usageKeyLimit]).toBe('9000');
    });
  });

  it('has no dependency cycle, though the Lambdas name the plans and the plans name the stage that names the Lambdas', () => {
    // Prepare: every edge of Ref, Fn::GetAtt and DependsOn
    const edges = new Map<string, Set<string>>();
    const walk = (from: string, v: unknown): void => {
      if (Array.isArray(v)) return v.forEach((x) => walk(from, x));
      if (v === null || typeof v !== 'object') return;
      const o = v as Record<string, unknown>;
      if (typeof o.Ref === 'string' && resources[o.Ref]) edges.get(from)!.add(o.Ref);
      const getAtt = o['Fn::GetAtt'] as string[] | undefined;
      if (getAtt && resources[getAtt[0]!]) edges.get(from)!.add(getAtt[0]!);
      Object.values(o).forEach((x) => walk(from, x));
    };
    for (const [logicalId, r] of Object.entries(resources)) {
      edges.set(logicalId, new Set(r.DependsOn ?? []));
      walk(logicalId, r.Properties);
    }
    // Act: depth-first search for a back edge
    const state = new Map<string, 'open' | 'done'>();
    const cycle: string[] = [];
    const visit = (n: string): boolean => {
      if (state.get(n) === 'done') return false;
      if (state.get(n) === 'open') return cycle.push(n), true;
      state.set(n, 'open');
      for (const m of edges.get(n) ?? []) if (visit(m)) return cycle.push(n), true;
      state.set(n, 'done');
      return false;
    };
    const found = Object.keys(resources).some(visit);
    // Assess
    expect(found ? cycle.reverse() : []).toEqual([]);
  });
});

describe('Construct: Keygate without plans', () => {
  it('makes no usage plan, usage key, key requirement, API key source or plan setting, and the same template as with plans: []', () => {
    // Act
    const without = build().template.toJSON();
    const empty = build({ plans: [] }).template.toJSON();
    const json = JSON.stringify(without);
    // Assess
    expect(empty).toEqual(without);
    for (const absent of ['AWS::ApiGateway::UsagePlan', 'AWS::ApiGateway::ApiKey', 'Custom::KeygateUsagePlanStage', 'ApiKeySourceType', '"ApiKeyRequired":true', 'KEYGATE_PLANS', 'KEYGATE_DEFAULT_USAGE_KEY', 'too_many_requests', 'quota_code', '"apigateway:POST"', '"apigateway:DELETE"', '"apigateway:GET"', '"apigateway:PATCH"']) {
      expect([absent, json.includes(absent)]).toEqual([absent, false]);
    }
    // API Gateway's own THROTTLED and QUOTA_EXCEEDED keep the bodies they always had.
    const response = (type: string) =>
      (Object.values(build().template.findResources('AWS::ApiGateway::GatewayResponse', { Properties: { ResponseType: type } }))[0]!.Properties as { ResponseTemplates: Record<string, string> }).ResponseTemplates['application/json'];
    expect(response('THROTTLED')).toContain('"error_code":"throttled"');
    expect(response('QUOTA_EXCEEDED')).toContain('"error_code":"throttled"');
  });
});

describe('Construct: Keygate refuses bad plans', () => {
  const plan = (over: Partial<PlanDef> = {}): PlanDef => ({ name: 'basic', throttle: { rateLimit: 1, burstLimit: 1 }, ...over });

  it.each([
    ['a name that is not lower case', [plan({ name: 'Gold' })], {}, /plan 'Gold': a name is lower case letters/],
    ['a name longer than 32 characters', [plan({ name: `p${'x'.repeat(32)}` })], {}, /a name is lower case letters, digits, '_' and '-', starting with a letter, at most 32 characters/],
    ["keygate's own plan's name", [plan({ name: 'keygate-credits-spent' })], {}, /'keygate-credits-spent' is keygate's own plan/],
    ['a plan listed twice', [plan(), plan()], {}, /plan 'basic' is listed twice/],
    ['a rate limit of 0', [plan({ throttle: { rateLimit: 0, burstLimit: 1 } })], {}, /throttle.rateLimit has to be a number of requests per second above 0, got 0/],
    ['a burst that is not an integer', [plan({ throttle: { rateLimit: 1, burstLimit: 1.5 } })], {}, /throttle.burstLimit has to be an integer of at least 1, got 1.5/],
    ['a burst of 0', [plan({ throttle: { rateLimit: 1, burstLimit: 0 } })], {}, /throttle.burstLimit has to be an integer of at least 1, got 0/],
    ['a quota of 0', [plan({ quota: { limit: 0, period: 'DAY' } })], {}, /quota.limit has to be an integer of at least 1, got 0/],
    ['a quota period API Gateway lacks', [plan({ quota: { limit: 5, period: 'YEAR' as 'DAY' } })], {}, /quota.period has to be one of DAY, WEEK, MONTH, got 'YEAR'/],
    ['more than 250 plans', Array.from({ length: 251 }, (_, i) => plan({ name: `p${i}` })), {}, /plans lists 251 plans; at most 250/],
    ['a default plan that is not a plan', [plan()], { defaultPlan: 'gold' }, /defaultPlan 'gold' is not one of plans \(basic\)/],
    ['a default plan without plans', [], { defaultPlan: 'gold' }, /defaultPlan 'gold' needs plans/],
    ['a usage-key limit above 10,000', [plan()], { usageKeyLimit: 10_001 }, /usageKeyLimit '(10001|0)' has to be an integer from 1 to 10000/],
    ['a usage-key limit of 0', [plan()], { usageKeyLimit: 0 }, /usageKeyLimit '(10001|0)' has to be an integer from 1 to 10000/],
    ['a usage-key limit without plans', [], { usageKeyLimit: 100 }, /usageKeyLimit needs plans/],
    ['plans too large for the Lambda environment', Array.from({ length: 40 }, (_, i) => plan({ name: `plan_${i}`, description: 'a description long enough to fill the environment' })), {}, /the settings take \d+ bytes of the 4 KB Lambda environment \(most in KEYGATE_PLANS, [A-Z_]+\); shorten the plans and origins/],
  ] as const)('refuses %s', (_case, plans, extra, message) => {
    // Act & Assess
    expect(() => build({ plans, ...extra })).toThrow(message);
  });
});
