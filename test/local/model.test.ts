/**
 * Reading a template: what the runner takes from it, and what it refuses
 * with the resource and the reason.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inlineNestedStacks, loadStack } from '../../local/assembly';
import { RunnerError } from '../../local/errors';
import { TemplateError } from '../../local/errors';
import { evaluatePolicy } from '../../local/iam';
import type { CfnTemplate } from '../../local/intrinsics';
import { buildModel } from '../../local/model';
import { escapeJavaScript, renderTemplate, runTemplate } from '../../local/vtl';

const FIXTURE = join(__dirname, 'fixtures', 'mini');
const options = { assemblyDir: FIXTURE, stackName: 'Mini', region: 'eu-west-1', account: '000000000000' };

function fixture(): CfnTemplate {
  return structuredClone(loadStack(FIXTURE).template);
}

/** A copy of the fixture with one resource's properties changed. */
function withProps(id: string, change: (p: Record<string, unknown>) => void): CfnTemplate {
  const t = fixture();
  change(t.Resources[id]!.Properties as Record<string, unknown>);
  return t;
}

describe('Function: buildModel', () => {
  it('reads the API, its authorizers, the functions it invokes and the tables', () => {
    // Act
    const model = buildModel(fixture(), options);

    // Assess
    expect(model.api.stage).toBe('prod');
    expect(model.api.stageVariables).toEqual({ flavour: 'vanilla' });
    expect(model.api.binaryMediaTypes).toEqual(['application/octet-stream']);
    expect([...model.functions.keys()].sort()).toEqual(['AuthFn', 'EchoFn']); // not the unused Python function
    expect(model.functions.get('EchoFn')).toMatchObject({ codeDir: join(FIXTURE, 'asset.echo'), timeoutMs: 2000, memoryMb: 128 });
    expect(model.api.authorizers.get('CachedAuth')).toMatchObject({ type: 'REQUEST', identitySources: ['method.request.header.X-Token'], ttlSeconds: 60 });
    expect(model.api.authorizers.get('OpenAuth')).toMatchObject({ identitySources: [], ttlSeconds: 0 });
    expect(model.tables).toEqual([
      {
        logicalId: 'Table',
        name: 'Table',
        input: expect.objectContaining({
          TableName: 'Table',
          BillingMode: 'PAY_PER_REQUEST',
          GlobalSecondaryIndexes: [{ IndexName: 'byGsi1', KeySchema: [{ AttributeName: 'gsi1', KeyType: 'HASH' }], Projection: { ProjectionType: 'KEYS_ONLY' } }],
        }),
      },
    ]);
  });

  it('defaults an authorizer without AuthorizerResultTtlInSeconds to 300 s, as CloudFormation does', () => {
    const model = buildModel(withProps('CachedAuth', (p) => delete p.AuthorizerResultTtlInSeconds), options);
    expect(model.api.authorizers.get('CachedAuth')!.ttlSeconds).toBe(300);
  });

  it('leaves out a method that is missing from the template, so the route is missing locally too', () => {
    const t = fixture();
    delete t.Resources.MethodPublicGet;
    expect(buildModel(t, options).api.root.children.find((c) => c.part === 'public')!.methods.size).toBe(0);
  });

  it.each([
    ['MethodItemsGet', 'AWS_IAM authorization', (p: Record<string, unknown>) => (p.AuthorizationType = 'AWS_IAM'), /AuthorizationType AWS_IAM is not emulated/],
    ['MethodItemsGet', 'a CUSTOM method without authorizer', (p: Record<string, unknown>) => delete p.AuthorizerId, /CUSTOM without an AuthorizerId/],
    ['MiniApi', 'an unknown API key source', (p: Record<string, unknown>) => (p.ApiKeySourceType = 'COOKIE'), /ApiKeySourceType COOKIE is neither HEADER nor AUTHORIZER/],
    ['MethodPublicGet', 'an HTTP integration', (p: Record<string, unknown>) => (p.Integration = { Type: 'HTTP_PROXY', Uri: 'https://example.com' }), /integration type 'HTTP_PROXY'/],
    ['CachedAuth', 'a Cognito authorizer', (p: Record<string, unknown>) => (p.Type = 'COGNITO_USER_POOLS'), /COGNITO_USER_POOLS is not emulated/],
    [
      'MethodItemsOptions',
      'VTL the runner does not run',
      (p: Record<string, unknown>) =>
        ((p.Integration as { IntegrationResponses: { ResponseTemplates: Record<string, string> }[] }).IntegrationResponses[0]!.ResponseTemplates['application/json'] = '#foreach($h in $input.params().header.keySet())$h#end'),
      /response template \(application\/json\): the directive #foreach is not run by the local runner/,
    ],
    ['EchoFn', 'a Python runtime', (p: Record<string, unknown>) => (p.Runtime = 'python3.12'), /runtime 'python3.12'/],
    ['EchoFn', 'an unresolvable environment value', (p: Record<string, unknown>) => ((p.Environment as { Variables: Record<string, unknown> }).Variables.X = { 'Fn::ImportValue': 'Other' }), /Fn::ImportValue/],
  ])('refuses %s (%s), naming the resource', (id, _, change, why) => {
    // Act
    const act = () => buildModel(withProps(id, change), options);

    // Assess
    expect(act).toThrow(TemplateError);
    expect(act).toThrow(new RegExp(`resource ${id}`));
    expect(act).toThrow(why);
  });

  it('refuses a function whose code is not a bundled asset', () => {
    const t = fixture();
    delete (t.Resources.EchoFn as { Metadata?: unknown }).Metadata;
    expect(() => buildModel(t, options)).toThrow(/resource EchoFn: its code is not a bundled asset/);
  });

  it('refuses a template without a REST API', () => {
    expect(() => buildModel({ Resources: {} }, options)).toThrow(/no AWS::ApiGateway::RestApi/);
  });
});

