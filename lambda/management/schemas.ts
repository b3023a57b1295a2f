/**
 * The management API's bodies in zod: what a request may send (parsed by the
 * handlers) and what an answer holds (the views are typed by these, and
 * docs/openapi.yaml is generated from both; see operation-schemas.ts).
 *
 * Request bodies are strict objects: an unknown field is a 400 that names it.
 * Rules that need the permission catalog or the password policy are checked
 * in the services, with the same error; `.meta()` states them for the document.
 * A `.meta({ id })` names a schema in the document's components.
 */
import { z } from 'zod';
import { ID_PATTERN } from '../core/token';
import { AUDIT_ACTIONS } from './audit';
import { creditsBody, creditsResponse } from './plan-schemas';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../core/password';

/** Rotation grace period limit (README, Management API). */
export const MAX_GRACE_PERIOD_SECONDS = 7 * 24 * 3600;
export const MAX_KEY_LIFETIME_DAYS = 3650;

/**
 * What a name may not hold: control (Cc) and format (Cf) characters, which
 * include every bidi control (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C)
 * and zero-width ones; lone surrogates (Cs: a string that is not valid
 * Unicode); line and paragraph separators; and U+FFFD, which is what
 * invalid UTF-8 turns into when it is decoded.
 */
const UNSAFE_NAME_CHARACTER = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\p{Bidi_Control}\uFFFD]/u;

const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * A name a person gives something (a key, a client): trimmed, refused with
 * 400 `validation` when it holds a character that can hide or reorder what
 * is shown (see UNSAFE_NAME_CHARACTER), then NFC-normalised, so names that
 * look the same are stored the same, and 1 to `maxLength` characters long.
 * One rule for every name; reuse it for new ones.
 */
export function safeName(maxLength = 100) {
  return z
    .string()
    .trim()
    .check((ctx) => {
      const bad = UNSAFE_NAME_CHARACTER.exec(ctx.value);
      if (bad) {
        ctx.issues.push({
          code: 'custom',
          input: ctx.value,
          message: `may not contain ${codePoint(bad[0])} (control, format or bidi characters, unpaired surrogates, line separators, or U+FFFD from invalid UTF-8)`,
        });
      }
    })
    .normalize('NFC')
    .min(1)
    .max(maxLength)
    .meta({ description: 'Trimmed and NFC-normalised. Control, format and bidi characters (such as U+202E), unpaired surrogates, line separators and U+FFFD are a 400.' });
}

const keyName = safeName(100);
/** The document lists the deployment's key-grantable permissions here (see local/openapi-document.ts). */
const permissions = z
  .array(z.string().max(64).meta({ id: 'KeyPermission' }))
  .max(64)
  .meta({ description: 'Key-grantable permissions (duplicates are dropped; `[]` is allowed). An unknown or session-only permission is 400.' });
const password = z.string().min(1).max(MAX_PASSWORD_LENGTH);
/** The service checks the length (session-service.ts, user-service.ts). */
const newPassword = password.meta({ minLength: MIN_PASSWORD_LENGTH });
const email = z.email().max(254).transform((e) => e.toLowerCase());

export const loginBody = z.strictObject({ email: z.string().trim().min(1).max(254).meta({ description: 'Trimmed; any case.' }), password });
export const verifyBody = z.strictObject({ key: z.string().meta({ description: 'The whole key.' }) });
export const passwordBody = z.strictObject({
  currentPassword: password,
  newPassword: newPassword.meta({ description: `At least ${MIN_PASSWORD_LENGTH} characters; not the current password.` }),
});
/** Logout takes no field at all. */
export const emptyBody = z.strictObject({});

export const createKeyBody = z.strictObject({
  name: keyName,
  permissions,
  expiresInDays: z.int().min(1).max(MAX_KEY_LIFETIME_DAYS).optional().meta({ description: 'Without it the key never expires.' }),
  credits: creditsBody.optional().meta({ description: 'Exact credits for this key (needs plans; 400 without).' }),
});
export const renameKeyBody = z.strictObject({ name: keyName });
export const rotateKeyBody = z.strictObject({
  gracePeriodSeconds: z
    .int()
    .min(0)
    .max(MAX_GRACE_PERIOD_SECONDS)
    .optional()
    .meta({ description: 'How long the old key keeps working (at most 7 days); 0 (the default) ends it at once.' }),
});

