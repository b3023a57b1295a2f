/**
 * Reads and writes users, keys, sessions, login counters and audit records
 * for the management Lambdas, the admin CLI and the tests' fixtures. Never
 * stores a secret: only hashes.
 *
 * Every change is written in one TransactWriteItems together with its audit
 * records, so a change is never without its record, nor a record without
 * its change. (IAM authorizes each item of a transaction by PutItem,
 * UpdateItem or DeleteItem; there is no separate transaction permission.)
 */
import { toAudit, type AuditRecord } from './account-records';
import { DynamoSessions } from './dynamo-sessions';
import { AUDIT_SK_PREFIX, userPk } from './keys';
import type { AccountStore } from './port';

export { EmailTakenError, StaleCredentialsError, type FlagsResult, type VerifiedCredentials } from './port';
export type { AuditAuthMethod, AuditEntry, AuditRecord, CallerState, KeyRecord, LoginAttempts, NewKey, NewUser, Page, SessionRecord, UserRecord } from './account-records';
export { DEFAULT_AUDIT_RETENTION_MS, TransactionConditionError } from './dynamo-adapter';

/**
 * The DynamoDB adapter of the `AccountStore` port, built up by concern:
 * `DynamoAdapter` (table, clock, transactions, audit records) →
 * `DynamoAdminCount` → `DynamoUsers` → `DynamoKeys` → `DynamoSessions`
 * (sessions, callers, login counters) → this (the audit trail).
 */
export class DynamoAccountStore extends DynamoSessions implements AccountStore {
  /** A user's audit records, newest first. `cursor` is the `next` of the previous page: an audit sort key. */
  async listAudit(userId: string, limit: number, cursor?: string): Promise<{ records: AuditRecord[]; next?: string }> {
    const page = await this.queryPage(userPk(userId), AUDIT_SK_PREFIX, limit, cursor, false);
    return { records: page.items.map(toAudit), ...(page.last ? { next: page.last } : {}) };
  }
}
