/**
 * The count of enabled admins (`ADMIN_COUNT_KEY`), kept in step with the
 * profiles in the transactions that change them, so "never below one" is a
 * DynamoDB condition (docs/design.md, Security invariants).
 */
import { GetItemCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { n, num, s } from './account-records';
import { ADMIN_COUNT_KEY, PROFILE_SK } from './keys';
import type { DynamoTable } from './table';

export class DynamoAdminCount {
  constructor(private readonly table: DynamoTable) {}

  /** Moves the count of enabled admins by `delta`; taking one away needs at least two. */
  change(delta: number): TransactWriteItem {
    return {
      Update: {
        TableName: this.table.name,
        Key: { pk: s(ADMIN_COUNT_KEY.pk), sk: s(ADMIN_COUNT_KEY.sk) },
        UpdateExpression: 'ADD #count :delta',
        ...(delta < 0 ? { ConditionExpression: '#count > :one', ExpressionAttributeValues: { ':delta': n(delta), ':one': n(1) } } : { ExpressionAttributeValues: { ':delta': n(delta) } }),
        ExpressionAttributeNames: { '#count': 'count' },
      },
    };
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
    const enabled = (await this.table.scanSortKey(PROFILE_SK, 'pk', 'isAdmin = :yes AND disabled = :no', { ':yes': { BOOL: true }, ':no': { BOOL: false } })).length;
    if (await this.table.putIfAbsent({ ...key, count: n(enabled) })) return enabled;
    const out = await this.table.client.send(new GetItemCommand({ TableName: this.table.name, Key: key, ConsistentRead: true }));
    return num(out.Item?.count) ?? 0;
  }
}
