/**
 * What each management operation reads and answers, for the generated OpenAPI
 * document (lib/openapi.ts, `npm run openapi`): one entry per operation of
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
import * as s from './schemas';

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
};
