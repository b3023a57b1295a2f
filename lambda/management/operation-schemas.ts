/**
 * What each management operation reads and answers, for the generated OpenAPI
 * document (local/openapi-document.ts, `npm run openapi`): one entry per operation of
 * MANAGEMENT_ROUTES (core/management-routes.ts), keyed by its name, made of
 * the zod schemas the handlers parse with and the views are typed by
 * (schemas.ts). A test fails when an operation has no entry here.
 *
 * Only what the operation itself can answer is listed: the generator adds
 * what the route's requirement can cause (401, 403 `missing_permission` and
 * `csrf_rejected`), the 500s and API Gateway's own answers. Imported by the
 * generator only, never by a Lambda.
 */
import { z } from 'zod';
import type { ErrorCode } from '../shared/errors';
import { pageQuery } from './pagination';
import * as c from './clients/client-schemas';
import * as s from './schemas';
import * as pl from './plan-schemas';

export interface HeaderDoc {
  readonly description: string;
  readonly type: 'string' | 'integer';
}

/** A success: its body's schema (none for 204) and notable headers. */
export interface AnswerDoc {
  readonly description: string;
  readonly body?: z.ZodType;
  /** of the body; default `application/json` */
  readonly mediaType?: string;
  /** more bodies for the same status, by media type (an HTML page, or JSON when asked for) */
  readonly alternatives?: Readonly<Record<string, z.ZodType>>;
  readonly headers?: Readonly<Record<string, HeaderDoc>>;
}

/** A refusal: the error codes it carries, in the Error body. */
export interface RefusalDoc {
  readonly codes: readonly ErrorCode[];
  /** default: what each code means */
  readonly description?: string;
  readonly headers?: Readonly<Record<string, HeaderDoc>>;
}

export interface OperationSchema {
  readonly summary: string;
  readonly description?: string;
  /** request body; optional in the document when no field is required (no body counts as `{}`) */
  readonly body?: z.ZodType;
  /** of the request body; default `application/json` */
  readonly bodyMediaType?: string;
  readonly query?: z.ZodObject;
  /** path parameters; default: any string */
  readonly params?: z.ZodObject;
  readonly responses: Readonly<Record<number, AnswerDoc | RefusalDoc>>;
}

export const isRefusal = (doc: AnswerDoc | RefusalDoc): doc is RefusalDoc => 'codes' in doc;

const ok = (description: string, body?: z.ZodType, headers?: Record<string, HeaderDoc>): AnswerDoc => ({
  description,
  ...(body ? { body } : {}),
  ...(headers ? { headers } : {}),
});
const refused = (codes: ErrorCode | readonly ErrorCode[], description?: string, headers?: Record<string, HeaderDoc>): RefusalDoc => ({
  codes: typeof codes === 'string' ? [codes] : codes,
  ...(description ? { description } : {}),
  ...(headers ? { headers } : {}),
});

const SET_COOKIE: HeaderDoc = { type: 'string', description: 'The session cookie: `HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=…`.' };
const CLEAR_COOKIE: HeaderDoc = { type: 'string', description: 'Clears the session cookie (`Max-Age=0`).' };
const RETRY_AFTER: HeaderDoc = { type: 'integer', description: 'Seconds until logins for this e-mail are counted afresh.' };

const badRequest = refused('validation');
const FORM = 'application/x-www-form-urlencoded';
const LOCATION: HeaderDoc = { type: 'string', description: 'Where the browser goes next.' };
const NO_STORE: HeaderDoc = { type: 'string', description: '`no-store`' };
const BASIC: HeaderDoc = { type: 'string', description: '`Basic realm="keygate", charset="UTF-8"`' };
/** An RFC 6749 §5.2 refusal: not the Error body, since OAuth client libraries parse this one. */
const oauthError = (description: string, headers?: Record<string, HeaderDoc>): AnswerDoc => ({ description, body: c.oauthErrorResponse, ...(headers ? { headers } : {}) });
const notFound = (what: string) => refused('not_found', `\`not_found\`: no such ${what}, or it is someone else's.`);
const params = (...names: string[]) => z.object(Object.fromEntries(names.map((n) => [n, s.id])));

