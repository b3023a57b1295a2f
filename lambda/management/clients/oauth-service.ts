/**
 * OAuth 2.0 authorization code grant with PKCE (RFC 6749 §4.1, RFC 7636),
 * token revocation (RFC 7009) and server metadata (RFC 8414).
 *
 * The access token is an ordinary keygate user key: no refresh token, no
 * expiry unless the key is revoked (docs/design.md says why).
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { checkAuthorizationRequest, type AuthorizationCheck, type AuthorizationParams, type AuthorizationRequest, type ClientRules } from '../../core/authorization-request';
import { extractCredential, headerValues } from '../../core/credentials';
import { originPasses } from '../../core/decision';
import { CLIENT_SECRET_PREFIX, CODE_PREFIX, generateSecretToken, parseBasicAuth, parseSecretToken, pkceMatches, secretTokenMatches, withQuery } from '../../core/oauth';
import { credentialRefusal } from '../../core/credential-rule';
import { ID_PATTERN, parseToken, verifySecret } from '../../core/token';
import { keyGrantable } from '../../core/catalog';
import { IssueRefusedError, type ClientRecord, type CodeRecord, type UserRecord } from '../../store/port';
import { OAuthError } from '../../shared/errors';
import type { Actor } from '../audit';
import { grantablePermissions, grantRevocation, issueKey, usableClient } from './client-service';
import type { ManagementDeps } from '../deps';
import { clientAuthFailed } from '../login-telemetry';
import { afterGrantsRevoked } from '../usage-keys';

/** RFC 6749 §4.1.2: "A maximum authorization code lifetime of 10 minutes is RECOMMENDED"; keygate's is 5. */
export const CODE_LIFETIME_MS = 5 * 60 * 1000;


// ---- errors of the token and revocation endpoints (RFC 6749 §5.2)

// ---- the authorization request

/** The client as the authorization rules see it (`client` passed `usableClient`, or is undefined). */
function clientRules(deps: ManagementDeps, client: ClientRecord | undefined): ClientRules | undefined {
  if (!client) return undefined;
  return { clientId: client.clientId, redirectUris: client.redirectUris, permissions: grantablePermissions(deps, client) };
}

/** A checked authorization request: valid (with its client), or what to answer instead. */
export type LoadedAuthorization =
  | { readonly kind: 'valid'; readonly request: AuthorizationRequest; readonly client: ClientRecord }
  | AuthorizationRefusal;

export type AuthorizationRefusal = Exclude<AuthorizationCheck, { kind: 'valid' }>;

export async function loadAuthorization(deps: ManagementDeps, params: AuthorizationParams): Promise<LoadedAuthorization> {
  const clientId = params.values.client_id;
  const client = clientId !== undefined && ID_PATTERN.test(clientId) && !params.repeated.has('client_id') ? await usableClient(deps, clientId) : undefined;
  const check = checkAuthorizationRequest(params, clientRules(deps, client));
  // A valid check found the client (it names it), so `client` is there.
  return check.kind === 'valid' ? { kind: 'valid', request: check.request, client: client! } : check;
}

/** The query string's parameters, noting those given more than once (RFC 6749 §3.1: they must not be). */
export function queryParams(event: APIGatewayProxyEvent): AuthorizationParams {
  const multi = event.multiValueQueryStringParameters ?? {};
  const single = event.queryStringParameters ?? {};
  const values: Record<string, string | undefined> = {};
  const repeated = new Set<string>();
  for (const name of new Set([...Object.keys(multi), ...Object.keys(single)])) {
    const all = multi[name] ?? (single[name] !== undefined ? [single[name]] : []);
    if (all.length > 1) repeated.add(name);
    values[name] = all[0];
  }
  return { values, repeated };
}

/** Form fields (`application/x-www-form-urlencoded`) the same way. */
export function formParams(body: string): AuthorizationParams {
  const values: Record<string, string | undefined> = {};
  const repeated = new Set<string>();
  for (const [name, value] of new URLSearchParams(body)) {
    if (name in values) repeated.add(name);
    else values[name] = value;
  }
  return { values, repeated };
}

export interface SessionUser {
  readonly user: UserRecord;
  readonly sessionId: string;
}

