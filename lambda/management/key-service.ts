/**
 * The key lifecycle: create, rename, rotate, revoke, and the exact reason a
 * key is refused (the verify operation, `POST <base path>/auth/verify`).
 */
import { keyGrantable, type PermissionDef } from '../core/catalog';
import { judgeCredential, type CredentialRefusal } from '../core/credential-rule';
import { keyHint, parseToken, type NewToken } from '../core/token';
import { conflict, notFound, validation } from '../shared/errors';
import type { KeyRecord } from '../store/port';
import { auditEntries, type Actor } from './audit';
import type { ManagementDeps } from './deps';
import { issueKey, issueRotation } from './mint';
import type { CreateKeyInput } from './schemas';
import { iso, isoOrNull, keyStatus } from './views';
import { afterKeyRevoked } from './usage-keys';
import { creditsOf } from './usage-keys';

const DAY_MS = 24 * 3600 * 1000;
const quoted = (names: readonly string[]) => names.map((p) => `'${p}'`).join(', ');

/** The permissions a new key asks for, checked against the catalog; duplicates dropped. */
export function checkKeyPermissions(requested: readonly string[], catalog: readonly PermissionDef[]): string[] {
  const byName = new Map(catalog.map((p) => [p.name, p]));
  const unknown = requested.filter((p) => !byName.has(p));
  if (unknown.length > 0) {
    throw validation(`'permissions': unknown permission${unknown.length > 1 ? 's' : ''} ${quoted(unknown)}; a key can hold ${quoted(keyGrantable(catalog))}`);
  }
  const notForKeys = [...new Set(requested.filter((p) => byName.get(p)!.grant !== 'key'))];
  if (notForKeys.length > 0) {
    throw validation(`'permissions': ${quoted(notForKeys)} can only be held by a login session, never by a key`);
  }
  return [...new Set(requested)];
}

export function createdKeyView(token: NewToken, key: { name: string; permissions: readonly string[]; expiresAt?: number }, createdAt: number) {
  return {
    // The only time the secret is shown.
    key: token.value,
    id: token.id,
    name: key.name,
    kind: token.kind,
    permissions: key.permissions,
    hint: keyHint(token.value),
    createdAt: iso(createdAt),
    expiresAt: isoOrNull(key.expiresAt),
  };
}

export async function createKey(deps: ManagementDeps, ownerId: string, kind: 'user' | 'bot', input: CreateKeyInput, actor: Actor) {
  const permissions = checkKeyPermissions(input.permissions, deps.config.permissions);
  const createdAt = deps.now();
  const key = {
    name: input.name,
    permissions,
    createdAt,
    ...(input.expiresInDays !== undefined ? { expiresAt: createdAt + input.expiresInDays * DAY_MS } : {}),
    ...(input.credits ? { credits: creditsOf(deps, input.credits, createdAt) } : {}),
  };
  const { token } = await issueKey(deps.accounts, deps.config.prefixes, ownerId, kind, key, (keyId) =>
    auditEntries(actor, 'key_created', `key:${keyId}`, [ownerId], { name: key.name, permissions: permissions.join(',') }),
  );
  return createdKeyView(token, key, createdAt);
}

export async function ownKey(deps: ManagementDeps, userId: string, keyId: string): Promise<KeyRecord> {
  const key = await deps.accounts.getKey(userId, keyId);
  // Someone else's key is as unknown as one that does not exist.
  if (!key) throw notFound('no such key');
  return key;
}

export async function renameKey(deps: ManagementDeps, userId: string, keyId: string, name: string, actor: Actor): Promise<KeyRecord> {
  const key = await ownKey(deps, userId, keyId);
  if (key.name === name) return key;
  const done = await deps.accounts.renameKey(userId, keyId, name, auditEntries(actor, 'key_renamed', `key:${keyId}`, [userId], { from: key.name, to: name }));
  if (!done) throw notFound('no such key');
  return { ...key, name };
}

/**
 * A new key with the old one's name, permissions and lifetime; the old one
 * ends now or after `graceSeconds`. The authorizer compares `revokedAt`
 * with its clock on every decision, so a future end needs nothing else.
 */