export const OPERATION_SCHEMAS: Readonly<Record<string, OperationSchema>> = {
  login: {
    summary: 'Log in with e-mail and password',
    description:
      'Starts a login session and sets the session cookie. Unknown e-mail, wrong password, bot account and disabled user all get the same 401, ' +
      'in the same time. Failed logins per e-mail are counted: past the limit the answer is 429 until the window ends.',
    body: s.loginBody,
    responses: {
      200: ok('Logged in.', s.loginResponse, { 'Set-Cookie': SET_COOKIE }),
      400: badRequest,
      401: refused('unauthorized', '`unauthorized`: "e-mail or password is wrong", whatever the reason.'),
      403: refused('csrf_rejected', '`csrf_rejected`: an `Origin` that is not in the allow-list (login CSRF); requests without `Origin` (scripts) are fine.'),
      429: refused('too_many_attempts', '`too_many_attempts`: too many failed logins for this e-mail; wait `Retry-After` seconds.', { 'Retry-After': RETRY_AFTER }),
    },
  },
  verify: {
    summary: 'Say whether a key works, and if not, why',
    description: 'API Gateway cannot put a per-request message on a 401, so this tells why a key is refused, in the authorizer\'s order of checks.',
    body: s.verifyBody,
    responses: { 200: ok('The verdict.', s.verifyResponse), 400: badRequest },
  },
  logout: {
    summary: 'End the current login session',
    description: 'Deletes the session and clears the cookie. Only a session can be logged out: an API key gets 400 (revoke a key instead). The body, if any, has to be `{}`.',
    body: s.emptyBody,
    responses: { 204: ok('Logged out (also when the session was already gone).', undefined, { 'Set-Cookie': CLEAR_COOKIE }), 400: badRequest },
  },
  me: {
    summary: 'Who is calling, how, and with which permissions',
    responses: { 200: ok('The caller.', s.meResponse) },
  },
  listSessions: {
    summary: "The caller's live login sessions, newest first",
    responses: { 200: ok('The sessions.', s.sessionListResponse) },
  },
  endSession: {
    summary: 'End one of the caller\'s sessions',
    params: params('sessionId'),
    responses: {
      204: ok('Ended. Ending the current session also clears its cookie.', undefined, { 'Set-Cookie': CLEAR_COOKIE }),
      404: notFound('session'),
    },
  },
  listOwnAudit: {
    summary: "The caller's audit trail, newest first, a page at a time",
    query: pageQuery,
    responses: { 200: ok('A page of records.', s.auditPageResponse), 400: badRequest },
  },
  changePassword: {
    summary: 'Change the caller\'s password',
    description: 'Every other session of the user ends; the one that made the change goes on.',
    body: s.passwordBody,
    responses: { 204: ok('Changed.'), 400: refused('validation', '`validation`: a bad body, a wrong current password, or a new password that is too short or the same.') },
  },
  listKeys: {
    summary: "The caller's keys, a page at a time, in key-id order, without secrets",
    query: pageQuery,
    responses: { 200: ok('A page of keys.', s.keyListResponse), 400: badRequest },
  },
  createKey: {
    summary: 'Make a key',
    description: 'The key is shown in this answer only. Its permissions never change.',
    body: s.createKeyBody,
    responses: { 201: ok('The new key, with its secret.', s.newKeyResponse), 400: badRequest },
  },
  getKey: {
    summary: 'One of the caller\'s keys',
    params: params('keyId'),
    responses: { 200: ok('The key.', s.keyResponse), 404: notFound('key') },
  },
  renameKey: {
    summary: 'Rename a key',
    description: 'A `permissions` field is a 400 that says to make a new key: a key\'s permissions never change.',
    params: params('keyId'),
    body: s.renameKeyBody,
    responses: { 200: ok('The renamed key.', s.keyResponse), 400: badRequest, 404: notFound('key') },
  },
  revokeKey: {
    summary: 'Revoke a key',
    description: 'Repeating it is harmless.',
    params: params('keyId'),
    responses: { 204: ok('Revoked (or already revoked).'), 404: notFound('key') },
  },
  rotateKey: {
    summary: 'Replace a key with a new one of the same name and permissions',
    description:
      "The old key stops working at once (within the authorizer's credential cache TTL) or after the grace period; a grace period at least as long as that TTL ends exactly on time.",
    params: params('keyId'),
    body: s.rotateKeyBody,
    responses: {
      201: ok('The new key, with its secret.', s.rotatedKeyResponse),
      400: badRequest,
      404: notFound('key'),
      409: refused('conflict', '`conflict`: the key is revoked, expired or already rotated.'),
    },
  },
  createUser: {
    summary: 'Make a user (a person) or a bot account',
    body: s.createUserBody,
    responses: {
      201: ok('The new user.', s.userEnvelopeResponse),
      400: refused('validation', '`validation`: a bad body, a bot with a password or admin flag, or a person without a good password.'),
      409: refused('conflict', '`conflict`: a user with this e-mail exists.'),
    },
  },
  updateUser: {
    summary: 'Disable or enable a user',
    description: 'A disabled user\'s keys and sessions all stop working at once.',
    params: params('userId'),
    body: s.updateUserBody,
    responses: {
      200: ok('The user.', s.userEnvelopeResponse),
      400: refused('validation', '`validation`: a bad body, or an admin disabling their own account.'),
      404: notFound('user'),
      409: refused('conflict', '`conflict`: the user is the last enabled admin; there has to be another one first.'),
    },
  },
  createBotKey: {
    summary: 'Make a key for a bot account',
    params: params('userId'),
    body: s.createKeyBody,
    responses: {
      201: ok('The new key, with its secret.', s.botKeyResponse),
      400: badRequest,
      404: notFound('user'),
      409: refused('conflict', '`conflict`: the user is a person (people make their own keys), or the bot is disabled.'),
    },
  },
  listUsers: {
    summary: 'Every user and bot, a page at a time, oldest first',
    query: pageQuery,
    responses: { 200: ok('A page of users.', s.userListResponse), 400: refused('validation', '`validation`: a bad `limit`, or a `cursor` that is not one this list gave.') },
  },
  getUser: {
    summary: 'One user',
    params: params('userId'),
    responses: { 200: ok('The user.', s.userEnvelopeResponse), 404: notFound('user') },
  },
  listUserKeys: {
    summary: "A user's keys, a page at a time, without secrets",
    params: params('userId'),
    query: pageQuery,
    responses: { 200: ok('A page of keys.', s.keyListResponse), 400: badRequest, 404: notFound('user') },
  },
  rotateUserKey: {
    summary: "Replace a bot's key with a new one (incident response)",
    description: "Bots only: an admin never receives a secret for a person's account. The old key stops at once (grace 0 by default) or after the grace period.",
    params: params('userId', 'keyId'),
    body: s.rotateKeyBody,
    responses: {
      201: ok('The new key, with its secret.', s.rotatedBotKeyResponse),
      400: badRequest,
      404: notFound('key'),
      409: refused('conflict', "`conflict`: the user is a person (revoke the key instead), or the key is revoked, expired or already rotated."),
    },
  },
  revokeUserKey: {
    summary: "Revoke any user's key (incident response)",
    description: 'Repeating it is harmless.',
    params: params('userId', 'keyId'),
    responses: { 204: ok('Revoked (or already revoked).'), 404: notFound('key') },
  },
  listUserAudit: {
    summary: "A user's audit trail, newest first, a page at a time",
    params: params('userId'),
    query: pageQuery,
    responses: { 200: ok('A page of records.', s.auditPageResponse), 400: badRequest, 404: notFound('user') },
  },
  // ---- API clients and OAuth 2.0 (docs/design.md, API clients and OAuth 2.0)
  createClient: {
    summary: 'Register an API client',
    description:
      'A confidential client gets a secret, shown in this answer only; a public one (`public: true`) has none. Every client has to use PKCE. ' +
      'Redirect URIs are https, or http on 127.0.0.1 or [::1], matched exactly (a loopback one on any port, RFC 8252 §7.3). `apiKeyTemplate` holds `%%KEYGATE_KEY%%` exactly once, with `apiKeyFilename`.',
    body: c.createClientBody,
    responses: { 201: ok('The client, with its secret when confidential.', c.createdClientResponse), 400: badRequest },
  },
  listClients: {
    summary: 'The clients the caller registered, newest first',
    responses: { 200: ok('The clients.', c.clientListResponse) },
  },
  getClient: {
    summary: 'One of the caller\'s clients',
    params: params('clientId'),
    responses: { 200: ok('The client.', c.clientResponse), 404: notFound('client') },
  },
  updateClient: {
    summary: 'Change a client\'s name, redirect URIs, permissions or client file',
    description: 'Keys already issued keep their permissions. `public` cannot change (400). `null` removes the client file.',
    params: params('clientId'),
    body: c.updateClientBody,
    responses: { 200: ok('The client.', c.clientResponse), 400: badRequest, 404: notFound('client'), 409: refused('conflict', '`conflict`: the client is being deleted.') },
  },
  deleteClient: {
    summary: 'Delete a client, revoking every key issued through it, for every user',
    description: 'A deletion cut short leaves the client `deleting` (nothing more is issued through it); repeating DELETE finishes it.',
    params: params('clientId'),
    responses: { 204: ok('Deleted; its keys are revoked.'), 404: notFound('client') },
  },
  listAllClients: {
    summary: 'Every API client of every user, with its owner, a page at a time, oldest first',
    query: pageQuery,
    responses: { 200: ok('A page of clients.', c.adminClientListResponse), 400: refused('validation', '`validation`: a bad `limit`, or a `cursor` that is not one this list gave.') },
  },
  setClientDisabled: {
    summary: 'Disable or enable any client',
    description:
      'A disabled client is unknown to authorize, token, revoke and the client file, like one that does not exist. Keys already issued through it keep working: they belong to the users who approved them (delete the client to revoke them).',
    params: params('clientId'),
    body: c.adminUpdateClientBody,
    responses: { 200: ok('The client.', c.adminClientResponse), 400: badRequest, 404: notFound('client'), 409: refused('conflict', '`conflict`: the client is being deleted.') },
  },
  adminDeleteClient: {
    summary: "Delete any user's client, revoking every key issued through it, for every user",
    description: 'As the owner\'s DELETE; audited in the admin\'s and the owner\'s trails.',
    params: params('clientId'),
    responses: { 204: ok('Deleted; its keys are revoked.'), 404: notFound('client') },
  },
  rotateClientSecret: {
    summary: 'Give a confidential client a new secret; the old one stops at once',
    params: params('clientId'),
    body: s.emptyBody,
    responses: {
      201: ok('The new secret, shown this once only.', c.clientSecretResponse),
      400: badRequest,
      404: notFound('client'),
      409: refused('conflict', '`conflict`: a public client has no secret, or the client is being deleted.'),
    },
  },
  clientFile: {
    summary: 'Make a key for the caller and answer it in the client\'s file (the client file flow)',
    description: 'A POST: a GET that makes a credential could be set off by any page. Any body is ignored.',
    params: params('clientId'),
    responses: {
      200: { description: 'The file, as an attachment named `apiKeyFilename`.', body: c.clientFileContent, mediaType: 'application/octet-stream', headers: { 'Content-Disposition': { type: 'string', description: '`attachment; filename="<apiKeyFilename>"`' } } },
      404: notFound('client'),
      409: refused('conflict', '`conflict`: the client has no `apiKeyTemplate`, or may not ask for any permission keys can hold.'),
    },
  },
  listAuthorizations: {
    summary: 'The clients the caller holds live keys from',
    responses: { 200: ok('The authorized apps, most recently authorized first.', c.authorizationListResponse) },
  },
  revokeAuthorization: {
    summary: 'Revoke every live key the caller holds from a client',
    description: 'Repeating it is harmless.',
    params: params('clientId'),
    responses: { 204: ok('Revoked (or nothing to revoke).'), 404: refused('not_found', '`not_found`: not a client id.') },
  },
  oauthAuthorizeRequest: {
    summary: 'Start an authorization: the hosted login or consent page, or the request in JSON',
    description:
      'Public at the gateway: the session cookie is checked here. A browser gets a login form without a session, else the consent page. ' +
      'With `Accept: application/json` and a session, the request is described for a front end of your own. An unknown client or a redirect URI ' +
      'not registered is never redirected to (400: an HTML page, or the Error body in JSON); every other problem goes back to the redirect URI ' +
      'with `error`, `state` and `iss` (302, or `redirectTo` in JSON). PKCE (S256) is required of every client. No CORS here, ever (RFC 9700): ' +
      'a front end of your own that uses JSON has to be served from the API\'s origin.',
    query: c.authorizeQuery,
    responses: {
      200: { description: 'The login or consent page; in JSON, the request (or where to send the browser back).', body: c.htmlPage, mediaType: 'text/html', alternatives: { 'application/json': z.union([c.authorizeRequestResponse, c.redirectResponse]) } },
      302: { description: "Back to the client's redirect URI with `error`, `error_description`, `state` and `iss`.", headers: { Location: LOCATION } },
      400: refused('validation', '`validation`: unknown client, or a redirect URI not registered (a browser gets an HTML page instead).'),
      401: refused('unauthorized', '`unauthorized`: in JSON, no login session.'),
    },
  },
  oauthAuthorize: {
    summary: 'Approve or deny an authorization (or log in, from the hosted form)',
    description:
      'Public at the gateway: the session cookie and the CSRF rule (an allowed Origin, or the page\'s own) are checked here. The hosted form posts the ' +
      'same fields form-encoded (`decision=login` with `email` and `password` logs in like `/auth/login`, then 303 back to the request; ' +
      '`decision=switch`, the consent page\'s "Not you?", ends the session and clears the cookie, then 303 back to the request).',
    body: c.authorizeDecisionBody,
    responses: {
      200: ok('Where to send the browser: the redirect URI with `code`, `state` and `iss` (RFC 9207), or with `error`.', c.redirectResponse),
      302: { description: 'The hosted form: to the redirect URI with `code`, `state` and `iss` (RFC 9207), or with `error`.', headers: { Location: LOCATION } },
      400: badRequest,
      401: refused('unauthorized', '`unauthorized`: no login session.'),
      403: refused('csrf_rejected', '`csrf_rejected`: the `Origin` is missing or not allowed.'),
    },
  },
  oauthToken: {
    summary: 'Exchange an authorization code for a key (RFC 6749 §4.1.3, PKCE)',
    description:
      'Client authentication: `client_secret_basic`, `client_secret_post`, or none for a public client. Errors are RFC 6749 §5.2 bodies. ' +
      'A code is used once: a second use is refused and revokes the key the first gave. A wrong secret is counted, never locked out. ' +
      'CORS: a preflight from any origin; an answer to a public client, and any error, is readable from any origin (`Access-Control-Allow-Origin: *`).',
    body: c.tokenRequestBody,
    bodyMediaType: FORM,
    responses: {
      200: ok('The key, as an access token.', c.tokenResponse, { 'Cache-Control': NO_STORE }),
      400: oauthError('`invalid_request`, `invalid_grant`, `unauthorized_client`, `unsupported_grant_type` or `invalid_scope`.'),
      401: oauthError('`invalid_client`: unknown client, wrong secret, or a secret where none belongs.', { 'WWW-Authenticate': BASIC }),
    },
  },
  oauthRevoke: {
    summary: 'Revoke a key issued to the calling client (RFC 7009)',
    description: 'A token that is unknown, or issued to another client, gets the same 200 and nothing happens. CORS as for the token endpoint.',
    body: c.revokeRequestBody,
    bodyMediaType: FORM,
    responses: {
      200: ok('Revoked, or nothing to revoke.'),
      400: oauthError('`invalid_request`.'),
      401: oauthError('`invalid_client`.', { 'WWW-Authenticate': BASIC }),
    },
  },
  oauthMetadata: {
    summary: 'Authorization server metadata (RFC 8414), at the API root',
    responses: { 200: ok('The metadata.', c.serverMetadataResponse) },
  },
  revokeKeyByHolder: {
    summary: 'Revoke the key you hold (say, one found leaked)',
    description: 'Anyone holding a key may end it; the owner\'s audit trail records it as revoked by its holder.',
    body: c.holderRevokeBody,
    responses: { 200: ok('Revoked (or already revoked).', c.holderRevokeResponse), 400: badRequest, 404: refused('not_found', '`not_found`: the key is not known.') },
  },
  listPlans: {
    summary: "The deployment's plans (rate limits and quotas)",
    description: 'Empty when the deployment has no plans.',
    responses: { 200: ok('The plans.', pl.planListResponse) },
  },
  keyUsage: {
    summary: "One of the caller's keys: its bucket's daily usage and what is left",
    params: params('keyId'),
    query: pl.usageQuery,
    responses: {
      200: ok('Daily counts from API Gateway (eventually consistent).', pl.usageResponse),
      400: badRequest,
      404: notFound('key'),
      409: refused('conflict', '`conflict`: the deployment has no plans.'),
      503: refused('service_unavailable'),
    },
  },
  setUserPlan: {
    summary: "Set or clear a user's plan",
    description: 'All their keys and sessions share the plan\'s bucket; a key with its own plan keeps it. 409 when keygate holds as many usage keys as the deployment allows.',
    params: params('userId'),
    body: pl.setPlanBody,
    responses: { 200: ok('The plan now.', pl.planSetResponse), 400: badRequest, 404: notFound('user'), 409: refused('conflict'), 503: refused('service_unavailable') },
  },
  setKeyPlan: {
    summary: "Set or clear a key's own plan (it wins over its user's)",
    params: params('userId', 'keyId'),
    body: pl.setPlanBody,
    responses: { 200: ok('The plan now.', pl.planSetResponse), 400: badRequest, 404: notFound('user or key'), 409: refused('conflict'), 503: refused('service_unavailable') },
  },
  setKeyCredits: {
    summary: "Set or remove a key's exact credits",
    params: params('userId', 'keyId'),
    body: pl.setCreditsBody,
    responses: { 200: ok('The credits now.', pl.creditsSetResponse), 400: badRequest, 404: notFound('user or key'), 409: refused('conflict') },
  },
  userUsage: {
    summary: "Any user's (or one of their keys') daily usage",
    params: params('userId'),
    query: pl.adminUsageQuery,
    responses: { 200: ok('Daily counts from API Gateway (eventually consistent).', pl.usageResponse), 400: badRequest, 404: notFound('user or key'), 409: refused('conflict'), 503: refused('service_unavailable') },
  },
};
