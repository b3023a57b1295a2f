/**
 * What a management Lambda works with. Built once per container from the
 * environment; tests build their own (another clock, another table).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadManagementConfig, type ManagementConfig } from '../shared/management-config';
import { DynamoAccountStore } from '../store/dynamo-account-store';
import { DynamoClientStore } from '../store/dynamo-clients';
import { MANAGEMENT_LIMITS, createDynamoClient } from '../store/dynamo-client';
import { DynamoCredentialStore } from '../store/dynamo-credential-store';
import type { AccountStore, ClientStore } from '../store/port';
import { plansOf, type PlansConfig } from '../core/settings';
import { DynamoPlans } from '../store/dynamo-plans';
import { ApiGatewayUsagePlans } from '../usage-plans/api-gateway';
import type { UsagePlans } from '../usage-plans/port';

export interface ManagementDeps {
  readonly config: ManagementConfig;
  readonly accounts: AccountStore;
  /** API clients, the keys issued through them, authorization codes */
  readonly clients: ClientStore;
  /** the authorizer's read path, for the verify operation */
  readonly credentials: DynamoCredentialStore;
  /** epoch milliseconds */
  readonly now: () => number;
  /** the deployment's usage plans (issue 19); undefined: none configured */
  readonly plans?: PlansConfig;
  /** API Gateway's usage plans, behind their port */
  readonly usagePlans?: UsagePlans;
  /** plans, usage keys and credits in the table */
  readonly planStore: DynamoPlans;
}

/** What plans need beyond the table: the plans and the port to API Gateway. */
export interface PlanDeps {
  readonly plans?: PlansConfig;
  readonly usagePlans?: UsagePlans;
}

export function buildDeps(config: ManagementConfig, client: DynamoDBClient, now: () => number = Date.now, planDeps: PlanDeps = {}): ManagementDeps {
  const plans = planDeps.plans;
  return {
    ...(plans ? { plans, usagePlans: planDeps.usagePlans ?? new ApiGatewayUsagePlans() } : {}),
    planStore: new DynamoPlans(client, config.tableName, now, config.auditRetentionMs),
    config,
    accounts: new DynamoAccountStore(client, config.tableName, now, config.auditRetentionMs),
    clients: new DynamoClientStore(client, config.tableName, now, config.auditRetentionMs),
    credentials: new DynamoCredentialStore(client, config.tableName, true),
    now,
  };
}

/** From the environment; the SDK finds region, credentials and `AWS_ENDPOINT_URL_DYNAMODB` itself. */
export function depsFromEnv(env: NodeJS.ProcessEnv = process.env): ManagementDeps {
  const config = loadManagementConfig(env);
  const plans = plansOf(config);
  return buildDeps(config, createDynamoClient(MANAGEMENT_LIMITS), Date.now, plans ? { plans } : {});
}
