/** One warm authorizer under a flood of invalid keys (scripts/bench/workers/memory.ts). */
import type { MemoryResult } from '../input';
import { runWorker } from '../processes';
import type { RunContext } from './context';

export async function measureMemory({ bundles, setup, counts, log }: RunContext): Promise<MemoryResult> {
  log(`memory: ${counts.floodUnknown} unknown (checksum-valid) + ${counts.floodMalformed} malformed keys`);
  return runWorker<MemoryResult>(bundles.files.memory, [setup.inputFile], setup.env, { execArgv: ['--expose-gc'] });
}
