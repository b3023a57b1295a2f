/** Cache misses against DynamoDB Local, beside a bare GetItem (scripts/bench/workers/misses.ts). */
import type { MissResult } from '../input';
import { runWorker } from '../processes';
import type { RunContext } from './context';

export async function measureMisses({ bundles, setup, counts, log }: RunContext): Promise<MissResult> {
  log(`cache misses: ${counts.missRounds} rounds of GetItem / BatchGetItem / store lookup / decision`);
  return runWorker<MissResult>(bundles.files.misses, [setup.inputFile], setup.env);
}