describe('Function: evaluatePolicy', () => {
  const arn = 'arn:aws:execute-api:eu-west-1:1:api/prod/GET/v1/keys/abc';
  const statement = (Effect: string, Resource: string | string[], Action: string | string[] = 'execute-api:Invoke') => ({ Effect, Resource, Action });

  it.each([
    ['an Allow that covers the ARN', 'allow', [statement('Allow', 'arn:aws:execute-api:eu-west-1:1:api/prod/GET/v1/keys/*')]],
    ['an action in another case and a wildcard resource', 'allow', [statement('Allow', '*', ['EXECUTE-API:invoke'])]],
    ['no statement that covers the ARN', 'implicit-deny', [statement('Allow', 'arn:aws:execute-api:eu-west-1:1:api/prod/POST/v1/keys/*')]],
    ['an Allow for another action', 'implicit-deny', [statement('Allow', '*', 'execute-api:ManageConnections')]],
    ['a Deny beside an Allow', 'explicit-deny', [statement('Allow', '*'), statement('Deny', 'arn:aws:execute-api:*:*:api/prod/GET/v1/keys/???')]],
  ])('judges %s as %s', (_, verdict, Statement) => {
    expect(evaluatePolicy({ Version: '2012-10-17', Statement }, arn)).toBe(verdict);
  });

  it('reads a single statement object as well as a list', () => {
    expect(evaluatePolicy({ Statement: statement('Allow', arn) }, arn)).toBe('allow');
  });
});

describe('Function: renderTemplate', () => {
  const values: Record<string, string> = { 'context.authorizer.msg': 'say "hi"', 'context.resourcePath': '/v1/x', 'stageVariables.s': 'v' };
  const lookup = (root: string, path: readonly string[]) => values[`${root}.${path.join('.')}`];

  it('substitutes $, $! and ${} references, and renders missing values as empty strings', () => {
    expect(renderTemplate('"$context.resourcePath" $!{context.resourcePath}. ${stageVariables.s} [$context.authorizer.nothing]', lookup)).toBe('"/v1/x" /v1/x. v []');
  });

  it("escapes as API Gateway's $util.escapeJavaScript (Commons Lang): quotes, backslash, slash, control characters, and non-ASCII as upper-case \\uXXXX", () => {
    expect(escapeJavaScript('a"b\'c\\d/e\u0001\n\t\u00e9\u20ac\u{1F600}\u007f~')).toBe('a\\"b\\\'c\\\\d\\/e\\u0001\\n\\t\\u00E9\\u20AC\\uD83D\\uDE00\u007f~');
  });

  it('escapes with $util.escapeJavaScript and leaves other references alone', () => {
    expect(renderTemplate('"$util.escapeJavaScript($context.authorizer.msg)" $input.body', lookup)).toBe('"say \\"hi\\"" $input.body');
  });
});

