/**
 * The deployment's settings as one item in its own table, so a tool that only
 * knows the table (the `keygate` CLI) applies the same catalog and prefixes as
 * the deployed Lambdas. The construct writes it at deploy time; the local
 * runner writes it when it starts.
 *
 *   pk = SETTINGS  sk = DEPLOYMENT  settings = <JSON of DeploymentSettings>  version = 1
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import { GRANTS } from '../core/catalog';
import { BASE_PATH_PATTERN } from '../core/management-routes';
import { QUOTA_PERIODS, type KeygateSettings, type PlanConfig } from './config';
import { PK, SETTINGS_PK, SETTINGS_SK, SK } from '../store/keys';

/** What a tool that knows only the table needs of the deployment's settings (the permissions: its own; the management ones are always added). */
export type DeploymentSettings = Pick<KeygateSettings, 'basePath' | 'permissions' | 'userKeyPrefix' | 'botKeyPrefix' | 'cookieName'> & {
  /** usage plans with their ids, and the default plan (SPEC §12); both absent when the deployment has none */
  readonly plans?: readonly PlanConfig[];
  readonly defaultPlan?: string;
};

export const SETTINGS_VERSION = 1;

/** A table without usable settings: its message is for the person at the terminal. */
export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}

const schema = z.object({
  basePath: z.string().check(z.regex(BASE_PATH_PATTERN)),
  permissions: z.array(z.object({ name: z.string(), grant: z.enum(GRANTS), description: z.string() })),
  userKeyPrefix: z.string().check(z.minLength(1)),
  botKeyPrefix: z.string().check(z.minLength(1)),
  cookieName: z.string().check(z.minLength(1)),
  plans: z.optional(
    z.array(
      z.object({
        name: z.string(),
        description: z.optional(z.string()),
        throttle: z.object({ rateLimit: z.number(), burstLimit: z.number() }),
        quota: z.optional(z.object({ limit: z.number(), period: z.enum(QUOTA_PERIODS) })),
        id: z.string(),
      }),
    ),
  ),
  defaultPlan: z.optional(z.string()),
});

/** The item's key. */
export const SETTINGS_KEY: Record<string, AttributeValue> = { [PK]: { S: SETTINGS_PK }, [SK]: { S: SETTINGS_SK } };

/** Only the fields of DeploymentSettings, in a fixed order (so the item is the same for the same settings). */
function normalize(s: DeploymentSettings): DeploymentSettings {
  return {
    basePath: s.basePath,
    permissions: s.permissions.map(({ name, grant, description }) => ({ name, grant, description })),
    userKeyPrefix: s.userKeyPrefix,
    botKeyPrefix: s.botKeyPrefix,
    cookieName: s.cookieName,
    // Only with plans, so a deployment without them writes the item it always did.
    ...(s.plans && s.plans.length > 0
      ? {
          plans: s.plans.map((p) => ({
            name: p.name,
            ...(p.description !== undefined ? { description: p.description } : {}),
            throttle: { rateLimit: p.throttle.rateLimit, burstLimit: p.throttle.burstLimit },
            ...(p.quota ? { quota: { limit: p.quota.limit, period: p.quota.period } } : {}),
            id: p.id,
          })),
          ...(s.defaultPlan !== undefined ? { defaultPlan: s.defaultPlan } : {}),
        }
      : {}),
  };
}

export function settingsItem(settings: DeploymentSettings): Record<string, AttributeValue> {
  return { ...SETTINGS_KEY, settings: { S: JSON.stringify(normalize(settings)) }, version: { N: String(SETTINGS_VERSION) } };
}

/** The settings in an item; throws with a message that says what is wrong. */
export function readSettings(item: Record<string, AttributeValue> | undefined): DeploymentSettings {
  if (!item) throw new SettingsError('this table has no keygate settings item: deploy the keygate construct to it (or start the local runner on it) first');
  const version = Number(item.version?.N);
  if (version !== SETTINGS_VERSION) throw new SettingsError(`the table's keygate settings item has version ${item.version?.N ?? 'none'}; this keygate reads version ${SETTINGS_VERSION}`);
  let raw: unknown;
  try {
    raw = JSON.parse(item.settings?.S ?? '');
  } catch {
    throw new SettingsError("the table's keygate settings item is not JSON");
  }
  const parsed = z.safeParse(schema, raw);
  if (!parsed.success) throw new SettingsError(`the table's keygate settings item is invalid: ${z.prettifyError(parsed.error).replace(/\n/g, ' ')}`);
  // zod's optional fields may hold undefined; DeploymentSettings' may only be absent.
  return normalize(parsed.data as DeploymentSettings);
}
