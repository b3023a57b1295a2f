/**
 * What `npm start` prints once the API is up: where it runs, the admin, and
 * three curl commands (log in, make a key, use it) that work as printed in
 * bash and zsh. Paths and permissions are the served app's own (its base
 * path, a permission a key may carry, a route that needs it). The admin
 * password appears only on the start that generated it; afterwards the
 * commands carry a placeholder.
 */
import type { PlanConfig } from '../lambda/core/settings';
import type { AdminSeed } from './admin';
import type { ExampleRoute, ManagementPaths } from './served-app';

export interface QuickStartInfo {
  readonly base: string;
  /** the local console page (served by the runner only, never deployed) */
  readonly consoleUrl?: string;
  readonly stackName: string;
  readonly stage: string;
  readonly template: string;
  readonly dynamoEndpoint: string;
  readonly region: string;
  readonly tables: readonly string[];
  readonly dataDir?: string;
  readonly admin?: AdminSeed;
  /** the served app's management paths (under its base path); no quick start without them */
  readonly paths?: Pick<ManagementPaths, 'login' | 'me' | 'keys'>;
  /** a route to try the new key on */
  readonly example?: ExampleRoute;
  /** the served app's usage plans (SPEC §12) and its default plan; none: no plans line */
  readonly plans?: { readonly plans: readonly PlanConfig[]; readonly defaultPlan: string };
  /** lines that say what the runner cannot do as AWS would (printed under the addresses) */
  readonly notes?: readonly string[];
  readonly startedInMs: number;
}

export const READY_LINE = 'keygate is running on';
export const PASSWORD_PLACEHOLDER = 'YOUR_ADMIN_PASSWORD';

export function quickStart(i: QuickStartInfo): string {
  const admin = i.admin;
  const password = admin?.generatedPassword ?? PASSWORD_PLACEHOLDER;
  const lines = [
    '',
    `${READY_LINE} ${i.base}  (stack ${i.stackName}, stage '${i.stage}' served without its prefix, started in ${(i.startedInMs / 1000).toFixed(1)} s)`,
    ...(i.consoleUrl ? [`  console    ${i.consoleUrl}  (log in and manage keys in a browser; deployed with the API too)`] : []),
    `  template   ${i.template}`,
    `  DynamoDB   ${i.dynamoEndpoint}  table ${i.tables.join(', ')}  ${i.dataDir ? `data in ${i.dataDir}/` : 'in memory'}`,
  ];
  if (i.plans && i.plans.plans.length > 0) lines.push(`  plans      ${planSummary(i.plans)}; past its plan's limit a call is 429 too_many_requests (README: Rate limits and quotas)`);
  lines.push(...(i.notes ?? []).map((n) => `  note       ${n}`));
  if (admin && i.paths) {
    if (admin.generatedPassword) {
      lines.push(`  admin      ${admin.email}  password ${admin.generatedPassword}  (generated now and shown this once; KEYGATE_ADMIN_PASSWORD sets your own)`);
    } else if (admin.created) {
      lines.push(`  admin      ${admin.email} created with the password in KEYGATE_ADMIN_PASSWORD`);
    } else {
      lines.push(`  admin      ${admin.email} (exists; its password was printed on the first start, or was KEYGATE_ADMIN_PASSWORD)`);
    }
    lines.push('', 'Quick start (bash/zsh; the session cookie goes to keygate-cookies.txt):', '', ...commands(i.base, i.paths, admin.email, password, i.example), '');
    lines.push(`  (a cookie on POST needs an allowed Origin header: ${i.base} is allowed locally)`);
    if (i.example) lines.push(`  (the key may ${i.example.permission}, which ${i.example.method} ${i.example.path} needs)`);
    else lines.push('  (no route of this app needs a permission a key may carry, so no key is made)');
    if (!admin.generatedPassword) lines.push(`  (put the admin password in place of ${PASSWORD_PLACEHOLDER})`);
  }
  lines.push(
    '',
    'The admin CLI (npx keygate --help) reaches this data while keygate runs, e.g.:',
    `  AWS_ENDPOINT_URL_DYNAMODB=${i.dynamoEndpoint} AWS_REGION=${i.region} AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local npx keygate create-user --table ${i.tables[0] ?? 'TABLE'} --email you@example.com`,
    'Ctrl-C stops keygate and DynamoDB Local.',
    '',
  );
  return lines.join('\n');
}

/** `shared 100 r/s, burst 200 (the default); free 5 r/s, burst 10, 1,000 a DAY` */
export function planSummary({ plans, defaultPlan }: { readonly plans: readonly PlanConfig[]; readonly defaultPlan: string }): string {
  return plans
    .map((p) => {
      const quota = p.quota ? `, ${p.quota.limit.toLocaleString('en-US')} a ${p.quota.period.toLowerCase()}` : '';
      return `${p.name} ${p.throttle.rateLimit} r/s, burst ${p.throttle.burstLimit}${quota}${p.name === defaultPlan ? ' (the default)' : ''}`;
    })
    .join('; ');
}

/** Log in; make a key with the example route's permission; call the route with it (or, with no such route, ask who the session is). */
function commands(base: string, paths: Pick<ManagementPaths, 'login' | 'me' | 'keys'>, email: string, password: string, ex: ExampleRoute | undefined): string[] {
  const login = `  curl -s -w '\\n' -c keygate-cookies.txt -H 'content-type: application/json' -d '${JSON.stringify({ email, password })}' ${base}${paths.login}`;
  if (!ex) return [login, `  curl -s -w '\\n' -b keygate-cookies.txt ${base}${paths.me}`];
  const key = JSON.stringify({ name: 'quick start', permissions: [ex.permission] });
  const method = ex.method === 'GET' || ex.method === 'POST' ? '' : ` -X ${ex.method}`;
  const body = ex.method === 'GET' ? '' : ` -H 'content-type: application/json' -d '{}'`;
  return [
    login,
    `  KEY=$(curl -s -b keygate-cookies.txt -H 'origin: ${base}' -H 'content-type: application/json' -d '${key}' ${base}${paths.keys} | sed -n 's/.*"key":"\\([^"]*\\)".*/\\1/p'); echo "$KEY"`,
    `  curl -s -w '\\n'${method} -H "authorization: Bearer $KEY"${body} ${base}${ex.url}`,
  ];
}
