/**
 * The reference app's own permissions and routes: the example resources of
 * the spec (scores, profile, play sessions), answered by one echo Lambda.
 * Data only, no CDK: the reference stack, the tests, the benchmark and the
 * local runner's tests import it. A team's app has its own instead.
 */
import { catalogWith, type PermissionDef, type RouteDef } from '../lambda/core/catalog';
import { DEFAULT_BASE_PATH, managementRoutes, type ManagementFunctionName } from '../lambda/core/management-routes';
import type { PlanDef } from '../lambda/core/settings';

/** The reference app's key-grantable permissions (added to the management ones). */
export const REFERENCE_PERMISSIONS = [
  { name: 'submit_score', grant: 'key', description: 'requests that could submit scores' },
  { name: 'customise_profile', grant: 'key', description: 'requests that modify user info (status, about me)' },
  { name: 'customise_session', grant: 'key', description: "requests that modify the user's play sessions" },
  { name: 'customise_score', grant: 'key', description: 'requests that modify scores (e.g. add a comment)' },
  { name: 'delete_score', grant: 'key', description: 'requests that delete scores' },
] as const satisfies readonly PermissionDef[];

/** The reference app's whole catalog, in the order the spec lists it. */
export const REFERENCE_CATALOG: readonly PermissionDef[] = catalogWith(REFERENCE_PERMISSIONS);

/** The example routes, all answered by the echo Lambda. */
export const EXAMPLE_ROUTES: readonly RouteDef[] = [
  { method: 'GET', path: '/v1/scores/{scoreId}', needs: 'authenticated' },
  { method: 'POST', path: '/v1/scores', needs: 'submit_score' },
  { method: 'PATCH', path: '/v1/scores/{scoreId}', needs: 'customise_score' },
  { method: 'DELETE', path: '/v1/scores/{scoreId}', needs: 'delete_score' },
  { method: 'PATCH', path: '/v1/users/me', needs: 'customise_profile' },
  { method: 'PATCH', path: '/v1/sessions/{sessionId}', needs: 'customise_session' },
];

/**
 * The reference app's plans (SPEC §12). Everyone without a plan of their own
 * shares the default plan's one bucket, so the default, `shared`, is a
 * deployment-wide safety throttle with room for everyone; `free` and
 * `partner` are what an admin gives a user or a key.
 */
export const REFERENCE_PLANS: readonly PlanDef[] = [
  { name: 'shared', description: 'shared: everyone without a plan of their own, together: 100 requests/s, bursts of 200, no quota', throttle: { rateLimit: 100, burstLimit: 200 } },
  { name: 'free', description: 'free: 5 requests/s, bursts of 10, 1,000 a day', throttle: { rateLimit: 5, burstLimit: 10 }, quota: { limit: 1000, period: 'DAY' } },
  { name: 'partner', description: 'partner: 50 requests/s, bursts of 100, no quota', throttle: { rateLimit: 50, burstLimit: 100 } },
];

/** The plan of everyone without one of their own. */
export const REFERENCE_DEFAULT_PLAN = 'shared';

/** Which Lambda of the reference app answers a route. */
export type ReferenceTarget = ManagementFunctionName | 'example';

export interface ReferenceRoute extends RouteDef {
  readonly target: ReferenceTarget;
}

/** Every route of the reference app: the management API under `/v1`, then the examples. */
export const REFERENCE_ROUTES: readonly ReferenceRoute[] = [
  ...managementRoutes(DEFAULT_BASE_PATH).map((r) => ({ ...r, target: r.fn })),
  ...EXAMPLE_ROUTES.map((r) => ({ ...r, target: 'example' as const })),
];
