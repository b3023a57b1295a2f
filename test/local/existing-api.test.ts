/**
 * keygate on an API the app already has, over HTTP: the README's snippet
 * ("In front of an API you already have") synthesized as printed, plus a
 * method the app adds itself with keygate's authorizer but outside keygate's
 * table, served by the local runner (KEYGATE_CDK_OUT). The app's own method
 * without the authorizer is public and reaches its Lambda; the one with it
 * is refused by the authorizer as an unknown route (SPEC §5 body); keygate's
 * routes work: log in, make a key, call the listed route.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type Stack } from 'aws-cdk-lib';
import { LambdaIntegration, type RestApi } from 'aws-cdk-lib/aws-apigateway';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { Keygate } from '../../lib/keygate';
import { writeReadmeFiles } from '../support/readme-snippets';
import { call, startRunner, type StartedRunner } from './runner-process';

// The README's `import { Keygate } from 'keygate'`: this repository's entry point.
jest.mock('keygate', () => jest.requireActual('../../lib/index'), { virtual: true });

jest.setTimeout(60_000);

const ADMIN = { email: 'admin@reports.example', password: 'a long enough admin passphrase' };
const work = mkdtempSync(join(tmpdir(), 'keygate-reports-'));
const cdkOut = join(work, 'cdk.out');
let runner: StartedRunner;
let cookie: string;
let adminId: string;

/** The README's ReportsStack, synthesized as `cdk synth` would (assets staged beside the template), with GET /reports/export added behind keygate's authorizer. */
function synthesizeReportsApp(): void {
  const files = writeReadmeFiles('### In front of an API you already have', work);
  const { ReportsStack } = require(files['lib/reports-stack.ts']!) as { ReportsStack: new (scope: Construct, id: string) => Stack };
  const cdkJson = JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  const app = new App({ outdir: cdkOut, context: { ...cdkJson.context, 'aws:cdk:enable-asset-metadata': true } });
  const stack = new ReportsStack(app, 'Reports');
  const keygate = stack.node.findChild('Keygate') as Keygate;
  const api = stack.node.findChild('ReportsApi') as RestApi;
  const reports = stack.node.findChild('Reports') as LambdaFunction;
  api.root.resourceForPath('/reports/export').addMethod('GET', new LambdaIntegration(reports), { authorizer: keygate.authorizer });
  app.synth();
}

beforeAll(async () => {
  synthesizeReportsApp();
  runner = await startRunner({ env: { KEYGATE_CDK_OUT: cdkOut, KEYGATE_IN_MEMORY: '1', KEYGATE_ADMIN_EMAIL: ADMIN.email, KEYGATE_ADMIN_PASSWORD: ADMIN.password } });
  const login = await fetch(`${runner.base}/account/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
  expect(login.status).toBe(200);
  adminId = ((await login.json()) as { user: { id: string } }).user.id;
  cookie = login.headers.getSetCookie().find((c) => c.startsWith('keygate_session='))!.split(';')[0]!;
}, 180_000);

afterAll(async () => {
  await runner?.stop();
  rmSync(work, { recursive: true, force: true });
});

const createKey = async (permissions: string[]): Promise<string> => {
  const res = await call(runner.base, 'POST', '/account/keys', { headers: { cookie, origin: runner.base }, body: { name: permissions.join('+') || 'none', permissions } });
  expect(res.status).toBe(201);
  return res.body.key as string;
};

describe("keygate on the app's own RestApi, served by the local runner", () => {
  it("lets anyone call the app's method without keygate's authorizer: it is public and reaches the app's Lambda", async () => {
    // Act
    const res = await call(runner.base, 'GET', '/health');
    // Assess
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ route: '/health', by: null });
  });

  it("serves keygate's routes on that API: a key with read_reports calls GET /reports as its user", async () => {
    // Prepare
    const key = await createKey(['read_reports']);
    // Act
    const res = await call(runner.base, 'GET', '/reports', { headers: { authorization: `Bearer ${key}` } });
    // Assess
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ route: '/reports', by: adminId });
  });

  it('refuses GET /reports without a credential (401) and to a key without read_reports (403 missing_permission)', async () => {
    // Prepare
    const key = await createKey([]);
    // Act
    const anonymous = await call(runner.base, 'GET', '/reports');
    const unpermitted = await call(runner.base, 'GET', '/reports', { headers: { authorization: `Bearer ${key}` } });
    // Assess
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ status_code: 401, error_code: 'unauthorized' });
    expect(unpermitted.status).toBe(403);
    expect(unpermitted.body).toMatchObject({ status_code: 403, endpoint: '/reports', error_code: 'missing_permission' });
  });

  it("refuses the app's method that has keygate's authorizer but is not in keygate's table: 403 unknown_route, whatever the key may do", async () => {
    // Prepare: a key with every permission the app has, and the admin's session
    const key = await createKey(['read_reports']);
    // Act
    const withKey = await call(runner.base, 'GET', '/reports/export', { headers: { authorization: `Bearer ${key}` } });
    const withSession = await call(runner.base, 'GET', '/reports/export', { headers: { cookie } });
    const anonymous = await call(runner.base, 'GET', '/reports/export');
    // Assess
    for (const res of [withKey, withSession]) {
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ status_code: 403, endpoint: '/reports/export', error_code: 'unknown_route', error_message: 'no route GET is protected by this authorizer here' });
    }
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ status_code: 401, endpoint: '/reports/export', error_code: 'unauthorized' });
  });
});
