/** The reference app's deployment settings, for tests that load a config or a handler (its Lambda environment is fixtures/reference-env). */
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DEFAULT_SETTINGS } from '../../lambda/core/settings';
import { settingsItem, storedSettings, type DeploymentSettings } from '../../lambda/core/settings-item';
import { REFERENCE_PERMISSIONS } from '../../lib/reference-app';

/** The reference app's deployment settings: the defaults and its own permissions. */
export const REFERENCE_SETTINGS: DeploymentSettings = storedSettings({ ...DEFAULT_SETTINGS, permissions: REFERENCE_PERMISSIONS });

/** Writes the settings item a deployment writes at deploy time (what the CLI reads). */
export async function putSettings(client: DynamoDBClient, table: string, settings: DeploymentSettings = REFERENCE_SETTINGS): Promise<void> {
  await client.send(new PutItemCommand({ TableName: table, Item: settingsItem(settings) }));
}
