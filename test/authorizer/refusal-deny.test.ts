/**
 * docs/design.md, Security invariants: whenever the authorizer refuses the request that triggered it,
 * its policy cannot let that request through, whatever the route table,
 * overlapping wildcards included (the construct refuses such tables, but
 * the authorizer does not rely on it). Property-style: many generated
 * tables, keys of every permission set and a cookie session, against
 * DynamoDB Local; judged with IAM's rule (an explicit Deny wins).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import type { Decision } from '../../lambda/authorizer/authorizer';
import { catalogWith, type PermissionDef, type RouteDef } from '../../lambda/core/catalog';
import { routeConflicts } from '../../lambda/core/policy';
import { DynamoAccountStore } from '../../lambda/store/dynamo-account-store';
import { DynamoCredentialStore } from '../../lambda/store/dynamo-credential-store';
import type { CredentialLookup, CredentialStore } from '../../lambda/store/port';
import { API_STAGE, authorizerEvent } from '../../fixtures/authorizer-events';
import { referenceEnv } from '../../fixtures/reference-env';
import { VALUES, generateTable, iamAllows, random } from '../support/route-tables';
import { Testbed } from '../support/testbed';
import { issueKey, issueSession } from '../../lambda/management/mint';
import { DEFAULT_PREFIXES } from '../../lambda/core/token';

const ORIGIN = 'https://app.example.com';
const PERMISSIONS: readonly PermissionDef[] = catalogWith([
  { name: 'p1', grant: 'key', description: 'generated routes' },
  { name: 'p2', grant: 'key', description: 'generated routes' },
]);

let bed: Testbed;
let client: DynamoDBClient;
let table: string;
/**
 * The real store, each credential read once for all the tables: the
 * authorizers differ only in their route table, and this test is about
 * their policies, not their reads.
 */
let store: CredentialStore;
/** bearer keys of every subset of {p1, p2}, and a session cookie */
let credentials: { label: string; headers: Record<string, string> }[];

beforeAll(async () => {
  bed = await Testbed.open({ deployment: (t) => referenceEnv(t, { KEYGATE_ALLOWED_ORIGINS: ORIGIN }), handlers: false });
  ({ client, table } = bed);
  const real = new DynamoCredentialStore(client, table);
  const read = new Map<string, Promise<CredentialLookup>>();
  store = {
    lookup: (token) => read.get(token.id) ?? read.set(token.id, real.lookup(token)).get(token.id)!,
    // Bookkeeping the decisions do not depend on; one write per key is tested elsewhere.
    touchKey: async () => {},
    spendCredit: (...args) => real.spendCredit(...args),
  };
  const accounts = new DynamoAccountStore(client, table);
  const { userId } = await accounts.createUser({ kind: 'human', email: 'deny@example.com' });
  credentials = [];
  for (const permissions of [[], ['p1'], ['p2'], ['p1', 'p2']]) {
    const { token } = await issueKey(accounts, DEFAULT_PREFIXES, userId, 'user', { name: 'k', permissions });
    credentials.push({ label: `key [${permissions.join(',')}]`, headers: { Authorization: `Bearer ${token.value}` } });
  }
  const { token } = await issueSession(accounts, DEFAULT_PREFIXES, userId, Date.now() + 3600_000);
  credentials.push({ label: 'session, no Origin', headers: { Cookie: `keygate_session=${token.value}` } });
});
afterAll(() => bed.close());

/** IAM's rule applied to the decision's policy; a 401 lets nothing through. */
function gatewayAllows(decision: Decision, methodArn: string): boolean {
  return decision.outcome !== 'unauthorized' && iamAllows(decision.result.policyDocument.Statement as { Effect: string; Resource: string[] }[], methodArn);
}

/** A request for `resource` with its parameters filled in, as API Gateway would send it. */
function requestFor(method: string, resource: string, path: string, headers: Record<string, string>): APIGatewayRequestAuthorizerEvent {
  return { ...authorizerEvent(method, resource, headers), methodArn: `${API_STAGE}/${method}${path}`, path };
}

