/**
 * The auth Lambda's routes: login, logout, who am I, sessions, password
 * change, key verification and the caller's own audit trail (docs/design.md).
 */
import { headerValues } from '../../core/credentials';
import { originPasses, requestOrigin } from '../../core/decision';
import { operationPath } from '../../core/management-routes';
import { csrfRejected, notFound, validation } from '../../shared/errors';
import { json, noContent, readJsonBody } from '../../shared/http';
import type { ManagementDeps } from '../deps';
import { managementHandler, pageInput, pathId, type CallerRequest, type PublicRequest } from '../app';
import { verifyKey } from '../key-service';
import { listAudit } from '../list-service';
import { emptyBody, loginBody, passwordBody, verifyBody } from '../schemas';
import { changePassword, clearedSessionCookie, endSession, login, sessionCookie } from '../session-service';
import { iso, sessionView, userView } from '../views';


async function postLogin({ event, deps }: PublicRequest) {
  // Login CSRF: a page on another site must not log the browser into the attacker's account.
  // The API's own origin (the console it serves) passes too.
  const own = requestOrigin(event.headers, event.multiValueHeaders);
  if (!originPasses(headerValues('origin', event.headers, event.multiValueHeaders)[0], deps.config.allowedOrigins, true, own)) {
    throw csrfRejected('this Origin is not allowed to log in');
  }
  const body = readJsonBody(event, loginBody);
  const { user, token, expiresAt } = await login(deps, body.email, body.password);
  const cookie = sessionCookie(deps.config.cookieName, token.value, deps.config.sessionLifetimeMs / 1000);
  return json(200, { user: userView(user), expiresAt: iso(expiresAt) }, { 'Set-Cookie': cookie });
}

async function postVerify({ event, deps }: PublicRequest) {
  const { key } = readJsonBody(event, verifyBody);
  return json(200, await verifyKey(deps, key));
}

async function postLogout({ event, deps, caller }: CallerRequest) {
  readJsonBody(event, emptyBody);
  if (caller.authMethod !== 'session') {
    throw validation(`logout ends a login session, but this request came with an API key; to stop a key, revoke it with DELETE ${operationPath(deps.config.basePath, 'revokeKey')}`);
  }
  // Already gone (a concurrent logout) is fine: the cookie is cleared either way.
  await endSession(deps, caller, caller.credentialId, 'logout');
  return noContent({ 'Set-Cookie': clearedSessionCookie(deps.config.cookieName) });
}

async function getMe({ caller }: CallerRequest) {
  return json(200, {
    user: userView(caller.user),
    authMethod: caller.authMethod,
    ...(caller.authMethod === 'session' ? { sessionId: caller.credentialId } : { keyId: caller.credentialId }),
    permissions: caller.permissions,
  });
}

async function getSessions({ deps, caller }: CallerRequest) {
  const now = deps.now();
  const sessions = (await deps.accounts.listSessions(caller.userId))
    // Sessions from before the last password change are over, even before their item is gone.
    .filter((s) => s.expiresAt > now && s.credentialsEpoch === caller.user.credentialsEpoch)
    .sort((a, b) => b.createdAt - a.createdAt);
  const current = caller.authMethod === 'session' ? caller.credentialId : undefined;
  return json(200, { sessions: sessions.map((s) => sessionView(s, current)) });
}

async function deleteSession({ event, deps, caller }: CallerRequest) {
  const sessionId = pathId(event, 'sessionId', 'session');
  if (!(await endSession(deps, caller, sessionId, 'session_ended'))) throw notFound('no such session');
  const isCurrent = caller.authMethod === 'session' && sessionId === caller.credentialId;
  return noContent(isCurrent ? { 'Set-Cookie': clearedSessionCookie(deps.config.cookieName) } : {});
}

async function postPassword({ event, deps, caller }: CallerRequest) {
  const body = readJsonBody(event, passwordBody);
  await changePassword(deps, caller, body.currentPassword, body.newPassword);
  return noContent();
}

/** `?limit=1..100` (default 20) and `?cursor=` (the `next` of the previous page). */
async function getAudit({ event, deps, caller }: CallerRequest) {
  return json(200, await listAudit(deps, caller.userId, pageInput(event)));
}

export function createAuthHandler(deps: ManagementDeps) {
  return managementHandler(deps, {
    public: {
      login: postLogin,
      verify: postVerify,
    },
    caller: {
      logout: postLogout,
      me: getMe,
      listSessions: getSessions,
      endSession: deleteSession,
      changePassword: postPassword,
      listOwnAudit: getAudit,
    },
  });
}

