/**
 * What the domain needs from storage: `CredentialStore` for the authorizer
 * (adapter: `dynamo-credential-store.ts`), `AccountStore` for the management
 * services (adapter: `dynamo-account-store.ts`), `ClientStore` for the client
 * and OAuth services (adapter: `dynamo-clients.ts`). Domain code depends on these,
 * never on the AWS SDK.
 */
import type { CreditsPeriod } from '../core/credits';
import type { ParsedToken } from '../core/token';
import type { AuditEntry, AuditRecord, CallerState, KeyRecord, LoginAttempts, NewKey, NewUser, Page, SessionRecord, UserRecord } from './account-records';
import type { ClientChanges, ClientRecord, CodeRecord, GrantRef, NewClient } from './client-records';

export type { ClientChanges, ClientRecord, CodeRecord, GrantRef, NewClient } from './client-records';
export type { AuditAuthMethod, AuditEntry, AuditRecord, CallerState, Credits, KeyRecord, LoginAttempts, NewKey, NewUser, Page, SessionRecord, UsageKeyFields, UserRecord } from './account-records';

export interface UserState {
  readonly kind: 'human' | 'bot';
  readonly admin: boolean;
  readonly disabled: boolean;
  /** bumped by every password change (absent = 0) */
  readonly credentialsEpoch: number;
  /** the user's own usage key (API Gateway API key value) when an admin gave the user a plan; not a credential */
  readonly usageKey?: string;
}

export type { CreditsPeriod } from '../core/credits';

export interface CredentialState {
  readonly secretHash: string;
  /** keys only: the permissions fixed at creation */
  readonly permissions?: readonly string[];
  /** epoch milliseconds */
  readonly expiresAt?: number;
  /** epoch milliseconds */
  readonly revokedAt?: number;
  /** epoch milliseconds; keys only */
  readonly lastUsedAt?: number;
  /** keys only: the API client the key was issued through */
  readonly clientId?: string;
  /** sessions only: the owner's credentials epoch when it was made (absent = 0) */
  readonly credentialsEpoch?: number;
  /** keys only: the key's own usage key, when an admin gave the key a plan; not a credential */
  readonly usageKey?: string;
  /**
   * keys only: exact credits, the requests left when read. Present = every
   * request spends one (`spendCredit`); the count itself is never trusted
   * from the cache, the conditional write decides.
   */
  readonly credits?: number;
  /** keys only: what the credits refill to at the start of each period */
  readonly creditsRefill?: number;
  readonly creditsPeriod?: CreditsPeriod;
  /** keys only: the period the credits are for, `YYYY-MM-DD` (day) or `YYYY-MM` (month), UTC */
  readonly creditsWindow?: string;
  /**
   * keys only: a rotated key that had credits spends its successor's (this
   * key id's) during its grace period; `creditsRefill`/`creditsPeriod` stay
   * on it to name the window.
   */
  readonly creditsOn?: string;
}

/** A credential and its owner, read together in one round trip. Either may be missing. */
export interface CredentialLookup {
  readonly credential?: CredentialState;
  readonly user?: UserState;
}

export interface CredentialStore {
  /** One round trip. Throws when the store cannot answer; the caller fails closed. */
  lookup(token: ParsedToken): Promise<CredentialLookup>;
  /**
   * Records that a key was used at `at`, unless it was already recorded after
   * `notBefore`. Bookkeeping only: callers ignore its failures.
   */
  touchKey(userId: string, keyId: string, at: number, notBefore: number): Promise<void>;
  /**
   * Spends one of a key's exact credits with conditional writes: `'ok'` when
   * one was left (refilling first when `window`, the current refill window,
   * is newer than the key's), `'spent'` when none is. Throws when the store
   * cannot answer; the caller fails closed.
   */
  spendCredit(userId: string, keyId: string, window?: string): Promise<'ok' | 'spent'>;
}

