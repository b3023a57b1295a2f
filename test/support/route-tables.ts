/**
 * Generated route tables for the property tests of the policy rules
 * (test/core/route-overlap, test/authorizer/refusal-deny), and IAM's rule for
 * judging a policy: the same generator and the same judge for both.
 */
import type { HttpMethod, RouteDef } from '../../lambda/core/catalog';
import { arnMatches } from '../../lambda/core/policy';

/** A small deterministic PRNG (mulberry32), so a failure can be replayed from its seed. */
export function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The literal segments of generated tables, and one more that no table uses. */
export const VALUES = ['a', 'b', 'c', 'x'];
/** The permissions generated routes need, besides `authenticated` and `public`. */
export const GENERATED_PERMISSIONS = ['p1', 'p2'];
const SEGMENTS = ['a', 'b', 'c', '{p}', '{q}'];
const NEEDS = [...GENERATED_PERMISSIONS, 'authenticated', 'public'];

/**
 * Two to six distinct routes of one to three segments over `a`, `b`, `c`,
 * `{p}`, `{q}`, sometimes ending in `{proxy+}`; GET, POST or (15 %) ANY.
 * About a third of the tables have overlapping wildcards.
 */
export function generateTable(next: () => number): RouteDef[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const routes: RouteDef[] = [];
  const count = 2 + Math.floor(next() * 5);
  while (routes.length < count) {
    const depth = 1 + Math.floor(next() * 3);
    const segments = Array.from({ length: depth }, () => pick(SEGMENTS));
    if (next() < 0.15) segments[depth - 1] = '{proxy+}';
    const method: HttpMethod = next() < 0.15 ? 'ANY' : pick(['GET', 'POST'] as const);
    const r = { method, path: `/${segments.join('/')}`, needs: pick(NEEDS) };
    if (!routes.some((o) => o.method === r.method && o.path === r.path)) routes.push(r);
  }
  return routes;
}

/** IAM's rule: some Allow statement covers the method ARN and no Deny does. */
export function iamAllows(statements: readonly { Effect: string; Resource: readonly string[] }[], methodArn: string): boolean {
  const hit = (effect: string) => statements.some((s) => s.Effect === effect && s.Resource.some((r) => arnMatches(r, methodArn)));
  return hit('Allow') && !hit('Deny');
}
