/**
 * The authorizer's decisions against DynamoDB Local: every key permission set
 * × every route, sessions, refusals, CSRF, precedence, malformed input.
 */
import { Authorizer, type Decision } from '../../lambda/authorizer/authorizer';
import { keyGrantable, sessionPermissions } from '../../lambda/core/catalog';
import { REFERENCE_CATALOG, REFERENCE_ROUTES } from '../../lib/reference-app';
import { arnMatches } from '../../lambda/core/policy';
import type { KeygateConfig } from '../../lambda/shared/config';
import type { DynamoAccountStore } from '../../lambda/store/dynamo-account-store';
import { authorizerEvent } from '../../fixtures/authorizer-events';
import { Testbed } from '../support/testbed';
import { referenceEnv } from '../../fixtures/reference-env';
import { issueKey, issueSession } from '../../lambda/management/mint';
import { DEFAULT_PREFIXES } from '../../lambda/core/token';

const ORIGIN = 'https://app.example.com';
const protectedRoutes = REFERENCE_ROUTES.filter((r) => r.needs !== 'public');
const grantable = keyGrantable(REFERENCE_CATALOG);

let bed: Testbed;
let accounts: DynamoAccountStore;

function newAuthorizer(overrides: Partial<KeygateConfig> = {}, now?: () => number): Authorizer {
  return bed.authorizer({ config: overrides, ...(now ? { now } : {}) });
}

/** What API Gateway would do with the policy: does any Allow cover the method ARN, and no Deny? */
function gatewayAllows(decision: Decision, methodArn: string): boolean {
  if (decision.outcome === 'unauthorized') return false;
  const statements = decision.result.policyDocument.Statement as { Effect: string; Resource: string[] }[];
  const hit = (effect: string) => statements.some((s) => s.Effect === effect && s.Resource.some((r) => arnMatches(r, methodArn)));
  return hit('Allow') && !hit('Deny');
}

async function human(admin = false) {
  const { userId } = await accounts.createUser({ kind: 'human', admin, email: `${Math.random()}@example.com` });
  return userId;
}

beforeAll(async () => {
  bed = await Testbed.open({ deployment: (t) => referenceEnv(t, { KEYGATE_ALLOWED_ORIGINS: ORIGIN }), handlers: false });
  accounts = bed.accounts;
});
afterAll(() => bed.close());

