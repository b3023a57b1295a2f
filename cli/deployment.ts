/**
 * The deployment's settings, for the CLI: read from the settings item the
 * deployment writes into its own table (docs/design.md, keygate as a library), so the CLI needs only
 * `--table` and applies the deployment's own catalog and key prefixes, as
 * its Lambdas do. No environment variable can stand in for the item.
 */
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { configEnvironment } from '../lambda/shared/config';
import { SETTINGS_KEY, readSettings } from '../lambda/shared/deployment-settings';
import { loadManagementConfig, type ManagementConfig } from '../lambda/shared/management-config';

export async function loadDeploymentConfig(client: DynamoDBClient, table: string, env: NodeJS.ProcessEnv): Promise<ManagementConfig> {
  const { Item } = await client.send(new GetItemCommand({ TableName: table, Key: SETTINGS_KEY, ConsistentRead: true }));
  const settings = readSettings(Item);
  // The settings win over anything of the same name in the environment.
  return loadManagementConfig({ ...env, ...configEnvironment(table, { ...settings, routes: [], allowedOrigins: [], cacheTtlSeconds: 0 }) });
}
