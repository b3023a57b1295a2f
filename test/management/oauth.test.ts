/**
 * OAuth 2.0 code + PKCE against DynamoDB Local through the real handlers,
 * over HTTP, driven by a stock OAuth client (oauth4webapi) where a tool
 * would use one: discovery, PKCE, the code exchange, revocation.
 */
import { createHash } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import { ORIGIN, OAuthHarness, basic, formFields } from './oauth-harness';

const REDIRECT = 'http://127.0.0.1:8765/callback';
const INSECURE = { [oauth.allowInsecureRequests]: true };

let h: OAuthHarness;

beforeAll(async () => {
  h = await OAuthHarness.open();
});
afterAll(() => h.close());

afterEach(() => {
  h.skew = 0;
});

async function discover(): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(h.base);
  return oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...INSECURE }));
}

async function pkce() {
  const verifier = oauth.generateRandomCodeVerifier();
  return { verifier, challenge: await oauth.calculatePKCECodeChallenge(verifier) };
}

/** One PKCE pair for the tests that are about something else: `codeFor` sends its challenge, `exchange` its verifier. */
const VERIFIER = 'a-fixed-test-verifier-of-at-least-43-characters-long';
const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');

/** A code for `user` through the JSON decision (the hosted pages have their own test), with `CHALLENGE` unless `extra` has its own. */
async function codeFor(user: { cookie: string }, clientId: string, extra: Record<string, string> = {}): Promise<string> {
  const to = await h.approve(user, { client_id: clientId, redirect_uri: REDIRECT, code_challenge: CHALLENGE, code_challenge_method: 'S256', ...extra });
  const code = to.searchParams.get('code');
  if (!code) throw new Error(`no code in ${to.href}`);
  return code;
}

async function scoreWith(key: string) {
  return h.request('POST', '/v1/scores', { key, json: { score: 1 }, origin: null });
}

