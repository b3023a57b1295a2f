/**
 * `keygate`: the admin CLI. Makes the first admin after `cdk deploy`, and
 * lists, disables and enables users, makes, rotates and revokes bot keys,
 * and lists, disables, enables and deletes any user's API client,
 * straight in a keygate table. It reaches DynamoDB through the AWS SDK's
 * standard settings (AWS_REGION, AWS_PROFILE or keys,
 * AWS_ENDPOINT_URL_DYNAMODB) and runs the same services as the admin API, so
 * every rule is the API's; only the words are the terminal's (flags, not
 * fields or endpoints).
 *
 * Exit codes: 0 done, 1 refused or failed, 2 wrong usage.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, passwordProblem } from '../lambda/core/password';
import { revokeUserKey, rotateBotKey } from '../lambda/management/admin/admin-service';
import { CLI_ACTOR } from '../lambda/management/audit';
import { adminDeleteClient, listEveryClient, setClientDisabled } from '../lambda/management/clients/client-service';
import { buildDeps, type ManagementDeps } from '../lambda/management/deps';
import { listKeys, listUsers } from '../lambda/management/list-service';
import { PageParameterError } from '../lambda/management/pagination';
import { createKeyBody, createUserBody, rotateKeyBody } from '../lambda/management/schemas';
import { createBotKey, createUser, setUserDisabled } from '../lambda/management/user-service';
import { keyView, userView } from '../lambda/management/views';
import { ownKey } from '../lambda/management/key-service';
import { SettingsError } from '../lambda/core/settings-item';
import { HttpError } from '../lambda/shared/errors';
import { loadDeploymentConfig } from './deployment';
import { assignPlan, planList, usageOf } from '../lambda/management/plan-service';
import { plansOf } from '../lambda/core/settings';

export const USAGE = `Usage: keygate <command> --table NAME [options]

Commands:
  create-user --email E [--admin] [--bot]
      Creates a user. A person's password is read from KEYGATE_PASSWORD, or
      else from standard input (one line). Bots have no password and cannot
      log in.
  list-users [--limit N] [--cursor C]
      Lists users, oldest first, N at a time (1-100, default 50). Pass the
      answer's "next" as --cursor for the next page.
  disable-user --user ID
      Stops every key and login session of the user at once.
  enable-user --user ID
  list-keys --user ID [--limit N] [--cursor C]
      Lists a user's keys, never their secrets.
  create-key --user ID --name N --permissions a,b [--expires-in-days D]
      Creates a key for a bot. The key is shown this once.
  rotate-key --user ID --key ID [--grace-seconds S]
      Replaces a bot's key with a new one of the same name and permissions
      (shown this once). The old key stops working at once, or after S seconds
      (at most 7 days).
  revoke-key --user ID --key ID
      Revokes any user's key. Repeating it is harmless.
  list-clients [--limit N] [--cursor C]
      Lists every user's API clients with their owners, oldest first, N at a
      time (1-100, default 50).
  disable-client --client ID
      Makes a client unknown: no more authorizations, keys or client files
      through it. Keys it already issued keep working (they belong to the
      users who approved them); delete-client revokes them.
  enable-client --client ID
  delete-client --client ID
      Deletes any user's client and revokes every key issued through it.
  list-plans
      The deployment's plans (rate limits and quotas).
  set-plan --user ID [--key ID] --plan NAME|none
      Gives a user (all their keys and sessions) or one key (which wins) a
      plan of its own, or with 'none' clears it.
  usage --user ID [--key ID] [--from YYYY-MM-DD] [--to YYYY-MM-DD]
      Daily usage of the user's (or key's) bucket and what is left of its
      quota; the last 7 days by default, at most 90.
  upgrade-table
      Brings a table written by keygate 0.1 up to date: adds users made
      before the user list existed to it (list-users), and clients to the
      client list (list-clients), and counts the enabled admins (so the last
      one cannot be disabled). Scans the table once; running it again is
      harmless.
  keygate dev [--cdk-out DIR] [--stack NAME] [--port N]
      Runs the CDK app in this folder locally (no --table, no AWS account):
      synthesizes it when stale and serves it with DynamoDB Local.
      keygate dev --help says more.
  keygate --help

The deployment's permission catalog and key prefixes are read from the
table's settings item, which the keygate construct writes at deploy time (and
the local runner when it starts).

Plans are read from the settings item too; API Gateway is reached through
the same SDK settings (AWS_ENDPOINT_URL_API_GATEWAY for the local runner).

The table is reached through the AWS SDK's standard settings: AWS_REGION,
AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_ENDPOINT_URL_DYNAMODB.
Every answer is JSON on standard output.

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

/** A refusal worded for the terminal. */
class CliRefusal extends Error {}