export const createUserBody = z.strictObject({
  email: email.meta({ description: 'Stored in lower case; unique.' }),
  password: newPassword.optional().meta({ description: `Required for humans (at least ${MIN_PASSWORD_LENGTH} characters); bots have none and cannot log in.` }),
  kind: z.enum(['human', 'bot']),
  admin: z.boolean().optional().meta({ description: 'Only humans can be admins.' }),
});
export const updateUserBody = z.strictObject({ disabled: z.boolean() });

export type CreateKeyInput = z.output<typeof createKeyBody>;
export type CreateUserInput = z.output<typeof createUserBody>;

// ---------------------------------------------------------------------------
// Answers. Times are ISO 8601 in UTC, `null` when unset; never a secret but
// the one a creation or rotation shows once.

const at = z.iso.datetime();
const atOrNull = at.nullable();

export const id = z
  .string()
  .regex(ID_PATTERN)
  .meta({ id: 'Id', description: 'A user, key or session id (12 base62 characters).' });
/** The document lists the deployment's catalog here (see local/openapi-document.ts). */
export const permissionName = z.string().meta({ id: 'Permission', description: 'A permission name from the catalog.' });
const permissionList = z.array(permissionName);

/** Every error, from a gateway response or a management Lambda. */
export const errorBody = z
  .object({
    status_code: z.int().meta({ description: 'The HTTP status, repeated.' }),
    endpoint: z.string().meta({ description: "The route's resource path, e.g. `/v1/keys/{keyId}`." }),
    error_code: z.string().meta({ description: 'What went wrong, for programs: each response lists the codes it can carry.' }),
    error_message: z.string().meta({ description: 'For people; never holds a secret.' }),
  })
  .meta({ id: 'Error' });

export const userResponse = z
  .object({
    id,
    email: z.string().nullable().meta({ description: '`null` for a bot created without one.' }),
    kind: z.enum(['human', 'bot']),
    admin: z.boolean(),
    disabled: z.boolean(),
    createdAt: at,
    plan: z.string().nullable().meta({ description: "The user's own plan (all their keys and sessions share its bucket); `null`: the default plan's shared bucket." }),
  })
  .meta({ id: 'User' });
export const userEnvelopeResponse = z.object({ user: userResponse }).meta({ id: 'UserEnvelope' });
export const loginResponse = z.object({ user: userResponse, expiresAt: at.meta({ description: 'When the session ends.' }) }).meta({ id: 'LoginResult' });

export const verifyResponse = z
  .discriminatedUnion('valid', [
    z.object({ valid: z.literal(true), keyId: id, userId: id, permissions: permissionList, expiresAt: atOrNull }),
    z.object({
      valid: z.literal(false),
      error_code: z.enum(['malformed_key', 'invalid_key', 'key_revoked', 'key_expired']).meta({
        description:
          '`malformed_key`: wrong prefix, length, alphabet or checksum (the message says which); `invalid_key`: unknown key or wrong secret; ' +
          '`key_revoked`: revoked, or its owner is disabled; `key_expired`: past its `expiresAt`.',
      }),
      error_message: z.string(),
    }),
  ])
  .meta({ id: 'VerifyResult' });

export const meResponse = z
  .object({
    user: userResponse,
    authMethod: z.enum(['api_key', 'session']),
    keyId: id.optional().meta({ description: 'With `api_key`.' }),
    sessionId: id.optional().meta({ description: 'With `session`.' }),
    permissions: permissionList,
  })
  .meta({ id: 'Me' });

export const sessionResponse = z
  .object({ id, createdAt: at, expiresAt: at, current: z.boolean().meta({ description: 'The session this request came with.' }) })
  .meta({ id: 'Session' });
export const sessionListResponse = z.object({ sessions: z.array(sessionResponse) }).meta({ id: 'SessionList' });

export const keyStatusSchema = z
  .enum(['active', 'grace_period', 'revoked', 'expired'])
  .meta({ description: '`grace_period`: rotated, still working until `revokedAt`.' });
