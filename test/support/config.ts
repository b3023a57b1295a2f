/** The reference app's Lambda environment (shared with the benchmark, in fixtures/) and deployment settings, for tests that load a config or a handler. */
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DEFAULT_BASE_PATH } from '../../lambda/core/management-routes';
import { settingsItem, type DeploymentSettings } from '../../lambda/shared/deployment-settings';
import { REFERENCE_PERMISSIONS } from '../../lib/reference-app';

export { referenceEnv } from '../../fixtures/reference-env';

/** The reference app's deployment settings. */
export const REFERENCE_SETTINGS: DeploymentSettings = {
  basePath: DEFAULT_BASE_PATH,
  permissions: REFERENCE_PERMISSIONS,
  userKeyPrefix: 'user_key_',
  botKeyPrefix: 'bot_key_',
  cookieName: 'keygate_session',
};

/** Writes the settings item a deployment writes at deploy time (what the CLI reads). */
export async function putSettings(client: DynamoDBClient, table: string, settings: DeploymentSettings = REFERENCE_SETTINGS): Promise<void> {
  await client.send(new PutItemCommand({ TableName: table, Item: settingsItem(settings) }));
}
