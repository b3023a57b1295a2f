/**
 * docs/design.md, Security invariants: a password change ends every other session of the user,
 * including one a concurrent login creates while the change runs. Real
 * concurrency against DynamoDB Local: logins with the old password race
 * each change, round after round; afterwards only the caller's session
 * works, at the authorizer and at the management Lambda's own caller check.
 */
import { QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createAuthHandler } from '../../lambda/management/auth/routes';
import { buildDeps } from '../../lambda/management/deps';
import { loadManagementConfig } from '../../lambda/shared/management-config';
import { DynamoAccountStore } from '../../lambda/store/dynamo-account-store';
import { lambdaContext } from '../support/lambda-context';
import { ManagementApi, makeUser, managementEnv, proxyEvent, sessionFromCookie, type ProxyHandler } from '../support/management-api';
import { closeTable, openTable } from '../support/table';
import { issueSession } from '../../lambda/management/mint';
import { DEFAULT_PREFIXES } from '../../lambda/core/token';

const ROUNDS = 4;
const LOGINS_PER_ROUND = 6;

let client: DynamoDBClient;
let table: string;
let api: ManagementApi;
let accounts: DynamoAccountStore;
let auth: ProxyHandler;

beforeAll(async () => {
  ({ client, table } = await openTable());
  // Enough room in the lockout for every racing login: this test is about sessions, not guessing.
  const config = loadManagementConfig({ ...managementEnv(table), KEYGATE_LOGIN_MAX_FAILURES: '1000' });
  const handler = createAuthHandler(buildDeps(config, client)) as ProxyHandler;
  // Many scrypt runs share this process's threads: give each call a generous Lambda timeout.
  auth = (event, context) => handler(event, { ...context, getRemainingTimeInMillis: () => 60_000 });
  const unused = (() => Promise.reject(new Error('not under test'))) as ProxyHandler;
  api = new ManagementApi(client, table, { auth, keys: unused, admin: unused, clients: unused });
  accounts = new DynamoAccountStore(client, table);
});
afterAll(() => closeTable(client, table));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The user's session items whose epoch is the profile's, i.e. the ones that still count. */
async function liveSessionIds(userId: string): Promise<string[]> {
  const out = await client.send(
    new QueryCommand({ TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': { S: `USER#${userId}` } }, ConsistentRead: true }),
  );
  const items = out.Items ?? [];
  const epoch = Number(items.find((i) => i.sk?.S === 'PROFILE')?.credentialsEpoch?.N ?? 0);
  return items.filter((i) => i.sk?.S?.startsWith('SESSION#') && Number(i.credentialsEpoch?.N ?? 0) === epoch).map((i) => i.sessionId!.S!);
}

describe('Route: POST /v1/users/me/password — concurrent logins', () => {
  it(`leaves no session but the caller's, whatever ${LOGINS_PER_ROUND} logins with the old password do meanwhile (${ROUNDS} rounds)`, async () => {
    // Prepare
    const user = await makeUser(accounts);
    let password = user.password;
    const caller = await api.login(user.email, password);
    const callerId = caller.slice('session_'.length + 12, 'session_'.length + 24);
    const tally = { loginsOk: 0, loginsRefused: 0 };

    for (let round = 1; round <= ROUNDS; round++) {
      const newPassword = `passphrase of round ${round} ${Math.random().toString(36).slice(2)}`;
      // Act: the change and the logins at once; the logins spread over the change's run.
      const change = api.call('POST', '/v1/users/me/password', { session: caller, body: { currentPassword: password, newPassword } });
      const logins = Array.from({ length: LOGINS_PER_ROUND }, async (_, i) => {
        await sleep(i * 15);
        return api.call('POST', '/v1/auth/login', { body: { email: user.email, password } });
      });
      const [changed, ...results] = await Promise.all([change, ...logins]);

      // Assess
      expect({ round, status: changed.status }).toEqual({ round, status: 204 });
      password = newPassword;
      for (const res of results) {
        expect([200, 401]).toContain(res.status);
        if (res.status !== 200) {
          tally.loginsRefused++;
          continue;
        }
        tally.loginsOk++;
        const session = sessionFromCookie(res.headers['Set-Cookie']);
        const me = await api.call('GET', '/v1/auth/me', { session });
        expect({ round, survivor: me.status !== 401 }).toEqual({ round, survivor: false });
      }
      expect({ round, live: await liveSessionIds(user.userId) }).toEqual({ round, live: [callerId] });
      expect((await api.call('GET', '/v1/auth/me', { session: caller })).status).toBe(200);
    }
    // Logins that checked the old password both before the change stored the new one (they got
    // a session, now over) and after (refused): the race was real.
    expect(tally.loginsOk + tally.loginsRefused).toBe(ROUNDS * LOGINS_PER_ROUND);
    expect(tally.loginsOk).toBeGreaterThan(0);
    expect(await accounts.listSessions(user.userId).then((s) => s.map((x) => x.sessionId).sort())).toContain(callerId);
  });

  it('refuses, at the management Lambda too, a session made before the change that a stale authorizer cache still lets through', async () => {
    // Prepare: the caller changes the password; a session of the old epoch is left (as a racing login would leave it).
    const user = await makeUser(accounts);
    const caller = await api.login(user.email, user.password);
    const changed = await api.call('POST', '/v1/users/me/password', { session: caller, body: { currentPassword: user.password, newPassword: 'the next long passphrase' } });
    expect(changed.status).toBe(204);
    const { token } = await issueSession(accounts, DEFAULT_PREFIXES, user.userId, Date.now() + 60_000);
    // What an authorizer that read this session before the change would pass on.
    const staleContext = { principalId: user.userId, userId: user.userId, authMethod: 'session', sessionId: token.id, permissions: 'manage_sessions' };

    // Act
    const viaGateway = await api.call('GET', '/v1/auth/me', { session: token.value });
    const direct = await auth(proxyEvent({ method: 'GET', resource: '/v1/auth/me', authorizer: staleContext }), lambdaContext('keygate-auth'));
    const listed = await api.call('GET', '/v1/auth/sessions', { session: caller });

    // Assess
    expect(viaGateway).toMatchObject({ status: 401, body: { reason: 'password_changed' } });
    expect(direct.statusCode).toBe(401);
    expect(listed.body.sessions.map((s: { id: string }) => s.id)).not.toContain(token.id);
  });
});
