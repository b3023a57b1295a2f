/**
 * Who did a change, and the audit records it leaves. A change is filed in
 * the trail of the actor and, when it is someone else's account, in that
 * user's trail too, so both can read it with `GET <base path>/auth/audit`.
 */
import type { AuditEntry } from '../store/port';
import type { Caller } from './caller';

/** Every action an audit record names; the API's schema lists the same. */
export const AUDIT_ACTIONS = [
  'login',
  'logout',
  'session_ended',
  'password_changed',
  'key_created',
  'key_renamed',
  'key_rotated',
  'key_revoked',
  'user_created',
  'user_disabled',
  'user_enabled',
  'client_created',
  'client_updated',
  'client_secret_rotated',
  'client_deleted',
  'client_disabled',
  'client_enabled',
  'plan_set',
  'plan_cleared',
  'credits_set',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** The admin CLI acts without a user: its records have no actor and `authMethod: 'cli'`. */
export type Actor = Pick<AuditEntry, 'actorId' | 'authMethod' | 'credentialId'>;

export const CLI_ACTOR: Actor = { authMethod: 'cli' };

export function actorOf(caller: Caller): Actor {
  return { actorId: caller.userId, authMethod: caller.authMethod, credentialId: caller.credentialId };
}

/**
 * Records for the actor's trail and each subject's (duplicates are filed
 * once). When the actor changes another user's key or session (an admin, or
 * the CLI), `detail.user` names that user, so the actor's own trail says
 * whose it was.
 */
export function auditEntries(
  actor: Actor,
  action: AuditAction,
  target: string,
  subjects: readonly string[],
  detail?: Readonly<Record<string, string>>,
): AuditEntry[] {
  const trails = [...new Set([...(actor.actorId ? [actor.actorId] : []), ...subjects])];
  const owner = subjects.find((id) => id !== actor.actorId);
  const details = { ...(owner && target !== `user:${owner}` ? { user: owner } : {}), ...detail };
  return trails.map((userId) => ({ userId, action, target, ...actor, ...(Object.keys(details).length > 0 ? { detail: details } : {}) }));
}
