/**
 * The API Gateway emulation against a hand-written template (fixtures/mini)
 * whose fixture Lambdas run in the runner's own worker threads. No DynamoDB,
 * no HTTP server: requests go straight to `Gateway.handle`.
 */
import { connect } from 'node:net';
import { join } from 'node:path';
import { loadStack } from '../../local/assembly';
import { Gateway, type GatewayResponse, type InvokeResult } from '../../local/gateway';
import { LambdaHost } from '../../local/lambda-host';
import { errorBody, gatewayResponses } from '../../lib/keygate-api';
import { buildModel, type AppModel } from '../../local/model';
import { freePort } from '../../local/ports';
import { listen } from '../../local/server';

const FIXTURE = join(__dirname, 'fixtures', 'mini');

function fixtureModel(): AppModel {
  const stack = loadStack(FIXTURE);
  return buildModel(stack.template, { assemblyDir: stack.assemblyDir, stackName: stack.stackName, region: stack.region!, account: '000000000000' });
}

interface Call {
  readonly method?: string;
  readonly headers?: Record<string, string | string[]>;
  readonly body?: Buffer | string;
}

const json = (res: GatewayResponse) => JSON.parse(res.body.toString('utf8'));
const header = (res: GatewayResponse, name: string) => res.headers.filter(([k]) => k.toLowerCase() === name.toLowerCase()).map(([, v]) => v);

/**
 * One request over a raw socket, sent exactly as given: fetch drops a header
 * named `__proto__` and percent-encodes a `"` in the path, API Gateway's
 * clients need not.
 */