describe('OAuth: a stock client (oauth4webapi) through the hosted pages', () => {
  it('discovers the server, gets a key with PKCE through login and consent, and calls a route with it; a replayed code revokes that key', async () => {
    // Prepare: a confidential client, a user who will authorize it
    const registered = await h.registerClient(h.owner, { name: 'Score Uploader', redirectUris: [REDIRECT], permissions: ['submit_score', 'customise_score'] });
    const alice = await h.user();
    const as = await discover();
    expect(as).toMatchObject({
      issuer: h.base,
      authorization_endpoint: `${h.base}/v1/oauth/authorize`,
      token_endpoint: `${h.base}/v1/oauth/token`,
      code_challenge_methods_supported: ['S256'],
      scopes_supported: expect.arrayContaining(['submit_score', 'delete_score']),
      authorization_response_iss_parameter_supported: true,
    });
    expect(as.scopes_supported).not.toContain('manage_keys');
    const tool: oauth.Client = { client_id: registered.id };
    const { verifier, challenge } = await pkce();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint!);
    for (const [k, v] of Object.entries({ response_type: 'code', client_id: tool.client_id, redirect_uri: REDIRECT, scope: 'submit_score', state, code_challenge: challenge, code_challenge_method: 'S256' })) {
      url.searchParams.set(k, v);
    }

    // Act 1: the browser opens the URL with no session → the login form
    const loginPage = await h.request('GET', url.href);
    expect(loginPage.status).toBe(200);
    expect(loginPage.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(loginPage.headers.get('cache-control')).toBe('no-store');
    expect(loginPage.headers.get('content-security-policy')).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'$/);
    expect(loginPage.headers.get('x-frame-options')).toBe('DENY');
    // not no-referrer: with it, browsers send `Origin: null` on the form's POST, which the CSRF rule refuses
    expect(loginPage.headers.get('referrer-policy')).toBe('same-origin');
    expect(loginPage.text).not.toMatch(/<script/i);
    expect(loginPage.text).toContain('Sign in to continue to Score Uploader');
    expect(loginPage.text).toMatch(/<form method="post" action="authorize">/);
    expect(loginPage.text).toMatch(/<input id="email" name="email" type="email"/);
    expect(loginPage.text).toMatch(/<input id="password" name="password" type="password"/);
    const loginFields = formFields(loginPage.text);
    expect(loginFields).toEqual({ response_type: 'code', client_id: tool.client_id, redirect_uri: REDIRECT, scope: 'submit_score', state, code_challenge: challenge, code_challenge_method: 'S256', decision: 'login' });

    // Act 2: it posts the form (from the page's own origin) → cookie and back to the same request
    const loggedIn = await h.request('POST', '/v1/oauth/authorize', { origin: h.base, form: { ...loginFields, email: alice.email, password: alice.password } });
    expect(loggedIn.status).toBe(303);
    const cookie = /keygate_session=([^;]+);/.exec(loggedIn.headers.get('set-cookie') ?? '')![1]!;
    const consentUrl = new URL(loggedIn.headers.get('location')!, url);
    expect(consentUrl.href).toBe(url.href);

    // Act 3: the consent page names the client and the permission in words
    const consent = await h.request('GET', consentUrl.href, { cookie });
    expect(consent.status).toBe(200);
    expect(consent.text).toContain('Score Uploader wants an API key for your account');
    expect(consent.text).toContain(`<strong>${alice.email}</strong>`);
    expect(consent.text).toContain('<code>submit_score</code>: requests that could submit scores');
    expect(consent.text).not.toContain('customise_score');
    expect(consent.text).toContain('<button type="submit" name="decision" value="approve">Approve</button>');
    expect(consent.text).toContain('<button type="submit" name="decision" value="deny" class="secondary">Deny</button>');
    expect(consent.headers.get('content-security-policy')).toContain("form-action 'self' http://127.0.0.1:8765;");

    // Act 4: Approve → 302 to the redirect URI with code and state
    const approved = await h.request('POST', '/v1/oauth/authorize', { cookie, origin: h.base, form: formFields(consent.text, 'approve') });
    expect(approved.status).toBe(302);
    const callback = new URL(approved.headers.get('location')!);
    expect(callback.origin + callback.pathname).toBe(REDIRECT);
    expect(callback.searchParams.get('iss')).toBe(as.issuer);

    // Act 5: the tool exchanges the code (client_secret_basic, PKCE verifier)
    const params = oauth.validateAuthResponse(as, tool, callback, state);
    const tokenResponse = await oauth.authorizationCodeGrantRequest(as, tool, oauth.ClientSecretBasic(registered.secret!), params, REDIRECT, verifier, INSECURE);
    expect(tokenResponse.headers.get('cache-control')).toBe('no-store');
    const token = await oauth.processAuthorizationCodeResponse(as, tool, tokenResponse);

    // Assess: an ordinary key, with the approved permission, marked with the client
    expect(token).toMatchObject({ token_type: 'bearer', scope: 'submit_score' });
    expect(token.access_token).toMatch(/^user_key_/);
    const called = await scoreWith(token.access_token);
    expect(called.status).toBe(200);
    expect(called.body).toMatchObject({ userId: alice.userId, authMethod: 'api_key', clientId: registered.id, permissions: ['submit_score'] });
    const keys = await h.request('GET', '/v1/keys', { cookie: alice.cookie });
    expect(keys.body.keys).toEqual([expect.objectContaining({ name: 'Score Uploader', clientId: registered.id, permissions: ['submit_score'] })]);
    const apps = await h.request('GET', '/v1/authorizations', { cookie: alice.cookie });
    expect(apps.body.authorizations).toEqual([expect.objectContaining({ clientId: registered.id, name: 'Score Uploader', permissions: ['submit_score'], keys: 1 })]);
    const audit = await h.request('GET', '/v1/auth/audit', { cookie: alice.cookie });
    expect(audit.body.records[0]).toMatchObject({ action: 'key_created', authMethod: 'oauth', detail: { clientId: registered.id, via: 'oauth' } });

    // Act 6: the same code again (a replay) is refused, and the key it gave stops working
    const replay = await oauth.authorizationCodeGrantRequest(as, tool, oauth.ClientSecretBasic(registered.secret!), params, REDIRECT, verifier, INSECURE);
    await expect(oauth.processAuthorizationCodeResponse(as, tool, replay)).rejects.toMatchObject({ error: 'invalid_grant', status: 400 });
    expect((await scoreWith(token.access_token)).status).toBe(401);
  });

  it('gives a public client a key through the JSON decision, and lets it revoke the key (RFC 7009)', async () => {
    // Prepare
    const registered = await h.registerClient(h.owner, { name: 'Browser Tool', redirectUris: [REDIRECT], permissions: ['delete_score'], public: true });
    expect(registered.secret).toBeUndefined();
    const bob = await h.user();
    const as = await discover();
    const tool: oauth.Client = { client_id: registered.id, token_endpoint_auth_method: 'none' };
    const { verifier, challenge } = await pkce();
    const query = { response_type: 'code', client_id: registered.id, redirect_uri: REDIRECT, state: 's1', code_challenge: challenge, code_challenge_method: 'S256' };

    // Act: the operator's own front end reads the request, then approves it
    const described = await h.request('GET', `/v1/oauth/authorize?${new URLSearchParams(query)}`, { cookie: bob.cookie, headers: { Accept: 'application/json' } });
    const callback = await h.approve(bob, query);
    const params = oauth.validateAuthResponse(as, tool, callback, 's1');
    const token = await oauth.processAuthorizationCodeResponse(as, tool, await oauth.authorizationCodeGrantRequest(as, tool, oauth.None(), params, REDIRECT, verifier, INSECURE));
    const before = await h.request('DELETE', '/v1/scores/1', { key: token.access_token, origin: null });
    await oauth.processRevocationResponse(await oauth.revocationRequest(as, tool, oauth.None(), token.access_token, INSECURE));
    const unknown = await oauth.revocationRequest(as, tool, oauth.None(), 'user_key_not-a-key', INSECURE);

    // Assess
    expect(described.body).toEqual({
      client: { id: registered.id, name: 'Browser Tool' },
      user: { id: bob.userId, email: bob.email },
      redirectUri: REDIRECT,
      state: 's1',
      permissions: [{ name: 'delete_score', description: 'requests that delete scores' }],
    });
    expect(before.status).toBe(200);
    expect((await h.request('DELETE', '/v1/scores/1', { key: token.access_token, origin: null })).status).toBe(401);
    expect(unknown.status).toBe(200);
  });
});

