/** Cache hits on credit-carrying keys: the hit plus its conditional write (scripts/bench/workers/credits.ts). */
import type { CreditResult } from '../input';
import { runWorker } from '../processes';
import type { RunContext } from './context';
import { HIT_RUN_CACHE_TTL_SECONDS } from './hits';

export async function measureCredits({ bundles, setup, counts, log }: RunContext): Promise<CreditResult> {
  log(`credit-carrying keys: ${counts.missRounds} rounds of UpdateItem / spendCredit / decision (cache hit + its write)`);
  // The hit runs' long TTL: every measured decision is a hit, so its cost is the write's.
  return runWorker<CreditResult>(bundles.files.credits, [setup.inputFile], { ...setup.env, KEYGATE_CACHE_TTL_SECONDS: String(HIT_RUN_CACHE_TTL_SECONDS) });
}
