/**
 * The JSON the management API answers with. Times are ISO 8601 strings in
 * UTC, `null` when unset. Never a secret or a hash.
 */
import type { AuditRecord, KeyRecord, SessionRecord, UserRecord } from '../store/dynamo-account-store';

export const iso = (epochMs: number) => new Date(epochMs).toISOString();
export const isoOrNull = (epochMs: number | undefined) => (epochMs === undefined ? null : iso(epochMs));

export function userView(user: UserRecord) {
  return {
    id: user.userId,
    email: user.email ?? null,
    kind: user.kind,
    admin: user.admin,
    disabled: user.disabled,
    createdAt: iso(user.createdAt),
  };
}

export type KeyStatus = 'active' | 'grace_period' | 'revoked' | 'expired';

/** `grace_period`: rotated, still working until `revokedAt`. */
export function keyStatus(key: KeyRecord, now: number): KeyStatus {
  if (key.revokedAt !== undefined && key.revokedAt <= now) return 'revoked';
  if (key.expiresAt !== undefined && key.expiresAt <= now) return 'expired';
  return key.revokedAt !== undefined ? 'grace_period' : 'active';
}

export function keyView(key: KeyRecord, now: number) {
  return {
    id: key.keyId,
    name: key.name,
    kind: key.kind,
    permissions: key.permissions,
    hint: key.hint,
    status: keyStatus(key, now),
    createdAt: iso(key.createdAt),
    expiresAt: isoOrNull(key.expiresAt),
    revokedAt: isoOrNull(key.revokedAt),
    lastUsedAt: isoOrNull(key.lastUsedAt),
    replacedBy: key.replacedBy ?? null,
    replaces: key.replaces ?? null,
    /** the API client it was issued through (OAuth, client file) */
    clientId: key.clientId ?? null,
  };
}

export function sessionView(session: SessionRecord, currentSessionId: string | undefined) {
  return {
    id: session.sessionId,
    createdAt: iso(session.createdAt),
    expiresAt: iso(session.expiresAt),
    current: session.sessionId === currentSessionId,
  };
}

export function auditView(record: AuditRecord) {
  return {
    id: record.auditId,
    at: iso(record.at),
    action: record.action,
    actor: record.actorId ?? null,
    authMethod: record.authMethod,
    credentialId: record.credentialId ?? null,
    target: record.target,
    ...(record.detail ? { detail: record.detail } : {}),
  };
}
