import { keyGrantable, sessionPermissions, validateRouteTable } from '../../lambda/core/catalog';
import { REFERENCE_CATALOG, REFERENCE_ROUTES } from '../../lib/reference-app';
import { findRoute, refuse, type Principal } from '../../lambda/core/decision';
import { PolicyCache, allowPolicy, arnMatches, parseMethodArn, routeArns, wildcardConflicts } from '../../lambda/core/policy';
import { API_STAGE, concretePath } from '../../fixtures/authorizer-events';

/** Every subset of the key-grantable permissions, and the two session sets. */
function permissionSets(): string[][] {
  const grantable = keyGrantable(REFERENCE_CATALOG);
  const sets: string[][] = [];
  for (let mask = 0; mask < 1 << grantable.length; mask++) sets.push(grantable.filter((_, i) => mask & (1 << i)));
  sets.push(sessionPermissions(REFERENCE_CATALOG, false), sessionPermissions(REFERENCE_CATALOG, true));
  return sets;
}

const allows = (policy: ReturnType<typeof allowPolicy>, arn: string) =>
  policy.Statement.some((s) => s.Effect === 'Allow' && s.Resource.some((r) => arnMatches(r, arn))) &&
  !policy.Statement.some((s) => s.Effect === 'Deny' && s.Resource.some((r) => arnMatches(r, arn)));

describe('Module: policy', () => {
  describe('Function: allowPolicy', () => {
    it('allows exactly the permitted routes, for every permission set × every route', () => {
      let checked = 0;
      for (const perms of permissionSets()) {
        const policy = allowPolicy(API_STAGE, REFERENCE_ROUTES, new Set(perms));
        for (const route of REFERENCE_ROUTES) {
          const arn = `${API_STAGE}/${route.method}${concretePath(route.path)}`;
          const expected = route.needs === 'public' || route.needs === 'authenticated' || perms.includes(route.needs);
          if (allows(policy, arn) !== expected) throw new Error(`${perms.join(',')} on ${route.method} ${route.path}: expected ${expected}`);
          checked++;
        }
      }
      expect(checked).toBe((32 + 2) * REFERENCE_ROUTES.length);
    });

    it('never allows another API, stage, or method', () => {
      const policy = allowPolicy(API_STAGE, REFERENCE_ROUTES, new Set(sessionPermissions(REFERENCE_CATALOG, true)));
      expect(allows(policy, `${API_STAGE}/GET/v1/auth/me`)).toBe(true);
      expect(allows(policy, 'arn:aws:execute-api:us-east-1:123456789012:other/api/GET/v1/auth/me')).toBe(false);
      expect(allows(policy, 'arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/v1/auth/me')).toBe(false);
      expect(allows(policy, `${API_STAGE}/PUT/v1/auth/me`)).toBe(false);
      expect(allows(policy, `${API_STAGE}/GET/v1/unknown`)).toBe(false);
    });

    it('turns path parameters into wildcards', () => {
      expect(routeArns(API_STAGE, { method: 'POST', path: '/v1/keys/{keyId}/rotate' })).toEqual([`${API_STAGE}/POST/v1/keys/*/rotate`]);
    });
  });

  describe('Class: PolicyCache', () => {
    it('builds one policy per API and permission set, whatever the order', () => {
      const cache = new PolicyCache(REFERENCE_ROUTES, 3);
      const a = cache.allow(API_STAGE, ['submit_score', 'delete_score']);
      expect(cache.allow(API_STAGE, ['delete_score', 'submit_score'])).toBe(a);
      cache.allow(`${API_STAGE}2`, ['submit_score']);
      expect(cache.size).toBe(2);
      cache.allow(API_STAGE, []);
      cache.allow(API_STAGE, ['customise_score']);
      expect(cache.size).toBeLessThanOrEqual(3);
    });
  });

  describe('Function: parseMethodArn', () => {
    it('splits a method ARN', () => {
      expect(parseMethodArn(`${API_STAGE}/GET/v1/scores/1`)).toEqual({ apiStage: API_STAGE, method: 'GET', path: '/v1/scores/1' });
      expect(parseMethodArn(`${API_STAGE}/GET/`)).toEqual({ apiStage: API_STAGE, method: 'GET', path: '/' });
    });
    it.each(['', 'arn:aws:s3:::bucket', 'arn:aws:execute-api:us-east-1:1:abc', 'arn:aws:execute-api:us-east-1:1:abc/api'])('refuses %p', (arn) => {
      expect(parseMethodArn(arn)).toBeUndefined();
    });
  });

  describe('Function: wildcardConflicts', () => {
    it('finds none in the reference table', () => {
      expect(wildcardConflicts(REFERENCE_ROUTES)).toEqual([]);
    });
    it('finds a wildcard that would also cover a route with another requirement', () => {
      const routes = [
        { method: 'POST', path: '/v1/things/{id}', needs: 'submit_score' },
        { method: 'POST', path: '/v1/things/{id}/delete', needs: 'delete_score' },
      ] as const;
      expect(wildcardConflicts(routes)).toEqual([
        "POST /v1/things/{id} (submit_score) also covers POST /v1/things/{id}/delete (delete_score) in an IAM policy: POST /v1/things/x/delete matches the second's path and the first's resource /v1/things/*",
      ]);
    });
  });
});

