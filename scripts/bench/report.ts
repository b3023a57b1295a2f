/** The benchmark's targets, and its document as a table. */
import type { CreditResult, HitResult, MemoryResult, MissResult } from './input';
import type { measureColdStarts } from './measure/cold';
import type { RouteTableResult } from './measure/routes';
import { round } from './stats';

export type ColdStartResult = Awaited<ReturnType<typeof measureColdStarts>>;

export interface Measured {
  readonly hits?: { readonly decision: HitResult; readonly handler: HitResult };
  readonly misses?: MissResult;
  /** cache hits on credit-carrying keys: the hit and its conditional write */
  readonly credits?: CreditResult;
  readonly memory?: MemoryResult;
  readonly coldStart?: ColdStartResult;
  /** large route tables: 50, 200 and 500 generated routes */
  readonly routes?: readonly RouteTableResult[];
}

export interface Target {
  readonly id: string;
  readonly description: string;
  readonly target: string;
  readonly measured: number;
  readonly pass: boolean;
}

const atLeast = (id: string, description: string, measured: number, min: number): Target => ({ id, description, target: `>= ${min}`, measured, pass: measured >= min });
const atMost = (id: string, description: string, measured: number, max: number): Target => ({ id, description, target: `<= ${max}`, measured, pass: measured <= max });

/** DynamoDB requests per decision, from the miss run (every one a miss) and the decision-path hit run. */
export function readsPerDecision(m: Measured) {
  return {
    perCacheMissDecision: m.misses ? round(Object.values(m.misses.commands).reduce((s, n) => s + n, 0) / m.misses.decisions, 3) : undefined,
    perCacheHitDecision: m.hits ? round((m.hits.decision.reads ?? NaN) / m.hits.decision.decisions, 5) : undefined,
    cacheMissCommands: m.misses?.commands,
    cacheHitCommands: m.hits?.decision.reads,
  };
}

/** The targets of docs/performance.md, for what was measured. */
export function targets(m: Measured): Target[] {
  const out: Target[] = [];
  const reads = readsPerDecision(m);
  if (m.hits) {
    const { decision: d, handler: h } = m.hits;
    out.push(
      atLeast('hit_throughput', 'cache hits, decision path, decisions per second on one core', d.decisionsPerSecond, 50_000),
      atMost('hit_p99', 'cache hits, decision path, p99 latency (µs)', d.p99Us, 50),
      atLeast('hit_throughput_handler', 'cache hits through the whole handler (with its log line), decisions/s', h.decisionsPerSecond, 50_000),
      atMost('hit_p99_handler', 'cache hits through the whole handler, p99 latency (µs)', h.p99Us, 50),
      { id: 'reads_per_hit', description: 'DynamoDB requests per cache-hit decision', target: '== 0', measured: reads.perCacheHitDecision!, pass: reads.perCacheHitDecision === 0 },
    );
  }
  if (m.misses) {
    out.push(
      atMost('miss_ratio', 'cache-miss decision p50 / bare GetItem p50', m.misses.decisionRatioToGetItem, 1.15),
      { id: 'reads_per_miss', description: 'DynamoDB requests per cache-miss decision', target: '== 1', measured: reads.perCacheMissDecision!, pass: reads.perCacheMissDecision === 1 },
    );
  }
  if (m.credits) {
    const c = m.credits;
    const updates = c.commands.UpdateItem ?? 0;
    const other = Object.entries(c.commands).filter(([k]) => k !== 'UpdateItem').reduce((s, [, n]) => s + n, 0);
    out.push({
      id: 'writes_per_credit_hit',
      description: 'DynamoDB requests per cache-hit decision on a credit-carrying key (UpdateItem, no read)',
      target: '== 1',
      measured: round((updates + other) / c.decisions, 3),
      pass: updates === c.decisions && other === 0,
    });
  }
  if (m.coldStart) {
    out.push(atMost('cold_start_ratio', 'load authorizer + first decision / load bare client + first GetItem', m.coldStart.ratios.totalToBareLoadAndGetItem, 1.1));
  }
  if (m.memory) out.push(atMost('flood_memory', 'RSS growth after the invalid-key flood (MB)', m.memory.rssGrowthMB, 50));
  return out;
}

