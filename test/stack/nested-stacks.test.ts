/**
 * A 500-route table with usage plans and an allowed origin, synthesized
 * with CDK's check of 500 resources per stack in force: keygate's methods
 * go to nested stacks, every route is a method of the API with the parent's
 * authorizer and ApiKeyRequired, every resource has its preflight, and the
 * stage's deployment waits for the nested stacks and is a new one when a
 * route in a nested stack changes. The stacks are read back into one
 * template by the local runner's own reader (local/assembly.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import type { RouteDef } from '../../lambda/core/catalog';
import { Keygate } from '../../lib/index';
import { API_BUDGET } from '../../lib/keygate-api';
import { inlineNestedStacks } from '../../local/assembly';
import type { CfnTemplate } from '../../local/intrinsics';
import { generateApp } from '../support/route-tables';
import { methodsByRoute } from './support';

jest.setTimeout(120_000);

type Resources = Record<string, { Type: string; Properties: Record<string, unknown>; DependsOn?: string[]; Metadata?: Record<string, string> }>;
const ORIGIN = 'https://app.example.com';
const dirs: string[] = [];

function synth(routes: readonly RouteDef[]): { outDir: string; keygate: Keygate; parent: Resources; nested: Resources[] } {
  const outDir = mkdtempSync(join(tmpdir(), 'keygate-nested-'));
  dirs.push(outDir);
  const app = new App({ outdir: outDir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, 'Large', { env: { account: '123456789012', region: 'us-east-1' } });
  const backend = new LambdaFunction(stack, 'Backend', { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('exports.handler = async () => ({ statusCode: 200 })') });
  const { permissions } = generateApp(500);
  const keygate = new Keygate(stack, 'Keygate', {
    permissions,
    routes: routes.map((r) => ({ ...r, handler: backend })),
    plans: [{ name: 'free', throttle: { rateLimit: 5, burstLimit: 10 } }],
    allowedOrigins: [ORIGIN],
    cloudWatchRole: false,
  });
  const parent = app.synth().getStackByName('Large').template.Resources as Resources;
  const nested = Object.values(parent)
    .filter((r) => r.Type === 'AWS::CloudFormation::Stack')
    .map((r) => (JSON.parse(readFileSync(join(outDir, r.Metadata!['aws:asset:path']!), 'utf8')) as { Resources: Resources }).Resources);
  return { outDir, keygate, parent, nested };
}

const deploymentOf = (resources: Resources) => Object.entries(resources).find(([, r]) => r.Type === 'AWS::ApiGateway::Deployment')!;

const { routes } = generateApp(500);
let built: ReturnType<typeof synth>;

beforeAll(() => {
  built = synth(routes);
});

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('Construct: Keygate with 500 routes', () => {
  it('puts its methods into nested stacks, every stack under CloudFormation’s 500 resources', () => {
    // Assess
    expect(built.nested.length).toBeGreaterThanOrEqual(2);
    for (const resources of [built.parent, ...built.nested]) expect(Object.keys(resources).length).toBeLessThan(500);
    const parentMethods = Object.values(built.parent).filter((r) => r.Type === 'AWS::ApiGateway::Method').length;
    expect(parentMethods).toBeLessThanOrEqual(API_BUDGET);
  });

  it('has every route as a method, behind the parent’s authorizer, requiring a usage key unless public, and a preflight on each resource', () => {
    // Prepare
    const merged = inlineNestedStacks({ Resources: built.parent } as CfnTemplate, built.outDir);
    const methods = methodsByRoute(Template.fromJSON(merged));
    const authorizer = Object.entries(built.parent).find(([, r]) => r.Type === 'AWS::ApiGateway::Authorizer')![0];
    // Assess
    expect(Object.values(built.nested.flatMap((n) => Object.values(n))).filter((r) => r.Type === 'AWS::ApiGateway::Authorizer')).toEqual([]);
    expect(built.keygate.routes.length).toBeGreaterThan(routes.length);
    for (const route of built.keygate.routes) {
      const method = methods.get(`${route.method} ${route.path}`);
      expect(method).toBeDefined();
      if (route.needs === 'public') {
        expect(method).toMatchObject({ AuthorizationType: 'NONE' });
      } else {
        expect(method).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: authorizer }, ApiKeyRequired: true });
      }
    }
    for (const route of routes) expect(methods.get(`OPTIONS ${route.path}`)).toMatchObject({ AuthorizationType: 'NONE' });
  });

  it('deploys the stage after every nested stack, and anew when a route in a nested stack changes', () => {
    // Prepare
    const [deploymentId, deployment] = deploymentOf(built.parent);
    const nestedIds = Object.entries(built.parent).filter(([, r]) => r.Type === 'AWS::CloudFormation::Stack').map(([id]) => id);
    const last = routes.at(-1)!;
    const changed = synth([...routes.slice(0, -1), { ...last, needs: 'public' }]);
    const same = synth(routes);
    // Assess
    expect(deployment.DependsOn).toEqual(expect.arrayContaining(nestedIds));
    expect(deploymentOf(same.parent)[0]).toBe(deploymentId);
    expect(deploymentOf(changed.parent)[0]).not.toBe(deploymentId);
  });
});
