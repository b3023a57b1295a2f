/**
 * `npm start`: the synthesized keygate API on http://127.0.0.1:3000 with no
 * AWS account. Synthesizes the app (when cdk.out is stale), reads the
 * template and the bundled Lambdas from cdk.out, starts DynamoDB Local with
 * the template's tables, runs each function in a worker thread behind an
 * emulation of API Gateway's REST rules, and makes the first admin.
 * Ctrl-C stops everything it started. See docs/local-runner.md.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, relative, resolve } from 'node:path';
import { ENV, allowedOriginsFrom } from '../lambda/shared/config';
import { ensureAdmin, type AdminSeed } from './admin';
import { loadStack } from './assembly';
import { CONSOLE_PATH, consolePage, consoleRoute, keyPermissions, type ConsolePage } from './console-page';
import { checkJava, ensureTables, startDynamo, type RunningDynamo } from './dynamo';
import { RunnerError } from './errors';
import { Gateway, matchResource } from './gateway';
import { LambdaHost } from './lambda-host';
import { buildModel, type AppModel, type FunctionDef } from './model';
import { openApiRoute, servedOpenApi, OPENAPI_PATH, type OpenApiFile } from './openapi';
import { freePort } from './ports';
import { alive, killQuietly } from './processes';
import { quickStart } from './quickstart';
import { cancelSynth, synthesize } from './synth';

const REPO_ROOT = resolve(__dirname, '..');
const HOST = '127.0.0.1';
/** The account id in ARNs; nothing checks it locally. */
const ACCOUNT = '000000000000';

export interface RunnerOptions {
  readonly port: number;
  /** a cdk.out directory or a template file; set means "do not synthesize" */
  readonly cdkOut?: string;
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

/** What is running, stopped in this order: no new requests, then the functions, then their database. */
const running: {
  server?: () => Promise<void>;
  synth?: () => void;
  lambdas?: () => Promise<void>;
  dynamo?: () => Promise<void>;
  dataDir?: () => void;
} = {};
let stopping: Promise<void> | undefined;
let javaPid: number | undefined;

function stopEverything(): Promise<void> {
  stopping ??= (async () => {
    for (const stop of [running.server, running.synth, running.lambdas, running.dynamo, running.dataDir]) {
      try {
        await stop?.();
      } catch (err) {
        console.error(`keygate: while stopping: ${(err as Error).message}`);
      }
    }
  })();
  return stopping;
}

function onSignal(signal: NodeJS.Signals): void {
  if (stopping) {
    // A second Ctrl-C: do not wait any longer.
    if (javaPid) killQuietly(javaPid, 'SIGKILL');
    process.exit(130);
  }
  console.log(`\n${signal}: stopping keygate …`);
  void stopEverything().then(() => {
    console.log('stopped.');
    process.exit(0);
  });
}

/** Refuses a data folder another runner uses; stops the DynamoDB Local a killed runner left behind. */
function claimDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'runner.json');
  if (existsSync(file)) {
    let previous: { pid?: number; javaPid?: number } = {};
    try {
      previous = JSON.parse(readFileSync(file, 'utf8')) as typeof previous;
    } catch {
      // unreadable: treat as stale
    }
    if (previous.pid && previous.pid !== process.pid && alive(previous.pid)) {
      throw new RunnerError(`another keygate runner (pid ${previous.pid}) uses ${dataDir}`, 'stop it (Ctrl-C in its terminal), or set KEYGATE_DATA_DIR to another folder or KEYGATE_IN_MEMORY=1');
    }
    if (previous.javaPid && isDynamoDbLocal(previous.javaPid)) {
      console.log(`stopping the DynamoDB Local (pid ${previous.javaPid}) that a killed runner left behind`);
      killQuietly(previous.javaPid, 'SIGKILL');
    }
  }
  writeFileSync(file, JSON.stringify({ pid: process.pid }));
  running.dataDir = () => rmSync(file, { force: true });
}

/** Only a process whose command line is DynamoDB Local's (Linux /proc; elsewhere never). */
function isDynamoDbLocal(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('DynamoDBLocal.jar');
  } catch {
    return false;
  }
}

/** What the server answers with once the API is ready. */
interface Handler {
  current?: Gateway;
  /** the local console at /_keygate/ (never deployed) */
  console?: ConsolePage;
  /** the served app's OpenAPI document at /openapi.json */
  openapi?: OpenApiFile;
}

