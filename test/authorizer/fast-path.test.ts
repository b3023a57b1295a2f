/**
 * The decision path's shortcuts keep their promises: policies are built once
 * per API stage and permission set, what a cache entry remembers never
 * replaces the per-request checks or leaks between decisions, the method ARN
 * parser agrees with the plain split it replaced, and metrics count cache
 * hits and misses only when the cache was consulted.
 */
import { BatchGetItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { COMPRESS_ABOVE_ROUTES, parseMethodArn, type MethodArn } from '../../lambda/core/policy';
import { generateToken, newId, DEFAULT_PREFIXES } from '../../lambda/core/token';
import type { DynamoAccountStore } from '../../lambda/store/dynamo-account-store';
import { userPk } from '../../lambda/store/keys';
import { API_STAGE, authorizerEvent } from '../../fixtures/authorizer-events';
import { captureStdout, loadAuthorizerHandler, type AuthorizerHandler } from '../support/authorizer-handler';
import { emfMetrics } from '../support/emf';
import { lambdaContext } from '../../fixtures/lambda-context';
import { Testbed } from '../support/testbed';
import { referenceEnv } from '../../fixtures/reference-env';
import { catalogWith } from '../../lambda/core/catalog';
import { managementRoutes } from '../../lambda/core/management-routes';
import { generateApp } from '../support/route-tables';
import { issueKey, issueSession } from '../../lambda/management/mint';

const ORIGIN = 'https://app.example.com';

let bed: Testbed;
let client: DynamoDBClient;
let table: string;
let accounts: DynamoAccountStore;

beforeAll(async () => {
  bed = await Testbed.open({ deployment: (t) => referenceEnv(t, { KEYGATE_ALLOWED_ORIGINS: ORIGIN }), handlers: false });
  ({ client, table, accounts } = bed);
});
afterAll(() => bed.close());

const newAuthorizer = (now?: () => number) => bed.authorizer(now ? { now } : {});
const withKey = (key: string, method = 'GET', resource = '/v1/auth/me') => authorizerEvent(method, resource, { Authorization: `Bearer ${key}` });

async function keyOf(permissions: string[]): Promise<string> {
  const { userId } = await accounts.createUser({ kind: 'human' });
  return (await issueKey(accounts, DEFAULT_PREFIXES, userId, 'user', { name: 'k', permissions })).token.value;
}

/** The parser this one replaced: split on ':' and '/'. */
function splitMethodArn(methodArn: string): MethodArn | undefined {
  const parts = methodArn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn' || parts[2] !== 'execute-api') return undefined;
  const segs = parts.slice(5).join(':').split('/');
  if (segs.length < 3 || !segs[0] || !segs[1] || !segs[2]) return undefined;
  return { apiStage: `${parts.slice(0, 5).join(':')}:${segs[0]}/${segs[1]}`, method: segs[2], path: '/' + segs.slice(3).join('/') };
}

describe('Function: parseMethodArn', () => {
  it('agrees with splitting on every ARN-like string of a random grammar', () => {
    // Prepare: pieces that hit every branch, glued at random
    const pieces = ['arn', 'aws', 'execute-api', 'us-east-1', '123456789012', 'abc123', 'api', 'GET', 'v1', 'scores', '*', '', 's3', 'ar', 'n'];
    const glue = [':', '/', ':', '/', '::', '//', ''];
    let seed = 42;
    const pick = <T>(xs: readonly T[]): T => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return xs[seed % xs.length]!;
    };
    const arns = [`${API_STAGE}/GET/v1/scores/1`, `${API_STAGE}/GET/`, `${API_STAGE}/GET`, `${API_STAGE}//v1`, `${API_STAGE}/POST/a:b/c`];
    for (let i = 0; i < 20_000; i++) {
      let s = i % 3 === 0 ? 'arn:aws:execute-api:' : '';
      for (let n = 0; n < 3 + (i % 9); n++) s += pick(pieces) + pick(glue);
      arns.push(s);
    }

    // Act + Assess
    for (const arn of arns) {
      if (JSON.stringify(parseMethodArn(arn)) !== JSON.stringify(splitMethodArn(arn))) throw new Error(`disagree on ${arn}`);
    }
    expect(arns.filter((a) => parseMethodArn(a) !== undefined).length).toBeGreaterThan(100);
  });
});

