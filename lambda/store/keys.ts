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
 *   pk = USAGEKEYS       sk = COUNT            how many usage keys keygate holds (reserved ones included)
 *   pk = SETTINGS        sk = DEPLOYMENT       the deployment's settings, for the CLI
 *   pk = SETTINGS        sk = LOG_HASH_KEY     the key login log lines hash e-mails with
 *   pk = CLIENT#<clientId>      sk = CLIENT                  an API client
 *   pk = CLIENTS                sk = CLIENT#<createdAt>#<clientId>  the client directory: one pointer per client, in creation order
 *   pk = CLIENT#<clientId>      sk = GRANT#<userId>#<keyId>  a key issued through the client
 *   pk = OAUTHCODE#<codeId>     sk = CODE                    an authorization code (ttl)
 *
 * `ttl` (epoch seconds) lets DynamoDB remove expired items; readers still
 * compare `expiresAt` with the clock, since TTL deletes up to days late.
 */
import type { TokenKind } from '../core/token';

// The facts the construct needs as well (the key schema, what the authorizer may read, the settings item's key) live in core.
export { CREDENTIALS_EPOCH, LOOKUP_ATTRIBUTES, PK, SETTINGS_PK, SETTINGS_SK, SK, TTL_ATTRIBUTE } from '../core/table-schema';

/**
 * The number of enabled admins (`count`), kept in step with the profiles in
 * the same transactions that change them, so "never below one" is a
 * DynamoDB condition (docs/design.md, Security invariants). Absent: no admin was ever made through
 * this code, which counts as 0.
 */
export const ADMIN_COUNT_KEY = { pk: 'ADMINS', sk: 'ENABLED' } as const;

/** How many usage keys keygate holds (`count`), reserved before one is made, released after one is deleted (docs/design.md, Rate limits and quotas). */
export const USAGE_KEY_COUNT_KEY = { pk: 'USAGEKEYS', sk: 'COUNT' } as const;

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
/** The client directory's partition: every client, for admins, without a scan (docs/design.md). */
export const CLIENTS_PK = 'CLIENTS';
export const CLIENT_DIRECTORY_PREFIX = 'CLIENT#';
export const clientDirectorySk = (createdAt: number, clientId: string) => `${CLIENT_DIRECTORY_PREFIX}${new Date(createdAt).toISOString()}#${clientId}`;

/**
 * The shape of the sort keys of each list that can be paged (users, keys,
 * clients, audit records), so a cursor's sort key is checked against its
 * list's layout (lambda/management/pagination.ts).
 */
const ISO_TIME = String.raw`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z`;
const ID = '[0-9A-Za-z]{12}';
export const PAGED_SORT_KEYS = {
  users: new RegExp(`^${USER_DIRECTORY_PREFIX}${ISO_TIME}#${ID}$`),
  keys: new RegExp(`^${KEY_SK_PREFIX}${ID}$`),
  clients: new RegExp(`^${CLIENT_DIRECTORY_PREFIX}${ISO_TIME}#${ID}$`),
  audit: new RegExp(`^${AUDIT_SK_PREFIX}${ISO_TIME}#${ID}$`),
} as const;
