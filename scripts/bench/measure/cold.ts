/**
 * Cold starts: fresh `node` processes, one core, interleaved (bare client,
 * decision only, authorizer; reversed every other run) so that the machine's
 * drift hits every variant alike (scripts/bench/workers/cold.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keySk, userPk } from '../../../lambda/store/keys';
import { keyEvent } from '../input';
import { runTimed } from '../processes';
import { median, round } from '../stats';
import type { RunContext } from './context';

export interface ColdSample {
  loadMs: number;
  /** `import('node:http')`, which only an http:// endpoint (DynamoDB Local) costs; in no total (workers/cold.ts) */
  localHttpMs: number;
  firstCallMs: number;
  totalMs: number;
  sinceProcessStartMs: number;
  /** CPU time (user + system) of the load, the first call and both: what the machine's other load disturbs less */
  loadCpuMs: number;
  firstCallCpuMs: number;
  totalCpuMs: number;
}

const VARIANTS = ['bareClient', 'decisionOnly', 'authorizer'] as const;
type Variant = (typeof VARIANTS)[number];

export async function measureColdStarts({ bundles, setup, counts, pinCore, workDir, log }: RunContext) {
  log(`cold starts: ${counts.coldRuns} fresh processes per bundle`);
  const key = setup.input.hitKeys[0]!;
  const authEvent = join(workDir, 'auth-event.json');
  const bareEvent = join(workDir, 'bare-event.json');
  writeFileSync(authEvent, JSON.stringify(keyEvent(key.value)));
  writeFileSync(bareEvent, JSON.stringify({ table: setup.input.table, pk: userPk(key.userId), sk: keySk(key.keyId) }));
  const events: Record<Variant, string> = { bareClient: bareEvent, decisionOnly: authEvent, authorizer: authEvent };

  const samples: Record<Variant, ColdSample[]> = { bareClient: [], decisionOnly: [], authorizer: [] };
  for (let run = 0; run < counts.coldRuns; run++) {
    const order = run % 2 ? [...VARIANTS].reverse() : VARIANTS;
    for (const v of order) samples[v].push(await runTimed<ColdSample>(bundles.files.cold, [bundles.files[v], events[v]], setup.env, pinCore));
  }

  const medians = Object.fromEntries(VARIANTS.map((v) => [v, summarize(samples[v])])) as Record<Variant, ColdSample>;
  const { bareClient: bare, authorizer, decisionOnly } = medians;
  return {
    runs: counts.coldRuns,
    ...medians,
    ratios: {
      /** the target: load + first decision, to the bare client's load + first GetItem (medians) */
      totalToBareLoadAndGetItem: round(authorizer.totalMs / bare.totalMs, 3),
      /** the same ratio in each run (the two processes ran back to back), then the median: less drift */
      pairedTotalToBareLoadAndGetItem: round(median(samples.authorizer.map((a, i) => a.totalMs / samples.bareClient[i]!.totalMs)), 3),
      totalToBareLoad: round(authorizer.totalMs / bare.loadMs, 2),
      loadToBareLoad: round(authorizer.loadMs / bare.loadMs, 2),
      /** the first ratio in CPU time (medians): what this process computed, whatever else ran on the machine */
      cpuTotalToBareCpuTotal: round(authorizer.totalCpuMs / bare.totalCpuMs, 3),
      /** the bare client's own load + first GetItem, to its load */
      bareClientOwnTotalToLoad: round(bare.totalMs / bare.loadMs, 2),
    },
    /** what the decision's log line (and its metrics) adds: the authorizer minus the same handler without it */
    decisionLogLine: {
      loadMs: round(authorizer.loadMs - decisionOnly.loadMs),
      totalMs: round(authorizer.totalMs - decisionOnly.totalMs),
    },
  };
}

function summarize(xs: readonly ColdSample[]): ColdSample {
  const m = (k: keyof ColdSample) => round(median(xs.map((x) => x[k])));
  return {
    loadMs: m('loadMs'),
    localHttpMs: m('localHttpMs'),
    firstCallMs: m('firstCallMs'),
    totalMs: m('totalMs'),
    sinceProcessStartMs: m('sinceProcessStartMs'),
    loadCpuMs: m('loadCpuMs'),
    firstCallCpuMs: m('firstCallCpuMs'),
    totalCpuMs: m('totalCpuMs'),
  };
}
