/**
 * Warm decisions from the in-function cache, one core: the decision path
 * alone and the whole handler (its log line included), each in its own
 * worker (scripts/bench/workers/hits.ts).
 */
import type { HitResult } from '../input';
import { runWorker } from '../processes';
import type { RunContext } from './context';

/** The hit runs use a one-hour credential TTL so that every decision is a hit. */
export const HIT_RUN_CACHE_TTL_SECONDS = 3600;

export async function measureHits(run: RunContext): Promise<{ decision: HitResult; handler: HitResult }> {
  const { bundles, setup, counts, pinCore, log } = run;
  const env = { ...setup.env, KEYGATE_CACHE_TTL_SECONDS: String(HIT_RUN_CACHE_TTL_SECONDS) };
  log(`cache hits: decision path, 3 × ${counts.hitBlock} decisions + ${counts.hitSamples} timed`);
  const decision = await runWorker<HitResult>(bundles.files.hits, [setup.inputFile, 'decide'], env, { pin: pinCore });
  log('cache hits: whole handler (its log line and metrics to /dev/null)');
  const handler = await runWorker<HitResult>(bundles.files.hits, [setup.inputFile, 'handler'], env, { pin: pinCore });
  return { decision, handler };
}