export const keyResponse = z
  .object({
    id,
    name: z.string(),
    kind: z.enum(['user', 'bot']),
    permissions: permissionList,
    hint: z.string().length(4).meta({ description: "The key's last 4 characters." }),
    status: keyStatusSchema,
    createdAt: at,
    expiresAt: atOrNull,
    revokedAt: atOrNull.meta({ description: "May lie in the future (a rotation's grace period)." }),
    lastUsedAt: atOrNull.meta({ description: 'Recorded at most hourly.' }),
    replacedBy: id.nullable().meta({ description: 'The key this one was rotated into.' }),
    replaces: id.nullable().meta({ description: 'The key this one was rotated from.' }),
    clientId: id.nullable().meta({ description: 'The API client the key was issued through (OAuth or client file).' }),
    plan: z.string().nullable().meta({ description: "The key's own plan, which wins over its user's; `null`: its user's bucket." }),
    credits: creditsResponse.nullable().meta({ description: 'Exact credits left; `null`: none (no limit but the plan).' }),
  })
  .meta({ id: 'Key', description: 'A key as listed; never the secret.' });
/** `null` on the last page; else pass it as `cursor` to get the next one. */
const next = z.string().nullable().meta({ description: 'The `cursor` of the next page; `null` on the last.' });
export const keyListResponse = z.object({ keys: z.array(keyResponse), next }).meta({ id: 'KeyList' });
export const userListResponse = z.object({ users: z.array(userResponse), next }).meta({ id: 'UserList' });

const newKeyShape = {
  /** The document gives its pattern, from the deployment's key prefixes (see local/openapi-document.ts). */
  key: z.string().meta({ id: 'ApiKey', description: 'The secret, shown this once only. Send it as `Authorization: Bearer <key>`.' }),
  id,
  name: z.string(),
  kind: z.enum(['user', 'bot']),
  permissions: permissionList,
  hint: z.string().length(4),
  createdAt: at,
  expiresAt: atOrNull,
};
export const newKeyResponse = z.object(newKeyShape).meta({ id: 'NewKey', description: 'A key just made.' });
export const rotatedKeyResponse = z
  .object({
    ...newKeyShape,
    replaces: id.meta({ description: "The old key's id." }),
    previousKeyEndsAt: at.meta({ description: 'When the old key stops working.' }),
  })
  .meta({ id: 'RotatedKey', description: 'The new key of a rotation.' });
export const botKeyResponse = z.object({ userId: id.meta({ description: "The bot's id." }), ...newKeyShape }).meta({ id: 'BotKey', description: 'A key just made for a bot.' });
export const rotatedBotKeyResponse = z
  .object({ userId: id.meta({ description: "The bot's id." }), ...rotatedKeyResponse.shape })
  .meta({ id: 'RotatedBotKey', description: "The new key of a bot key's rotation by an admin." });

export const auditRecordResponse = z
  .object({
    id: z.string(),
    at,
    action: z.enum(AUDIT_ACTIONS),
    actor: z.string().nullable().meta({ description: 'Who did it; `null` for the admin CLI.' }),
    authMethod: z
      .enum(['session', 'api_key', 'password', 'cli', 'oauth'])
      .meta({ description: 'How the actor was signed in (`password` for a login itself, `oauth` for a key issued at the token endpoint).' }),
    credentialId: z.string().nullable().meta({ description: 'The key or session the actor used.' }),
    target: z.string().meta({ description: 'What was changed: `key:<id>`, `user:<id>`, `session:<id>` or `client:<id>`.' }),
    detail: z.record(z.string(), z.string()).optional().meta({ description: "Non-secret facts, e.g. a key's old and new name." }),
  })
  .meta({ id: 'AuditRecord' });
export const auditPageResponse = z.object({ records: z.array(auditRecordResponse), next }).meta({ id: 'AuditPage' });

export type UserResponse = z.output<typeof userResponse>;
export type KeyResponse = z.output<typeof keyResponse>;
export type SessionResponse = z.output<typeof sessionResponse>;
export type AuditRecordResponse = z.output<typeof auditRecordResponse>;
