/** The runner's settings, from its environment (PORT, KEYGATE_*); see docs/local-runner.md. */
import { join, resolve } from 'node:path';
import { RunnerError } from './errors';

export const REPO_ROOT = resolve(__dirname, '..');
/** The runner listens on loopback only. */
export const HOST = '127.0.0.1';

export interface RunnerOptions {
  readonly port: number;
  /** a cdk.out directory or a template file; set (without `app`) means "do not synthesize" */
  readonly cdkOut?: string;
  /** the CDK app folder (its cdk.json) synthesized into `cdkOut` when stale (`keygate dev`); unset: this repository's, when no `cdkOut` */
  readonly app?: string;
  readonly stack?: string;
  /** undefined: in memory */
  readonly dataDir?: string;
  readonly dynamoPort?: number;
  readonly forceSynth: boolean;
}

function portVar(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new RunnerError(`${name} has to be a port number (1–65535), got '${raw}'`);
  return n;
}

export function readOptions(env: NodeJS.ProcessEnv): RunnerOptions {
  const inMemory = env.KEYGATE_IN_MEMORY === '1' || env.KEYGATE_IN_MEMORY === 'true';
  const dynamoPort = portVar(env, 'KEYGATE_DYNAMODB_PORT');
  return {
    port: portVar(env, 'PORT') ?? 3000,
    ...(env.KEYGATE_CDK_OUT ? { cdkOut: resolve(env.KEYGATE_CDK_OUT) } : {}),
    ...(env.KEYGATE_STACK ? { stack: env.KEYGATE_STACK } : {}),
    ...(inMemory ? {} : { dataDir: resolve(env.KEYGATE_DATA_DIR || join(REPO_ROOT, '.keygate-data')) }),
    ...(dynamoPort ? { dynamoPort } : {}),
    forceSynth: env.KEYGATE_SYNTH === 'always',
  };
}
