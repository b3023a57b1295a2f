/**
 * The runner serves what the template says, not what the route table says:
 * a copy of the synthesized cdk.out, broken on purpose, is served broken.
 * And the start-up failures a user can meet come with their fix.
 */
import { dirname, join } from 'node:path';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { loadStack } from '../../local/assembly';
import { withSynthLock } from '../../local/synth';
import type { CfnTemplate } from '../../local/intrinsics';
import { buildModel, type ResourceNode } from '../../local/model';
import { CDK_OUT, REPO_ROOT, call, freePort, isAlive, javaPidOf, startRunner, synthOnce, type StartedRunner } from './runner-process';

jest.setTimeout(60_000);

const work = mkdtempSync(join(tmpdir(), 'keygate-broken-'));

/** A copy of cdk.out whose template `change` may edit; returns the copy's directory. */
async function brokenCopy(name: string, change: (t: CfnTemplate, methodId: (method: string, path: string) => string) => void): Promise<string> {
  const dir = join(work, name);
  // Under the synth lock: a runner of another test file may be synthesizing into cdk.out.
  await withSynthLock(CDK_OUT, () => cpSync(CDK_OUT, dir, { recursive: true }));
  const stack = loadStack(dir);
  const model = buildModel(stack.template, { assemblyDir: dir, stackName: stack.stackName, region: 'us-east-1', account: '1' });
  const methodId = (method: string, path: string) => {
    const find = (n: ResourceNode): string | undefined => (n.path === path ? n.methods.get(method)?.logicalId : n.children.map(find).find(Boolean));
    const id = find(model.api.root);
    if (!id) throw new Error(`no ${method} ${path} in the template`);
    return id;
  };
  const template = JSON.parse(readFileSync(stack.templatePath, 'utf8')) as CfnTemplate;
  change(template, methodId);
  writeFileSync(stack.templatePath, JSON.stringify(template));
  return dir;
}

const typeOf = (t: CfnTemplate, type: string, responseType: string) =>
  Object.keys(t.Resources).find((id) => t.Resources[id]!.Type === type && t.Resources[id]!.Properties?.ResponseType === responseType)!;

beforeAll(() => synthOnce(), 180_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('a template broken on purpose', () => {
  let runner: StartedRunner;
  let dataDir: string;

  beforeAll(async () => {
    const dir = await brokenCopy('served', (t, methodId) => {
      // POST /v1/scores loses its authorizer and its usage-key requirement, GET /v1/scores/{scoreId} only its
      // authorizer, DELETE /v1/scores/{scoreId} goes, and so does the 404 gateway response.
      const post = t.Resources[methodId('POST', '/v1/scores')]!.Properties!;
      post.AuthorizationType = 'NONE';
      delete post.AuthorizerId;
      delete post.ApiKeyRequired;
      const get = t.Resources[methodId('GET', '/v1/scores/{scoreId}')]!.Properties!;
      get.AuthorizationType = 'NONE';
      delete get.AuthorizerId;
      delete t.Resources[methodId('DELETE', '/v1/scores/{scoreId}')];
      delete t.Resources[typeOf(t, 'AWS::ApiGateway::GatewayResponse', 'MISSING_AUTHENTICATION_TOKEN')];
    });
    dataDir = join(work, 'data');
    runner = await startRunner({ env: { KEYGATE_CDK_OUT: dir, KEYGATE_DATA_DIR: dataDir } });
  }, 120_000);

  afterAll(() => runner?.stop('SIGKILL'));

  it('lets a request without credentials reach the function of a route whose authorizer was removed', async () => {
    // Act
    const open = await call(runner.base, 'POST', '/v1/scores', { body: {} });
    const stillProtected = await call(runner.base, 'PATCH', '/v1/scores/1', { body: {} });

    // Assess: the example Lambda's own refusal, not the gateway's
    expect(open.status).toBe(401);
    expect(open.body.error_message).toBe('no authorizer context on this request');
    expect(open.headers.get('x-amzn-errortype')).toBeNull();
    expect(stillProtected.status).toBe(401);
    expect(stillProtected.headers.get('x-amzn-errortype')).toBe('UnauthorizedException');
  });

  it("refuses a route that lost its authorizer but still requires a usage key: no authorizer, no usage key, 403 forbidden", async () => {
    // Act
    const res = await call(runner.base, 'GET', '/v1/scores/1');
    // Assess: API Gateway's INVALID_API_KEY, in keygate's error shape
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ status_code: 403, error_code: 'forbidden' });
    expect(res.headers.get('x-amzn-errortype')).toBe('ForbiddenException');
  });

  it('answers a removed route and an unknown route through DEFAULT_4XX once MISSING_AUTHENTICATION_TOKEN is gone', async () => {
    for (const [method, path] of [
      ['DELETE', '/v1/scores/1'],
      ['GET', '/v1/nothing'],
    ] as const) {
      const res = await call(runner.base, method, path);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ status_code: 400, error_code: 'bad_request', error_message: 'Missing Authentication Token' });
    }
  });

  it('stops everything on SIGTERM to the runner process alone (kill <pid>)', async () => {
    // Prepare
    const { pid } = JSON.parse(readFileSync(join(dataDir, 'runner.json'), 'utf8')) as { pid: number };
    const javaPid = javaPidOf(dataDir)!;

    // Act
    process.kill(pid, 'SIGTERM');
    await runner.exited;

    // Assess
    expect(runner.output()).toContain('SIGTERM: stopping keygate');
    expect(isAlive(pid)).toBe(false);
    expect(isAlive(javaPid)).toBe(false);
  });
});

