/**
 * The runner serves any keygate app, and what it says comes from that app:
 * its base path, the permissions a key may carry and a route that needs one.
 * First as a function of the model, then over HTTP: the reference app's
 * cdk.out rewritten into a "widgets" app (management API under
 * /auth-service, its own permission write_widgets), served with
 * KEYGATE_CDK_OUT, its printed quick start run as printed, its OpenAPI
 * document at /openapi.json.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SETTINGS_KEY, readSettings } from '../../lambda/core/settings-item';
import { ENV } from '../../lambda/shared/config';
import { REFERENCE_PERMISSIONS } from '../../lib/reference-app';
import { loadStack } from '../../local/assembly';
import { localClient } from '../../local/dynamo';
import type { CfnTemplate } from '../../local/intrinsics';
import { buildModel, type AppModel } from '../../local/model';
import { servedApp, type ServedApp } from '../../local/served-app';
import { CDK_OUT, call, startRunner, synthOnce, type Json, type StartedRunner } from './runner-process';
import { REFERENCE_CONSOLE_PATHS } from './fixtures/console-paths';

jest.setTimeout(60_000);

const WIDGETS = [{ name: 'write_widgets', grant: 'key', description: 'change widgets' }];
/** The example routes moved under /auth-service, POST …/scores now needing write_widgets. */
const WIDGET_ROUTES = [
  { method: 'GET', path: '/auth-service/scores/{scoreId}', needs: 'authenticated' },
  { method: 'PATCH', path: '/auth-service/nowhere', needs: 'write_widgets' },
  { method: 'POST', path: '/auth-service/scores', needs: 'write_widgets' },
];

