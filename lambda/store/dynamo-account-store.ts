/**
 * The DynamoDB adapter of the `AccountStore` port: users, keys, sessions,
 * login counters and audit records for the management Lambdas, the admin
 * CLI and the tests' fixtures. Never stores a secret: only hashes.
 *
 * It owns no DynamoDB code: it composes the parts by concern, each on the
 * one table helper (`table.ts`), and hands every port method to its part.
 * A new store method goes on the part of its concern, then one line here.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoAdminCount } from './dynamo-admin-count';
import { DynamoAudit } from './dynamo-audit';
import { DynamoKeys } from './dynamo-keys';
import { DynamoSessions } from './dynamo-sessions';
import { DynamoUsers } from './dynamo-users';
import type { AccountStore } from './port';
import { DEFAULT_AUDIT_RETENTION_MS, DynamoTable } from './table';

export { EmailTakenError, StaleCredentialsError, type FlagsResult, type VerifiedCredentials } from './port';
export type { AuditAuthMethod, AuditEntry, AuditRecord, CallerState, KeyRecord, LoginAttempts, NewKey, NewUser, Page, SessionRecord, UserRecord } from './account-records';
export { DEFAULT_AUDIT_RETENTION_MS, TransactionConditionError } from './table';

export class DynamoAccountStore implements AccountStore {
  private readonly adminCount: DynamoAdminCount;
  private readonly users: DynamoUsers;
  private readonly keys: DynamoKeys;
  private readonly sessions: DynamoSessions;
  private readonly audit: DynamoAudit;

  constructor(client: DynamoDBClient, tableName: string, now: () => number = Date.now, auditRetentionMs: number = DEFAULT_AUDIT_RETENTION_MS) {
    const table = new DynamoTable(client, tableName, now, auditRetentionMs);
    this.adminCount = new DynamoAdminCount(table);
    this.users = new DynamoUsers(table, this.adminCount);
    this.keys = new DynamoKeys(table);
    this.sessions = new DynamoSessions(table);
    this.audit = new DynamoAudit(table);
  }

  // users and the directory
  readonly createUser: AccountStore['createUser'] = (...a) => this.users.createUser(...a);
  readonly getUser: AccountStore['getUser'] = (...a) => this.users.getUser(...a);
  readonly listUsers: AccountStore['listUsers'] = (...a) => this.users.listUsers(...a);
  readonly indexUsers: AccountStore['indexUsers'] = () => this.users.indexUsers();
  readonly userIdByEmail: AccountStore['userIdByEmail'] = (...a) => this.users.userIdByEmail(...a);
  readonly setDisabled: AccountStore['setDisabled'] = (...a) => this.users.setDisabled(...a);
  /** Not in the port: the CLI and tests make admins. */
  readonly setAdmin: DynamoUsers['setAdmin'] = (...a) => this.users.setAdmin(...a);
  readonly recountEnabledAdmins: AccountStore['recountEnabledAdmins'] = () => this.adminCount.recountEnabledAdmins();
  readonly setPassword: AccountStore['setPassword'] = (...a) => this.users.setPassword(...a);

  // keys
  readonly createKey: AccountStore['createKey'] = (...a) => this.keys.createKey(...a);
  readonly getKey: AccountStore['getKey'] = (...a) => this.keys.getKey(...a);
  readonly listKeys: AccountStore['listKeys'] = (...a) => this.keys.listKeys(...a);
  readonly listKeysPage: AccountStore['listKeysPage'] = (...a) => this.keys.listKeysPage(...a);
  readonly renameKey: AccountStore['renameKey'] = (...a) => this.keys.renameKey(...a);
  readonly rotateKey: AccountStore['rotateKey'] = (...a) => this.keys.rotateKey(...a);
  readonly revokeKey: AccountStore['revokeKey'] = (...a) => this.keys.revokeKey(...a);

  // sessions, the caller of a request, failed logins
  readonly createSession: AccountStore['createSession'] = (...a) => this.sessions.createSession(...a);
  readonly listSessions: AccountStore['listSessions'] = (...a) => this.sessions.listSessions(...a);
  readonly deleteSession: AccountStore['deleteSession'] = (...a) => this.sessions.deleteSession(...a);
  readonly callerState: AccountStore['callerState'] = (...a) => this.sessions.callerState(...a);
  readonly registerLoginAttempt: AccountStore['registerLoginAttempt'] = (...a) => this.sessions.registerLoginAttempt(...a);
  readonly clearLoginAttempts: AccountStore['clearLoginAttempts'] = (...a) => this.sessions.clearLoginAttempts(...a);
  readonly logHashKey: AccountStore['logHashKey'] = () => this.sessions.logHashKey();

  // audit trail
  readonly listAudit: AccountStore['listAudit'] = (...a) => this.audit.listAudit(...a);
}