const OPTIONS = {
  table: { type: 'string' },
  email: { type: 'string' },
  admin: { type: 'boolean' },
  bot: { type: 'boolean' },
  user: { type: 'string' },
  key: { type: 'string' },
  client: { type: 'string' },
  name: { type: 'string' },
  permissions: { type: 'string' },
  'expires-in-days': { type: 'string' },
  'grace-seconds': { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  plan: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Flag = keyof typeof OPTIONS;
type Values = Partial<Record<Flag, string | boolean>>;

const PASSWORD_SOURCE = 'the password (KEYGATE_PASSWORD or standard input)';

/** API field names, as the services and schemas call them, in the terminal's words. */
const FIELD_WORDS: Readonly<Record<string, string>> = {
  email: '--email',
  password: PASSWORD_SOURCE,
  kind: '--bot',
  admin: '--admin',
  name: '--name',
  permissions: '--permissions',
  expiresInDays: '--expires-in-days',
  gracePeriodSeconds: '--grace-seconds',
  limit: '--limit',
  cursor: '--cursor',
  userId: '--user',
  keyId: '--key',
  clientId: '--client',
  disabled: 'disable-user',
  plan: '--plan',
  from: '--from',
  to: '--to',
  credits: '--credits',
};

function required(values: Values, name: Flag): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
  return v;
}

function optional(values: Values, name: Flag): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** A whole number flag; anything else is wrong usage (its range is a rule, checked by the service). */
function wholeNumber(values: Values, name: Flag, unit: string): number | undefined {
  const v = optional(values, name);
  if (v === undefined) return undefined;
  if (!/^\d{1,9}$/.test(v)) throw new UsageError(`--${name} takes a whole number of ${unit}, e.g. --${name} 30`);
  return Number(v);
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

/** A schema problem in the terminal's words, from the issue's kind and bounds, never zod's own message. */
function issueWords(issue: z.core.$ZodIssue): string {
  const field = String(issue.path[0] ?? '');
  const subject = FIELD_WORDS[field] ?? `--${field}`;
  const each = issue.path.length > 1 ? ' (each entry)' : '';
  const unit = (origin: unknown) => (origin === 'string' ? ' characters' : origin === 'array' ? ' entries' : '');
  switch (issue.code) {
    case 'too_small':
      if (issue.minimum === 1 && issue.origin === 'string') return `${subject}${each} cannot be empty`;
      return `${subject}${each} has to be at least ${String(issue.minimum)}${unit(issue.origin)}${issue.origin === 'string' ? ' long' : ''}`;
    case 'too_big':
      return `${subject}${each} has to be at most ${String(issue.maximum)}${unit(issue.origin)}${issue.origin === 'string' ? ' long' : ''}`;
    case 'invalid_format':
      if (issue.format === 'email') return `${subject} has to be an e-mail address`;
      // Our own schemas' regex messages are sentences of ours ('may not contain control characters').
      return `${subject}${each} ${issue.message}`;
    default:
      return `${subject}${each} is not valid`;
  }
}

function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new CliRefusal(result.error.issues.map(issueWords).join('; '));
  return result.data;
}

/** What went wrong, in one line, in the terminal's words; never a stack trace. */
function describeFailure(err: unknown): string {
  if (err instanceof CliRefusal || err instanceof SettingsError) return err.message;
  if (err instanceof PageParameterError) return `${FIELD_WORDS[err.parameter]} ${err.problem}`;
  if (err instanceof HttpError) {
    // Service messages start with the field they are about: 'permissions': …, 'password' has to …
    return err.message.replace(/^'(\w+)'/, (whole, field: string) => FIELD_WORDS[field] ?? whole);
  }
  const e = err as { name?: string; message?: string };
  if (e.name === 'ResourceNotFoundException') return `table not found: ${e.message ?? ''}`.trim();
  return `${e.name ?? 'Error'}: ${e.message ?? String(err)}`;
}

interface Command {
  readonly flags: readonly Flag[];
  readonly run: (values: Values, io: CliIo, deps: () => Promise<ManagementDeps>) => Promise<unknown>;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  'create-user': {
    flags: ['email', 'admin', 'bot'],
    run: async (values, io, deps) => {
      const email = required(values, 'email');
      const kind = values.bot === true ? 'bot' : 'human';
      const admin = values.admin === true;
      if (kind === 'bot' && admin) throw new UsageError('--admin and --bot cannot go together: bots cannot log in, so they cannot be admins');
      const password = kind === 'bot' ? undefined : (io.env.KEYGATE_PASSWORD ?? (await readPassword(io, email)));
      // The service applies the password rule too; here it is worded for the terminal, before a zod bound could speak first.
      if (password !== undefined && passwordProblem(password)) {
        throw new CliRefusal(`${PASSWORD_SOURCE} has to be ${MIN_PASSWORD_LENGTH}–${MAX_PASSWORD_LENGTH} characters long`);
      }
      const input = parseInput(createUserBody, { email, kind, ...(admin ? { admin } : {}), ...(password !== undefined ? { password } : {}) });
      return userView(await createUser(await deps(), input, CLI_ACTOR));
    },
  },
  'list-users': {
    flags: ['limit', 'cursor'],
    run: async (values, _io, deps) => listUsers(await deps(), { limit: optional(values, 'limit'), cursor: optional(values, 'cursor') }),
  },
  'disable-user': {
    flags: ['user'],
    run: async (values, _io, deps) => userView(await setUserDisabled(await deps(), required(values, 'user'), true, CLI_ACTOR)),
  },
  'enable-user': {
    flags: ['user'],
    run: async (values, _io, deps) => userView(await setUserDisabled(await deps(), required(values, 'user'), false, CLI_ACTOR)),
  },
  'list-keys': {
    flags: ['user', 'limit', 'cursor'],
    run: async (values, _io, deps) => {
      const userId = required(values, 'user');
      const d = await deps();
      // An unknown user has no keys, but saying so is more useful than an empty list.
      if (!(await d.accounts.getUser(userId))) throw new CliRefusal('no such user');
      return listKeys(d, userId, { limit: optional(values, 'limit'), cursor: optional(values, 'cursor') });
    },
  },
  'create-key': {
    flags: ['user', 'name', 'permissions', 'expires-in-days'],
    run: async (values, _io, deps) => {
      const userId = required(values, 'user');
      const days = wholeNumber(values, 'expires-in-days', 'days');
      const input = parseInput(createKeyBody, {
        name: required(values, 'name'),
        permissions: required(values, 'permissions').split(',').map((p) => p.trim()).filter(Boolean),
        ...(days !== undefined ? { expiresInDays: days } : {}),
      });
      return createBotKey(await deps(), userId, input, CLI_ACTOR);
    },
  },
  'rotate-key': {
    flags: ['user', 'key', 'grace-seconds'],
    run: async (values, _io, deps) => {
      const userId = required(values, 'user');
      const keyId = required(values, 'key');
      const grace = wholeNumber(values, 'grace-seconds', 'seconds');
      const { gracePeriodSeconds } = parseInput(rotateKeyBody, grace === undefined ? {} : { gracePeriodSeconds: grace });
      return rotateBotKey(await deps(), userId, keyId, gracePeriodSeconds ?? 0, CLI_ACTOR);
    },
  },
  'list-plans': {
    flags: [],
    run: async (_values, _io, deps) => planList(await deps()),
  },
  'set-plan': {
    flags: ['user', 'key', 'plan'],
    run: async (values, _io, deps) => {
      const userId = required(values, 'user');
      const keyId = optional(values, 'key');
      const plan = required(values, 'plan');
      return assignPlan(await deps(), { userId, ...(keyId ? { keyId } : {}) }, plan === 'none' ? null : plan, CLI_ACTOR);
    },
  },
  usage: {
    flags: ['user', 'key', 'from', 'to'],
    run: async (values, _io, deps) => usageOf(await deps(), required(values, 'user'), optional(values, 'key'), { from: optional(values, 'from'), to: optional(values, 'to') }),
  },
  'upgrade-table': {
    flags: [],
    run: async (_values, _io, deps) => {
      const { accounts, clients } = await deps();
      return { indexed: await accounts.indexUsers(), indexedClients: await clients.indexClients(), enabledAdmins: await accounts.recountEnabledAdmins() };
    },
  },
  'list-clients': {
    flags: ['limit', 'cursor'],
    run: async (values, _io, deps) => listEveryClient(await deps(), { limit: optional(values, 'limit'), cursor: optional(values, 'cursor') }),
  },
  'disable-client': {
    flags: ['client'],
    run: async (values, _io, deps) => setClientDisabled(await deps(), required(values, 'client'), true, CLI_ACTOR),
  },
  'enable-client': {
    flags: ['client'],
    run: async (values, _io, deps) => setClientDisabled(await deps(), required(values, 'client'), false, CLI_ACTOR),
  },
  'delete-client': {
    flags: ['client'],
    // The API answers 204; the CLI says what went.
    run: async (values, _io, deps) => {
      const clientId = required(values, 'client');
      return { id: clientId, deleted: true, revokedKeys: await adminDeleteClient(await deps(), clientId, CLI_ACTOR) };
    },
  },
  'revoke-key': {
    flags: ['user', 'key'],
    // The API answers 204; the CLI shows the key as it is now.
    run: async (values, _io, deps) => {
      const d = await deps();
      const [userId, keyId] = [required(values, 'user'), required(values, 'key')];
      await revokeUserKey(d, userId, keyId, CLI_ACTOR);
      return keyView(await ownKey(d, userId, keyId), d.now());
    },
  },
};

export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.err : io.out)(USAGE);
    return name === undefined ? 2 : 0;
  }
  if (name === 'dev') {
    // The local runner, loaded only for this command: dist/local/dev.js beside this bundle (scripts/build.ts).
    const { dev } = require('../local/dev') as typeof import('../local/dev');
    return dev(rest, io);
  }
  let client: DynamoDBClient | undefined;
  try {
    const { values } = parseArgs({ args: [...rest], options: OPTIONS, strict: true, allowPositionals: false });
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    const command = COMMANDS[name];
    if (!command) throw new UsageError(`unknown command '${name}'`);
    const given = Object.keys(values) as Flag[];
    const foreign = given.filter((f) => f !== 'table' && f !== 'help' && !command.flags.includes(f));
    if (foreign.length > 0) throw new UsageError(`${name} takes no ${foreign.map((f) => `--${f}`).join(', ')}`);
    const table = required(values, 'table');
    const deps = async () => {
      client = new DynamoDBClient({});
      const config = await loadDeploymentConfig(client, table, io.env);
      const plans = plansOf(config);
      return buildDeps(config, client, Date.now, plans ? { plans } : {});
    };
    const answer = await command.run(values, io, deps);
    io.out(JSON.stringify(answer, null, 2) + '\n');
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
