/**
 * The deployment's plans for the CLI, read tolerantly from the settings item
 * (the construct stores `plans` with their usage-plan ids and `defaultPlan`
 * there): absent → no plans. `usageKeyLimit` from the item, else
 * KEYGATE_USAGE_KEY_LIMIT, else the default.
 */
import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SETTINGS_KEY } from '../lambda/core/settings-item';
import { PLANS_ENV, plansConfig, type PlansConfig } from '../lambda/shared/plans-config';

export async function loadDeploymentPlans(client: DynamoDBClient, table: string, env: NodeJS.ProcessEnv): Promise<PlansConfig | undefined> {
  const { Item } = await client.send(new GetItemCommand({ TableName: table, Key: SETTINGS_KEY, ConsistentRead: true }));
  let settings: { plans?: unknown; defaultPlan?: string; usageKeyLimit?: number } = {};
  try {
    settings = JSON.parse(Item?.settings?.S ?? '{}') as typeof settings;
  } catch {
    return undefined;
  }
  return plansConfig(settings.plans, settings.defaultPlan, settings.usageKeyLimit ?? env[PLANS_ENV.usageKeyLimit], "the settings item's plans");
}
