/**
 * The benchmark's bundles: the authorizer exactly as it ships, the floors it
 * is measured against, and the workers, all built with the options keygate's
 * Lambdas are bundled with at pack time (LAMBDA_BUNDLE_OPTIONS,
 * scripts/lambda-bundles.ts), so the authorizer code inside a worker is the
 * shipped code.
 */
import { build, type Metafile } from 'esbuild';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { LAMBDA_BUNDLE_OPTIONS } from '../lambda-bundles';

/** Entry files, relative to the repository root. */
const ENTRIES = {
  /** what Lambda runs */
  authorizer: 'lambda/authorizer/handler.ts',
  /** the floor of every cold start: a DynamoDB client and one GetItem */
  bareClient: 'scripts/bench/entries/bare-client.ts',
  /** the authorizer without its log line: what the line costs at cold start */
  decisionOnly: 'scripts/bench/entries/decision-only.ts',
  hits: 'scripts/bench/workers/hits.ts',
  misses: 'scripts/bench/workers/misses.ts',
  credits: 'scripts/bench/workers/credits.ts',
  memory: 'scripts/bench/workers/memory.ts',
  cold: 'scripts/bench/workers/cold.ts',
} as const;

export type BundleName = keyof typeof ENTRIES;

export interface Bundles {
  /** path of each bundle's index.js */
  readonly files: Readonly<Record<BundleName, string>>;
  readonly metafiles: Readonly<Record<BundleName, Metafile>>;
  bytes(name: BundleName): number;
}

export async function buildBenchBundles(root: string, outDir: string): Promise<Bundles> {
  const names = Object.keys(ENTRIES) as BundleName[];
  const files = Object.fromEntries(names.map((n) => [n, join(outDir, n, 'index.js')])) as Record<BundleName, string>;
  const metas = await Promise.all(
    names.map(async (n) => (await build({ ...LAMBDA_BUNDLE_OPTIONS, logLevel: 'error', absWorkingDir: root, entryPoints: [ENTRIES[n]], outfile: files[n], metafile: true })).metafile),
  );
  return {
    files,
    metafiles: Object.fromEntries(names.map((n, i) => [n, metas[i]!])) as Record<BundleName, Metafile>,
    bytes: (name) => statSync(files[name]).size,
  };
}

/** Bytes each package (or source folder) contributes to a bundle, largest first. */
export function largestParts(meta: Metafile, top = 12): Record<string, number> {
  const out = Object.values(meta.outputs)[0]!;
  const by = new Map<string, number>();
  for (const [file, { bytesInOutput }] of Object.entries(out.inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
    const part = m ? m[1]! : file.split('/').slice(0, 2).join('/');
    by.set(part, (by.get(part) ?? 0) + bytesInOutput);
  }
  return Object.fromEntries([...by.entries()].sort((a, b) => b[1] - a[1]).slice(0, top));
}
