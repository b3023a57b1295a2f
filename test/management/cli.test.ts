/**
 * The admin CLI: run as the installed command would be (`bin/keygate.js` in
 * a child process, reaching DynamoDB Local through AWS_ENDPOINT_URL_DYNAMODB
 * with fake credentials), then logged in as the user it made. Usage errors
 * are checked in process, through `main`.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { USAGE, main, type CliIo } from '../../cli/keygate';
import { makeUser } from '../support/management-api';
import { Testbed } from '../support/testbed';
import { putSettings } from '../support/config';
import { closeTable, openTable } from '../support/table';

const REPO = join(__dirname, '..', '..');
const LAUNCHER = join(REPO, 'bin', 'keygate.js');
const PASSWORD = 'first admin passphrase';


let bed: Testbed;

beforeAll(async () => {
  bed = await Testbed.open({ settings: true });
});
afterAll(() => bed.close());

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `command` with `args` as a user's terminal would, with only the
 * standard AWS settings pointing at DynamoDB Local (fake credentials), in the
 * repository's folder.
 */
function terminal(command: string, args: string[], opts: { env?: Record<string, string>; input?: string } = {}): Promise<Run> {
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
    const child = spawn(command, args, { cwd: REPO, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/** The launcher, as the installed `keygate` command. */
const keygate = (args: string[], opts: { env?: Record<string, string>; input?: string } = {}) => terminal(process.execPath, [LAUNCHER, ...args], opts);

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
    const run = await keygate(['create-user', '--table', bed.table, '--email', 'Root@Example.com', '--admin'], { env: { KEYGATE_PASSWORD: PASSWORD } });

    // Assess
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const user = JSON.parse(run.stdout);
    expect(user).toEqual({ id: expect.stringMatching(/^[0-9A-Za-z]{12}$/), email: 'root@example.com', kind: 'human', admin: true, disabled: false, createdAt: expect.any(String), plan: null });
    expect(run.stdout).not.toContain(PASSWORD);
    const session = await bed.api.login('root@example.com', PASSWORD);
    const me = await bed.api.call('GET', '/v1/auth/me', { session });
    expect(me.body).toMatchObject({ user: { id: user.id, admin: true }, authMethod: 'session' });
    expect(me.body.permissions).toContain('admin');
    const audit = await bed.api.call('GET', '/v1/auth/audit', { session });
    expect(audit.body.records.map((r: { action: string; authMethod: string }) => `${r.action}/${r.authMethod}`)).toEqual(['login/password', 'user_created/cli']);
  });

  it('reads the password from standard input, and makes a bot with a key that works', async () => {
    // Act
    const human = await keygate(['create-user', '--table', bed.table, '--email', 'piped@example.com'], { input: `${PASSWORD}\n` });
    const bot = await keygate(['create-user', '--table', bed.table, '--email', 'ci-bot@example.com', '--bot']);
    const botId = JSON.parse(bot.stdout).id as string;
    const key = await keygate(['create-key', '--table', bed.table, '--user', botId, '--name', 'ci', '--permissions', 'submit_score,delete_score']);

    // Assess
    expect(human.code).toBe(0);
    expect((await bed.api.call('POST', '/v1/auth/login', { body: { email: 'piped@example.com', password: PASSWORD } })).status).toBe(200);
    expect(bot.code).toBe(0);
    expect(JSON.parse(bot.stdout)).toMatchObject({ kind: 'bot', admin: false });
    expect(key.code).toBe(0);
    const created = JSON.parse(key.stdout);
    expect(created).toMatchObject({ userId: botId, key: expect.stringMatching(/^bot_key_/), name: 'ci', permissions: ['submit_score', 'delete_score'] });
    const me = await bed.api.call('GET', '/v1/auth/me', { key: created.key });
    expect(me.body).toMatchObject({ user: { id: botId, kind: 'bot' }, authMethod: 'api_key', permissions: ['submit_score', 'delete_score'] });
  });

  it("handles a leaked bot key: rotate-key kills the old key and prints the new one, revoke-key and list-keys follow", async () => {
    // Prepare
    const botId = (await bed.accounts.createUser({ kind: 'bot' })).userId;
    const first = JSON.parse((await keygate(['create-key', '--table', bed.table, '--user', botId, '--name', 'deploy', '--permissions', 'submit_score'])).stdout);

    // Act
    const rotate = await keygate(['rotate-key', '--table', bed.table, '--user', botId, '--key', first.id]);
    const second = JSON.parse(rotate.stdout);
    const revoke = await keygate(['revoke-key', '--table', bed.table, '--user', botId, '--key', second.id]);
    const list = await keygate(['list-keys', '--table', bed.table, '--user', botId]);

    // Assess
    expect(rotate).toMatchObject({ code: 0, stderr: '' });
    expect(second).toMatchObject({ userId: botId, key: expect.stringMatching(/^bot_key_/), name: 'deploy', replaces: first.id });
    expect((await bed.api.call('GET', '/v1/auth/me', { key: first.key })).status).toBe(401);
    expect(revoke.code).toBe(0);
    expect(JSON.parse(revoke.stdout)).toMatchObject({ id: second.id, status: 'revoked' });
    expect((await bed.api.call('GET', '/v1/auth/me', { key: second.key })).status).toBe(401);
    expect(list.code).toBe(0);
    const listed = JSON.parse(list.stdout);
    expect(listed.next).toBeNull();
    expect(listed.keys.map((k: { id: string; status: string }) => `${k.id}:${k.status}`).sort()).toEqual([`${first.id}:revoked`, `${second.id}:revoked`].sort());
    expect(list.stdout).not.toContain('bot_key_');
    const trail = await bed.accounts.listAudit(botId, 10);
    expect(trail.records.map((r) => `${r.action}/${r.authMethod}`)).toEqual(['key_revoked/cli', 'key_rotated/cli', 'key_created/cli']);
  });

  it('fails with exit code 1 and a one-line reason when the store refuses', async () => {
    const human = await makeUser(bed.accounts);
    const taken = await keygate(['create-user', '--table', bed.table, '--email', human.email, '--bot']);
    const noTable = await keygate(['create-user', '--table', `no-such-${bed.table}`, '--email', 'x@example.com', '--bot']);
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
    const unknown = await runMain(['create-user', '--table', bed.table, '--email', 'a@example.com', '--colour']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("Unknown option '--colour'");
    expect((await runMain(['drop-table', '--table', bed.table])).err).toMatch(/^keygate: unknown command 'drop-table'/);
  });

  it('lists users page by page, and disables and enables one', async () => {
    // Prepare
    const made = await Promise.all([0, 1, 2].map(() => makeUser(bed.accounts, { kind: 'bot' })));

    // Act
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const run = await runMain(['list-users', '--table', bed.table, '--limit', '2', ...(cursor ? ['--cursor', cursor] : [])]);
      expect(run.code).toBe(0);
      const page = JSON.parse(run.out) as { users: { id: string }[]; next: string | null };
      ids.push(...page.users.map((u) => u.id));
      cursor = page.next;
    } while (cursor);
    const off = await runMain(['disable-user', '--table', bed.table, '--user', made[0]!.userId]);
    const on = await runMain(['enable-user', '--table', bed.table, '--user', made[0]!.userId]);

    // Assess
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(made.map((u) => u.userId)));
    expect(JSON.parse(off.out)).toMatchObject({ id: made[0]!.userId, disabled: true });
    expect(JSON.parse(on.out)).toMatchObject({ id: made[0]!.userId, disabled: false });
    expect((await bed.accounts.listAudit(made[0]!.userId, 10)).records.map((r) => r.action).slice(0, 2)).toEqual(['user_enabled', 'user_disabled']);
    expect(await runMain(['disable-user', '--table', bed.table, '--user', 'AAAAAAAAAAAA'])).toEqual({ code: 1, out: '', err: 'keygate: no such user\n' });
  });

  it('upgrade-table lists users made before the user directory existed, once, and counts the enabled admins', async () => {
    // Prepare: a profile without its directory pointer, as an older keygate wrote it
    const userId = 'OLDUSER00001';
    await bed.client.send(
      new PutItemCommand({
        TableName: bed.table,
        Item: { pk: { S: `USER#${userId}` }, sk: { S: 'PROFILE' }, userId: { S: userId }, kind: { S: 'bot' }, isAdmin: { BOOL: false }, disabled: { BOOL: false }, createdAt: { N: '1000' } },
      }),
    );
    const listed = async () => ((await bed.accounts.listUsers(100)).items.map((u) => u.userId));
    expect(await listed()).not.toContain(userId);

    // Act
    const first = await runMain(['upgrade-table', '--table', bed.table]);
    const again = await runMain(['upgrade-table', '--table', bed.table]);

    // Assess
    expect(JSON.parse(first.out)).toEqual({ indexed: 1, indexedClients: 0, enabledAdmins: expect.any(Number) });
    expect(JSON.parse(again.out)).toMatchObject({ indexed: 0 });
    expect((await listed())[0]).toBe(userId);
  });

  it('refuses by the admin API rules with exit code 1, in the words of its flags, never the validator text', async () => {
    // Prepare
    const human = await makeUser(bed.accounts);
    const humanKey = await bed.issueUserKey(human.userId, { name: 'laptop', permissions: ['submit_score'] });
    const { userId: botId } = await bed.accounts.createUser({ kind: 'bot' });
    const key = (flags: string[]) => runMain(['create-key', '--table', bed.table, '--user', botId, '--name', 'k', '--permissions', 'submit_score', ...flags]);

    // Act
    const refusals = {
      empty: await runMain(['create-user', '--table', bed.table, '--email', 'empty@example.com'], { KEYGATE_PASSWORD: '' }),
      short: await runMain(['create-user', '--table', bed.table, '--email', 'short@example.com'], { KEYGATE_PASSWORD: 'short' }),
      email: await runMain(['create-user', '--table', bed.table, '--email', 'nope', '--bot']),
      human: await runMain(['create-key', '--table', bed.table, '--user', human.userId, '--name', 'k', '--permissions', 'submit_score']),
      unknownUser: await runMain(['create-key', '--table', bed.table, '--user', 'AAAAAAAAAAAA', '--name', 'k', '--permissions', 'submit_score']),
      sessionOnly: await runMain(['create-key', '--table', bed.table, '--user', botId, '--name', 'k', '--permissions', 'admin']),
      unknownPermission: await runMain(['create-key', '--table', bed.table, '--user', botId, '--name', 'k', '--permissions', 'write_widgets']),
      blankName: await runMain(['create-key', '--table', bed.table, '--user', botId, '--name', ' ', '--permissions', 'submit_score']),
      days: await key(['--expires-in-days', '0']),
      grace: await runMain(['rotate-key', '--table', bed.table, '--user', botId, '--key', 'AAAAAAAAAAAA', '--grace-seconds', '604801']),
      personsKey: await runMain(['rotate-key', '--table', bed.table, '--user', human.userId, '--key', humanKey.id]),
      limit: await runMain(['list-users', '--table', bed.table, '--limit', '0']),
      cursor: await runMain(['list-keys', '--table', bed.table, '--user', botId, '--cursor', 'junk']),
    };

    // Assess
    const errors = Object.fromEntries(Object.entries(refusals).map(([what, run]) => [what, `${run.code} ${run.err.trim()}`]));
    expect(errors).toEqual({
      empty: '1 keygate: the password (KEYGATE_PASSWORD or standard input) has to be 12–1024 characters long',
      short: '1 keygate: the password (KEYGATE_PASSWORD or standard input) has to be 12–1024 characters long',
      email: '1 keygate: --email has to be an e-mail address',
      human: '1 keygate: this user is a person, not a bot: keys are made here for bots only, and people make their own after logging in',
      unknownUser: '1 keygate: no such user',
      sessionOnly: "1 keygate: --permissions: 'admin' can only be held by a login session, never by a key",
      unknownPermission: expect.stringMatching(/^1 keygate: --permissions: unknown permission 'write_widgets'; a key can hold 'submit_score', /),
      blankName: '1 keygate: --name cannot be empty',
      days: '1 keygate: --expires-in-days has to be at least 1',
      grace: '1 keygate: --grace-seconds has to be at most 604800',
      personsKey: `1 keygate: this key belongs to a person's account, and an admin never receives the secret of a person's key: revoke it instead, and its owner can make a new one`,
      limit: '1 keygate: --limit has to be an integer from 1 to 100',
      cursor: '1 keygate: --cursor is not a cursor of this list; leave it out to start from the first page',
    });
    for (const run of Object.values(refusals)) expect(run.out).toBe('');
  });

  it('calls a wrong flag value or a flag of another command wrong usage, with exit code 2', async () => {
    const grace = await runMain(['rotate-key', '--table', bed.table, '--user', 'u', '--key', 'k', '--grace-seconds', 'soon']);
    expect(grace.code).toBe(2);
    expect(grace.err).toMatch(/^keygate: --grace-seconds takes a whole number of seconds, e.g. --grace-seconds 30\n/);
    const foreign = await runMain(['list-users', '--table', bed.table, '--user', 'u']);
    expect(foreign.code).toBe(2);
    expect(foreign.err).toMatch(/^keygate: list-users takes no --user\n/);
    const both = await runMain(['create-user', '--table', bed.table, '--email', 'x@example.com', '--bot', '--admin']);
    expect(both.code).toBe(2);
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
      expect(foreign.err).toBe("keygate: --permissions: unknown permission 'submit_score'; a key can hold 'write_widgets'\n");
    } finally {
      await closeTable(other.client, other.table);
    }
  });
});

