/**
 * docs/openapi.yaml is generated (`npm run openapi`, local/openapi-document.ts): the
 * committed file has to be the generated one, every management operation
 * has to have its schemas, and the real handlers, behind the real authorizer
 * on DynamoDB Local, have to answer as the document says: each answer's
 * status is listed for its operation and its body passes ajv against that
 * status' schema (response schemas allow no undocumented property).
 */
import { createHash } from 'node:crypto';
import { startControlPlane, UsagePlanModel, type ControlPlane } from '../../local/usage-plans';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { load, CORE_SCHEMA } from 'js-yaml';
import { readFileSync } from 'node:fs';
import { MANAGEMENT_ROUTES } from '../../lambda/core/management-routes';
import { generateToken, newId } from '../../lambda/core/token';
import { createHandler } from '../../lambda/example/handler';
import { OPERATION_SCHEMAS } from '../../lambda/management/operation-schemas';
import { DEFAULT_COOKIE_NAME, loadConfig } from '../../lambda/shared/config';
import { gatewayResponses } from '../../lib/keygate-api';
import { openApiDocument } from '../../local/openapi-document';
import { REFERENCE_ROUTES } from '../../lib/reference-app';
import { servedOpenApi } from '../../local/openapi';
import { OPENAPI_FILE, referenceDocument, referenceDocumentYaml } from '../../scripts/openapi';
import { authorizerEvent } from '../../fixtures/authorizer-events';
import { referenceEnv } from '../../fixtures/reference-env';
import { ORIGIN, makeUser, proxyEvent, type ApiResponse, type CallOptions, type SignedInUser } from '../support/management-api';
import { Testbed } from '../support/testbed';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const doc: Json = referenceDocument();
const sorted = (values: Iterable<string>) => [...values].sort();

/** ajv with the document's shared schemas under `components.json`; `forAjv` is the document with its refs pointing there. */
const ajv = new Ajv2020({ strict: true, strictTypes: false, allErrors: true });
addFormats(ajv);
const forAjv: Json = JSON.parse(JSON.stringify(doc).replaceAll('"#/components/schemas/', '"components.json#/$defs/'));
ajv.addSchema({ $id: 'components.json', $defs: forAjv.components.schemas });
/** A response, or the shared one it refers to. */
const responseOf = (response: Json): Json => (response.$ref ? forAjv.components.responses[response.$ref.split('/').pop()] : response);