export interface BenchDocument extends Measured {
  readonly generatedAt: string;
  readonly durationSeconds: number;
  readonly quick: boolean;
  readonly machine: {
    readonly cpus: number;
    readonly cpuModel: string | undefined;
    readonly memoryGB: number;
    readonly node: string;
    readonly loadAverageAtStart: number[];
    readonly loadAverageAtEnd: number[];
    readonly pinnedCore: number | null;
  };
  readonly settings: Readonly<Record<string, unknown>>;
  readonly bundling: { readonly esbuild: Readonly<Record<string, unknown>> };
  readonly bundle: { readonly authorizerBytes: number; readonly bareClientBytes: number; readonly decisionOnlyBytes: number; readonly authorizerLargestParts: Record<string, number> };
  readonly reads: ReturnType<typeof readsPerDecision>;
  readonly targets: Target[];
}

export function printTable(doc: BenchDocument): string {
  const col = (v: unknown, width: number) => String(v).padStart(width);
  const lines = [
    `keygate authorizer benchmark: ${doc.machine.cpus} × ${doc.machine.cpuModel}, node ${doc.machine.node}, load average ${doc.machine.loadAverageAtStart.join(' ')} at start, ${doc.machine.loadAverageAtEnd.join(' ')} at end${doc.quick ? ' (QUICK RUN: numbers indicative only)' : ''}`,
  ];
  const h = doc.hits;
  if (h) {
    lines.push(
      '',
      'cache hits, one core                 decisions/s    p50 µs    p99 µs',
      `  decision path                    ${col(h.decision.decisionsPerSecond, 13)} ${col(h.decision.p50Us, 9)} ${col(h.decision.p99Us, 9)}`,
      `  whole handler (with its log line) ${col(h.handler.decisionsPerSecond, 12)} ${col(h.handler.p50Us, 9)} ${col(h.handler.p99Us, 9)}   ${h.handler.stdoutBytesPerDecision} bytes of stdout per decision`,
    );
  }
  const m = doc.misses;
  if (m) {
    lines.push(
      '',
      'cache misses, DynamoDB Local           p50 µs    p99 µs   p50 ÷ GetItem',
      ...(['getItem', 'batchGetItem', 'storeLookup', 'decision'] as const).map(
        (k) => `  ${k.padEnd(34)} ${col(m[k].p50Us, 9)} ${col(m[k].p99Us, 9)} ${col(round(m[k].p50Us / m.getItem.p50Us, 3), 15)}`,
      ),
      `  paired median differences (µs): ${Object.entries(m.pairedMedianDifferenceUs).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    );
  }
  const cr = doc.credits;
  if (cr) {
    lines.push(
      '',
      'credit-carrying keys, cache hits, DynamoDB Local   p50 µs    p99 µs   p50 ÷ UpdateItem',
      ...(['updateItem', 'spendCredit', 'decision'] as const).map(
        (k) => `  ${k.padEnd(46)} ${col(cr[k].p50Us, 9)} ${col(cr[k].p99Us, 9)} ${col(round(cr[k].p50Us / cr.updateItem.p50Us, 3), 18)}`,
      ),
      `  paired median differences (µs): ${Object.entries(cr.pairedMedianDifferenceUs).map(([k, v]) => `${k} ${v}`).join(', ')}; cache hit ratio ${cr.cacheHitRatio}; requests ${JSON.stringify(cr.commands)} for ${cr.decisions} decisions`,
    );
  }
  const c = doc.coldStart;
  if (c) {
    lines.push(
      '',
      `cold start, median of ${c.runs} fresh processes   load ms   first call ms   total ms   (local http import ms)`,
      ...(['bareClient', 'decisionOnly', 'authorizer'] as const).map(
        (k) => `  ${k.padEnd(36)} ${col(c[k].loadMs, 9)} ${col(c[k].firstCallMs, 15)} ${col(c[k].totalMs, 10)}   (${c[k].localHttpMs})`,
      ),
      `  authorizer total ÷ bare load + GetItem ${c.ratios.totalToBareLoadAndGetItem} (paired per run: ${c.ratios.pairedTotalToBareLoadAndGetItem}); ÷ bare load ${c.ratios.totalToBareLoad}; load ÷ load ${c.ratios.loadToBareLoad}`,
      `  the decision's log line: ${c.decisionLogLine.loadMs} ms of load, ${c.decisionLogLine.totalMs} ms of load + first decision`,
      "  import('node:http'), timed apart and in no total: the SDK makes it for http:// endpoints (DynamoDB Local) only",
    );
  }
  if (doc.routes) {
    lines.push(
      '',
      'route tables (own + management routes)   synth ms (resources)   overlap µs   policy bytes all / one (compressed)   env / file bytes   hit p50 / p99 µs   miss p50 / p99 µs',
      ...doc.routes.map(
        (r) =>
          `  ${col(r.routes, 4)} (+${r.tableRoutes - r.routes}), ${col(r.permissions, 2)} permissions   ${col('ms' in r.synth ? `${r.synth.ms} (${[r.synth.resources, ...r.synth.nestedStackResources].join('+')})` : 'refused', 20)} ${col(r.overlapCheckUs, 12)} ${col(`${r.policyBytes.full.allPermissions} / ${r.policyBytes.full.onePermission} (${r.policyBytes.compressed.allPermissions} / ${r.policyBytes.compressed.onePermission})`, 36)} ${col(`${r.environmentBytes} / ${r.settingsFileBytes}`, 18)} ${col(`${r.hit.p50Us} / ${r.hit.p99Us}`, 18)} ${col(`${r.miss.decision.p50Us} / ${r.miss.decision.p99Us}`, 18)}`,
      ),
      ...doc.routes.flatMap((r) => ('error' in r.synth ? [`  ${r.routes} routes refused at synth: ${r.synth.error}`] : [])),
    );
  }
  lines.push('', `bundle bytes: authorizer ${doc.bundle.authorizerBytes}, bare client ${doc.bundle.bareClientBytes}, decision only ${doc.bundle.decisionOnlyBytes}`);
  if (doc.reads.perCacheMissDecision !== undefined || doc.reads.perCacheHitDecision !== undefined) {
    lines.push(`DynamoDB requests per decision: cache miss ${doc.reads.perCacheMissDecision ?? '-'} ${JSON.stringify(doc.reads.cacheMissCommands ?? {})}, cache hit ${doc.reads.perCacheHitDecision ?? '-'}`);
  }
  const mem = doc.memory;
  if (mem) {
    lines.push(
      `flood: ${mem.unknownKeys} unknown + ${mem.malformedKeys} malformed keys in ${mem.seconds} s, ${mem.reads} reads, cache ${mem.cacheEntries}/${mem.cacheMaxEntries} entries;` +
        ` RSS +${mem.rssGrowthMB} MB (peak +${mem.peakRssGrowthMB}, after GC +${mem.rssGrowthAfterGcMB});` +
        ` V8 heap reserved +${mem.heapTotalGrowthMB} MB (young generation +${mem.newSpaceGrowthMB}), live heap after GC +${mem.heapUsedGrowthAfterGcMB} MB`,
    );
  }
  lines.push(
    '',
    'targets',
    ...doc.targets.map((t) => `  ${t.pass ? 'PASS' : 'FAIL'}  ${t.description.padEnd(72)} ${col(t.measured, 9)}  (${t.target})`),
    '',
    `run time ${doc.durationSeconds} s`,
  );
  return lines.join('\n') + '\n';
}