describe("CLI: the README's Deploy section", () => {
  // A table of its own: the block's e-mail addresses are the README's, which other tests here use too.
  let fresh: Testbed;
  beforeAll(async () => {
    fresh = await Testbed.open({ settings: true });
  });
  afterAll(() => fresh.close());

  /** The lines of the README's block that follows `marker`, as a reader copies them. */
  function readmeLines(marker: string): string[] {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const at = readme.indexOf(marker);
    if (at < 0) throw new Error(`README.md no longer says '${marker}'`);
    const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
    if (!block) throw new Error(`no sh block after '${marker}'`);
    return block[1]!.trim().split('\n');
  }

  it('makes the first admin, a bot and its key as written, with <TableName> and <botUserId> filled in', async () => {
    // Prepare: the block, its placeholders filled in as a reader would (the bot's id from the line that made it)
    const lines = readmeLines('Then make the first admin with the CLI');
    expect(lines).toHaveLength(3);
    const fill = (line: string, botUserId = '') => line.replaceAll('<TableName>', fresh.table).replaceAll('<botUserId>', botUserId);

    // Act
    const admin = await terminal('bash', ['-c', fill(lines[0]!)]);
    const bot = await terminal('bash', ['-c', fill(lines[1]!)]);
    expect({ code: bot.code, stderr: bot.stderr }).toEqual({ code: 0, stderr: '' });
    const botUserId = (JSON.parse(bot.stdout) as { id: string }).id;
    const key = await terminal('bash', ['-c', fill(lines[2]!, botUserId)]);

    // Assess: each line succeeded, and what it made works at the API
    for (const run of [admin, bot, key]) expect({ code: run.code, stdout: run.stdout.length > 0 }).toEqual({ code: 0, stdout: true });
    const password = /KEYGATE_PASSWORD='([^']+)'/.exec(lines[0]!)![1]!;
    const session = await fresh.api.login('you@example.com', password);
    expect((await fresh.api.call('GET', '/v1/auth/me', { session })).body).toMatchObject({ user: { email: 'you@example.com', admin: true } });
    const me = await fresh.api.call('GET', '/v1/auth/me', { key: (JSON.parse(key.stdout) as { key: string }).key });
    expect(me.body).toMatchObject({ user: { id: botUserId, kind: 'bot' }, authMethod: 'api_key', permissions: ['submit_score'] });
  }, 60_000);
});
