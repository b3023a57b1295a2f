/**
 * `npm run bench [-- --json] [-- --quick]`: the authorizer's performance in
 * one run, side by side with the floors it is measured against.
 *
 * Starts its own DynamoDB Local, seeds it, bundles the authorizer (and the
 * floors) with esbuild exactly as the stack's NodejsFunction does, runs each
 * measurement in a fresh worker process, then stops everything it started.
 * `--json` prints one JSON document on stdout (progress goes to stderr);
 * otherwise a table. `--quick` is a smoke run with small counts: its
 * numbers mean little; `--counts='{"coldRuns":51}'` changes single counts.
 * docs/performance.md explains every figure.
 */
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { keyGrantable } from '../lambda/core/catalog';
import { DEFAULT_PREFIXES } from '../lambda/core/token';
import { issueKey, issueSession } from '../lambda/management/mint';
import { REFERENCE_CATALOG } from '../lib/reference-app';
import { referenceEnv } from '../test/support/config';
import { LAST_USED_INTERVAL_MS } from '../lambda/authorizer/authorizer';
import { loadConfig } from '../lambda/shared/config';
import { DynamoAccountStore } from '../lambda/store/dynamo-account-store';
import { DynamoCredentialStore } from '../lambda/store/dynamo-credential-store';
import { keySk, userPk } from '../lambda/store/keys';
import { startDynamoDbLocal, type RunningDynamo } from '../test/support/dynamodb-local';
import { createTable } from '../test/support/table';
import { ORIGIN, keyEvent, type BenchCounts, type BenchInput, type HitResult, type MemoryResult, type MissResult, type SeededKey } from './bench/input';
import { median, pool, round } from './bench/stats';
import { killQuietly } from '../local/processes';

const ROOT = join(__dirname, '..');
const args = process.argv.slice(2);
const asJson = args.includes('--json');
const quick = args.includes('--quick');
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

/** `--counts='{"missRounds":3000}'` overrides single counts, e.g. to study one phase. */
const countsArg = args.find((a) => a.startsWith('--counts='));
const COUNTS: BenchCounts = {
  ...(quick
    ? { hitBlock: 10_000, hitSamples: 10_000, missWarmup: 20, missRounds: 100, floodUnknown: 2_000, floodMalformed: 500, floodConcurrency: 16, coldRuns: 3 }
    : { hitBlock: 200_000, hitSamples: 100_000, missWarmup: 100, missRounds: 1_500, floodUnknown: 100_000, floodMalformed: 25_000, floodConcurrency: 16, coldRuns: 21 }),
  ...(countsArg ? (JSON.parse(countsArg.slice('--counts='.length)) as Partial<BenchCounts>) : {}),
};

/**
 * What the stack's NodejsFunction gives esbuild (lib/keygate-function.ts:
 * minify, target node22, externalModules [] so the SDK is bundled, mainFields
 * module,main; NodejsFunction adds --platform=node and leaves the format to
 * esbuild's default for node, CommonJS).
 */
const STACK_BUNDLING: BuildOptions = { bundle: true, platform: 'node', target: 'node22', minify: true, mainFields: ['module', 'main'] };

/** Whether lib/ still bundles the way this benchmark assumes. */
function bundlingMatchesStack(): boolean | 'lib/keygate-function.ts not found' {
  const file = join(ROOT, 'lib', 'keygate-function.ts');
  if (!existsSync(file)) return 'lib/keygate-function.ts not found';
  const src = readFileSync(file, 'utf8');
  return [/minify:\s*true/, /target:\s*'node22'/, /externalModules:\s*\[\]/, /mainFields:\s*\['module',\s*'main'\]/].every((re) => re.test(src)) && !/format:/.test(src);
}

const TASKSET = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

