/** What each measurement gets from the run. */
import type { Bundles } from '../bundles';
import type { BenchCounts } from '../input';
import type { BenchSetup } from '../setup';

export interface RunContext {
  readonly bundles: Bundles;
  readonly setup: BenchSetup;
  readonly counts: BenchCounts;
  /** the core single-threaded workers are pinned to */
  readonly pinCore: number;
  readonly workDir: string;
  log(msg: string): void;
}
