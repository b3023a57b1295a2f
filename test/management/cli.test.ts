/**
 * The admin CLI: run as the installed command would be (`bin/keygate.js` in
 * a child process, reaching DynamoDB Local through AWS_ENDPOINT_URL_DYNAMODB
 * with fake credentials), then logged in as the user it made. Usage errors
 * are checked in process, through `main`.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { USAGE, main, type CliIo } from '../../cli/keygate';
import { DynamoAccountStore } from '../../lambda/store/dynamo-account-store';
import { ManagementApi, loadHandlers, makeUser, managementEnv } from '../support/management-api';
import { putSettings } from '../support/config';
import { closeTable, openTable } from '../support/table';

const LAUNCHER = join(__dirname, '..', '..', 'bin', 'keygate.js');
const PASSWORD = 'first admin passphrase';

let client: DynamoDBClient;
let table: string;
let api: ManagementApi;
let accounts: DynamoAccountStore;

beforeAll(async () => {
  ({ client, table } = await openTable());
  await putSettings(client, table);
  api = new ManagementApi(client, table, loadHandlers(managementEnv(table)));
  accounts = new DynamoAccountStore(client, table);
});
afterAll(() => closeTable(client, table));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the launcher as a user would, with only the standard AWS settings pointing at DynamoDB Local. */
function keygate(args: string[], opts: { env?: Record<string, string>; input?: string } = {}): Promise<Run> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ENDPOINT_URL_DYNAMODB: process.env.AWS_ENDPOINT_URL_DYNAMODB,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'fake',
    AWS_SECRET_ACCESS_KEY: 'fake',
    ...opts.env,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LAUNCHER, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/** `main` in process, with captured output. */
async function runMain(args: string[], env: Record<string, string> = {}, input = '') {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), stdin: Readable.from([input]), env: { ...process.env, ...env } };
  const code = await main(args, io);
  return { code, out, err };
}

describe('CLI: keygate', () => {
  it('creates the first admin (password from KEYGATE_PASSWORD), who can then log in as admin', async () => {
    // Act
    const run = await keygate(['create-user', '--table', table, '--email', 'Root@Example.com', '--admin'], { env: { KEYGATE_PASSWORD: PASSWORD } });

    // Assess
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const user = JSON.parse(run.stdout);
    expect(user).toEqual({ id: expect.stringMatching(/^[0-9A-Za-z]{12}$/), email: 'root@example.com', kind: 'human', admin: true, disabled: false, createdAt: expect.any(String) });
    expect(run.stdout).not.toContain(PASSWORD);
    const session = await api.login('root@example.com', PASSWORD);
    const me = await api.call('GET', '/v1/auth/me', { session });
    expect(me.body).toMatchObject({ user: { id: user.id, admin: true }, authMethod: 'session' });
    expect(me.body.permissions).toContain('admin');
    const audit = await api.call('GET', '/v1/auth/audit', { session });
    expect(audit.body.records.map((r: { action: string; authMethod: string }) => `${r.action}/${r.authMethod}`)).toEqual(['login/password', 'user_created/cli']);
  });

  it('reads the password from standard input, and makes a bot with a key that works', async () => {
    // Act
    const human = await keygate(['create-user', '--table', table, '--email', 'piped@example.com'], { input: `${PASSWORD}\n` });
    const bot = await keygate(['create-user', '--table', table, '--email', 'ci-bot@example.com', '--bot']);
    const botId = JSON.parse(bot.stdout).id as string;
    const key = await keygate(['create-key', '--table', table, '--user', botId, '--name', 'ci', '--permissions', 'submit_score,delete_score']);

    // Assess
    expect(human.code).toBe(0);
    expect((await api.call('POST', '/v1/auth/login', { body: { email: 'piped@example.com', password: PASSWORD } })).status).toBe(200);
    expect(bot.code).toBe(0);
    expect(JSON.parse(bot.stdout)).toMatchObject({ kind: 'bot', admin: false });
    expect(key.code).toBe(0);
    const created = JSON.parse(key.stdout);
    expect(created).toMatchObject({ userId: botId, key: expect.stringMatching(/^bot_key_/), name: 'ci', permissions: ['submit_score', 'delete_score'] });
    const me = await api.call('GET', '/v1/auth/me', { key: created.key });
    expect(me.body).toMatchObject({ user: { id: botId, kind: 'bot' }, authMethod: 'api_key', permissions: ['submit_score', 'delete_score'] });
  });

  it('fails with exit code 1 and a one-line reason when the store refuses', async () => {
    const human = await makeUser(accounts);
    const taken = await keygate(['create-user', '--table', table, '--email', human.email, '--bot']);
    const noTable = await keygate(['create-user', '--table', `no-such-${table}`, '--email', 'x@example.com', '--bot']);
    expect(taken).toEqual({ code: 1, stdout: '', stderr: 'keygate: a user with this e-mail already exists\n' });
    expect(noTable.code).toBe(1);
    expect(noTable.stderr).toMatch(/^keygate: table not found/);
  });
});