/** `node <nodeArgs>`, pinned to one core when taskset is there and `pin` is given. */
function nodeCommand(nodeArgs: string[], pin?: number): [string, string[]] {
  return pin !== undefined && TASKSET ? ['taskset', ['-c', String(pin), process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
}

const children = new Set<ChildProcess>();
let dynamo: RunningDynamo | undefined;
let workDir: string | undefined;

function cleanUp(): void {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  if (dynamo?.pid !== undefined) killQuietly(dynamo.pid, 'SIGKILL');
  if (workDir && !process.env.KEYGATE_BENCH_KEEP) rmSync(workDir, { recursive: true, force: true });
}
process.on('exit', cleanUp);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    cleanUp();
    process.exit(130);
  });
}

/** Runs `node [execArgv] file args`, optionally pinned to one core, and returns the one message it sends. */
function runWorker<T>(file: string, workerArgs: string[], env: NodeJS.ProcessEnv, opts: { execArgv?: string[]; pin?: number } = {}): Promise<T> {
  const [cmd, argv] = nodeCommand([...(opts.execArgv ?? []), file, ...workerArgs], opts.pin);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    children.add(child);
    let result: T | undefined;
    child.on('message', (m) => (result = m as T));
    child.on('error', reject);
    child.on('exit', (code) => {
      children.delete(child);
      if (result) resolve(result);
      else reject(new Error(`${file} ${workerArgs.join(' ')} exited with ${code} and no result`));
    });
  });
}

interface ColdSample {
  loadMs: number;
  /** `import('node:http')`, which only an http:// endpoint (DynamoDB Local) costs; not in totalMs (scripts/bench/workers/cold.ts) */
  localHttpMs: number;
  firstCallMs: number;
  totalMs: number;
  sinceProcessStartMs: number;
}

/** One cold start in a fresh process; the runner writes its timings to fd 3. */
function coldStart(runner: string, bundle: string, eventFile: string, env: NodeJS.ProcessEnv, pin: number): Promise<ColdSample> {
  const [cmd, argv] = nodeCommand([runner, bundle, eventFile], pin);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { env, stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    let err = '';
    child.stdio[3]!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      children.delete(child);
      if (code === 0 && out) resolve(JSON.parse(out) as ColdSample);
      else reject(new Error(`cold start of ${bundle} failed (${code}): ${err.slice(0, 2000)}`));
    });
  });
}