describe('OAuth: the hosted login form', () => {
  it('keeps login rules: a wrong password re-renders the form, the lockout answers 429, a foreign Origin is refused', async () => {
    // Prepare
    const tool = await h.registerClient(h.owner, { name: 'Form Tool', redirectUris: [REDIRECT], permissions: ['submit_score'] });
    const dave = await h.user();
    const page = await h.request('GET', `/v1/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: tool.id, redirect_uri: REDIRECT, code_challenge: CHALLENGE, code_challenge_method: 'S256' })}`);
    const fields = formFields(page.text);
    const post = (password: string, origin: string = h.base) => h.request('POST', '/v1/oauth/authorize', { origin, form: { ...fields, email: dave.email, password } });

    // Act
    const foreign = await post(dave.password, 'https://evil.example');
    const wrong = await post('not the password');
    for (let i = 0; i < 4; i++) await post('not the password');
    const locked = await post(dave.password);

    // Assess
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('set-cookie')).toBeNull();
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect(wrong.text).toContain('E-mail or password is wrong.');
    expect(wrong.text).toContain(`value="${dave.email}"`);
    expect(formFields(wrong.text)).toEqual(fields);
    expect(locked.status).toBe(429);
    expect(locked.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(locked.text).toMatch(/Too many failed logins; try again in \d+ minutes\./);
  });
});

