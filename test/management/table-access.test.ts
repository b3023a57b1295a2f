/**
 * `MANAGEMENT_FUNCTIONS`' tableActions is what the stack grants. Here every route of
 * each Lambda runs on a client that records the IAM action of each call (a
 * transaction counts as the actions of its items), and the recorded set has
 * to equal the granted one: nothing missing, nothing extra.
 */
import { createHash } from 'node:crypto';
import { DynamoDBClient, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { createAdminHandler } from '../../lambda/management/admin/routes';
import { createAuthHandler } from '../../lambda/management/auth/routes';
import { buildDeps } from '../../lambda/management/deps';
import { createClientsHandler } from '../../lambda/management/clients/routes';
import { createKeysHandler } from '../../lambda/management/keys/routes';
import { MANAGEMENT_FUNCTIONS } from '../../lambda/core/management-functions';
import { loadManagementConfig } from '../../lambda/shared/management-config';
import { DynamoAccountStore } from '../../lambda/store/dynamo-account-store';
import { ManagementApi, makeUser, managementEnv } from '../support/management-api';
import { closeTable, openTable } from '../support/table';

type Target = keyof typeof MANAGEMENT_FUNCTIONS;

let client: DynamoDBClient;
let table: string;
const recorders: DynamoDBClient[] = [];

beforeAll(async () => {
  ({ client, table } = await openTable());
});
afterAll(async () => {
  await closeTable(client, table);
  recorders.forEach((c) => c.destroy());
});

/** A client that adds the IAM action of every call it sends to `actions`. */
function recordingClient(actions: Set<string>): DynamoDBClient {
  const c = new DynamoDBClient({});
  c.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? '';
      if (command === 'TransactWriteItemsCommand') {
        for (const item of (args.input as { TransactItems: TransactWriteItem[] }).TransactItems) {
          if (item.Put) actions.add('dynamodb:PutItem');
          if (item.Update) actions.add('dynamodb:UpdateItem');
          if (item.Delete) actions.add('dynamodb:DeleteItem');
          if (item.ConditionCheck) actions.add('dynamodb:ConditionCheckItem');
        }
      } else {
        actions.add(`dynamodb:${command.replace(/Command$/, '')}`);
      }
      return next(args);
    },
    { step: 'initialize', name: 'recordIamAction' },
  );
  recorders.push(c);
  return c;
}

