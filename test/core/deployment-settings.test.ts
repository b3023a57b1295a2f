import { readSettings, settingsItem, type DeploymentSettings } from '../../lambda/core/settings-item';

const settings: DeploymentSettings = {
  basePath: '/auth-service',
  permissions: [{ name: 'write_widgets', grant: 'key', description: 'create widgets' }],
  userKeyPrefix: 'wk_',
  botKeyPrefix: 'wbot_',
  cookieName: 'sid',
};

describe('deployment settings item', () => {
  it('reads back what it wrote', () => {
    expect(readSettings(settingsItem(settings))).toEqual(settings);
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