describe('OAuth: "Not you?" on the consent page', () => {
  const consentQuery = (clientId: string) => new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, state: 'same', code_challenge: CHALLENGE, code_challenge_method: 'S256' });

  it('signs out and comes back to the same authorization request, which asks to sign in; another account then sees the consent page', async () => {
    // Prepare: frank is signed in on the consent page; grace is the one who should answer
    const tool = await h.registerClient(h.owner, { name: 'Switch Tool', redirectUris: [REDIRECT], permissions: ['submit_score'] });
    const frank = await h.user();
    const grace = await h.user();
    const query = consentQuery(tool.id);
    const consent = await h.request('GET', `/v1/oauth/authorize?${query}`, { cookie: frank.cookie });
    expect(consent.text).toContain(`<strong>${frank.email}</strong>`);
    expect(consent.text).toContain('<p>Not you?</p>');
    expect(consent.text).toContain('<button type="submit" name="decision" value="switch" class="secondary">Sign out and use another account</button>');

    // Act: "Not you?" from the page's own origin
    const switched = await h.request('POST', '/v1/oauth/authorize', { cookie: frank.cookie, origin: h.base, form: formFields(consent.text, 'switch') });

    // Assess: back to the same request without the cookie, frank's session ended (audited as a logout), nothing issued
    expect(switched.status).toBe(303);
    expect(switched.headers.get('set-cookie')).toMatch(/^keygate_session=; .*Max-Age=0$/);
    const back = new URL(switched.headers.get('location')!, `${h.base}/v1/oauth/`);
    expect(back.href).toBe(`${h.base}/v1/oauth/authorize?${query}`);
    expect((await h.request('GET', '/v1/auth/me', { cookie: frank.cookie })).status).toBe(401);
    const login = await h.request('GET', back.href);
    expect(login.text).toContain('Sign in to continue to Switch Tool');
    expect(formFields(login.text)).toEqual({ ...Object.fromEntries(query), decision: 'login' });
    const signedIn = await h.request('POST', '/v1/oauth/authorize', { origin: h.base, form: { ...formFields(login.text), email: grace.email, password: grace.password } });
    const graceCookie = /keygate_session=([^;]+);/.exec(signedIn.headers.get('set-cookie') ?? '')![1]!;
    const again = await h.request('GET', new URL(signedIn.headers.get('location')!, back).href, { cookie: graceCookie });
    expect(again.text).toContain(`<strong>${grace.email}</strong>`);
    const { records } = await h.accounts.listAudit(frank.userId, 5);
    expect(records[0]).toMatchObject({ action: 'logout', actorId: frank.userId, authMethod: 'session' });
    expect((await h.request('GET', '/v1/keys', { cookie: graceCookie })).body.keys).toEqual([]);
  });

  it('refuses "Not you?" from another site, and keeps the session', async () => {
    const tool = await h.registerClient(h.owner, { name: 'Switch Tool 2', redirectUris: [REDIRECT], permissions: ['submit_score'] });
    const henry = await h.user();
    const consent = await h.request('GET', `/v1/oauth/authorize?${consentQuery(tool.id)}`, { cookie: henry.cookie });
    const foreign = await h.request('POST', '/v1/oauth/authorize', { cookie: henry.cookie, origin: 'https://evil.example', form: formFields(consent.text, 'switch') });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('set-cookie')).toBeNull();
    expect(foreign.text).toContain('This page was submitted from another site; start again from the application.');
    expect((await h.request('GET', '/v1/auth/me', { cookie: henry.cookie })).status).toBe(200);
  });

  it('refuses "Not you?" without an Origin, sends nowhere for an unregistered redirect URI, and ends nothing on a GET', async () => {
    // Prepare
    const tool = await h.registerClient(h.owner, { name: 'Switch Tool 4', redirectUris: [REDIRECT], permissions: ['submit_score'] });
    const ida = await h.user();
    const fields = { ...Object.fromEntries(consentQuery(tool.id)), decision: 'switch' };
    // Act
    const noOrigin = await h.request('POST', '/v1/oauth/authorize', { cookie: ida.cookie, origin: null, form: fields });
    const elsewhere = await h.request('POST', '/v1/oauth/authorize', { cookie: ida.cookie, origin: h.base, form: { ...fields, redirect_uri: 'https://evil.example/cb' } });
    const asGet = await h.request('GET', `/v1/oauth/authorize?${new URLSearchParams(fields)}`, { cookie: ida.cookie });
    // Assess: no redirect anywhere, no cookie cleared, the session alive
    expect(noOrigin.status).toBe(403);
    expect(elsewhere.status).toBe(400);
    for (const res of [noOrigin, elsewhere, asGet]) {
      expect(res.headers.get('location')).toBeNull();
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    expect(asGet.text).toContain(`<strong>${ida.email}</strong>`);
    expect((await h.request('GET', '/v1/auth/me', { cookie: ida.cookie })).status).toBe(200);
  });

  it('without a session (already signed out elsewhere) still clears the cookie and goes back to the request', async () => {
    const tool = await h.registerClient(h.owner, { name: 'Switch Tool 3', redirectUris: [REDIRECT], permissions: ['submit_score'] });
    const res = await h.request('POST', '/v1/oauth/authorize', { origin: h.base, form: { ...Object.fromEntries(consentQuery(tool.id)), decision: 'switch' } });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`authorize?${consentQuery(tool.id)}`);
    expect(res.headers.get('set-cookie')).toMatch(/Max-Age=0$/);
  });
});

describe('OAuth: every error on the hosted pages is a sentence in sentence case', () => {
  it('says each refusal as a sentence: unknown client, unregistered redirect URI, a missing field, a wrong password, a lockout, a foreign form, an ended session', async () => {
    const tool = await h.registerClient(h.owner, { name: 'Sentence Tool', redirectUris: [REDIRECT], permissions: ['submit_score'] });
    const ivy = await h.user();
    const good = { response_type: 'code', client_id: tool.id, redirect_uri: REDIRECT, code_challenge: CHALLENGE, code_challenge_method: 'S256' };
    const form = (values: Record<string, string>, origin: string = h.base) => h.request('POST', '/v1/oauth/authorize', { origin, form: values });
    const pages = {
      unknownClient: await h.request('GET', `/v1/oauth/authorize?${new URLSearchParams({ ...good, client_id: 'AAAAAAAAAAAA' })}`),
      noClientId: await h.request('GET', `/v1/oauth/authorize?${new URLSearchParams({ redirect_uri: REDIRECT })}`),
      twoRedirects: await h.request('GET', `/v1/oauth/authorize?${new URLSearchParams(good)}&redirect_uri=${encodeURIComponent(REDIRECT)}`),
      unregistered: await h.request('GET', `/v1/oauth/authorize?${new URLSearchParams({ ...good, redirect_uri: 'https://evil.example/cb' })}`),
      missingPassword: await form({ ...good, decision: 'login', email: ivy.email }),
      wrongPassword: await form({ ...good, decision: 'login', email: ivy.email, password: 'not it' }),
      foreign: await form({ ...good, decision: 'login', email: ivy.email, password: ivy.password }, 'https://evil.example'),
      noSession: await form({ ...good, decision: 'approve' }),
    };
    for (let i = 0; i < 5; i++) await form({ ...good, decision: 'login', email: ivy.email, password: 'not it' });
    const locked = await form({ ...good, decision: 'login', email: ivy.email, password: ivy.password });

    const errors = Object.fromEntries(Object.entries({ ...pages, locked }).map(([name, page]) => [name, /<p class="error" role="alert">([^<]*)<\/p>/.exec(page.text)?.[1]]));
    expect(errors).toEqual({
      unknownClient: 'There is no client with this client_id.',
      noClientId: 'The client_id is missing.',
      twoRedirects: 'The redirect_uri is given more than once.',
      unregistered: 'The redirect_uri is not registered for this client.',
      missingPassword: 'Enter your e-mail and password.',
      wrongPassword: 'E-mail or password is wrong.',
      foreign: 'This page was submitted from another site; start again from the application.',
      noSession: 'Your session has ended; sign in again.',
      locked: expect.stringMatching(/^Too many failed logins; try again in \d+ minutes\.$/),
    });
  });
});

