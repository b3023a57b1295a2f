import { readSettings, settingsItem, type DeploymentSettings } from '../../lambda/core/settings-item';

const settings: DeploymentSettings = {
  basePath: '/auth-service',
  permissions: [{ name: 'write_widgets', grant: 'key', description: 'create widgets' }],
  userKeyPrefix: 'wk_',
  botKeyPrefix: 'wbot_',
  cookieName: 'sid',
};

/** Without plans, the plan settings read back as their defaults: none. */
const NO_PLANS = { plans: [], defaultPlan: '', usageKeyLimit: 9000 };
const PLANS = [
  { name: 'free', description: 'Free', throttle: { rateLimit: 5, burstLimit: 10 }, quota: { limit: 1000, period: 'DAY' as const }, id: 'abc123' },
  { name: 'partner', throttle: { rateLimit: 50, burstLimit: 100 }, id: 'def456' },
];

describe('deployment settings item', () => {
  it('reads back what it wrote', () => {
    expect(readSettings(settingsItem(settings))).toEqual({ ...settings, ...NO_PLANS });
  });

  it('stores the plans with their ids, the default plan and the usage-key limit only with plans, and reads them back', () => {
    // Act
    const withPlans = settingsItem({ ...settings, plans: PLANS, defaultPlan: 'partner', usageKeyLimit: 500 });
    const without = settingsItem({ ...settings, ...NO_PLANS });
    // Assess
    expect(readSettings(withPlans)).toEqual({ ...settings, plans: PLANS, defaultPlan: 'partner', usageKeyLimit: 500 });
    expect(Object.keys(JSON.parse((without.settings as { S: string }).S))).toEqual(['basePath', 'permissions', 'userKeyPrefix', 'botKeyPrefix', 'cookieName']);
    expect(without).toEqual(settingsItem(settings));
  });

  it('reads an item written before plans existed as a deployment without plans, with no version change', () => {
    // Prepare: the item exactly as keygate wrote it before plans
    const old = { pk: { S: 'SETTINGS' }, sk: { S: 'DEPLOYMENT' }, version: { N: '1' }, settings: { S: JSON.stringify(settings) } };
    // Act & Assess
    expect(readSettings(old)).toEqual({ ...settings, ...NO_PLANS });
  });

  it("refuses plans the construct would refuse, with the declaration's rule, and a default plan that is not one of them", () => {
    const item = (over: object) => settingsItem({ ...settings, plans: PLANS, defaultPlan: 'free', ...over } as DeploymentSettings);
    expect(() => readSettings(item({ plans: [{ ...PLANS[0]!, throttle: { rateLimit: 0, burstLimit: 1 } }] }))).toThrow(
      "the table's keygate settings item is invalid: plans: plan 'free': throttle.rateLimit has to be a number of requests per second above 0, got 0",
    );
    expect(() => readSettings(item({ plans: [PLANS[0], PLANS[0]] }))).toThrow("plans: plan 'free' is listed twice");
    expect(() => readSettings(item({ plans: [{ ...PLANS[0]!, id: '' }] }))).toThrow("plan 'free': id (its usage plan's) has to be a non-empty string");
    expect(() => readSettings(item({ defaultPlan: 'gold' }))).toThrow("defaultPlan 'gold' is not one of plans (free, partner)");
    expect(() => readSettings(item({ usageKeyLimit: 10_001 }))).toThrow("usageKeyLimit '10001' has to be an integer from 1 to 10000");
  });

  it('refuses a missing item, another version, bad JSON and a bad base path with a message', () => {
    expect(() => readSettings(undefined)).toThrow(/no keygate settings item/);
    expect(() => readSettings({ ...settingsItem(settings), version: { N: '2' } })).toThrow(/version 2/);
    expect(() => readSettings({ ...settingsItem(settings), settings: { S: '{' } })).toThrow(/not JSON/);
    expect(() => readSettings(settingsItem({ ...settings, basePath: 'v1/' }))).toThrow(/invalid/);
  });

  it("refuses a bad key prefix or cookie name, and a missing setting, with the construct's rule", () => {
    expect(() => readSettings(settingsItem({ ...settings, userKeyPrefix: 'Widget-' }))).toThrow(
      "the table's keygate settings item is invalid: userKeyPrefix 'Widget-' has to be lower_snake_case ending in '_'",
    );
    expect(() => readSettings(settingsItem({ ...settings, cookieName: 'a b' }))).toThrow("cookieName 'a b' is not a valid cookie name");
    const { cookieName: _cookieName, ...withoutCookie } = settings;
    expect(() => readSettings({ ...settingsItem(settings), settings: { S: JSON.stringify(withoutCookie) } })).toThrow('cookieName is missing');
  });

  it('stores only the stored settings, each with only its declared fields', () => {
    const item = settingsItem({ ...settings, permissions: [{ ...settings.permissions[0]!, extra: 1 } as never], routes: [], cacheTtlSeconds: 9 } as never);
    const stored = (item.settings as { S: string }).S;
    expect(JSON.parse(stored)).toEqual(settings);
    expect(Object.keys(JSON.parse(stored))).toEqual(['basePath', 'permissions', 'userKeyPrefix', 'botKeyPrefix', 'cookieName']);
  });
});
