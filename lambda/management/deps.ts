/**
 * What a management Lambda works with. Built once per container from the
 * environment; tests build their own (another clock, another table).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadManagementConfig, type ManagementConfig } from '../shared/management-config';
import { DynamoAccountStore } from '../store/dynamo-account-store';
import { MANAGEMENT_LIMITS, createDynamoClient } from '../store/dynamo-client';
import { DynamoCredentialStore } from '../store/dynamo-credential-store';
import type { AccountStore } from '../store/port';

export interface ManagementDeps {
  readonly config: ManagementConfig;
  readonly accounts: AccountStore;
  /** the authorizer's read path, for the verify operation */
  readonly credentials: DynamoCredentialStore;
  /** epoch milliseconds */
  readonly now: () => number;
}

export function buildDeps(config: ManagementConfig, client: DynamoDBClient, now: () => number = Date.now): ManagementDeps {
  return {
    config,
    accounts: new DynamoAccountStore(client, config.tableName, now, config.auditRetentionMs),
    credentials: new DynamoCredentialStore(client, config.tableName, true),
    now,
  };
}

/** From the environment; the SDK finds region, credentials and `AWS_ENDPOINT_URL_DYNAMODB` itself. */
export function depsFromEnv(env: NodeJS.ProcessEnv = process.env): ManagementDeps {
  return buildDeps(loadManagementConfig(env), createDynamoClient(MANAGEMENT_LIMITS));
}
