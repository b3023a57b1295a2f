/**
 * The single-table layout. Everything of a user shares its partition, so a
 * credential and its owner come back from one BatchGetItem.
 *
 *   pk = USER#<userId>   sk = PROFILE          the user
 *   pk = USER#<userId>   sk = KEY#<keyId>      an API key
 *   pk = USER#<userId>   sk = SESSION#<id>     a login session
 *   pk = USER#<userId>   sk = AUDIT#<time>#<id> an audit record
 *   pk = USERS           sk = USER#<createdAt>#<userId>  the user directory: one pointer per user, in creation order
 *   pk = EMAIL#<email>   sk = EMAIL            e-mail → userId, unique
 *   pk = LOGIN#<email>   sk = ATTEMPTS         failed-login counter
 *   pk = SETTINGS        sk = DEPLOYMENT       the deployment's settings, for the CLI
 *
 * `ttl` (epoch seconds) lets DynamoDB remove expired items; readers still
 * compare `expiresAt` with the clock, since TTL deletes up to days late.
 */
import type { TokenKind } from '../core/token';

export const PK = 'pk';
export const SK = 'sk';
export const TTL_ATTRIBUTE = 'ttl';

export const userPk = (userId: string) => `USER#${userId}`;
export const PROFILE_SK = 'PROFILE';
export const KEY_SK_PREFIX = 'KEY#';
export const keySk = (keyId: string) => `${KEY_SK_PREFIX}${keyId}`;
export const sessionSk = (sessionId: string) => `SESSION#${sessionId}`;
export const emailPk = (email: string) => `EMAIL#${email.toLowerCase()}`;
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
