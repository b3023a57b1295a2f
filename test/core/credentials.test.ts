import { cookieValues, extractCredential } from '../../lambda/core/credentials';
import { MANAGEMENT_PERMISSIONS } from '../../lambda/core/catalog';
import { MANAGEMENT_ROUTES } from '../../lambda/core/management-routes';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SETTINGS, SETTINGS_FILE, lambdaSettings } from '../../lambda/core/settings';
import { bundledSettings, loadConfig } from '../../lambda/shared/config';

describe('Module: credentials', () => {
  describe('Function: extractCredential', () => {
    it('takes a bearer token from the Authorization header, in any case', () => {
      for (const [name, value] of [['Authorization', 'Bearer abc'], ['authorization', 'bearer abc'], ['AUTHORIZATION', 'BEARER   abc ']]) {
        expect(extractCredential({ [name!]: value }, null, 'keygate_session')).toEqual({ source: 'header', value: 'abc' });
      }
    });

    it('refuses other schemes and ambiguous headers', () => {
      expect(extractCredential({ Authorization: 'Basic abc' }, null, 'c')).toMatchObject({ source: 'invalid' });
      expect(extractCredential({ Authorization: 'Bearer a b' }, null, 'c')).toMatchObject({ source: 'invalid' });
      expect(extractCredential({ Authorization: '' }, null, 'c')).toMatchObject({ source: 'invalid' });
      expect(extractCredential(null, { Authorization: ['Bearer a', 'Bearer b'] }, 'c')).toMatchObject({ source: 'invalid' });
      expect(extractCredential({ a: 'x' }, { authorization: ['Bearer a'], Authorization: ['Bearer b'] }, 'c')).toMatchObject({ source: 'invalid' });
    });

    it('finds the session cookie among others and across Cookie headers', () => {
      expect(extractCredential({ Cookie: 'a=1; keygate_session=tok; b=2' }, null, 'keygate_session')).toEqual({ source: 'cookie', value: 'tok' });
      expect(extractCredential(null, { cookie: ['a=1', 'keygate_session=tok'] }, 'keygate_session')).toEqual({ source: 'cookie', value: 'tok' });
      expect(extractCredential({ Cookie: 'my_keygate_session=x; keygate_session_old=y' }, null, 'keygate_session')).toEqual({ source: 'none' });
      expect(extractCredential({ Cookie: 'keygate_session=a; keygate_session=b' }, null, 'keygate_session')).toMatchObject({ source: 'invalid' });
      expect(extractCredential({ Cookie: 'sid=tok' }, null, 'sid')).toEqual({ source: 'cookie', value: 'tok' });
    });

    it('lets the header win over the cookie, even an invalid header', () => {
      expect(extractCredential({ Authorization: 'Bearer k', Cookie: 'keygate_session=s' }, null, 'keygate_session')).toEqual({ source: 'header', value: 'k' });
      expect(extractCredential({ Authorization: 'Token k', Cookie: 'keygate_session=s' }, null, 'keygate_session')).toMatchObject({ source: 'invalid' });
    });

    it('says none when there is nothing', () => {
      expect(extractCredential(undefined, undefined, 'c')).toEqual({ source: 'none' });
      expect(extractCredential({ Cookie: 'keygate_session=' }, null, 'keygate_session')).toEqual({ source: 'none' });
    });
  });

  describe('Function: cookieValues', () => {
    it('ignores pairs without =', () => {
      expect(cookieValues(['junk; a=1; =2; a'], 'a')).toEqual(['1']);
    });
  });
});