describe('start-up failures name the problem and the fix', () => {
  it('a template it cannot run: the resource and why', async () => {
    // Prepare
    let broken = '';
    const dir = await brokenCopy('iam', (t, methodId) => {
      broken = methodId('GET', '/v1/auth/me');
      t.Resources[broken]!.Properties!.AuthorizationType = 'AWS_IAM';
    });

    // Act
    const runner = await startRunner({ env: { KEYGATE_CDK_OUT: dir, KEYGATE_IN_MEMORY: '1' }, waitForReady: false });
    const code = await runner.exited;

    // Assess
    expect(code).not.toBe(0);
    expect(runner.output()).toContain(`keygate: cannot run the template: resource ${broken}: AuthorizationType AWS_IAM is not emulated`);
    expect(runner.output()).toContain('fix: ');
  });

  it('the port in use', async () => {
    // Prepare
    const port = await freePort();
    const busy = createServer().listen(port, '127.0.0.1');
    await new Promise((r) => busy.once('listening', r));

    // Act
    const runner = await startRunner({ port, env: { KEYGATE_CDK_OUT: CDK_OUT, KEYGATE_IN_MEMORY: '1' }, waitForReady: false });
    const code = await runner.exited;
    busy.close();

    // Assess
    expect(code).not.toBe(0);
    expect(runner.output()).toContain(`keygate: port ${port} on 127.0.0.1 is in use`);
    expect(runner.output()).toContain(`fix: stop what uses it, or pick another port: PORT=${port + 1} npm start`);
  });

  it('Java missing', async () => {
    // Act: only Node on the PATH
    const runner = await startRunner({
      command: [process.execPath, '--import', 'tsx', join(REPO_ROOT, 'local', 'start.ts')],
      env: { KEYGATE_CDK_OUT: CDK_OUT, KEYGATE_IN_MEMORY: '1', PATH: dirname(process.execPath) },
      waitForReady: false,
    });
    const code = await runner.exited;

    // Assess
    expect(code).toBe(1);
    expect(runner.output()).toContain('keygate: Java was not found (ENOENT); DynamoDB Local needs it');
    expect(runner.output()).toContain('fix: install a Java runtime 17 or later');
  });
});
