/**
 * The authorizer fails closed: malformed input never yields an Allow or an
 * unexpected throw, a store that cannot answer yields an error (→ 500), and
 * the cache keeps its promises (bounded, revocation within the TTL, one read
 * per miss).
 */
import { BatchGetItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { generateToken, newId, DEFAULT_PREFIXES } from '../../lambda/core/token';
import type { KeygateConfig } from '../../lambda/shared/config';
import { DynamoAccountStore } from '../../lambda/store/dynamo-account-store';
import { AUTHORIZER_LIMITS, createDynamoClient } from '../../lambda/store/dynamo-client';
import { DynamoCredentialStore } from '../../lambda/store/dynamo-credential-store';
import { authorizerEvent } from '../../fixtures/authorizer-events';
import { freePort } from '../../fixtures/dynamodb';
import { captureStdout, loadAuthorizerHandler, type AuthorizerHandler } from '../support/authorizer-handler';
import { emfMetrics } from '../support/emf';
import { lambdaContext } from '../../fixtures/lambda-context';
import { localClient } from '../support/table';
import { Testbed } from '../support/testbed';
import { referenceEnv } from '../../fixtures/reference-env';
import { issueKey, issueSession } from '../../lambda/management/mint';

let bed: Testbed;
let table: string;
let accounts: DynamoAccountStore;
let config: KeygateConfig;

/** Counts the commands a client sends, on the real client. */
function countCommands(c: DynamoDBClient): Map<string, number> {
  const counts = new Map<string, number>();
  c.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName!.replace(/Command$/, '');
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countCommands' },
  );
  return counts;
}

beforeAll(async () => {
  bed = await Testbed.open({ deployment: (t) => referenceEnv(t, { KEYGATE_ALLOWED_ORIGINS: 'https://app.example.com' }), handlers: false });
  ({ table, config } = bed);
  accounts = bed.accounts;
});
afterAll(() => bed.close());

