/**
 * `cdk synth` with the app's own CDK CLI (the one `npx cdk` runs: its
 * aws-cdk in node_modules), when cdk.out is older than the app's sources. The CLI is kept off the network: no telemetry, no
 * version check, no notices. Parallel runners (e.g. test files) take turns
 * through a lock file, since the CLI refuses two synths into one folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, resolve, sep } from 'node:path';
import { RunnerError } from './errors';
import { REPO_ROOT } from './options';
import { alive, killQuietly } from './processes';

/** What this repository's synthesized template depends on. */
const SOURCES = ['bin', 'lib', 'lambda', 'cdk.json', 'package.json', 'package-lock.json', 'tsconfig.json'];
/** What sits in a team's app folder and no synth reads: its packages, and the quick start's cookie jar. */
const NOT_SOURCES = new Set(['node_modules', 'keygate-cookies.txt']);

/**
 * What an app's template depends on: in this repository, SOURCES; in any
 * other app (a team's, under `keygate dev`), which declares nothing, every
 * entry of its folder but node_modules, dot entries (.git, .keygate-data),
 * the quick start's cookie jar and the folder the assembly is written to.
 */
export function appSources(appDir: string, outDir: string): readonly string[] {
  if (resolve(appDir) === REPO_ROOT) return SOURCES;
  const out = relative(resolve(appDir), resolve(outDir)).split(sep)[0];
  return readdirSync(appDir).filter((e) => e !== out && !e.startsWith('.') && !NOT_SOURCES.has(e));
}

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue;
    newest = Math.max(newest, newestMtime(join(path, entry)));
  }
  return newest;
}

/**
 * Whether `stamp` (a file written when a build started or ended) exists and
 * is no older than every file of `sources` (paths under `repoRoot`; folders
 * are walked, `node_modules` and dot entries skipped). The runner's synth,
 * the Lambda bundles and the package build all decide so whether to build again.
 */
export function builtAfter(stamp: string, repoRoot: string, sources: readonly string[]): boolean {
  if (!existsSync(stamp)) return false;
  const built = statSync(stamp).mtimeMs;
  return sources.every((s) => newestMtime(join(repoRoot, s)) <= built);
}

/** Whether `outDir` was synthesized after the last change to the app's sources. */
export function isFresh(appDir: string, outDir: string): boolean {
  return builtAfter(join(outDir, 'manifest.json'), appDir, appSources(appDir, outDir));
}

/** Synthesizes into `outDir` unless it is fresh (or `force`). Returns whether it ran. */
export async function synthesize(repoRoot: string, outDir: string, options: { force?: boolean; log?: (line: string) => void } = {}): Promise<boolean> {
  if (!existsSync(join(repoRoot, 'cdk.json'))) throw new RunnerError(`no cdk.json in ${repoRoot}, so there is no CDK app to synthesize`, 'run `npx keygate dev` in your CDK app\'s folder (`npm start` in the keygate repository)');
  return withSynthLock(outDir, async () => {
    if (!options.force && isFresh(repoRoot, outDir)) return false;
    options.log?.('synthesizing the CDK app (npx cdk synth) …');
    await run(repoRoot, outDir);
    return true;
  });
}

let running: ChildProcess | undefined;

/** Stops a synth in progress (its whole process group: the CLI and the app it runs). */
export function cancelSynth(): void {
  if (running?.pid && running.exitCode === null) killQuietly(-running.pid, 'SIGTERM');
}

/** The app's CDK CLI: aws-cdk in its node_modules, or a parent folder's (a workspace), as `npx cdk` finds it. */
function cdkCli(appDir: string): string | undefined {
  for (let dir = resolve(appDir); ; dir = dirname(dir)) {
    const cli = join(dir, 'node_modules', 'aws-cdk', 'bin', 'cdk');
    if (existsSync(cli)) return cli;
    if (dirname(dir) === dir) return undefined;
  }
}

function run(repoRoot: string, outDir: string): Promise<void> {
  const cli = cdkCli(repoRoot);
  if (!cli) throw new RunnerError(`the CDK CLI (aws-cdk) is not installed in ${repoRoot}`, 'npm install --save-dev aws-cdk (in the keygate repository: npm install)');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'synth', '--quiet', '--no-notices', '--output', outDir], {
      cwd: repoRoot,
      env: {
        ...process.env,
        // The app command (`npx tsx bin/app.ts`, `npx ts-node …`) finds the app's own tools first, as under `npm start`.
        PATH: `${join(repoRoot, 'node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}`,
        CDK_DISABLE_CLI_TELEMETRY: 'true',
        CDK_DISABLE_VERSION_CHECK: '1',
        FORCE_COLOR: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so cancelSynth stops the app process the CLI starts too.
      detached: true,
    });
    running = child;
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (err) => reject(new RunnerError(`could not run the CDK CLI: ${err.message}`, 'npm install --save-dev aws-cdk')));
    child.on('exit', (code, signal) => {
      if (code === 0) return resolve();
      const tail = output.trim().split('\n').slice(-40).join('\n');
      reject(new RunnerError(`\`cdk synth\` failed (${signal ?? `exit code ${code}`}):\n${tail}`, 'fix the app until `npx cdk synth` succeeds; the runner serves only what would deploy'));
    });
  });
}

/** Runs `fn` while no synth can write into `outDir` (e.g. to copy it whole). */
export async function withSynthLock<T>(outDir: string, fn: () => T | Promise<T>): Promise<T> {
  const release = await lock(outDir);
  try {
    return await fn();
  } finally {
    release();
  }
}

/** A lock file beside nothing in the repo: in the temp folder, named after `outDir`. */
async function lock(outDir: string): Promise<() => void> {
  const file = join(tmpdir(), `keygate-synth-${createHash('sha256').update(outDir).digest('hex').slice(0, 12)}.lock`);
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    try {
      mkdirSync(file);
      writeFileSync(join(file, 'pid'), String(process.pid));
      return () => rmSync(file, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (!holderAlive(file)) {
      rmSync(file, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new RunnerError(`another synth holds ${file} for more than 5 minutes`, `remove ${file} if no synth is running`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function holderAlive(file: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(join(file, 'pid'), 'utf8'));
  } catch (err) {
    // No pid file yet: the holder is between mkdir and write.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      const st = statSync(file, { throwIfNoEntry: false });
      return st !== undefined && Date.now() - st.mtimeMs < 5000;
    }
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  return alive(pid);
}
