/**
 * A 500-route app (issue 18): it synthesizes with no Lambda environment over
 * 4 KB (the route table travels in each keygate Lambda's settings file), and
 * the local runner serves it from that cdk.out, its authorizer reading the
 * table from the asset: one call allowed, one refused, over real HTTP.
 *
 * CloudFormation allows 500 resources per stack: keygate puts the methods
 * into nested stacks (docs/design.md, Large route tables), so the app
 * synthesizes with CDK's own check of that limit in force, and the runner
 * reads the nested templates from cdk.out.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, type CfnElement } from 'aws-cdk-lib';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SETTINGS_ENV, SETTINGS_FILE } from '../../lambda/core/settings';
import { Keygate } from '../../lib/keygate';
import { inlineNestedStacks } from '../../local/assembly';
import type { CfnTemplate } from '../../local/intrinsics';
import { generateApp } from '../support/route-tables';
import { call, startRunner, type StartedRunner } from './runner-process';

jest.setTimeout(120_000);

const ADMIN = { email: 'large-admin@example.com', password: 'large table admin password' };
const app = generateApp(500);
const outDir = mkdtempSync(join(tmpdir(), 'keygate-large-'));
const backendDir = mkdtempSync(join(tmpdir(), 'keygate-large-backend-'));
let parent: { Resources: Record<string, { Type: string; Metadata?: Record<string, string> }> };
let template: { Resources: Record<string, { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, string> }> };
let keygate: Keygate;
let runner: StartedRunner;

beforeAll(async () => {
  writeFileSync(join(backendDir, 'index.js'), 'exports.handler = async (e) => ({ statusCode: 200, body: JSON.stringify({ path: e.path, permissions: e.requestContext.authorizer.permissions }) });\n');
  // As `cdk synth` does: asset paths in the template's metadata, which the runner reads.
  const cdk = new App({ outdir: outDir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(cdk, 'Large', { env: { account: '123456789012', region: 'us-east-1' } });
  const backend = new LambdaFunction(stack, 'Backend', { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromAsset(backendDir) });
  keygate = new Keygate(stack, 'Keygate', { permissions: app.permissions, routes: app.routes.map((r) => ({ ...r, handler: backend })), cloudWatchRole: false });
  const assembly = cdk.synth();
  parent = assembly.getStackByName('Large').template;
  // The parent's resources and its nested stacks', as the runner reads them.
  template = inlineNestedStacks(parent as CfnTemplate, outDir) as typeof template;
  runner = await startRunner({ env: { KEYGATE_CDK_OUT: outDir, KEYGATE_IN_MEMORY: '1', KEYGATE_ADMIN_EMAIL: ADMIN.email, KEYGATE_ADMIN_PASSWORD: ADMIN.password } });
}, 240_000);

afterAll(async () => {
  await runner?.stop();
  rmSync(outDir, { recursive: true, force: true });
  rmSync(backendDir, { recursive: true, force: true });
});

describe('A 500-route app', () => {
  it('is split into stacks of fewer than 500 resources each', () => {
    // Prepare
    const files = Object.values(parent.Resources).filter((r) => r.Type === 'AWS::CloudFormation::Stack').map((r) => r.Metadata!['aws:asset:path']!);
    const nested = files.map((f) => Object.keys((JSON.parse(readFileSync(join(outDir, f), 'utf8')) as CfnTemplate).Resources).length);
    // Assess
    expect(nested.length).toBeGreaterThanOrEqual(2);
    for (const count of [Object.keys(parent.Resources).length, ...nested]) expect(count).toBeLessThan(500);
  });

  it('synthesizes with every Lambda environment under 4 KB, the whole table in every keygate Lambda’s settings file', () => {
    // Prepare
    const functions = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
    const keygateIds = [keygate.authorizerFunction, ...Object.values(keygate.managementFunctions), keygate.consoleFunction!].map((f) => Stack.of(f).getLogicalId(f.node.defaultChild as CfnElement));
    // Assess
    expect(app.routes).toHaveLength(500);
    expect(Object.values(template.Resources).filter((r) => r.Type === 'AWS::ApiGateway::Method' && r.Properties.HttpMethod !== 'OPTIONS').length).toBeGreaterThanOrEqual(500);
    for (const [, fn] of functions) {
      const vars = (fn.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
      const bytes = Object.entries(vars).reduce((n, [k, v]) => n + k.length + JSON.stringify(v).length, 0);
      expect(bytes).toBeLessThan(4096);
    }
    for (const id of keygateIds) {
      const file = JSON.parse(readFileSync(join(outDir, template.Resources[id]!.Metadata!['aws:asset:path']!, SETTINGS_FILE), 'utf8')) as Record<string, unknown>;
      expect(file[SETTINGS_ENV.routes]).toEqual(app.routes);
      expect(file[SETTINGS_ENV.permissions]).toEqual(app.permissions);
    }
  });

  it('is served by the local runner: a key allowed on a route deep in the table, refused on another', async () => {
    // Prepare: a key that may read area 3, through the management API
    const login = await call(runner.base, 'POST', '/v1/auth/login', { body: ADMIN });
    expect(login.status).toBe(200);
    const cookie = login.headers.getSetCookie().find((c) => c.startsWith('keygate_session='))!.split(';')[0]!;
    const created = await call(runner.base, 'POST', '/v1/keys', { headers: { cookie, origin: runner.base }, body: { name: 'area 3 reader', permissions: ['read_area3'] } });
    expect(created.status).toBe(201);
    const auth = { authorization: `Bearer ${created.body.key as string}` };
    const read = app.routes.filter((r) => r.needs === 'read_area3' && r.method === 'GET').at(-1)!;
    const write = app.routes.filter((r) => r.needs === 'write_area3' && r.method === 'DELETE').at(-1)!;
    const fill = (path: string) => path.replace(/\{[^}]+\}/g, '42');
    // Act
    const allowed = await call(runner.base, 'GET', fill(read.path), { headers: auth });
    const refused = await call(runner.base, 'DELETE', fill(write.path), { headers: auth });
    // Assess
    expect(allowed).toMatchObject({ status: 200, body: { path: fill(read.path), permissions: 'read_area3' } });
    expect(refused.body).toMatchObject({ status_code: 403, error_code: 'missing_permission', error_message: "this route needs the 'write_area3' permission" });
  });
});