describe('Class: Authorizer — malformed input', () => {
  it('never allows and never throws for 1,500 random or mangled credentials', async () => {
    // Prepare: real credentials to mangle
    const { userId } = await accounts.createUser({ kind: 'human', email: 'fuzz@example.com' });
    const key = (await issueKey(accounts, DEFAULT_PREFIXES, userId, 'user', { name: 'k', permissions: ['submit_score'] })).token.value;
    const session = (await issueSession(accounts, DEFAULT_PREFIXES, userId, Date.now() + 60_000)).token.value;
    const authorizer = bed.authorizer();
    const mutate = (s: string, i: number): string => {
      const pos = i % s.length;
      switch (i % 8) {
        case 0: return s.slice(0, pos) + String.fromCharCode(33 + (i % 90)) + s.slice(pos + 1);
        case 1: return s.slice(0, pos) + s.slice(pos + 1);
        case 2: return s + s.slice(pos);
        case 3: return s.toUpperCase();
        case 4: return s.slice(0, pos) + '\u0000\u00e9\ud83d\ude00' + s.slice(pos);
        case 5: return randomBytes(i % 200).toString('base64');
        case 6: return s.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
        default: return generateToken('user', newId()).value.slice(0, -1) + s.slice(-1);
      }
    };
    const cases: Record<string, string>[] = [];
    // a mutation that happens to give back the original is not a mangled credential
    const mangled = (s: string, i: number) => { const m = mutate(s, i); return m === s ? mutate(s, i + 1) : m; };
    for (let i = 0; i < 600; i++) cases.push({ Authorization: `Bearer ${mangled(key, i)}` });
    for (let i = 0; i < 400; i++) cases.push({ Cookie: `keygate_session=${mangled(session, i)}` });
    for (let i = 0; i < 300; i++) {
      const junk = randomBytes(1 + (i % 300)).toString(i % 2 ? 'latin1' : 'hex');
      cases.push(i % 3 === 0 ? { Authorization: junk } : i % 3 === 1 ? { Cookie: junk } : { Authorization: `Bearer ${junk}`, Cookie: `keygate_session=${junk}` });
    }
    for (let i = 0; i < 200; i++) {
      cases.push({ Authorization: `Bearer ${generateToken(i % 2 ? 'user' : 'bot', newId()).value}` }); // well-formed, unknown
    }
    cases.push({ Authorization: '' }, { Authorization: 'Bearer' }, { Authorization: 'Bearer ' }, { Cookie: 'keygate_session=' }, { Cookie: ';;;=;' });
    cases.push({ Authorization: `Bearer ${'x'.repeat(100_000)}` }, { Cookie: `keygate_session=${key}` });

    // Act + Assess
    let refused = 0;
    for (const headers of cases) {
      const d = await authorizer.decide(authorizerEvent('POST', '/v1/scores', headers));
      if (d.outcome !== 'unauthorized') throw new Error(`allowed: ${JSON.stringify(headers).slice(0, 200)}`);
      refused++;
    }
    expect(refused).toBeGreaterThanOrEqual(1500);
    // and the real credentials still work afterwards
    expect((await authorizer.decide(authorizerEvent('POST', '/v1/scores', { Authorization: `Bearer ${key}` }))).outcome).toBe('allow');
  });

  it('refuses events with missing or strange fields without throwing', async () => {
    const authorizer = bed.authorizer();
    const { userId } = await accounts.createUser({ kind: 'human' });
    const key = (await issueKey(accounts, DEFAULT_PREFIXES, userId, 'user', { name: 'k', permissions: ['submit_score'] })).token.value;
    const base = authorizerEvent('POST', '/v1/scores', { Authorization: `Bearer ${key}` });
    const events = [
      { ...base, headers: null, multiValueHeaders: null },
      { ...base, methodArn: 'not-an-arn' },
      { ...base, methodArn: 'arn:aws:execute-api:us-east-1:1:abc' },
      { ...base, resource: '/v1/unknown' },
      { ...base, httpMethod: 'TRACE' },
    ] as APIGatewayRequestAuthorizerEvent[];
    const outcomes = [];
    for (const e of events) outcomes.push((await authorizer.decide(e)).outcome);
    expect(outcomes).toEqual(['unauthorized', 'deny', 'deny', 'deny', 'deny']);
  });
});

