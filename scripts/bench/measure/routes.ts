/**
 * Large route tables (issue 18): for generated app-shaped tables of 50, 200
 * and 500 routes (test/support/route-tables.ts, `generateApp`), the synth
 * time of a stack with that table, the overlap check's time, the policy's
 * size for a caller with every permission and one with one, the Lambda
 * environment and settings file sizes, and decisions on a cache hit and a
 * miss, measured by the same workers as `hits` and `misses` on keys that
 * carry the table's permissions.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { catalogWith, keyGrantable, type RouteDef } from '../../../lambda/core/catalog';
import { managementRoutes } from '../../../lambda/core/management-routes';
import { allowPolicy, routeConflicts } from '../../../lambda/core/policy';
import { DEFAULT_SETTINGS, configEnvironment, lambdaSettings } from '../../../lambda/core/settings';
import { Keygate } from '../../../lib/keygate';
import { generateApp } from '../../../test/support/route-tables';
import { ensureBundles } from '../../lambda-bundles';
import type { BenchInput, HitResult, MissResult } from '../input';
import { runWorker } from '../processes';
import { median, round } from '../stats';
import type { RunContext } from './context';
import { HIT_RUN_CACHE_TTL_SECONDS } from './hits';

export const ROUTE_TABLE_SIZES = [50, 200, 500] as const;
const API_STAGE = 'arn:aws:execute-api:us-east-1:123456789012:abc123/api';

export interface RouteTableResult {
  readonly routes: number;
  /** the deployment's own routes and the management API's: what the authorizer holds */
  readonly tableRoutes: number;
  readonly permissions: number;
  /**
   * `new Keygate(…)` and `app.synth()` of a stack with this table (after one
   * warm-up synth), CDK's check of CloudFormation's 500 resources per stack
   * in force: the time, the stack's resources and each nested stack's
   * (keygate's methods over its budget); `error` when the construct refuses it
   */
  readonly synth: { readonly ms: number; readonly resources: number; readonly nestedStackResources: readonly number[] } | { readonly error: string };
  /** `routeConflicts` over the whole table (µs; median of runs) */
  readonly overlapCheckUs: number;
  /** the Allow policy's JSON, for a key with every key permission and one with a single one: every route listed, and compressed (`compressedPatterns`, what the authorizer returns without the gateway cache) */
  readonly policyBytes: { readonly full: PolicySizes; readonly compressed: PolicySizes };
  readonly policyResources: { readonly full: PolicySizes; readonly compressed: PolicySizes };
  /** the Lambda environment (names and values) as the construct writes it (`lambdaSettings`), and with the routes and permissions in it as they were before the settings file (`configEnvironment`) */
  readonly environmentBytes: number;
  readonly environmentBytesWithRoutes: number;
  /** `keygate-settings.json`, bundled with every keygate Lambda */
  readonly settingsFileBytes: number;
  readonly hit: HitResult;
  readonly miss: MissResult;
}

interface PolicySizes {
  readonly allPermissions: number;
  readonly onePermission: number;
}

function synthMs(routes: readonly RouteDef[], permissions: ReturnType<typeof generateApp>['permissions']): RouteTableResult['synth'] {
  const start = process.hrtime.bigint();
  let resources: number;
  let nestedStackResources: number[];
  try {
    const app = new App();
    const stack = new Stack(app, `Routes${routes.length}`, { env: { account: '123456789012', region: 'us-east-1' } });
    const backend = new LambdaFunction(stack, 'Backend', { runtime: Runtime.NODEJS_22_X, handler: 'index.handler', code: Code.fromInline('exports.handler = async () => ({ statusCode: 200 })') });
    new Keygate(stack, 'Keygate', { permissions, routes: routes.map((r) => ({ ...r, handler: backend })), cloudWatchRole: false });
    const assembly = app.synth();
    resources = Object.keys((assembly.getStackByName(stack.stackName).template as { Resources: object }).Resources).length;
    nestedStackResources = readdirSync(assembly.directory)
      .filter((f) => f.endsWith('.nested.template.json'))
      .map((f) => Object.keys((JSON.parse(readFileSync(join(assembly.directory, f), 'utf8')) as { Resources: object }).Resources).length);
  } catch (err) {
    return { error: (err as Error).message.slice(0, 300) };
  }
  return { ms: round(Number(process.hrtime.bigint() - start) / 1e6), resources, nestedStackResources };
}

