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
import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
  UpdateItemCommand,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import { DEFAULT_PREFIXES, generateToken, keyHint, newId, type NewToken, type TokenPrefixes } from '../core/token';
import {
  AUDIT_SK_PREFIX,
  LOGIN_ATTEMPTS_SK,
  auditSk,
  loginAttemptsPk,
  n,
  num,
  s,
  str,
  toAudit,
  toKey,
  toSession,
  toUser,
  ttlOf,
  type AuditEntry,
  type AuditRecord,
  type CallerState,
  type Item,
  type KeyRecord,
  type LoginAttempts,
  type NewKey,
  type NewUser,
  type Page,
  type SessionRecord,
  type UserRecord,
} from './account-records';
import { grantItem } from './client-records';
import { ADMIN_COUNT_KEY, CREDENTIALS_EPOCH, KEY_SK_PREFIX, LOG_HASH_KEY_SK, PROFILE_SK, SETTINGS_PK, TTL_ATTRIBUTE, USERS_PK, USER_DIRECTORY_PREFIX, emailPk, keySk, sessionSk, userDirectorySk, userPk } from './keys';

export type { AuditAuthMethod, AuditEntry, AuditRecord, CallerState, KeyRecord, LoginAttempts, NewKey, NewUser, Page, SessionRecord, UserRecord } from './account-records';

export class EmailTakenError extends Error {
  constructor() {
    super('a user with this e-mail already exists');
    this.name = 'EmailTakenError';
  }
}

/**
 * What `updateUserFlags` did: `last_admin` when the change would have left
 * no enabled admin, and nothing was changed.
 */
export type FlagsResult = 'updated' | 'unchanged' | 'missing' | 'last_admin';

/** A login's password check no longer holds: the password changed after it was read. */
export class StaleCredentialsError extends Error {
  constructor() {
    super('the password changed while the login was checked');
    this.name = 'StaleCredentialsError';
  }
}

/** What a login checked the password against: the session is made only if the profile still has it. */
export interface VerifiedCredentials {
  readonly passwordHash: string;
  readonly credentialsEpoch: number;
}

/** A condition of a transaction failed; `failed` holds the indexes of the items whose condition did. */
export class TransactionConditionError extends Error {
  constructor(readonly failed: readonly number[], options?: { cause?: unknown }) {
    super(`transaction condition failed on item(s) ${failed.join(', ')}`, options);
    this.name = 'TransactionConditionError';
  }
}

export const DEFAULT_AUDIT_RETENTION_MS = 365 * 24 * 3600 * 1000;

/** DynamoDB allows 100 items in a transaction. */
const MAX_TRANSACTION_ITEMS = 100;

export class DynamoAccountStore {
  constructor(
    protected readonly client: DynamoDBClient,
    protected readonly tableName: string,
    protected readonly prefixes: TokenPrefixes = DEFAULT_PREFIXES,
    protected readonly now: () => number = Date.now,
    private readonly auditRetentionMs: number = DEFAULT_AUDIT_RETENTION_MS,
  ) {}

  // ---- users

