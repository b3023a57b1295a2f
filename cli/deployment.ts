/**
 * The deployment's settings, for the CLI: read from the settings item the
 * deployment writes into its own table, so the CLI needs only `--table`.
 */
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadManagementConfig, type ManagementConfig } from '../lambda/shared/management-config';

// Placeholder until the foundation's settings codec lands (lambda/shared/deployment-settings.ts).
export async function loadDeploymentConfig(client: DynamoDBClient, table: string, env: NodeJS.ProcessEnv): Promise<ManagementConfig> {
  await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: 'SETTINGS' }, sk: { S: 'DEPLOYMENT' } }, ConsistentRead: true }));
  return loadManagementConfig({ ...env, TABLE_NAME: table });
}
