import { createHash } from 'node:crypto';
import { checkAuthorizationRequest, type ClientRules } from '../../lambda/core/authorization-request';
import {
  CLIENT_SECRET_PREFIX,
  CODE_PREFIX,
  KEY_PLACEHOLDER,
  fillTemplate,
  generateSecretToken,
  parseBasicAuth,
  parseScope,
  parseSecretToken,
  pkceMatches,
  redirectUriMatches,
  redirectUriProblem,
  s256,
  secretTokenMatches,
  templateProblem,
  withQuery,
} from '../../lambda/core/oauth';

describe('Module: oauth', () => {
  describe('Function: generateSecretToken / parseSecretToken', () => {
    it('round-trips a client secret bound to its client id, storing only a hash', () => {
      const t = generateSecretToken(CLIENT_SECRET_PREFIX, 'AbCdEfGhIjKl');
      expect(t.value).toMatch(/^client_secret_AbCdEfGhIjKl[0-9A-Za-z]{38}$/);
      expect(parseSecretToken(t.value, CLIENT_SECRET_PREFIX)).toEqual({ id: 'AbCdEfGhIjKl', secret: t.secret });
      expect(secretTokenMatches(t, t.secretHash)).toBe(true);
      expect(t.secretHash).not.toContain(t.secret);
      expect(secretTokenMatches({ id: t.id, secret: t.secret.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')) }, t.secretHash)).toBe(false);
      expect(secretTokenMatches(t, undefined)).toBe(false);
    });

    it('refuses a wrong prefix, length, alphabet or checksum before any read', () => {
      const code = generateSecretToken(CODE_PREFIX).value;
      expect(parseSecretToken(code, CODE_PREFIX)).toBeDefined();
      expect(parseSecretToken(code, CLIENT_SECRET_PREFIX)).toBeUndefined();
      expect(parseSecretToken(code.slice(0, -1), CODE_PREFIX)).toBeUndefined();
      expect(parseSecretToken(code.slice(0, -2) + '-' + code.slice(-1), CODE_PREFIX)).toBeUndefined();
      const flipped = code.slice(0, 10) + (code[10] === 'a' ? 'b' : 'a') + code.slice(11);
      expect(parseSecretToken(flipped, CODE_PREFIX)).toBeUndefined();
    });
  });

  describe('Function: redirectUriProblem', () => {
    it.each(['https://tool.example/callback', 'https://tool.example:8443/cb?x=1', 'http://127.0.0.1:8765/callback', 'http://127.1.2.3/cb', 'http://[::1]:9000/cb'])(
      'accepts %s',
      (uri) => expect(redirectUriProblem(uri)).toBeUndefined(),
    );

    it.each([
      ['http://tool.example/callback', 'has to use https'],
      ['http://localhost:8765/callback', "instead of 'localhost'"],
      ['https://tool.example/cb#frag', 'fragment'],
      ['https://user:pw@tool.example/cb', 'user name'],
      ['javascript:alert(1)', 'has to use https'],
      ['/relative/cb', 'not an absolute URL'],
      [`https://tool.example/${'a'.repeat(600)}`, 'at most 512'],
    ])('refuses %s', (uri, message) => expect(redirectUriProblem(uri)).toContain(message));

    it.each([
      ['http://127.0.0.1:8765/callback', 'http://127.0.0.1:51234/callback'],
      ['http://127.0.0.1/callback', 'http://127.0.0.1:51234/callback'],
      ['http://127.0.0.1:8765/callback', 'http://127.0.0.1/callback'],
      ['http://[::1]:9000/cb?x=1', 'http://[::1]:60000/cb?x=1'],
      ['https://tool.example/cb', 'https://tool.example/cb'],
    ])('matches %s with %s (RFC 8252 §7.3: a loopback URI takes any port)', (registered, presented) => {
      expect(redirectUriMatches(registered, presented)).toBe(true);
    });

    it.each([
      ['http://127.0.0.1:8765/callback', 'http://127.0.0.1:8765/other'],
      ['http://127.0.0.1:8765/callback', 'http://127.0.0.2:8765/callback'],
      ['http://127.0.0.1:8765/callback', 'http://[::1]:8765/callback'],
      ['http://127.0.0.1:8765/callback', 'http://127.0.0.1:8765/callback?x=1'],
      ['http://127.0.0.1:8765/callback', 'http://127.0.0.1:99999/callback'],
      ['http://127.0.0.1:8765/callback', 'http://127.0.0.1:0/callback'],
      ['http://127.0.0.1:8765/callback', 'https://127.0.0.1:8765/callback'],
      ['http://127.0.0.1:8765/callback', 'http://127.0.0.1:8765@evil.example/callback'],
      ['https://tool.example/cb', 'https://tool.example:8443/cb'],
      ['https://tool.example:8443/cb', 'https://tool.example/cb'],
      ['https://tool.example/cb', 'https://tool.example/cb/'],
    ])('does not match %s with %s: host, path and query stay exact, and only loopback takes any port', (registered, presented) => {
      expect(redirectUriMatches(registered, presented)).toBe(false);
    });

    it('adds parameters to a redirect URI that has a query of its own', () => {
      expect(withQuery('https://tool.example/cb?tenant=a', { code: 'c d', state: undefined })).toBe('https://tool.example/cb?tenant=a&code=c+d');
    });
  });

  describe('Function: parseScope', () => {
    const client = ['submit_score', 'delete_score'];

    it('gives all of the client permissions when scope is absent or empty, and a subset when asked', () => {
      expect(parseScope(undefined, client)).toEqual({ ok: true, permissions: client });
      expect(parseScope('', client)).toEqual({ ok: true, permissions: client });
      expect(parseScope('delete_score delete_score', client)).toEqual({ ok: true, permissions: ['delete_score'] });
    });

    it('refuses a permission outside the client, naming it', () => {
      expect(parseScope('submit_score manage_keys', client)).toEqual({ ok: false, reason: expect.stringContaining("'manage_keys'") });
    });
  });

  describe('Function: pkceMatches', () => {
    it('checks S256 as RFC 7636 Appendix B computes it', () => {
      const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
      expect(s256(verifier)).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
      expect(pkceMatches(verifier, 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')).toBe(true);
      expect(pkceMatches(verifier.replace(/.$/, 'j'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')).toBe(false);
      // 'plain' would compare the verifier itself
      expect(pkceMatches(verifier, verifier)).toBe(false);
      expect(pkceMatches('short', s256('short'))).toBe(false);
    });
  });

  describe('Function: parseBasicAuth', () => {
    it('reads form-encoded id and secret (RFC 6749 §2.3.1)', () => {
      const header = `Basic ${Buffer.from('my%20id:s%3Acret+x').toString('base64')}`;
      expect(parseBasicAuth(header)).toEqual({ clientId: 'my id', secret: 's:cret x' });
      expect(parseBasicAuth('Bearer abc')).toBeUndefined();
      expect(parseBasicAuth(`Basic ${Buffer.from('no-colon').toString('base64')}`)).toBe('malformed');
      expect(parseBasicAuth('Basic !!!')).toBe('malformed');
    });
  });

  describe('Function: templateProblem / fillTemplate', () => {
    it('wants the placeholder exactly once and fills it literally', () => {
      expect(templateProblem(`{"key":"${KEY_PLACEHOLDER}"}`)).toBeUndefined();
      expect(templateProblem('{}')).toContain('found 0');
      expect(templateProblem(`${KEY_PLACEHOLDER}${KEY_PLACEHOLDER}`)).toContain('found 2');
      expect(fillTemplate(`k=${KEY_PLACEHOLDER}`, 'user_key_$&x')).toBe('k=user_key_$&x');
    });
  });
});

describe('Function: checkAuthorizationRequest', () => {
  const confidential: ClientRules = { clientId: 'AbCdEfGhIjKl', redirectUris: ['https://tool.example/cb', 'http://127.0.0.1:8765/cb'], permissions: ['submit_score', 'delete_score'] };
  const challenge = createHash('sha256').update('v'.repeat(43)).digest('base64url');
  const pkce = { code_challenge: challenge, code_challenge_method: 'S256' };
  const base = { response_type: 'code', client_id: confidential.clientId, redirect_uri: 'https://tool.example/cb', state: 'xyz', ...pkce };
  const check = (values: Record<string, string | undefined>, client: ClientRules | null = confidential, repeated: string[] = []) =>
    checkAuthorizationRequest({ values, repeated: new Set(repeated) }, client ?? undefined);

  it('accepts a PKCE request and narrows the permissions to the scope', () => {
    expect(check({ ...base, scope: 'submit_score' })).toEqual({
      kind: 'valid',
      request: { clientId: confidential.clientId, redirectUri: base.redirect_uri, permissions: ['submit_score'], state: 'xyz', codeChallenge: challenge },
    });
    expect(check(base)).toMatchObject({ kind: 'valid', request: { permissions: ['submit_score', 'delete_score'] } });
  });

  it('never redirects while the client or the redirect URI is in doubt', () => {
    expect(check({ ...base, client_id: undefined })).toEqual({ kind: 'invalid', message: 'client_id is missing' });
    expect(check(base, null)).toEqual({ kind: 'invalid', message: 'there is no client with this client_id' });
    expect(check({ ...base, redirect_uri: 'https://tool.example/cb/' })).toEqual({ kind: 'invalid', message: 'redirect_uri is not registered for this client' });
    expect(check({ ...base, redirect_uri: undefined })).toMatchObject({ kind: 'invalid' });
    expect(check(base, confidential, ['redirect_uri'])).toMatchObject({ kind: 'invalid' });
  });

  it.each([
    [{ response_type: 'token' }, 'unsupported_response_type'],
    [{ response_type: undefined }, 'invalid_request'],
    [{ scope: 'submit_score manage_keys' }, 'invalid_scope'],
    [{ code_challenge_method: undefined }, 'invalid_request'],
    [{ code_challenge: challenge, code_challenge_method: 'plain' }, 'invalid_request'],
    [{ code_challenge: 'short', code_challenge_method: 'S256' }, 'invalid_request'],
    [{ code_challenge: undefined }, 'invalid_request'],
  ])('sends %j back to the client as %s, with the state', (change, error) => {
    expect(check({ ...base, ...change })).toMatchObject({ kind: 'error', redirectUri: base.redirect_uri, error, state: 'xyz' });
  });

  it('requires PKCE of every client, a confidential one included (RFC 9700 §2.1.1)', () => {
    expect(check({ ...base, code_challenge: undefined, code_challenge_method: undefined })).toMatchObject({ kind: 'error', error: 'invalid_request', description: expect.stringContaining('PKCE is required') });
  });

  it('takes a registered loopback redirect URI on any port, and keeps the port the request named', () => {
    expect(check({ ...base, redirect_uri: 'http://127.0.0.1:49152/cb' })).toMatchObject({ kind: 'valid', request: { redirectUri: 'http://127.0.0.1:49152/cb' } });
    expect(check({ ...base, redirect_uri: 'http://127.0.0.1:49152/other' })).toEqual({ kind: 'invalid', message: 'redirect_uri is not registered for this client' });
  });
});
