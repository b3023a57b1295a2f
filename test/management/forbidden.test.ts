/**
 * docs/design.md, Security invariants: every 403 carries an error_code, none empty: the gateway's
 * ACCESS_DENIED body (filled from the authorizer's context, also when the
 * policy refuses a request the authorizer allowed) and the management
 * Lambdas' own 403s.
 */
import { ResponseType } from 'aws-cdk-lib/aws-apigateway';
import { arnMatches } from '../../lambda/core/policy';
import { gatewayResponses } from '../../lib/keygate-api';
import { API_STAGE, authorizerEvent } from '../../fixtures/authorizer-events';
import { lambdaContext } from '../../fixtures/lambda-context';
import { ORIGIN, makeUser, proxyEvent } from '../support/management-api';
import { Testbed } from '../support/testbed';


let bed: Testbed;

beforeAll(async () => {
  bed = await Testbed.open();
});
afterAll(() => bed.close());

/** The ACCESS_DENIED body as API Gateway would fill it from an authorizer context (plain substitution). */
function accessDeniedBody(context: Record<string, unknown>): { error_code: string; error_message: string } {
  const def = gatewayResponses('/v1/auth/verify').find((r) => r.type === ResponseType.ACCESS_DENIED)!;
  const fill = (template: string) => template.replace(/\$context\.authorizer\.(\w+)/g, (_m, key: string) => String(context[key] ?? ''));
  return JSON.parse(`{"error_code":${fill(def.code)},"error_message":${fill(def.message)}}`) as { error_code: string; error_message: string };
}

describe('Every 403 carries an error_code', () => {
  it('at the gateway, for a request the authorizer allowed but its policy does not cover (an empty path segment)', async () => {
    // Prepare
    const user = await makeUser(bed.accounts);
    const session = await bed.api.login(user.email, user.password);
    const event = { ...authorizerEvent('GET', '/v1/auth/me', { Cookie: `keygate_session=${session}` }), methodArn: `${API_STAGE}/GET/v1//auth/me`, path: '/v1//auth/me' };
    // Act
    const decision = await bed.api.authorizer.decide(event);
    // Assess
    if (decision.outcome !== 'allow') throw new Error(`unexpected ${decision.outcome}`);
    const statements = decision.result.policyDocument.Statement as { Effect: string; Resource: string[] }[];
    expect(statements.some((s) => s.Effect === 'Allow' && s.Resource.some((r) => arnMatches(r, event.methodArn)))).toBe(false);
    expect(accessDeniedBody(decision.result.context!)).toEqual({ error_code: 'access_denied', error_message: "the caller's policy does not cover this request" });
  });

  it('at the gateway, for each refusal of the authorizer', async () => {
    const user = await makeUser(bed.accounts);
    const session = await bed.api.login(user.email, user.password);
    const token = await bed.issueUserKey(user.userId, { name: 'k', permissions: [] });
    const refusals = [
      await bed.api.authorizer.decide(authorizerEvent('GET', '/v1/keys', { Authorization: `Bearer ${token.value}` })),
      await bed.api.authorizer.decide(authorizerEvent('POST', '/v1/keys', { Cookie: `keygate_session=${session}` })),
      await bed.api.authorizer.decide(authorizerEvent('GET', '/v1/nowhere', { Authorization: `Bearer ${token.value}` })),
    ];
    expect(refusals.map((d) => (d.outcome === 'deny' ? accessDeniedBody(d.result.context!).error_code : d.outcome))).toEqual(['missing_permission', 'csrf_rejected', 'unknown_route']);
    for (const d of refusals) if (d.outcome === 'deny') expect(accessDeniedBody(d.result.context!).error_message).not.toBe('');
  });

  it('from the management Lambdas: login CSRF, and a permission the stored credential no longer grants', async () => {
    // Prepare
    const user = await makeUser(bed.accounts);
    const token = await bed.issueUserKey(user.userId, { name: 'k', permissions: ['submit_score'] });
    // What a stale authorizer context could claim for this key
    const claimed = { principalId: user.userId, userId: user.userId, authMethod: 'api_key', keyId: token.id, permissions: 'manage_keys' };
    // Act
    const csrf = await bed.api.call('POST', '/v1/auth/login', { origin: 'https://evil.example', body: { email: user.email, password: user.password } });
    const missing = await bed.api.handlers.keys(proxyEvent({ method: 'GET', resource: '/v1/keys', headers: { Origin: ORIGIN }, authorizer: claimed }), lambdaContext('keygate-keys'));
    // Assess
    expect(csrf).toMatchObject({ status: 403, body: { error_code: 'csrf_rejected', error_message: expect.stringMatching(/.+/) } });
    expect(missing.statusCode).toBe(403);
    expect(JSON.parse(missing.body)).toMatchObject({ error_code: 'missing_permission', error_message: "this route needs the 'manage_keys' permission" });
  });
});
