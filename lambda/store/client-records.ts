/**
 * The API-client items of the single table (the layout is in `keys.ts`) as
 * plain records, and the conversions between the two. No I/O.
 *
 * The GRANT items are why deleting a client needs no scan: one Query of the
 * client's own partition finds every key issued through it, for every user.
 */
import { n, num, present, s, str, strList, type Item } from './account-records';
import { CLIENT_SK, CODE_SK, TTL_ATTRIBUTE, clientPk, codePk, grantSk } from './keys';

/** All times are epoch milliseconds. */
export interface ClientRecord {
  readonly clientId: string;
  /** the user who registered it; only they may read or change it */
  readonly ownerId: string;
  readonly name: string;
  readonly redirectUris: readonly string[];
  /** key-grantable permissions the client may ask for */
  readonly permissions: readonly string[];
  /** a public client has no secret and has to use PKCE */
  readonly isPublic: boolean;
  /** SHA-256 of a confidential client's secret */
  readonly secretHash?: string;
  /** the secret's last characters */
  readonly secretHint?: string;
  readonly apiKeyFilename?: string;
  readonly apiKeyTemplate?: string;
  readonly createdAt: number;
  readonly updatedAt?: number;
  /** set when deletion starts: from then on nothing is issued through the client */
  readonly deletedAt?: number;
  /** set by an admin: the client is as unknown as a deleted one until enabled again */
  readonly disabled: boolean;
}

/** What registering a client stores, besides the ids, the secret and the times. */
export type NewClient = Pick<ClientRecord, 'name' | 'redirectUris' | 'permissions' | 'isPublic' | 'apiKeyFilename' | 'apiKeyTemplate'>;

/** Fields a PATCH may change; `null` removes an optional one. */
export interface ClientChanges {
  readonly name?: string;
  readonly redirectUris?: readonly string[];
  readonly permissions?: readonly string[];
  readonly apiKeyFilename?: string | null;
  readonly apiKeyTemplate?: string | null;
}

export interface CodeRecord {
  readonly codeId: string;
  readonly secretHash: string;
  readonly clientId: string;
  readonly userId: string;
  readonly redirectUri: string;
  readonly permissions: readonly string[];
  readonly codeChallenge?: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** set, together with `keyId`, by the one exchange that may succeed */
  readonly usedAt?: number;
  /** the key issued for this code */
  readonly keyId?: string;
}

export interface GrantRef {
  readonly userId: string;
  readonly keyId: string;
}


export function clientItem(clientId: string, ownerId: string, client: NewClient, createdAt: number, secret?: { readonly hash: string; readonly hint: string }): Item {
  return {
    pk: s(clientPk(clientId)),
    sk: s(CLIENT_SK),
    clientId: s(clientId),
    ownerId: s(ownerId),
    name: s(client.name),
    redirectUris: { L: client.redirectUris.map(s) },
    permissions: { L: client.permissions.map(s) },
    isPublic: { BOOL: client.isPublic },
    createdAt: n(createdAt),
    ...(secret ? { secretHash: s(secret.hash), secretHint: s(secret.hint) } : {}),
    ...(client.apiKeyFilename !== undefined ? { apiKeyFilename: s(client.apiKeyFilename) } : {}),
    ...(client.apiKeyTemplate !== undefined ? { apiKeyTemplate: s(client.apiKeyTemplate) } : {}),
  };
}

export function toClient(item: Item): ClientRecord {
  return {
    clientId: str(item.clientId) ?? '',
    ownerId: str(item.ownerId) ?? '',
    name: str(item.name) ?? '',
    redirectUris: strList(item.redirectUris),
    permissions: strList(item.permissions),
    // Fail closed: a client without the flag is treated as public (PKCE required, no secret accepted).
    isPublic: item.isPublic?.BOOL !== false,
    createdAt: num(item.createdAt) ?? 0,
    ...present('secretHash', str(item.secretHash)),
    ...present('secretHint', str(item.secretHint)),
    ...present('apiKeyFilename', str(item.apiKeyFilename)),
    ...present('apiKeyTemplate', str(item.apiKeyTemplate)),
    ...present('updatedAt', num(item.updatedAt)),
    ...present('deletedAt', num(item.deletedAt)),
    disabled: item.disabled?.BOOL === true,
  };
}

export function codeItem(code: CodeRecord, ttlSeconds: number): Item {
  return {
    pk: s(codePk(code.codeId)),
    sk: s(CODE_SK),
    codeId: s(code.codeId),
    secretHash: s(code.secretHash),
    clientId: s(code.clientId),
    userId: s(code.userId),
    redirectUri: s(code.redirectUri),
    permissions: { L: code.permissions.map(s) },
    createdAt: n(code.createdAt),
    expiresAt: n(code.expiresAt),
    [TTL_ATTRIBUTE]: n(ttlSeconds),
    ...(code.codeChallenge !== undefined ? { codeChallenge: s(code.codeChallenge) } : {}),
  };
}

export function toCode(item: Item): CodeRecord {
  return {
    codeId: str(item.codeId) ?? '',
    secretHash: str(item.secretHash) ?? '',
    clientId: str(item.clientId) ?? '',
    userId: str(item.userId) ?? '',
    redirectUri: str(item.redirectUri) ?? '',
    permissions: strList(item.permissions),
    createdAt: num(item.createdAt) ?? 0,
    expiresAt: num(item.expiresAt) ?? 0,
    ...present('codeChallenge', str(item.codeChallenge)),
    ...present('usedAt', num(item.usedAt)),
    ...present('keyId', str(item.keyId)),
  };
}

/** The reference from a client to a key issued through it. */
export function grantItem(clientId: string, userId: string, keyId: string, createdAt: number): Item {
  return { pk: s(clientPk(clientId)), sk: s(grantSk(userId, keyId)), userId: s(userId), keyId: s(keyId), createdAt: n(createdAt) };
}

export function toGrant(item: Item): GrantRef {
  return { userId: str(item.userId) ?? '', keyId: str(item.keyId) ?? '' };
}
