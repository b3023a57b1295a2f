import { BatchGetItemCommand, ConditionalCheckFailedException, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { windowPeriod } from '../core/credits';
import type { ParsedToken } from '../core/token';
import { n, num, s, type Item, present } from './account-records';
import { CREDENTIALS_EPOCH, LOOKUP_ATTRIBUTES, PROFILE_SK, credentialSk, keySk, userPk } from './keys';
import { StoreUnavailableError, type CredentialLookup, type CredentialState, type CredentialStore, type CreditsPeriod, type UserState } from './port';

/** Reads a credential and its owner with one BatchGetItem, only the attributes the decision needs. */
export class DynamoCredentialStore implements CredentialStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    /**
     * Strongly consistent reads. The default, for the authorizer too: a read
     * sent after a revocation or rotation is stored sees it, so the cache TTL
     * is the only delay (README, Management API). An eventually consistent read could return
     * the old item for a while after the write and restart the TTL from there.
     * Costs 1 RRU per item (2 per miss) instead of 0.5.
     */
    private readonly consistentRead = true,
  ) {}

  async lookup(token: ParsedToken): Promise<CredentialLookup> {
    const pk = userPk(token.userId);
    const sk = credentialSk(token.kind, token.id);
    let out;
    try {
      out = await this.client.send(
        new BatchGetItemCommand({
          RequestItems: {
            [this.tableName]: {
              Keys: [{ pk: s(pk), sk: s(sk) }, { pk: s(pk), sk: s(PROFILE_SK) }],
              // The SDK only reads it; the constant stays one list for the code and the grant.
              AttributesToGet: LOOKUP_ATTRIBUTES as string[],
              ...(this.consistentRead ? { ConsistentRead: true } : {}),
            },
          },
        }),
      );
    } catch (err) {
      throw new StoreUnavailableError('DynamoDB BatchGetItem failed', { cause: err });
    }
    if (out.UnprocessedKeys && Object.keys(out.UnprocessedKeys).length > 0) {
      // Throttled: better a 500 the client can retry than a guess.
      throw new StoreUnavailableError('DynamoDB left keys unprocessed');
    }
    const items = out.Responses?.[this.tableName] ?? [];
    const credItem = items.find((i) => i.sk?.S === sk);
    const userItem = items.find((i) => i.sk?.S === PROFILE_SK);
    return {
      ...(credItem ? { credential: toCredential(credItem) } : {}),
      ...(userItem ? { user: toUser(userItem) } : {}),
    };
  }

  /** One of the authorizer's two writes; its IAM policy allows UpdateItem on `lastUsedAt` and the credit attributes alone. */
  async touchKey(userId: string, keyId: string, at: number, notBefore: number): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { pk: s(userPk(userId)), sk: s(keySk(keyId)) },
        UpdateExpression: 'SET lastUsedAt = :at',
        ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(lastUsedAt) OR lastUsedAt < :notBefore)',
        ExpressionAttributeValues: { ':at': n(at), ':notBefore': n(notBefore) },
      }),
    );
  }

  /**
   * Exact credits (docs/design.md, Exact credits): a decrement conditional on
   * a credit being left (and, with a refill, on the window being current).
   * If it fails and the key refills, one write refills it for the current
   * window, conditional on its window being older (or absent); when another
   * request won that race, the decrement is tried once more. At most three
   * writes, no read; a failed condition is the only "spent".
   */
  async spendCredit(userId: string, keyId: string, window?: string): Promise<'ok' | 'spent'> {
    const Key = { pk: s(userPk(userId)), sk: s(keySk(keyId)) };
    const decrement = () =>
      this.conditional(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key,
          UpdateExpression: 'SET credits = credits - :one',
          ConditionExpression: window === undefined ? 'credits >= :one' : 'credits >= :one AND creditsWindow = :window',
          ExpressionAttributeValues: { ':one': n(1), ...(window === undefined ? {} : { ':window': s(window) }) },
        }),
      );
    if (await decrement()) return 'ok';
    if (window === undefined) return 'spent';
    const refilled = await this.conditional(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key,
        UpdateExpression: 'SET credits = creditsRefill - :one, creditsWindow = :window',
        // Only a key that refills in the window's period: a day's window on a monthly key would refill it daily.
        ConditionExpression: 'creditsRefill >= :one AND creditsPeriod = :period AND (attribute_not_exists(creditsWindow) OR creditsWindow < :window)',
        ExpressionAttributeValues: { ':one': n(1), ':window': s(window), ':period': s(windowPeriod(window)) },
      }),
    );
    if (refilled) return 'ok';
    // Another request refilled it first (or the credits of this window are spent).
    return (await decrement()) ? 'ok' : 'spent';
  }

  /** Sends a conditional write: true when written, false when its condition failed; throws StoreUnavailableError otherwise. */
  private async conditional(command: UpdateItemCommand): Promise<boolean> {
    try {
      await this.client.send(command);
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw new StoreUnavailableError('DynamoDB UpdateItem failed', { cause: err });
    }
  }
}

const CREDITS_PERIODS: readonly string[] = ['day', 'month'] satisfies CreditsPeriod[];

function toCredential(item: Item): CredentialState {
  const permissions = item.permissions?.L?.map((v) => v.S ?? '').filter((s) => s !== '');
  return {
    secretHash: item.secretHash?.S ?? '',
    ...(permissions ? { permissions } : {}),
    ...present('expiresAt', num(item.expiresAt)),
    ...present('revokedAt', num(item.revokedAt)),
    ...present('lastUsedAt', num(item.lastUsedAt)),
    ...present('clientId', item.clientId?.S || undefined),
    ...present('credentialsEpoch', num(item[CREDENTIALS_EPOCH])),
    ...present('usageKey', item.usageKey?.S || undefined),
    ...present('credits', num(item.credits)),
    ...present('creditsRefill', num(item.creditsRefill)),
    ...present('creditsPeriod', CREDITS_PERIODS.includes(item.creditsPeriod?.S ?? '') ? (item.creditsPeriod!.S as CreditsPeriod) : undefined),
    ...present('creditsWindow', item.creditsWindow?.S || undefined),
    ...present('creditsOn', item.creditsOn?.S || undefined),
  };
}

function toUser(item: Item): UserState {
  return {
    kind: item.kind?.S === 'bot' ? 'bot' : 'human',
    admin: item.isAdmin?.BOOL === true,
    disabled: item.disabled?.BOOL !== false,
    credentialsEpoch: num(item[CREDENTIALS_EPOCH]) ?? 0,
    ...present('usageKey', item.usageKey?.S || undefined),
  };
}