/** Listens first, so a busy port fails fast; answers 503 until the API is ready. */
async function listen(port: number, handler: Handler): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const gateway = handler.current;
      if (!gateway) {
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' }).end('{"message":"keygate is starting"}');
        return;
      }
      // The local console: GET or HEAD of exactly /_keygate/. Every other request goes to the gateway.
      const page = handler.console && consoleRoute(handler.console, req.method ?? 'GET', req.url ?? '/');
      if (page) {
        res.writeHead(200, page.headers.flat()).end(page.body);
        console.log(`${req.method} ${CONSOLE_PATH} → 200 (local console)`);
        return;
      }
      const openapi = openApiRoute(handler.openapi, req.method ?? 'GET', req.url ?? '/');
      if (openapi) {
        res.writeHead(200, openapi.headers.flat()).end(openapi.body);
        console.log(`${req.method} ${OPENAPI_PATH} → 200 (OpenAPI document)`);
        return;
      }
      const started = Date.now();
      gateway
        .handle({
          method: req.method ?? 'GET',
          url: req.url ?? '/',
          rawHeaders: req.rawHeaders,
          body: Buffer.concat(chunks),
          sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
        })
        .then(
          (out) => {
            res.writeHead(out.statusCode, out.headers.flat()).end(out.body);
            // The path only: a query string could carry something secret.
            const path = (req.url ?? '/').split('?')[0];
            console.log(`${req.method} ${path} → ${out.statusCode}${out.responseType ? ` ${out.responseType}` : ''} (${Date.now() - started} ms)`);
          },
          (err: Error) => {
            console.error(`keygate: internal error: ${err.stack}`);
            res.writeHead(500, { 'content-type': 'application/json' }).end('{"message":"Internal server error"}');
          },
        );
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new RunnerError(`port ${port} on ${HOST} is in use (another \`npm start\`?)`, `stop what uses it, or pick another port: PORT=${port + 1} npm start`)
          : err,
      ),
    );
    server.listen(port, HOST, () => resolveListen());
  });
  running.server = () =>
    new Promise<void>((done) => {
      server.close(() => done());
      server.closeAllConnections();
    });
  return server;
}

/** What the runner adds to a function's own environment. */
function lambdaEnvironment(fn: FunctionDef, model: AppModel, dynamoEndpoint: string, origins: readonly string[]): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    // Powertools metrics would print CloudWatch EMF blobs on every call; nothing reads them locally.
    POWERTOOLS_METRICS_DISABLED: 'true',
    ...fn.environment,
    [ENV.allowedOrigins]: [...allowedOriginsFrom(fn.environment), ...origins].join(','),
    AWS_REGION: model.region,
    AWS_DEFAULT_REGION: model.region,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: 'local',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    LAMBDA_TASK_ROOT: fn.codeDir,
    _HANDLER: fn.handler,
  };
}

/** `AuthFunctionA1CD5E0F` → `AuthFunction`, for log prefixes. */
function shortName(fn: FunctionDef): string {
  return fn.logicalId.replace(/[0-9A-F]{8}$/, '');
}

