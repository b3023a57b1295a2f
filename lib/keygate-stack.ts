import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, MathExpression, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { Construct } from 'constructs';
import type { ManagementFunctionName } from '../lambda/core/management-routes';
import { MANAGEMENT_FUNCTIONS } from '../lambda/management/table-access';
import { ENV } from '../lambda/shared/config';
import { KeygateApi } from './keygate-api';
import { keygateFunction } from './keygate-function';
import { KeygateTable } from './keygate-table';
import { EXAMPLE_ROUTES, REFERENCE_PERMISSIONS } from './reference-app';

export interface KeygateStackProps extends StackProps {
  /**
   * Browser origins allowed to use session cookies and CORS (see
   * `KeygateApiProps.allowedOrigins`).
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
}

/** Lockouts within 5 minutes that raise the `loginLockouts` alarm. */
export const LOGIN_LOCKOUT_BURST = 5;

export interface KeygateAlarms {
  /** Authorizer invocations that failed for another reason than a refused credential (store down, crash, timeout). */
  readonly authorizerErrors: Alarm;
  readonly authorizerThrottles: Alarm;
  /** More than 1 % of the API's answers are 5xx. */
  readonly api5xxRate: Alarm;
  /** A burst of login lockouts: e-mails reaching the failed-login limit (credential stuffing, password guessing). */
  readonly loginLockouts: Alarm;
}

/** The reference keygate app: table, authorizer, management Lambdas, the example backend, alarms. */
export class KeygateStack extends Stack {
  public readonly table: KeygateTable;
  public readonly api: KeygateApi;
  public readonly managementFunctions: Readonly<Record<ManagementFunctionName, NodejsFunction>>;
  public readonly exampleFunction: NodejsFunction;
  public readonly alarms: KeygateAlarms;

  constructor(scope: Construct, id: string, props: KeygateStackProps = {}) {
    super(scope, id, props);
    this.table = new KeygateTable(this, 'Store');

    const management = (name: ManagementFunctionName) => {
      const def = MANAGEMENT_FUNCTIONS[name];
      const fn = keygateFunction(this, `${capitalize(name)}Function`, {
        entry: def.entry,
        description: def.description,
        // Passwords are hashed with scrypt: CPU (memory) decides how long a login takes.
        memorySize: 1024,
      });
      this.table.table.grant(fn, ...def.tableActions);
      return fn;
    };
    this.managementFunctions = { auth: management('auth'), keys: management('keys'), admin: management('admin') };

    const allowedOrigins = props.allowedOrigins ?? listContext(this, 'keygate:allowedOrigins');
    this.exampleFunction = keygateFunction(this, 'ExampleFunction', {
      entry: 'lambda/example/handler.ts',
      description: 'keygate: example backend that echoes who called and how',
      environment: { [ENV.allowedOrigins]: allowedOrigins.join(',') },
    });

    this.api = new KeygateApi(this, 'Keygate', {
      table: this.table.table,
      permissions: REFERENCE_PERMISSIONS,
      managementHandlers: this.managementFunctions,
      routes: EXAMPLE_ROUTES.map((route) => ({ ...route, handler: this.exampleFunction })),
      allowedOrigins,
      cookieName: props.cookieName ?? stringContext(this, 'keygate:cookieName'),
      stageName: props.stageName ?? stringContext(this, 'keygate:stageName'),
      userKeyPrefix: props.userKeyPrefix ?? stringContext(this, 'keygate:userKeyPrefix'),
      botKeyPrefix: props.botKeyPrefix ?? stringContext(this, 'keygate:botKeyPrefix'),
      credentialCacheTtl: props.credentialCacheTtl ?? secondsContext(this, 'keygate:credentialCacheTtlSeconds'),
    });
    // The management Lambdas read the same settings as the authorizer.
    for (const fn of Object.values(this.managementFunctions)) {
      for (const [name, value] of Object.entries(this.api.configEnvironment)) fn.addEnvironment(name, value);
    }

    this.alarms = this.createAlarms();
    // What `keygate create-user --table …` needs after a deploy.
    new CfnOutput(this, 'TableName', { value: this.table.table.tableName, description: 'the keygate table, for the keygate CLI' });
  }

  private createAlarms(): KeygateAlarms {
    const period = Duration.minutes(5);
    const authorizer = this.api.authorizerFunction;
    const common = { evaluationPeriods: 1, treatMissingData: TreatMissingData.NOT_BREACHING };
    // A refused credential is a thrown 'Unauthorized', which Lambda counts as an
    // error; subtract the authorizer's own count of those (Powertools metric).
    const refused = new Metric({
      namespace: 'keygate',
      metricName: 'decision_unauthorized',
      dimensionsMap: { service: 'keygate-authorizer' },
      statistic: 'Sum',
      period,
    });
    return {
      authorizerErrors: new Alarm(this, 'AuthorizerErrors', {
        ...common,
        alarmDescription: 'The keygate authorizer failed (credential store unreachable, crash or timeout): requests get 500.',
        metric: new MathExpression({
          expression: 'FILL(errors, 0) - FILL(refused, 0)',
          usingMetrics: { errors: authorizer.metricErrors({ period, statistic: 'Sum' }), refused },
          period,
          label: 'authorizer errors other than refused credentials',
        }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      }),
      authorizerThrottles: new Alarm(this, 'AuthorizerThrottles', {
        ...common,
        alarmDescription: 'The keygate authorizer was throttled: requests get 500.',
        metric: authorizer.metricThrottles({ period, statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      }),
      api5xxRate: new Alarm(this, 'Api5xxRate', {
        ...common,
        alarmDescription: 'More than 1 % of the API answers in 5 minutes were 5xx.',
        metric: new MathExpression({
          expression: '100 * errors / requests',
          usingMetrics: {
            errors: this.api.api.metricServerError({ period, statistic: 'Sum' }),
            requests: this.api.api.metricCount({ period, statistic: 'Sum' }),
          },
          period,
          label: '5XX rate (%)',
        }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      }),
      // The auth Lambda counts one `login_locked` per lockout (an e-mail reaching the
      // failed-login limit in its window), not per refused attempt: several in five
      // minutes means many accounts under attack, not one person retrying.
      loginLockouts: new Alarm(this, 'LoginLockouts', {
        ...common,
        alarmDescription: `${LOGIN_LOCKOUT_BURST} or more logins were locked out within 5 minutes: passwords are being guessed across accounts.`,
        metric: new Metric({ namespace: 'keygate', metricName: 'login_locked', dimensionsMap: { service: 'keygate-management' }, statistic: 'Sum', period }),
        threshold: LOGIN_LOCKOUT_BURST,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      }),
    };
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
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