/** Bytes each package (or source folder) contributes to a bundle, largest first. */
function largestParts(meta: Metafile, top = 12): Record<string, number> {
  const out = Object.values(meta.outputs)[0]!;
  const by = new Map<string, number>();
  for (const [file, { bytesInOutput }] of Object.entries(out.inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
    const part = m ? m[1]! : file.split('/').slice(0, 2).join('/');
    by.set(part, (by.get(part) ?? 0) + bytesInOutput);
  }
  return Object.fromEntries([...by.entries()].sort((a, b) => b[1] - a[1]).slice(0, top));
}

interface Target {
  readonly id: string;
  readonly description: string;
  readonly target: string;
  readonly measured: number;
  readonly pass: boolean;
}

async function measure() {
  const startedAt = Date.now();
  const loadAverageAtStart = loadavg().map((l) => round(l, 2));
  workDir = mkdtempSync(join(tmpdir(), 'keygate-bench-'));
  const pinCore = Math.max(0, cpus().length - 1);

  // ---- bundles: the authorizer as deployed, the floors, the workers
  log(`bundling with esbuild (${TASKSET ? `workers pinned to core ${pinCore}` : 'taskset not found: workers not pinned'})`);
  const bundles = {
    authorizer: { entry: 'lambda/authorizer/handler.ts', out: join(workDir, 'authorizer', 'index.js') },
    bareClient: { entry: 'scripts/bench/entries/bare-client.ts', out: join(workDir, 'bare-client', 'index.js') },
    withoutPowertools: { entry: 'scripts/bench/entries/authorizer-without-powertools.ts', out: join(workDir, 'without-powertools', 'index.js') },
    hits: { entry: 'scripts/bench/workers/hits.ts', out: join(workDir, 'workers', 'hits.js') },
    misses: { entry: 'scripts/bench/workers/misses.ts', out: join(workDir, 'workers', 'misses.js') },
    memory: { entry: 'scripts/bench/workers/memory.ts', out: join(workDir, 'workers', 'memory.js') },
    cold: { entry: 'scripts/bench/workers/cold.ts', out: join(workDir, 'workers', 'cold.js') },
  };
  const metas = Object.fromEntries(
    await Promise.all(
      Object.entries(bundles).map(async ([name, b]) => {
        const r = await build({ ...STACK_BUNDLING, absWorkingDir: ROOT, entryPoints: [b.entry], outfile: b.out, metafile: true, logLevel: 'error' });
        return [name, r.metafile] as const;
      }),
    ),
  ) as Record<keyof typeof bundles, Metafile>;
  const bytes = (name: keyof typeof bundles) => statSync(bundles[name].out).size;

  // ---- DynamoDB Local and the data
  log('starting DynamoDB Local');
  dynamo = await startDynamoDbLocal();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_REGION: 'us-east-1',
    // DynamoDB Local accepts any credentials; these keep the SDK from looking further.
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    ...referenceEnv('keygate-bench', { KEYGATE_ALLOWED_ORIGINS: ORIGIN }),
    AWS_LAMBDA_FUNCTION_NAME: 'keygate-authorizer',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    // as Lambda sets it: without it Powertools never marks a cold start
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
  };
  const client = dynamo.client;
  const table = await createTable(client, env.TABLE_NAME);
  const accounts = new DynamoAccountStore(client, table);
  const credentials = new DynamoCredentialStore(client, table);
  const grantable = keyGrantable(REFERENCE_CATALOG);
  const now = Date.now();

  /** Users with one key each; `lastUsedAt` set now, so a decision makes no hourly write (steady state). */
  const seedKeys = async (count: number, keysPerUser: number): Promise<SeededKey[]> => {
    const users: string[] = [];
    await pool(Math.ceil(count / keysPerUser), 16, async (i) => {
      users[i] = (await accounts.createUser({ kind: 'human', email: `bench-${i}-${Math.random()}@example.com`, passwordHash: 'scrypt$' + 'x'.repeat(120) })).userId;
    });
    const keys: SeededKey[] = [];
    await pool(count, 16, async (i) => {
      const userId = users[Math.floor(i / keysPerUser)]!;
      const { token } = await issueKey(accounts, DEFAULT_PREFIXES, userId, 'user', { name: `bench key ${i}`, permissions: grantable });
      await credentials.touchKey(userId, token.id, now, now - LAST_USED_INTERVAL_MS);
      keys[i] = { value: token.value, userId, keyId: token.id };
    });
    return keys;
  };
  log('seeding users, keys and sessions');
  const hitKeys = await seedKeys(20, 1);
  const hitSessions: string[] = [];
  for (const k of hitKeys.slice(0, 10)) hitSessions.push((await issueSession(accounts, DEFAULT_PREFIXES, k.userId, now + 3600_000)).token.value);
  const missKeys = await seedKeys(COUNTS.missWarmup + COUNTS.missRounds, 4);
  const input: BenchInput = { table, hitKeys: hitKeys.map((k) => k.value), hitSessions, missKeys, counts: COUNTS };
  const inputFile = join(workDir, 'input.json');
  writeFileSync(inputFile, JSON.stringify(input));
  client.destroy();

  // ---- warm decisions from the cache, pinned to one core
  const longTtl = { ...env, KEYGATE_CACHE_TTL_SECONDS: '3600' };
  log(`cache hits: decision path, 3 × ${COUNTS.hitBlock} decisions + ${COUNTS.hitSamples} timed`);
  const hitsDecide = await runWorker<HitResult>(bundles.hits.out, [inputFile, 'decide'], longTtl, { pin: pinCore });
  log(`cache hits: whole handler (middy, Powertools Logger + Metrics to /dev/null)`);
  const hitsHandler = await runWorker<HitResult>(bundles.hits.out, [inputFile, 'handler'], longTtl, { pin: pinCore });

  // ---- cache misses against DynamoDB Local
  log(`cache misses: ${COUNTS.missRounds} rounds of GetItem / BatchGetItem / store lookup / decision`);
  const misses = await runWorker<MissResult>(bundles.misses.out, [inputFile], env);

  // ---- memory under a flood of invalid keys
  log(`memory: ${COUNTS.floodUnknown} unknown (checksum-valid) + ${COUNTS.floodMalformed} malformed keys`);
  const memory = await runWorker<MemoryResult>(bundles.memory.out, [inputFile], env, { execArgv: ['--expose-gc'] });

  // ---- cold starts: fresh processes, interleaved so drift hits every variant alike
  log(`cold starts: ${COUNTS.coldRuns} fresh processes per bundle`);
  const coldKey = hitKeys[0]!;
  const authEvent = join(workDir, 'auth-event.json');
  const bareEvent = join(workDir, 'bare-event.json');
  writeFileSync(authEvent, JSON.stringify(keyEvent(coldKey.value)));
  writeFileSync(bareEvent, JSON.stringify({ table, pk: userPk(coldKey.userId), sk: keySk(coldKey.keyId) }));
  const coldVariants = {
    bareClient: { bundle: bundles.bareClient.out, event: bareEvent },
    authorizer: { bundle: bundles.authorizer.out, event: authEvent },
    withoutPowertools: { bundle: bundles.withoutPowertools.out, event: authEvent },
  };
  const coldSamples: Record<keyof typeof coldVariants, ColdSample[]> = { bareClient: [], authorizer: [], withoutPowertools: [] };
  for (let run = 0; run < COUNTS.coldRuns; run++) {
    const order = Object.keys(coldVariants) as (keyof typeof coldVariants)[];
    if (run % 2) order.reverse();
    for (const v of order) coldSamples[v].push(await coldStart(bundles.cold.out, coldVariants[v].bundle, coldVariants[v].event, env, pinCore));
  }
  const coldMedians = Object.fromEntries(
    Object.entries(coldSamples).map(([v, xs]) => [
      v,
      {
        loadMs: round(median(xs.map((x) => x.loadMs))),
        localHttpMs: round(median(xs.map((x) => x.localHttpMs))),
        firstCallMs: round(median(xs.map((x) => x.firstCallMs))),
        totalMs: round(median(xs.map((x) => x.totalMs))),
        sinceProcessStartMs: round(median(xs.map((x) => x.sinceProcessStartMs))),
      },
    ]),
  ) as Record<keyof typeof coldVariants, ColdSample>;

  if (process.env.KEYGATE_BENCH_KEEP) log(`KEYGATE_BENCH_KEEP: bundles kept in ${workDir}`);
  log('stopping DynamoDB Local');
  await dynamo.stop();
  dynamo = undefined; // stopped: nothing for cleanUp to kill

  // ---- the document
  const hd = hitsDecide;
  const ms = misses;
  const mem = memory;
  const missReads = Object.values(ms.commands).reduce((s, n) => s + n, 0) / ms.decisions;
  const hitReads = (hd.reads ?? NaN) / hd.decisions;
  const cold = coldMedians;
  const coldRatio = round(cold.authorizer.totalMs / cold.bareClient.loadMs, 2);
  const coldLikeForLike = round(cold.authorizer.totalMs / cold.bareClient.totalMs, 2);
  const config = loadConfig(referenceEnv(table));

  const targets: Target[] = [
    { id: 'hit_throughput', description: 'cache hits, decisions per second on one core', target: '>= 50000', measured: hd.decisionsPerSecond, pass: hd.decisionsPerSecond >= 50_000 },
    { id: 'hit_p99', description: 'cache hits, p99 latency (µs)', target: '<= 50', measured: hd.p99Us, pass: hd.p99Us <= 50 },
    {
      id: 'hit_throughput_handler',
      description: 'cache hits through the whole handler (Powertools logs + EMF), decisions/s',
      target: '>= 50000',
      measured: hitsHandler.decisionsPerSecond,
      pass: hitsHandler.decisionsPerSecond >= 50_000,
    },
    { id: 'hit_p99_handler', description: 'cache hits through the whole handler, p99 latency (µs)', target: '<= 50', measured: hitsHandler.p99Us, pass: hitsHandler.p99Us <= 50 },
    { id: 'miss_ratio', description: 'cache-miss decision p50 / bare GetItem p50', target: '<= 1.2', measured: ms.decisionRatioToGetItem, pass: ms.decisionRatioToGetItem <= 1.2 },
    { id: 'cold_start_ratio', description: 'load authorizer + first decision / load bare DynamoDB client (medians)', target: '<= 1.5', measured: coldRatio, pass: coldRatio <= 1.5 },
    {
      id: 'cold_start_ratio_like_for_like',
      description: 'load authorizer + first decision / load bare client + first GetItem',
      target: '<= 1.5',
      measured: coldLikeForLike,
      pass: coldLikeForLike <= 1.5,
    },
    { id: 'flood_memory', description: 'RSS growth after the invalid-key flood (MB)', target: '<= 50', measured: mem.rssGrowthMB, pass: mem.rssGrowthMB <= 50 },
    { id: 'reads_per_miss', description: 'DynamoDB requests per cache-miss decision', target: '== 1', measured: round(missReads, 3), pass: missReads === 1 },
    { id: 'reads_per_hit', description: 'DynamoDB requests per cache-hit decision', target: '== 0', measured: round(hitReads, 5), pass: hitReads === 0 },
  ];

  const doc = {
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
      pinnedCore: TASKSET ? pinCore : null,
    },
    settings: {
      ...COUNTS,
      cacheTtlSeconds: config.cacheTtlMs / 1000,
      negativeCacheTtlSeconds: config.negativeCacheTtlMs / 1000,
      cacheMaxEntries: config.cacheMaxEntries,
      hitRunCacheTtlSeconds: 3600,
    },
    bundling: { esbuild: STACK_BUNDLING, matchesLib: bundlingMatchesStack() },
    hits: { decision: hitsDecide, handler: hitsHandler },
    misses,
    coldStart: {
      runs: COUNTS.coldRuns,
      ...coldMedians,
      ratios: {
        totalToBareLoad: coldRatio,
        totalToBareLoadAndGetItem: coldLikeForLike,
        loadToBareLoad: round(cold.authorizer.loadMs / cold.bareClient.loadMs, 2),
        /** the floor of the first ratio: the bare client's own load + first GetItem, to its load */
        bareClientOwnTotalToLoad: round(cold.bareClient.totalMs / cold.bareClient.loadMs, 2),
      },
      powertoolsAndMiddy: {
        loadMs: round(cold.authorizer.loadMs - cold.withoutPowertools.loadMs),
        totalMs: round(cold.authorizer.totalMs - cold.withoutPowertools.totalMs),
      },
    },
    bundle: {
      authorizerBytes: bytes('authorizer'),
      bareClientBytes: bytes('bareClient'),
      withoutPowertoolsBytes: bytes('withoutPowertools'),
      authorizerLargestParts: largestParts(metas.authorizer),
    },
    reads: {
      perCacheMissDecision: round(missReads, 3),
      perCacheHitDecision: round(hitReads, 5),
      cacheMissCommands: ms.commands,
      cacheHitCommands: hd.reads,
    },
    memory,
    targets,
  };
  return doc;
}

