/**
 * Stopping: what the runner started, stopped in a fixed order (no new
 * requests, then the functions, then their database), on Ctrl-C, SIGTERM,
 * SIGHUP, when the process that started it goes away, or after a failed
 * start. A second signal does not wait.
 */
import { killQuietly } from './processes';

/** In the order they stop. */
const STEPS = ['server', 'synth', 'lambdas', 'usagePlans', 'dynamo', 'dataDir'] as const;
export type Step = (typeof STEPS)[number];

export class Lifecycle {
  private readonly stops = new Map<Step, () => unknown>();
  private stopping: Promise<void> | undefined;
  /** DynamoDB Local's Java, killed outright on a second signal */
  javaPid: number | undefined;

  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  /** What stops `step` (one per step). */
  register(step: Step, stop: () => unknown): void {
    this.stops.set(step, stop);
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const step of STEPS) {
        try {
          await this.stops.get(step)?.();
        } catch (err) {
          console.error(`keygate: while stopping: ${(err as Error).message}`);
        }
      }
    })();
    return this.stopping;
  }

  private onSignal(signal: NodeJS.Signals): void {
    if (this.stopping) {
      // A second Ctrl-C: do not wait any longer.
      if (this.javaPid) killQuietly(this.javaPid, 'SIGKILL');
      process.exit(130);
    }
    console.log(`\n${signal}: stopping keygate …`);
    void this.stop().then(() => {
      console.log('stopped.');
      process.exit(0);
    });
  }

  /** Ctrl-C, SIGTERM and SIGHUP stop the runner; so does the end of the process that started it (npm, a terminal). */
  handleSignals(): void {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => this.onSignal(signal));
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent && !this.stopping) this.onSignal('SIGHUP');
    }, 1000).unref();
  }
}
