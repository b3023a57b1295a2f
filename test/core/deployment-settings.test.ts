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
});
