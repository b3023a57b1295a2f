/**
 * The `ClientStore` port on DynamoDB: API clients, authorization codes and
 * the keys issued through clients. Client items share the table, and their
 * writes share its transactions and audit records (a change is never
 * without its record); a key issued through a client is written by the keys
 * part (`dynamo-keys.ts`), which it composes. Layout in `client-records.ts`.
 */
import { DeleteItemCommand, GetItemCommand, PutItemCommand, type DynamoDBClient, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { n, s, ttlOf, type AuditEntry, type Item, type NewKey } from './account-records';
import {
  clientItem,
  codeItem,
  grantItem,
  toClient,
  toCode,
  toGrant,
  type ClientChanges,
  type ClientRecord,
  type CodeRecord,
  type GrantRef,
  type NewClient,
} from './client-records';
import { DynamoKeys } from './dynamo-keys';
import { IssueRefusedError, type ClientStore, type CodeUse, type Page, type StoredClientSecret, type StoredKeySecret } from './port';
import {
  CLIENTS_PK,
  CLIENT_DIRECTORY_PREFIX,
  CLIENT_SK,
  CODE_SK,
  GRANT_SK_PREFIX,
  OWNED_CLIENT_SK_PREFIX,
  PROFILE_SK,
  clientDirectorySk,
  clientPk,
  codePk,
  grantSk,
  ownedClientSk,
  userPk,
} from './keys';
import { DEFAULT_AUDIT_RETENTION_MS, DynamoTable, TransactionConditionError } from './table';

export class DynamoClientStore implements ClientStore {
  private readonly table: DynamoTable;
  private readonly keys: DynamoKeys;

  constructor(client: DynamoDBClient, tableName: string, now: () => number = Date.now, auditRetentionMs: number = DEFAULT_AUDIT_RETENTION_MS) {
    this.table = new DynamoTable(client, tableName, now, auditRetentionMs);
    this.keys = new DynamoKeys(this.table);
  }

  // ---- clients

  /** Registers a client the service minted: its id and, for a confidential one, its secret's hash and hint. */
  async createClient(ownerId: string, clientId: string, client: NewClient, secret: StoredClientSecret | undefined, audit: readonly AuditEntry[]): Promise<{ client: ClientRecord }> {
    const createdAt = this.table.now();
    const item = clientItem(clientId, ownerId, client, createdAt, secret);
    await this.table.transact([
      { Put: { TableName: this.table.name, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } },
      { Put: { TableName: this.table.name, Item: { pk: s(userPk(ownerId)), sk: s(ownedClientSk(clientId)), clientId: s(clientId) } } },
      { Put: { TableName: this.table.name, Item: { pk: s(CLIENTS_PK), sk: s(clientDirectorySk(createdAt, clientId)), clientId: s(clientId) } } },
      ...this.table.auditPuts(audit),
    ]);
    return { client: toClient(item) };
  }

  /**
   * A page of every client, in creation order (oldest first), from the
   * client directory: one Query for the pointers, one BatchGetItem for the
   * clients. `after` is a directory sort key.
   */
  async listAllClients(limit: number, after?: string): Promise<Page<ClientRecord>> {
    const page = await this.table.queryPage(CLIENTS_PK, CLIENT_DIRECTORY_PREFIX, limit, after);
    const ids = page.items.map((i) => i.clientId?.S ?? '').filter((id) => id !== '');
    const found = new Map((await this.getClients(ids)).map((c) => [c.clientId, c]));
    return { items: ids.flatMap((id) => found.get(id) ?? []), ...(page.last ? { last: page.last } : {}) };
  }

  /**
   * Adds the directory pointer of every client that has none: clients
   * registered before the directory existed. Scans the whole table, so it is
   * for `keygate upgrade-table`, never for a request. Returns how many it added.
   */
  async indexClients(): Promise<number> {
    let added = 0;
    for (const item of await this.table.scanSortKey(CLIENT_SK, 'clientId, createdAt')) {
      const clientId = item.clientId?.S;
      if (clientId && (await this.table.putIfAbsent({ pk: s(CLIENTS_PK), sk: s(clientDirectorySk(Number(item.createdAt?.N ?? 0), clientId)), clientId: s(clientId) }))) added++;
    }
    return added;
  }

  /** An admin disables or enables a live client. False when there is none (or its deletion began). */
  async setClientDisabled(clientId: string, disabled: boolean, audit: readonly AuditEntry[]): Promise<boolean> {
    return this.table.transactUnlessFailed(0, [
      {
        Update: {
          TableName: this.table.name,
          Key: { pk: s(clientPk(clientId)), sk: s(CLIENT_SK) },
          UpdateExpression: 'SET disabled = :disabled, updatedAt = :now',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deletedAt)',
          ExpressionAttributeValues: { ':disabled': { BOOL: disabled }, ':now': n(this.table.now()) },
        },
      },
      ...this.table.auditPuts(audit),
    ]);
  }

  async getClient(clientId: string): Promise<ClientRecord | undefined> {
    const out = await this.table.client.send(
      new GetItemCommand({ TableName: this.table.name, Key: { pk: s(clientPk(clientId)), sk: s(CLIENT_SK) }, ConsistentRead: true }),
    );
    return out.Item ? toClient(out.Item) : undefined;
  }

  /** The clients a user registered, deleted ones included (their deletion may be unfinished). */
  async listOwnedClients(ownerId: string): Promise<ClientRecord[]> {
    const ids = (await this.table.queryAll(userPk(ownerId), OWNED_CLIENT_SK_PREFIX)).map((i) => i.clientId?.S ?? '').filter((id) => id !== '');
    return this.getClients(ids);
  }

  async getClients(clientIds: readonly string[]): Promise<ClientRecord[]> {
    return (await this.table.batchGet(clientIds.map((id) => ({ pk: s(clientPk(id)), sk: s(CLIENT_SK) })))).map(toClient);
  }

  /** Changes a live client of `ownerId`. Returns false when there is none. */
  async updateClient(ownerId: string, clientId: string, changes: ClientChanges, audit: readonly AuditEntry[]): Promise<boolean> {
    const set: string[] = ['updatedAt = :now'];
    const remove: string[] = [];
    const names: Record<string, string> = {};
    const values: Item = { ':now': n(this.table.now()), ':owner': s(ownerId) };
    const assign = (field: string, value: Item[string] | null) => {
      names[`#${field}`] = field;
      if (value === null) remove.push(`#${field}`);
      else {
        set.push(`#${field} = :${field}`);
        values[`:${field}`] = value;
      }
    };
    if (changes.name !== undefined) assign('name', s(changes.name));
    if (changes.redirectUris !== undefined) assign('redirectUris', { L: changes.redirectUris.map(s) });
    if (changes.permissions !== undefined) assign('permissions', { L: changes.permissions.map(s) });
    if (changes.apiKeyFilename !== undefined) assign('apiKeyFilename', changes.apiKeyFilename === null ? null : s(changes.apiKeyFilename));
    if (changes.apiKeyTemplate !== undefined) assign('apiKeyTemplate', changes.apiKeyTemplate === null ? null : s(changes.apiKeyTemplate));
    return this.table.transactUnlessFailed(0, [
      {
        Update: {
          TableName: this.table.name,
          Key: { pk: s(clientPk(clientId)), sk: s(CLIENT_SK) },
          UpdateExpression: `SET ${set.join(', ')}${remove.length > 0 ? ` REMOVE ${remove.join(', ')}` : ''}`,
          ConditionExpression: 'ownerId = :owner AND attribute_not_exists(deletedAt)',
          ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: values,
        },
      },
      ...this.table.auditPuts(audit),
    ]);
  }

  /** Stores a new secret (minted by the service) for a live confidential client of `ownerId`; the old one stops at once. False when there is none. */
  async rotateClientSecret(ownerId: string, clientId: string, secret: StoredClientSecret, audit: readonly AuditEntry[]): Promise<boolean> {
    return this.table.transactUnlessFailed(0, [
      {
        Update: {
          TableName: this.table.name,
          Key: { pk: s(clientPk(clientId)), sk: s(CLIENT_SK) },
          UpdateExpression: 'SET secretHash = :hash, secretHint = :hint, updatedAt = :now',
          ConditionExpression: 'ownerId = :owner AND isPublic = :false AND attribute_not_exists(deletedAt)',
          ExpressionAttributeValues: { ':hash': s(secret.hash), ':hint': s(secret.hint), ':now': n(this.table.now()), ':owner': s(ownerId), ':false': { BOOL: false } },
        },
      },
      ...this.table.auditPuts(audit),
    ]);
  }

  /**
   * First step of a deletion: from now on nothing is issued through the
   * client (every issue checks `deletedAt` in its transaction). Keeps the
   * first mark when repeated. Returns false when `ownerId` has no such client.
   */
  async markClientDeleted(ownerId: string, clientId: string): Promise<boolean> {
    return this.table.transactUnlessFailed(0, [
      {
        Update: {
          TableName: this.table.name,
          Key: { pk: s(clientPk(clientId)), sk: s(CLIENT_SK) },
          UpdateExpression: 'SET deletedAt = if_not_exists(deletedAt, :now)',
          ConditionExpression: 'ownerId = :owner',
          ExpressionAttributeValues: { ':now': n(this.table.now()), ':owner': s(ownerId) },
        },
      },
    ]);
  }

  /** Last step of a deletion, once every grant is revoked: the client, its owner's reference and its directory pointer go. */
  async removeClient(client: Pick<ClientRecord, 'clientId' | 'ownerId' | 'createdAt'>, audit: readonly AuditEntry[]): Promise<void> {
    const { clientId, ownerId } = client;
    await this.table.transact([
      { Delete: { TableName: this.table.name, Key: { pk: s(clientPk(clientId)), sk: s(CLIENT_SK) } } },
      { Delete: { TableName: this.table.name, Key: { pk: s(userPk(ownerId)), sk: s(ownedClientSk(clientId)) } } },
      { Delete: { TableName: this.table.name, Key: { pk: s(CLIENTS_PK), sk: s(clientDirectorySk(client.createdAt, clientId)) } } },
      ...this.table.auditPuts(audit),
    ]);
  }

  // ---- keys issued through a client

  /**
   * Creates a key of `userId` marked with the client, its GRANT reference
   * and, for a code exchange, marks the code used, all in one transaction
   * that also checks the client is not being deleted nor disabled and its
   * owner is enabled (docs/design.md, API clients). So a key either exists
   * with its reference (and a deletion finds it) or not at all, and a code
   * yields at most one key.
   */
  async issueClientKey(
    userId: string,
    client: Pick<ClientRecord, 'clientId' | 'ownerId'>,
    secret: StoredKeySecret,
    key: Omit<NewKey, 'clientId'>,
    code: CodeUse | undefined,
    audit: readonly AuditEntry[],
  ): Promise<{ createdAt: number }> {
    const createdAt = key.createdAt ?? this.table.now();
    const keyId = secret.keyId;
    const { clientId, ownerId } = client;
    const also: TransactWriteItem[] = [
      {
        ConditionCheck: {
          TableName: this.table.name,
          Key: { pk: s(clientPk(clientId)), sk: s(CLIENT_SK) },
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deletedAt) AND (attribute_not_exists(disabled) OR disabled = :false)',
          ExpressionAttributeValues: { ':false': { BOOL: false } },
        },
      },
      {
        // The owner's profile as the authorizer reads it: a missing flag counts as disabled.
        ConditionCheck: {
          TableName: this.table.name,
          Key: { pk: s(userPk(ownerId)), sk: s(PROFILE_SK) },
          ConditionExpression: 'disabled = :false',
          ExpressionAttributeValues: { ':false': { BOOL: false } },
        },
      },
      { Put: { TableName: this.table.name, Item: grantItem(clientId, userId, keyId, createdAt) } },
      ...(code
        ? [
            {
              Update: {
                TableName: this.table.name,
                Key: { pk: s(codePk(code.codeId)), sk: s(CODE_SK) },
                UpdateExpression: 'SET usedAt = :now, keyId = :key',
                ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(usedAt)',
                ExpressionAttributeValues: { ':now': n(createdAt), ':key': s(keyId) },
              },
            },
          ]
        : []),
    ];
    try {
      await this.keys.createKey(userId, 'user', secret, { ...key, createdAt, clientId }, audit, also);
      return { createdAt };
    } catch (err) {
      if (err instanceof TransactionConditionError) {
        // Items: 0 key, 1 client check, 2 owner check, 3 grant, 4 code.
        if (err.failed.includes(4)) throw new IssueRefusedError('code_used');
        if (err.failed.includes(1) || err.failed.includes(2)) throw new IssueRefusedError('client_gone');
      }
      throw err;
    }
  }

  /** A page of the keys issued through a client, for every user. */
  async grantsPage(clientId: string, limit: number): Promise<GrantRef[]> {
    return (await this.table.queryPage(clientPk(clientId), GRANT_SK_PREFIX, limit)).items.map(toGrant);
  }

  /**
   * Revokes a key issued through a client (now, or earlier if it already
   * ended) and drops its GRANT reference, so a deletion that stops halfway
   * resumes where it stopped.
   */
  async revokeGrant(clientId: string, grant: GrantRef, audit: readonly AuditEntry[]): Promise<'revoked' | 'already_revoked'> {
    const at = this.table.now();
    const dropRef: TransactWriteItem = { Delete: { TableName: this.table.name, Key: { pk: s(clientPk(clientId)), sk: s(grantSk(grant.userId, grant.keyId)) } } };
    const revoked = await this.table.transactUnlessFailed(0, [this.keys.revokeKeyWrite(grant.userId, grant.keyId, at), dropRef, ...this.table.auditPuts(audit)]);
    if (revoked) return 'revoked';
    await this.table.client.send(new DeleteItemCommand(dropRef.Delete!));
    return 'already_revoked';
  }

  // ---- authorization codes

  async createCode(code: CodeRecord): Promise<void> {
    await this.table.client.send(
      new PutItemCommand({ TableName: this.table.name, Item: codeItem(code, ttlOf(code.expiresAt)), ConditionExpression: 'attribute_not_exists(pk)' }),
    );
  }

  async getCode(codeId: string): Promise<CodeRecord | undefined> {
    const out = await this.table.client.send(
      new GetItemCommand({ TableName: this.table.name, Key: { pk: s(codePk(codeId)), sk: s(CODE_SK) }, ConsistentRead: true }),
    );
    return out.Item ? toCode(out.Item) : undefined;
  }
}
