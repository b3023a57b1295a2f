import { cookieValues, extractCredential } from '../../lambda/core/credentials';
import { loadConfig } from '../../lambda/shared/config';

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
  it('falls back to the reference app', () => {
    const c = loadConfig({ TABLE_NAME: 't' });
    expect(c).toMatchObject({ tableName: 't', cookieName: 'keygate_session', cacheTtlMs: 5000, prefixes: { user: 'user_key_', bot: 'bot_key_' } });
    expect(c.allowedOrigins.size).toBe(0);
  });

  it('reads every variable', () => {
    const c = loadConfig({
      TABLE_NAME: 't',
      KEYGATE_ROUTES: '[{"method":"GET","path":"/x","needs":"authenticated"}]',
      KEYGATE_COOKIE_NAME: 'sid',
      KEYGATE_ALLOWED_ORIGINS: 'https://a.example, https://b.example',
      KEYGATE_CACHE_TTL_SECONDS: '1',
      KEYGATE_USER_KEY_PREFIX: 'tape_',
    });
    expect(c.routes).toEqual([{ method: 'GET', path: '/x', needs: 'authenticated' }]);
    expect([...c.allowedOrigins]).toEqual(['https://a.example', 'https://b.example']);
    expect(c).toMatchObject({ cookieName: 'sid', cacheTtlMs: 1000, prefixes: { user: 'tape_' } });
  });

  it('refuses a missing table and bad numbers', () => {
    expect(() => loadConfig({})).toThrow('TABLE_NAME is not set');
    expect(() => loadConfig({ TABLE_NAME: 't', KEYGATE_CACHE_TTL_SECONDS: 'soon' })).toThrow("KEYGATE_CACHE_TTL_SECONDS has to be a number >= 0, got 'soon'");
  });
});