describe('Module: table-access', () => {
  it('grants each management Lambda exactly the actions its routes use', async () => {
    // Prepare
    const used: Record<Target, Set<string>> = { auth: new Set(), keys: new Set(), admin: new Set(), clients: new Set() };
    const config = loadManagementConfig(managementEnv(table));
    const handlers = {
      auth: createAuthHandler(buildDeps(config, recordingClient(used.auth))),
      keys: createKeysHandler(buildDeps(config, recordingClient(used.keys))),
      admin: createAdminHandler(buildDeps(config, recordingClient(used.admin))),
      clients: createClientsHandler(buildDeps(config, recordingClient(used.clients))),
    };
    const api = new ManagementApi(client, table, handlers);
    const accounts = new DynamoAccountStore(client, table);
    const admin = await makeUser(accounts, { admin: true });
    const user = await makeUser(accounts);

    // Act: every route
    await api.call('POST', '/v1/auth/login', { body: { email: user.email, password: 'wrong password' } });
    const session = await api.login(user.email, user.password);
    const other = await api.login(user.email, user.password);
    const adminSession = await api.login(admin.email, admin.password);
    await api.call('GET', '/v1/auth/me', { session });
    await api.call('GET', '/v1/auth/sessions', { session });
    await api.call('DELETE', '/v1/auth/sessions/{sessionId}', { session, params: { sessionId: other.slice(20, 32) } });
    await api.login(user.email, user.password);
    await api.call('POST', '/v1/users/me/password', { session, body: { currentPassword: user.password, newPassword: 'a new long passphrase' } });
    await api.call('GET', '/v1/auth/audit', { session });

    const key = (await api.call('POST', '/v1/keys', { session, body: { name: 'k', permissions: ['submit_score'] } })).body;
    await api.call('POST', '/v1/auth/verify', { body: { key: key.key } });
    await api.call('GET', '/v1/keys', { session });
    await api.call('GET', '/v1/keys/{keyId}', { session, params: { keyId: key.id } });
    await api.call('PATCH', '/v1/keys/{keyId}', { session, params: { keyId: key.id }, body: { name: 'renamed' } });
    const next = (await api.call('POST', '/v1/keys/{keyId}/rotate', { session, params: { keyId: key.id }, body: { gracePeriodSeconds: 60 } })).body;
    await api.call('DELETE', '/v1/keys/{keyId}', { session, params: { keyId: next.id } });

    const bot = (await api.call('POST', '/v1/admin/users', { session: adminSession, body: { email: 'bot@example.com', kind: 'bot' } })).body.user;
    const botKey = (await api.call('POST', '/v1/admin/users/{userId}/keys', { session: adminSession, params: { userId: bot.id }, body: { name: 'ci', permissions: [] } })).body;
    await api.call('GET', '/v1/admin/users', { session: adminSession });
    await api.call('GET', '/v1/admin/users/{userId}', { session: adminSession, params: { userId: bot.id } });
    await api.call('GET', '/v1/admin/users/{userId}/keys', { session: adminSession, params: { userId: bot.id } });
    const rotated = (await api.call('POST', '/v1/admin/users/{userId}/keys/{keyId}/rotate', { session: adminSession, params: { userId: bot.id, keyId: botKey.id } })).body;
    await api.call('DELETE', '/v1/admin/users/{userId}/keys/{keyId}', { session: adminSession, params: { userId: bot.id, keyId: rotated.id } });
    await api.call('GET', '/v1/admin/users/{userId}/audit', { session: adminSession, params: { userId: bot.id } });
    await api.call('PATCH', '/v1/admin/users/{userId}', { session: adminSession, params: { userId: bot.id }, body: { disabled: true } });

    // API clients and OAuth
    const form = (fields: Record<string, string>) => ({ headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString(), origin: null });
    const redirect = 'https://tool.example/cb';
    const tool = (await api.call('POST', '/v1/clients', { session: adminSession, body: { name: 't', redirectUris: [redirect], permissions: ['submit_score'], apiKeyFilename: 'k.json', apiKeyTemplate: '{"k":"%%KEYGATE_KEY%%"}' } })).body;
    const clientId = { clientId: tool.id as string };
    await api.call('GET', '/v1/clients', { session: adminSession });
    await api.call('GET', '/v1/clients/{clientId}', { session: adminSession, params: clientId });
    await api.call('PATCH', '/v1/clients/{clientId}', { session: adminSession, params: clientId, body: { name: 't2' } });
    const secret = (await api.call('POST', '/v1/clients/{clientId}/secret', { session: adminSession, params: clientId })).body.secret as string;
    await api.call('POST', '/v1/clients/{clientId}/file', { session: adminSession, params: clientId });
    const verifier = 'a-fixed-test-verifier-of-at-least-43-characters-long';
    const request = { response_type: 'code', client_id: tool.id as string, redirect_uri: redirect, code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256' };
    await api.call('GET', '/v1/oauth/authorize', { session: adminSession, query: request, headers: { Accept: 'application/json' } });
    const code = new URL((await api.call('POST', '/v1/oauth/authorize', { session: adminSession, body: { ...request, decision: 'approve' } })).body.redirectTo).searchParams.get('code')!;
    const token = { grant_type: 'authorization_code', code, redirect_uri: redirect, client_id: tool.id as string, client_secret: secret, code_verifier: verifier };
    const accessToken = (await api.call('POST', '/v1/oauth/token', form(token))).body.access_token as string;
    await api.call('POST', '/v1/oauth/token', form(token));
    await api.call('POST', '/v1/oauth/revoke', form({ token: accessToken, client_id: tool.id as string, client_secret: secret }));
    await api.call('GET', '/.well-known/oauth-authorization-server', {});
    await api.call('GET', '/v1/authorizations', { session: adminSession });
    await api.call('DELETE', '/v1/authorizations/{clientId}', { session: adminSession, params: clientId });
    await api.call('POST', '/v1/clients/{clientId}/file', { session: adminSession, params: clientId });
    await api.call('DELETE', '/v1/clients/{clientId}', { session: adminSession, params: clientId });
    await api.call('POST', '/v1/auth/revoke', { body: { key: accessToken } });
    await api.call('POST', '/v1/auth/logout', { session });

    // Assess
    for (const target of Object.keys(used) as Target[]) {
      expect({ target, actions: [...used[target]].sort() }).toEqual({ target, actions: [...MANAGEMENT_FUNCTIONS[target].tableActions].sort() });
    }
  });
});