describe('Module: catalog', () => {
  it('keeps session-only and admin permissions out of keys', () => {
    expect(keyGrantable(REFERENCE_CATALOG)).toEqual(['submit_score', 'customise_profile', 'customise_session', 'customise_score', 'delete_score']);
    expect(sessionPermissions(REFERENCE_CATALOG, false)).not.toContain('admin');
    expect(sessionPermissions(REFERENCE_CATALOG, false)).toContain('manage_keys');
    expect(sessionPermissions(REFERENCE_CATALOG, true)).toContain('admin');
  });

  it('accepts the reference route table', () => {
    expect(validateRouteTable(REFERENCE_ROUTES, REFERENCE_CATALOG)).toEqual([]);
  });

  it('reports every problem of a bad table at once', () => {
    const problems = validateRouteTable(
      [
        { method: 'GET', path: '/a', needs: 'nope' },
        { method: 'GET', path: '/a', needs: 'public' },
        { method: 'GET', path: 'b', needs: 'authenticated' },
      ],
      [...REFERENCE_CATALOG, { name: 'Bad-Name', grant: 'key', description: '' }],
    );
    expect(problems).toEqual([
      "route GET /a needs 'nope', which is not in the permission catalog",
      'route GET /a is listed twice',
      "route GET b: path has to start with '/'",
      "permission 'Bad-Name' has to be lower_snake_case",
    ]);
  });
});

describe('Module: decision', () => {
  const key: Principal = { userId: 'u', authMethod: 'api_key', credentialId: 'k', permissions: ['submit_score'] };
  const session: Principal = { ...key, authMethod: 'session', permissions: sessionPermissions(REFERENCE_CATALOG, false) };
  const origins = new Set(['https://app.example.com']);
  const route = (m: string, p: string) => findRoute(REFERENCE_ROUTES, m, p);

  it('names the missing permission', () => {
    expect(refuse(key, route('DELETE', '/v1/scores/{scoreId}'), 'DELETE', undefined, origins)).toEqual({
      code: 'missing_permission',
      message: "this route needs the 'delete_score' permission",
    });
    expect(refuse(key, route('POST', '/v1/scores'), 'POST', undefined, origins)).toBeUndefined();
  });

  it('checks the Origin of cookie sessions on unsafe methods only', () => {
    expect(refuse(session, route('POST', '/v1/scores'), 'POST', 'https://app.example.com', origins)).toBeUndefined();
    expect(refuse(session, route('GET', '/v1/auth/me'), 'GET', undefined, origins)).toBeUndefined();
    expect(refuse(session, route('POST', '/v1/scores'), 'POST', 'https://app.example.com.evil.io', origins)?.code).toBe('csrf_rejected');
    expect(refuse(session, route('DELETE', '/v1/keys/{keyId}'), 'DELETE', undefined, origins)?.code).toBe('csrf_rejected');
  });

  it('refuses routes outside the table', () => {
    expect(refuse(key, undefined, 'GET', undefined, origins)?.code).toBe('unknown_route');
  });
});
