/**
 * Runs each function of the template in its own worker thread (see
 * lambda-worker.cjs) with its own environment, and invokes it with Lambda's
 * rules that matter here: the configured timeout (after which the
 * environment is thrown away, as Lambda does), errors as
 * `{ errorType, errorMessage }`, and a crashed or failed environment started
 * afresh on the next call.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import type { InvokeResult } from './gateway';
import type { FunctionDef } from './model';

interface Pending {
  readonly resolve: (r: InvokeResult) => void;
  readonly timer: NodeJS.Timeout;
}

interface Environment {
  readonly logicalId: string;
  readonly worker: Worker;
  /** resolves with an init error, or undefined when the handler is loaded */
  readonly ready: Promise<InvokeResult | undefined>;
  readonly pending: Map<number, Pending>;
}

export interface LambdaHostOptions {
  /** variables the runner adds or overrides for one function (endpoint, credentials, …) */
  readonly environment: (fn: FunctionDef) => Record<string, string>;
  /** one line of a function's console output */
  readonly log: (fn: FunctionDef, line: string) => void;
}

const WORKER = join(__dirname, 'lambda-worker.cjs');

export class LambdaHost {
  private readonly environments = new Map<string, Environment>();
  private nextId = 1;
  private stopped = false;

  constructor(
    private readonly functions: ReadonlyMap<string, FunctionDef>,
    private readonly options: LambdaHostOptions,
  ) {}

  /** Starts every function once, so init errors show at start-up; returns them by function. */
  async start(): Promise<Map<FunctionDef, InvokeResult>> {
    const failures = new Map<FunctionDef, InvokeResult>();
    await Promise.all(
      [...this.functions.values()].map(async (fn) => {
        const error = await this.environment(fn).ready;
        if (error) failures.set(fn, error);
      }),
    );
    return failures;
  }

  invoke = async (functionId: string, event: unknown): Promise<InvokeResult> => {
    const fn = this.functions.get(functionId);
    if (!fn) return { ok: false, errorType: 'ResourceNotFoundException', errorMessage: `no function ${functionId}` };
    if (this.stopped) return { ok: false, errorType: 'ServiceException', errorMessage: 'the runner is stopping' };
    const env = this.environment(fn);
    const initError = await env.ready;
    if (initError) return initError;
    const id = this.nextId++;
    const deadline = Date.now() + fn.timeoutMs;
    return new Promise<InvokeResult>((resolve) => {
      const timer = setTimeout(() => {
        void this.discard(env, { ok: false, errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${(fn.timeoutMs / 1000).toFixed(2)} seconds` });
      }, fn.timeoutMs);
      env.pending.set(id, { resolve, timer });
      env.worker.postMessage({ id, event, deadline });
    });
  };

  async stop(): Promise<void> {
    this.stopped = true;
    const envs = [...this.environments.values()];
    await Promise.all(envs.map((env) => this.discard(env, { ok: false, errorType: 'ServiceException', errorMessage: 'the runner is stopping' })));
  }

  private environment(fn: FunctionDef): Environment {
    const existing = this.environments.get(fn.logicalId);
    if (existing) return existing;
    const worker = new Worker(WORKER, {
      env: this.options.environment(fn),
      workerData: { codeDir: fn.codeDir, handler: fn.handler, functionName: fn.name, functionArn: fn.arn, memoryMb: fn.memoryMb },
      // No TypeScript loader in a Lambda: the bundle runs on plain Node.
      execArgv: [],
      stdout: true,
      stderr: true,
    });
    const pending = new Map<number, Pending>();
    let settleReady: (r: InvokeResult | undefined) => void = () => undefined;
    const ready = new Promise<InvokeResult | undefined>((resolve) => (settleReady = resolve));
    const env: Environment = { logicalId: fn.logicalId, worker, ready, pending };
    this.environments.set(fn.logicalId, env);
    this.pipe(fn, worker.stdout);
    this.pipe(fn, worker.stderr);

    worker.on('message', (msg: { type: string; id?: number; ok?: boolean; json?: string; error?: { errorType: string; errorMessage: string } }) => {
      if (msg.type === 'ready') return settleReady(undefined);
      if (msg.type === 'init-error') {
        const error: InvokeResult = { ok: false, errorType: msg.error!.errorType, errorMessage: msg.error!.errorMessage };
        settleReady(error);
        // Lambda tries the init again on the next call.
        void this.discard(env, error);
        return;
      }
      const p = pending.get(msg.id!);
      if (!p) return;
      pending.delete(msg.id!);
      clearTimeout(p.timer);
      p.resolve(msg.ok ? { ok: true, value: JSON.parse(msg.json!) } : { ok: false, errorType: msg.error!.errorType, errorMessage: msg.error!.errorMessage });
    });
    const crashed = (errorType: string, errorMessage: string) => {
      const error: InvokeResult = { ok: false, errorType, errorMessage };
      settleReady(error);
      void this.discard(env, error);
    };
    worker.on('error', (err) => crashed('Runtime.ExitError', `the function crashed: ${err.message}`));
    worker.on('exit', (code) => crashed('Runtime.ExitError', `the function exited with code ${code}`));
    return env;
  }

  /** Ends an environment and fails what it was still doing; once (its worker's exit calls this again). */
  private async discard(env: Environment, error: InvokeResult): Promise<void> {
    if (this.environments.get(env.logicalId) !== env) return;
    this.environments.delete(env.logicalId);
    for (const p of env.pending.values()) {
      clearTimeout(p.timer);
      p.resolve(error);
    }
    env.pending.clear();
    await env.worker.terminate();
  }

  private pipe(fn: FunctionDef, stream: Readable): void {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => this.options.log(fn, line));
  }
}