/** A store that could not answer. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/**
 * What the management services need from storage: users, keys, sessions,
 * login counters and audit trails. Services depend on this, never on the
 * DynamoDB adapter (`dynamo-account-store.ts`). Every change is written
 * together with its audit records, atomically. Never stores a secret: the
 * services mint credentials and pass their hashes.
 */
export interface AccountStore {
  // users and the directory
  createUser(user: NewUser, audit?: (userId: string) => readonly AuditEntry[]): Promise<{ userId: string; createdAt: number }>;
  getUser(userId: string): Promise<UserRecord | undefined>;
  /** creation order; `after` is the `last` of the previous page */
  listUsers(limit: number, after?: string): Promise<Page<UserRecord>>;
  /** one-off migration (CLI): directory pointers for users made before the directory */
  indexUsers(): Promise<number>;
  userIdByEmail(email: string): Promise<string | undefined>;
  setDisabled(userId: string, disabled: boolean, audit?: readonly AuditEntry[]): Promise<FlagsResult>;
  /** one-off migration (CLI): the count of enabled admins */
  recountEnabledAdmins(): Promise<number>;
  setPassword(userId: string, current: VerifiedCredentials, newHash: string, keepSession: string, endSessions: readonly string[], audit?: readonly AuditEntry[]): Promise<boolean>;

  // keys
  /** `secret`: minted by the service (lambda/management/mint.ts); the store keeps its hash, never the secret */
  createKey(userId: string, kind: 'user' | 'bot', secret: StoredKeySecret, key: NewKey, audit?: readonly AuditEntry[]): Promise<{ createdAt: number }>;
  getKey(userId: string, keyId: string): Promise<KeyRecord | undefined>;
  listKeys(userId: string): Promise<KeyRecord[]>;
  listKeysPage(userId: string, limit: number, after?: string): Promise<Page<KeyRecord>>;
  renameKey(userId: string, keyId: string, name: string, audit?: readonly AuditEntry[]): Promise<boolean>;
  /** Creates `old`'s successor (`secret`) and ends `old` at `endsAt`, atomically; undefined when `old` is gone, revoked or already rotated. */
  /** Undefined also when `old`'s credits changed since it was read (a request spent one): nothing is handed over twice. */
  rotateKey(userId: string, old: KeyRecord, endsAt: number, secret: StoredKeySecret, next: NewKey, audit?: readonly AuditEntry[]): Promise<{ createdAt: number } | undefined>;
  revokeKey(userId: string, keyId: string, at?: number, audit?: readonly AuditEntry[]): Promise<'revoked' | 'already_revoked' | 'missing'>;

  // sessions and the caller of a request
  /** With `verified`, written only if the profile still has that password hash and epoch (else `StaleCredentialsError`). */
  createSession(userId: string, secret: StoredSessionSecret, expiresAt: number, audit?: readonly AuditEntry[], verified?: VerifiedCredentials): Promise<{ createdAt: number }>;
  listSessions(userId: string): Promise<SessionRecord[]>;
  deleteSession(userId: string, sessionId: string, audit?: readonly AuditEntry[]): Promise<boolean>;
  callerState(userId: string, credential: { kind: 'key' | 'session'; id: string }): Promise<CallerState>;

  // failed logins
  registerLoginAttempt(email: string, windowMs: number): Promise<LoginAttempts>;
  clearLoginAttempts(email: string): Promise<void>;
  /** the deployment's key for hashing e-mails in log lines */
  logHashKey(): Promise<Buffer>;

  // audit trail
  listAudit(userId: string, limit: number, cursor?: string): Promise<{ records: AuditRecord[]; next?: string }>;
}

/** What the store keeps of a new key: its id, the hash of its secret, and the hint shown in lists. */
export interface StoredKeySecret {
  readonly keyId: string;
  readonly secretHash: string;
  readonly hint: string;
}

/** What the store keeps of a new session token. */
export interface StoredSessionSecret {
  readonly sessionId: string;
  readonly secretHash: string;
}

/**
 * What `setDisabled` did: `last_admin` when the change would have left
 * no enabled admin, and nothing was changed.
 */