  /**
   * Creates a user; the e-mail, when given, is claimed in the same transaction
   * so it stays unique, and the user's pointer in the directory (`listUsers`)
   * is written with it, so no user is ever missing from the list.
   */
  async createUser(user: NewUser, audit: (userId: string) => readonly AuditEntry[] = () => []): Promise<{ userId: string; createdAt: number }> {
    const userId = newId();
    const createdAt = this.now();
    const email = user.email?.toLowerCase();
    const item: Item = {
      pk: s(userPk(userId)),
      sk: s(PROFILE_SK),
      userId: s(userId),
      kind: s(user.kind),
      isAdmin: { BOOL: user.admin === true },
      disabled: { BOOL: false },
      createdAt: n(createdAt),
      ...(email ? { email: s(email) } : {}),
      ...(user.passwordHash ? { passwordHash: s(user.passwordHash) } : {}),
    };
    const items: TransactWriteItem[] = [{ Put: { TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } }];
    if (email) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: { pk: s(emailPk(email)), sk: s('EMAIL'), userId: s(userId) },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    }
    const directory: TransactWriteItem = {
      Put: { TableName: this.tableName, Item: { pk: s(USERS_PK), sk: s(userDirectorySk(createdAt, userId)), userId: s(userId) } },
    };
    // A new admin is enabled: one more in the count.
    const counted = user.admin === true ? [this.adminCountChange(+1)] : [];
    try {
      await this.transact([...items, directory, ...counted, ...this.auditPuts(audit(userId))]);
    } catch (err) {
      if (err instanceof TransactionConditionError && email && err.failed.includes(1)) throw new EmailTakenError();
      throw err;
    }
    return { userId, createdAt };
  }

  async getUser(userId: string): Promise<UserRecord | undefined> {
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { pk: s(userPk(userId)), sk: s(PROFILE_SK) }, ConsistentRead: true }),
    );
    return out.Item ? toUser(out.Item) : undefined;
  }

  /**
   * A page of users in creation order (oldest first), from the directory
   * partition: one Query for the pointers, one BatchGetItem for the profiles
   * (without their password hashes). `after` is a directory sort key.
   */
  async listUsers(limit: number, after?: string): Promise<Page<UserRecord>> {
    const page = await this.queryPage(USERS_PK, USER_DIRECTORY_PREFIX, limit, after);
    const ids = page.items.map((i) => str(i.userId)).filter((id): id is string => id !== undefined);
    const profiles = await this.getProfiles(ids);
    return { items: ids.flatMap((id) => profiles.get(id) ?? []), ...(page.last ? { last: page.last } : {}) };
  }

  /**
   * Adds the directory pointer of every user that has none: users made
   * before the directory existed. Scans the whole table, so it is for the
   * CLI's one-off `index-users`, never for a request. Returns how many it added.
   */
  async indexUsers(): Promise<number> {
    let added = 0;
    let start: Item | undefined;
    do {
      const out = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: 'sk = :profile',
          ProjectionExpression: 'userId, createdAt',
          ExpressionAttributeValues: { ':profile': s(PROFILE_SK) },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of out.Items ?? []) {
        const userId = str(item.userId);
        if (!userId) continue;
        try {
          await this.client.send(
            new PutItemCommand({
              TableName: this.tableName,
              Item: { pk: s(USERS_PK), sk: s(userDirectorySk(num(item.createdAt) ?? 0, userId)), userId: s(userId) },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          );
          added++;
        } catch (err) {
          if (!(err instanceof ConditionalCheckFailedException)) throw err;
        }
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return added;
  }

  async userIdByEmail(email: string): Promise<string | undefined> {
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { pk: s(emailPk(email)), sk: s('EMAIL') }, ConsistentRead: true }),
    );
    return str(out.Item?.userId);
  }

  /** Disables or enables a user; the authorizer reads this flag with every credential. See `updateUserFlags`. */
  async setDisabled(userId: string, disabled: boolean, audit: readonly AuditEntry[] = []): Promise<FlagsResult> {
    return this.updateUserFlags(userId, { disabled }, audit);
  }

  /**
   * Sets the count of enabled admins from the profiles, for a table written
   * before the count existed (where disabling any admin is refused as the
   * last one). A consistent Scan, so for tools with table-wide access (the
   * admin CLI, the local runner), not for the Lambdas. Writes only when
   * there is no count yet, so a count kept in step is never overwritten; a
   * change racing it can only leave the count low, which refuses more, never
   * less. Returns the count now stored.
   */
  async recountEnabledAdmins(): Promise<number> {
    const key = { pk: s(ADMIN_COUNT_KEY.pk), sk: s(ADMIN_COUNT_KEY.sk) };
    let enabled = 0;
    let start: Item | undefined;
    do {
      const out = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          ConsistentRead: true,
          FilterExpression: 'sk = :profile AND isAdmin = :yes AND disabled = :no',
          ExpressionAttributeValues: { ':profile': s(PROFILE_SK), ':yes': { BOOL: true }, ':no': { BOOL: false } },
          ProjectionExpression: 'pk',
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      enabled += out.Count ?? 0;
      start = out.LastEvaluatedKey;
    } while (start);
    try {
      await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: { ...key, count: n(enabled) }, ConditionExpression: 'attribute_not_exists(pk)' }));
      return enabled;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const out = await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
      return num(out.Item?.count) ?? 0;
    }
  }

  /** Gives or takes the admin flag. See `updateUserFlags`. */
  async setAdmin(userId: string, admin: boolean, audit: readonly AuditEntry[] = []): Promise<FlagsResult> {
    return this.updateUserFlags(userId, { admin }, audit);
  }

  /**
   * Changes a user's `disabled` and `admin` flags and the count of enabled
   * admins in one transaction. The profile is changed only if it still has
   * the flags just read (else read again), and a change that takes an
   * enabled admin away is made only while the count is above one, so no two
   * concurrent changes can leave no enabled admin (`last_admin`).
   */
  async updateUserFlags(userId: string, change: { readonly disabled?: boolean; readonly admin?: boolean }, audit: readonly AuditEntry[] = []): Promise<FlagsResult> {
    for (let attempt = 1; ; attempt++) {
      const user = await this.getUser(userId);
      if (!user) return 'missing';
      const disabled = change.disabled ?? user.disabled;
      const admin = change.admin ?? user.admin;
      if (disabled === user.disabled && admin === user.admin) return 'unchanged';
      const delta = Number(admin && !disabled) - Number(user.admin && !user.disabled);
      const items: TransactWriteItem[] = [
        {
          Update: {
            TableName: this.tableName,
            Key: { pk: s(userPk(userId)), sk: s(PROFILE_SK) },
            UpdateExpression: 'SET disabled = :d, isAdmin = :a',
            // As read: a concurrent change would make `delta` wrong.
            ConditionExpression: 'attribute_exists(pk) AND disabled = :wasD AND isAdmin = :wasA',
            ExpressionAttributeValues: { ':d': { BOOL: disabled }, ':a': { BOOL: admin }, ':wasD': { BOOL: user.disabled }, ':wasA': { BOOL: user.admin } },
          },
        },
        ...(delta === 0 ? [] : [this.adminCountChange(delta)]),
        ...this.auditPuts(audit),
      ];
      try {
        await this.transact(items);
        return 'updated';
      } catch (err) {
        if (!(err instanceof TransactionConditionError)) throw err;
        if (delta < 0 && err.failed.includes(1)) return 'last_admin';
        if (!err.failed.includes(0) || attempt >= 3) throw err;
      }
    }
  }

  /**
   * Replaces a password hash if it is still `current.passwordHash` and the
   * epoch still `current.credentialsEpoch`, and bumps the epoch: every session
   * made under the old one is refused from then on, including one a
   * concurrent login made after `endSessions` was listed. `keepSession` (the
   * caller's) moves to the new epoch in the same transaction; the sessions
   * in `endSessions` are deleted (tidiness: the epoch already ends them).
   * Returns false when the password changed meanwhile or `keepSession` is gone.
   */
  async setPassword(
    userId: string,
    current: VerifiedCredentials,
    newHash: string,
    keepSession: string,
    endSessions: readonly string[],
    audit: readonly AuditEntry[] = [],
  ): Promise<boolean> {
    const next = current.credentialsEpoch + 1;
    const update: TransactWriteItem = {
      Update: {
        TableName: this.tableName,
        Key: { pk: s(userPk(userId)), sk: s(PROFILE_SK) },
        UpdateExpression: 'SET passwordHash = :new, passwordChangedAt = :at, #epoch = :next',
        ConditionExpression: `passwordHash = :current AND ${epochIs(current.credentialsEpoch)}`,
        ExpressionAttributeNames: { '#epoch': CREDENTIALS_EPOCH },
        ExpressionAttributeValues: { ':new': s(newHash), ':current': s(current.passwordHash), ':at': n(this.now()), ':next': n(next), ':epoch': n(current.credentialsEpoch) },
      },
    };
    const keep: TransactWriteItem = {
      Update: {
        TableName: this.tableName,
        Key: { pk: s(userPk(userId)), sk: s(sessionSk(keepSession)) },
        UpdateExpression: 'SET #epoch = :next',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#epoch': CREDENTIALS_EPOCH },
        ExpressionAttributeValues: { ':next': n(next) },
      },
    };
    const auditItems = this.auditPuts(audit);
    const deletes = endSessions
      .filter((id) => id !== keepSession)
      .map((id): TransactWriteItem => ({ Delete: { TableName: this.tableName, Key: { pk: s(userPk(userId)), sk: s(sessionSk(id)) } } }));
    const room = MAX_TRANSACTION_ITEMS - 2 - auditItems.length;
    try {
      await this.transact([update, keep, ...auditItems, ...deletes.slice(0, room)]);
    } catch (err) {
      if (err instanceof TransactionConditionError && (err.failed.includes(0) || err.failed.includes(1))) return false;
      throw err;
    }
    for (let i = room; i < deletes.length; i += MAX_TRANSACTION_ITEMS) {
      await this.transact(deletes.slice(i, i + MAX_TRANSACTION_ITEMS));
    }
    return true;
  }

  // ---- keys

  /**
   * Creates a key; the returned token's `value` is the only copy of the secret.
   * `also` adds items to the same transaction, right after the key (item 0),
   * so a failed condition of theirs is reported with index 1 onwards.
   */
  async createKey(
    userId: string,
    kind: 'user' | 'bot',
    key: NewKey,
    audit: (keyId: string) => readonly AuditEntry[] = () => [],
    also: (keyId: string) => readonly TransactWriteItem[] = () => [],
  ): Promise<{ token: NewToken; createdAt: number }> {
    const token = generateToken(kind, userId, this.prefixes);
    const createdAt = key.createdAt ?? this.now();
    await this.transact([
      { Put: { TableName: this.tableName, Item: this.keyItem(userId, kind, token, key, createdAt), ConditionExpression: 'attribute_not_exists(pk)' } },
      ...also(token.id),
      ...this.auditPuts(audit(token.id)),
    ]);
    return { token, createdAt };
  }

  async getKey(userId: string, keyId: string): Promise<KeyRecord | undefined> {
    const out = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { pk: s(userPk(userId)), sk: s(keySk(keyId)) }, ConsistentRead: true }),
    );
    return out.Item ? toKey(out.Item) : undefined;
  }

  async listKeys(userId: string): Promise<KeyRecord[]> {
    return (await this.queryPrefix(userId, KEY_SK_PREFIX)).map(toKey);
  }

  /** A page of a user's keys in key id order (stable, unlike creation time it needs no index). `after` is a key sort key. */
  async listKeysPage(userId: string, limit: number, after?: string): Promise<Page<KeyRecord>> {
    const page = await this.queryPage(userPk(userId), KEY_SK_PREFIX, limit, after);
    return { items: page.items.map(toKey), ...(page.last ? { last: page.last } : {}) };
  }

  /** Returns false when there is no such key. */
  async renameKey(userId: string, keyId: string, name: string, audit: readonly AuditEntry[] = []): Promise<boolean> {
    return this.transactUnlessFailed(0, [
      {
        Update: {
          TableName: this.tableName,
          Key: { pk: s(userPk(userId)), sk: s(keySk(keyId)) },
          UpdateExpression: 'SET #name = :name',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#name': 'name' },
          ExpressionAttributeValues: { ':name': s(name) },
        },
      },
      ...this.auditPuts(audit),
    ]);
  }

  /**
   * Creates `old`'s successor and sets `old`'s end to `endsAt`, atomically.
   * Returns undefined when `old` is gone, revoked or already rotated, so two
   * rotations of one key can never both succeed.
   */
  async rotateKey(
    userId: string,
    old: KeyRecord,
    endsAt: number,
    next: NewKey,
    audit: (newKeyId: string) => readonly AuditEntry[] = () => [],
  ): Promise<{ token: NewToken; createdAt: number } | undefined> {
    const token = generateToken(old.kind, userId, this.prefixes);
    const createdAt = next.createdAt ?? this.now();
    // The successor of a key issued through an API client stays that client's, so deleting the client still finds it.
    const clientId = next.clientId ?? old.clientId;
    const grant: TransactWriteItem[] = clientId ? [{ Put: { TableName: this.tableName, Item: grantItem(clientId, userId, token.id, createdAt) } }] : [];
    // Item 1 is the old key: gone, revoked or already rotated.
    const rotated = await this.transactUnlessFailed(1, [
      {
        Put: {
          TableName: this.tableName,
          Item: { ...this.keyItem(userId, old.kind, token, { ...next, ...(clientId ? { clientId } : {}) }, createdAt), replaces: s(old.keyId) },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Update: {
          TableName: this.tableName,
          Key: { pk: s(userPk(userId)), sk: s(keySk(old.keyId)) },
          UpdateExpression: 'SET revokedAt = :end, replacedBy = :next',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(revokedAt)',
          ExpressionAttributeValues: { ':end': n(endsAt), ':next': s(token.id) },
        },
      },
      ...grant,
      ...this.auditPuts(audit(token.id)),
    ]);
    return rotated ? { token, createdAt } : undefined;
  }

  /**
   * Ends a key at `at` (default now). A revocation only ever moves earlier:
   * repeating it keeps the first time, and revoking a key in its rotation
   * grace period ends it now.
   */
  async revokeKey(userId: string, keyId: string, at = this.now(), audit: readonly AuditEntry[] = []): Promise<'revoked' | 'already_revoked' | 'missing'> {
    const revoked = await this.transactUnlessFailed(0, [
      {
        Update: {
          TableName: this.tableName,
          Key: { pk: s(userPk(userId)), sk: s(keySk(keyId)) },
          UpdateExpression: 'SET revokedAt = :at',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(revokedAt) OR revokedAt > :at)',
          ExpressionAttributeValues: { ':at': n(at) },
        },
      },
      ...this.auditPuts(audit),
    ]);
    if (revoked) return 'revoked';
    return (await this.getKey(userId, keyId)) ? 'already_revoked' : 'missing';
  }

  // ---- sessions

  /**
   * Makes a session under the user's current credentials epoch. A login
   * passes what it checked the password against: the session is then written
   * only if the profile still has that hash and epoch, in the same
   * transaction, so a login checked against an old password cannot leave a
   * session once the new one is stored (`StaleCredentialsError`). Without it
   * (fixtures, tools) the session belongs to epoch 0.
   */
  async createSession(
    userId: string,
    expiresAt: number,
    audit: (sessionId: string) => readonly AuditEntry[] = () => [],
    verified?: VerifiedCredentials,
  ): Promise<{ token: NewToken; createdAt: number }> {
    const token = generateToken('session', userId, this.prefixes);
    const createdAt = this.now();
    const items: TransactWriteItem[] = [
      {
        Put: {
          TableName: this.tableName,
          Item: {
            pk: s(userPk(userId)),
            sk: s(sessionSk(token.id)),
            sessionId: s(token.id),
            secretHash: s(token.secretHash),
            createdAt: n(createdAt),
            expiresAt: n(expiresAt),
            [CREDENTIALS_EPOCH]: n(verified?.credentialsEpoch ?? 0),
            [TTL_ATTRIBUTE]: n(ttlOf(expiresAt)),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ];
    if (verified) {
      items.push({
        ConditionCheck: {
          TableName: this.tableName,
          Key: { pk: s(userPk(userId)), sk: s(PROFILE_SK) },
          ConditionExpression: `passwordHash = :hash AND ${epochIs(verified.credentialsEpoch)}`,
          ExpressionAttributeNames: { '#epoch': CREDENTIALS_EPOCH },
          ExpressionAttributeValues: { ':hash': s(verified.passwordHash), ':epoch': n(verified.credentialsEpoch) },
        },
      });
    }
    try {
      await this.transact([...items, ...this.auditPuts(audit(token.id))]);
    } catch (err) {
      if (verified && err instanceof TransactionConditionError && err.failed.includes(1)) throw new StaleCredentialsError();
      throw err;
    }
    return { token, createdAt };
  }

  /** Every session item, expired ones included (TTL removes them late). */
  async listSessions(userId: string): Promise<SessionRecord[]> {
    return (await this.queryPrefix(userId, 'SESSION#')).map(toSession);
  }

  /** Returns false when there is no such session. */
  async deleteSession(userId: string, sessionId: string, audit: readonly AuditEntry[] = []): Promise<boolean> {
    return this.transactUnlessFailed(0, [
      {
        Delete: {
          TableName: this.tableName,
          Key: { pk: s(userPk(userId)), sk: s(sessionSk(sessionId)) },
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      ...this.auditPuts(audit),
    ]);
  }

  // ---- the caller of a management request

  /** The user and the key or session a request came with, in one round trip. */
  async callerState(userId: string, credential: { kind: 'key' | 'session'; id: string }): Promise<CallerState> {
    const pk = userPk(userId);
    const sk = credential.kind === 'key' ? keySk(credential.id) : sessionSk(credential.id);
    const out = await this.client.send(
      new BatchGetItemCommand({
        RequestItems: { [this.tableName]: { Keys: [{ pk: s(pk), sk: s(PROFILE_SK) }, { pk: s(pk), sk: s(sk) }], ConsistentRead: true } },
      }),
    );
    if (out.UnprocessedKeys && Object.keys(out.UnprocessedKeys).length > 0) throw new Error('DynamoDB left keys unprocessed');
    const items = out.Responses?.[this.tableName] ?? [];
    const userItem = items.find((i) => i.sk?.S === PROFILE_SK);
    const credItem = items.find((i) => i.sk?.S === sk);
    return {
      ...(userItem ? { user: toUser(userItem) } : {}),
      ...(credItem && credential.kind === 'key' ? { key: toKey(credItem) } : {}),
      ...(credItem && credential.kind === 'session' ? { session: toSession(credItem) } : {}),
    };
  }

  // ---- failed-login counter

  /**
   * Counts a login attempt for an e-mail, before its password is checked, so
   * concurrent guesses cannot slip past the limit. A window starts at the
   * first attempt and lasts `windowMs`; the item expires by TTL after it.
   */
  async registerLoginAttempt(email: string, windowMs: number): Promise<LoginAttempts> {
    return this.registerAttempt(loginAttemptsPk(email), windowMs);
  }

  async clearLoginAttempts(email: string): Promise<void> {
    await this.clearAttempts(loginAttemptsPk(email));
  }

  /** The counter of `registerLoginAttempt` for any partition key (API clients count their authentications too). */
  protected async registerAttempt(pk: string, windowMs: number): Promise<LoginAttempts> {
    const key = { pk: s(pk), sk: s(LOGIN_ATTEMPTS_SK) };
    for (let tries = 0; ; tries++) {
      const now = this.now();
      const cutoff = n(now - windowMs);
      try {
        // No window yet (or just cleared by a successful login): this starts one; a current window: count in it.
        const out = await this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: key,
            UpdateExpression: 'SET attempts = if_not_exists(attempts, :zero) + :one, windowStart = if_not_exists(windowStart, :now), #ttl = if_not_exists(#ttl, :ttl)',
            ConditionExpression: 'attribute_not_exists(pk) OR windowStart > :cutoff',
            ExpressionAttributeNames: { '#ttl': TTL_ATTRIBUTE },
            ExpressionAttributeValues: { ':zero': n(0), ':one': n(1), ':now': n(now), ':ttl': n(ttlOf(now + windowMs)), ':cutoff': cutoff },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return { attempts: num(out.Attributes?.attempts) ?? 1, windowStart: num(out.Attributes?.windowStart) ?? now };
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      }
      try {
        // An old window: start a new one, unless another attempt just did.
        await this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: { ...key, attempts: n(1), windowStart: n(now), [TTL_ATTRIBUTE]: n(ttlOf(now + windowMs)) },
            ConditionExpression: 'windowStart <= :cutoff',
            ExpressionAttributeValues: { ':cutoff': cutoff },
          }),
        );
        return { attempts: 1, windowStart: now };
      } catch (err) {
        // Another attempt started the window first (or a login cleared it): count in it.
        if (!(err instanceof ConditionalCheckFailedException) || tries >= 2) throw err;
      }
    }
  }

  protected async clearAttempts(pk: string): Promise<void> {
    await this.client.send(new DeleteItemCommand({ TableName: this.tableName, Key: { pk: s(pk), sk: s(LOGIN_ATTEMPTS_SK) } }));
  }

  // ---- the key login log lines hash e-mails with

  /**
   * A random 256-bit key of this deployment, made on first use and kept in
   * the table: never in the code, the template or an environment variable,
   * so a reader of the logs alone cannot test guessed e-mails against them.
   */
  async logHashKey(): Promise<Buffer> {
    const key = { pk: s(SETTINGS_PK), sk: s(LOG_HASH_KEY_SK) };
    const read = async () => (await this.client.send(new GetItemCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }))).Item?.secret?.B;
    const existing = await read();
    if (existing) return Buffer.from(existing);
    const fresh = randomBytes(32);
    try {
      await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: { ...key, secret: { B: fresh } }, ConditionExpression: 'attribute_not_exists(pk)' }));
      return fresh;
    } catch (err) {
      // Another instance made it first: use theirs.
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      return Buffer.from((await read())!);
    }
  }

  // ---- audit trail

  /** A user's audit records, newest first. `cursor` is the `next` of the previous page: an audit sort key. */
  async listAudit(userId: string, limit: number, cursor?: string): Promise<{ records: AuditRecord[]; next?: string }> {
    const page = await this.queryPage(userPk(userId), AUDIT_SK_PREFIX, limit, cursor, false);
    return { records: page.items.map(toAudit), ...(page.last ? { next: page.last } : {}) };
  }

  // ---- helpers

  /**
   * Up to `limit` items of one partition whose sort key starts with `prefix`,
   * after the sort key `after`. Reads one item more than asked, so `last` is
   * set only when another page really follows.
   */
  private async queryPage(pk: string, prefix: string, limit: number, after?: string, forward = true): Promise<Page<Item>> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': s(pk), ':prefix': s(prefix) },
        ScanIndexForward: forward,
        Limit: limit + 1,
        ConsistentRead: true,
        ...(after ? { ExclusiveStartKey: { pk: s(pk), sk: s(after) } } : {}),
      }),
    );
    const items = out.Items ?? [];
    // Fewer items than asked and a LastEvaluatedKey: DynamoDB stopped at its 1 MB page size.
    const stoppedAt = out.LastEvaluatedKey?.sk?.S;
    if (items.length <= limit) return { items, ...(stoppedAt ? { last: stoppedAt } : {}) };
    const page = items.slice(0, limit);
    return { items: page, last: str(page[page.length - 1]!.sk)! };
  }

  /** Profiles by id, without password hashes; unprocessed keys are read again. */
  private async getProfiles(userIds: readonly string[]): Promise<Map<string, UserRecord>> {
    const found = new Map<string, UserRecord>();
    let keys = [...new Set(userIds)].map((id) => ({ pk: s(userPk(id)), sk: s(PROFILE_SK) }));
    for (let attempt = 1; keys.length > 0; attempt++) {
      if (attempt > 5) throw new Error('DynamoDB left keys unprocessed');
      const out = await this.client.send(
        new BatchGetItemCommand({
          RequestItems: {
            [this.tableName]: {
              Keys: keys,
              ConsistentRead: true,
              ProjectionExpression: 'userId, email, kind, isAdmin, disabled, createdAt',
            },
          },
        }),
      );
      for (const item of out.Responses?.[this.tableName] ?? []) found.set(str(item.userId) ?? '', toUser(item));
      keys = (out.UnprocessedKeys?.[this.tableName]?.Keys ?? []) as typeof keys;
      if (keys.length > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt * Math.random()));
    }
    return found;
  }

  /** Moves the count of enabled admins by `delta`; taking one away needs at least two. */
  private adminCountChange(delta: number): TransactWriteItem {
    return {
      Update: {
        TableName: this.tableName,
        Key: { pk: s(ADMIN_COUNT_KEY.pk), sk: s(ADMIN_COUNT_KEY.sk) },
        UpdateExpression: 'ADD #count :delta',
        ...(delta < 0 ? { ConditionExpression: '#count > :one', ExpressionAttributeValues: { ':delta': n(delta), ':one': n(1) } } : { ExpressionAttributeValues: { ':delta': n(delta) } }),
        ExpressionAttributeNames: { '#count': 'count' },
      },
    };
  }

  private keyItem(userId: string, kind: 'user' | 'bot', token: NewToken, key: NewKey, createdAt: number): Item {
    return {
      pk: s(userPk(userId)),
      sk: s(keySk(token.id)),
      keyId: s(token.id),
      kind: s(kind),
      name: s(key.name),
      permissions: { L: key.permissions.map(s) },
      secretHash: s(token.secretHash),
      hint: s(keyHint(token.value)),
      createdAt: n(createdAt),
      ...(key.expiresAt !== undefined ? { expiresAt: n(key.expiresAt) } : {}),
      ...(key.clientId !== undefined ? { clientId: s(key.clientId) } : {}),
    };
  }

  /** Audit items for a transaction: one record per trail, so an actor acting on itself is filed once. */
  protected auditPuts(entries: readonly AuditEntry[]): TransactWriteItem[] {
    const at = this.now();
    const seen = new Set<string>();
    const out: TransactWriteItem[] = [];
    for (const e of entries) {
      if (seen.has(e.userId)) continue;
      seen.add(e.userId);
      const auditId = newId();
      out.push({
        Put: {
          TableName: this.tableName,
          Item: {
            pk: s(userPk(e.userId)),
            sk: s(auditSk(at, auditId)),
            auditId: s(auditId),
            at: n(at),
            action: s(e.action),
            authMethod: s(e.authMethod),
            target: s(e.target),
            ...(e.actorId ? { actorId: s(e.actorId) } : {}),
            ...(e.credentialId ? { credentialId: s(e.credentialId) } : {}),
            ...(e.detail ? { detail: { M: Object.fromEntries(Object.entries(e.detail).map(([k, v]) => [k, s(v)])) } } : {}),
            [TTL_ATTRIBUTE]: n(ttlOf(at + this.auditRetentionMs)),
          },
        },
      });
    }
    return out;
  }

  /**
   * Runs a transaction; false when the condition of item `index` failed
   * (what it guards changed meanwhile). Any other failure is thrown.
   */
  protected async transactUnlessFailed(index: number, items: TransactWriteItem[]): Promise<boolean> {
    try {
      await this.transact(items);
      return true;
    } catch (err) {
      if (err instanceof TransactionConditionError && err.failed.includes(index)) return false;
      throw err;
    }
  }

  /**
   * Runs a transaction. A failed condition becomes `TransactionConditionError`;
   * a conflict with a concurrent write (such as the authorizer's `lastUsedAt`
   * update) is retried a few times with jitter.
   */
  protected async transact(items: TransactWriteItem[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(new TransactWriteItemsCommand({ TransactItems: items }));
        return;
      } catch (err) {
        if (!(err instanceof TransactionCanceledException)) throw err;
        const codes = (err.CancellationReasons ?? []).map((r) => r.Code);
        const failed = codes.flatMap((code, i) => (code === 'ConditionalCheckFailed' ? [i] : []));
        if (failed.length > 0) throw new TransactionConditionError(failed, { cause: err });
        if (!codes.includes('TransactionConflict') || attempt >= 4) throw err;
        await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** attempt * Math.random()));
      }
    }
  }

  protected async queryPrefix(userId: string, prefix: string): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': s(userPk(userId)), ':prefix': s(prefix) },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }
}

/** A condition that the profile's epoch (`#epoch`) is `:epoch`; a profile from before epochs has none, which is 0. */
function epochIs(epoch: number): string {
  return epoch === 0 ? '(attribute_not_exists(#epoch) OR #epoch = :epoch)' : '#epoch = :epoch';
}
