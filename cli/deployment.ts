/**
 * The deployment's settings, for the CLI: read from the settings item the
 * deployment writes into its own table (docs/design.md, keygate as a library), so the CLI needs only
 * `--table` and applies the deployment's own catalog and key prefixes, as
 * its Lambdas do. No environment variable can stand in for the item.
 */
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SETTINGS_KEY, settingsFromItem } from '../lambda/core/settings-item';
import { SETTINGS_ENV, configEnvironment } from '../lambda/core/settings';
import { loadManagementConfig, type ManagementConfig } from '../lambda/shared/management-config';

export async function loadDeploymentConfig(client: DynamoDBClient, table: string, env: NodeJS.ProcessEnv): Promise<ManagementConfig> {
  const { Item } = await client.send(new GetItemCommand({ TableName: table, Key: SETTINGS_KEY, ConsistentRead: true }));
  // Only the stored settings (the defaults for the others): none of the environment's variables of the same
  // names, not even one the item leaves unset (the plan settings of a deployment without plans).
  const settingVars = new Set(Object.values(SETTINGS_ENV));
  const others = Object.fromEntries(Object.entries(env).filter(([k]) => !settingVars.has(k)));
  return loadManagementConfig({ ...others, ...configEnvironment(table, settingsFromItem(Item)) });
}