describe('Module: config', () => {
  const required = { TABLE_NAME: 't', KEYGATE_BASE_PATH: '/v1', KEYGATE_ROUTES: '[]', KEYGATE_PERMISSIONS: '[]' };

  it('has product defaults for the optional settings, and the management API under the base path', () => {
    const c = loadConfig(required);
    expect(c).toMatchObject({ tableName: 't', basePath: '/v1', cookieName: 'keygate_session', cacheTtlMs: 5000, prefixes: { user: 'user_key_', bot: 'bot_key_' } });
    expect(c.allowedOrigins.size).toBe(0);
    expect(c.routes.map((r) => `${r.method} ${r.path}`)).toEqual(MANAGEMENT_ROUTES.map((r) => `${r.method} ${r.atRoot ? '' : '/v1'}${r.path}`));
    expect(c.permissions.map((p) => p.name)).toEqual(MANAGEMENT_PERMISSIONS.map((p) => p.name));
  });

  it('reads every variable, and merges the deployment\'s routes and permissions with the management ones', () => {
    const c = loadConfig({
      TABLE_NAME: 't',
      KEYGATE_BASE_PATH: '/auth-service',
      KEYGATE_ROUTES: '[{"method":"GET","path":"/x","needs":"write_widgets"}]',
      KEYGATE_PERMISSIONS: '[{"name":"write_widgets","grant":"key","description":"w"}]',
      KEYGATE_COOKIE_NAME: 'sid',
      KEYGATE_ALLOWED_ORIGINS: 'https://a.example, https://b.example',
      KEYGATE_CACHE_TTL_SECONDS: '1',
      KEYGATE_USER_KEY_PREFIX: 'tape_',
    });
    expect(c.routes.at(-1)).toEqual({ method: 'GET', path: '/x', needs: 'write_widgets' });
    expect(c.routes).toContainEqual({ method: 'POST', path: '/auth-service/auth/login', needs: 'public', operation: 'login', fn: 'auth' });
    expect(c.permissions[0]).toEqual({ name: 'write_widgets', grant: 'key', description: 'w' });
    expect([...c.allowedOrigins]).toEqual(['https://a.example', 'https://b.example']);
    expect(c).toMatchObject({ cookieName: 'sid', cacheTtlMs: 1000, prefixes: { user: 'tape_' } });
  });

  it('fails with a message naming the setting instead of falling back to another app', () => {
    expect(() => loadConfig({})).toThrow('TABLE_NAME is not set');
    expect(() => loadConfig({ TABLE_NAME: 't' })).toThrow('KEYGATE_BASE_PATH is not set');
    expect(() => loadConfig({ ...required, KEYGATE_BASE_PATH: 'v1/' })).toThrow("KEYGATE_BASE_PATH has to be '' or like '/v1' (segments of letters, digits and ._~-, no trailing '/', no parameters), got 'v1/'");
    expect(() => loadConfig({ ...required, KEYGATE_ROUTES: undefined })).toThrow('KEYGATE_ROUTES is not set');
    expect(() => loadConfig({ ...required, KEYGATE_ROUTES: '[{' })).toThrow('KEYGATE_ROUTES is not JSON');
    expect(() => loadConfig({ ...required, KEYGATE_ROUTES: '[{"method":"GOT","path":"/x","needs":"public"}]' })).toThrow(/KEYGATE_ROUTES is invalid: .*method/);
    expect(() => loadConfig({ ...required, KEYGATE_PERMISSIONS: '[{"name":"x"}]' })).toThrow(/KEYGATE_PERMISSIONS is invalid: .*grant/);
    expect(() => loadConfig({ ...required, KEYGATE_ROUTES: '[{"method":"GET","path":"/x","needs":"nope"}]' })).toThrow(/needs 'nope', which is not in the permission catalog/);
    expect(() => loadConfig({ ...required, KEYGATE_PERMISSIONS: '[{"name":"admin","grant":"key","description":""}]' })).toThrow(/'admin' is listed twice/);
    expect(() => loadConfig({ ...required, KEYGATE_CACHE_TTL_SECONDS: 'soon' })).toThrow("KEYGATE_CACHE_TTL_SECONDS has to be a number >= 0, got 'soon'");
  });

  it('reads the routes and permissions from the bundled settings file the environment leaves them to, with the same rules', () => {
    // Prepare: a Lambda's environment and settings file as the construct writes them
    const dir = mkdtempSync(join(tmpdir(), 'keygate-settings-file-'));
    const own = { routes: [{ method: 'GET', path: '/x', needs: 'write_widgets' }], permissions: [{ name: 'write_widgets', grant: 'key', description: 'w' }] } as const;
    const { environment, file } = lambdaSettings('t', { ...DEFAULT_SETTINGS, ...own });
    writeFileSync(join(dir, SETTINGS_FILE), file);
    // Act
    const c = loadConfig(environment, bundledSettings(dir));
    // Assess
    expect(Object.keys(environment)).not.toContain('KEYGATE_ROUTES');
    expect(Object.keys(environment)).not.toContain('KEYGATE_PERMISSIONS');
    expect(c.routes.at(-1)).toEqual(own.routes[0]);
    expect(c.permissions[0]).toEqual(own.permissions[0]);
    // a variable of the same name wins (tests, tools)
    expect(loadConfig({ ...environment, KEYGATE_ROUTES: '[]' }, bundledSettings(dir)).routes.some((r) => r.path === '/x')).toBe(false);
    // and what is wrong is named, file and setting
    expect(() => loadConfig(environment, { KEYGATE_PERMISSIONS: [] })).toThrow('keygate-settings.json has no KEYGATE_ROUTES');
    expect(() => loadConfig(environment, [])).toThrow('keygate-settings.json has to be a JSON object');
    expect(() => loadConfig(environment, { KEYGATE_ROUTES: [{ method: 'GOT', path: '/x', needs: 'public' }], KEYGATE_PERMISSIONS: [] })).toThrow(/^keygate-settings.json: KEYGATE_ROUTES is invalid: \[0\]\.method/);
    expect(() => loadConfig(environment, undefined)).toThrow('KEYGATE_ROUTES is not set, and there is no keygate-settings.json beside the handler');
    writeFileSync(join(dir, SETTINGS_FILE), '{"KEYGATE_ROUTES": [');
    expect(() => bundledSettings(dir)).toThrow('keygate-settings.json is not JSON');
    rmSync(join(dir, SETTINGS_FILE));
    expect(bundledSettings(dir)).toBeUndefined();
    rmSync(dir, { recursive: true });
  });

  it("refuses a key prefix, cookie name or origin with the construct's rule (core/settings.ts), and takes '' as the default", () => {
    expect(() => loadConfig({ ...required, KEYGATE_USER_KEY_PREFIX: 'Widget-' })).toThrow("KEYGATE_USER_KEY_PREFIX has to be lower_snake_case ending in '_', got 'Widget-'");
    expect(() => loadConfig({ ...required, KEYGATE_COOKIE_NAME: 'a b' })).toThrow("KEYGATE_COOKIE_NAME is not a valid cookie name, got 'a b'");
    expect(() => loadConfig({ ...required, KEYGATE_ALLOWED_ORIGINS: 'https://a.example/app' })).toThrow("KEYGATE_ALLOWED_ORIGINS: 'https://a.example/app' is not an origin");
    expect(loadConfig({ ...required, KEYGATE_USER_KEY_PREFIX: '', KEYGATE_COOKIE_NAME: '' })).toMatchObject({ cookieName: 'keygate_session', prefixes: { user: 'user_key_' } });
  });
});