function rawRequest(port: number, method: string, target: string, headers: readonly (readonly [string, string])[] = []): Promise<{ status: number; body: string }> {
  const request = [`${method} ${target} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: close', ...headers.map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const raw = Buffer.concat(chunks);
      const split = raw.indexOf('\r\n\r\n');
      const head = raw.subarray(0, split + 2).toString('latin1');
      let body = raw.subarray(split + 4);
      if (/\r\ntransfer-encoding: chunked\r\n/i.test(head)) {
        const parts: Buffer[] = [];
        for (let at = 0, size; (size = parseInt(body.subarray(at, at + 16).toString('latin1'), 16)) > 0; ) {
          const start = body.indexOf('\r\n', at) + 2;
          parts.push(body.subarray(start, start + size));
          at = start + size + 2;
        }
        body = Buffer.concat(parts);
      }
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]), body: body.toString('utf8') });
    });
  });
}

describe('Class: Gateway (fixture template)', () => {
  const model = fixtureModel();
  const host = new LambdaHost(model.functions, {
    environment: (fn) => ({ PATH: process.env.PATH ?? '', ...fn.environment, AWS_LAMBDA_FUNCTION_NAME: fn.name }),
    log: () => undefined,
  });
  const calls: string[] = [];
  const invoke = async (id: string, event: unknown): Promise<InvokeResult> => {
    calls.push(id);
    return host.invoke(id, event);
  };
  let clock = Date.UTC(2026, 0, 1);
  const gateway = new Gateway(model, invoke, { now: () => clock });
  const authorizerCalls = () => calls.filter((c) => c === 'AuthFn').length;

  function send(url: string, call: Call = {}): Promise<GatewayResponse> {
    const rawHeaders: string[] = ['Host', '127.0.0.1:3000'];
    for (const [k, v] of Object.entries(call.headers ?? {})) for (const x of [v].flat()) rawHeaders.push(k, x);
    const body = call.body === undefined ? Buffer.alloc(0) : Buffer.from(call.body);
    return gateway.handle({ method: call.method ?? 'GET', url, rawHeaders, body, sourceIp: '127.0.0.1' });
  }

  beforeAll(async () => {
    const failures = await host.start();
    expect(failures.size).toBe(0);
  });
  afterAll(() => host.stop());
  beforeEach(() => {
    calls.length = 0;
    clock += 3600_000;
  });

  describe('Method: handle — routing', () => {
    it('serves resources without the stage prefix and refuses unknown routes with the default body', async () => {
      // Act
      const root = await send('/');
      const unknown = await send('/prod/public');
      const wrongMethod = await send('/public', { method: 'PUT' });

      // Assess
      expect(root.statusCode).toBe(200);
      expect(json(root).event.resource).toBe('/');
      for (const res of [unknown, wrongMethod]) {
        expect(res.statusCode).toBe(403);
        expect(json(res)).toEqual({ message: 'Missing Authentication Token' });
        expect(header(res, 'x-amzn-ErrorType')).toEqual(['MissingAuthenticationTokenException']);
      }
    });

    it('prefers a literal part over {param}, and {param+} takes the rest', async () => {
      // Act
      const special = await send('/items/special', { headers: { 'X-Token': 'allow' } });
      const byId = await send('/items/42', { headers: { 'X-Token': 'allow' } });
      const greedy = await send('/files/a/b%20c/d', { method: 'DELETE' });

      // Assess
      expect(json(special).event.resource).toBe('/items/special');
      expect(json(byId).event).toMatchObject({ resource: '/items/{id}', pathParameters: { id: '42' } });
      expect(json(greedy).event).toMatchObject({ resource: '/files/{path+}', httpMethod: 'DELETE', pathParameters: { path: 'a/b%20c/d' } });
    });

    it.each(['/items//7', '//items/7', '/items/7/', '//items//7//'])(
      'routes %s as /items/7: empty segments do not count, for the route and the method ARN alike; the event keeps the path as sent',
      async (path) => {
        // Act: a policy that allows exactly one character after GET/items/
        const res = await send(path, { headers: { 'X-Token': 'question' } });

        // Assess
        expect(res.statusCode).toBe(200);
        const { event } = json(res);
        expect(event).toMatchObject({ resource: '/items/{id}', path, pathParameters: { id: '7' }, requestContext: { path, resourcePath: '/items/{id}' } });
        expect(event.requestContext.authorizer.seenArn).toBe(`arn:aws:execute-api:eu-west-1:000000000000:${model.api.id}/prod/GET/items/7`);
      },
    );
  });

  describe('Method: handle — proxy integration', () => {
    it('gives the function the REST proxy event and its own resolved environment', async () => {
      // Act
      const res = await send('/public?a=1&a=2&b=x%20y', { headers: { 'X-Multi': ['one', 'two'], 'User-Agent': 'jest' } });

      // Assess
      expect(res.statusCode).toBe(200);
      expect(header(res, 'content-type')).toEqual(['application/json']);
      const { event, env, remaining, functionName } = json(res);
      expect(event).toMatchObject({
        resource: '/public',
        path: '/public',
        httpMethod: 'GET',
        headers: { Host: '127.0.0.1:3000', 'X-Multi': 'two', 'User-Agent': 'jest' },
        multiValueHeaders: { 'X-Multi': ['one', 'two'] },
        queryStringParameters: { a: '2', b: 'x y' },
        multiValueQueryStringParameters: { a: ['1', '2'], b: ['x y'] },
        pathParameters: null,
        stageVariables: { flavour: 'vanilla' },
        body: null,
        isBase64Encoded: false,
        requestContext: { stage: 'prod', path: '/public', resourcePath: '/public', httpMethod: 'GET', identity: { sourceIp: '127.0.0.1', userAgent: 'jest' } },
      });
      expect(event.requestContext.authorizer).toBeUndefined();
      expect(env).toMatchObject({
        TABLE_NAME: 'Table',
        TABLE_ARN: 'arn:aws:dynamodb:eu-west-1:000000000000:table/Table',
        WHERE: 'eu-west-1/Table',
        AWS_LAMBDA_FUNCTION_NAME: 'EchoFn',
      });
      expect(env.MODE).toBeUndefined(); // the authorizer's variable, not this function's
      expect(remaining).toBe(true);
      expect(functionName).toBe('EchoFn');
    });

    it('passes multi-value response headers, decodes base64 bodies and base64-encodes binary requests', async () => {
      // Act
      const cookies = await send('/files/cookies');
      const binary = await send('/files/binary');
      const upload = await send('/files/upload', { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: Buffer.from([1, 2, 3]) });

      // Assess
      expect(header(cookies, 'set-cookie')).toEqual(['a=1; Path=/', 'b=2; Path=/']);
      expect(header(cookies, 'x-one')).toEqual(['a']);
      expect([...binary.body]).toEqual([0, 1, 2, 255]);
      expect(json(upload).event).toMatchObject({ isBase64Encoded: true, body: Buffer.from([1, 2, 3]).toString('base64') });
    });

    it.each([
      ['a function error', '/files/crash'],
      ['a result that is not a proxy result', '/files/malformed'],
      ['a function timeout', '/files/hang'],
    ])('answers %s with 502 through DEFAULT_5XX', async (_, path) => {
      // Act
      const res = await send(path);

      // Assess
      expect(res.statusCode).toBe(502);
      expect(json(res)).toEqual({ type: 'DEFAULT_5XX', message: 'Internal server error', stage: 'vanilla' });
    });

    it('refuses a body over 10 MB with 413', async () => {
      const res = await send('/files/big', { method: 'POST', body: Buffer.alloc(10 * 1024 * 1024 + 1) });
      expect(res.statusCode).toBe(413);
      expect(json(res)).toEqual({ message: 'Request Too Long' });
    });
  });

  describe('Method: handle — REQUEST authorizer', () => {
    it('refuses with 401 without calling the authorizer when an identity source is missing', async () => {
      // Act
      const res = await send('/items', { headers: { Origin: 'https://a.example' } });

      // Assess
      expect(res.statusCode).toBe(401);
      expect(json(res)).toEqual({ status_code: 401, endpoint: '/items', error_code: 'unauthorized', error_message: 'no' });
      expect(header(res, 'www-authenticate')).toEqual(['Bearer']);
      expect(header(res, 'x-origin')).toEqual(['https://a.example']);
      expect(authorizerCalls()).toBe(0);
    });

    it('sends the REQUEST event and passes principal and context, as strings, to the integration', async () => {
      // Act
      const res = await send('/items?x=1', { headers: { 'X-Token': 'allow' } });

      // Assess
      expect(res.statusCode).toBe(200);
      const { authorizer } = json(res).event.requestContext;
      expect(authorizer).toMatchObject({ principalId: 'alice', n: '7', yes: 'true', seenType: 'REQUEST', seenResource: '/items' });
      expect(authorizer.seenArn).toBe(`arn:aws:execute-api:eu-west-1:000000000000:${model.api.id}/prod/GET/items`);
    });

    it('caches the result by identity source for the TTL and applies the cached policy to other methods', async () => {
      // Act
      const first = await send('/items', { headers: { 'X-Token': 'get-only' } });
      const again = await send('/items', { headers: { 'X-Token': 'get-only' } });
      const post = await send('/items', { method: 'POST', headers: { 'X-Token': 'get-only' } });
      const callsWithinTtl = authorizerCalls();
      clock += 61_000;
      const afterTtl = await send('/items', { headers: { 'X-Token': 'get-only' } });

      // Assess
      expect([first.statusCode, again.statusCode, post.statusCode, afterTtl.statusCode]).toEqual([200, 200, 403, 200]);
      expect(callsWithinTtl).toBe(1);
      expect(authorizerCalls()).toBe(2);
      expect(json(post)).toMatchObject({ error_code: '', error_message: ' by alice (User is not authorized to access this resource)' });
    });

    it('calls an authorizer without identity sources and TTL 0 on every request', async () => {
      // Act
      const a = await send('/items/1', { headers: { 'X-Token': 'allow' } });
      const b = await send('/items/1', { headers: { 'X-Token': 'allow' } });
      const none = await send('/items/1');

      // Assess
      expect([a.statusCode, b.statusCode, none.statusCode]).toEqual([200, 200, 401]);
      expect(authorizerCalls()).toBe(3);
    });

    it('lets an explicit Deny win over an Allow, with the context in the ACCESS_DENIED body', async () => {
      // Act
      const denied = await send('/items/special', { headers: { 'X-Token': 'deny-special' } });
      const other = await send('/items/5', { headers: { 'X-Token': 'deny-special' } });

      // Assess
      expect(denied.statusCode).toBe(403);
      expect(json(denied)).toEqual({
        status_code: 403,
        endpoint: '/items/special',
        error_code: 'missing_permission',
        error_message: 'needs "special" by alice (User is not authorized to access this resource with an explicit deny)',
      });
      expect(header(denied, 'x-amzn-ErrorType')).toEqual(['AccessDeniedException']);
      expect(other.statusCode).toBe(200);
    });

    it('matches IAM wildcards: ? is exactly one character', async () => {
      const one = await send('/items/7', { headers: { 'X-Token': 'question' } });
      const two = await send('/items/77', { headers: { 'X-Token': 'question' } });
      expect([one.statusCode, two.statusCode]).toEqual([200, 403]);
    });

    it.each([
      ['an error other than Unauthorized', 'boom', 'AUTHORIZER_FAILURE'],
      ['a timeout', 'slow', 'AUTHORIZER_FAILURE'],
      ['a result without a policy', 'no-policy', 'AUTHORIZER_CONFIGURATION_ERROR'],
      ['a nested context value', 'nested', 'AUTHORIZER_CONFIGURATION_ERROR'],
    ])('answers %s with 500 and never calls the integration', async (_, token, type) => {
      // Act
      const res = await send('/items/1', { headers: { 'X-Token': token } });

      // Assess
      expect(res.statusCode).toBe(500);
      expect(json(res)).toEqual({ type, message: null, stage: 'vanilla' });
      expect(calls).not.toContain('EchoFn');
    });

    it('starts a fresh environment after a timeout', async () => {
      await send('/items/1', { headers: { 'X-Token': 'slow' } });
      const res = await send('/items/1', { headers: { 'X-Token': 'allow' } });
      expect(res.statusCode).toBe(200);
      // A new module instance: its call counter started again.
      expect(json(res).event.requestContext.authorizer.calls).toBe('1');
    });
  });

  describe('Over HTTP: names from Object.prototype', () => {
    // API Gateway takes any token as a header or query name; a map with a prototype does not.
    const NAMES = Object.getOwnPropertyNames(Object.prototype);
    let port = 0;
    let close: () => Promise<void> = async () => undefined;
    beforeAll(async () => {
      port = await freePort();
      close = await listen(port, { current: gateway, files: [] });
    });
    afterAll(() => close());

    /** The entry of `map` whose name is `name` in any case (header names are not case-sensitive). */
    const entry = (map: Record<string, unknown> | null, name: string) => Object.entries(map ?? {}).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
    const own = (map: Record<string, unknown> | null, name: string) => (map && Object.hasOwn(map, name) ? map[name] : undefined);

    it.each(NAMES)('passes a header and a repeated query parameter named %s to the Lambda event intact', async (name) => {
      // Act
      const res = await rawRequest(port, 'GET', `/public?${name}=q1&${name}=q2`, [[name, `h-${name}`]]);

      // Assess
      expect(res.status).toBe(200);
      const { event } = JSON.parse(res.body) as { event: Record<string, Record<string, unknown> | null> };
      expect(entry(event.headers!, name)).toBe(`h-${name}`);
      expect(entry(event.multiValueHeaders!, name)).toEqual([`h-${name}`]);
      expect(own(event.queryStringParameters!, name)).toBe('q2');
      expect(own(event.multiValueQueryStringParameters!, name)).toEqual(['q1', 'q2']);
    });

    it('passes all of them at once through the REQUEST authorizer to the integration', async () => {
      // Act
      const query = NAMES.map((n) => `${n}=${n}`).join('&');
      const res = await rawRequest(port, 'GET', `/items?${query}`, [...NAMES.map((n) => [n, n] as const), ['X-Token', 'allow']]);

      // Assess
      expect(res.status).toBe(200);
      const { event } = JSON.parse(res.body) as { event: Record<string, Record<string, unknown>> };
      for (const n of NAMES) expect([n, entry(event.headers!, n), own(event.queryStringParameters!, n)]).toEqual([n, n, n]);
      expect(event.requestContext!.authorizer).toMatchObject({ principalId: 'alice' });
    });
  });

  describe("Over HTTP: keygate's gateway responses and a hostile request line", () => {
    // The fixture's API with keygate's gateway response templates, as the construct synthesizes them.
    const keygate: AppModel = {
      ...model,
      api: {
        ...model.api,
        gatewayResponses: new Map(
          gatewayResponses('/v1/auth/verify').map((r) => [
            r.type.responseType,
            { type: r.type.responseType, statusCode: r.status, templates: { 'application/json': errorBody(r.status, r.code, r.message) }, headers: {} },
          ]),
        ),
      },
    };
    let port = 0;
    let close: () => Promise<void> = async () => undefined;
    beforeAll(async () => {
      port = await freePort();
      close = await listen(port, { current: new Gateway(keygate, invoke), files: [] });
    });
    afterAll(() => close());

    it.each([
      ['a quote that closes the string and adds a field', '/v1/x","error_code":"pwned'],
      ['a lone quote', '/v1/a"b'],
      ['a backslash and a single quote', "/v1/a\\b'c"],
    ])('answers an unknown path with %s with exactly one valid JSON body', async (_label, path) => {
      // Act
      const res = await rawRequest(port, 'GET', path);

      // Assess: one error_code, and the body parses
      expect(res.status).toBe(404);
      expect(res.body.match(/"error_code"/g)).toHaveLength(1);
      expect(JSON.parse(res.body)).toEqual({ status_code: 404, endpoint: '', error_code: 'not_found', error_message: 'no such route' });
    });

    it('names the route, not the path as sent, on a refusal at a known route', async () => {
      // Act
      const res = await rawRequest(port, 'GET', '/items/x"y');

      // Assess
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body)).toMatchObject({ status_code: 401, endpoint: '/items/{id}', error_code: 'unauthorized' });
    });
  });

  describe('Method: handle — MOCK integration (CORS preflight)', () => {
    it.each([
      ['https://b.example', 'https://b.example'],
      ['https://evil.example', 'https://a.example'],
    ])('answers OPTIONS from Origin %s with Allow-Origin %s', async (origin, allowed) => {
      const res = await send('/items', { method: 'OPTIONS', headers: { Origin: origin } });
      expect(res.statusCode).toBe(204);
      expect(header(res, 'access-control-allow-origin')).toEqual([allowed]);
      expect(header(res, 'access-control-allow-credentials')).toEqual(['true']);
      expect(res.body.length).toBe(0);
    });

    it("runs CDK's template as VTL: the lower-case origin header (HTTP/2) is echoed too, and only an allowed one", async () => {
      const lower = await send('/items', { method: 'OPTIONS', headers: { origin: 'https://b.example' } });
      const none = await send('/items', { method: 'OPTIONS' });
      expect(header(lower, 'access-control-allow-origin')).toEqual(['https://b.example']);
      expect(header(none, 'access-control-allow-origin')).toEqual(['https://a.example']);
    });
  });
});