async function main(): Promise<void> {
  const doc = await measure();
  if (asJson) process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
  else printTable(doc);
  log(`done in ${doc.durationSeconds} s; DynamoDB Local stopped`);
}

type BenchDocument = Awaited<ReturnType<typeof measure>>;

function printTable(doc: BenchDocument): void {
  const { hits: h, misses: m, coldStart: c } = doc;
  const col = (v: unknown, width: number) => String(v).padStart(width);
  const lines = [
    `keygate authorizer benchmark: ${doc.machine.cpus} × ${doc.machine.cpuModel}, node ${doc.machine.node}, load average ${doc.machine.loadAverageAtStart.join(' ')} at start, ${doc.machine.loadAverageAtEnd.join(' ')} at end${doc.quick ? ' (QUICK RUN: numbers indicative only)' : ''}`,
    '',
    'cache hits, one core                 decisions/s    p50 µs    p99 µs',
    `  decision path                    ${col(h.decision.decisionsPerSecond, 13)} ${col(h.decision.p50Us, 9)} ${col(h.decision.p99Us, 9)}`,
    `  whole handler (logs + metrics)   ${col(h.handler.decisionsPerSecond, 13)} ${col(h.handler.p50Us, 9)} ${col(h.handler.p99Us, 9)}`,
    '',
    'cache misses, DynamoDB Local           p50 µs    p99 µs   p50 ÷ GetItem',
    ...(['getItem', 'batchGetItem', 'storeLookup', 'decision'] as const).map(
      (k) => `  ${k.padEnd(34)} ${col(m[k].p50Us, 9)} ${col(m[k].p99Us, 9)} ${col(round(m[k].p50Us / m.getItem.p50Us, 2), 15)}`,
    ),
    '',
    `cold start, median of ${c.runs} fresh processes   load ms   first call ms   total ms   (local http import ms)`,
    ...(['bareClient', 'withoutPowertools', 'authorizer'] as const).map(
      (k) => `  ${k.padEnd(36)} ${col(c[k].loadMs, 9)} ${col(c[k].firstCallMs, 15)} ${col(c[k].totalMs, 10)}   (${c[k].localHttpMs})`,
    ),
    `  authorizer total ÷ bare load ${c.ratios.totalToBareLoad}, ÷ bare load + GetItem ${c.ratios.totalToBareLoadAndGetItem}; load ÷ load ${c.ratios.loadToBareLoad}`,
    `  the bare client's own load + first GetItem ÷ its load (the floor of the first ratio): ${c.ratios.bareClientOwnTotalToLoad}`,
    `  Powertools + middy: ${c.powertoolsAndMiddy.loadMs} ms of load, ${c.powertoolsAndMiddy.totalMs} ms of load + first decision`,
    '  import(\'node:http\'), timed apart and in no total: the SDK makes it for http:// endpoints (DynamoDB Local) only',
    '',
    `bundle bytes: authorizer ${doc.bundle.authorizerBytes}, bare client ${doc.bundle.bareClientBytes}, authorizer without Powertools ${doc.bundle.withoutPowertoolsBytes}`,
    `DynamoDB requests per decision: cache miss ${doc.reads.perCacheMissDecision} ${JSON.stringify(doc.reads.cacheMissCommands)}, cache hit ${doc.reads.perCacheHitDecision}`,
    `flood: ${doc.memory.unknownKeys} unknown + ${doc.memory.malformedKeys} malformed keys in ${doc.memory.seconds} s, ${doc.memory.reads} reads, cache ${doc.memory.cacheEntries}/${doc.memory.cacheMaxEntries} entries;` +
      ` RSS +${doc.memory.rssGrowthMB} MB (peak +${doc.memory.peakRssGrowthMB}, after GC +${doc.memory.rssGrowthAfterGcMB});` +
      ` V8 heap reserved +${doc.memory.heapTotalGrowthMB} MB (young generation +${doc.memory.newSpaceGrowthMB}), live heap after GC +${doc.memory.heapUsedGrowthAfterGcMB} MB`,
    '',
    'targets',
    ...doc.targets.map((t) => `  ${t.pass ? 'PASS' : 'FAIL'}  ${t.description.padEnd(72)} ${col(t.measured, 9)}  (${t.target})`),
    '',
    `run time ${doc.durationSeconds} s`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(cleanUp);