/**
 * The logged-in person, from the session cookie alone: the authorize routes
 * are public at the gateway and check the session themselves, like login.
 * An API key never approves anything (a key must not mint keys), so a
 * request with an Authorization header has no session here.
 */
export async function sessionUser(deps: ManagementDeps, event: APIGatewayProxyEvent): Promise<SessionUser | undefined> {
  const credential = extractCredential(event.headers, event.multiValueHeaders, deps.config.cookieName);
  if (credential.source !== 'cookie') return undefined;
  const parsed = parseToken(credential.value, ['session'], deps.config.prefixes);
  if (!parsed.ok) return undefined;
  const { credential: session, user: state } = await deps.credentials.lookup(parsed.token);
  // The one credential rule of the authorizer: secret, kind, disabled owner, password changed, revoked, expired.
  if (credentialRefusal(parsed.token, session, state, deps.now()) !== undefined) return undefined;
  const user = await deps.accounts.getUser(parsed.token.userId);
  if (!user || user.disabled) return undefined;
  return { user, sessionId: parsed.token.id };
}

/**
 * The Origin rule for a POST made with the session cookie: an allowed origin
 * (the operator's front end) or the page's own origin (the hosted form).
 * `missingOk` is login's rule: scripts send no Origin and cannot be tricked.
 */
export function originAllowed(deps: ManagementDeps, event: APIGatewayProxyEvent, missingOk: boolean): boolean {
  return originPasses(headerValues('origin', event.headers, event.multiValueHeaders)[0], deps.config.allowedOrigins, missingOk, ownOrigin(event));
}

/**
 * Where this API is served, as the browser sees it. API Gateway always sets
 * `X-Forwarded-Proto` (https); without it the request did not come through
 * API Gateway (the local runner), which serves plain http.
 */
export function ownOrigin(event: APIGatewayProxyEvent): string | undefined {
  const host = headerValues('host', event.headers, event.multiValueHeaders)[0];
  if (host === undefined) return undefined;
  const proto = headerValues('x-forwarded-proto', event.headers, event.multiValueHeaders)[0] ?? 'http';
  return `${proto}://${host}`;
}

/**
 * Every authorization response, code and error alike, names the issuer in
 * `iss` (RFC 9207, RFC 9700 §4.4: a client talking to several servers can
 * tell which one answered, against mix-up attacks); the metadata says so.
 */

/** Approves a checked request: a single-use code bound to client, redirect URI, user, permissions and PKCE challenge. */
export async function approve(deps: ManagementDeps, request: AuthorizationRequest, user: UserRecord, issuer: string): Promise<string> {
  const code = generateSecretToken(CODE_PREFIX);
  const now = deps.now();
  await deps.clients.createCode({
    codeId: code.id,
    secretHash: code.secretHash,
    clientId: request.clientId,
    userId: user.userId,
    redirectUri: request.redirectUri,
    permissions: request.permissions,
    createdAt: now,
    expiresAt: now + CODE_LIFETIME_MS,
    codeChallenge: request.codeChallenge,
  });
  return withQuery(request.redirectUri, { code: code.value, state: request.state, iss: issuer });
}

export function denied(request: AuthorizationRequest, issuer: string): string {
  return withQuery(request.redirectUri, { error: 'access_denied', error_description: 'the user denied the request', state: request.state, iss: issuer });
}

export function errorRedirect(check: Extract<AuthorizationRefusal, { kind: 'error' }>, issuer: string): string {
  return withQuery(check.redirectUri, { error: check.error, error_description: check.description, state: check.state, iss: issuer });
}

// ---- client authentication at the token and revocation endpoints

/**
 * `client_secret_basic`, `client_secret_post`, or `none` for a public
 * client. A wrong secret is counted (`client_auth_failed`, which an alarm
 * watches) but never locks the client out: the client id is public, so a
 * lockout would let anyone stop every user's code exchange and revocation,
 * and a ~190-bit secret cannot be guessed anyway (docs/design.md).
 */
