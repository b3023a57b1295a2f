/**
 * The single-table layout. Everything of a user shares its partition, so a
 * credential and its owner come back from one BatchGetItem.
 *
 *   pk = USER#<userId>   sk = PROFILE          the user
 *   pk = USER#<userId>   sk = KEY#<keyId>      an API key
 *   pk = USER#<userId>   sk = SESSION#<id>     a login session
 *   pk = USER#<userId>   sk = AUDIT#<time>#<id> an audit record (ttl)
 *   pk = USER#<userId>   sk = CLIENT#<clientId>  "owner has this API client", to list them
 *   pk = USERS           sk = USER#<createdAt>#<userId>  the user directory: one pointer per user, in creation order
 *   pk = EMAIL#<email>   sk = EMAIL            e-mail → userId, unique
 *   pk = LOGIN#<email>   sk = ATTEMPTS         login attempts in the current window (ttl)
 *   pk = ADMINS          sk = ENABLED          how many admins are enabled
 *   pk = SETTINGS        sk = DEPLOYMENT       the deployment's settings, for the CLI
 *   pk = SETTINGS        sk = LOG_HASH_KEY     the key login log lines hash e-mails with
 *   pk = CLIENT#<clientId>      sk = CLIENT                  an API client
 *   pk = CLIENT#<clientId>      sk = GRANT#<userId>#<keyId>  a key issued through the client
 *   pk = OAUTHCODE#<codeId>     sk = CODE                    an authorization code (ttl)
 *   pk = CLIENTAUTH#<clientId>  sk = ATTEMPTS                client authentications in the current window (ttl)
 *
 * `ttl` (epoch seconds) lets DynamoDB remove expired items; readers still
 * compare `expiresAt` with the clock, since TTL deletes up to days late.
 */
import type { TokenKind } from '../core/token';

export const PK = 'pk';
export const SK = 'sk';
export const TTL_ATTRIBUTE = 'ttl';

/**
 * On `PROFILE`: how many times the password has changed (absent = 0). On a
 * session: the profile's value when the session was made. A session whose
 * value differs from its profile's ended with a password change (docs/design.md, Security invariants).
 */
export const CREDENTIALS_EPOCH = 'credentialsEpoch';

/**
 * The number of enabled admins (`count`), kept in step with the profiles in
 * the same transactions that change them, so "never below one" is a
 * DynamoDB condition (docs/design.md, Security invariants). Absent: no admin was ever made through
 * this code, which counts as 0.
 */
export const ADMIN_COUNT_KEY = { pk: 'ADMINS', sk: 'ENABLED' } as const;

/**
 * Every attribute the authorizer reads, and the only ones its IAM grant lets
 * it read (`dynamodb:Attributes` in lib/keygate-api.ts; the template test
 * checks the two are this one list). The credential's `secretHash`,
 * `permissions`, `expiresAt`, `revokedAt`, `lastUsedAt`, (keys) `clientId`,
 * passed on to backends, and (sessions) `credentialsEpoch`; the owner's `kind`, `isAdmin`, `disabled` and
 * `credentialsEpoch`; the usage key of the key or its owner (`usageKey`, issue 19) and a key's
 * exact credits (`credits`, `creditsRefill`, `creditsPeriod`, `creditsWindow`); the key attributes `pk` and `sk` (IAM needs them
 * listed; `sk` tells the two items apart). Never `passwordHash`.
 *
 * Named with `AttributesToGet` rather than a `ProjectionExpression`: the same
 * top-level attributes without an expression for DynamoDB to parse (on
 * DynamoDB Local, about 50 µs less per read; docs/performance.md). Either
 * makes the request's `dynamodb:Select` SPECIFIC_ATTRIBUTES, which the grant
 * requires (docs/design.md). Here, with no AWS import, so the construct can
 * read it without the SDK.
 */
export const LOOKUP_ATTRIBUTES: readonly string[] = [
  PK,
  SK,
  'secretHash',
  'permissions',
  'expiresAt',
  'revokedAt',
  'lastUsedAt',
  'clientId',
  'kind',
  'isAdmin',
  'disabled',
  CREDENTIALS_EPOCH,
  'usageKey',
  'credits',
  'creditsRefill',
  'creditsPeriod',
  'creditsWindow',
];

export const userPk = (userId: string) => `USER#${userId}`;
export const PROFILE_SK = 'PROFILE';
export const KEY_SK_PREFIX = 'KEY#';
export const keySk = (keyId: string) => `${KEY_SK_PREFIX}${keyId}`;
export const SESSION_SK_PREFIX = 'SESSION#';
export const sessionSk = (sessionId: string) => `${SESSION_SK_PREFIX}${sessionId}`;
export const AUDIT_SK_PREFIX = 'AUDIT#';
export const auditSk = (at: number, id: string) => `${AUDIT_SK_PREFIX}${new Date(at).toISOString()}#${id}`;
export const emailPk = (email: string) => `EMAIL#${email.toLowerCase()}`;
export const EMAIL_SK = 'EMAIL';
export const loginAttemptsPk = (email: string) => `LOGIN#${email.toLowerCase()}`;
/** The sort key of every attempt counter: failed logins, and API clients' authentications. */
export const ATTEMPTS_SK = 'ATTEMPTS';
/** The user directory's partition: lists users in a stable order without a scan (docs/design.md). */
export const USERS_PK = 'USERS';
export const USER_DIRECTORY_PREFIX = 'USER#';
export const userDirectorySk = (createdAt: number, userId: string) => `${USER_DIRECTORY_PREFIX}${new Date(createdAt).toISOString()}#${userId}`;

export function credentialSk(kind: TokenKind, id: string): string {
  return kind === 'session' ? sessionSk(id) : keySk(id);
}

/** The deployment's settings item (catalog, prefixes, base path), read by the CLI. */
export const SETTINGS_PK = 'SETTINGS';
export const SETTINGS_SK = 'DEPLOYMENT';
/** Random, made on first use: what failed-login log lines key their e-mail hashes with. */
export const LOG_HASH_KEY_SK = 'LOG_HASH_KEY';

// API clients (OAuth 2.0, client files)
export const clientPk = (clientId: string) => `CLIENT#${clientId}`;
export const CLIENT_SK = 'CLIENT';
export const OWNED_CLIENT_SK_PREFIX = 'CLIENT#';
export const ownedClientSk = (clientId: string) => `${OWNED_CLIENT_SK_PREFIX}${clientId}`;
export const GRANT_SK_PREFIX = 'GRANT#';
export const grantSk = (userId: string, keyId: string) => `${GRANT_SK_PREFIX}${userId}#${keyId}`;
export const codePk = (codeId: string) => `OAUTHCODE#${codeId}`;
export const CODE_SK = 'CODE';
export const clientAuthAttemptsPk = (clientId: string) => `CLIENTAUTH#${clientId}`;
