import { Duration, Names } from 'aws-cdk-lib';
import type { Method, RequestAuthorizer, RestApi, UsagePlan } from 'aws-cdk-lib/aws-apigateway';
import type { IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import type { Function as LambdaFunction, IFunction } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { AwsCustomResource } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { RouteDef } from '../lambda/core/catalog';
import type { ManagementFunctionName } from '../lambda/core/management-routes';
import { MANAGEMENT_FUNCTIONS } from '../lambda/core/management-functions';
import { USAGE_KEY_ENV, lambdaSettings } from '../lambda/core/settings';
import { writeDeploymentSettings } from './deployment-settings';
import { createAlarms, type KeygateAlarms } from './keygate-alarms';
import { grantAuthorizerAccess, keygateRestApi } from './keygate-api';
import { keygateFunction } from './keygate-function';
import { resolveSettings, withPlanIds, type KeygateRouteDef, type KeygateSettingsProps } from './keygate-settings';
import { KeygateTable, type KeygateTableProps } from './keygate-table';
import { attachUsagePlans, createUsagePlans, grantUsagePlanAccess } from './keygate-usage-plans';

/** A route of your own API and the Lambda that answers it (proxy integration). */
export interface KeygateRoute extends KeygateRouteDef {
  /** reads the caller from `event.requestContext.authorizer` (`userId`, `authMethod`, `keyId` or `sessionId`, `permissions`) */
  readonly handler: IFunction;
}

export interface KeygateProps extends KeygateSettingsProps {
  /**
   * The table: props for the one keygate makes (removal policy, point-in-time
   * recovery, replica regions), an existing table (`existingTable`), or a
   * `KeygateTable` you made yourself.
   *
   * @default - a new table, retained when the stack goes, with point-in-time recovery
   */
  readonly table?: KeygateTableProps | KeygateTable;

  /**
   * Your own routes, each with the Lambda that answers it. The rules they
   * are checked against at synth are under `KeygateSettingsProps.routes`.
   *
   * @default - only the management API
   */
  readonly routes?: readonly KeygateRoute[];

  /**
   * Where the alarms go: an SNS topic, or any CloudWatch alarm action.
   *
   * @default - the alarms exist, but notify nobody
   */
  readonly alarmAction?: ITopic | IAlarmAction;

  /**
   * A REST API your app already has (an `aws_apigateway.RestApi` of the same
   * stack, deployed to its stage): keygate adds its authorizer, the
   * management routes under `basePath`, your `routes`, its preflights, its
   * gateway responses and (with `plans`) its usage plans to it, on that
   * API's stage, instead of making a REST API of its own. The API's stage,
   * name, logging and CloudWatch role stay yours, so `stageName`,
   * `restApiName` and `cloudWatchRole` may not be given with it.
   *
   * Methods you add to it yourself are not in keygate's table: one without
   * keygate's `authorizer` is public, one with it is refused by the
   * authorizer as an unknown route (403 `unknown_route`). Refused at
   * construction: a method the API already has for one of keygate's routes,
   * an OPTIONS method where keygate answers preflights (or must have none),
   * `deploy: false`, another stack, and with `plans` an API key source other
   * than AUTHORIZER; at synth: a gateway response of a type keygate sets,
   * and with `plans` a method that requires an API key without an authorizer.
   *
   * @default - keygate makes its own REST API
   */
  readonly api?: RestApi;

  /**
   * Name of the API Gateway stage; it is the first path segment of every URL.
   *
   * @default 'api'
   */
  readonly stageName?: string;

  /**
   * Name of the REST API; also the `ApiName` dimension of its metrics.
   *
   * @default - a name unique to this construct's path
   */
  readonly restApiName?: string;

  /**
   * Whether to create the account-wide role API Gateway needs to write access
   * and execution logs to CloudWatch. Needed once per account and region;
   * set to false when the account already has one.
   *
   * @default true
   */
  readonly cloudWatchRole?: boolean;

  /**
   * How long the logs of keygate's functions and the API's access logs are kept.
   *
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
}

/**
 * keygate in front of an API: a REST API whose every non-public route is
 * checked by the keygate Lambda REQUEST authorizer (API keys as
 * `Authorization: Bearer …`, session cookies), the management API (login,
 * keys, users) under `basePath`, your own routes and permissions, the table,
 * the deployment's settings item, and alarms. keygate's Lambdas ship
 * pre-built in the package: nothing of keygate's is bundled in your app.
 */
export class Keygate extends Construct {
  /** The table users, keys, sessions and audit records live in. */
  public readonly table: KeygateTable;
  /** The REST API: keygate's own, or the one given as `api`. */
  public readonly api: RestApi;
  /** The REQUEST authorizer on every non-public method of keygate's routes (`IAuthorizer`). */
  public readonly authorizer: RequestAuthorizer;
  /** The methods keygate made: one per route, and the CORS preflights. */
  public readonly methods: readonly Method[];
  /** The authorizer Lambda. */
  public readonly authorizerFunction: LambdaFunction;
  /** The console's Lambda (`console` prop), serving `${basePath}/console/`; undefined when the console is off. */
  public readonly consoleFunction?: LambdaFunction;
  /** The management Lambdas, by name (one per entry of MANAGEMENT_FUNCTIONS). */
  public readonly managementFunctions: Readonly<Record<ManagementFunctionName, LambdaFunction>>;
  /** Where the management API is mounted. */
  public readonly basePath: string;
  /** Every route: the management routes under `basePath`, then yours. */
  public readonly routes: readonly RouteDef[];
  /** The settings every keygate Lambda gets as environment variables (TABLE_NAME, KEYGATE_*), all but the bundled ones. */
  public readonly environment: Readonly<Record<string, string>>;
  /**
   * The settings file bundled with every keygate Lambda next to its handler
   * (`keygate-settings.json`): the route table and the permission catalog,
   * which outgrow the 4 KB Lambda environment (docs/design.md, Large route tables).
   */
  public readonly settingsFile: string;
  /** Writes the deployment's settings item (for the CLI) at deploy time. */
  public readonly deploymentSettings: AwsCustomResource;
  public readonly alarms: KeygateAlarms;
  /** The usage plans, by plan name (SPEC §12); empty without `plans`. */
  public readonly usagePlans: Readonly<Record<string, UsagePlan>>;

  constructor(scope: Construct, id: string, props: KeygateProps = {}) {
    super(scope, id);
    const resolved = resolveSettings(props);
    // With the app's API, what would configure a REST API of keygate's own is the app's.
    const apiOwnProps = (['stageName', 'restApiName', 'cloudWatchRole'] as const).filter((k) => props[k] !== undefined);
    const problems = [...resolved.problems];
    if (props.api && apiOwnProps.length > 0) problems.push(`${apiOwnProps.join(', ')} belong to the API given as api (its deployOptions.stageName, restApiName, cloudWatchRole): leave them out`);
    if (problems.length > 0) throw new Error(`Keygate ${this.node.path} is misconfigured:\n- ${problems.join('\n- ')}`);
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;

    this.table = Construct.isConstruct(props.table) ? props.table : new KeygateTable(this, 'Store', props.table);
    const table = this.table.table;
    this.basePath = resolved.settings.basePath;
    this.routes = resolved.routes;
    const restApiName = props.api?.restApiName ?? props.restApiName ?? Names.uniqueResourceName(this, { maxLength: 128, separator: '-' });
    // Usage plans (SPEC §12), only with plans: made before the Lambdas, whose environment carries their ids.
    const planned = resolved.settings;
    const usage = planned.plans.length > 0 ? createUsagePlans(this, { plans: planned.plans, defaultPlan: planned.defaultPlan, restApiName }) : undefined;
    this.usagePlans = usage?.plans ?? {};
    const settings = usage ? withPlanIds(planned, usage.ids) : planned;
    const { environment, file } = lambdaSettings(table.tableName, settings);
    this.environment = environment;
    this.settingsFile = file;

    this.authorizerFunction = keygateFunction(this, 'AuthorizerFunction', {
      asset: 'authorizer',
      description: 'keygate: checks API keys and session cookies, returns the routes the caller may use',
      environment: { ...this.environment, ...(usage ? { [USAGE_KEY_ENV.defaultKey]: usage.defaultKey, [USAGE_KEY_ENV.spentKey]: usage.spentKey } : {}) },
      settingsFile: this.settingsFile,
      // The authorizer sits in front of every request: more memory is more CPU, so a shorter cold start.
      memorySize: 512,
      timeout: Duration.seconds(5),
      logRetention,
    });
    grantAuthorizerAccess(table, this.authorizerFunction);

    const management = {} as Record<ManagementFunctionName, LambdaFunction>;
    for (const [name, def] of Object.entries(MANAGEMENT_FUNCTIONS) as [ManagementFunctionName, (typeof MANAGEMENT_FUNCTIONS)[ManagementFunctionName]][]) {
      const fn = keygateFunction(this, `${name.charAt(0).toUpperCase()}${name.slice(1)}Function`, {
        asset: name,
        description: def.description,
        environment: { ...this.environment },
        settingsFile: this.settingsFile,
        // Passwords are hashed with scrypt: CPU (memory) decides how long a login takes.
        memorySize: 1024,
        timeout: Duration.seconds(10),
        logRetention,
      });
      table.grant(fn, ...def.tableActions);
      if (usage && def.usagePlans) grantUsagePlanAccess(fn, Object.values(usage.plans));
      management[name] = fn;
    }
    this.managementFunctions = management;

    // The console: files from its bundle and config.json from these settings; no table access.
    if (resolved.consoleRoutes.length > 0) {
      this.consoleFunction = keygateFunction(this, 'ConsoleFunction', {
        asset: 'console',
        description: 'keygate: serves the console (web page) and its config.json',
        environment: { ...this.environment },
        settingsFile: this.settingsFile,
        memorySize: 256,
        timeout: Duration.seconds(5),
        logRetention,
      });
    }
    const consoleFunction = this.consoleFunction;

    const ownRoutes = props.routes ?? [];
    const verify = resolved.managementRoutes.find((r) => r.operation === 'verify');
    const { api, authorizer, methods } = keygateRestApi(this, {
      ...(props.api ? { api: props.api } : {}),
      authorizerFunction: this.authorizerFunction,
      routes: [
        ...resolved.managementRoutes.map((r) => ({ method: r.method, path: r.path, needs: r.needs, cors: r.cors, handler: management[r.fn] })),
        ...(consoleFunction ? resolved.consoleRoutes.map((r) => ({ ...r, handler: consoleFunction })) : []),
        ...ownRoutes.map(({ method, path, needs, handler }) => ({ method, path, needs, handler })),
      ],
      allowedOrigins: settings.allowedOrigins,
      gatewayCacheSeconds: resolved.gatewayCacheSeconds,
      verifyPath: verify?.path,
      stageName: props.stageName ?? 'api',
      restApiName,
      cloudWatchRole: props.cloudWatchRole ?? true,
      logRetention,
      usagePlans: usage !== undefined,
    });
    this.api = api;
    this.authorizer = authorizer;
    this.methods = methods;

    // The item stores the settings core/settings.ts marks as stored (STORED_SETTINGS): with plans, their ids too.
    this.deploymentSettings = writeDeploymentSettings(this, 'DeploymentSettings', table, settings, logRetention);
    // After the settings writer, which makes the stack's one AwsCustomResource Lambda with its log group.
    if (usage) attachUsagePlans(usage, api.deploymentStage);

    this.alarms = createAlarms(this, { authorizerFunction: this.authorizerFunction, api, ...(props.alarmAction ? { action: props.alarmAction } : {}) });
  }
}
