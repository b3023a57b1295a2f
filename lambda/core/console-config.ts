/**
 * What the console page reads first (`GET {basePath}/console/config.json`):
 * the deployment's facts, so the page hard-codes none of them (SPEC §13,
 * docs/design.md "The console"). Pure: the console Lambda builds it from
 * its settings.
 */
import type { PermissionDef, RouteDef } from './catalog';
import { MANAGEMENT_ROUTES } from './management-routes';
import type { PlanConfig } from './settings';

/** A plan as `GET {base}/plans` shows it (no usage plan id). */
export interface ConsolePlan {
  readonly name: string;
  readonly description: string | null;
  readonly throttle: PlanConfig['throttle'];
  readonly quota: PlanConfig['quota'] | null;
  readonly default: boolean;
}

export interface ConsoleConfig {
  /** the management API's base path as configured, e.g. `/v1` */
  readonly basePath: string;
  /** every management operation → the path the browser calls (stage or domain mapping included), parameters as `{name}` */
  readonly paths: Readonly<Record<string, string>>;
  /** every management operation → its HTTP method, from the same route table */
  readonly methods: Readonly<Record<string, string>>;
  readonly permissions: readonly { readonly name: string; readonly description: string; readonly keyGrantable: boolean }[];
  readonly prefixes: { readonly user: string; readonly bot: string };
  /** the deployment's usage plans (SPEC §12); empty when it has none */
  readonly plans: readonly ConsolePlan[];
  /** a route of the app a new key can be tried on, or null */
  readonly example: { readonly method: string; readonly path: string; readonly permission: string } | null;
}

export interface ConsoleConfigInput {
  readonly basePath: string;
  /** the whole catalog */
  readonly permissions: readonly PermissionDef[];
  /** the app's own routes */
  readonly routes: readonly RouteDef[];
  readonly prefixes: { readonly user: string; readonly bot: string };
  /** the deployment's plans (settings `plans`, `defaultPlan`) */
  readonly plans?: readonly PlanConfig[];
  readonly defaultPlan?: string;
  /** what the browser puts before the API's paths: '' or the stage (`/api`), from the request */
  readonly publicPrefix: string;
}

export function consoleConfig(input: ConsoleConfigInput): ConsoleConfig {
  const { basePath, publicPrefix } = input;
  const paths = Object.fromEntries(MANAGEMENT_ROUTES.map((r) => [r.operation, `${publicPrefix}${r.atRoot ? '' : basePath}${r.path}`]));
  const grantable = new Set(input.permissions.filter((p) => p.grant === 'key').map((p) => p.name));
  const tryable = input.routes.filter((r) => grantable.has(r.needs));
  const example = tryable.find((r) => !r.path.includes('{')) ?? tryable[0];
  return {
    basePath,
    paths,
    methods: Object.fromEntries(MANAGEMENT_ROUTES.map((r) => [r.operation, r.method])),
    permissions: input.permissions.map((p) => ({ name: p.name, description: p.description, keyGrantable: p.grant === 'key' })),
    prefixes: { user: input.prefixes.user, bot: input.prefixes.bot },
    plans: (input.plans ?? []).map((p) => ({
      name: p.name,
      description: p.description ?? null,
      throttle: { rateLimit: p.throttle.rateLimit, burstLimit: p.throttle.burstLimit },
      quota: p.quota ? { limit: p.quota.limit, period: p.quota.period } : null,
      default: p.name === input.defaultPlan,
    })),
    example: example ? { method: example.method, path: `${publicPrefix}${example.path}`, permission: example.needs } : null,
  };
}
