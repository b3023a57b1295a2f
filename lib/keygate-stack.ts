/**
 * The reference keygate app's stack. It dogfoods the package: it is built
 * only from what `keygate` exports (./index), as a team's own app would be,
 * plus its own example backend and data (./reference-app).
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import { Architecture, Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { acknowledgeFunctionFindings, acknowledgeKeygateFindings } from './checks';
import { Keygate, KeygateTable } from './index';
import { EXAMPLE_ROUTES, REFERENCE_DEFAULT_PLAN, REFERENCE_PERMISSIONS, REFERENCE_PLANS } from './reference-app';

export interface KeygateStackProps extends StackProps {
  /**
   * Browser origins allowed to use session cookies and CORS (see
   * `KeygateProps.allowedOrigins`).
   *
   * @default - context `keygate:allowedOrigins` (a list, or one comma-separated string), else none
   */
  readonly allowedOrigins?: string[];

  /**
   * Name of the session cookie.
   *
   * @default - context `keygate:cookieName`, else 'keygate_session'
   */
  readonly cookieName?: string;

  /**
   * Name of the API Gateway stage.
   *
   * @default - context `keygate:stageName`, else 'api'
   */
  readonly stageName?: string;

  /**
   * Prefix of user API keys.
   *
   * @default - context `keygate:userKeyPrefix`, else 'user_key_'
   */
  readonly userKeyPrefix?: string;

  /**
   * Prefix of bot API keys.
   *
   * @default - context `keygate:botKeyPrefix`, else 'bot_key_'
   */
  readonly botKeyPrefix?: string;

  /**
   * How long the authorizer trusts a verified credential without reading it
   * again: the longest a revoked key keeps working.
   *
   * @default - context `keygate:credentialCacheTtlSeconds`, else 5 seconds
   */
  readonly credentialCacheTtl?: Duration;

  /**
   * Where the alarms go.
   *
   * @default - nowhere
   */
  readonly alarmAction?: ITopic | IAlarmAction;
}

/** The reference app's example backend, bundled with keygate's Lambdas (scripts/lambda-bundles.ts). */
const EXAMPLE_ASSET = path.join(__dirname, '..', 'dist', 'reference-assets', 'example');

/** The reference keygate app: keygate under /v1, the example backend behind it. */
export class KeygateStack extends Stack {
  public readonly table: KeygateTable;
  public readonly keygate: Keygate;
  public readonly exampleFunction: LambdaFunction;

  constructor(scope: Construct, id: string, props: KeygateStackProps = {}) {
    super(scope, id, props);
    // Made here rather than inside Keygate, so the table keeps the logical id it had in 0.1 (Store/Table).
    this.table = new KeygateTable(this, 'Store');

    const allowedOrigins = props.allowedOrigins ?? listContext(this, 'keygate:allowedOrigins');
    if (!existsSync(path.join(EXAMPLE_ASSET, 'index.js'))) throw new Error(`the example backend's bundle is missing (${EXAMPLE_ASSET}): run \`npm run build\``);
    this.exampleFunction = new LambdaFunction(this, 'ExampleFunction', {
      code: Code.fromAsset(EXAMPLE_ASSET),
      handler: 'index.handler',
      description: 'keygate: example backend that echoes who called and how',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(10),
      environment: { KEYGATE_ALLOWED_ORIGINS: allowedOrigins.join(',') },
      logGroup: new LogGroup(this, 'ExampleFunctionLogs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.RETAIN }),
    });

    // Same id as the KeygateApi of 0.1, so the API keeps its logical ids (and URL).
    this.keygate = new Keygate(this, 'Keygate', {
      table: this.table,
      permissions: REFERENCE_PERMISSIONS,
      routes: EXAMPLE_ROUTES.map((route) => ({ ...route, handler: this.exampleFunction })),
      allowedOrigins,
      plans: REFERENCE_PLANS,
      defaultPlan: REFERENCE_DEFAULT_PLAN,
      ...given('cookieName', props.cookieName ?? stringContext(this, 'keygate:cookieName')),
      ...given('stageName', props.stageName ?? stringContext(this, 'keygate:stageName')),
      ...given('userKeyPrefix', props.userKeyPrefix ?? stringContext(this, 'keygate:userKeyPrefix')),
      ...given('botKeyPrefix', props.botKeyPrefix ?? stringContext(this, 'keygate:botKeyPrefix')),
      ...given('credentialCacheTtl', props.credentialCacheTtl ?? secondsContext(this, 'keygate:credentialCacheTtlSeconds')),
      ...(props.alarmAction ? { alarmAction: props.alarmAction } : {}),
    });

    // What `keygate create-user --table …` needs after a deploy.
    new CfnOutput(this, 'TableName', { value: this.table.table.tableName, description: 'the keygate table, for the keygate CLI' });
  }
}

/** The cdk-nag findings the reference app accepts (keygate's, and its example backend's), for bin/app.ts and its tests alike. */
export function acknowledgeReferenceFindings(stack: KeygateStack): void {
  acknowledgeKeygateFindings(stack.keygate);
  acknowledgeFunctionFindings(stack.exampleFunction);
}

/** `cdk.json` gives a list, `-c key=a,b` a string. */
function listContext(scope: Construct, key: string): string[] {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : String(value).split(',');
  return items.map((s) => String(s).trim()).filter(Boolean);
}

function stringContext(scope: Construct, key: string): string | undefined {
  const value: unknown = scope.node.tryGetContext(key);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function secondsContext(scope: Construct, key: string): Duration | undefined {
  const value: unknown = scope.node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`context ${key} has to be a number of seconds, got '${String(value)}'`);
  return Duration.seconds(n);
}

/** `{ [key]: value }`, or `{}` when neither the prop nor the context sets it (so the construct's default applies). */
function given<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
