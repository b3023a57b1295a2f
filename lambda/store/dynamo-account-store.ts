/**
 * Writes users, keys and sessions. Used by the management Lambdas, the admin
 * CLI and the tests' fixtures. Never stores a secret: only hashes.
 */
import {
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { generateToken, keyHint, newId, type NewToken, type TokenPrefixes, DEFAULT_PREFIXES } from '../core/token';
import { PROFILE_SK, TTL_ATTRIBUTE, emailPk, keySk, sessionSk, userPk } from './keys';

export interface NewUser {
  readonly email?: string;
  readonly kind: 'human' | 'bot';
  readonly admin?: boolean;
  readonly passwordHash?: string;
}

export interface NewKey {
  readonly name: string;
  readonly permissions: readonly string[];
  /** epoch milliseconds */
  readonly expiresAt?: number;
}

const s = (v: string): AttributeValue => ({ S: v });
const n = (v: number): AttributeValue => ({ N: String(v) });
const ttlOf = (epochMs: number) => Math.ceil(epochMs / 1000);

export class DynamoAccountStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly prefixes: TokenPrefixes = DEFAULT_PREFIXES,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates a user; the e-mail, when given, is claimed in the same transaction so it stays unique. */
  async createUser(user: NewUser): Promise<{ userId: string; createdAt: number }> {
    const userId = newId();
    const createdAt = this.now();
    const item: Record<string, AttributeValue> = {
      pk: s(userPk(userId)),
      sk: s(PROFILE_SK),
      userId: s(userId),
      kind: s(user.kind),
      isAdmin: { BOOL: user.admin === true },
      disabled: { BOOL: false },
      createdAt: n(createdAt),
      ...(user.email ? { email: s(user.email.toLowerCase()) } : {}),
      ...(user.passwordHash ? { passwordHash: s(user.passwordHash) } : {}),
    };
    const put = { TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' };
    if (user.email) {
      await this.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Put: put },
            {
              Put: {
                TableName: this.tableName,
                Item: { pk: s(emailPk(user.email)), sk: s('EMAIL'), userId: s(userId) },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
    } else {
      await this.client.send(new PutItemCommand(put));
    }
    return { userId, createdAt };
  }

  /** Creates a key; the returned token's `value` is the only copy of the secret. */
  async createKey(userId: string, kind: 'user' | 'bot', key: NewKey): Promise<{ token: NewToken; createdAt: number }> {
    const token = generateToken(kind, userId, this.prefixes);
    const createdAt = this.now();
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
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
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return { token, createdAt };
  }

  async createSession(userId: string, expiresAt: number): Promise<{ token: NewToken; createdAt: number }> {
    const token = generateToken('session', userId, this.prefixes);
    const createdAt = this.now();
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          pk: s(userPk(userId)),
          sk: s(sessionSk(token.id)),
          sessionId: s(token.id),
          secretHash: s(token.secretHash),
          createdAt: n(createdAt),
          expiresAt: n(expiresAt),
          [TTL_ATTRIBUTE]: n(ttlOf(expiresAt)),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return { token, createdAt };
  }

  /** Revokes a key at `at` (default now). Repeating it keeps the first revocation time. */
  async revokeKey(userId: string, keyId: string, at = this.now()): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { pk: s(userPk(userId)), sk: s(keySk(keyId)) },
        UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :at)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':at': n(at) },
      }),
    );
  }

  async setDisabled(userId: string, disabled: boolean): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: { pk: s(userPk(userId)), sk: s(PROFILE_SK) },
        UpdateExpression: 'SET disabled = :d',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':d': { BOOL: disabled } },
      }),
    );
  }
}