export async function rotateKey(deps: ManagementDeps, userId: string, keyId: string, graceSeconds: number, actor: Actor) {
  const old = await ownKey(deps, userId, keyId);
  const now = deps.now();
  const status = keyStatus(old, now);
  if (status === 'revoked' || status === 'expired') throw conflict(`key is ${status}; create a new key instead`);
  if (old.replacedBy !== undefined || old.revokedAt !== undefined) {
    throw conflict(`key was already rotated${old.replacedBy ? ` into '${old.replacedBy}'` : ''}; rotate that key instead`);
  }
  const endsAt = now + graceSeconds * 1000;
  const next = {
    name: old.name,
    permissions: old.permissions,
    createdAt: now,
    ...(old.expiresAt !== undefined ? { expiresAt: now + (old.expiresAt - old.createdAt) } : {}),
    // The successor takes over the plan, the usage key and the credits (docs/design.md, Rate limits and quotas).
    ...(old.plan ? { usage: { plan: old.plan, ...(old.usageKeyId ? { usageKeyId: old.usageKeyId, usageKey: old.usageKey } : {}) } } : {}),
    ...(old.credits ? { credits: old.credits } : {}),
  };
  const rotated = await issueRotation(deps.accounts, deps.config.prefixes, userId, old, endsAt, next, (newKeyId) =>
    auditEntries(actor, 'key_rotated', `key:${keyId}`, [userId], { newKeyId, oldKeyEndsAt: iso(endsAt) }),
  );
  if (!rotated) throw conflict('key was revoked, rotated or spent credits meanwhile; nothing was changed, try again');
  return { ...createdKeyView(rotated.token, next, rotated.createdAt), replaces: keyId, previousKeyEndsAt: iso(endsAt) };
}

/** Ends a key now. Repeating it, or revoking an already revoked key, changes nothing and is not an error. */
export async function revokeKey(deps: ManagementDeps, userId: string, keyId: string, actor: Actor): Promise<void> {
  const key = await ownKey(deps, userId, keyId);
  const now = deps.now();
  if (keyStatus(key, now) !== 'revoked') {
    const outcome = await deps.accounts.revokeKey(userId, keyId, now, auditEntries(actor, 'key_revoked', `key:${keyId}`, [userId]));
    if (outcome === 'missing') throw notFound('no such key');
  }
  // Also when it was revoked already, so a retry finishes deleting its usage key.
  await afterKeyRevoked(deps, userId, key);
}

export type VerifyAnswer =
  | { valid: false; error_code: 'malformed_key' | 'invalid_key' | 'key_revoked' | 'key_expired'; error_message: string }
  | { valid: true; keyId: string; userId: string; permissions: string[]; expiresAt: string | null };

/** What verify answers for each refusal of the credential rule (core/credential-rule.ts), in its order. */
function refusalAnswer(reason: CredentialRefusal, credential: { revokedAt?: number; expiresAt?: number } | undefined): VerifyAnswer {
  switch (reason) {
    case 'unknown':
    case 'wrong_secret':
    case 'wrong_kind':
    case 'password_changed': // keys have no credentials epoch; listed so every refusal has an answer
      // Unknown id, wrong secret and wrong prefix look the same, so the answer says nothing about which ids exist.
      return { valid: false, error_code: 'invalid_key', error_message: 'key is not known' };
    case 'user_disabled':
      return { valid: false, error_code: 'key_revoked', error_message: "key no longer works: its owner's account is disabled" };
    case 'revoked':
      return { valid: false, error_code: 'key_revoked', error_message: `key was revoked at ${iso(credential!.revokedAt!)}` };
    case 'expired':
      return { valid: false, error_code: 'key_expired', error_message: `key expired at ${iso(credential!.expiresAt!)}` };
  }
}

/** Why a key would be refused: the authorizer's rule, in its order of checks. */
export async function verifyKey(deps: ManagementDeps, value: string): Promise<VerifyAnswer> {
  const parsed = parseToken(value, ['user', 'bot'], deps.config.prefixes);
  if (!parsed.ok) return { valid: false, error_code: 'malformed_key', error_message: parsed.reason };
  const token = parsed.token;
  const { credential, user } = await deps.credentials.lookup(token);
  const verdict = judgeCredential(token, credential, user, deps.now(), deps.config.permissions);
  if (!verdict.ok) return refusalAnswer(verdict.reason, credential);
  return {
    valid: true,
    keyId: token.id,
    userId: token.userId,
    permissions: [...verdict.permissions],
    expiresAt: isoOrNull(credential!.expiresAt),
  };
}
