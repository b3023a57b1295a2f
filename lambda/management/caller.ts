/**
 * Who is calling, from the authorizer's context, checked again against the
 * table (defence in depth): the user still exists and is enabled, the key or
 * session still works, and the permissions are recomputed from what is
 * stored, so a stale authorizer cache can never widen them.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { judgeCredential } from '../core/credential-rule';
import type { AuthMethod } from '../core/decision';
import { unauthorized } from '../shared/errors';
import type { UserRecord } from '../store/port';
import type { ManagementDeps } from './deps';

export interface Caller {
  readonly userId: string;
  readonly user: UserRecord;
  readonly authMethod: AuthMethod;
  /** the key id or session id */
  readonly credentialId: string;
  readonly permissions: readonly string[];
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The identity the authorizer put in the request: flat strings. */
export function authorizerIdentity(event: APIGatewayProxyEvent): { userId: string; authMethod: AuthMethod; credentialId: string; permissions: string[] } | undefined {
  const ctx = (event.requestContext?.authorizer ?? {}) as Record<string, unknown>;
  const userId = text(ctx.userId) ?? text(ctx.principalId);
  const authMethod = ctx.authMethod === 'session' || ctx.authMethod === 'api_key' ? ctx.authMethod : undefined;
  const credentialId = authMethod === 'session' ? text(ctx.sessionId) : text(ctx.keyId);
  if (!userId || !authMethod || !credentialId) return undefined;
  const permissions = (text(ctx.permissions) ?? '').split(',').filter((p) => p !== '');
  return { userId, authMethod, credentialId, permissions };
}

const GONE = 'credentials are no longer valid';

export async function loadCaller(event: APIGatewayProxyEvent, deps: ManagementDeps): Promise<Caller> {
  const identity = authorizerIdentity(event);
  // A protected route reached without an authorizer is a deployment mistake: fail closed.
  if (!identity) throw unauthorized('no credentials');
  const { userId, authMethod, credentialId } = identity;
  const state = await deps.accounts.callerState(userId, { kind: authMethod === 'session' ? 'session' : 'key', id: credentialId });
  const { user, session, key } = state;
  // The authorizer checked the secret; the rest of the one credential rule is checked again here.
  const claim = authMethod === 'session' ? { kind: 'session' as const, id: credentialId } : { kind: key?.kind ?? ('user' as const), id: credentialId };
  const verdict = judgeCredential(claim, authMethod === 'session' ? session : key, user, deps.now(), deps.config.permissions);
  if (!verdict.ok || !user) throw unauthorized(GONE);
  const stored = verdict.permissions;
  const granted = new Set(identity.permissions);
  return {
    userId,
    user,
    authMethod,
    credentialId,
    permissions: stored.filter((p) => granted.has(p)),
  };
}
