/**
 * Credentials are minted here, in the service layer, never in the store: the
 * store is handed the id and the hash (and a key's hint) and never sees a
 * secret. The whole value goes back to the caller, shown to its holder once.
 */
import { keyHint, generateToken, type NewToken, type TokenPrefixes } from '../core/token';
import type { AccountStore, AuditEntry, ClientRecord, ClientStore, CodeUse, KeyRecord, NewKey, StoredKeySecret, StoredSessionSecret, VerifiedCredentials } from '../store/port';

/** What the store keeps of a new key. */
export function storedKeySecret(token: NewToken): StoredKeySecret {
  return { keyId: token.id, secretHash: token.secretHash, hint: keyHint(token.value) };
}

/** What the store keeps of a new session. */
export function storedSessionSecret(token: NewToken): StoredSessionSecret {
  return { sessionId: token.id, secretHash: token.secretHash };
}

/** Mints a key of `kind` for `userId` and stores it with its audit records. */
export async function issueKey(
  accounts: Pick<AccountStore, 'createKey'>,
  prefixes: TokenPrefixes,
  userId: string,
  kind: 'user' | 'bot',
  key: NewKey,
  audit: (keyId: string) => readonly AuditEntry[] = () => [],
): Promise<{ token: NewToken; createdAt: number }> {
  const token = generateToken(kind, userId, prefixes);
  const { createdAt } = await accounts.createKey(userId, kind, storedKeySecret(token), key, audit(token.id));
  return { token, createdAt };
}

/** Mints a user key of `userId` issued through `clientId` (for a code, or for the client file) and stores it with its grant. */
export async function issueClientKey(
  clients: Pick<ClientStore, 'issueClientKey'>,
  prefixes: TokenPrefixes,
  userId: string,
  client: Pick<ClientRecord, 'clientId' | 'ownerId'>,
  key: Omit<NewKey, 'clientId'>,
  code: CodeUse | undefined,
  audit: (keyId: string) => readonly AuditEntry[],
): Promise<{ token: NewToken; createdAt: number }> {
  const token = generateToken('user', userId, prefixes);
  const { createdAt } = await clients.issueClientKey(userId, client, storedKeySecret(token), key, code, audit(token.id));
  return { token, createdAt };
}

/** Mints `old`'s successor and stores the rotation; undefined when `old` was revoked or rotated meanwhile. */
export async function issueRotation(
  accounts: Pick<AccountStore, 'rotateKey'>,
  prefixes: TokenPrefixes,
  userId: string,
  old: KeyRecord,
  endsAt: number,
  next: NewKey,
  audit: (newKeyId: string) => readonly AuditEntry[] = () => [],
): Promise<{ token: NewToken; createdAt: number } | undefined> {
  const token = generateToken(old.kind, userId, prefixes);
  const rotated = await accounts.rotateKey(userId, old, endsAt, storedKeySecret(token), next, audit(token.id));
  return rotated ? { token, createdAt: rotated.createdAt } : undefined;
}

/** Mints a session token and stores the session (see `AccountStore.createSession` for `verified`). */
export async function issueSession(
  accounts: Pick<AccountStore, 'createSession'>,
  prefixes: TokenPrefixes,
  userId: string,
  expiresAt: number,
  audit: (sessionId: string) => readonly AuditEntry[] = () => [],
  verified?: VerifiedCredentials,
): Promise<{ token: NewToken; createdAt: number }> {
  const token = generateToken('session', userId, prefixes);
  const { createdAt } = await accounts.createSession(userId, storedSessionSecret(token), expiresAt, audit(token.id), verified);
  return { token, createdAt };
}