describe('Document: openapi.yaml', () => {
  it('is what `npm run openapi` generates from the code', () => {
    const committed = readFileSync(OPENAPI_FILE, 'utf8');
    // Assess, with the remedy in the failure message
    if (committed !== referenceDocumentYaml()) {
      throw new Error('docs/openapi.yaml is not what the route table and the zod schemas generate: run `npm run openapi` and commit docs/openapi.yaml');
    }
    expect(load(committed, { schema: CORE_SCHEMA })).toEqual(doc);
  });

  it('has an entry in OPERATION_SCHEMAS for every operation of MANAGEMENT_ROUTES, and none for an operation that is gone', () => {
    const operations = MANAGEMENT_ROUTES.map((r) => r.operation);
    const missing = operations.filter((op) => !(op in OPERATION_SCHEMAS));
    const stale = Object.keys(OPERATION_SCHEMAS).filter((op) => !operations.includes(op));
    // Assess: a new operation needs its summary, body/query schemas and answers in lambda/management/operation-schemas.ts
    expect({ missing, stale }).toEqual({ missing: [], stale: [] });
  });

  it('gives every operation a unique operationId', () => {
    const ids = Object.values(doc.paths).flatMap((item: Json) => Object.values(item).map((op: Json) => op.operationId as string));
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });

  it("names every code of the stack's gateway responses: in a response's codes or in the gateway's own answer", () => {
    const literal = gatewayResponses('/v1/auth/verify').filter((r) => !r.code.includes('$context')).map((r) => JSON.parse(r.code) as string);
    const listed = Object.values(doc.components.responses).flatMap((r: Json) => r.content['application/json'].schema.allOf?.[1].properties.error_code.enum ?? []);
    const described = String(doc.components.responses.GatewayError.description);
    expect(literal.filter((code) => !listed.includes(code) && !described.includes(`\`${code}\``))).toEqual([]);
  });

  it("describes another app's deployment: its base path, permissions, routes, key prefixes and cookie", () => {
    // Arrange
    const app = openApiDocument({
      title: 'widgets',
      version: '1.0.0',
      basePath: '/auth-service',
      routes: [
        ...MANAGEMENT_ROUTES.map((r) => ({ ...r, path: `/auth-service${r.path}` })),
        { method: 'DELETE', path: '/widgets/{widgetId}', needs: 'write_widgets' },
        { method: 'GET', path: '/health', needs: 'public' },
      ],
      permissions: [{ name: 'write_widgets', grant: 'key', description: 'change widgets' }, { name: 'manage_keys', grant: 'session', description: 'keys' }],
      prefixes: { user: 'wdg_', bot: 'wdgbot_' },
      cookieName: 'widget_session',
    }) as Json;

    // Act
    const widget = app.paths['/widgets/{widgetId}'].delete;

    // Assess
    expect(app.paths['/auth-service/keys'].post.operationId).toBe('createKey');
    expect(widget).toMatchObject({ operationId: 'deleteWidgetsWidgetId', 'x-keygate-needs': 'write_widgets', security: [{ bearerKey: [] }, { sessionCookie: [] }] });
    expect(widget.parameters).toEqual([{ name: 'widgetId', in: 'path', required: true, schema: { type: 'string' } }]);
    expect(sorted(Object.keys(widget.responses))).toEqual(['200', '401', '403', '500', 'default']);
    expect(app.components.responses.MissingPermissionOrCsrfRejected.content['application/json'].schema.allOf[1].properties.error_code.enum).toEqual(['missing_permission', 'csrf_rejected']);
    expect(app.paths['/health'].get).toMatchObject({ security: [], responses: { 500: { $ref: '#/components/responses/InternalError' } } });
    expect(app.paths['/health'].get.responses[401]).toBeUndefined();
    expect(app.components.schemas.KeyPermission.enum).toEqual(['write_widgets']);
    expect(app.components.schemas.ApiKey.pattern).toMatch(/^\^\(wdg_\|wdgbot_\)/);
    expect(app.components.securitySchemes.sessionCookie.name).toBe('widget_session');
  });

  it("is, for the management operations, what the local runner serves for the reference app's settings", () => {
    const served = JSON.parse(servedOpenApi(loadConfig(referenceEnv('table')), 'Keygate', 'http://127.0.0.1:3000').body.toString('utf8'));
    const management = (d: Json) => Object.fromEntries(MANAGEMENT_ROUTES.map((r) => [`${r.method} ${r.path}`, d.paths[r.atRoot ? r.path : `/v1${r.path}`][r.method.toLowerCase()]]));
    expect(management(served)).toEqual(management(doc));
  });

  it('has schemas that a standard validator compiles (ajv, strict)', () => {
    const schemas = Object.values(forAjv.paths).flatMap((item: Json) =>
      Object.values(item).flatMap((op: Json) => [
        ...Object.values(op.requestBody?.content ?? {}).map((c: Json) => c.schema),
        ...(op.parameters ?? []).map((p: Json) => p.schema),
        ...Object.values(op.responses).flatMap((r: Json) => Object.values(responseOf(r).content ?? {}).map((c: Json) => c.schema)),
      ]),
    );
    expect(schemas.filter((schema) => schema !== undefined && typeof ajv.compile(schema) !== 'function')).toEqual([]);
  });

  // -------------------------------------------------------------------------
  // The real handlers behind the real authorizer.

  describe('Answers of the implementation', () => {

    const routeFor = (method: string, path: string) => {
      const route = REFERENCE_ROUTES.find((r) => r.method === method && r.path === path);
      if (!route) throw new Error(`no route ${method} ${path}`);
      return route;
    };

    let bed: Testbed;
    let controlPlane: ControlPlane;
    let admin: SignedInUser;
    let user: SignedInUser;
    /** a key of `user` with submit_score and customise_score */
    let userKey: string;
    const exampleHandler = createHandler(new Set([ORIGIN]));
    /** `METHOD path` → the statuses answered and checked */
    const answered = new Map<string, Set<number>>();

    beforeAll(async () => {
      // With plans, on the emulated API Gateway control plane, so the plan and usage routes can succeed.
      controlPlane = await startControlPlane(UsagePlanModel.fromPlans([{ id: 'planfree', throttle: { rateLimit: 5, burstLimit: 10 }, quota: { limit: 100, period: 'DAY' } }]));
      bed = await Testbed.open({
        env: { KEYGATE_PLANS: JSON.stringify([{ name: 'free', throttle: { rateLimit: 5, burstLimit: 10 }, quota: { limit: 100, period: 'DAY' }, id: 'planfree' }]), KEYGATE_DEFAULT_PLAN: 'free', AWS_ENDPOINT_URL_API_GATEWAY: controlPlane.endpoint },
      });
      admin = await bed.signIn({ admin: true });
      user = await bed.signIn();
      userKey = (await bed.api.call('POST', '/v1/keys', { session: user.session, body: { name: 'docs', permissions: ['submit_score', 'customise_score'] } })).body.key;
    });
    afterAll(async () => {
      await bed?.close();
      await controlPlane?.close();
    });

    const NOTABLE_HEADERS = ['set-cookie', 'www-authenticate', 'retry-after'];

    /** Checks an answer against the document and returns it. */
    function documented(method: string, path: string, res: ApiResponse): ApiResponse {
      const route = routeFor(method, path);
      const id = `${method} ${path}`;
      const responses = doc.paths[path][method.toLowerCase()].responses;
      // Assess: the status is listed for this operation (a Lambda's answer never falls to `default`)
      expect({ id, status: res.status, documented: String(res.status) in responses }).toEqual({ id, status: res.status, documented: true });
      answered.set(id, (answered.get(id) ?? new Set()).add(res.status));

      const response = responseOf(forAjv.paths[path][method.toLowerCase()].responses[String(res.status)]);
      // The harness answers for API Gateway with the authorizer's real code; the gateway response puts it in this body.
      const body = res.fromGateway ? { status_code: res.status, endpoint: route.path, error_code: res.body.error_code, error_message: 'from the gateway' } : res.body;
      const contentType = (Object.entries(res.headers).find(([h]) => h.toLowerCase() === 'content-type')?.[1] ?? 'application/json').split(';')[0]!;
      if (response.content === undefined) {
        expect({ id, body }).toEqual({ id, body: undefined });
      } else {
        // The answer's media type is one the document lists for this status (an HTML page, a client file or JSON).
        expect({ id, status: res.status, contentType, listed: contentType in response.content }).toEqual({ id, status: res.status, contentType, listed: true });
        const validate = ajv.compile(response.content[contentType].schema);
        const valid = validate(body);
        expect({ id, status: res.status, errors: valid ? [] : validate.errors }).toEqual({ id, status: res.status, errors: [] });
      }
      // The Error body names its endpoint; an OAuth endpoint's RFC 6749 body does not have one.
      if (res.status >= 400 && body?.error_code !== undefined) expect({ endpoint: body.endpoint, status_code: body.status_code }).toEqual({ endpoint: path, status_code: res.status });
      const headers = Object.keys(response.headers ?? {}).map((h) => h.toLowerCase());
      const undocumented = Object.keys(res.headers).filter((h) => NOTABLE_HEADERS.includes(h.toLowerCase()) && !headers.includes(h.toLowerCase()));
      expect({ id, status: res.status, undocumented }).toEqual({ id, status: res.status, undocumented: [] });
      return res;
    }

    const call = async (method: string, path: string, opts: CallOptions = {}) => documented(method, path, await bed.api.call(method, path, opts));

    /** The example backend as API Gateway would call it, behind the harness's authorizer. */
    async function callExample(method: string, path: string, opts: CallOptions = {}): Promise<ApiResponse> {
      const headers: Record<string, string> = { Origin: ORIGIN };
      if (opts.key) headers.Authorization = `Bearer ${opts.key}`;
      if (opts.session) headers.Cookie = `${DEFAULT_COOKIE_NAME}=${opts.session}`;
      const decision = await bed.api.authorizer.decide(authorizerEvent(method, path, headers));
      let res: ApiResponse;
      if (decision.outcome === 'unauthorized') res = { status: 401, body: { error_code: 'unauthorized' }, headers: {}, fromGateway: true };
      else if (decision.outcome === 'deny') res = { status: 403, body: { error_code: decision.reason }, headers: {}, fromGateway: true };
      else {
        const authorizer = { principalId: decision.result.principalId, ...(decision.result.context as Record<string, string>) };
        const event = proxyEvent({ method, resource: path, headers, authorizer, ...(opts.params ? { pathParameters: opts.params } : {}), ...(opts.body !== undefined ? { body: opts.body } : {}) });
        const answer = await exampleHandler(event);
        res = { status: answer.statusCode, body: answer.body ? JSON.parse(answer.body) : undefined, headers: (answer.headers ?? {}) as Record<string, string>, fromGateway: false };
      }
      return documented(method, path, res);
    }

    it('auth: login, verify and me', async () => {
      // Act + Assess
      const login = await call('POST', '/v1/auth/login', { body: { email: user.email, password: user.password } });
      expect(login.headers['Set-Cookie']).toBeDefined();
      expect((await call('POST', '/v1/auth/login', { body: { email: user.email, password: 'not the password' } })).headers['WWW-Authenticate']).toBe('Bearer');
      expect((await call('POST', '/v1/auth/login', { body: { email: user.email } })).status).toBe(400);
      expect((await call('POST', '/v1/auth/login', { origin: 'https://evil.example', body: { email: user.email, password: user.password } })).status).toBe(403);
      const nobody = `nobody-${newId()}@example.com`;
      let locked: ApiResponse | undefined;
      for (let i = 0; i < 10 && locked?.status !== 429; i++) locked = await call('POST', '/v1/auth/login', { body: { email: nobody, password: 'wrong password' } });
      expect(locked?.headers['Retry-After']).toMatch(/^\d+$/);

      expect((await call('POST', '/v1/auth/verify', { body: { key: userKey } })).body.valid).toBe(true);
      expect((await call('POST', '/v1/auth/verify', { body: { key: 'user_key_short' } })).body.error_code).toBe('malformed_key');
      expect((await call('POST', '/v1/auth/verify', { body: { key: generateToken('user', newId()).value } })).body.error_code).toBe('invalid_key');
      expect((await call('POST', '/v1/auth/verify', { body: { key: 7 } })).status).toBe(400);

      expect((await call('GET', '/v1/auth/me', { session: user.session })).body.authMethod).toBe('session');
      expect((await call('GET', '/v1/auth/me', { key: userKey })).body.authMethod).toBe('api_key');
      expect((await call('GET', '/v1/auth/me')).status).toBe(401);
    });

    it('keys: create, list, get, rename, rotate and revoke, and their refusals', async () => {
      const created = await call('POST', '/v1/keys', { session: user.session, body: { name: 'lifecycle', permissions: ['delete_score'], expiresInDays: 30 } });
      expect(created.status).toBe(201);
      const keyId: string = created.body.id;
      expect((await call('POST', '/v1/keys', { session: user.session, body: { name: 'x', permissions: ['manage_keys'] } })).status).toBe(400);
      expect((await call('POST', '/v1/keys', { key: userKey, body: { name: 'x', permissions: [] } })).body.error_code).toBe('missing_permission');
      expect((await call('POST', '/v1/keys', { session: user.session, origin: null, body: { name: 'x', permissions: [] } })).body.error_code).toBe('csrf_rejected');

      expect((await call('GET', '/v1/keys', { session: user.session })).body.keys.length).toBeGreaterThanOrEqual(2);
      expect((await call('GET', '/v1/keys', { key: userKey })).status).toBe(403);
      expect((await call('GET', '/v1/keys/{keyId}', { session: user.session, params: { keyId } })).status).toBe(200);
      expect((await call('GET', '/v1/keys/{keyId}', { session: user.session, params: { keyId: newId() } })).status).toBe(404);
      expect((await call('PATCH', '/v1/keys/{keyId}', { session: user.session, params: { keyId }, body: { name: 'renamed' } })).body.name).toBe('renamed');
      expect((await call('PATCH', '/v1/keys/{keyId}', { session: user.session, params: { keyId }, body: { permissions: [] } })).status).toBe(400);

      const rotated = await call('POST', '/v1/keys/{keyId}/rotate', { session: user.session, params: { keyId }, body: { gracePeriodSeconds: 60 } });
      expect(rotated.status).toBe(201);
      expect((await call('GET', '/v1/keys/{keyId}', { session: user.session, params: { keyId } })).body.status).toBe('grace_period');
      expect((await call('POST', '/v1/keys/{keyId}/rotate', { session: user.session, params: { keyId } })).status).toBe(409);
      expect((await call('POST', '/v1/keys/{keyId}/rotate', { session: user.session, params: { keyId }, body: { gracePeriodSeconds: -1 } })).status).toBe(400);

      expect((await call('DELETE', '/v1/keys/{keyId}', { session: user.session, params: { keyId: rotated.body.id } })).status).toBe(204);
      expect((await call('DELETE', '/v1/keys/{keyId}', { session: user.session, params: { keyId: 'not-an-id' } })).status).toBe(404);
      expect((await call('POST', '/v1/auth/verify', { body: { key: rotated.body.key } })).body.error_code).toBe('key_revoked');
      expect((await call('GET', '/v1/keys/{keyId}', { session: user.session, params: { keyId: rotated.body.id } })).body.revokedAt).not.toBeNull();
    });

    it('sessions: list, audit pages, end one', async () => {
      const other = await bed.api.login(user.email, user.password);
      const sessions = await call('GET', '/v1/auth/sessions', { session: user.session });
      const otherId: string = sessions.body.sessions.find((s: { id: string }) => other.includes(s.id)).id;
      expect((await call('GET', '/v1/auth/sessions', { key: userKey })).status).toBe(403);

      const page = await call('GET', '/v1/auth/audit', { session: user.session, query: { limit: '1' } });
      expect(page.body.next).not.toBeNull();
      expect((await call('GET', '/v1/auth/audit', { session: user.session, query: { cursor: page.body.next } })).status).toBe(200);
      expect((await call('GET', '/v1/auth/audit', { session: user.session, query: { limit: '0' } })).status).toBe(400);

      expect((await call('DELETE', '/v1/auth/sessions/{sessionId}', { session: user.session, params: { sessionId: otherId } })).status).toBe(204);
      expect((await call('DELETE', '/v1/auth/sessions/{sessionId}', { session: user.session, params: { sessionId: otherId } })).status).toBe(404);
    });

    it('password: a wrong current password is 400, a good change 204', async () => {
      const changer = await makeUser(bed.accounts);
      const session = await bed.api.login(changer.email, changer.password);
      expect((await call('POST', '/v1/users/me/password', { session, body: { currentPassword: 'not it at all', newPassword: 'a brand new password' } })).status).toBe(400);
      expect((await call('POST', '/v1/users/me/password', { session, body: { currentPassword: changer.password, newPassword: 'a brand new password' } })).status).toBe(204);
    });

    it('admin: users, bots and bot keys, and their refusals', async () => {
      const email = `human-${newId()}@example.com`;
      const human = await call('POST', '/v1/admin/users', { session: admin.session, body: { email, password: 'a long enough password', kind: 'human' } });
      expect(human.status).toBe(201);
      expect((await call('POST', '/v1/admin/users', { session: admin.session, body: { email, password: 'a long enough password', kind: 'human' } })).status).toBe(409);
      expect((await call('POST', '/v1/admin/users', { session: admin.session, body: { email: `b-${newId()}@example.com`, kind: 'bot', password: 'bots have none' } })).status).toBe(400);
      expect((await call('POST', '/v1/admin/users', { session: user.session, body: { email: `x-${newId()}@example.com`, kind: 'bot' } })).status).toBe(403);
      const bot = await call('POST', '/v1/admin/users', { session: admin.session, body: { email: `bot-${newId()}@example.com`, kind: 'bot' } });

      const botKey = await call('POST', '/v1/admin/users/{userId}/keys', { session: admin.session, params: { userId: bot.body.user.id }, body: { name: 'ci', permissions: ['submit_score'] } });
      expect(botKey.body.key).toMatch(/^bot_key_/);
      expect((await call('POST', '/v1/admin/users/{userId}/keys', { session: admin.session, params: { userId: human.body.user.id }, body: { name: 'x', permissions: [] } })).status).toBe(409);
      expect((await call('POST', '/v1/admin/users/{userId}/keys', { session: admin.session, params: { userId: newId() }, body: { name: 'x', permissions: [] } })).status).toBe(404);

      expect((await call('PATCH', '/v1/admin/users/{userId}', { session: admin.session, params: { userId: bot.body.user.id }, body: { disabled: true } })).body.user.disabled).toBe(true);
      expect((await call('POST', '/v1/admin/users/{userId}/keys', { session: admin.session, params: { userId: bot.body.user.id }, body: { name: 'x', permissions: [] } })).status).toBe(409);
      expect((await call('PATCH', '/v1/admin/users/{userId}', { session: admin.session, params: { userId: admin.userId }, body: { disabled: true } })).status).toBe(400);
      expect((await call('PATCH', '/v1/admin/users/{userId}', { session: admin.session, params: { userId: newId() }, body: { disabled: false } })).status).toBe(404);

      const botId = bot.body.user.id as string;
      expect((await call('GET', '/v1/admin/users', { session: admin.session, query: { limit: '2' } })).body.users).toHaveLength(2);
      expect((await call('GET', '/v1/admin/users', { session: admin.session, query: { cursor: 'forged' } })).status).toBe(400);
      expect((await call('GET', '/v1/admin/users/{userId}', { session: admin.session, params: { userId: botId } })).body.user.id).toBe(botId);
      expect((await call('GET', '/v1/admin/users/{userId}', { session: admin.session, params: { userId: newId() } })).status).toBe(404);
      expect((await call('GET', '/v1/admin/users/{userId}/keys', { session: admin.session, params: { userId: botId } })).body.keys).toHaveLength(1);
      expect((await call('GET', '/v1/admin/users/{userId}/keys', { session: admin.session, params: { userId: newId() } })).status).toBe(404);
      expect((await call('GET', '/v1/admin/users/{userId}/audit', { session: admin.session, params: { userId: botId } })).status).toBe(200);
      expect((await call('GET', '/v1/admin/users/{userId}/audit', { session: admin.session, params: { userId: botId }, query: { limit: '0' } })).status).toBe(400);
      await call('PATCH', '/v1/admin/users/{userId}', { session: admin.session, params: { userId: botId }, body: { disabled: false } });
      const keyParams = { userId: botId, keyId: botKey.body.id as string };
      const rotated = await call('POST', '/v1/admin/users/{userId}/keys/{keyId}/rotate', { session: admin.session, params: keyParams, body: {} });
      expect(rotated.status).toBe(201);
      expect((await call('POST', '/v1/admin/users/{userId}/keys/{keyId}/rotate', { session: admin.session, params: keyParams, body: {} })).status).toBe(409);
      expect((await call('DELETE', '/v1/admin/users/{userId}/keys/{keyId}', { session: admin.session, params: { userId: botId, keyId: rotated.body.id } })).status).toBe(204);
      expect((await call('DELETE', '/v1/admin/users/{userId}/keys/{keyId}', { session: admin.session, params: { userId: botId, keyId: newId() } })).status).toBe(404);
    });

    it('examples: echo who called, for keys and sessions', async () => {
      expect((await callExample('POST', '/v1/scores', { key: userKey, body: { score: 1234 } })).body.keyId).toBeDefined();
      expect((await callExample('POST', '/v1/scores', { key: userKey, body: '{not json' })).status).toBe(400);
      expect((await callExample('GET', '/v1/scores/{scoreId}', { key: userKey, params: { scoreId: '42' } })).status).toBe(200);
      expect((await callExample('GET', '/v1/scores/{scoreId}', { params: { scoreId: '42' } })).status).toBe(401);
      expect((await callExample('PATCH', '/v1/scores/{scoreId}', { key: userKey, params: { scoreId: '42' }, body: { comment: 'nice' } })).status).toBe(200);
      expect((await callExample('PATCH', '/v1/scores/{scoreId}', { params: { scoreId: '42' }, body: {} })).status).toBe(401);
      expect((await callExample('DELETE', '/v1/scores/{scoreId}', { key: userKey, params: { scoreId: '42' } })).status).toBe(403);
      expect((await callExample('DELETE', '/v1/scores/{scoreId}', { session: user.session, params: { scoreId: '42' } })).body.sessionId).toBeDefined();
      expect((await callExample('PATCH', '/v1/users/me', { session: user.session, body: { status: 'hi' } })).status).toBe(200);
      expect((await callExample('PATCH', '/v1/users/me', { key: userKey, body: {} })).status).toBe(403);
      expect((await callExample('PATCH', '/v1/sessions/{sessionId}', { session: user.session, params: { sessionId: 'play-1' }, body: {} })).status).toBe(200);
      expect((await callExample('PATCH', '/v1/sessions/{sessionId}', { key: userKey, params: { sessionId: 'play-1' }, body: {} })).status).toBe(403);
    });

    it('logout: a key is 400; a session ends and its cookie is cleared', async () => {
      expect((await call('POST', '/v1/auth/logout', { key: userKey })).status).toBe(400);
      const session = await bed.api.login(user.email, user.password);
      const res = await call('POST', '/v1/auth/logout', { session });
      expect(res.status).toBe(204);
      expect(res.headers['Set-Cookie']).toBeDefined();
    });

    it('clients and OAuth: clients, the client file, authorized apps, authorize, token, revoke, metadata', async () => {
      const redirect = 'https://tool.example/cb';
      const form = (fields: Record<string, string>): CallOptions => ({ headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString(), origin: null });
      const client = (await call('POST', '/v1/clients', { session: user.session, body: { name: 'Docs tool', redirectUris: [redirect], permissions: ['submit_score'], apiKeyFilename: 'k.env', apiKeyTemplate: 'KEY=%%KEYGATE_KEY%%' } })).body;
      const clientId = { clientId: client.id as string };
      expect((await call('POST', '/v1/clients', { session: user.session, body: { name: 'x', redirectUris: ['http://tool.example/cb'], permissions: ['submit_score'] } })).status).toBe(400);
      expect((await call('GET', '/v1/clients', { session: user.session })).status).toBe(200);
      expect((await call('GET', '/v1/clients', { key: userKey })).status).toBe(403);
      expect((await call('GET', '/v1/clients/{clientId}', { session: user.session, params: clientId })).status).toBe(200);
      expect((await call('GET', '/v1/clients/{clientId}', { session: user.session, params: { clientId: newId() } })).status).toBe(404);
      expect((await call('PATCH', '/v1/clients/{clientId}', { session: user.session, params: clientId, body: { name: 'Docs tool 2' } })).status).toBe(200);
      expect((await call('PATCH', '/v1/clients/{clientId}', { session: user.session, params: clientId, body: { public: true } })).status).toBe(400);
      const secret = (await call('POST', '/v1/clients/{clientId}/secret', { session: user.session, params: clientId })).body.secret as string;
      expect((await call('POST', '/v1/clients/{clientId}/secret', { session: user.session, params: { clientId: newId() } })).status).toBe(404);
      expect((await call('POST', '/v1/clients/{clientId}/file', { session: user.session, params: clientId })).body).toMatch(/^KEY=user_key_/);
      const plain = (await bed.api.call('POST', '/v1/clients', { session: user.session, body: { name: 'No file', redirectUris: [redirect], permissions: ['submit_score'] } })).body;
      expect((await call('POST', '/v1/clients/{clientId}/file', { session: user.session, params: { clientId: plain.id } })).status).toBe(409);

      const verifier = 'a-fixed-test-verifier-of-at-least-43-characters-long';
      const pkce = { code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256' };
      const request = { response_type: 'code', client_id: client.id as string, redirect_uri: redirect, state: 's', ...pkce };
      const asJson = { Accept: 'application/json' };
      expect((await call('GET', '/v1/oauth/authorize', { session: user.session, query: request, headers: asJson })).body.client.id).toBe(client.id);
      expect((await call('GET', '/v1/oauth/authorize', { query: request })).body).toContain('<form method="post"');
      expect((await call('GET', '/v1/oauth/authorize', { query: { ...request, scope: 'admin' } })).status).toBe(302);
      expect((await call('GET', '/v1/oauth/authorize', { session: user.session, query: { ...request, client_id: newId() }, headers: asJson })).status).toBe(400);
      expect((await call('GET', '/v1/oauth/authorize', { query: request, headers: asJson })).status).toBe(401);
      const approved = await call('POST', '/v1/oauth/authorize', { session: user.session, body: { ...request, decision: 'approve' } });
      expect((await call('POST', '/v1/oauth/authorize', { session: user.session, origin: null, body: { ...request, decision: 'approve' } })).status).toBe(403);
      const code = new URL(approved.body.redirectTo as string).searchParams.get('code')!;
      const exchange = { grant_type: 'authorization_code', code, redirect_uri: redirect, client_id: client.id as string, client_secret: secret, code_verifier: verifier };
      const token = (await call('POST', '/v1/oauth/token', form(exchange))).body.access_token as string;
      expect((await call('POST', '/v1/oauth/token', form(exchange))).body.error).toBe('invalid_grant');
      expect((await call('POST', '/v1/oauth/token', form({ ...exchange, client_secret: 'client_secret_wrong' }))).status).toBe(401);
      expect((await call('POST', '/v1/oauth/revoke', form({ token, client_id: client.id as string, client_secret: secret }))).status).toBe(200);
      expect((await call('POST', '/v1/oauth/revoke', form({ token }))).status).toBe(401);
      expect((await call('GET', '/.well-known/oauth-authorization-server')).body.scopes_supported).toContain('submit_score');

      expect((await call('GET', '/v1/authorizations', { session: user.session })).status).toBe(200);
      expect((await call('GET', '/v1/authorizations', { key: userKey })).status).toBe(403);
      expect((await call('DELETE', '/v1/authorizations/{clientId}', { session: user.session, params: clientId })).status).toBe(204);
      expect((await call('DELETE', '/v1/authorizations/{clientId}', { session: user.session, params: { clientId: 'x' } })).status).toBe(404);
      const leaked = (await bed.api.call('POST', '/v1/keys', { session: user.session, body: { name: 'leaked', permissions: [] } })).body.key as string;
      expect((await call('POST', '/v1/auth/revoke', { body: { key: leaked } })).status).toBe(200);
      expect((await call('POST', '/v1/auth/revoke', { body: { key: `${leaked}x` } })).status).toBe(400);
      expect((await call('DELETE', '/v1/clients/{clientId}', { session: user.session, params: clientId })).status).toBe(204);
      expect((await call('DELETE', '/v1/clients/{clientId}', { session: user.session, params: clientId })).status).toBe(404);

      // admins: every client, disable/enable, delete
      expect((await call('GET', '/v1/admin/clients', { session: admin.session, query: { limit: '1' } })).body.clients[0].owner.id).toBeDefined();
      expect((await call('GET', '/v1/admin/clients', { session: admin.session, query: { cursor: 'junk' } })).status).toBe(400);
      expect((await call('GET', '/v1/admin/clients', { session: user.session })).status).toBe(403);
      const plainId = { clientId: plain.id as string };
      expect((await call('PATCH', '/v1/admin/clients/{clientId}', { session: admin.session, params: plainId, body: { disabled: true } })).body.disabled).toBe(true);
      expect((await call('PATCH', '/v1/admin/clients/{clientId}', { session: admin.session, params: plainId, body: { disabled: 'yes' } })).status).toBe(400);
      expect((await call('PATCH', '/v1/admin/clients/{clientId}', { session: admin.session, params: { clientId: newId() }, body: { disabled: false } })).status).toBe(404);
      expect((await call('DELETE', '/v1/admin/clients/{clientId}', { session: admin.session, params: plainId })).status).toBe(204);
      expect((await call('DELETE', '/v1/admin/clients/{clientId}', { session: admin.session, params: plainId })).status).toBe(404);
    });

    it('plans, usage and credits', async () => {
      const as = { session: admin.session };
      const target = await bed.signIn();
      const key = (await call('POST', '/v1/keys', { session: target.session, body: { name: 'metered', permissions: [], credits: { remaining: 3 } } })).body;
      expect((await call('GET', '/v1/plans', { session: user.session })).body.plans).toHaveLength(1);
      expect((await call('GET', '/v1/plans', {})).status).toBe(401);
      expect((await call('PUT', '/v1/admin/users/{userId}/plan', { ...as, params: { userId: target.userId }, body: { plan: 'free' } })).status).toBe(200);
      expect((await call('PUT', '/v1/admin/users/{userId}/plan', { ...as, params: { userId: target.userId }, body: { plan: 'gold' } })).status).toBe(400);
      expect((await call('PUT', '/v1/admin/users/{userId}/keys/{keyId}/plan', { ...as, params: { userId: target.userId, keyId: key.id }, body: { plan: 'free' } })).status).toBe(200);
      expect((await call('PUT', '/v1/admin/users/{userId}/keys/{keyId}/plan', { ...as, params: { userId: target.userId, keyId: newId() }, body: { plan: null } })).status).toBe(404);
      expect((await call('PUT', '/v1/admin/users/{userId}/keys/{keyId}/credits', { ...as, params: { userId: target.userId, keyId: key.id }, body: { credits: null } })).status).toBe(200);
      expect((await call('PUT', '/v1/admin/users/{userId}/keys/{keyId}/credits', { ...as, params: { userId: target.userId, keyId: key.id }, body: { credits: { remaining: -1 } } })).status).toBe(400);
      expect((await call('GET', '/v1/keys/{keyId}/usage', { session: target.session, params: { keyId: key.id } })).status).toBe(200);
      expect((await call('GET', '/v1/keys/{keyId}/usage', { session: target.session, params: { keyId: key.id }, query: { from: '2020-01-01' } })).status).toBe(400);
      expect((await call('GET', '/v1/admin/users/{userId}/usage', { ...as, params: { userId: target.userId } })).status).toBe(200);
      expect((await call('GET', '/v1/admin/users/{userId}/usage', { ...as, params: { userId: newId() } })).status).toBe(404);
      await call('PUT', '/v1/admin/users/{userId}/keys/{keyId}/plan', { ...as, params: { userId: target.userId, keyId: key.id }, body: { plan: null } });
      await call('PUT', '/v1/admin/users/{userId}/plan', { ...as, params: { userId: target.userId }, body: { plan: null } });
    });

    // Runs after the tests above (jest keeps the order within a file).
    it('answered every route of the document with a success and a refusal', () => {
      const routes = REFERENCE_ROUTES.map((r) => `${r.method} ${r.path}`);
      const statuses = (id: string) => [...(answered.get(id) ?? [])];
      // Assess: a new operation needs a success and a refusal above
      expect(sorted(routes.filter((id) => !statuses(id).some((s) => s < 300)))).toEqual([]);
      // The metadata is public data: nothing can refuse it.
      const NEVER_REFUSED = ['GET /.well-known/oauth-authorization-server'];
      expect(sorted(routes.filter((id) => !NEVER_REFUSED.includes(id) && !statuses(id).some((s) => s >= 400)))).toEqual([]);
    });
  });
});
