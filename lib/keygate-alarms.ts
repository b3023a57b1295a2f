/**
 * The alarms every keygate deployment gets, and where they go: an SNS topic
 * or any CloudWatch alarm action the deployment passes.
 */
import { Duration } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import { Alarm, ComparisonOperator, MathExpression, Metric, TreatMissingData, type IAlarmAction } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';

export interface KeygateAlarms {
  /** Authorizer invocations that failed for another reason than a refused credential (store down, crash, timeout). */
  readonly authorizerErrors: Alarm;
  readonly authorizerThrottles: Alarm;
  /** More than 1 % of the API's answers are 5xx. */
  readonly api5xxRate: Alarm;
  /** A burst of login lockouts: e-mails reaching the failed-login limit (credential stuffing, password guessing). */
  readonly loginLockouts: Alarm;
  /** Wrong API client secrets at the token or revocation endpoint: a secret is being guessed, or a tool sends an old one. */
  readonly clientAuthFailures: Alarm;
}

/** Lockouts within 5 minutes that raise the `loginLockouts` alarm. */
export const LOGIN_LOCKOUT_BURST = 5;

/** Wrong client secrets within 5 minutes that raise the `clientAuthFailures` alarm. */
export const CLIENT_AUTH_FAILURE_BURST = 5;

export interface AlarmTargets {
  readonly authorizerFunction: IFunction;
  readonly api: RestApi;
  readonly action?: IAlarmAction | ITopic;
}

/** An SNS topic becomes an SnsAction; any other IAlarmAction is used as it is. */
export function alarmAction(action: IAlarmAction | ITopic): IAlarmAction {
  return 'topicArn' in action ? new SnsAction(action) : action;
}

export function createAlarms(scope: Construct, targets: AlarmTargets): KeygateAlarms {
  const period = Duration.minutes(5);
  const authorizer = targets.authorizerFunction;
  const common = { evaluationPeriods: 1, treatMissingData: TreatMissingData.NOT_BREACHING };
  // A refused credential is a thrown 'Unauthorized', which Lambda counts as an
  // error; subtract the authorizer's own count of those: the EMF metric its
  // decision log line carries (lambda/authorizer/decision-log.ts; the names
  // are pinned on both sides by test/authorizer/decision-log.test.ts and the
  // construct's template tests).
  const refused = new Metric({
    namespace: 'keygate',
    metricName: 'decision_unauthorized',
    dimensionsMap: { service: 'keygate-authorizer' },
    statistic: 'Sum',
    period,
  });
  const alarms: KeygateAlarms = {
    authorizerErrors: new Alarm(scope, 'AuthorizerErrors', {
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
    authorizerThrottles: new Alarm(scope, 'AuthorizerThrottles', {
      ...common,
      alarmDescription: 'The keygate authorizer was throttled: requests get 500.',
      metric: authorizer.metricThrottles({ period, statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    }),
    api5xxRate: new Alarm(scope, 'Api5xxRate', {
      ...common,
      alarmDescription: 'More than 1 % of the API answers in 5 minutes were 5xx.',
      metric: new MathExpression({
        expression: '100 * errors / requests',
        usingMetrics: {
          errors: targets.api.metricServerError({ period, statistic: 'Sum' }),
          requests: targets.api.metricCount({ period, statistic: 'Sum' }),
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
    loginLockouts: new Alarm(scope, 'LoginLockouts', {
      ...common,
      alarmDescription: `${LOGIN_LOCKOUT_BURST} or more logins were locked out within 5 minutes: passwords are being guessed across accounts.`,
      metric: new Metric({ namespace: 'keygate', metricName: 'login_locked', dimensionsMap: { service: 'keygate-management' }, statistic: 'Sum', period }),
      threshold: LOGIN_LOCKOUT_BURST,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    }),
    // One `client_auth_failed` per wrong client secret. There is no client
    // lockout (the client id is public: anyone could lock a client out), and
    // a ~190-bit secret cannot be guessed; a handful of failures means an
    // attack or a tool sending an old secret: both want a look.
    clientAuthFailures: new Alarm(scope, 'ClientAuthFailures', {
      ...common,
      alarmDescription: `${CLIENT_AUTH_FAILURE_BURST} or more wrong API client secrets within 5 minutes: someone is guessing a client's secret, or a tool is using an old one.`,
      metric: new Metric({ namespace: 'keygate', metricName: 'client_auth_failed', dimensionsMap: { service: 'keygate-management' }, statistic: 'Sum', period }),
      threshold: CLIENT_AUTH_FAILURE_BURST,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    }),
  };
  if (targets.action) {
    const action = alarmAction(targets.action);
    for (const alarm of Object.values(alarms)) alarm.addAlarmAction(action);
  }
  return alarms;
}
