/**
 * The deployment's settings as one item in its own table, so a tool that only
 * knows the table (the `keygate` CLI) applies the same catalog and prefixes as
 * the deployed Lambdas. The construct writes it at deploy time; the local
 * runner writes it when it starts. Which settings it stores, and their rules,
 * are declared in core/settings.ts (`STORED_SETTINGS`).
 *
 *   pk = SETTINGS  sk = DEPLOYMENT  settings = <JSON of DeploymentSettings>  version = 1
 *
 * Pure: the item is written in DynamoDB's attribute-value shape without the
 * SDK's types, so the construct builds it without an AWS SDK import.
 */
import { DEFAULT_SETTINGS, SETTINGS, STORED_SETTINGS, cleanSetting, crossSettingsProblems, settingsProblems, type DeploymentSettings, type KeygateSettings } from './settings';
import { PK, SETTINGS_PK, SETTINGS_SK, SK } from './table-schema';

export type { DeploymentSettings } from './settings';

export const SETTINGS_VERSION = 1;

/** An attribute of the item, in DynamoDB's shape (a subset of the SDK's `AttributeValue`). */
type Attribute = { S: string } | { N: string };
/** An item as read back: any attribute value (the SDK's `AttributeValue` fits). */
type ReadItem = Readonly<Record<string, { readonly S?: string; readonly N?: string }>>;

/** A table without usable settings: its message is for the person at the terminal. */
export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}

/** The item's key. */
export const SETTINGS_KEY: Record<string, Attribute> = { [PK]: { S: SETTINGS_PK }, [SK]: { S: SETTINGS_SK } };

/** Only the stored settings, each with only its declared parts, in a fixed order (so the item is the same for the same settings). */
export function storedSettings(s: DeploymentSettings): Pick<KeygateSettings, (typeof STORED_SETTINGS)[number]> {
  const all: KeygateSettings = { ...DEFAULT_SETTINGS, ...s };
  return Object.fromEntries(STORED_SETTINGS.map((k) => [k, cleanSetting(k, all[k])])) as unknown as Pick<KeygateSettings, (typeof STORED_SETTINGS)[number]>;
}

/** The item; without the settings that are unset for these settings (`unsetWhen`: the plan settings without plans), so it is the item it was before they existed. */
export function settingsItem(settings: DeploymentSettings): Record<string, Attribute> {
  const all: KeygateSettings = { ...DEFAULT_SETTINGS, ...settings };
  const stored = storedSettings(settings);
  const kept = Object.fromEntries(STORED_SETTINGS.filter((k) => !SETTINGS[k].unsetWhen?.(all)).map((k) => [k, stored[k]]));
  return { ...SETTINGS_KEY, settings: { S: JSON.stringify(kept) }, version: { N: String(SETTINGS_VERSION) } };
}

/** The settings in an item; throws with a message that says what is wrong. */
export function readSettings(item: ReadItem | undefined): Pick<KeygateSettings, (typeof STORED_SETTINGS)[number]> {
  if (!item) throw new SettingsError('this table has no keygate settings item: deploy the keygate construct to it (or start the local runner on it) first');
  const version = Number(item.version?.N);
  if (version !== SETTINGS_VERSION) throw new SettingsError(`the table's keygate settings item has version ${item.version?.N ?? 'none'}; this keygate reads version ${SETTINGS_VERSION}`);
  let raw: unknown;
  try {
    raw = JSON.parse(item.settings?.S ?? '');
  } catch {
    throw new SettingsError("the table's keygate settings item is not JSON");
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SettingsError("the table's keygate settings item is invalid: it has to be a JSON object");
  const fields = raw as Partial<Record<keyof DeploymentSettings, unknown>>;
  // A setting that may be unset (`unsetWhen`) may be absent: an item written before it existed still reads, as its default.
  const missing = STORED_SETTINGS.filter((k) => fields[k] === undefined && !SETTINGS[k].unsetWhen).map((k) => `${k} is missing`);
  const present = STORED_SETTINGS.filter((k) => fields[k] !== undefined);
  const problems = [...missing, ...settingsProblems(fields, present)];
  if (problems.length === 0) problems.push(...crossSettingsProblems(fields as Partial<KeygateSettings>));
  if (problems.length > 0) throw new SettingsError(`the table's keygate settings item is invalid: ${problems.join('; ')}`);
  return storedSettings({ ...DEFAULT_SETTINGS, ...fields } as DeploymentSettings);
}

/** The settings a tool that knows only the table works with: the stored ones, the defaults for the rest. */
export function settingsFromItem(item: ReadItem | undefined): KeygateSettings {
  return { ...DEFAULT_SETTINGS, ...readSettings(item) };
}
