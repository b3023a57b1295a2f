/**
 * docs/design.md, Security invariants: the last enabled admin cannot be disabled (or lose admin), even
 * by two admins disabling each other at the same moment. The store keeps a
 * count of enabled admins in the same transactions as the profiles; each
 * test has a table of its own, so the count is the test's alone.
 */
import { DeleteItemCommand, GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CLI_ACTOR } from '../../lambda/management/audit';
import { createAdminHandler } from '../../lambda/management/admin/routes';
import { createAuthHandler } from '../../lambda/management/auth/routes';
import { buildDeps } from '../../lambda/management/deps';
import { DynamoAccountStore } from '../../lambda/store/dynamo-account-store';
import { LAST_ADMIN, setUserDisabled } from '../../lambda/management/user-service';
import { loadManagementConfig } from '../../lambda/shared/management-config';
import { HttpError } from '../../lambda/shared/errors';
import { ManagementApi, makeUser, managementEnv, type ProxyHandler } from '../support/management-api';
import { createTable } from '../../fixtures/dynamodb';
import { closeTable, localClient } from '../support/table';

const ROUNDS = 5;

let client: DynamoDBClient;
const tables: string[] = [];

beforeAll(() => {
  client = localClient();
});
afterAll(async () => {
  for (const t of tables) await closeTable(localClient(), t);
  client.destroy();
});

async function freshTable() {
  const table = await createTable(client);
  tables.push(table);
  const deps = buildDeps(loadManagementConfig(managementEnv(table)), client);
  const unused = (() => Promise.reject(new Error('not under test'))) as ProxyHandler;
  const api = new ManagementApi(client, table, { auth: createAuthHandler(deps), keys: unused, admin: createAdminHandler(deps), clients: unused });
  const count = async () => {
    const out = await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'ADMINS' }, sk: { S: 'ENABLED' } }, ConsistentRead: true }));
    return Number(out.Item?.count?.N ?? 0);
  };
  // The adapter itself, for the fixtures' setAdmin (not in the services' port).
  const accounts = new DynamoAccountStore(client, table);
  return { table, deps, api, accounts, count };
}

describe('Class: DynamoAccountStore — the count of enabled admins', () => {
  it('follows creating, disabling, enabling, and giving or taking admin; users who are not admins do not count', async () => {
    // Prepare
    const { accounts, count } = await freshTable();
    // Act & Assess
    const a = await makeUser(accounts, { admin: true });
    const b = await makeUser(accounts, { admin: true });
    const plain = await makeUser(accounts);
    expect(await count()).toBe(2);
    expect(await accounts.setDisabled(plain.userId, true)).toBe('updated');
    expect(await count()).toBe(2);
    expect(await accounts.setDisabled(b.userId, true)).toBe('updated');
    expect(await count()).toBe(1);
    expect(await accounts.setDisabled(b.userId, true)).toBe('unchanged');
    expect(await accounts.setAdmin(plain.userId, true)).toBe('updated'); // a disabled admin does not count
    expect(await count()).toBe(1);
    expect(await accounts.setDisabled(a.userId, true)).toBe('last_admin');
    expect(await accounts.setAdmin(a.userId, false)).toBe('last_admin');
    expect(await accounts.setDisabled(b.userId, false)).toBe('updated');
    expect(await count()).toBe(2);
    expect(await accounts.setAdmin(a.userId, false)).toBe('updated');
    expect(await count()).toBe(1);
    expect((await accounts.getUser(a.userId))?.admin).toBe(false);
    expect(await accounts.setDisabled('AAAAAAAAAAAA', true)).toBe('missing');
  });

  it(`lets exactly one of two admins disabling each other at once succeed (${ROUNDS} rounds)`, async () => {
    // Prepare
    const { accounts, count } = await freshTable();
    const a = await makeUser(accounts, { admin: true });
    const b = await makeUser(accounts, { admin: true });
    for (let round = 1; round <= ROUNDS; round++) {
      // Act
      const results = await Promise.all([accounts.setDisabled(a.userId, true), accounts.setDisabled(b.userId, true)]);
      // Assess
      expect({ round, results: [...results].sort() }).toEqual({ round, results: ['last_admin', 'updated'] });
      expect(await count()).toBe(1);
      const [ua, ub] = await Promise.all([accounts.getUser(a.userId), accounts.getUser(b.userId)]);
      expect([ua!.disabled, ub!.disabled].sort()).toEqual([false, true]);
      // the next round starts from two enabled admins again
      await accounts.setDisabled(ua!.disabled ? a.userId : b.userId, false);
    }
  });
});