describe('Class: DynamoCredentialStore — what a miss reads', () => {
  it('receives only the attributes a decision needs: never the password hash, the name or the e-mail', async () => {
    // Prepare: an owner with a password and e-mail, a key with a name
    const { userId } = await accounts.createUser({ kind: 'human', email: `reader-${newId()}@example.com`, passwordHash: 'scrypt$not-a-real-hash' });
    const key = (await issueKey(accounts, DEFAULT_PREFIXES, userId, 'user', { name: 'named key', permissions: ['submit_score'] })).token.value;
    const received: Record<string, unknown>[] = [];
    const name = 'recordBatchGetItemResponses';
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        if (context.commandName === 'BatchGetItemCommand') received.push(...((out.output as { Responses?: Record<string, Record<string, unknown>[]> }).Responses?.[table] ?? []));
        return out;
      },
      { step: 'initialize', name },
    );

    // Act
    try {
      expect((await newAuthorizer().decide(withKey(key, 'POST', '/v1/scores'))).outcome).toBe('allow');
    } finally {
      client.middlewareStack.remove(name);
    }

    // Assess: both items came back, with nothing beyond what the checks use
    const needed = ['pk', 'sk', 'secretHash', 'permissions', 'expiresAt', 'revokedAt', 'lastUsedAt', 'clientId', 'kind', 'isAdmin', 'disabled', 'credentialsEpoch'];
    expect(received.map((item) => (item.sk as { S: string }).S).sort()).toEqual([expect.stringMatching(/^KEY#/), 'PROFILE']);
    for (const item of received) expect(Object.keys(item).filter((a) => !needed.includes(a))).toEqual([]);
    // ...while the stored items do hold more: without a projection the test would fail
    const stored = await client.send(new BatchGetItemCommand({ RequestItems: { [table]: { Keys: received.map((i) => ({ pk: { S: userPk(userId) }, sk: i.sk as AttributeValue })) } } }));
    const storedAttributes = (stored.Responses?.[table] ?? []).flatMap((i) => Object.keys(i));
    expect(storedAttributes).toEqual(expect.arrayContaining(['passwordHash', 'email', 'name']));
  });
});

describe('Class: Authorizer — derived state', () => {
  it('compresses the Allow of a large table without the gateway cache, and lists every route with it (a cached policy answers requests it never saw)', async () => {
    // Prepare: a generated app's table (over COMPRESS_ABOVE_ROUTES with the management API), a key that may read and write its area 0, under both deployments
    const app = generateApp(100);
    const config = { routes: [...managementRoutes('/v1'), ...app.routes], permissions: catalogWith(app.permissions) };
    const key = await keyOf(['read_area0', 'write_area0']);
    const resources = async (gatewayCacheSeconds: number) => {
      const d = await bed.authorizer({ config: { ...config, gatewayCacheSeconds } }).decide(withKey(key, 'POST', '/orders'));
      if (d.outcome !== 'allow') throw new Error(`expected an allow, got ${d.outcome}`);
      return (d.result.policyDocument.Statement[0] as { Resource: string[] }).Resource;
    };
    // Act
    const compressed = await resources(0);
    const listed = await resources(300);
    // Assess: /orders/… is one wildcard per method without the cache, every route with it; the management API never changes
    expect(compressed).toEqual(expect.arrayContaining([`${API_STAGE}/GET/orders/*`, `${API_STAGE}/POST/orders/*`, `${API_STAGE}/GET/orders`]));
    expect(listed).not.toContain(`${API_STAGE}/POST/orders/*`);
    expect(listed).toEqual(expect.arrayContaining([`${API_STAGE}/POST/orders/*/archive`, `${API_STAGE}/GET/orders/*/${app.routes[6]!.path.split('/')[3]}`]));
    expect(compressed.length).toBeLessThan(listed.length);
    const management = (rs: string[]) => rs.filter((r) => r.includes('/v1/'));
    expect(management(compressed)).toEqual(management(listed));
  });

  it('lists every route of a table of at most COMPRESS_ABOVE_ROUTES routes, where compressing would only cost the cold start', async () => {
    // Prepare: a generated app's table with the management API, 86 routes, where a compressed Allow would differ
    const app = generateApp(50);
    const config = { routes: [...managementRoutes('/v1'), ...app.routes], permissions: catalogWith(app.permissions) };
    expect(config.routes.length).toBeLessThanOrEqual(COMPRESS_ABOVE_ROUTES);
    const key = await keyOf(['read_area0', 'write_area0']);
    const resources = async (gatewayCacheSeconds: number) => {
      const d = await bed.authorizer({ config: { ...config, gatewayCacheSeconds } }).decide(withKey(key, 'POST', '/orders'));
      if (d.outcome !== 'allow') throw new Error(`expected an allow, got ${d.outcome}`);
      return (d.result.policyDocument.Statement[0] as { Resource: string[] }).Resource;
    };
    // Act
    const uncached = await resources(0);
    const listed = await resources(300);
    // Assess: without the gateway cache, the same full list as with it
    expect(uncached).not.toContain(`${API_STAGE}/POST/orders/*`);
    expect(uncached).toEqual(listed);
  });

  it('builds one policy per API stage and permission set, however many keys and routes use it', async () => {
    // Prepare
    const same = await Promise.all([1, 2, 3, 4].map(() => keyOf(['submit_score', 'delete_score'])));
    const reordered = await keyOf(['delete_score', 'submit_score']);
    const other = await keyOf(['submit_score']);
    const authorizer = newAuthorizer();

    // Act
    for (const key of [...same, reordered]) {
      for (const [method, resource] of [['POST', '/v1/scores'], ['DELETE', '/v1/scores/{scoreId}'], ['GET', '/v1/keys']] as const) {
        await authorizer.decide(withKey(key, method, resource));
      }
    }
    const afterOneSet = authorizer.policyCount;
    await authorizer.decide(withKey(other));
    const otherStage = { ...withKey(same[0]!), methodArn: `${API_STAGE}2/GET/v1/auth/me` };
    await authorizer.decide(otherStage);

    // Assess
    expect(afterOneSet).toBe(1);
    expect(authorizer.policyCount).toBe(3);
  });

  it('checks the secret and the clock on every cache hit', async () => {
    // Prepare: a cached key, then a forged secret for its id, then its expiry
    const { userId } = await accounts.createUser({ kind: 'human' });
    let now = Date.now();
    const { token } = await issueKey(accounts, DEFAULT_PREFIXES, userId, 'user', { name: 'k', permissions: ['submit_score'], expiresAt: now + 1000 });
    const forged = generateToken('user', userId, undefined, token.id);
    const authorizer = newAuthorizer(() => now);

    // Act + Assess
    expect(await authorizer.decide(withKey(token.value))).toMatchObject({ outcome: 'allow', cacheHit: false });
    expect(await authorizer.decide(withKey(forged.value))).toMatchObject({ outcome: 'unauthorized', reason: 'wrong_secret', cacheHit: true });
    expect(await authorizer.decide(withKey(token.value))).toMatchObject({ outcome: 'allow', cacheHit: true });
    now += 1000;
    expect(await authorizer.decide(withKey(token.value))).toMatchObject({ outcome: 'unauthorized', reason: 'expired', cacheHit: true });
  });

  it('gives every decision its own context, so one refusal never marks the next allow', async () => {
    // Prepare
    const key = await keyOf(['submit_score']);
    const authorizer = newAuthorizer();

    // Act
    const denied = await authorizer.decide(withKey(key, 'DELETE', '/v1/scores/{scoreId}'));
    const allowed = await authorizer.decide(withKey(key, 'POST', '/v1/scores'));
    if (allowed.outcome !== 'allow' || denied.outcome !== 'deny') throw new Error('unexpected outcomes');
    allowed.result.context!.userId = 'tampered';
    const again = await authorizer.decide(withKey(key, 'POST', '/v1/scores'));

    // Assess
    expect(denied.result.context).toMatchObject({ error_code: 'missing_permission' });
    expect(allowed.result.context).toMatchObject({ error_code: 'access_denied' });
    expect(again.outcome === 'allow' && again.result.context?.userId).toBe(again.outcome === 'allow' && again.principal.userId);
  });

  it('reads the Origin for cookie sessions on unsafe methods, and ignores it elsewhere', async () => {
    // Prepare
    const { userId } = await accounts.createUser({ kind: 'human' });
    const session = (await issueSession(accounts, DEFAULT_PREFIXES, userId, Date.now() + 60_000)).token.value;
    const authorizer = newAuthorizer();
    const ask = (method: string, resource: string, headers: Record<string, string>) =>
      authorizer.decide(authorizerEvent(method, resource, { Cookie: `keygate_session=${session}`, ...headers }));

    // Act + Assess
    expect(await ask('PATCH', '/v1/users/me', { origin: ORIGIN })).toMatchObject({ outcome: 'allow' });
    expect(await ask('PATCH', '/v1/users/me', { Origin: 'https://evil.example.com' })).toMatchObject({ outcome: 'deny', reason: 'csrf_rejected' });
    expect(await ask('GET', '/v1/auth/me', { Origin: 'https://evil.example.com' })).toMatchObject({ outcome: 'allow' });
  });

  it('says no cache was consulted when the credential was missing or malformed', async () => {
    const authorizer = newAuthorizer();
    const missing = await authorizer.decide(authorizerEvent('GET', '/v1/auth/me', {}));
    const malformed = await authorizer.decide(withKey('user_key_nope'));
    const unknown = await authorizer.decide(withKey(generateToken('user', newId()).value));
    expect(missing).not.toHaveProperty('cacheHit');
    expect(malformed).not.toHaveProperty('cacheHit');
    expect(unknown).toMatchObject({ reason: 'unknown', cacheHit: false });
  });
});

describe('Handler: authorizer metrics', () => {
  let handler: AuthorizerHandler;
  const stdout = captureStdout();
  beforeAll(() => {
    handler = loadAuthorizerHandler({ TABLE_NAME: table, KEYGATE_ALLOWED_ORIGINS: ORIGIN });
  });

  /** The lines written during the test. */
  const lines = () =>
    stdout
      .lines()
      .join('')
      .split('\n')
      .filter((line) => line !== '');
  /** The metric names CloudWatch would extract from those lines (EMF). */
  const metricNames = () =>
    lines()
      .flatMap((line) => emfMetrics(line).map((m) => m.name))
      .sort();

  it('counts an allowed key by outcome and as a cache miss, then as a hit', async () => {
    const key = await keyOf(['submit_score']);
    await handler(withKey(key, 'POST', '/v1/scores'), lambdaContext());
    await handler(withKey(key, 'POST', '/v1/scores'), lambdaContext());
    expect(metricNames()).toEqual(['cache_hit', 'cache_miss', 'decision_allow', 'decision_allow']);
  });

  it('counts a malformed key as unauthorized, and neither as a cache hit nor a miss', async () => {
    await expect(handler(withKey('user_key_nope'), lambdaContext())).rejects.toThrow(/^Unauthorized$/);
    expect(metricNames()).toEqual(['decision_unauthorized']);
  });

  it('writes one line per invocation: the decision, carrying its metrics', async () => {
    // Prepare
    const key = await keyOf(['submit_score']);
    const contexts = [lambdaContext(), lambdaContext(), lambdaContext()];

    // Act
    await handler(withKey(key, 'POST', '/v1/scores'), contexts[0]!);
    await handler(withKey(key, 'DELETE', '/v1/scores/{scoreId}'), contexts[1]!);
    await expect(handler(withKey('user_key_nope'), contexts[2]!)).rejects.toThrow(/^Unauthorized$/);

    // Assess
    const entries = lines().map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.map((e) => [e.message, e.outcome, e.function_request_id])).toEqual(contexts.map((c, i) => ['decision', ['allow', 'deny', 'unauthorized'][i], c.awsRequestId]));
    expect(entries.map((e) => Object.keys(e).filter((k) => k.startsWith('decision_') || k.startsWith('cache_')))).toEqual([
      ['decision_allow', 'cache_miss'],
      ['decision_deny', 'cache_hit'],
      ['decision_unauthorized'],
    ]);
  });
});
