/**
 * The one table helper every part of the DynamoDB store composes
 * (`dynamo-users.ts`, `dynamo-keys.ts`, …): the client, the table name, the
 * clock, transactions with their audit records, paging, scans and batch reads.
 *
 * Every change is written in one TransactWriteItems together with its audit
 * records, so a change is never without its record, nor a record without
 * its change. (IAM authorizes each item of a transaction by PutItem,
 * UpdateItem or DeleteItem; there is no separate transaction permission.)
 */
import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteItemsCommand,
  TransactionCanceledException,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { newId } from '../core/token';
import { n, s, str, ttlOf, type AuditEntry, type Item, type Page } from './account-records';
import { TTL_ATTRIBUTE, auditSk, userPk } from './keys';

/** A condition of a transaction failed; `failed` holds the indexes of the items whose condition did. */
export class TransactionConditionError extends Error {
  constructor(readonly failed: readonly number[], options?: { cause?: unknown }) {
    super(`transaction condition failed on item(s) ${failed.join(', ')}`, options);
    this.name = 'TransactionConditionError';
  }
}

export const DEFAULT_AUDIT_RETENTION_MS = 365 * 24 * 3600 * 1000;

/** DynamoDB allows 100 items in a transaction. */
export const MAX_TRANSACTION_ITEMS = 100;

/** A condition that the profile's epoch (`#epoch`) is `:epoch`; a profile from before epochs has none, which is 0. */
export function epochIs(epoch: number): string {
  return epoch === 0 ? '(attribute_not_exists(#epoch) OR #epoch = :epoch)' : '#epoch = :epoch';
}

/** BatchGetItem reads at most 100 keys per call. */
const MAX_BATCH_GET = 100;

/**
 * What every part of the store shares: the table, the clock, and
 * transactions that carry their audit records. The layout comes from `keys.ts`;
 * this knows no key but the audit record's.
 */
export class DynamoTable {
  constructor(
    readonly client: DynamoDBClient,
    readonly name: string,
    readonly now: () => number = Date.now,
    readonly auditRetentionMs: number = DEFAULT_AUDIT_RETENTION_MS,
  ) {}

  /** Audit items for a transaction: one record per trail, so an actor acting on itself is filed once. */
  auditPuts(entries: readonly AuditEntry[]): TransactWriteItem[] {
    const at = this.now();
    const seen = new Set<string>();
    const out: TransactWriteItem[] = [];
    for (const e of entries) {
      if (seen.has(e.userId)) continue;
      seen.add(e.userId);
      const auditId = newId();
      out.push({
        Put: {
          TableName: this.name,
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
  async transactUnlessFailed(index: number, items: TransactWriteItem[]): Promise<boolean> {
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
  async transact(items: TransactWriteItem[]): Promise<void> {
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

  /**
   * Up to `limit` items of one partition whose sort key starts with `prefix`,
   * after the sort key `after`. Reads one item more than asked, so `last` is
   * set only when another page really follows.
   */
  async queryPage(pk: string, prefix: string, limit: number, after?: string, forward = true): Promise<Page<Item>> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.name,
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

  /** Every item of one partition whose sort key starts with `prefix`. */
  async queryAll(pk: string, prefix: string): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.name,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': s(pk), ':prefix': s(prefix) },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /**
   * Every item of the whole table whose sort key is `sk`, with the attributes
   * `projection` names: a consistent Scan, so for one-off tools with
   * table-wide access (the CLI, the local runner), never for a request.
   */
  async scanSortKey(sk: string, projection: string, filter = '', values: Item = {}): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      const out = await this.client.send(
        new ScanCommand({
          TableName: this.name,
          ConsistentRead: true,
          FilterExpression: `sk = :sk${filter ? ` AND ${filter}` : ''}`,
          ExpressionAttributeValues: { ':sk': s(sk), ...values },
          ProjectionExpression: projection,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** Writes `item` unless an item with its key exists; false when one did. */
  async putIfAbsent(item: Item): Promise<boolean> {
    try {
      await this.client.send(new PutItemCommand({ TableName: this.name, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  /** The items of `keys` that exist, 100 keys a call; unprocessed keys are read again. */
  async batchGet(keys: readonly Item[], projection?: string): Promise<Item[]> {
    const found: Item[] = [];
    for (let i = 0; i < keys.length; i += MAX_BATCH_GET) {
      let batch: Item[] = keys.slice(i, i + MAX_BATCH_GET);
      for (let attempt = 1; batch.length > 0; attempt++) {
        if (attempt > 5) throw new Error('DynamoDB left keys unprocessed');
        const out = await this.client.send(
          new BatchGetItemCommand({ RequestItems: { [this.name]: { Keys: batch, ConsistentRead: true, ...(projection ? { ProjectionExpression: projection } : {}) } } }),
        );
        found.push(...(out.Responses?.[this.name] ?? []));
        batch = out.UnprocessedKeys?.[this.name]?.Keys ?? [];
        if (batch.length > 0) await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt * Math.random()));
      }
    }
    return found;
  }
}
