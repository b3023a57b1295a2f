/**
 * `npm run build` (also run by `npm pack` through `prepack`): the package in
 * dist/.
 *
 * - dist/lib, dist/lambda: the constructs, compiled by tsc with their .d.ts
 *   files (tsconfig.build.json: only what lib/index.ts and lib/checks.ts import);
 * - dist/assets/<name>: keygate's Lambdas, bundled (scripts/lambda-bundles.ts);
 * - dist/cli/keygate.js: the admin CLI in one file with its dependencies
 *   (the AWS SDK included), which bin/keygate.js runs with plain node;
 * - dist/local/dev.js: the local runner (`keygate dev`) in one file the same
 *   way, which the CLI loads for that command only, with the files it reads
 *   beside it: the Lambda worker (lambda-worker.cjs). The console is not in
 *   it: the console Lambda (dist/assets/console) serves it, in the runner as
 *   on AWS. DynamoDB Local is not in it: an optional peer dependency.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtAfter } from '../local/synth';
import { LAMBDA_BUNDLE_OPTIONS, REPO_ROOT, buildBundles, ensureBundles } from './lambda-bundles';

/** What the package is built from. */
const SOURCES = ['lib', 'lambda', 'cli', 'local', 'bin/keygate.js', 'scripts/build.ts', 'scripts/lambda-bundles.ts', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];
/** Its mtime says when the last complete build started. */
const STAMP = join(REPO_ROOT, 'dist', '.built');

/** Whether dist/ holds a complete build of the current sources. */
export function buildFresh(): boolean {
  return builtAfter(STAMP, REPO_ROOT, SOURCES);
}

/**
 * `bundles: 'when-stale'` keeps fresh Lambda bundles in place (the tests,
 * which may be reading them); `npm run build` always rebuilds them.
 */
export async function build(options: { bundles: 'always' | 'when-stale'; log?: (line: string) => void } = { bundles: 'always' }): Promise<void> {
  const log = options.log ?? console.log;
  const started = new Date();
  rmSync(STAMP, { force: true });
  for (const dir of ['lib', 'lambda', 'cli', 'local']) rmSync(join(REPO_ROOT, 'dist', dir), { recursive: true, force: true });

  const tsc = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (tsc.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed (${tsc.status ?? tsc.signal}):\n${tsc.stdout}${tsc.stderr}`);
  log('compiled lib/ → dist/lib, dist/lambda');

  if (options.bundles === 'always') await buildBundles({ log });
  else await ensureBundles({ log });

  const esbuild = await import('esbuild');
  // The CLI requires the runner by the path both layouts share (cli/ → local/dev, dist/cli/ → dist/local/dev.js): kept out of its bundle.
  const runnerApart: import('esbuild').Plugin = {
    name: 'runner-apart',
    setup: (b) => b.onResolve({ filter: /^\.\.\/local\/dev$/ }, () => ({ path: '../local/dev.js', external: true })),
  };
  await esbuild.build({
    ...LAMBDA_BUNDLE_OPTIONS,
    entryPoints: [join(REPO_ROOT, 'cli', 'keygate.ts')],
    outfile: join(REPO_ROOT, 'dist', 'cli', 'keygate.js'),
    absWorkingDir: REPO_ROOT,
    plugins: [runnerApart],
  });
  log('bundled cli/keygate.ts → dist/cli/keygate.js');
  await esbuild.build({
    ...LAMBDA_BUNDLE_OPTIONS,
    entryPoints: [join(REPO_ROOT, 'local', 'dev.ts')],
    outfile: join(REPO_ROOT, 'dist', 'local', 'dev.js'),
    absWorkingDir: REPO_ROOT,
  });
  cpSync(join(REPO_ROOT, 'local', 'lambda-worker.cjs'), join(REPO_ROOT, 'dist', 'local', 'lambda-worker.cjs'));
  log('bundled local/dev.ts → dist/local/dev.js, with lambda-worker.cjs');
  writeFileSync(STAMP, '');
  utimesSync(STAMP, started, started);
  log(`built in ${((Date.now() - started.getTime()) / 1000).toFixed(1)} s`);
}

if (require.main === module) {
  build().catch((err: Error) => {
    console.error(`keygate: build failed: ${err.message}`);
    process.exit(1);
  });
}
