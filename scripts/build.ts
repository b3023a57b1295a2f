/**
 * `npm run build` (also run by `npm pack` through `prepack`): the package in
 * dist/.
 *
 * - dist/lib, dist/lambda: the constructs, compiled by tsc with their .d.ts
 *   files (tsconfig.build.json: only what lib/index.ts and lib/checks.ts import);
 * - dist/assets/<name>: keygate's Lambdas, bundled (scripts/lambda-bundles.ts);
 * - dist/cli/keygate.js: the admin CLI in one file with its dependencies
 *   (the AWS SDK included), which bin/keygate.js runs with plain node.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { LAMBDA_BUNDLE_OPTIONS, REPO_ROOT, buildBundles } from './lambda-bundles';

async function main(): Promise<void> {
  const started = Date.now();
  rmSync(join(REPO_ROOT, 'dist'), { recursive: true, force: true });

  const tsc = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (tsc.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed (${tsc.status ?? tsc.signal})`);
  console.log('compiled lib/ → dist/lib, dist/lambda');

  await buildBundles({ log: console.log });

  const { build } = await import('esbuild');
  await build({
    ...LAMBDA_BUNDLE_OPTIONS,
    entryPoints: [join(REPO_ROOT, 'cli', 'keygate.ts')],
    outfile: join(REPO_ROOT, 'dist', 'cli', 'keygate.js'),
    absWorkingDir: REPO_ROOT,
  });
  console.log('bundled cli/keygate.ts → dist/cli/keygate.js');
  console.log(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((err: Error) => {
  console.error(`keygate: build failed: ${err.message}`);
  process.exit(1);
});
