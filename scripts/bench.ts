/**
 * `npm run bench [-- --json] [-- --quick] [-- --only=hits,misses,credits,memory,cold,routes]`:
 * the authorizer's performance in one run, side by side with the floors it is
 * measured against.
 *
 * Starts its own DynamoDB Local, seeds it, bundles the authorizer (and the
 * floors) with the Lambda bundling options, runs each measurement in fresh
 * worker processes (scripts/bench/measure/), then stops everything it
 * started. `--json` prints one JSON document on stdout (progress goes to
 * stderr); otherwise a table. `--quick` is a smoke run with small counts: its
 * numbers mean little; `--counts='{"coldRuns":51}'` changes single counts;
 * `--only=` runs some measurements. docs/performance.md explains every figure.
 */
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../lambda/shared/config';
import { buildBenchBundles, largestParts } from './bench/bundles';
import type { BenchCounts } from './bench/input';
import { measureColdStarts } from './bench/measure/cold';
import { measureCredits } from './bench/measure/credits';
import type { RunContext } from './bench/measure/context';
import { HIT_RUN_CACHE_TTL_SECONDS, measureHits } from './bench/measure/hits';
import { measureMemory } from './bench/measure/memory';
import { measureMisses } from './bench/measure/misses';
import { measureRoutes } from './bench/measure/routes';
import { canPin, cleanUp, cleanUpOnExit, track } from './bench/processes';
import { LAMBDA_BUNDLE_OPTIONS } from './lambda-bundles';
import { printTable, readsPerDecision, targets, type BenchDocument, type Measured } from './bench/report';
import { setUp } from './bench/setup';
import { round } from './bench/stats';

const ROOT = join(__dirname, '..');
const args = process.argv.slice(2);
const asJson = args.includes('--json');
const quick = args.includes('--quick');
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

const MEASUREMENTS = ['hits', 'misses', 'credits', 'memory', 'cold', 'routes'] as const;
type Measurement = (typeof MEASUREMENTS)[number];

/** `--only=hits,cold` runs those measurements alone. */
function only(): ReadonlySet<Measurement> {
  const arg = args.find((a) => a.startsWith('--only='));
  if (!arg) return new Set(MEASUREMENTS);
  const names = arg.slice('--only='.length).split(',');
  const unknown = names.filter((n) => !(MEASUREMENTS as readonly string[]).includes(n));
  if (unknown.length > 0) throw new Error(`--only: unknown measurement ${unknown.join(', ')} (known: ${MEASUREMENTS.join(', ')})`);
  return new Set(names as Measurement[]);
}

/** `--counts='{"missRounds":3000}'` overrides single counts, e.g. to study one phase. */
function counts(): BenchCounts {
  const arg = args.find((a) => a.startsWith('--counts='));
  return {
    ...(quick
      ? { hitBlock: 10_000, hitSamples: 10_000, missWarmup: 20, missRounds: 100, floodUnknown: 2_000, floodMalformed: 500, floodConcurrency: 16, coldRuns: 3 }
      : { hitBlock: 200_000, hitSamples: 100_000, missWarmup: 100, missRounds: 1_500, floodUnknown: 100_000, floodMalformed: 25_000, floodConcurrency: 16, coldRuns: 51 }),
    ...(arg ? (JSON.parse(arg.slice('--counts='.length)) as Partial<BenchCounts>) : {}),
  };
}

async function measure(): Promise<BenchDocument> {
  const startedAt = Date.now();
  const loadAverageAtStart = loadavg().map((l) => round(l, 2));
  const selected = only();
  const COUNTS = counts();
  const workDir = mkdtempSync(join(tmpdir(), 'keygate-bench-'));
  track({ workDir });
  const pinCore = Math.max(0, cpus().length - 1);

  log(`bundling with esbuild (${canPin ? `workers pinned to core ${pinCore}` : 'taskset not found: workers not pinned'})`);
  const bundles = await buildBenchBundles(ROOT, workDir);
  const setup = await setUp(workDir, COUNTS, log);
  const run: RunContext = { bundles, setup, counts: COUNTS, pinCore, workDir, log };

  const measured: Measured = {
    ...(selected.has('hits') ? { hits: await measureHits(run) } : {}),
    ...(selected.has('misses') ? { misses: await measureMisses(run) } : {}),
    ...(selected.has('credits') ? { credits: await measureCredits(run) } : {}),
    ...(selected.has('memory') ? { memory: await measureMemory(run) } : {}),
    ...(selected.has('cold') ? { coldStart: await measureColdStarts(run) } : {}),
    ...(selected.has('routes') ? { routes: await measureRoutes(run) } : {}),
  };

  if (process.env.KEYGATE_BENCH_KEEP) log(`KEYGATE_BENCH_KEEP: bundles kept in ${workDir}`);
  await setup.stop();

  const config = loadConfig(setup.env);
  return {
    generatedAt: new Date(startedAt).toISOString(),
    durationSeconds: round((Date.now() - startedAt) / 1000),
    quick,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memoryGB: round(totalmem() / 1024 ** 3),
      node: process.version,
      loadAverageAtStart,
      loadAverageAtEnd: loadavg().map((l) => round(l, 2)),
      pinnedCore: canPin ? pinCore : null,
    },
    settings: {
      ...COUNTS,
      measurements: [...selected],
      cacheTtlSeconds: config.cacheTtlMs / 1000,
      negativeCacheTtlSeconds: config.negativeCacheTtlMs / 1000,
      cacheMaxEntries: config.cacheMaxEntries,
      hitRunCacheTtlSeconds: HIT_RUN_CACHE_TTL_SECONDS,
    },
    /** keygate's pack-time bundling (scripts/lambda-bundles.ts), which every bundle here uses */
    bundling: { esbuild: LAMBDA_BUNDLE_OPTIONS },
    ...measured,
    bundle: {
      authorizerBytes: bundles.bytes('authorizer'),
      bareClientBytes: bundles.bytes('bareClient'),
      decisionOnlyBytes: bundles.bytes('decisionOnly'),
      authorizerLargestParts: largestParts(bundles.metafiles.authorizer),
    },
    reads: readsPerDecision(measured),
    targets: targets(measured),
  };
}

cleanUpOnExit();
measure()
  .then((doc) => {
    process.stdout.write(asJson ? JSON.stringify(doc, null, 2) + '\n' : printTable(doc));
    log(`done in ${doc.durationSeconds} s; DynamoDB Local stopped`);
  })
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(cleanUp);