/** The reference template, every keygate Lambda told it is the widgets app, its `v1` resource renamed. */
function widgetsTemplate(template: CfnTemplate): CfnTemplate {
  const t = structuredClone(template);
  for (const r of Object.values(t.Resources)) {
    const p = r.Properties;
    if (r.Type === 'AWS::ApiGateway::Resource' && p?.PathPart === 'v1') p.PathPart = 'auth-service';
    const vars = (p?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
    if (r.Type === 'AWS::Lambda::Function' && vars && ENV.basePath in vars) {
      vars[ENV.basePath] = '/auth-service';
      vars[ENV.routes] = JSON.stringify(WIDGET_ROUTES);
      vars[ENV.permissions] = JSON.stringify(WIDGETS);
    }
  }
  return t;
}

function modelOf(template: CfnTemplate, assemblyDir: string): AppModel {
  return buildModel(template, { assemblyDir, stackName: 'Keygate', region: 'us-east-1', account: '000000000000' });
}

beforeAll(() => synthOnce(), 120_000);

describe('Function: servedApp', () => {
  it("reads the reference app's base path, key permissions, a route to try and its settings item", () => {
    const stack = loadStack(CDK_OUT);
    const app = servedApp(modelOf(stack.template, stack.assemblyDir)) as ServedApp;
    expect(app).toMatchObject({
      basePath: '/v1',
      paths: REFERENCE_CONSOLE_PATHS,
      example: { method: 'POST', path: '/v1/scores', url: '/v1/scores', permission: 'submit_score' },
      settings: { basePath: '/v1', permissions: REFERENCE_PERMISSIONS, userKeyPrefix: 'user_key_', botKeyPrefix: 'bot_key_', cookieName: 'keygate_session' },
    });
    expect(app.keyPermissions.map((p) => p.name)).toEqual(REFERENCE_PERMISSIONS.map((p) => p.name));
  });

  it("takes another app's: its base path, its permission, and only a route its template has", () => {
    const stack = loadStack(CDK_OUT);
    const app = servedApp(modelOf(widgetsTemplate(stack.template), stack.assemblyDir)) as ServedApp;
    expect(app.paths.login).toBe('/auth-service/auth/login');
    expect(app.keyPermissions).toEqual(WIDGETS);
    // PATCH /auth-service/nowhere needs write_widgets too, but the template has no such route.
    expect(app.example).toEqual({ method: 'POST', path: '/auth-service/scores', url: '/auth-service/scores', permission: 'write_widgets' });
    expect(app.settings.permissions).toEqual(WIDGETS);
  });

  it("says why an API is not keygate's: its authorizer has no keygate settings", () => {
    const stack = loadStack(CDK_OUT);
    const t = structuredClone(stack.template);
    for (const r of Object.values(t.Resources)) delete ((r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {})[ENV.basePath];
    expect(servedApp(modelOf(t, stack.assemblyDir))).toEqual({ unreadable: expect.stringMatching(/are not keygate's: KEYGATE_BASE_PATH is not set/) });
  });
});

describe('npm start with KEYGATE_CDK_OUT of another keygate app', () => {
  const dir = mkdtempSync(join(tmpdir(), 'keygate-widgets-'));
  const work = mkdtempSync(join(tmpdir(), 'keygate-widgets-qs-'));
  let runner: StartedRunner;

  beforeAll(async () => {
    // The widgets app's template beside links to the reference app's bundles (the runner reads assets beside a template file).
    for (const entry of readdirSync(CDK_OUT)) if (entry.startsWith('asset.')) symlinkSync(join(CDK_OUT, entry), join(dir, entry));
    writeFileSync(join(dir, 'Widgets.template.json'), JSON.stringify(widgetsTemplate(loadStack(CDK_OUT).template)));
    runner = await startRunner({ env: { KEYGATE_CDK_OUT: join(dir, 'Widgets.template.json'), KEYGATE_IN_MEMORY: '1', KEYGATE_ADMIN_EMAIL: undefined, KEYGATE_ADMIN_PASSWORD: undefined } });
  }, 120_000);

  afterAll(async () => {
    await runner?.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it("prints the widgets app's quick start, which works as printed: log in, a key with write_widgets, its route", async () => {
    // Prepare
    const output = runner.output();
    const commands = output
      .split('\n')
      .filter((l) => /^ {2}(curl|KEY=)/.test(l))
      .map((l) => l.trim());
    expect(commands).toHaveLength(3);
    expect(output).toContain('(the key may write_widgets, which POST /auth-service/scores needs)');
    expect(output).not.toMatch(/\/v1\/|submit_score/);

    // Act
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', commands.join('\n')], { cwd: work });

    // Assess
    const [loginOut, key, routeOut] = stdout.trim().split('\n');
    expect(JSON.parse(loginOut!).user).toMatchObject({ email: 'admin@keygate.local', admin: true });
    expect(JSON.parse(routeOut!)).toMatchObject({ authMethod: 'api_key', permissions: ['write_widgets'], path: '/auth-service/scores' });
    const refused = await call(runner.base, 'GET', '/auth-service/keys', { headers: { authorization: `Bearer ${key}` } });
    expect(refused.body).toMatchObject({ status_code: 403, error_code: 'missing_permission' });
  });

  it("writes the widgets app's settings item, as the construct does at deploy, for the CLI", async () => {
    const endpoint = /\n {2}DynamoDB {3}(http:\/\/127\.0\.0\.1:\d+) {2}table (\S+)/.exec(runner.output())!;
    const client = localClient(endpoint[1]!, 'us-east-1');
    const { Item } = await client.send(new GetItemCommand({ TableName: endpoint[2]!, Key: SETTINGS_KEY, ConsistentRead: true }));
    client.destroy();
    const settings = readSettings(Item);
    expect(settings).toMatchObject({ basePath: '/auth-service', permissions: WIDGETS, userKeyPrefix: 'user_key_', botKeyPrefix: 'bot_key_', cookieName: 'keygate_session' });
    // Its plans (the reference stack's), each with its usage plan's id as the runner knows it: the logical id.
    expect(settings.plans.map((p) => [p.name, p.id.startsWith(`KeygateUsagePlansPlan${p.name}`)])).toEqual([['shared', true], ['free', true], ['partner', true]]);
    expect(settings.defaultPlan).toBe('shared');
  });

  it("gives the console the widgets app's paths and permission", async () => {
    // Act: the old address redirects to the console under the app's base path, which reads config.json
    const old = await fetch(`${runner.base}/_keygate/`, { redirect: 'manual' });
    const config = (await (await fetch(`${runner.base}/auth-service/console/config.json`)).json()) as Json;
    // Assess
    expect(old.status).toBe(302);
    expect(old.headers.get('location')).toBe('/auth-service/console/');
    expect(config).toMatchObject({
      basePath: '/auth-service',
      paths: { login: '/auth-service/auth/login', listKeys: '/auth-service/keys', rotateKey: '/auth-service/keys/{keyId}/rotate' },
      permissions: expect.arrayContaining([{ name: 'write_widgets', description: 'change widgets', keyGrantable: true }]),
      // the first route of the app's a new key can call, with no path parameter
      example: { method: 'PATCH', path: '/auth-service/nowhere', permission: 'write_widgets' },
    });
  });
  it("serves the widgets app's OpenAPI document at /openapi.json: its base path, routes, permission and this runner", async () => {
    // Act
    const res = await fetch(`${runner.base}/openapi.json`);
    const doc = (await res.json()) as Json;

    // Assess
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(doc.servers).toEqual([{ url: runner.base, description: 'The local runner.' }]);
    expect(doc.paths['/auth-service/auth/login'].post.operationId).toBe('login');
    expect(doc.paths['/v1/auth/login']).toBeUndefined();
    expect(doc.paths['/auth-service/scores'].post).toMatchObject({ 'x-keygate-needs': 'write_widgets', security: [{ bearerKey: [] }, { sessionCookie: [] }] });
    expect(doc.components.schemas.KeyPermission.enum).toEqual(['write_widgets']);
  });
});
