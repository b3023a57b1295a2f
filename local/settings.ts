/**
 * The deployment settings item (SETTINGS/DEPLOYMENT) of the served app,
 * written at every start as the construct writes it at deploy time, so the
 * admin CLI pointed at the local table applies the served app's catalog,
 * prefixes and base path (lambda/core/settings-item.ts).
 */
import { PutItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { settingsItem } from '../lambda/core/settings-item';
import type { ServedApp } from './served-app';

export async function writeSettings(client: DynamoDBClient, app: ServedApp): Promise<void> {
  await client.send(new PutItemCommand({ TableName: app.config.tableName, Item: settingsItem(app.settings) }));
}