describe('OAuth: refusals', () => {
  let confidential: { id: string; secret?: string };
  let publicClient: { id: string };
  let alice: Awaited<ReturnType<OAuthHarness['user']>>;

  beforeAll(async () => {
    confidential = await h.registerClient(h.owner, { name: 'Confidential', redirectUris: [REDIRECT], permissions: ['submit_score'] });
    publicClient = await h.registerClient(h.owner, { name: 'Public', redirectUris: [REDIRECT], permissions: ['submit_score'], public: true });
    alice = await h.user();
  });

  const exchange = (clientId: string, code: string, extra: Record<string, string> = {}, headers: Record<string, string> = {}) =>
    h.token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: clientId, code_verifier: VERIFIER, ...extra }, headers);

  it('never redirects an unknown client or an unregistered redirect URI, in the page or in JSON', async () => {
    const unknown = await h.request('GET', `/v1/oauth/authorize?response_type=code&client_id=AAAAAAAAAAAA&redirect_uri=${encodeURIComponent(REDIRECT)}`);
    const mismatch = await h.request('GET', `/v1/oauth/authorize?response_type=code&client_id=${confidential.id}&redirect_uri=${encodeURIComponent('http://127.0.0.1:8765/other')}`);
    const json = await h.request('GET', `/v1/oauth/authorize?response_type=code&client_id=${confidential.id}&redirect_uri=${encodeURIComponent('https://evil.example/cb')}`, {
      cookie: alice.cookie,
      headers: { Accept: 'application/json' },
    });
    expect(unknown).toMatchObject({ status: 400 });
    expect(unknown.headers.get('location')).toBeNull();
    expect(unknown.text).toContain('There is no client with this client_id.');
    expect(mismatch.status).toBe(400);
    expect(mismatch.text).toContain('The redirect_uri is not registered for this client.');
    expect(json.status).toBe(400);
    expect(json.body).toMatchObject({ error_code: 'validation', error_message: 'redirect_uri is not registered for this client' });
  });

  it.each([
    ['a scope wider than the client', { scope: 'submit_score delete_score' }, 'invalid_scope'],
    ['a public client without PKCE', { client: 'public', pkce: 'none' }, 'invalid_request'],
    ['a confidential client without PKCE (required of every client)', { pkce: 'none' }, 'invalid_request'],
    ["PKCE 'plain'", { code_challenge: 'x'.repeat(43), code_challenge_method: 'plain' }, 'invalid_request'],
    ['response_type token', { response_type: 'token' }, 'unsupported_response_type'],
  ])('sends %s back to the redirect URI as an error with the state', async (_name, change, error) => {
    const { client: which, pkce: without, ...params } = change as Record<string, string>;
    const challenge = without === 'none' ? {} : { code_challenge: CHALLENGE, code_challenge_method: 'S256' };
    const query = { response_type: 'code', client_id: which === 'public' ? publicClient.id : confidential.id, redirect_uri: REDIRECT, state: 'st', ...challenge, ...params };
    const res = await h.request('GET', `/v1/oauth/authorize?${new URLSearchParams(query)}`);
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get('location')!);
    expect([to.origin + to.pathname, to.searchParams.get('error'), to.searchParams.get('state'), to.searchParams.get('iss')]).toEqual([REDIRECT, error, 'st', h.base]);
  });

  it('redirects a denial as access_denied with the state, and issues nothing', async () => {
    const to = await h.approve(alice, { client_id: confidential.id, redirect_uri: REDIRECT, state: 'no', code_challenge: CHALLENGE, code_challenge_method: 'S256' }, 'deny');
    expect([to.searchParams.get('error'), to.searchParams.get('state'), to.searchParams.get('code'), to.searchParams.get('iss')]).toEqual(['access_denied', 'no', null, h.base]);
  });

  it('refuses the decision without a session, with an API key, or from a foreign Origin', async () => {
    const key = (await h.request('POST', '/v1/keys', { cookie: alice.cookie, json: { name: 'k', permissions: ['submit_score'] } })).body.key as string;
    const body = { decision: 'approve', response_type: 'code', client_id: confidential.id, redirect_uri: REDIRECT, code_challenge: CHALLENGE, code_challenge_method: 'S256' };
    expect((await h.request('POST', '/v1/oauth/authorize', { json: body })).status).toBe(401);
    expect((await h.request('POST', '/v1/oauth/authorize', { key, json: body })).status).toBe(401);
    expect((await h.request('POST', '/v1/oauth/authorize', { cookie: alice.cookie, origin: 'https://evil.example', json: body })).body).toMatchObject({ error_code: 'csrf_rejected' });
    expect((await h.request('POST', '/v1/oauth/authorize', { cookie: alice.cookie, origin: null, json: body })).status).toBe(403);
    const form = await h.request('POST', '/v1/oauth/authorize', { cookie: alice.cookie, origin: 'https://evil.example', form: { ...body, decision: 'approve' } });
    expect(form.status).toBe(403);
    expect(form.headers.get('location')).toBeNull();
  });

  it('takes no approval from a session that a password change ended', async () => {
    // Prepare: two sessions; the password is changed from the second
    const erin = await h.user();
    const second = await h.request('POST', '/v1/auth/login', { json: { email: erin.email, password: erin.password } });
    const secondCookie = /keygate_session=([^;]+);/.exec(second.headers.get('set-cookie') ?? '')![1]!;
    const changed = await h.request('POST', '/v1/users/me/password', { cookie: secondCookie, json: { currentPassword: erin.password, newPassword: 'a brand new passphrase' } });
    expect(changed.status).toBe(204);

    // Act
    const res = await h.request('POST', '/v1/oauth/authorize', { cookie: erin.cookie, json: { decision: 'approve', response_type: 'code', client_id: confidential.id, redirect_uri: REDIRECT, code_challenge: CHALLENGE, code_challenge_method: 'S256' } });

    // Assess
    expect(res.status).toBe(401);
  });

  it('refuses a wrong or absent PKCE verifier, from a confidential client too', async () => {
    const wrong = await exchange(publicClient.id, await codeFor(alice, publicClient.id), { code_verifier: (await pkce()).verifier });
    const absent = await h.token({ grant_type: 'authorization_code', code: await codeFor(alice, publicClient.id), redirect_uri: REDIRECT, client_id: publicClient.id });
    const confidentialAbsent = await h.token({ grant_type: 'authorization_code', code: await codeFor(alice, confidential.id), redirect_uri: REDIRECT, client_id: confidential.id, client_secret: confidential.secret! });
    for (const res of [wrong, absent, confidentialAbsent]) expect([res.status, res.body.error]).toEqual([400, 'invalid_grant']);
    expect(wrong.body.error_description).toBe('code_verifier does not match the code_challenge');
    expect(absent.body.error_description).toContain('code_verifier is missing');
    expect(confidentialAbsent.body.error_description).toContain('code_verifier is missing');
  });

  it('takes a registered loopback redirect URI on any port (RFC 8252 §7.3), and holds the code to the port it was issued for', async () => {
    // Prepare: REDIRECT is registered with port 8765; a native app got port 51234 from its OS
    const otherPort = 'http://127.0.0.1:51234/callback';
    const code = await codeFor(alice, confidential.id, { redirect_uri: otherPort });
    const elsewhere = await h.request('GET', `/v1/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: confidential.id, redirect_uri: 'http://127.0.0.1:51234/other' })}`);
    // Act
    const wrongPort = await exchange(confidential.id, code, { client_secret: confidential.secret!, redirect_uri: REDIRECT });
    const token = await exchange(confidential.id, await codeFor(alice, confidential.id, { redirect_uri: otherPort }), { client_secret: confidential.secret!, redirect_uri: otherPort });
    // Assess
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.headers.get('location')).toBeNull();
    expect(wrongPort.body).toEqual({ error: 'invalid_grant', error_description: 'redirect_uri differs from the one of the authorization request' });
    expect(token.status).toBe(200);
    expect((await scoreWith(token.body.access_token)).status).toBe(200);
  });

  it('lets only one of two concurrent exchanges of a code win, and revokes the key it gave', async () => {
    // Prepare
    const code = await codeFor(alice, confidential.id);
    const form = { client_secret: confidential.secret! };

    // Act: both at once; the code is marked used in the transaction that creates the key
    const answers = await Promise.all([exchange(confidential.id, code, form), exchange(confidential.id, code, form)]);

    // Assess
    const won = answers.filter((a) => a.status === 200);
    const lost = answers.filter((a) => a.status !== 200);
    expect([won.length, lost.length]).toEqual([1, 1]);
    expect(lost[0]!.body).toEqual({ error: 'invalid_grant', error_description: 'code was already used; the key issued for it is now revoked' });
    expect((await scoreWith(won[0]!.body.access_token)).status).toBe(401);
  });

  it('refuses an expired code, a redirect URI that differs at the token endpoint, and a code of another client', async () => {
    const secret = { client_secret: confidential.secret! };
    const expiring = await codeFor(alice, confidential.id);
    h.skew = 5 * 60 * 1000 + 1;
    const expired = await exchange(confidential.id, expiring, secret);
    h.skew = 0;
    const otherUri = await exchange(confidential.id, await codeFor(alice, confidential.id), { ...secret, redirect_uri: 'http://127.0.0.1:8765/other' });
    const stolen = await exchange(confidential.id, await codeFor(alice, publicClient.id), secret);
    expect(expired.body).toEqual({ error: 'invalid_grant', error_description: 'code has expired' });
    expect(otherUri.body).toEqual({ error: 'invalid_grant', error_description: 'redirect_uri differs from the one of the authorization request' });
    expect(stolen.body).toEqual({ error: 'invalid_grant', error_description: 'code was issued to another client' });
  });

  it('refuses a wrong client secret with 401 and Basic, and a secret from a public client, but never locks the client out', async () => {
    const guessed = await h.registerClient(h.owner, { name: 'Guessed', redirectUris: [REDIRECT], permissions: ['submit_score'] });
    const wrong = await exchange(confidential.id, await codeFor(alice, confidential.id), {}, basic(confidential.id, confidential.secret!.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a'))));
    const noSecret = await exchange(confidential.id, 'code_x');
    const publicWithSecret = await exchange(publicClient.id, 'code_x', { client_secret: confidential.secret! });
    expect([wrong.status, wrong.body.error, wrong.headers.get('www-authenticate')]).toEqual([401, 'invalid_client', 'Basic realm="keygate", charset="UTF-8"']);
    expect([noSecret.status, noSecret.body.error]).toEqual([401, 'invalid_client']);
    expect([publicWithSecret.status, publicWithSecret.body.error]).toEqual([401, 'invalid_client']);
    // anyone can send wrong secrets for a client id (it is public): past the login limit, the right secret still works
    for (let i = 0; i < 7; i++) expect((await exchange(guessed.id, 'code_x', { client_secret: 'client_secret_wrong' })).status).toBe(401);
    const right = await exchange(guessed.id, await codeFor(alice, guessed.id), { client_secret: guessed.secret! });
    const revoked = await h.request('POST', '/v1/oauth/revoke', { form: { token: right.body.access_token, client_id: guessed.id, client_secret: guessed.secret! }, origin: null });
    expect(right.status).toBe(200);
    expect(revoked.status).toBe(200);
    expect((await scoreWith(right.body.access_token)).status).toBe(401);
  });

  it('refuses a code once its client is deleted, or once its user is disabled', async () => {
    const doomed = await h.registerClient(h.owner, { name: 'Doomed', redirectUris: [REDIRECT], permissions: ['submit_score'] });
    const code = await codeFor(alice, doomed.id);
    expect((await h.request('DELETE', `/v1/clients/${doomed.id}`, { cookie: h.owner.cookie })).status).toBe(204);
    const afterDelete = await exchange(doomed.id, code, { client_secret: doomed.secret! });
    const carol = await h.user();
    const carolsCode = await codeFor(carol, confidential.id);
    await h.accounts.setDisabled(carol.userId, true);
    const disabled = await exchange(confidential.id, carolsCode, { client_secret: confidential.secret! });
    expect([afterDelete.status, afterDelete.body.error]).toEqual([401, 'invalid_client']);
    expect(disabled.body).toEqual({ error: 'invalid_grant', error_description: 'the account that approved this code is disabled' });
  });

  it('answers RFC 6749 errors for a bad grant type, a client without redirect URIs, and a body that is not a form', async () => {
    const fileOnly = await h.registerClient(h.owner, { name: 'File only', permissions: ['submit_score'], apiKeyFilename: 'k.txt', apiKeyTemplate: '%%KEYGATE_KEY%%' });
    const grant = await h.token({ grant_type: 'client_credentials', client_id: confidential.id, client_secret: confidential.secret! });
    const noRedirect = await h.token({ grant_type: 'authorization_code', code: 'x', redirect_uri: REDIRECT, client_id: fileOnly.id, client_secret: fileOnly.secret! });
    const asJson = await h.request('POST', '/v1/oauth/token', { json: { grant_type: 'authorization_code' }, origin: null });
    expect(grant.body.error).toBe('unsupported_grant_type');
    expect(noRedirect.body.error).toBe('unauthorized_client');
    expect([asJson.status, asJson.body.error]).toEqual([400, 'invalid_request']);
  });
});