describe('Class: Authorizer — a store that cannot answer', () => {
  it('throws (API Gateway answers 500) when DynamoDB is down, never allows', async () => {
    const port = await freePort(); // nothing listens here
    const down = new DynamoDBClient({ endpoint: `http://127.0.0.1:${port}`, maxAttempts: 2 });
    const authorizer = bed.authorizer({ store: new DynamoCredentialStore(down, table) });
    const token = generateToken('user', newId()).value;
    await expect(authorizer.decide(authorizerEvent('POST', '/v1/scores', { Authorization: `Bearer ${token}` }))).rejects.toThrow('DynamoDB BatchGetItem failed');
    down.destroy();
  });

  it('throws when DynamoDB accepts the connection but never answers, within the client limits', async () => {
    // Prepare: a real server that takes the request and stays silent
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const hung = createDynamoClient({ ...AUTHORIZER_LIMITS, requestTimeout: 300 }, `http://127.0.0.1:${port}`);
    const authorizer = bed.authorizer({ store: new DynamoCredentialStore(hung, table) });
    try {
      // Act + Assess: an error (API Gateway: 500), not a hang until the Lambda timeout
      await expect(authorizer.decide(authorizerEvent('POST', '/v1/scores', { Authorization: `Bearer ${generateToken('user', newId()).value}` }))).rejects.toThrow(
        'DynamoDB BatchGetItem failed',
      );
      expect(sockets.length).toBe(AUTHORIZER_LIMITS.maxAttempts);
    } finally {
      hung.destroy();
      sockets.forEach((s) => s.destroy());
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('throws when DynamoDB is throttling and leaves keys unprocessed', async () => {
    const throttled = new DynamoDBClient({});
    const mock = mockClient(throttled);
    mock.on(BatchGetItemCommand).resolves({ Responses: {}, UnprocessedKeys: { [table]: { Keys: [{}] } } });
    const authorizer = bed.authorizer({ store: new DynamoCredentialStore(throttled, table) });
    const token = generateToken('user', newId()).value;
    await expect(authorizer.decide(authorizerEvent('POST', '/v1/scores', { Authorization: `Bearer ${token}` }))).rejects.toThrow('unprocessed');
    mock.restore();
  });
});

describe('Class: Authorizer — cache', () => {
  it('makes exactly one read per cache miss and none per hit', async () => {
    const counted = localClient();
    const counts = countCommands(counted);
    const { userId } = await accounts.createUser({ kind: 'human' });
    const key = (await issueKey(accounts, DEFAULT_PREFIXES, userId, 'user', { name: 'k', permissions: [] })).token.value;
    let now = Date.now();
    const authorizer = bed.authorizer({ store: new DynamoCredentialStore(counted, table), now: () => now });
    const ask = () => authorizer.decide(authorizerEvent('GET', '/v1/auth/me', { Authorization: `Bearer ${key}` }));

    expect((await ask()).cacheHit).toBe(false);
    expect(counts.get('BatchGetItem')).toBe(1);
    expect(counts.get('UpdateItem')).toBe(1); // first use recorded
    for (let i = 0; i < 50; i++) expect((await ask()).cacheHit).toBe(true);
    expect(counts.get('BatchGetItem')).toBe(1);
    now += config.cacheTtlMs + 1;
    expect((await ask()).cacheHit).toBe(false);
    expect(counts.get('BatchGetItem')).toBe(2);
    expect(counts.get('UpdateItem')).toBe(1); // not again within the hour
    expect([...counts.keys()].sort()).toEqual(['BatchGetItem', 'UpdateItem']);
    counted.destroy();
  });

  it('shares one read among concurrent misses for the same key', async () => {
    const counted = localClient();
    const counts = countCommands(counted);
    const { userId } = await accounts.createUser({ kind: 'human' });
    const key = (await issueKey(accounts, DEFAULT_PREFIXES, userId, 'user', { name: 'k', permissions: [] })).token.value;
    const authorizer = bed.authorizer({ store: new DynamoCredentialStore(counted, table) });
    const ds = await Promise.all(Array.from({ length: 20 }, () => authorizer.decide(authorizerEvent('GET', '/v1/auth/me', { Authorization: `Bearer ${key}` }))));
    expect(ds.every((d) => d.outcome === 'allow')).toBe(true);
    expect(counts.get('BatchGetItem')).toBe(1);
    counted.destroy();
  });

  it('stops a revoked key within the cache TTL, and not before its entry expires', async () => {
    const { userId } = await accounts.createUser({ kind: 'human' });
    const { token } = await issueKey(accounts, DEFAULT_PREFIXES, userId, 'user', { name: 'k', permissions: [] });
    let now = Date.now();
    const authorizer = bed.authorizer({ now: () => now });
    const ask = () => authorizer.decide(authorizerEvent('GET', '/v1/auth/me', { Authorization: `Bearer ${token.value}` }));
    expect((await ask()).outcome).toBe('allow');
    await accounts.revokeKey(userId, token.id, now);
    now += 1;
    expect((await ask()).outcome).toBe('allow'); // served from the cache
    now += config.cacheTtlMs;
    expect(await ask()).toMatchObject({ outcome: 'unauthorized', reason: 'revoked' });
  });

  it('ends a key at its revocation time exactly, even from the cache (rotation grace)', async () => {
    const { userId } = await accounts.createUser({ kind: 'human' });
    const { token } = await issueKey(accounts, DEFAULT_PREFIXES, userId, 'user', { name: 'k', permissions: [] });
    let now = Date.now();
    await accounts.revokeKey(userId, token.id, now + 1000);
    const authorizer = bed.authorizer({ now: () => now });
    const ask = () => authorizer.decide(authorizerEvent('GET', '/v1/auth/me', { Authorization: `Bearer ${token.value}` }));
    expect((await ask()).outcome).toBe('allow');
    now += 1000;
    expect(await ask()).toMatchObject({ outcome: 'unauthorized', reason: 'revoked', cacheHit: true });
  });

  it('stays within its entry bound under a flood of distinct unknown keys', async () => {
    const authorizer = bed.authorizer({ config: { cacheMaxEntries: 50 } });
    for (let i = 0; i < 120; i++) {
      await authorizer.decide(authorizerEvent('GET', '/v1/auth/me', { Authorization: `Bearer ${generateToken('user', newId()).value}` }));
    }
    expect(authorizer.cacheSize).toBe(50);
  });

  it('remembers an unknown key only for the short negative TTL', async () => {
    const counted = localClient();
    const counts = countCommands(counted);
    let now = Date.now();
    const authorizer = bed.authorizer({ store: new DynamoCredentialStore(counted, table), now: () => now });
    const ghost = generateToken('user', newId()).value;
    const ask = () => authorizer.decide(authorizerEvent('GET', '/v1/auth/me', { Authorization: `Bearer ${ghost}` }));
    await ask();
    await ask();
    expect(counts.get('BatchGetItem')).toBe(1);
    now += config.negativeCacheTtlMs + 1;
    await ask();
    expect(counts.get('BatchGetItem')).toBe(2);
    counted.destroy();
  });
});

describe('Handler: authorizer', () => {
  let handler: AuthorizerHandler;
  const stdout = captureStdout();
  beforeAll(() => {
    handler = loadAuthorizerHandler({ TABLE_NAME: table, KEYGATE_ALLOWED_ORIGINS: 'https://app.example.com' });
  });

  it('returns the policy for a valid key and logs the decision without the secret', async () => {
    const { userId } = await accounts.createUser({ kind: 'human' });
    const { token } = await issueKey(accounts, DEFAULT_PREFIXES, userId, 'user', { name: 'k', permissions: ['submit_score'] });
    const result = await handler(authorizerEvent('POST', '/v1/scores', { Authorization: `Bearer ${token.value}` }), lambdaContext());
    expect(result.principalId).toBe(userId);
    expect(result.context).toMatchObject({ keyId: token.id, permissions: 'submit_score' });
    const logs = stdout.lines().join('');
    expect(logs).toContain('"outcome":"allow"');
    expect(logs).toContain(token.id);
    expect(logs).not.toContain(token.secret);
    expect(logs).not.toContain(token.value);
  });

  it('throws (API Gateway: 500) when DynamoDB is down, and logs authorizer_failure at ERROR, counted as decision_failure', async () => {
    // Prepare: a handler whose client points at a port nothing listens on
    const endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB;
    process.env.AWS_ENDPOINT_URL_DYNAMODB = `http://127.0.0.1:${await freePort()}`;
    const token = generateToken('user', newId());
    try {
      const down = loadAuthorizerHandler({ TABLE_NAME: table, KEYGATE_ALLOWED_ORIGINS: 'https://app.example.com' });

      // Act + Assess
      await expect(down(authorizerEvent('POST', '/v1/scores', { Authorization: `Bearer ${token.value}` }), lambdaContext())).rejects.toThrow(/^authorizer failure/);
    } finally {
      process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
    }
    const lines = stdout.lines().join('').split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'ERROR', message: 'authorizer_failure', method: 'POST', error: { message: 'DynamoDB BatchGetItem failed' } });
    expect(emfMetrics(lines[0]!).map((m) => m.name)).toEqual(['decision_failure']);
    expect(lines[0]).not.toContain(token.secret);
  });

  it('throws Unauthorized (API Gateway: 401) for a bad key and logs why', async () => {
    const bad = generateToken('user', newId());
    await expect(handler(authorizerEvent('POST', '/v1/scores', { Authorization: `Bearer ${bad.value}` }), lambdaContext())).rejects.toThrow(/^Unauthorized$/);
    expect(stdout.lines().join('')).toContain('"reason":"unknown"');
    expect(stdout.lines().join('')).not.toContain(bad.secret);
  });
});