describe('Class: Authorizer', () => {
  describe('Method: decide — API keys', () => {
    const permissionSets: string[][] = [[], ...grantable.map((p) => [p]), grantable, ['submit_score', 'delete_score']];

    it.each(permissionSets.map((p) => [p.join(',') || '(none)', p]))('key with %s: allowed exactly on the routes it holds', async (_label, permissions) => {
      // Prepare
      const userId = await human();
      const { token } = await issueKey(accounts, DEFAULT_PREFIXES, userId, 'user', { name: 'k', permissions });
      const authorizer = newAuthorizer();

      for (const route of protectedRoutes) {
        const event = authorizerEvent(route.method, route.path, { Authorization: `Bearer ${token.value}` });
        // Act
        const decision = await authorizer.decide(event);
        // Assess
        const expected = route.needs === 'authenticated' || permissions.includes(route.needs);
        expect({ route: `${route.method} ${route.path}`, allowed: gatewayAllows(decision, event.methodArn) }).toEqual({
          route: `${route.method} ${route.path}`,
          allowed: expected,
        });
        expect(decision.outcome).toBe(expected ? 'allow' : 'deny');
        if (decision.outcome === 'unauthorized') throw new Error('unexpected');
        expect(decision.result.principalId).toBe(userId);
        expect(decision.result.context).toMatchObject({ userId, authMethod: 'api_key', keyId: token.id, permissions: permissions.join(',') });
        if (!expected) {
          expect(decision.result.context).toMatchObject({ error_code: 'missing_permission', error_message: `this route needs the '${route.needs}' permission` });
        }
      }
    });

    it('gives the same Allow whichever route triggered it, and a refusal a Deny for its own method ARN only', async () => {
      const userId = await human();
      const { token } = await issueKey(accounts, DEFAULT_PREFIXES, userId, 'user', { name: 'k', permissions: ['submit_score'] });
      const authorizer = newAuthorizer();
      const allows = new Set<string>();
      for (const route of protectedRoutes) {
        const event = authorizerEvent(route.method, route.path, { authorization: `Bearer ${token.value}` });
        const d = await authorizer.decide(event);
        if (d.outcome === 'unauthorized') throw new Error('unexpected');
        const statements = d.result.policyDocument.Statement as { Effect: string; Resource: string[] }[];
        allows.add(JSON.stringify(statements.filter((st) => st.Effect === 'Allow')));
        expect(statements.filter((st) => st.Effect === 'Deny')).toEqual(d.outcome === 'deny' ? [expect.objectContaining({ Resource: [event.methodArn] })] : []);
      }
      expect(allows.size).toBe(1);
    });

    it('accepts bot keys of bot users only', async () => {
      const { userId: botId } = await accounts.createUser({ kind: 'bot' });
      const bot = await issueKey(accounts, DEFAULT_PREFIXES, botId, 'bot', { name: 'b', permissions: ['submit_score'] });
      const wrong = await issueKey(accounts, DEFAULT_PREFIXES, botId, 'user', { name: 'u', permissions: ['submit_score'] });
      const authorizer = newAuthorizer();
      const route = authorizerEvent('POST', '/v1/scores', { Authorization: `Bearer ${bot.token.value}` });
      expect((await authorizer.decide(route)).outcome).toBe('allow');
      expect(await authorizer.decide(authorizerEvent('POST', '/v1/scores', { Authorization: `Bearer ${wrong.token.value}` }))).toMatchObject({
        outcome: 'unauthorized',
        reason: 'wrong_kind',
      });
    });

    it('never lets a key carry a session-only permission, even if the store says so', async () => {
      const userId = await human();
      const { token } = await issueKey(accounts, DEFAULT_PREFIXES, userId, 'user', { name: 'k', permissions: ['manage_keys', 'admin', 'submit_score'] });
      const d = await newAuthorizer().decide(authorizerEvent('GET', '/v1/keys', { Authorization: `Bearer ${token.value}` }));
      expect(d).toMatchObject({ outcome: 'deny', reason: 'missing_permission' });
      expect(d.outcome !== 'unauthorized' && d.result.context?.permissions).toBe('submit_score');
    });
  });

  describe('Method: decide — refused credentials', () => {
    it.each([
      ['is revoked', async (userId: string, keyId: string) => accounts.revokeKey(userId, keyId), 'revoked'],
      ['user is disabled', async (userId: string) => accounts.setDisabled(userId, true), 'user_disabled'],
    ] as const)('refuses a key whose %s', async (_label, change, reason) => {
      const userId = await human();
      const { token } = await issueKey(accounts, DEFAULT_PREFIXES, userId, 'user', { name: 'k', permissions: ['submit_score'] });
      await change(userId, token.id);
      const d = await newAuthorizer().decide(authorizerEvent('POST', '/v1/scores', { Authorization: `Bearer ${token.value}` }));
      expect(d).toMatchObject({ outcome: 'unauthorized', reason });
    });

    it('refuses an expired key by the clock, whatever TTL has not yet deleted', async () => {
      const userId = await human();
      const { token } = await issueKey(accounts, DEFAULT_PREFIXES, userId, 'user', { name: 'k', permissions: [], expiresAt: Date.now() - 1 });
      const d = await newAuthorizer().decide(authorizerEvent('GET', '/v1/auth/me', { Authorization: `Bearer ${token.value}` }));
      expect(d).toMatchObject({ outcome: 'unauthorized', reason: 'expired' });
    });

    it('refuses a well-formed key that does not exist, and a wrong secret for a real key id', async () => {
      const userId = await human();
      const { token } = await issueKey(accounts, DEFAULT_PREFIXES, userId, 'user', { name: 'k', permissions: [] });
      const other = await issueKey(accounts, DEFAULT_PREFIXES, userId, 'user', { name: 'k2', permissions: [] });
      const { generateToken } = await import('../../lambda/core/token');
      const ghost = generateToken('user', userId);
      const forged = generateToken('user', userId, undefined, token.id); // same id, other secret
      const authorizer = newAuthorizer();
      const ask = (v: string) => authorizer.decide(authorizerEvent('GET', '/v1/auth/me', { Authorization: `Bearer ${v}` }));
      expect(await ask(ghost.value)).toMatchObject({ outcome: 'unauthorized', reason: 'unknown' });
      expect(await ask(forged.value)).toMatchObject({ outcome: 'unauthorized', reason: 'wrong_secret' });
      expect(await ask(other.token.value)).toMatchObject({ outcome: 'allow' });
    });

    it('refuses disabled users’ sessions and expired sessions', async () => {
      const userId = await human();
      const live = await issueSession(accounts, DEFAULT_PREFIXES, userId, Date.now() + 60_000);
      const old = await issueSession(accounts, DEFAULT_PREFIXES, userId, Date.now() - 1);
      const authorizer = newAuthorizer({ cacheTtlMs: 0 });
      const ask = (v: string) => authorizer.decide(authorizerEvent('GET', '/v1/auth/me', { Cookie: `keygate_session=${v}` }));
      expect(await ask(live.token.value)).toMatchObject({ outcome: 'allow' });
      expect(await ask(old.token.value)).toMatchObject({ outcome: 'unauthorized', reason: 'expired' });
      await accounts.setDisabled(userId, true);
      expect(await ask(live.token.value)).toMatchObject({ outcome: 'unauthorized', reason: 'user_disabled' });
    });

    it('refuses requests without credentials and with the wrong kind of credential in each place', async () => {
      const userId = await human();
      const key = await issueKey(accounts, DEFAULT_PREFIXES, userId, 'user', { name: 'k', permissions: [] });
      const session = await issueSession(accounts, DEFAULT_PREFIXES, userId, Date.now() + 60_000);
      const authorizer = newAuthorizer();
      const ask = (h: Record<string, string>) => authorizer.decide(authorizerEvent('GET', '/v1/auth/me', h));
      expect(await ask({})).toMatchObject({ outcome: 'unauthorized', reason: 'no_credentials' });
      expect(await ask({ Authorization: `Bearer ${session.token.value}` })).toMatchObject({ outcome: 'unauthorized', reason: 'malformed' });
      expect(await ask({ Cookie: `keygate_session=${key.token.value}` })).toMatchObject({ outcome: 'unauthorized', reason: 'malformed' });
      expect(await ask({ Authorization: `Basic ${key.token.value}` })).toMatchObject({ outcome: 'unauthorized', reason: 'malformed' });
    });
  });

  describe('Method: decide — sessions', () => {
    it('gives a user session every non-admin permission, session-only ones included', async () => {
      const userId = await human();
      const { token } = await issueSession(accounts, DEFAULT_PREFIXES, userId, Date.now() + 60_000);
      const authorizer = newAuthorizer();
      const expected = sessionPermissions(REFERENCE_CATALOG, false);
      for (const route of protectedRoutes) {
        const event = authorizerEvent(route.method, route.path, { Cookie: `theme=dark; keygate_session=${token.value}; x=1`, Origin: ORIGIN });
        const d = await authorizer.decide(event);
        const allowed = route.needs !== 'admin';
        expect([`${route.method} ${route.path}`, gatewayAllows(d, event.methodArn)]).toEqual([`${route.method} ${route.path}`, allowed]);
        expect(d.outcome !== 'unauthorized' && d.result.context).toMatchObject({ authMethod: 'session', sessionId: token.id, permissions: expected.join(',') });
      }
    });

    it('gives an admin session the admin routes too', async () => {
      const userId = await human(true);
      const { token } = await issueSession(accounts, DEFAULT_PREFIXES, userId, Date.now() + 60_000);
      const authorizer = newAuthorizer();
      for (const route of protectedRoutes) {
        const event = authorizerEvent(route.method, route.path, { cookie: `keygate_session=${token.value}`, origin: ORIGIN });
        expect([route.path, gatewayAllows(await authorizer.decide(event), event.methodArn)]).toEqual([route.path, true]);
      }
    });

    it('rejects a session cookie on unsafe methods without an allowed Origin (CSRF)', async () => {
      const userId = await human();
      const { token } = await issueSession(accounts, DEFAULT_PREFIXES, userId, Date.now() + 60_000);
      const authorizer = newAuthorizer();
      const cookie = `keygate_session=${token.value}`;
      for (const method of ['POST', 'PATCH', 'DELETE'] as const) {
        const route = protectedRoutes.find((r) => r.method === method)!;
        for (const origin of [undefined, 'https://evil.example.com', 'null']) {
          const event = authorizerEvent(method, route.path, { Cookie: cookie, ...(origin ? { Origin: origin } : {}) });
          const d = await authorizer.decide(event);
          expect(d).toMatchObject({ outcome: 'deny', reason: 'csrf_rejected' });
          expect(gatewayAllows(d, event.methodArn)).toBe(false);
          expect(d.outcome !== 'unauthorized' && d.result.context?.error_code).toBe('csrf_rejected');
        }
      }
      expect(await authorizer.decide(authorizerEvent('GET', '/v1/auth/me', { Cookie: cookie }))).toMatchObject({ outcome: 'allow' });
    });

    it('does not apply the Origin rule to API keys', async () => {
      const userId = await human();
      const { token } = await issueKey(accounts, DEFAULT_PREFIXES, userId, 'user', { name: 'k', permissions: ['submit_score'] });
      const d = await newAuthorizer().decide(authorizerEvent('POST', '/v1/scores', { Authorization: `Bearer ${token.value}`, Origin: 'https://evil.example.com' }));
      expect(d.outcome).toBe('allow');
    });
  });

  describe('Method: decide — header over cookie', () => {
    it('lets the Authorization header decide when both are present', async () => {
      const userId = await human();
      const key = await issueKey(accounts, DEFAULT_PREFIXES, userId, 'user', { name: 'k', permissions: [] });
      const session = await issueSession(accounts, DEFAULT_PREFIXES, userId, Date.now() + 60_000);
      const authorizer = newAuthorizer();
      const both = await authorizer.decide(authorizerEvent('GET', '/v1/auth/me', { Authorization: `Bearer ${key.token.value}`, Cookie: `keygate_session=${session.token.value}` }));
      expect(both.outcome !== 'unauthorized' && both.result.context?.authMethod).toBe('api_key');
      const badHeader = await authorizer.decide(authorizerEvent('GET', '/v1/auth/me', { Authorization: 'Bearer nope', Cookie: `keygate_session=${session.token.value}` }));
      expect(badHeader).toMatchObject({ outcome: 'unauthorized', reason: 'malformed' });
    });

    it('reads headers in any case and from multi-value headers', async () => {
      const userId = await human();
      const key = await issueKey(accounts, DEFAULT_PREFIXES, userId, 'user', { name: 'k', permissions: [] });
      const authorizer = newAuthorizer();
      for (const name of ['authorization', 'AUTHORIZATION', 'aUtHoRiZaTiOn']) {
        expect(await authorizer.decide(authorizerEvent('GET', '/v1/auth/me', { [name]: `bearer ${key.token.value}` }))).toMatchObject({ outcome: 'allow' });
      }
      const twice = authorizerEvent('GET', '/v1/auth/me', {}, { Authorization: [`Bearer ${key.token.value}`, `Bearer ${key.token.value}x`] });
      expect(await authorizer.decide(twice)).toMatchObject({ outcome: 'unauthorized', reason: 'malformed' });
    });
  });

  describe('Method: decide — routes', () => {
    it('denies a route that is not in its table', async () => {
      const userId = await human();
      const key = await issueKey(accounts, DEFAULT_PREFIXES, userId, 'user', { name: 'k', permissions: grantable });
      const event = authorizerEvent('GET', '/v1/secret', { Authorization: `Bearer ${key.token.value}` });
      const d = await newAuthorizer().decide(event);
      expect(d).toMatchObject({ outcome: 'deny', reason: 'unknown_route' });
      expect(gatewayAllows(d, event.methodArn)).toBe(false);
    });
  });
});