describe('Class: DynamoAccountStore — a table from before the count', () => {
  it('refuses to disable an admin while the count is missing, and recountEnabledAdmins sets it from the profiles once', async () => {
    // Prepare: two enabled admins and a disabled one, then the count removed as if it had never been kept
    const { table, accounts, count } = await freshTable();
    const a = await makeUser(accounts, { admin: true });
    await makeUser(accounts, { admin: true });
    const off = await makeUser(accounts, { admin: true });
    await accounts.setDisabled(off.userId, true);
    await client.send(new DeleteItemCommand({ TableName: table, Key: { pk: { S: 'ADMINS' }, sk: { S: 'ENABLED' } } }));
    // Act & Assess
    expect(await accounts.setDisabled(a.userId, true)).toBe('last_admin');
    expect(await accounts.recountEnabledAdmins()).toBe(2);
    expect(await count()).toBe(2);
    expect(await accounts.setDisabled(a.userId, true)).toBe('updated');
    // A count kept in step is never overwritten
    expect(await accounts.recountEnabledAdmins()).toBe(1);
  });
});

describe('Route: PATCH /v1/admin/users/{userId} — the last enabled admin', () => {
  it(`answers two admins disabling each other at once with exactly one 200 (${ROUNDS} rounds); one admin stays enabled`, async () => {
    // Prepare
    const { api, accounts, count } = await freshTable();
    const a = await makeUser(accounts, { admin: true });
    const b = await makeUser(accounts, { admin: true });
    const [sessionA, sessionB] = [await api.login(a.email, a.password), await api.login(b.email, b.password)];
    const disable = (session: string, userId: string) => api.call('PATCH', '/v1/admin/users/{userId}', { session, params: { userId }, body: { disabled: true } });
    const refusals: number[] = [];

    for (let round = 1; round <= ROUNDS; round++) {
      // Act
      const [byA, byB] = await Promise.all([disable(sessionA, b.userId), disable(sessionB, a.userId)]);
      // Assess: one succeeded; the other was refused as the last admin, or found its own account disabled first
      const statuses = [byA.status, byB.status];
      expect({ round, ok: statuses.filter((st) => st === 200).length }).toEqual({ round, ok: 1 });
      const refused = byA.status === 200 ? byB : byA;
      if (refused.status === 409) expect(refused.body).toMatchObject({ error_code: 'conflict', error_message: LAST_ADMIN });
      else expect(refused.status).toBe(401);
      refusals.push(refused.status);
      expect(await count()).toBe(1);
      await accounts.setDisabled(byA.status === 200 ? b.userId : a.userId, false);
    }
    expect(refusals).toHaveLength(ROUNDS);
  });

  it('refuses the admin CLI too: 409 conflict, and the admin stays enabled', async () => {
    // Prepare
    const { deps, accounts } = await freshTable();
    const only = await makeUser(accounts, { admin: true });
    // Act
    const attempt = setUserDisabled(deps, only.userId, true, CLI_ACTOR);
    // Assess
    await expect(attempt).rejects.toEqual(new HttpError(409, 'conflict', LAST_ADMIN));
    await expect(attempt).rejects.toMatchObject({ statusCode: 409, code: 'conflict' });
    expect((await accounts.getUser(only.userId))?.disabled).toBe(false);
  });
});