export type FlagsResult = 'updated' | 'unchanged' | 'missing' | 'last_admin';

/** What a login checked the password against: the session is made only if the profile still has it. */
export interface VerifiedCredentials {
  readonly passwordHash: string;
  readonly credentialsEpoch: number;
}

export class EmailTakenError extends Error {
  constructor() {
    super('a user with this e-mail already exists');
    this.name = 'EmailTakenError';
  }
}

/** A login's password check no longer holds: the password changed after it was read. */
export class StaleCredentialsError extends Error {
  constructor() {
    super('the password changed while the login was checked');
    this.name = 'StaleCredentialsError';
  }
}

/** What the store keeps of a confidential client's secret, minted by the service. */
export interface StoredClientSecret {
  readonly hash: string;
  readonly hint: string;
}

/** Why a key could not be issued through a client. */
export class IssueRefusedError extends Error {
  constructor(readonly reason: 'client_gone' | 'code_used') {
    super(reason === 'client_gone' ? 'the client was deleted' : 'the code was used already');
    this.name = 'IssueRefusedError';
  }
}

/** The code a key is issued for: it is marked used in the same transaction, once. */
export interface CodeUse {
  readonly codeId: string;
}

/** What the client and OAuth services need of storage: clients, the keys issued through them, codes, failed client authentications. */
export interface ClientStore {
  // clients
  /** Registers a client the service minted: its id and, for a confidential one, its secret's hash and hint. */
  createClient(ownerId: string, clientId: string, client: NewClient, secret: StoredClientSecret | undefined, audit: readonly AuditEntry[]): Promise<{ client: ClientRecord }>;
  getClient(clientId: string): Promise<ClientRecord | undefined>;
  /** The clients a user registered, deleted ones included (their deletion may be unfinished). */
  listOwnedClients(ownerId: string): Promise<ClientRecord[]>;
  getClients(clientIds: readonly string[]): Promise<ClientRecord[]>;
  /** Changes a live client of `ownerId`; false when there is none. */
  updateClient(ownerId: string, clientId: string, changes: ClientChanges, audit: readonly AuditEntry[]): Promise<boolean>;
  rotateClientSecret(ownerId: string, clientId: string, secret: StoredClientSecret, audit: readonly AuditEntry[]): Promise<boolean>;
  /** Starts a deletion: from then on nothing is issued through the client. */
  markClientDeleted(ownerId: string, clientId: string): Promise<boolean>;
  removeClient(client: Pick<ClientRecord, 'clientId' | 'ownerId' | 'createdAt'>, audit: readonly AuditEntry[]): Promise<void>;
  /** Every client, oldest first, from the client directory (no scan). */
  listAllClients(limit: number, after?: string): Promise<Page<ClientRecord>>;
  /** Adds missing directory pointers (one scan, for `upgrade-table`); how many it added. */
  indexClients(): Promise<number>;
  /** An admin disables or enables a live client; false when there is none. */
  setClientDisabled(clientId: string, disabled: boolean, audit: readonly AuditEntry[]): Promise<boolean>;

  // keys issued through a client
  /** The key, its GRANT reference and the code's use in one transaction that also checks the client is live and enabled and its owner enabled; throws IssueRefusedError. */
  issueClientKey(userId: string, client: Pick<ClientRecord, 'clientId' | 'ownerId'>, secret: StoredKeySecret, key: Omit<NewKey, 'clientId'>, code: CodeUse | undefined, audit: readonly AuditEntry[]): Promise<{ createdAt: number }>;
  /** A page of the keys issued through a client, for every user. */
  grantsPage(clientId: string, limit: number): Promise<GrantRef[]>;
  revokeGrant(clientId: string, grant: GrantRef, audit: readonly AuditEntry[]): Promise<'revoked' | 'already_revoked'>;

  // authorization codes
  createCode(code: CodeRecord): Promise<void>;
  getCode(codeId: string): Promise<CodeRecord | undefined>;
}