describe('Function: runTemplate', () => {
  const CDK_PREFLIGHT = [
    '#set($origin = $input.params().header.get("Origin"))',
    '#if($origin == "")',
    '  #set($origin = $input.params().header.get("origin"))',
    '#end',
    '#if($origin == "https://a.example" || $origin == "https://b.example")',
    '  #set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)',
    '#end',
  ].join('\n');
  const run = (template: string, header: Record<string, string> = {}, querystring: Record<string, string> = {}) =>
    runTemplate(template, { lookup: (root, path) => `${root}:${path.join('.')}`, params: { header, querystring, path: { id: '7' } } });

  it.each([
    [{ Origin: 'https://b.example' }, { 'Access-Control-Allow-Origin': 'https://b.example' }],
    [{ origin: 'https://a.example' }, { 'Access-Control-Allow-Origin': 'https://a.example' }],
    [{ Origin: 'https://evil.example' }, {}],
    [{ Origin: 'https://a.example.evil' }, {}],
    [{}, {}],
  ])("runs CDK's CORS preflight template: headers %j override %j", (header, overrides) => {
    expect(run(CDK_PREFLIGHT, header)).toEqual({ output: expect.stringMatching(/^\s*$/), headers: overrides });
  });

  it('evaluates #if / #elseif / #else with ==, !=, &&, ||, ! and parentheses, and sets the status', () => {
    const t = '#if($input.params("q") == "a")A#elseif(!($input.params("q") != "b") && true)B#else C#end#set($context.responseOverride.status = "201")';
    expect(run(t, {}, { q: 'a' })).toEqual({ output: 'A', headers: {}, status: 201 });
    expect(run(t, {}, { q: 'b' })).toMatchObject({ output: 'B' });
    expect(run(t, {}, { q: 'c' })).toMatchObject({ output: ' C' });
  });

  it('renders references, variables and $util.escapeJavaScript; ## starts a comment', () => {
    const t = '#set($x = "it\'s")$x/$input.params("id")/$context.requestId/$!{stageVariables.s}/$util.escapeJavaScript($x) ## gone\nnext';
    expect(run(t).output).toBe("it's/7/context:requestId/stageVariables:s/it\\'s next");
  });

  it.each([
    ['#foreach($x in $list)$x#end', /#foreach is not run/],
    ['$input.body', /\$input.body is not run/],
    ['$input.json("$")', /the method json\(\) is not run/],
    ['#set($context.requestId = "x")', /#set\(\$context.requestId\) is not run/],
    ['#if($a == "b")', /#if without #end/],
  ])('refuses %s instead of running it wrong', (template, why) => {
    expect(() => run(template)).toThrow(why);
  });
});

describe('Function: inlineNestedStacks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keygate-nested-model-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const nestedStack = (file: string) => ({
    Type: 'AWS::CloudFormation::Stack',
    Properties: { Parameters: { apiRef: { Ref: 'Api' }, rootId: { 'Fn::GetAtt': ['Api', 'RootResourceId'] } } },
    Metadata: { 'aws:asset:path': file },
  });
  writeFileSync(
    join(dir, 'child.nested.template.json'),
    JSON.stringify({
      Parameters: { apiRef: { Type: 'String' }, rootId: { Type: 'String' } },
      Resources: { Things: { Type: 'AWS::ApiGateway::Resource', Properties: { ParentId: { Ref: 'rootId' }, PathPart: 'things', RestApiId: { Ref: 'apiRef' } } } },
    }),
  );

  it("reads a nested stack's resources into the parent, its parameters replaced by what the parent passes", () => {
    // Act
    const merged = inlineNestedStacks({ Resources: { Api: { Type: 'AWS::ApiGateway::RestApi' }, Child: nestedStack('child.nested.template.json') } }, dir);
    // Assess
    expect(merged.Resources).toEqual({
      Api: { Type: 'AWS::ApiGateway::RestApi' },
      Things: { Type: 'AWS::ApiGateway::Resource', Properties: { ParentId: { 'Fn::GetAtt': ['Api', 'RootResourceId'] }, PathPart: 'things', RestApiId: { Ref: 'Api' } } },
    });
  });

  it('refuses a logical id in both templates, and a nested stack without its template file', () => {
    // Act / Assess
    expect(() => inlineNestedStacks({ Resources: { Things: { Type: 'AWS::SNS::Topic' }, Child: nestedStack('child.nested.template.json') } }, dir)).toThrow(/both have a resource Things/);
    expect(() => inlineNestedStacks({ Resources: { Child: { Type: 'AWS::CloudFormation::Stack', Properties: {} } } }, dir)).toThrow(RunnerError);
  });
});