describe('OAuth: CORS (RFC 9700: on token and revocation, never on authorize)', () => {
  const TOOL_ORIGIN = 'https://browser-tool.example';
  let confidential: { id: string; secret?: string };
  let publicClient: { id: string };
  let frank: Awaited<ReturnType<OAuthHarness['user']>>;

  beforeAll(async () => {
    confidential = await h.registerClient(h.owner, { name: 'CORS confidential', redirectUris: [REDIRECT], permissions: ['submit_score'] });
    publicClient = await h.registerClient(h.owner, { name: 'CORS public', redirectUris: [REDIRECT], permissions: ['submit_score'], public: true });
    frank = await h.user();
  });

  const tokenFrom = (origin: string, form: Record<string, string>) =>
    h.request('POST', '/v1/oauth/token', { origin, form: { grant_type: 'authorization_code', redirect_uri: REDIRECT, code_verifier: VERIFIER, ...form } });
  const cors = (res: { headers: Headers }) => [res.headers.get('access-control-allow-origin'), res.headers.get('access-control-allow-credentials')];

  it('lets a script on any origin read a public client’s token and revocation answers, and any error, without credentials', async () => {
    // Act
    const token = await tokenFrom(TOOL_ORIGIN, { code: await codeFor(frank, publicClient.id), client_id: publicClient.id });
    const revoked = await h.request('POST', '/v1/oauth/revoke', { origin: TOOL_ORIGIN, form: { token: token.body.access_token, client_id: publicClient.id } });
    const refused = await tokenFrom(TOOL_ORIGIN, { code: 'code_x', client_id: publicClient.id });
    const wrongSecret = await tokenFrom(TOOL_ORIGIN, { code: 'code_x', client_id: confidential.id, client_secret: 'client_secret_wrong' });
    // Assess
    expect([token.status, ...cors(token)]).toEqual([200, '*', null]);
    expect([revoked.status, ...cors(revoked)]).toEqual([200, '*', null]);
    expect([refused.status, ...cors(refused)]).toEqual([400, '*', null]);
    expect([wrongSecret.status, ...cors(wrongSecret)]).toEqual([401, '*', null]);
  });

  it('gives a confidential client’s token to another origin no CORS, and an allowed origin its own name with credentials', async () => {
    // Act
    const foreign = await tokenFrom(TOOL_ORIGIN, { code: await codeFor(frank, confidential.id), client_id: confidential.id, client_secret: confidential.secret! });
    const allowed = await tokenFrom(ORIGIN, { code: await codeFor(frank, confidential.id), client_id: confidential.id, client_secret: confidential.secret! });
    // Assess
    expect([foreign.status, ...cors(foreign)]).toEqual([200, null, null]);
    expect([allowed.status, ...cors(allowed)]).toEqual([200, ORIGIN, 'true']);
  });

  it('never answers CORS on authorize, not even to an allowed origin (other routes do)', async () => {
    // Prepare
    const query = { response_type: 'code', client_id: publicClient.id, redirect_uri: REDIRECT, code_challenge: CHALLENGE, code_challenge_method: 'S256' };
    // Act
    const described = await h.request('GET', `/v1/oauth/authorize?${new URLSearchParams(query)}`, { cookie: frank.cookie, headers: { Accept: 'application/json', Origin: ORIGIN } });
    const decided = await h.request('POST', '/v1/oauth/authorize', { cookie: frank.cookie, origin: ORIGIN, json: { ...query, decision: 'approve' } });
    const refused = await h.request('POST', '/v1/oauth/authorize', { cookie: frank.cookie, origin: ORIGIN, json: { ...query, decision: 'maybe' } });
    const keys = await h.request('GET', '/v1/keys', { cookie: frank.cookie, headers: { Origin: ORIGIN } });
    // Assess
    expect([described.status, ...cors(described)]).toEqual([200, null, null]);
    expect([decided.status, ...cors(decided)]).toEqual([200, null, null]);
    expect([refused.status, ...cors(refused)]).toEqual([400, null, null]);
    expect([keys.status, ...cors(keys)]).toEqual([200, ORIGIN, 'true']);
  });
});
