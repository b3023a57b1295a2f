/** Small statistics and process helpers shared by the benchmark and its workers. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { readFileSync } from 'node:fs';

export interface Latency {
  readonly samples: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly meanUs: number;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

export const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** Summary of durations given in microseconds. */
export function latency(us: readonly number[]): Latency {
  const sorted = [...us].sort((a, b) => a - b);
  const mean = sorted.reduce((s, x) => s + x, 0) / sorted.length;
  return { samples: sorted.length, p50Us: round(percentile(sorted, 50)), p99Us: round(percentile(sorted, 99)), meanUs: round(mean) };
}

/** Microseconds since `start` (a `process.hrtime.bigint()`). */
export function usSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1000;
}

/** Fisher–Yates, in place. */
export function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/** Runs `fn(0)` … `fn(count - 1)`, at most `concurrency` at a time. */
export async function pool(count: number, concurrency: number, fn: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        await fn(i);
      }
    }),
  );
}

/** Workers send exactly one message: their result. */
export function report(result: unknown): void {
  if (!process.send) throw new Error('run this worker through scripts/bench.ts');
  process.send(result, () => process.exit(0));
}

/** Reads the worker's input, a JSON file named by the first argument. */
export function workerInput<T>(): T {
  const file = process.argv[2];
  if (!file) throw new Error('usage: <worker> <input.json>');
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** Counts, on the real client, the commands it sends while `on` is true. */
export interface CommandCounter {
  on: boolean;
  readonly counts: Map<string, number>;
  total(): number;
}

export function countCommands(client: DynamoDBClient): CommandCounter {
  const counter: CommandCounter = {
    on: true,
    counts: new Map(),
    total: () => [...counter.counts.values()].reduce((s, n) => s + n, 0),
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (counter.on) {
        const name = (context.commandName ?? 'unknown').replace(/Command$/, '');
        counter.counts.set(name, (counter.counts.get(name) ?? 0) + 1);
      }
      return next(args);
    },
    { step: 'initialize', name: 'benchCountCommands' },
  );
  return counter;
}
