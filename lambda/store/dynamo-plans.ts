/**
 * The table side of plans (issue 19): a user's or key's plan and usage key,
 * a key's exact credits, and the count of usage keys keygate holds
 * (`USAGE_KEY_COUNT_KEY`, keys.ts).
 *
 * The count is reserved before an API key is made and released after one is
 * deleted, so it never reads below what API Gateway holds (docs/design.md,
 * Rate limits and quotas).
 */
import { ConditionalCheckFailedException, GetItemCommand, UpdateItemCommand, type DynamoDBClient, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { creditsAttributes, n, s, type AuditEntry, type Credits, type Item } from './account-records';
import { PROFILE_SK, USAGE_KEY_COUNT_KEY, keySk, userPk } from './keys';
import { DEFAULT_AUDIT_RETENTION_MS, DynamoTable, TransactionConditionError } from './table';

/** A user (no keyId) or one of their keys. */
export interface PlanTarget {
  readonly userId: string;
  readonly keyId?: string;
}

const itemKey = (t: PlanTarget): Item => ({ pk: s(userPk(t.userId)), sk: s(t.keyId ? keySk(t.keyId) : PROFILE_SK) });

export class DynamoPlans {
  private readonly table: DynamoTable;

  constructor(client: DynamoDBClient, tableName: string, now: () => number = Date.now, auditRetentionMs: number = DEFAULT_AUDIT_RETENTION_MS) {
    this.table = new DynamoTable(client, tableName, now, auditRetentionMs);
  }

  /** Takes one slot of the usage-key count; false when `limit` slots are taken. */
  async reserveUsageKey(limit: number): Promise<boolean> {
    try {
      await this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.name,
          Key: { pk: s(USAGE_KEY_COUNT_KEY.pk), sk: s(USAGE_KEY_COUNT_KEY.sk) },
          UpdateExpression: 'ADD #count :one',
          ConditionExpression: 'attribute_not_exists(#count) OR #count < :limit',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: { ':one': n(1), ':limit': n(limit) },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  /** Gives a slot back; never below 0. */
  async releaseUsageKey(): Promise<void> {
    try {
      await this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.name,
          Key: { pk: s(USAGE_KEY_COUNT_KEY.pk), sk: s(USAGE_KEY_COUNT_KEY.sk) },
          UpdateExpression: 'ADD #count :minus',
          ConditionExpression: '#count > :zero',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: { ':minus': n(-1), ':zero': n(0) },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  /** How many usage keys keygate holds. */
  async usageKeyCount(): Promise<number> {
    const out = await this.table.client.send(
      new UpdateItemCommand({
        TableName: this.table.name,
        Key: { pk: s(USAGE_KEY_COUNT_KEY.pk), sk: s(USAGE_KEY_COUNT_KEY.sk) },
        UpdateExpression: 'ADD #count :zero',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':zero': n(0) },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Number(out.Attributes?.count?.N ?? 0);
  }

  /**
   * Sets the target's plan and usage key: `plan` undefined clears it, a plan
   * without `usageKeyId` is kept without a usage key (a disabled user's).
   * `retire`: a usage key the item no longer names but that API Gateway still
   * holds, recorded in `retiredUsageKeys` until `forgetRetired` (so a retry
   * finishes deleting it). Written only if the target exists, its usage key is
   * still `expectedKeyId` (absent: none), with `liveAt`, a key is not
   * revoked by then, and with `ownerEnabled`, the user is not disabled (a
   * disabling that ran meanwhile would not see the new usage key). False when
   * that failed.
   */
  async setPlan(
    target: PlanTarget,
    next: { plan?: string; usageKeyId?: string; usageKey?: string },
    opts: { expectedKeyId?: string; retire?: string; liveAt?: number; ownerEnabled?: boolean },
    audit: readonly AuditEntry[] = [],
  ): Promise<boolean> {
    const set: string[] = [];
    const remove: string[] = [];
    const names: Record<string, string> = {};
    const values: Item = {};
    for (const name of ['plan', 'usageKeyId', 'usageKey'] as const) {
      names[`#${name}`] = name;
      const v = next[name];
      if (v === undefined) remove.push(`#${name}`);
      else {
        set.push(`#${name} = :${name}`);
        values[`:${name}`] = s(v);
      }
    }
    const conditions = ['attribute_exists(pk)', opts.expectedKeyId ? '#usageKeyId = :expected' : 'attribute_not_exists(#usageKeyId)'];
    if (opts.expectedKeyId) values[':expected'] = s(opts.expectedKeyId);
    if (opts.liveAt !== undefined) {
      conditions.push('(attribute_not_exists(revokedAt) OR revokedAt > :now)');
      values[':now'] = n(opts.liveAt);
    }
    // The user's own item carries the flag; a key's needs a check of its owner's profile (below).
    if (opts.ownerEnabled && !target.keyId) {
      conditions.push('disabled = :false');
      values[':false'] = { BOOL: false };
    }
    const clauses = [set.length ? `SET ${set.join(', ')}` : '', remove.length ? `REMOVE ${remove.join(', ')}` : ''];
    if (opts.retire) {
      clauses.push('ADD retiredUsageKeys :retire');
      values[':retire'] = { SS: [opts.retire] };
    }
    const update: TransactWriteItem = {
      Update: {
        TableName: this.table.name,
        Key: itemKey(target),
        UpdateExpression: clauses.filter(Boolean).join(' '),
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ...(Object.keys(values).length ? { ExpressionAttributeValues: values } : {}),
      },
    };
    const owner: TransactWriteItem[] = opts.ownerEnabled && target.keyId
      ? [{ ConditionCheck: { TableName: this.table.name, Key: itemKey({ userId: target.userId }), ConditionExpression: 'disabled = :false', ExpressionAttributeValues: { ':false': { BOOL: false } } } }]
      : [];
    try {
      await this.table.transact([update, ...owner, ...this.table.auditPuts(audit)]);
      return true;
    } catch (err) {
      if (err instanceof TransactionConditionError && (err.failed.includes(0) || (owner.length > 0 && err.failed.includes(1)))) return false;
      throw err;
    }
  }

  /** The usage keys retired from the target that may still exist at API Gateway. */
  async retiredUsageKeys(target: PlanTarget): Promise<string[]> {
    const out = await this.table.client.send(new GetItemCommand({ TableName: this.table.name, Key: itemKey(target), ProjectionExpression: 'retiredUsageKeys', ConsistentRead: true }));
    return out.Item?.retiredUsageKeys?.SS ?? [];
  }

  /** Forgets a retired usage key once API Gateway no longer has it. */
  async forgetRetired(target: PlanTarget, usageKeyId: string): Promise<void> {
    await this.table.client.send(
      new UpdateItemCommand({
        TableName: this.table.name,
        Key: itemKey(target),
        UpdateExpression: 'DELETE retiredUsageKeys :id',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':id': { SS: [usageKeyId] } },
      }),
    ).catch((err: unknown) => {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    });
  }

  /** Sets (or with undefined, removes) a live key's credits. False when there is no such live key. */
  async setCredits(userId: string, keyId: string, credits: Credits | undefined, now: number, audit: readonly AuditEntry[] = []): Promise<boolean> {
    const attrs = credits ? creditsAttributes(credits) : {};
    const all = ['credits', 'creditsRefill', 'creditsPeriod', 'creditsWindow'];
    const set = Object.keys(attrs).map((name) => `${name} = :${name}`);
    const remove = all.filter((name) => !(name in attrs));
    const values: Item = { ':now': n(now), ...Object.fromEntries(Object.entries(attrs).map(([k, v]) => [`:${k}`, v])) };
    return this.table.transactUnlessFailed(0, [
      {
        Update: {
          TableName: this.table.name,
          Key: itemKey({ userId, keyId }),
          UpdateExpression: [set.length ? `SET ${set.join(', ')}` : '', remove.length ? `REMOVE ${remove.join(', ')}` : ''].filter(Boolean).join(' '),
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(revokedAt) OR revokedAt > :now)',
          ExpressionAttributeValues: values,
        },
      },
      ...this.table.auditPuts(audit),
    ]);
  }
}
