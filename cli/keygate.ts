/**
 * `keygate`: the admin CLI. Makes the first admin after `cdk deploy`, and bot
 * accounts and their keys, straight in a keygate table. It reaches DynamoDB
 * through the AWS SDK's standard settings (AWS_REGION, AWS_PROFILE or keys,
 * AWS_ENDPOINT_URL_DYNAMODB), and applies the same rules as the admin API.
 *
 * Exit codes: 0 done, 1 refused or failed, 2 wrong usage.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { CLI_ACTOR } from '../lambda/management/audit';
import { buildDeps, type ManagementDeps } from '../lambda/management/deps';
import { createKeyBody, createUserBody } from '../lambda/management/schemas';
import { createBotKey, createUser } from '../lambda/management/user-service';
import { userView } from '../lambda/management/views';
import { HttpError } from '../lambda/shared/errors';
import { validateBody } from '../lambda/shared/http';
import { configEnvironment } from '../lambda/shared/config';
import { SETTINGS_KEY, SettingsError, readSettings } from '../lambda/shared/deployment-settings';
import { loadManagementConfig } from '../lambda/shared/management-config';

export const USAGE = `Usage:
  keygate create-user --table NAME --email E [--admin] [--bot]
      Creates a user and prints it as JSON. A human's password is read from
      KEYGATE_PASSWORD, or else from standard input (one line). Bots have no
      password and cannot log in.
  keygate create-key --table NAME --user USERID --name N --permissions a,b [--expires-in-days D]
      Creates a key for a bot and prints it as JSON. The key is shown this once.
  keygate --help

The deployment's permission catalog and key prefixes are read from the
table's settings item, which the keygate construct writes at deploy time (and
the local runner when it starts).

The table is reached through the AWS SDK's standard settings: AWS_REGION,
AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL_DYNAMODB.

Exit codes: 0 done, 1 refused or failed, 2 wrong usage.
`;

export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
}

const processIo: CliIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  stdin: process.stdin,
  env: process.env,
};

class UsageError extends Error {}

const OPTIONS = {
  table: { type: 'string' },
  email: { type: 'string' },
  admin: { type: 'boolean' },
  bot: { type: 'boolean' },
  user: { type: 'string' },
  name: { type: 'string' },
  permissions: { type: 'string' },
  'expires-in-days': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function required(values: Record<string, unknown>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

/** One line from standard input; on a terminal, prompted and not echoed. */
async function readPassword(io: CliIo, email: string): Promise<string> {
  if (io.stdin.isTTY) {
    io.err(`Password for ${email}: `);
    const mute = new Writable({ write: (_chunk, _enc, done) => done() });
    const rl = createInterface({ input: io.stdin, output: mute, terminal: true });
    const line = await new Promise<string>((resolve) => rl.once('line', resolve));
    rl.close();
    io.err('\n');
    return line;
  }
  let text = '';
  for await (const chunk of io.stdin) text += chunk.toString();
  return text.replace(/\r?\n$/, '');
}

type DepsFor = (table: string) => Promise<ManagementDeps>;

/** The deployment's settings from its table, as its Lambdas get them. */
async function depsFor(client: DynamoDBClient, table: string, env: NodeJS.ProcessEnv): Promise<ManagementDeps> {
  const { Item } = await client.send(new GetItemCommand({ TableName: table, Key: SETTINGS_KEY, ConsistentRead: true }));
  const settings = readSettings(Item);
  const configEnv = configEnvironment(table, { ...settings, routes: [], allowedOrigins: [], cacheTtlSeconds: 0 });
  return buildDeps(loadManagementConfig({ ...env, ...configEnv }), client);
}

async function createUserCommand(values: Record<string, unknown>, io: CliIo, deps: DepsFor): Promise<void> {
  const table = required(values, 'table');
  const email = required(values, 'email');
  const kind = values.bot === true ? 'bot' : 'human';
  const password = kind === 'bot' ? undefined : (io.env.KEYGATE_PASSWORD ?? (await readPassword(io, email)));
  const input = validateBody({ email, kind, ...(values.admin === true ? { admin: true } : {}), ...(password !== undefined ? { password } : {}) }, createUserBody);
  const user = await createUser(await deps(table), input, CLI_ACTOR);
  io.out(JSON.stringify(userView(user), null, 2) + '\n');
}

async function createKeyCommand(values: Record<string, unknown>, io: CliIo, deps: DepsFor): Promise<void> {
  const table = required(values, 'table');
  const userId = required(values, 'user');
  const days = values['expires-in-days'];
  const input = validateBody(
    {
      name: required(values, 'name'),
      permissions: required(values, 'permissions').split(',').map((p) => p.trim()).filter(Boolean),
      ...(typeof days === 'string' ? { expiresInDays: Number(days) } : {}),
    },
    createKeyBody,
  );
  const key = await createBotKey(await deps(table), userId, input, CLI_ACTOR);
  io.out(JSON.stringify(key, null, 2) + '\n');
}

/** What went wrong, in one line; never a stack trace. */
function describeFailure(err: unknown): string {
  if (err instanceof HttpError || err instanceof SettingsError) return err.message;
  const e = err as { name?: string; message?: string };
  if (e.name === 'ResourceNotFoundException') return `table not found: ${e.message ?? ''}`.trim();
  return `${e.name ?? 'Error'}: ${e.message ?? String(err)}`;
}

export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? io.err : io.out)(USAGE);
    return command === undefined ? 2 : 0;
  }
  let client: DynamoDBClient | undefined;
  const deps = (table: string) => {
    client = new DynamoDBClient({});
    return depsFor(client, table, io.env);
  };
  try {
    const { values } = parseArgs({ args: [...rest], options: OPTIONS, strict: true, allowPositionals: false });
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    if (command === 'create-user') await createUserCommand(values, io, deps);
    else if (command === 'create-key') await createKeyCommand(values, io, deps);
    else throw new UsageError(`unknown command '${command}'`);
    return 0;
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`keygate: ${(err as Error).message}\n\n${USAGE}`);
      return 2;
    }
    io.err(`keygate: ${describeFailure(err)}\n`);
    return 1;
  } finally {
    client?.destroy();
  }
}
