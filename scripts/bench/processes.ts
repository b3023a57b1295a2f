/**
 * The benchmark's child processes: workers (one result over IPC), cold
 * starts (timings on fd 3), and DynamoDB Local, all stopped on success,
 * failure or Ctrl-C, with the temporary folder.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import type { RunningDynamo } from '../../fixtures/dynamodb';
import { killQuietly } from '../../local/processes';

const TASKSET = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

/** Whether workers can be pinned to one core (taskset is there). */
export const canPin = TASKSET;

/** `node <nodeArgs>`, pinned to one core when taskset is there and `pin` is given. */
function nodeCommand(nodeArgs: string[], pin?: number): [string, string[]] {
  return pin !== undefined && TASKSET ? ['taskset', ['-c', String(pin), process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
}

const children = new Set<ChildProcess>();
let dynamo: RunningDynamo | undefined;
let workDir: string | undefined;

/** Kills every child still running and DynamoDB Local, and removes the run's folder (unless KEYGATE_BENCH_KEEP is set). */
export function cleanUp(): void {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  if (dynamo?.pid !== undefined) killQuietly(dynamo.pid, 'SIGKILL');
  if (workDir && !process.env.KEYGATE_BENCH_KEEP) rmSync(workDir, { recursive: true, force: true });
}

/** Stops everything the benchmark started when the process ends, however it ends. */
export function cleanUpOnExit(): void {
  process.on('exit', cleanUp);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      cleanUp();
      process.exit(130);
    });
  }
}

/** What cleanUp stops and removes: the run's DynamoDB Local (undefined once stopped) and its folder. */
export function track(what: { dynamo?: RunningDynamo | undefined; workDir?: string }): void {
  if ('dynamo' in what) dynamo = what.dynamo;
  if (what.workDir) workDir = what.workDir;
}

/** Runs `node [execArgv] file args`, optionally pinned to one core, and returns the one message it sends. */
export function runWorker<T>(file: string, workerArgs: string[], env: NodeJS.ProcessEnv, opts: { execArgv?: string[]; pin?: number } = {}): Promise<T> {
  const [cmd, argv] = nodeCommand([...(opts.execArgv ?? []), file, ...workerArgs], opts.pin);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    children.add(child);
    let result: T | undefined;
    child.on('message', (m) => (result = m as T));
    child.on('error', reject);
    child.on('exit', (code) => {
      children.delete(child);
      if (result) resolve(result);
      else reject(new Error(`${file} ${workerArgs.join(' ')} exited with ${code} and no result`));
    });
  });
}

/** Runs `node <runner> <args>` pinned to one core and parses the JSON it writes to fd 3. */
export function runTimed<T>(runner: string, runnerArgs: string[], env: NodeJS.ProcessEnv, pin: number): Promise<T> {
  const [cmd, argv] = nodeCommand([runner, ...runnerArgs], pin);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { env, stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    let err = '';
    child.stdio[3]!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      children.delete(child);
      if (code === 0 && out) resolve(JSON.parse(out) as T);
      else reject(new Error(`${runner} ${runnerArgs.join(' ')} failed (${code}): ${err.slice(0, 2000)}`));
    });
  });
}
