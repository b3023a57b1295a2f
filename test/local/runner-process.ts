/**
 * Starts the local runner as `npm start` does, in its own process group (so
 * a test can send Ctrl-C's SIGINT to the whole group), and waits for its
 * ready line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { READY_LINE } from '../../local/quickstart';
import { killQuietly } from '../../local/processes';
import { synthesize } from '../../local/synth';
import { freePort } from '../../fixtures/dynamodb';

export { freePort };
export const REPO_ROOT = join(__dirname, '..', '..');
export const CDK_OUT = join(REPO_ROOT, 'cdk.out');

/** Synthesizes the app once for all test files (the runner's own lock makes them take turns). */
export async function synthOnce(): Promise<void> {
  await synthesize(REPO_ROOT, CDK_OUT);
}

export interface StartedRunner {
  readonly port: number;
  readonly base: string;
  readonly process: ChildProcess;
  /** everything it printed so far, stdout and stderr */
  output(): string;
  /** Ctrl-C: SIGINT to the process group; resolves with the exit code */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

export interface StartOptions {
  readonly env?: Record<string, string | undefined>;
  /** the command; `npm start` unless given */
  readonly command?: readonly string[];
  /** don't wait for the ready line (for runs that are meant to fail) */
  readonly waitForReady?: boolean;
  readonly port?: number;
  /** where it runs; the repository unless given */
  readonly cwd?: string;
  /** how long it may take to be ready; 90 s unless given */
  readonly readyWithinMs?: number;
}

export async function startRunner(options: StartOptions = {}): Promise<StartedRunner> {
  const port = options.port ?? (await freePort());
  const [cmd, ...args] = options.command ?? ['npm', 'start', '--silent'];
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, PORT: String(port), ...options.env })) if (v !== undefined) env[k] = v;
  // The runner reaches DynamoDB Local on its own; the test run's endpoint must not leak in.
  delete env.AWS_ENDPOINT_URL_DYNAMODB;
  const child = spawn(cmd!, args, { cwd: options.cwd ?? REPO_ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const runner: StartedRunner = {
    port,
    base: `http://127.0.0.1:${port}`,
    process: child,
    output: () => out,
    exited,
    async stop(signal = 'SIGINT') {
      if (child.exitCode === null && child.signalCode === null) killQuietly(-child.pid!, signal);
      return exited;
    },
  };
  if (options.waitForReady === false) return runner;

  const readyWithinMs = options.readyWithinMs ?? 90_000;
  const deadline = Date.now() + readyWithinMs;
  while (!out.includes(READY_LINE)) {
    if (child.exitCode !== null) throw new Error(`the runner exited with ${child.exitCode} before it was ready:\n${out}`);
    if (Date.now() > deadline) {
      await runner.stop('SIGKILL');
      throw new Error(`the runner was not ready within ${readyWithinMs / 1000} s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return runner;
}

/** The DynamoDB Local pid a runner wrote into its data folder. */
export function javaPidOf(dataDir: string): number | undefined {
  const file = join(dataDir, 'runner.json');
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, 'utf8')) as { javaPid?: number }).javaPid;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A parsed JSON body; tests read its fields directly. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** A fetch that never follows redirects and returns the parsed JSON body too. */
export async function call(
  base: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: unknown; raw?: string } = {},
): Promise<{ status: number; headers: Headers; body: Json }> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | undefined = options.raw;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(base + path, { method, headers, ...(body !== undefined ? { body } : {}), redirect: 'manual' });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, headers: res.headers, body: parsed };
}
