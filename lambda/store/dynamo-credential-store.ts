import { BatchGetItemCommand, UpdateItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ParsedToken } from '../core/token';
import { n, num, s, type Item, present } from './account-records';
import { CREDENTIALS_EPOCH, LOOKUP_ATTRIBUTES, PROFILE_SK, credentialSk, keySk, userPk } from './keys';
import { StoreUnavailableError, type CredentialLookup, type CredentialState, type CredentialStore, type UserState } from './port';

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

  /** The authorizer's only write; its IAM policy allows UpdateItem on `lastUsedAt` alone. */
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
}

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
  };
}

function toUser(item: Item): UserState {
  return {
    kind: item.kind?.S === 'bot' ? 'bot' : 'human',
    admin: item.isAdmin?.BOOL === true,
    disabled: item.disabled?.BOOL !== false,
    credentialsEpoch: num(item[CREDENTIALS_EPOCH]) ?? 0,
  };
}
