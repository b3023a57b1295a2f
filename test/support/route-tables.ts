/**
 * Generated route tables for the property tests of the policy rules
 * (test/core/route-overlap, test/authorizer/refusal-deny, test/core/policy),
 * an app-shaped table of any size (`generateApp`, for the large-table tests
 * and `npm run bench`), and IAM's rule for judging a policy: the same
 * generators and the same judge everywhere.
 */
import type { HttpMethod, PermissionDef, RouteDef } from '../../lambda/core/catalog';
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

const NOUNS = ['orders', 'invoices', 'customers', 'products', 'shipments', 'tickets', 'projects', 'reports', 'devices', 'teams', 'assets', 'contracts'];
const CHILDREN = ['items', 'notes', 'events', 'members', 'files', 'versions'];

/** An app's routes and its own permissions (the management ones come on top). */
export interface GeneratedApp {
  readonly routes: RouteDef[];
  readonly permissions: PermissionDef[];
}

/**
 * An app-shaped table of exactly `count` routes: collections (`/orders`,
 * `/orders2`, …) with nested resources and path parameters, ten routes each
 * (list, create, get, update, delete, a child list and create, a child get
 * and replace, an action), reads needing `read_<area>` and writes
 * `write_<area>` for `areas` areas; every seventh collection is open to any
 * authenticated caller, and `/status` is public. No two routes conflict
 * (`routeConflicts`): within a collection every method has one requirement.
 */
export function generateApp(count: number, areas = 8, seed = 1): GeneratedApp {
  const next = random(seed);
  const routes: RouteDef[] = [{ method: 'GET', path: '/status', needs: 'public' }];
  for (let i = 0; routes.length < count; i++) {
    const base = `/${NOUNS[i % NOUNS.length]}${i >= NOUNS.length ? Math.floor(i / NOUNS.length) + 1 : ''}`;
    const area = `area${i % areas}`;
    const open = i % 7 === 6;
    const read = open ? 'authenticated' : `read_${area}`;
    const write = open ? 'authenticated' : `write_${area}`;
    const child = CHILDREN[Math.floor(next() * CHILDREN.length)]!;
    const id = `{${NOUNS[i % NOUNS.length]!.slice(0, -1)}Id}`;
    const one = `${base}/${id}`;
    const table: [HttpMethod, string, string][] = [
      ['GET', base, read],
      ['POST', base, write],
      ['GET', one, read],
      ['PATCH', one, write],
      ['DELETE', one, write],
      ['GET', `${one}/${child}`, read],
      ['POST', `${one}/${child}`, write],
      ['GET', `${one}/${child}/{childId}`, read],
      ['PUT', `${one}/${child}/{childId}`, write],
      ['POST', `${one}/archive`, write],
    ];
    for (const [method, path, needs] of table) if (routes.length < count) routes.push({ method, path, needs });
  }
  const used = new Set(routes.map((r) => r.needs));
  const permissions: PermissionDef[] = [];
  for (let a = 0; a < areas; a++) {
    for (const verb of ['read', 'write']) {
      const name = `${verb}_area${a}`;
      if (used.has(name)) permissions.push({ name, grant: 'key', description: `${verb} the resources of area ${a}` });
    }
  }
  return { routes, permissions };
}