export async function authenticateClient(deps: ManagementDeps, event: APIGatewayProxyEvent, form: AuthorizationParams): Promise<ClientRecord> {
  const header = headerValues('authorization', event.headers, event.multiValueHeaders);
  if (header.length > 1) throw new OAuthError('invalid_request', 'more than one Authorization header');
  const basic = parseBasicAuth(header[0]);
  if (basic === 'malformed') throw new OAuthError('invalid_client', 'the Authorization header is not valid Basic client authentication');
  if (header.length === 1 && basic === undefined) throw new OAuthError('invalid_client', 'client authentication has to use the Basic scheme');
  const { client_id: bodyId, client_secret: bodySecret } = form.values;
  if (basic && bodySecret !== undefined) throw new OAuthError('invalid_request', 'use one client authentication method, not both Basic and client_secret');
  if (basic && bodyId !== undefined && bodyId !== basic.clientId) throw new OAuthError('invalid_request', 'client_id differs from the client authenticated with Basic');
  const clientId = basic?.clientId ?? bodyId;
  const secret = basic?.secret ?? bodySecret;
  if (!clientId) throw new OAuthError('invalid_client', 'client authentication is missing: send client_id (and the secret of a confidential client)');
  const client = ID_PATTERN.test(clientId) ? await usableClient(deps, clientId) : undefined;
  if (!client) throw new OAuthError('invalid_client', 'client is not known');

  if (secret === undefined) {
    if (!client.isPublic) throw new OAuthError('invalid_client', 'this client is confidential: it has to authenticate with its secret');
    return client;
  }
  if (client.isPublic) throw new OAuthError('invalid_client', 'a public client has no secret; send client_id alone and prove the code with PKCE');
  const parsed = parseSecretToken(secret, CLIENT_SECRET_PREFIX);
  if (!parsed || parsed.id !== client.clientId || !secretTokenMatches(parsed, client.secretHash)) {
    clientAuthFailed();
    throw new OAuthError('invalid_client', 'client secret is wrong');
  }
  return client;
}

// ---- the token endpoint

export interface IssuedToken {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly scope: string;
}

/** `grant_type=authorization_code`: checks the code against everything it is bound to, then issues the key once (and says to which client). */
export async function exchangeCode(deps: ManagementDeps, event: APIGatewayProxyEvent, form: AuthorizationParams): Promise<{ readonly token: IssuedToken; readonly client: ClientRecord }> {
  const { values, repeated } = form;
  if (repeated.size > 0) throw new OAuthError('invalid_request', `${[...repeated].join(', ')} given more than once`);
  if (values.grant_type === undefined) throw new OAuthError('invalid_request', 'grant_type is missing');
  const client = await authenticateClient(deps, event, form);
  if (values.grant_type !== 'authorization_code') throw new OAuthError('unsupported_grant_type', "only grant_type 'authorization_code' is supported");
  if (client.redirectUris.length === 0) throw new OAuthError('unauthorized_client', 'this client has no redirect URI, so it cannot use the authorization code grant');
  if (!values.code) throw new OAuthError('invalid_request', 'code is missing');
  if (!values.redirect_uri) throw new OAuthError('invalid_request', 'redirect_uri is missing');

  const parsed = parseSecretToken(values.code, CODE_PREFIX);
  const code = parsed ? await deps.clients.getCode(parsed.id) : undefined;
  if (!parsed || !code || !secretTokenMatches(parsed, code.secretHash)) throw new OAuthError('invalid_grant', 'code is not known');
  if (code.usedAt !== undefined) throw await reused(deps, code);
  if (code.clientId !== client.clientId) throw new OAuthError('invalid_grant', 'code was issued to another client');
  if (code.expiresAt <= deps.now()) throw new OAuthError('invalid_grant', 'code has expired');
  if (values.redirect_uri !== code.redirectUri) throw new OAuthError('invalid_grant', 'redirect_uri differs from the one of the authorization request');
  const verifier = values.code_verifier;
  // Every code is issued with a challenge; one stored without (before PKCE was required of every client) is refused.
  if (code.codeChallenge === undefined) throw new OAuthError('invalid_grant', 'code was issued without PKCE; start a new authorization request');
  if (verifier === undefined) throw new OAuthError('invalid_grant', 'code_verifier is missing: the authorization request sent a code_challenge');
  if (!pkceMatches(verifier, code.codeChallenge)) throw new OAuthError('invalid_grant', 'code_verifier does not match the code_challenge');
  const user = await deps.accounts.getUser(code.userId);
  if (!user || user.disabled) throw new OAuthError('invalid_grant', 'the account that approved this code is disabled');

  const allowed = new Set(grantablePermissions(deps, client));
  const permissions = code.permissions.filter((p) => allowed.has(p));
  if (permissions.length === 0) throw new OAuthError('invalid_scope', 'the client may no longer ask for any of the approved permissions');

  const actor: Actor = { actorId: user.userId, authMethod: 'oauth' };
  try {
    const issued = await issueKey(deps, user.userId, client, permissions, code.codeId, actor);
    return { token: { access_token: issued.keyValue, token_type: 'Bearer', scope: permissions.join(' ') }, client };
  } catch (err) {
    if (!(err instanceof IssueRefusedError)) throw err;
    if (err.reason === 'client_gone') throw new OAuthError('invalid_client', 'client is not known');
    // Another exchange of the same code won the race: that is a reuse too.
    throw await reused(deps, (await deps.clients.getCode(code.codeId)) ?? code);
  }
}

