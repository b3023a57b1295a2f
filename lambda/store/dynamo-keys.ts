/** API keys: created, listed, renamed, rotated and revoked, with their audit records. */
import { GetItemCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { creditsAttributes, n, s, toKey, usageAttributes, type AuditEntry, type Item, type KeyRecord, type NewKey, type Page } from './account-records';
import { grantItem } from './client-records';
import { KEY_SK_PREFIX, keySk, userPk } from './keys';
import type { StoredKeySecret } from './port';
import type { DynamoTable } from './table';

export class DynamoKeys {
  constructor(private readonly table: DynamoTable) {}

  /**
   * Stores a key the service minted (`secret`: its id, hash and hint).
   * `also` adds items to the same transaction, right after the key (item 0),
   * so a failed condition of theirs is reported with index 1 onwards.
   */
  async createKey(
    userId: string,
    kind: 'user' | 'bot',
    secret: StoredKeySecret,
    key: NewKey,
    audit: readonly AuditEntry[] = [],
    also: readonly TransactWriteItem[] = [],
  ): Promise<{ createdAt: number }> {
    const createdAt = key.createdAt ?? this.table.now();
    await this.table.transact([
      { Put: { TableName: this.table.name, Item: this.keyItem(userId, kind, secret, key, createdAt), ConditionExpression: 'attribute_not_exists(pk)' } },
      ...also,
      ...this.table.auditPuts(audit),
    ]);
    return { createdAt };
  }

  async getKey(userId: string, keyId: string): Promise<KeyRecord | undefined> {
    const out = await this.table.client.send(
      new GetItemCommand({ TableName: this.table.name, Key: { pk: s(userPk(userId)), sk: s(keySk(keyId)) }, ConsistentRead: true }),
    );
    return out.Item ? toKey(out.Item) : undefined;
  }

  async listKeys(userId: string): Promise<KeyRecord[]> {
    return (await this.table.queryAll(userPk(userId), KEY_SK_PREFIX)).map(toKey);
  }

  /** A page of a user's keys in key id order (stable, unlike creation time it needs no index). `after` is a key sort key. */
  async listKeysPage(userId: string, limit: number, after?: string): Promise<Page<KeyRecord>> {
    const page = await this.table.queryPage(userPk(userId), KEY_SK_PREFIX, limit, after);
    return { items: page.items.map(toKey), ...(page.last ? { last: page.last } : {}) };
  }

  /** Returns false when there is no such key. */
  async renameKey(userId: string, keyId: string, name: string, audit: readonly AuditEntry[] = []): Promise<boolean> {
    return this.table.transactUnlessFailed(0, [
      {
        Update: {
          TableName: this.table.name,
          Key: { pk: s(userPk(userId)), sk: s(keySk(keyId)) },
          UpdateExpression: 'SET #name = :name',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#name': 'name' },
          ExpressionAttributeValues: { ':name': s(name) },
        },
      },
      ...this.table.auditPuts(audit),
    ]);
  }

  /**
   * Creates `old`'s successor and sets `old`'s end to `endsAt`, atomically.
   * Returns undefined when `old` is gone, revoked or already rotated, so two
   * rotations of one key can never both succeed, or when its credits changed
   * since `old` was read.
   */
  async rotateKey(
    userId: string,
    old: KeyRecord,
    endsAt: number,
    secret: StoredKeySecret,
    next: NewKey,
    audit: readonly AuditEntry[] = [],
  ): Promise<{ createdAt: number } | undefined> {
    const createdAt = next.createdAt ?? this.table.now();
    // The successor of a key issued through an API client stays that client's, so deleting the client still finds it.
    const clientId = next.clientId ?? old.clientId;
    const grant: TransactWriteItem[] = clientId ? [{ Put: { TableName: this.table.name, Item: grantItem(clientId, userId, secret.keyId, createdAt) } }] : [];
    // The successor takes over the plan, usage key and credits (docs/design.md, Rate limits and quotas).
    // The credits only as read: a request that spent one since fails the rotation (no credit handed over twice),
    // and the old key, during its grace period, spends the successor's (`creditsOn`), keeping its refill rule to
    // know the window. Written only if the old key's credits are still what was read.
    const credits = old.credits;
    const creditsCondition = credits
      ? ` AND credits = :remaining AND ${credits.window ? 'creditsWindow = :window' : 'attribute_not_exists(creditsWindow)'}`
      : ' AND attribute_not_exists(credits)';
    const creditsValues: Item = credits ? { ':remaining': n(credits.remaining), ...(credits.window ? { ':window': s(credits.window) } : {}) } : {};
    const handOver = credits
      ? 'SET revokedAt = :end, replacedBy = :next, creditsOn = :next REMOVE #plan, usageKeyId, usageKey, credits, creditsWindow'
      : 'SET revokedAt = :end, replacedBy = :next REMOVE #plan, usageKeyId, usageKey, credits, creditsRefill, creditsPeriod, creditsWindow';
    // Item 1 is the old key: gone, revoked, already rotated, or its credits spent meanwhile.
    const rotated = await this.table.transactUnlessFailed(1, [
      {
        Put: {
          TableName: this.table.name,
          Item: { ...this.keyItem(userId, old.kind, secret, { ...next, ...(clientId ? { clientId } : {}) }, createdAt), replaces: s(old.keyId) },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Update: {
          TableName: this.table.name,
          Key: { pk: s(userPk(userId)), sk: s(keySk(old.keyId)) },
          UpdateExpression: handOver,
          ExpressionAttributeNames: { '#plan': 'plan' },
          ConditionExpression: `attribute_exists(pk) AND attribute_not_exists(revokedAt)${creditsCondition}`,
          ExpressionAttributeValues: { ':end': n(endsAt), ':next': s(secret.keyId), ...creditsValues },
        },
      },
      ...grant,
      ...this.table.auditPuts(audit),
    ]);
    return rotated ? { createdAt } : undefined;
  }

  /** The write that ends a key at `at` unless it ended earlier; fails the transaction when there is nothing to end. */
  revokeKeyWrite(userId: string, keyId: string, at: number): TransactWriteItem {
    return {
      Update: {
        TableName: this.table.name,
        Key: { pk: s(userPk(userId)), sk: s(keySk(keyId)) },
        UpdateExpression: 'SET revokedAt = :at',
        ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(revokedAt) OR revokedAt > :at)',
        ExpressionAttributeValues: { ':at': n(at) },
      },
    };
  }

  /**
   * Ends a key at `at` (default now). A revocation only ever moves earlier:
   * repeating it keeps the first time, and revoking a key in its rotation
   * grace period ends it now.
   */
  async revokeKey(userId: string, keyId: string, at = this.table.now(), audit: readonly AuditEntry[] = []): Promise<'revoked' | 'already_revoked' | 'missing'> {
    const revoked = await this.table.transactUnlessFailed(0, [this.revokeKeyWrite(userId, keyId, at), ...this.table.auditPuts(audit)]);
    if (revoked) return 'revoked';
    return (await this.getKey(userId, keyId)) ? 'already_revoked' : 'missing';
  }

  private keyItem(userId: string, kind: 'user' | 'bot', secret: StoredKeySecret, key: NewKey, createdAt: number): Item {
    return {
      pk: s(userPk(userId)),
      sk: s(keySk(secret.keyId)),
      keyId: s(secret.keyId),
      kind: s(kind),
      name: s(key.name),
      permissions: { L: key.permissions.map(s) },
      secretHash: s(secret.secretHash),
      hint: s(secret.hint),
      createdAt: n(createdAt),
      ...(key.expiresAt !== undefined ? { expiresAt: n(key.expiresAt) } : {}),
      ...(key.clientId !== undefined ? { clientId: s(key.clientId) } : {}),
      ...(key.credits ? creditsAttributes(key.credits) : {}),
      ...(key.usage ? usageAttributes(key.usage) : {}),
    };
  }
}
