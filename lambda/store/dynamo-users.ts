/** Users: profiles, the e-mail index, the user directory, flags and passwords. */
import { GetItemCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { newId } from '../core/token';
import { n, num, s, str, toUser, type AuditEntry, type Item, type NewUser, type Page, type UserRecord } from './account-records';
import type { DynamoAdminCount } from './dynamo-admin-count';
import { CREDENTIALS_EPOCH, EMAIL_SK, PROFILE_SK, USERS_PK, USER_DIRECTORY_PREFIX, emailPk, sessionSk, userDirectorySk, userPk } from './keys';
import { EmailTakenError, type FlagsResult, type VerifiedCredentials } from './port';
import { MAX_TRANSACTION_ITEMS, TransactionConditionError, epochIs, type DynamoTable } from './table';

export class DynamoUsers {
  constructor(
    private readonly table: DynamoTable,
    private readonly adminCount: DynamoAdminCount,
  ) {}

  /**
   * Creates a user; the e-mail, when given, is claimed in the same transaction
   * so it stays unique, and the user's pointer in the directory (`listUsers`)
   * is written with it, so no user is ever missing from the list.
   */
  async createUser(user: NewUser, audit: (userId: string) => readonly AuditEntry[] = () => []): Promise<{ userId: string; createdAt: number }> {
    const userId = newId();
    const createdAt = this.table.now();
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
    const items: TransactWriteItem[] = [{ Put: { TableName: this.table.name, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } }];
    if (email) {
      items.push({
        Put: {
          TableName: this.table.name,
          Item: { pk: s(emailPk(email)), sk: s(EMAIL_SK), userId: s(userId) },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    }
    const directory: TransactWriteItem = {
      Put: { TableName: this.table.name, Item: { pk: s(USERS_PK), sk: s(userDirectorySk(createdAt, userId)), userId: s(userId) } },
    };
    // A new admin is enabled: one more in the count.
    const counted = user.admin === true ? [this.adminCount.change(+1)] : [];
    try {
      await this.table.transact([...items, directory, ...counted, ...this.table.auditPuts(audit(userId))]);
    } catch (err) {
      if (err instanceof TransactionConditionError && email && err.failed.includes(1)) throw new EmailTakenError();
      throw err;
    }
    return { userId, createdAt };
  }

  async getUser(userId: string): Promise<UserRecord | undefined> {
    const out = await this.table.client.send(
      new GetItemCommand({ TableName: this.table.name, Key: { pk: s(userPk(userId)), sk: s(PROFILE_SK) }, ConsistentRead: true }),
    );
    return out.Item ? toUser(out.Item) : undefined;
  }

  /**
   * A page of users in creation order (oldest first), from the directory
   * partition: one Query for the pointers, one BatchGetItem for the profiles
   * (without their password hashes). `after` is a directory sort key.
   */
  async listUsers(limit: number, after?: string): Promise<Page<UserRecord>> {
    const page = await this.table.queryPage(USERS_PK, USER_DIRECTORY_PREFIX, limit, after);
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
    for (const item of await this.table.scanSortKey(PROFILE_SK, 'userId, createdAt')) {
      const userId = str(item.userId);
      if (userId && (await this.table.putIfAbsent({ pk: s(USERS_PK), sk: s(userDirectorySk(num(item.createdAt) ?? 0, userId)), userId: s(userId) }))) added++;
    }
    return added;
  }

  async userIdByEmail(email: string): Promise<string | undefined> {
    const out = await this.table.client.send(
      new GetItemCommand({ TableName: this.table.name, Key: { pk: s(emailPk(email)), sk: s(EMAIL_SK) }, ConsistentRead: true }),
    );
    return str(out.Item?.userId);
  }

  /** Disables or enables a user; the authorizer reads this flag with every credential. See `updateUserFlags`. */
  async setDisabled(userId: string, disabled: boolean, audit: readonly AuditEntry[] = []): Promise<FlagsResult> {
    return this.updateUserFlags(userId, { disabled }, audit);
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
            TableName: this.table.name,
            Key: { pk: s(userPk(userId)), sk: s(PROFILE_SK) },
            UpdateExpression: 'SET disabled = :d, isAdmin = :a',
            // As read: a concurrent change would make `delta` wrong.
            ConditionExpression: 'attribute_exists(pk) AND disabled = :wasD AND isAdmin = :wasA',
            ExpressionAttributeValues: { ':d': { BOOL: disabled }, ':a': { BOOL: admin }, ':wasD': { BOOL: user.disabled }, ':wasA': { BOOL: user.admin } },
          },
        },
        ...(delta === 0 ? [] : [this.adminCount.change(delta)]),
        ...this.table.auditPuts(audit),
      ];
      try {
        await this.table.transact(items);
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
        TableName: this.table.name,
        Key: { pk: s(userPk(userId)), sk: s(PROFILE_SK) },
        UpdateExpression: 'SET passwordHash = :new, passwordChangedAt = :at, #epoch = :next',
        ConditionExpression: `passwordHash = :current AND ${epochIs(current.credentialsEpoch)}`,
        ExpressionAttributeNames: { '#epoch': CREDENTIALS_EPOCH },
        ExpressionAttributeValues: { ':new': s(newHash), ':current': s(current.passwordHash), ':at': n(this.table.now()), ':next': n(next), ':epoch': n(current.credentialsEpoch) },
      },
    };
    const keep: TransactWriteItem = {
      Update: {
        TableName: this.table.name,
        Key: { pk: s(userPk(userId)), sk: s(sessionSk(keepSession)) },
        UpdateExpression: 'SET #epoch = :next',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#epoch': CREDENTIALS_EPOCH },
        ExpressionAttributeValues: { ':next': n(next) },
      },
    };
    const auditItems = this.table.auditPuts(audit);
    const deletes = endSessions
      .filter((id) => id !== keepSession)
      .map((id): TransactWriteItem => ({ Delete: { TableName: this.table.name, Key: { pk: s(userPk(userId)), sk: s(sessionSk(id)) } } }));
    const room = MAX_TRANSACTION_ITEMS - 2 - auditItems.length;
    try {
      await this.table.transact([update, keep, ...auditItems, ...deletes.slice(0, room)]);
    } catch (err) {
      if (err instanceof TransactionConditionError && (err.failed.includes(0) || err.failed.includes(1))) return false;
      throw err;
    }
    for (let i = room; i < deletes.length; i += MAX_TRANSACTION_ITEMS) {
      await this.table.transact(deletes.slice(i, i + MAX_TRANSACTION_ITEMS));
    }
    return true;
  }

  /** Profiles by id, without password hashes. */
  private async getProfiles(userIds: readonly string[]): Promise<Map<string, UserRecord>> {
    const keys = [...new Set(userIds)].map((id) => ({ pk: s(userPk(id)), sk: s(PROFILE_SK) }));
    const items = await this.table.batchGet(keys, 'userId, email, kind, isAdmin, disabled, createdAt');
    return new Map(items.map((item) => [str(item.userId) ?? '', toUser(item)]));
  }
}
