import { catalogWith, keyGrantable, sessionPermissions, validateRouteTable, type HttpMethod, type RouteDef } from '../../lambda/core/catalog';
import { managementRoutes } from '../../lambda/core/management-routes';
import { REFERENCE_CATALOG, REFERENCE_ROUTES } from '../../lib/reference-app';
import { findRoute, refuse, routeFinder, type Principal } from '../../lambda/core/decision';
import { PolicyCache, allowPolicy, arnMatches, compressedPatterns, parseMethodArn, routeArns, routeConflicts, wildcardConflicts } from '../../lambda/core/policy';
import { API_STAGE, concretePath } from '../../fixtures/authorizer-events';
import { VALUES, generateApp, generateTable, iamAllows, random } from '../support/route-tables';

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

describe('Function: allowPolicy, compressed', () => {
  const route = (method: string, path: string, needs: string): RouteDef => ({ method: method as HttpMethod, path, needs });
  /** What API Gateway routes to a resource path, written independently of the code under test. */
  const requestPattern = (path: string) => new RegExp(`^${path.replace(/\{[^}]+\+\}/g, '.+').replace(/\{[^}]+\}/g, '[^/]+')}$`);
  const compressed = (routes: readonly RouteDef[], perms: readonly string[]) => allowPolicy(API_STAGE, routes, new Set(perms), true);
  const full = (routes: readonly RouteDef[], perms: readonly string[]) => allowPolicy(API_STAGE, routes, new Set(perms));

  /** Every request of every route, each path parameter filled with `x` and with literal segments of the table (a parameter beside a literal). */
  function requestsOf(routes: readonly RouteDef[]): [string, string][] {
    const literals = ['archive', 'items', 'notes', 'keys', 'orders', 'status', 'me'];
    const out: [string, string][] = [];
    for (const r of routes) {
      for (const value of ['x', ...literals]) {
        const path = r.path.replace(/\{[^}]+\+\}/g, `${value}/y`).replace(/\{[^}]+\}/g, value);
        for (const m of r.method === 'ANY' ? ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] : [r.method]) out.push([m, path]);
      }
    }
    return out;
  }

  /**
   * IAM's rule (`iamAllows`, test/support/route-tables.ts) with each resource's pattern compiled once: the
   * same `arnMatches` semantics (`*` any string, `?` one character), fast enough for 500 routes × every caller.
   */
  function judge(statements: ReturnType<typeof allowPolicy>['Statement']): (arn: string) => boolean {
    const compile = (effect: string) =>
      statements.filter((s) => s.Effect === effect).flatMap((s) => s.Resource.map((r) => new RegExp('^' + r.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$')));
    const allow = compile('Allow');
    const deny = compile('Deny');
    return (arn) => allow.some((re) => re.test(arn)) && !deny.some((re) => re.test(arn));
  }

  /** Fails with the first request of a table route whose answer differs between the compressed and the full Allow. */
  function expectSameAnswers(routes: readonly RouteDef[], perms: readonly string[], requests: readonly [string, string][]): number {
    const a = compressed(routes, perms).Statement;
    const b = full(routes, perms).Statement;
    const [fast, slow] = requests.length > 2000 ? [judge(a), judge(b)] : [(arn: string) => iamAllows(a, arn), (arn: string) => iamAllows(b, arn)];
    for (const [method, path] of requests) {
      const arn = `${API_STAGE}/${method}${path}`;
      if (fast(arn) !== slow(arn)) {
        throw new Error(`[${perms.join(',')}] ${method} ${path}: compressed allows=${fast(arn)}, full allows=${slow(arn)}; ${JSON.stringify(a)}`);
      }
    }
    return requests.length;
  }

  it('over 300 generated tables: for every request of a table route and every permission set, the compressed Allow answers as the full one', () => {
    const next = random(18);
    let compressedPolicies = 0;
    let checked = 0;
    for (let t = 0; t < 300; t++) {
      const routes = generateTable(next);
      if (routeConflicts(routes).length > 0) continue;
      // Every request path of up to four segments over VALUES that API Gateway routes to a route of the table.
      const requests: [string, string][] = [];
      let level = [''];
      for (let depth = 1; depth <= 4; depth++) {
        level = level.flatMap((p) => VALUES.map((v) => `${p}/${v}`));
        for (const path of level) for (const m of ['GET', 'POST', 'PUT']) if (routes.some((r) => (r.method === 'ANY' || r.method === m) && requestPattern(r.path).test(path))) requests.push([m, path]);
      }
      for (const perms of [[], ['p1'], ['p2'], ['p1', 'p2']]) {
        checked += expectSameAnswers(routes, perms, requests);
        if (compressedPatterns(routes, new Set(perms)).some((p) => p.endsWith('/*') && !p.includes('{'))) compressedPolicies++;
      }
    }
    // The property is about something: many of these policies do have a wildcard.
    expect(compressedPolicies).toBeGreaterThan(50);
    expect(checked).toBeGreaterThan(10_000);
  });

  it.each([50, 200, 500])('for a generated app of %i routes under the management API: every caller, every route, the same answers, and a smaller policy', (size) => {
    const app = generateApp(size);
    const routes = [...managementRoutes('/v1'), ...app.routes];
    const catalog = catalogWith(app.permissions);
    const grantable = keyGrantable(catalog);
    const callers = [[], grantable, ...grantable.map((p) => [p]), sessionPermissions(catalog, false), sessionPermissions(catalog, true)];
    const requests = requestsOf(routes);
    for (const perms of callers) expectSameAnswers(routes, perms, requests);
    expect(JSON.stringify(compressed(routes, grantable)).length).toBeLessThan(JSON.stringify(full(routes, grantable)).length * 0.8);
    expect(JSON.stringify(compressed(routes, [grantable[0]!])).length).toBeLessThan(JSON.stringify(full(routes, [grantable[0]!])).length);
  });

  it.each([
    ['crossing patterns: /a/{x}/e needs another permission', [route('GET', '/a/b/c', 'p1'), route('GET', '/a/b/d', 'p1'), route('GET', '/a/{x}/e', 'p2')], ['GET/a/b/c', 'GET/a/b/d']],
    ['a parameter route of another permission under the prefix', [route('GET', '/files/a/x', 'p1'), route('GET', '/files/a/y', 'p1'), route('GET', '/files/{id}/meta', 'p2')], ['GET/files/a/x', 'GET/files/a/y']],
    ['a greedy proxy of another permission under the prefix', [route('GET', '/docs/a', 'p1'), route('GET', '/docs/b', 'p1'), route('GET', '/docs/a/{proxy+}', 'p2')], ['GET/docs/a', 'GET/docs/b']],
    ['ANY of another permission under the prefix', [route('GET', '/docs/a', 'p1'), route('GET', '/docs/b', 'p1'), route('ANY', '/docs/c', 'p2')], ['GET/docs/a', 'GET/docs/b']],
  ])('does not compress over %s', (_label, routes, expected) => {
    expect(routeConflicts(routes)).toEqual([]);
    expect(compressedPatterns(routes, new Set(['p1']))).toEqual(expected);
  });

  it('compresses a subtree the caller may call whole, per method, keeping the subtree root and other methods apart', () => {
    const routes = [route('GET', '/docs', 'p1'), route('GET', '/docs/{id}', 'p1'), route('GET', '/docs/{id}/v', 'p1'), route('POST', '/docs/{id}', 'p1'), route('DELETE', '/docs/{id}', 'p2')];
    expect(compressedPatterns(routes, new Set(['p1']))).toEqual(['GET/docs', 'GET/docs/*', 'POST/docs/{id}'.replace('{id}', '*')]);
  });

  it('never puts a management route behind a wildcard, not even for a caller who may call all of them', () => {
    // The reference app's routes live under /v1 beside the management API.
    const admin = new Set(sessionPermissions(REFERENCE_CATALOG, true));
    const listed = new Set(REFERENCE_ROUTES.flatMap((r) => routeArns('', r)).map((arn) => arn.slice(1)));
    const wildcards = compressedPatterns(REFERENCE_ROUTES, admin).filter((p) => !listed.has(p));
    // /v1/scores/… and /v1/sessions/… of the app would compress, but only under a prefix no management route is under.
    for (const r of REFERENCE_ROUTES.filter((r) => r.operation !== undefined)) {
      for (const p of wildcards) expect({ p, r: r.path, covers: arnMatches(p, `${r.method}${concretePath(r.path)}`) }).toEqual({ p, r: r.path, covers: false });
    }
    // Without that rule the same table would compress under /v1: the rule is what keeps it out.
    const unmarked = REFERENCE_ROUTES.map(({ method, path, needs }) => ({ method, path, needs }));
    expect(compressedPatterns(unmarked, admin).filter((p) => /^[A-Z]+\/v1\/\*$/.test(p)).length).toBeGreaterThan(0);
  });

  it('is what the authorizer returns without the gateway cache, and the full list with it', () => {
    const app = generateApp(50);
    const routes = [...managementRoutes('/v1'), ...app.routes];
    const perms = keyGrantable(catalogWith(app.permissions));
    expect(new PolicyCache(routes, 8, true).allow(API_STAGE, perms)).toEqual(compressed(routes, perms));
    expect(new PolicyCache(routes, 8, false).allow(API_STAGE, perms)).toEqual(full(routes, perms));
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

  it('finds with its index what the scan finds, for every route of a 500-route table, ANY and unknown resources included', () => {
    const routes = [...REFERENCE_ROUTES, ...generateApp(500).routes, { method: 'ANY', path: '/any/{x}', needs: 'public' } as const];
    const find = routeFinder(routes);
    const asked = [...routes.flatMap((r) => ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].map((m) => [m, r.path] as const)), ['GET', '/nowhere'] as const, ['GET', ''] as const];
    for (const [m, p] of asked) expect({ m, p, found: find(m, p) }).toEqual({ m, p, found: findRoute(routes, m, p) });
    expect(find('DELETE', '/any/{x}')?.path).toBe('/any/{x}');
  });

  it('refuses routes outside the table', () => {
    expect(refuse(key, undefined, 'GET', undefined, origins)?.code).toBe('unknown_route');
  });
});
