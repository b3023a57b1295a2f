/** The reference app's Lambda environment, as its construct writes it, for tests that load a config or a handler. */
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DEFAULT_BASE_PATH } from '../../lambda/core/management-routes';
import { configEnvironment } from '../../lambda/shared/config';
import { settingsItem, type DeploymentSettings } from '../../lambda/shared/deployment-settings';
import { EXAMPLE_ROUTES, REFERENCE_PERMISSIONS } from '../../lib/reference-app';

export function referenceEnv(table: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...configEnvironment(table, {
      basePath: DEFAULT_BASE_PATH,
      routes: EXAMPLE_ROUTES,
      permissions: REFERENCE_PERMISSIONS,
      userKeyPrefix: 'user_key_',
      botKeyPrefix: 'bot_key_',
      cookieName: 'keygate_session',
      allowedOrigins: [],
      cacheTtlSeconds: 5,
    }),
    ...extra,
  };
}

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
