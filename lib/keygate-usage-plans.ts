/**
 * The usage-plan half of the `Keygate` construct (SPEC §12), made only when
 * the deployment has plans: one API Gateway usage plan per plan, the default
 * plan's one shared usage key, keygate's own "credits spent" plan and its
 * key, the stage each plan applies to, and the management Lambdas' grants.
 * The REST API's side (`apiKeySource: AUTHORIZER`, `ApiKeyRequired`, the
 * THROTTLED and QUOTA_EXCEEDED bodies) is in keygate-api.ts.
 */
import { createHash } from 'node:crypto';
import { Aws, Names } from 'aws-cdk-lib';
import { ApiKey, Period, UsagePlan, type CfnUsagePlan, type IUsagePlan, type Stage } from 'aws-cdk-lib/aws-apigateway';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId, type AwsSdkCall } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { PlanDef } from '../lambda/core/settings';
import { SPENT_PLAN_NAME } from '../lambda/core/settings';

export interface KeygateUsagePlans {
  /** the deployment's plans, by name */
  readonly plans: Readonly<Record<string, UsagePlan>>;
  /** keygate's own plan for keys whose credits are spent: a quota of 0 */
  readonly spentPlan: UsagePlan;
  /** each plan's usage plan id (a CloudFormation reference), by name */
  readonly ids: Readonly<Record<string, string>>;
  /** the default plan's shared usage key VALUE (not a credential: see docs/design.md) */
  readonly defaultKey: string;
  /** the credits-spent plan's usage key VALUE */
  readonly spentKey: string;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * A usage key value that the authorizer must know at synth: 40 base62
 * characters from a hash of the construct's unique id and `purpose`, so it
 * stays the same across deployments (a new value would replace the API key).
 * It is not a secret: with `apiKeySource: AUTHORIZER` API Gateway takes the
 * usage key only from the authorizer, never from a request.
 */
export function usageKeyValue(scope: Construct, purpose: 'default' | 'spent'): string {
  let n = BigInt(`0x${createHash('sha512').update(`${Names.uniqueId(scope)}:${purpose}`).digest('hex')}`);
  let out = '';
  for (let i = 0; i < 40; i++) {
    out += BASE62[Number(n % 62n)];
    n /= 62n;
  }
  return out;
}

/**
 * The usage plans, made before the Lambdas (whose environment carries their
 * ids) and without a stage: a plan names its stage only after the stage
 * exists, and the stage exists only after the methods, whose integrations
 * point at the Lambdas. `attachUsagePlans` adds the stage afterwards.
 */
export function createUsagePlans(scope: Construct, options: { plans: readonly PlanDef[]; defaultPlan: string; restApiName: string }): KeygateUsagePlans {
  const root = new Construct(scope, 'UsagePlans');
  const plans: Record<string, UsagePlan> = {};
  for (const p of options.plans) {
    plans[p.name] = new UsagePlan(root, `Plan-${p.name}`, {
      name: `${options.restApiName}-${p.name}`,
      description: p.description ?? `keygate plan ${p.name}`,
      throttle: { rateLimit: p.throttle.rateLimit, burstLimit: p.throttle.burstLimit },
      ...(p.quota ? { quota: { limit: p.quota.limit, period: Period[p.quota.period] } } : {}),
    });
  }
  const spentPlan = new UsagePlan(root, 'CreditsSpent', {
    name: `${options.restApiName}-${SPENT_PLAN_NAME}`,
    description: 'keygate: keys whose exact credits are spent; a quota of 0 makes API Gateway answer 429 (QUOTA_EXCEEDED)',
    throttle: { rateLimit: 1, burstLimit: 1 },
    quota: { limit: 1, period: Period.DAY },
  });
  // CDK writes a limit of 0 as "no limit" (`limit || undefined`): set it on the resource itself.
  (spentPlan.node.defaultChild as CfnUsagePlan).addPropertyOverride('Quota.Limit', 0);

  const defaultKey = usageKeyValue(scope, 'default');
  const spentKey = usageKeyValue(scope, 'spent');
  plans[options.defaultPlan]!.addApiKey(
    new ApiKey(root, 'DefaultKey', { value: defaultKey, enabled: true, description: `keygate: the shared usage key of plan ${options.defaultPlan}, handed out by the authorizer` }),
  );
  spentPlan.addApiKey(new ApiKey(root, 'CreditsSpentKey', { value: spentKey, enabled: true, description: 'keygate: the usage key of keys whose credits are spent, handed out by the authorizer' }));

  const ids = Object.fromEntries(Object.entries(plans).map(([name, plan]) => [name, plan.usagePlanId]));
  return { plans, spentPlan, ids, defaultKey, spentKey };
}

/**
 * Puts every plan on the stage, once the stage exists: an `UpdateUsagePlan`
 * (add `/apiStages`) per plan through CDK's AwsCustomResource, removed again
 * before the plan or the stage goes (API Gateway refuses to delete a stage
 * that a usage plan names). Its grant is `apigateway:PATCH` on that plan only.
 */
export function attachUsagePlans(usage: KeygateUsagePlans, stage: Stage): void {
  const apiStage = `${stage.restApi.restApiId}:${stage.stageName}`;
  for (const plan of [...Object.values(usage.plans), usage.spentPlan]) {
    const call = (op: 'add' | 'remove'): AwsSdkCall => ({
      service: 'APIGateway',
      action: 'updateUsagePlan',
      parameters: { usagePlanId: plan.usagePlanId, patchOperations: [{ op, path: '/apiStages', value: apiStage }] },
      physicalResourceId: PhysicalResourceId.of(`${plan.usagePlanId}:${apiStage}`),
      // Already gone (the plan, or the stage from the plan): nothing to undo.
      ...(op === 'remove' ? { ignoreErrorCodesMatching: 'NotFoundException|BadRequestException' } : {}),
    });
    new AwsCustomResource(plan, 'Stage', {
      resourceType: 'Custom::KeygateUsagePlanStage',
      onCreate: call('add'),
      onDelete: call('remove'),
      policy: AwsCustomResourcePolicy.fromStatements([
        new PolicyStatement({ effect: Effect.ALLOW, actions: ['apigateway:PATCH'], resources: [apiGatewayArn(`/usageplans/${plan.usagePlanId}`)] }),
      ]),
      // The SDK in the Lambda runtime: no download at deploy time.
      installLatestAwsSdk: false,
    });
  }
}

/** The ARN of an API Gateway control-plane resource (`/apikeys`, `/usageplans/{id}/…`) in the stack's region. */
function apiGatewayArn(path: string): string {
  return `arn:${Aws.PARTITION}:apigateway:${Aws.REGION}::${path}`;
}

/**
 * What a management Lambda needs to give users and keys plans and to read
 * their usage, and nothing more: create an API key (`POST /apikeys`), put it
 * in one of `plans` (`POST /usageplans/{id}/keys`), take it out
 * (`DELETE /usageplans/{id}/keys/*`), delete it (`DELETE /apikeys/*`: key ids
 * are made at run time, so the key cannot be named), and read a plan's usage
 * (`GET /usageplans/{id}/usage`). Never the credits-spent plan, never an
 * update of a plan or a key.
 */
export function grantUsagePlanAccess(fn: IFunction, plans: readonly IUsagePlan[]): void {
  const planArns = (suffix: string) => plans.map((p) => apiGatewayArn(`/usageplans/${p.usagePlanId}${suffix}`));
  fn.addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['apigateway:POST'], resources: [apiGatewayArn('/apikeys'), ...planArns('/keys')] }));
  fn.addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['apigateway:DELETE'], resources: [apiGatewayArn('/apikeys/*'), ...planArns('/keys/*')] }));
  fn.addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['apigateway:GET'], resources: planArns('/usage') }));
}