function overlapUs(routes: readonly RouteDef[]): number {
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = process.hrtime.bigint();
    routeConflicts(routes);
    runs.push(Number(process.hrtime.bigint() - start) / 1000);
  }
  return round(median(runs));
}

export async function measureRoutes(run: RunContext): Promise<RouteTableResult[]> {
  const { setup, pinCore, bundles, workDir, log } = run;
  await ensureBundles();
  // CDK's own modules load on the first synth: not part of any table's figure.
  synthMs(generateApp(10).routes, generateApp(10).permissions);
  const out: RouteTableResult[] = [];
  for (const size of ROUTE_TABLE_SIZES) {
    const app = generateApp(size);
    const catalog = catalogWith(app.permissions);
    const table = [...managementRoutes(DEFAULT_SETTINGS.basePath), ...app.routes];
    const grantable = keyGrantable(catalog);
    const policy = (perms: string[], compress: boolean) => {
      const doc = allowPolicy(API_STAGE, table, new Set(perms), compress);
      return { bytes: JSON.stringify(doc).length, resources: doc.Statement.reduce((n, s) => n + s.Resource.length, 0) };
    };
    const sizes = (compress: boolean) => {
      const all = policy(grantable, compress);
      const one = policy([grantable[0]!], compress);
      return { bytes: { allPermissions: all.bytes, onePermission: one.bytes }, resources: { allPermissions: all.resources, onePermission: one.resources } };
    };
    const full = sizes(false);
    const compressed = sizes(true);
    log(`routes ${size}: synth`);
    const synth = synthMs(app.routes, app.permissions);
    const settings = { ...DEFAULT_SETTINGS, routes: app.routes, permissions: app.permissions };
    const environment = configEnvironment('keygate-bench', settings);
    const bytesOf = (env: Record<string, string>) => Object.entries(env).reduce((n, [k, v]) => n + k.length + v.length, 0);
    const split = lambdaSettings('keygate-bench', settings);

    log(`routes ${size}: seeding keys with the table's permissions`);
    const keys = await setup.seedKeys(run.counts.missWarmup + run.counts.missRounds + 20, 4, grantable);
    // Key routes: every tenth route the keys may call, the way a client spreads its calls.
    const keyRoutes = app.routes.filter((r) => r.needs !== 'public').filter((_, i) => i % 10 === 3).map((r): [string, string] => [r.method, r.path]);
    const input: BenchInput = { ...setup.input, hitKeys: keys.slice(0, 20), missKeys: keys.slice(20), keyRoutes, missRoute: keyRoutes[keyRoutes.length - 1]! };
    const inputFile = join(workDir, `routes-${size}.json`);
    writeFileSync(inputFile, JSON.stringify(input));
    const env = { ...setup.env, ...environment, TABLE_NAME: setup.env.TABLE_NAME! };
    log(`routes ${size}: cache hits`);
    const hit = await runWorker<HitResult>(bundles.files.hits, [inputFile, 'decide'], { ...env, KEYGATE_CACHE_TTL_SECONDS: String(HIT_RUN_CACHE_TTL_SECONDS) }, { pin: pinCore });
    log(`routes ${size}: cache misses`);
    const miss = await runWorker<MissResult>(bundles.files.misses, [inputFile], env);
    out.push({
      routes: size,
      tableRoutes: table.length,
      permissions: app.permissions.length,
      synth,
      overlapCheckUs: overlapUs(table),
      policyBytes: { full: full.bytes, compressed: compressed.bytes },
      policyResources: { full: full.resources, compressed: compressed.resources },
      environmentBytes: bytesOf(split.environment),
      environmentBytesWithRoutes: bytesOf(environment),
      settingsFileBytes: split.file.length,
      hit,
      miss,
    });
  }
  return out;
}