/**
 * RFC 6749 §4.1.2: a code used twice is refused, and the key issued for it
 * is revoked, since either the client or an attacker holding the code is
 * not who the user approved.
 */
async function reused(deps: ManagementDeps, code: CodeRecord): Promise<OAuthError> {
  if (code.keyId !== undefined) {
    const grant = { userId: code.userId, keyId: code.keyId };
    await deps.clients.revokeGrant(code.clientId, grant, [grantRevocation({ authMethod: 'oauth' }, code.clientId, grant, 'code_reused')]);
    await afterGrantsRevoked(deps, [grant]);
  }
  return new OAuthError('invalid_grant', 'code was already used; the key issued for it is now revoked');
}

// ---- RFC 7009 revocation

/**
 * Revokes a key issued to the authenticated client. An unknown token, or one
 * issued to another client, gets the same 200 and changes nothing
 * (RFC 7009 §2.2), so the endpoint tells nobody about other clients' keys.
 */
export async function revokeToken(deps: ManagementDeps, event: APIGatewayProxyEvent, form: AuthorizationParams): Promise<ClientRecord> {
  const client = await authenticateClient(deps, event, form);
  const value = form.values.token;
  if (!value) throw new OAuthError('invalid_request', 'token is missing');
  const parsed = parseToken(value, ['user'], deps.config.prefixes);
  if (!parsed.ok) return client;
  const { credential } = await deps.credentials.lookup(parsed.token);
  if (!credential || !verifySecret(parsed.token, credential.secretHash) || credential.clientId !== client.clientId) return client;
  const grant = { userId: parsed.token.userId, keyId: parsed.token.id };
  await deps.clients.revokeGrant(client.clientId, grant, [grantRevocation({ authMethod: 'oauth' }, client.clientId, grant, 'revoked_by_client')]);
  await afterGrantsRevoked(deps, [grant]);
  return client;
}

// ---- RFC 8414 metadata

/**
 * The issuer is the API's root as this request reached it: scheme and host,
 * plus the stage on an `execute-api` host, whose URLs start with it (a custom
 * domain's do not, nor do the local runner's).
 */
export function issuerOf(event: APIGatewayProxyEvent): string {
  const origin = ownOrigin(event) ?? 'http://localhost';
  const stage = event.requestContext?.stage;
  return /\.execute-api\.[a-z0-9-]+\.amazonaws\.com(:\d+)?$/.test(origin) && stage ? `${origin}/${stage}` : origin;
}

export function serverMetadata(deps: ManagementDeps, issuer: string, basePath: string) {
  const base = issuer + basePath;
  const authMethods = ['client_secret_basic', 'client_secret_post', 'none'];
  return {
    issuer,
    authorization_endpoint: `${base}/oauth/authorize`,
    token_endpoint: `${base}/oauth/token`,
    revocation_endpoint: `${base}/oauth/revoke`,
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: authMethods,
    revocation_endpoint_auth_methods_supported: authMethods,
    scopes_supported: keyGrantable(deps.config.permissions),
    authorization_response_iss_parameter_supported: true,
  };
}
