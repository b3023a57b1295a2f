/**
 * The count of enabled admins (`ADMIN_COUNT_KEY`), kept in step with the
 * profiles in the transactions that change them, so "never below one" is a
 * DynamoDB condition (docs/design.md, Security invariants).
 */
import { ConditionalCheckFailedException, GetItemCommand, PutItemCommand, ScanCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { n, num, s, type Item } from './account-records';
import { DynamoAdapter } from './dynamo-adapter';
import { ADMIN_COUNT_KEY, PROFILE_SK } from './keys';

export class DynamoAdminCount extends DynamoAdapter {
  /** Moves the count of enabled admins by `delta`; taking one away needs at least two. */
  protected adminCountChange(delta: number): TransactWriteItem {
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
}
