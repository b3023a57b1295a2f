/**
 * Overlap detection, pattern against pattern (docs/design.md, Security invariants): the shapes that
 * must be refused, and a property over many generated route tables: when
 * `routeConflicts` finds nothing, the route-independent Allow policy is
 * right for every request of every route, checked with `arnMatches` over
 * every concrete path up to four segments.
 */
import type { HttpMethod, RouteDef } from '../../lambda/core/catalog';
import { allowPolicy, arnMatches, mayCall, routeConflicts, wildcardConflicts } from '../../lambda/core/policy';
import { API_STAGE } from '../../fixtures/authorizer-events';
import { VALUES, generateTable, iamAllows, random } from '../support/route-tables';

const route = (method: string, path: string, needs: string): RouteDef => ({ method: method as HttpMethod, path, needs });

/** What API Gateway routes to a resource path, written independently of the code under test. */
const requestPattern = (path: string) => new RegExp(`^${path.replace(/\{[^}]+\+\}/g, '.+').replace(/\{[^}]+\}/g, '[^/]+')}$`);

const PERMISSION_SETS = [[], ['p1'], ['p2'], ['p1', 'p2']].map((p) => new Set(p));

/** Every path of one to four segments over VALUES: 340 paths. */
const PATHS: string[] = (() => {
  const out: string[] = [];
  let level = [''];
  for (let depth = 1; depth <= 4; depth++) {
    level = level.flatMap((p) => VALUES.map((v) => `${p}/${v}`));
    out.push(...level);
  }
  return out;
})();

describe('Function: routeConflicts', () => {
  it.each([
    ['crossing parameters', route('POST', '/a/{x}/c', 'submit_score'), route('POST', '/a/b/{y}', 'delete_score'), 'POST /a/b/c'],
    ['a parameter beside a literal', route('GET', '/v1/keys/{keyId}', 'manage_keys'), route('GET', '/v1/keys/export', 'admin'), 'GET /v1/keys/export'],
    ['a parameter whose * spans segments', route('GET', '/a/{x}', 'p1'), route('GET', '/a/{x}/b/{y}', 'p2'), 'GET /a/x/b/x'],
    ['ANY against one method', route('ANY', '/items/{id}', 'p1'), route('DELETE', '/items/{id}', 'p2'), 'DELETE /items/x'],
    ['a greedy proxy', route('GET', '/files/{proxy+}', 'p1'), route('GET', '/files/private/{name}', 'p2'), 'GET /files/private/x'],
    ['two greedy proxies', route('GET', '/a/{proxy+}', 'p1'), route('GET', '/{x}/b/{proxy+}', 'p2'), 'GET /a/b/x'],
  ])('refuses %s, naming a request both cover', (_label, a, b, request) => {
    // Act
    const conflicts = routeConflicts([a, b]);
    const sentences = wildcardConflicts([a, b]);
    // Assess
    expect(conflicts.map((c) => `${c.method} ${c.request}`)).toEqual([request]);
    expect(sentences).toHaveLength(1);
    expect(sentences[0]).toContain(`${a.path} (${a.needs})`);
    expect(sentences[0]).toContain(`${b.path} (${b.needs})`);
  });

  it.each([
    ['different methods', route('GET', '/a/{x}', 'p1'), route('POST', '/a/b', 'p2')],
    ['the same requirement', route('GET', '/a/{x}/c', 'p1'), route('GET', '/a/b/{y}', 'p1')],
    ['a parameter that cannot be empty', route('GET', '/a/{x}/b', 'p1'), route('GET', '/a/b', 'p2')],
    ['a shorter path', route('GET', '/a', 'p1'), route('GET', '/a/{x}', 'p2')],
    ['disjoint literals', route('GET', '/a/{x}/c', 'p1'), route('GET', '/a/{y}/d', 'p2')],
  ])('accepts %s', (_label, a, b) => {
    expect(routeConflicts([a, b])).toEqual([]);
  });

  it('names every request it reports truthfully: the narrow route matches it, the wide route’s resource covers it', () => {
    const next = random(7);
    let checked = 0;
    for (let t = 0; t < 400; t++) {
      for (const c of routeConflicts(generateTable(next))) {
        expect({ c, narrow: requestPattern(c.narrow.path).test(c.request) }).toEqual({ c, narrow: true });
        expect({ c, wide: arnMatches(`${API_STAGE}/${c.method}${c.wide.path.replace(/\{[^}]+\}/g, '*')}`, `${API_STAGE}/${c.method}${c.request}`) }).toEqual({ c, wide: true });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it('over 300 generated tables: with no conflict found, no Allow covers a request of a route the principal may not call', () => {
    const next = random(42);
    let clean = 0;
    let decisions = 0;
    for (let t = 0; t < 300; t++) {
      const routes = generateTable(next);
      if (routeConflicts(routes).length > 0) continue;
      clean++;
      const policies = PERMISSION_SETS.map((perms) => ({ perms, policy: allowPolicy(API_STAGE, routes, perms) }));
      for (const method of ['GET', 'POST', 'PUT']) {
        for (const path of PATHS) {
          const matching = routes.filter((r) => (r.method === 'ANY' || r.method === method) && requestPattern(r.path).test(path));
          if (matching.length === 0) continue;
          for (const { perms, policy } of policies) {
            const expected = matching.every((r) => mayCall(r, perms));
            const actual = iamAllows(policy.Statement, `${API_STAGE}/${method}${path}`);
            if (actual !== expected) {
              throw new Error(`table ${JSON.stringify(routes)}, permissions [${[...perms].join(',')}]: ${method} ${path} allowed=${actual}, expected ${expected}`);
            }
            decisions++;
          }
        }
      }
    }
    // Both kinds of table are well represented.
    expect(clean).toBeGreaterThan(60);
    expect(clean).toBeLessThan(270);
    expect(decisions).toBeGreaterThan(10_000);
  });
});
