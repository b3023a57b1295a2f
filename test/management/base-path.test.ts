/**
 * The management Lambdas find their operation by the deployment's route
 * table, not by a path written into them: a team that mounts the management
 * API at /auth-service, with its own catalog and prefixes, gets working
 * login, keys with its own permission, and messages that name its paths.
 */
import { configEnvironment } from '../../lambda/shared/config';
import type { DynamoAccountStore } from '../../lambda/store/dynamo-account-store';
import { ORIGIN, makeUser, type ManagementApi, type ManagementHandlers } from '../support/management-api';
import { Testbed } from '../support/testbed';

let bed: Testbed;
let api: ManagementApi;
let handlers: ManagementHandlers;
let accounts: DynamoAccountStore;

beforeAll(async () => {
  bed = await Testbed.open({
    deployment: (table) => ({
      ...configEnvironment(table, {
        basePath: '/auth-service',
        routes: [{ method: 'POST', path: '/widgets', needs: 'write_widgets' }],
        permissions: [{ name: 'write_widgets', grant: 'key', description: 'create widgets' }],
        userKeyPrefix: 'wk_',
        botKeyPrefix: 'wbot_',
        cookieName: 'keygate_session',
        allowedOrigins: [ORIGIN],
        plans: [],
        defaultPlan: '',
        usageKeyLimit: 9000,
        cacheTtlSeconds: 0,
        console: true,
        gatewayCacheSeconds: 0,
      }),
      KEYGATE_NEGATIVE_CACHE_TTL_SECONDS: '0',
    }),
  });
  ({ api, accounts } = bed);
  handlers = api.handlers;
});
afterAll(() => bed.close());

describe('Management API under another base path', () => {
  it('logs in, makes a key with the deployment\'s own permission, and names its own paths in messages', async () => {
    // Prepare
    const user = await makeUser(accounts);
    // Act
    const session = await api.login(user.email, user.password);
    const created = await api.call('POST', '/auth-service/keys', { session, body: { name: 'widgets', permissions: ['write_widgets'] } });
    const logout = await api.call('POST', '/auth-service/auth/logout', { key: created.body.key });
    const patch = await api.call('PATCH', '/auth-service/keys/{keyId}', { session, params: { keyId: created.body.id }, body: { permissions: [] } });
    // Assess
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ key: expect.stringMatching(/^wk_/), permissions: ['write_widgets'] });
    expect(logout.body.error_message).toContain('DELETE /auth-service/keys/{keyId}');
    expect(patch.body.error_message).toContain('POST /auth-service/keys');
  });

  it('answers a reference-app path with 404: nothing is written for /v1', async () => {
    // Act
    const res = await handlers.auth(
      { resource: '/v1/auth/login', path: '/v1/auth/login', httpMethod: 'POST', headers: {}, multiValueHeaders: {}, body: '{}', isBase64Encoded: false, requestContext: {} } as never,
      {} as never,
    );
    // Assess
    expect(res.statusCode).toBe(404);
    expect(JSON.parse(res.body)).toMatchObject({ error_code: 'not_found', endpoint: '/v1/auth/login' });
  });

  it("refuses a key with a permission of another app's catalog", async () => {
    // Prepare
    const user = await makeUser(accounts);
    const session = await api.login(user.email, user.password);
    // Act
    const res = await api.call('POST', '/auth-service/keys', { session, body: { name: 'scores', permissions: ['submit_score'] } });
    // Assess
    expect(res.status).toBe(400);
    expect(res.body.error_message).toContain("'submit_score'");
  });
});