describe('CLI: main', () => {
  it('prints help with exit code 0, and usage with exit code 2 when called wrongly', async () => {
    expect(await runMain(['--help'])).toEqual({ code: 0, out: USAGE, err: '' });
    expect(await runMain(['create-user', '--help'])).toEqual({ code: 0, out: USAGE, err: '' });
    const none = await runMain([]);
    expect(none).toMatchObject({ code: 2, out: '' });
    const missing = await runMain(['create-user', '--email', 'a@example.com']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^keygate: --table is required\n/);
    const unknown = await runMain(['create-user', '--table', table, '--email', 'a@example.com', '--colour']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("Unknown option '--colour'");
    expect((await runMain(['drop-table', '--table', table])).err).toMatch(/^keygate: unknown command 'drop-table'/);
  });

  it('applies the admin API rules, with exit code 1', async () => {
    const short = await runMain(['create-user', '--table', table, '--email', 'short@example.com'], { KEYGATE_PASSWORD: 'short' });
    expect(short).toEqual({ code: 1, out: '', err: "keygate: 'password' has to be at least 12 characters long\n" });
    const badEmail = await runMain(['create-user', '--table', table, '--email', 'nope', '--bot']);
    expect(badEmail.err).toBe("keygate: 'email': Invalid email address\n");
    const human = await makeUser(accounts);
    const humanKey = await runMain(['create-key', '--table', table, '--user', human.userId, '--name', 'k', '--permissions', 'submit_score']);
    expect(humanKey.code).toBe(1);
    expect(humanKey.err).toContain('is a person, not a bot');
    const unknownUser = await runMain(['create-key', '--table', table, '--user', 'AAAAAAAAAAAA', '--name', 'k', '--permissions', 'submit_score']);
    expect(unknownUser).toEqual({ code: 1, out: '', err: 'keygate: no such user\n' });
    const { userId: botId } = await accounts.createUser({ kind: 'bot' });
    const sessionOnly = await runMain(['create-key', '--table', table, '--user', botId, '--name', 'k', '--permissions', 'admin']);
    expect(sessionOnly.err).toBe("keygate: 'permissions': 'admin' can only be held by a login session, never by a key\n");
  });

  it("follows the deployment's own catalog and prefixes from its settings item, and says when a table has none", async () => {
    const other = await openTable();
    try {
      const bare = await runMain(['create-user', '--table', other.table, '--email', 'bot@example.com', '--bot']);
      expect(bare).toEqual({ code: 1, out: '', err: expect.stringMatching(/^keygate: this table has no keygate settings item/) });
      await putSettings(other.client, other.table, {
        basePath: '/auth-service',
        permissions: [{ name: 'write_widgets', grant: 'key', description: 'create widgets' }],
        userKeyPrefix: 'wk_',
        botKeyPrefix: 'wbot_',
        cookieName: 'sid',
      });
      const bot = JSON.parse((await runMain(['create-user', '--table', other.table, '--email', 'bot@example.com', '--bot'])).out);
      const key = await runMain(['create-key', '--table', other.table, '--user', bot.id, '--name', 'w', '--permissions', 'write_widgets']);
      expect(key.code).toBe(0);
      expect(JSON.parse(key.out)).toMatchObject({ key: expect.stringMatching(/^wbot_/), permissions: ['write_widgets'] });
      const foreign = await runMain(['create-key', '--table', other.table, '--user', bot.id, '--name', 'w', '--permissions', 'submit_score']);
      expect(foreign.code).toBe(1);
      expect(foreign.err).toContain("'submit_score'");
    } finally {
      await closeTable(other.client, other.table);
    }
  });
});
