/**
 * Login sessions, the caller of a management request, failed-login counters
 * and the key login log lines hash e-mails with.
 */
import {
  BatchGetItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import {
  n,
  num,
  s,
  toKey,
  toSession,
  toUser,
  ttlOf,
  type AuditEntry,
  type CallerState,
  type LoginAttempts,
  type SessionRecord,
} from './account-records';
import {
  ATTEMPTS_SK,
  CREDENTIALS_EPOCH,
  LOG_HASH_KEY_SK,
  PROFILE_SK,
  SESSION_SK_PREFIX,
  SETTINGS_PK,
  TTL_ATTRIBUTE,
  keySk,
  loginAttemptsPk,
  sessionSk,
  userPk,
} from './keys';
import { StaleCredentialsError, type StoredSessionSecret, type VerifiedCredentials } from './port';
import { TransactionConditionError, epochIs, type DynamoTable } from './table';

export class DynamoSessions {
  constructor(private readonly table: DynamoTable) {}

  /**
   * Makes a session under the user's current credentials epoch. A login
   * passes what it checked the password against: the session is then written
   * only if the profile still has that hash and epoch, in the same
   * transaction, so a login checked against an old password cannot leave a
   * session once the new one is stored (`StaleCredentialsError`). Without it
   * (fixtures, tools) the session belongs to epoch 0. `secret` is minted by
   * the service: the store keeps the id and the hash.
   */
  async createSession(
    userId: string,
    secret: StoredSessionSecret,
    expiresAt: number,
    audit: readonly AuditEntry[] = [],
    verified?: VerifiedCredentials,
  ): Promise<{ createdAt: number }> {
    const createdAt = this.table.now();
    const items: TransactWriteItem[] = [
      {
        Put: {
          TableName: this.table.name,
          Item: {
            pk: s(userPk(userId)),
            sk: s(sessionSk(secret.sessionId)),
            sessionId: s(secret.sessionId),
            secretHash: s(secret.secretHash),
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
          TableName: this.table.name,
          Key: { pk: s(userPk(userId)), sk: s(PROFILE_SK) },
          ConditionExpression: `passwordHash = :hash AND ${epochIs(verified.credentialsEpoch)}`,
          ExpressionAttributeNames: { '#epoch': CREDENTIALS_EPOCH },
          ExpressionAttributeValues: { ':hash': s(verified.passwordHash), ':epoch': n(verified.credentialsEpoch) },
        },
      });
    }
    try {
      await this.table.transact([...items, ...this.table.auditPuts(audit)]);
    } catch (err) {
      if (verified && err instanceof TransactionConditionError && err.failed.includes(1)) throw new StaleCredentialsError();
      throw err;
    }
    return { createdAt };
  }

  /** Every session item, expired ones included (TTL removes them late). */
  async listSessions(userId: string): Promise<SessionRecord[]> {
    return (await this.table.queryAll(userPk(userId), SESSION_SK_PREFIX)).map(toSession);
  }

  /** Returns false when there is no such session. */
  async deleteSession(userId: string, sessionId: string, audit: readonly AuditEntry[] = []): Promise<boolean> {
    return this.table.transactUnlessFailed(0, [
      {
        Delete: {
          TableName: this.table.name,
          Key: { pk: s(userPk(userId)), sk: s(sessionSk(sessionId)) },
          ConditionExpression: 'attribute_exists(pk)',
        },
      },
      ...this.table.auditPuts(audit),
    ]);
  }

  /** The user and the key or session a request came with, in one round trip. */
  async callerState(userId: string, credential: { kind: 'key' | 'session'; id: string }): Promise<CallerState> {
    const pk = userPk(userId);
    const sk = credential.kind === 'key' ? keySk(credential.id) : sessionSk(credential.id);
    const out = await this.table.client.send(
      new BatchGetItemCommand({
        RequestItems: { [this.table.name]: { Keys: [{ pk: s(pk), sk: s(PROFILE_SK) }, { pk: s(pk), sk: s(sk) }], ConsistentRead: true } },
      }),
    );
    if (out.UnprocessedKeys && Object.keys(out.UnprocessedKeys).length > 0) throw new Error('DynamoDB left keys unprocessed');
    const items = out.Responses?.[this.table.name] ?? [];
    const userItem = items.find((i) => i.sk?.S === PROFILE_SK);
    const credItem = items.find((i) => i.sk?.S === sk);
    return {
      ...(userItem ? { user: toUser(userItem) } : {}),
      ...(credItem && credential.kind === 'key' ? { key: toKey(credItem) } : {}),
      ...(credItem && credential.kind === 'session' ? { session: toSession(credItem) } : {}),
    };
  }

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
  async registerAttempt(pk: string, windowMs: number): Promise<LoginAttempts> {
    const key = { pk: s(pk), sk: s(ATTEMPTS_SK) };
    for (let tries = 0; ; tries++) {
      const now = this.table.now();
      const cutoff = n(now - windowMs);
      try {
        // No window yet (or just cleared by a successful login): this starts one; a current window: count in it.
        const out = await this.table.client.send(
          new UpdateItemCommand({
            TableName: this.table.name,
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
        await this.table.client.send(
          new PutItemCommand({
            TableName: this.table.name,
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

  async clearAttempts(pk: string): Promise<void> {
    await this.table.client.send(new DeleteItemCommand({ TableName: this.table.name, Key: { pk: s(pk), sk: s(ATTEMPTS_SK) } }));
  }

  /**
   * A random 256-bit key of this deployment, made on first use and kept in
   * the table: never in the code, the template or an environment variable,
   * so a reader of the logs alone cannot test guessed e-mails against them.
   */
  async logHashKey(): Promise<Buffer> {
    const key = { pk: s(SETTINGS_PK), sk: s(LOG_HASH_KEY_SK) };
    const read = async () => (await this.table.client.send(new GetItemCommand({ TableName: this.table.name, Key: key, ConsistentRead: true }))).Item?.secret?.B;
    const existing = await read();
    if (existing) return Buffer.from(existing);
    const fresh = randomBytes(32);
    if (await this.table.putIfAbsent({ ...key, secret: { B: fresh } })) return fresh;
    // Another instance made it first: use theirs.
    return Buffer.from((await read())!);
  }
}