describe('Class: Authorizer', () => {
  describe('Method: decide — a refusal always carries a Deny for its method ARN', () => {
    it('the crossing table of the security review: a key with submit_score is refused POST /a/b/c, and the policy agrees', async () => {
      // Prepare
      const accounts = new DynamoAccountStore(client, table);
      const { userId } = await accounts.createUser({ kind: 'human', email: 'crossing@example.com' });
      const { token } = await issueKey(accounts, DEFAULT_PREFIXES, userId, 'user', { name: 'k', permissions: ['submit_score'] });
      const routes: RouteDef[] = [
        { method: 'POST', path: '/a/{x}/c', needs: 'submit_score' },
        { method: 'POST', path: '/a/b/{y}', needs: 'delete_score' },
      ];
      const authorizer = bed.authorizer({ config: { routes } });
      const event = requestFor('POST', '/a/b/{y}', '/a/b/c', { Authorization: `Bearer ${token.value}` });
      // Act
      const decision = await authorizer.decide(event);
      // Assess
      expect(decision.outcome).toBe('deny');
      expect(gatewayAllows(decision, event.methodArn)).toBe(false);
      if (decision.outcome === 'unauthorized') throw new Error('unexpected');
      // The Allow part is unchanged: the same for every route.
      expect(decision.result.policyDocument.Statement).toEqual([
        { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [`${API_STAGE}/POST/a/*/c`] },
        { Action: 'execute-api:Invoke', Effect: 'Deny', Resource: [event.methodArn] },
      ]);
    });

    it('over 150 generated tables (overlapping ones included): no refused request is let through, every allowed one is', async () => {
      const next = random(9);
      const tally = { tables: 0, overlapping: 0, allow: 0, missing_permission: 0, csrf_rejected: 0, unknown_route: 0, credits_exhausted: 0 };
      for (let t = 0; t < 150; t++) {
        // Prepare
        const routes = generateTable(next);
        tally.tables++;
        if (routeConflicts(routes).length > 0) tally.overlapping++;
        const authorizer = bed.authorizer({ store, config: { routes, permissions: PERMISSIONS } });
        const requests: { method: string; resource: string; path: string }[] = [];
        for (const r of routes) {
          for (let n = 0; n < 2; n++) {
            const path = r.path
              .replace(/\{proxy\+\}/g, () => Array.from({ length: 1 + Math.floor(next() * 2) }, () => VALUES[Math.floor(next() * 4)]).join('/'))
              .replace(/\{[^}]+\}/g, () => VALUES[Math.floor(next() * 4)]!);
            const method = r.method === 'ANY' ? ['GET', 'DELETE'][n]! : r.method;
            requests.push({ method, resource: r.path, path });
            // The same path under a resource this authorizer does not know.
            if (n === 0) requests.push({ method, resource: '/unknown/{p}', path });
          }
        }
        for (const req of requests) {
          for (const { label, headers } of credentials) {
            const event = requestFor(req.method, req.resource, req.path, headers);
            // Act
            const decision = await authorizer.decide(event);
            // Assess
            if (decision.outcome === 'unauthorized') throw new Error(`${label}: unauthorized (${decision.reason})`);
            const allowed = gatewayAllows(decision, event.methodArn);
            if (allowed !== (decision.outcome === 'allow')) {
              throw new Error(`table ${JSON.stringify(routes)}, ${label}: ${req.method} ${req.path} (${req.resource}) decided ${decision.outcome} but the policy ${allowed ? 'allows' : 'refuses'} it`);
            }
            // Whatever API Gateway does with the policy, a 403 would have a code (docs/design.md, Security invariants).
            expect(decision.result.context?.error_code).toMatch(/^(access_denied|missing_permission|csrf_rejected|unknown_route)$/);
            tally[decision.outcome === 'allow' ? 'allow' : decision.reason]++;
          }
        }
      }
      // Every kind of refusal, and many overlapping tables, were exercised.
      expect(tally.overlapping).toBeGreaterThan(60);
      expect(tally.missing_permission).toBeGreaterThan(1000);
      expect(tally.csrf_rejected).toBeGreaterThan(500);
      expect(tally.unknown_route).toBeGreaterThan(2000);
      expect(tally.allow).toBeGreaterThan(3000);
    });
  });
});
