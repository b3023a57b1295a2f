/**
 * keygate's own Lambdas, bundled once with esbuild into ready asset folders
 * (`dist/assets/<name>/index.js`) that the `Keygate` construct loads with
 * `lambda.Code.fromAsset`. `npm run build` (and so `npm pack`) runs this; in
 * this repository the CDK app, `npm start` and the tests run it too, when a
 * source is newer than the bundles. A consumer of the package never bundles
 * keygate code: the folders ship in the package.
 *
 * LAMBDA_BUNDLE_OPTIONS is the one place the esbuild settings live (the
 * benchmark imports it too).
 */
import type { BuildOptions } from 'esbuild';
import { existsSync, mkdirSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KEYGATE_LAMBDAS } from '../lib/assets';
import { builtAfter, withSynthLock } from '../local/synth';
import { consoleFiles } from './console-files';

export const REPO_ROOT = join(__dirname, '..');
export const ASSETS_DIR = join(REPO_ROOT, 'dist', 'assets');
/** The reference app's own backend: built with the same settings, never packed. */
export const REFERENCE_ASSETS_DIR = join(REPO_ROOT, 'dist', 'reference-assets');

/**
 * Node.js 22 (the runtime every keygate function runs on), minified, the AWS
 * SDK inside the bundle (nothing external: a fixed, tested SDK version, and a
 * smaller cold start than the runtime's copy), ES module entry points
 * preferred so esbuild can drop unused parts of the SDK; CommonJS output
 * (esbuild's default for node).
 */
export const LAMBDA_BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  minify: true,
  mainFields: ['module', 'main'],
  external: [],
  legalComments: 'none',
  logLevel: 'warning',
} as const satisfies BuildOptions;

export interface Bundle {
  /** the asset folder's name */
  readonly name: string;
  /** handler file, relative to the repository root */
  readonly entry: string;
  readonly outDir: string;
}

/** Every bundle this repository builds: keygate's Lambdas (packed) and the reference app's example backend. */
export function bundles(): Bundle[] {
  return [
    ...Object.entries(KEYGATE_LAMBDAS).map(([name, entry]) => ({ name, entry, outDir: ASSETS_DIR })),
    { name: 'example', entry: 'lambda/example/handler.ts', outDir: REFERENCE_ASSETS_DIR },
  ];
}

/** What a bundle depends on: keygate's Lambda code, the console's files, its dependencies, these settings. */
const SOURCES = ['lambda', 'console', 'lib/assets.ts', 'scripts/lambda-bundles.ts', 'scripts/console-files.ts', 'package-lock.json'];

/** The console Lambda's bundle also holds the console's files, in `static/` (scripts/console-files.ts). */
const CONSOLE_BUNDLE = 'console';
/** Its mtime says when the bundles were last built (outside every asset folder, so no asset carries it). */
const STAMP = join(REPO_ROOT, 'dist', '.bundled');

/** Whether every bundle exists and was built after the last change to its sources. */
export function bundlesFresh(): boolean {
  return builtAfter(STAMP, REPO_ROOT, SOURCES) && bundles().every((b) => existsSync(join(b.outDir, b.name, 'index.js')));
}

/**
 * Builds every bundle (all of them, or none: a failed build leaves the old
 * folders). Each one is written beside its folder and swapped in, under a
 * lock, so a parallel synth never reads half a bundle.
 */
export async function buildBundles(options: { log?: (line: string) => void } = {}): Promise<void> {
  const { build } = await import('esbuild');
  await withSynthLock(ASSETS_DIR, async () => {
    // Sources changed while bundling must count as newer than the bundles.
    const started = new Date();
    const staging = join(REPO_ROOT, 'dist', `.bundling-${process.pid}`);
    rmSync(staging, { recursive: true, force: true });
    try {
      await Promise.all(
        bundles().map(async (b) => {
          const outdir = join(staging, b.name);
          await build({ ...LAMBDA_BUNDLE_OPTIONS, entryPoints: [join(REPO_ROOT, b.entry)], outfile: join(outdir, 'index.js'), absWorkingDir: REPO_ROOT });
          if (b.name === CONSOLE_BUNDLE && b.outDir === ASSETS_DIR) {
            mkdirSync(join(outdir, 'static'));
            for (const [name, text] of consoleFiles()) writeFileSync(join(outdir, 'static', name), text);
          }
        }),
      );
      for (const b of bundles()) {
        mkdirSync(b.outDir, { recursive: true });
        const target = join(b.outDir, b.name);
        rmSync(target, { recursive: true, force: true });
        renameSync(join(staging, b.name), target);
        options.log?.(`bundled ${b.entry} → ${target.slice(REPO_ROOT.length + 1)}/index.js`);
      }
      writeFileSync(STAMP, '');
      utimesSync(STAMP, started, started);
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  });
}

/** Builds the bundles when a source is newer than them. Returns whether it built. */
export async function ensureBundles(options: { log?: (line: string) => void } = {}): Promise<boolean> {
  if (bundlesFresh()) return false;
  await buildBundles(options);
  return true;
}

if (require.main === module) {
  const force = process.argv.includes('--force');
  (force ? buildBundles({ log: console.log }).then(() => true) : ensureBundles({ log: console.log })).catch((err: Error) => {
    console.error(`keygate: bundling failed: ${err.message}`);
    process.exit(1);
  });
}
