/**
 * The JSON the management API answers with. Times are ISO 8601 strings in
 * UTC, `null` when unset. Never a secret or a hash. Each view is typed by its
 * response schema (schemas.ts), so the document cannot promise another shape.
 */
import type { AuditRecord, KeyRecord, SessionRecord, UserRecord } from '../store/port';
import type { AuditAction } from './audit';
import type { AuditRecordResponse, KeyResponse, SessionResponse, UserResponse } from './schemas';

export const iso = (epochMs: number) => new Date(epochMs).toISOString();
export const isoOrNull = (epochMs: number | undefined) => (epochMs === undefined ? null : iso(epochMs));

export function userView(user: UserRecord): UserResponse {
  return {
    id: user.userId,
    email: user.email ?? null,
    kind: user.kind,
    admin: user.admin,
    disabled: user.disabled,
    createdAt: iso(user.createdAt),
    plan: user.plan ?? null,
  };
}

export type KeyStatus = KeyResponse['status'];

/** `grace_period`: rotated, still working until `revokedAt`. */
export function keyStatus(key: KeyRecord, now: number): KeyStatus {
  if (key.revokedAt !== undefined && key.revokedAt <= now) return 'revoked';
  if (key.expiresAt !== undefined && key.expiresAt <= now) return 'expired';
  return key.revokedAt !== undefined ? 'grace_period' : 'active';
}

export function keyView(key: KeyRecord, now: number): KeyResponse {
  return {
    id: key.keyId,
    name: key.name,
    kind: key.kind,
    permissions: [...key.permissions],
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
    plan: key.plan ?? null,
    credits: key.credits ? { remaining: key.credits.remaining, ...(key.credits.refill ? { refill: { ...key.credits.refill } } : {}) } : null,
  };
}

export function sessionView(session: SessionRecord, currentSessionId: string | undefined): SessionResponse {
  return {
    id: session.sessionId,
    createdAt: iso(session.createdAt),
    expiresAt: iso(session.expiresAt),
    current: session.sessionId === currentSessionId,
  };
}

export function auditView(record: AuditRecord): AuditRecordResponse {
  return {
    id: record.auditId,
    at: iso(record.at),
    // The store reads a string; the code writes only AuditActions, and each has to be in the answer's enum (schemas.ts).
    action: record.action as AuditAction,
    actor: record.actorId ?? null,
    authMethod: record.authMethod,
    credentialId: record.credentialId ?? null,
    target: record.target,
    ...(record.detail ? { detail: record.detail } : {}),
  };
}