export async function run(options: RunnerOptions, env: NodeJS.ProcessEnv): Promise<void> {
  const t0 = Date.now();
  const handler: Handler = {};
  await listen(options.port, handler);
  const base = `http://${HOST}:${options.port}`;

  // DynamoDB Local needs nothing from the app: Java starts while the app is synthesized and read.
  if (options.dataDir) claimDataDir(options.dataDir);
  checkJava();
  const dynamoPort = options.dynamoPort ?? (await freePort(HOST));
  const region = env.AWS_REGION ?? 'us-east-1';
  const dynamoStarting = startDynamo({
    port: dynamoPort,
    region,
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    onSpawn: (stop, pid) => {
      javaPid = pid;
      running.dynamo = stop;
      // Recorded at once, so a start after a SIGKILL can find and stop this Java.
      if (options.dataDir) writeFileSync(join(options.dataDir, 'runner.json'), JSON.stringify({ pid: process.pid, javaPid }));
      // A signal came while Java was being spawned: it missed the stop.
      if (stopping) void stop();
    },
  });
  // Awaited below; if the synth fails first, this keeps its rejection from going unhandled.
  dynamoStarting.catch(() => undefined);

  let cdkOut = options.cdkOut;
  if (!cdkOut) {
    cdkOut = join(REPO_ROOT, 'cdk.out');
    running.synth = cancelSynth;
    await synthesize(REPO_ROOT, cdkOut, { force: options.forceSynth, log: (l) => console.log(l) });
  }
  const stack = loadStack(cdkOut, options.stack);
  const model = buildModel(stack.template, { assemblyDir: stack.assemblyDir, stackName: stack.stackName, region: stack.region ?? region, account: ACCOUNT });
  for (const w of model.warnings) console.warn(`keygate: warning: ${w}`);
  for (const fn of model.functions.values()) {
    if (!existsSync(fn.codeDir)) throw new RunnerError(`the bundle of ${fn.logicalId} is missing: ${fn.codeDir}`, 'run `npx cdk synth` again (or KEYGATE_SYNTH=always npm start)');
  }

  const origins = [base, `http://localhost:${options.port}`];
  const host = new LambdaHost(model.functions, {
    environment: (fn) => lambdaEnvironment(fn, model, `http://${HOST}:${dynamoPort}`, origins),
    log: (fn, line) => console.log(`  [${shortName(fn)}] ${line}`),
  });
  running.lambdas = () => host.stop();
  const [dynamo, failures] = await Promise.all([dynamoStarting, host.start()]);
  await ensureTables(dynamo.client, model.tables, (l) => console.warn(`keygate: warning: ${l}`));
  for (const [fn, f] of failures) if (!f.ok) console.error(`keygate: ${fn.logicalId} failed to start (${f.errorType}): ${f.errorMessage}; its routes answer 502 until it is fixed`);

  const admin = await seedAdmin(model, dynamo, env);
  // An API with its own route at /_keygate/ keeps it: the console then stays off.
  const taken = matchResource(model.api.root, CONSOLE_PATH)?.node.methods;
  const consoleOn = !taken?.has('GET') && !taken?.has('ANY');
  if (consoleOn) handler.console = consolePage(keyPermissions(model.functions.values()), admin?.email);
  else console.warn(`keygate: warning: the API has a route at ${CONSOLE_PATH}, so the local console is not served`);
  // Likewise an API with its own /openapi.json keeps it.
  const docTaken = matchResource(model.api.root, OPENAPI_PATH)?.node.methods;
  if (!docTaken?.has('GET') && !docTaken?.has('ANY')) handler.openapi = servedOpenApi(model, base);
  handler.current = new Gateway(model, host.invoke);
  console.log(
    quickStart({
      base,
      ...(consoleOn ? { consoleUrl: base + CONSOLE_PATH } : {}),
      stackName: model.stackName,
      stage: model.api.stage,
      template: relative(process.cwd(), stack.templatePath) || stack.templatePath,
      dynamoEndpoint: dynamo.endpoint,
      region: model.region,
      tables: model.tables.map((t) => t.name),
      dataDir: options.dataDir ? relative(process.cwd(), options.dataDir) || options.dataDir : undefined,
      admin,
      startedInMs: Date.now() - t0,
    }),
  );
}

async function seedAdmin(model: AppModel, dynamo: RunningDynamo, env: NodeJS.ProcessEnv): Promise<AdminSeed | undefined> {
  // The table the functions are told to use.
  const tableName = [...model.functions.values()].map((f) => f.environment[ENV.tableName]).find(Boolean) ?? model.tables[0]?.name;
  if (!tableName) return undefined;
  return ensureAdmin(dynamo.client, tableName, env);
}

async function main(): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => onSignal(signal));
  // If whatever started us (npm, a terminal) goes away without a signal, stop too.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent && !stopping) onSignal('SIGHUP');
  }, 1000).unref();
  try {
    await run(readOptions(process.env), process.env);
  } catch (err) {
    if (err instanceof RunnerError) {
      console.error(`\nkeygate: ${err.message}${err.fix ? `\n  fix: ${err.fix}` : ''}\n`);
    } else {
      console.error(`\nkeygate: failed to start: ${(err as Error).stack ?? String(err)}\n`);
    }
    await stopEverything();
    process.exit(1);
  }
}

if (require.main === module) void main();
