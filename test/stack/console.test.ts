/**
 * The console in the template (SPEC §13): public routes under the base
 * path, answered by the console Lambda, listed in `Keygate.routes`,
 * refused when a route of the app collides with them, and none of it with
 * `console: false`. cdk-nag and the template's schema validation run as
 * `cdk synth` runs them.
 */
import { Stack, type CfnElement } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { consoleRoutes } from '../../lambda/core/management-routes';
import { ENV } from '../../lambda/shared/config';
import { acknowledgeFunctionFindings, acknowledgeKeygateFindings, addKeygateChecks } from '../../lib/checks';
import { Keygate, type KeygateProps } from '../../lib/index';
import { appWithCdkJsonContext, methodsByRoute } from './support';

function build(props: (backend: LambdaFunction) => KeygateProps = () => ({})) {
  const app = appWithCdkJsonContext();
  addKeygateChecks(app);
  const stack = new Stack(app, 'Identity');
  const backend = new LambdaFunction(stack, 'Backend', { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('exports.handler = async () => ({ statusCode: 200 })') });
  acknowledgeFunctionFindings(backend);
  const keygate = new Keygate(stack, 'Keygate', props(backend));
  acknowledgeKeygateFindings(keygate);
  return { app, stack, keygate, backend };
}

const id = (stack: Stack, c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as CfnElement);

describe('Construct: Keygate — the console', () => {
  it('serves GET /identity/console and /identity/console/{file}, public, from the console Lambda, and lists them in routes', () => {
    const { app, stack, keygate } = build(() => ({ basePath: '/identity' }));
    const template = Template.fromStack(stack);
    const methods = methodsByRoute(template);
    expect(keygate.consoleFunction).toBeDefined();
    for (const path of ['/identity/console', '/identity/console/{file}']) {
      const method = methods.get(`GET ${path}`);
      expect({ path, auth: method?.AuthorizationType, authorizer: method?.AuthorizerId }).toEqual({ path, auth: 'NONE', authorizer: undefined });
      expect(JSON.stringify((method!.Integration as { Uri: unknown }).Uri)).toContain(JSON.stringify({ 'Fn::GetAtt': [id(stack, keygate.consoleFunction!), 'Arn'] }));
    }
    expect(keygate.routes).toEqual(expect.arrayContaining(consoleRoutes('/identity')));
    expect(keygate.routes.filter((r) => r.path.includes('/console')).map((r) => `${r.method} ${r.path} ${r.needs}`)).toEqual([
      'GET /identity/console public',
      'GET /identity/console/{file} public',
    ]);
    // No table grant: it serves files and its settings.
    const roleId = id(stack, keygate.consoleFunction!.role!);
    expect(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } })).toEqual({});
    expect(template.toJSON().Resources[id(stack, keygate.consoleFunction!)].Properties.Environment.Variables[ENV.console]).toBe('true');
    // cdk-nag and the schema validation pass: synthesis throws otherwise.
    expect(() => app.synth()).not.toThrow();
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
  });

  it('is at /v1/console by default', () => {
    const { stack } = build();
    const methods = methodsByRoute(Template.fromStack(stack));
    expect(methods.has('GET /v1/console')).toBe(true);
    expect(methods.has('GET /v1/console/{file}')).toBe(true);
  });

  it('with console: false, has no console route, no console Lambda, and tells the Lambdas so', () => {
    const { stack, keygate } = build(() => ({ console: false }));
    const template = Template.fromStack(stack);
    expect(keygate.consoleFunction).toBeUndefined();
    expect([...methodsByRoute(template).keys()].filter((k) => k.includes('/console'))).toEqual([]);
    expect(keygate.routes.filter((r) => r.path.includes('/console'))).toEqual([]);
    template.resourcePropertiesCountIs('AWS::Lambda::Function', { Description: Match.stringLikeRegexp('console') }, 0);
    expect(keygate.environment[ENV.console]).toBe('false');
  });

  it('refuses a route of the app that collides with the console, naming it', () => {
    expect(() => build((backend) => ({ basePath: '/identity', permissions: [{ name: 'read_x', grant: 'key', description: 'x' }], routes: [{ method: 'GET', path: '/identity/console/{x}', needs: 'read_x', handler: backend }] }))).toThrow(
      /misconfigured[\s\S]*\/identity\/console\/\{x\}/,
    );
    expect(() => build((backend) => ({ routes: [{ method: 'GET', path: '/v1/console', needs: 'authenticated', handler: backend }] }))).toThrow(/misconfigured[\s\S]*GET \/v1\/console/);
    // With the console off, the path is the app's to use.
    expect(() => build((backend) => ({ console: false, routes: [{ method: 'GET', path: '/v1/console/{x}', needs: 'authenticated', handler: backend }] }))).not.toThrow();
  });

  it("refuses a console setting that is not a boolean, like every setting's rule", () => {
    expect(() => build(() => ({ console: 'yes' as unknown as boolean }))).toThrow(/console 'yes' has to be true or false/);
  });
});
