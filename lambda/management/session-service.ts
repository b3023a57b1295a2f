/**
 * Login sessions: password login with a lockout, the session cookie,
 * password change.
 *
 * Unknown e-mail, wrong password, bot, disabled user: the same 401 and the
 * same work (one counter write, two reads, one scrypt), so neither the answer
 * nor its timing tells which e-mails exist.
 */
import { hashPassword, passwordProblem, verifyPassword } from '../core/password';
import type { NewToken } from '../core/token';
import { conflict, tooManyAttempts, unauthorized, validation } from '../shared/errors';
import { StaleCredentialsError, type UserRecord } from '../store/port';
import { actorOf, auditEntries } from './audit';
import type { Caller } from './caller';
import type { ManagementDeps } from './deps';
import { loginFailed, loginLocked, type LoginCheck, type LoginFailure } from './login-telemetry';
import { issueSession } from './mint';

export const WRONG_LOGIN = 'e-mail or password is wrong';
/** Read in place of a profile when the e-mail is unknown; no user has this id. */
const NO_USER_ID = '000000000000';

/** Counts an attempt for `email`; past the limit, refuses it (logged, counted) before any password is checked. */
async function countAttempt(deps: ManagementDeps, email: string, check: LoginCheck): Promise<void> {
  const { loginMaxFailures, loginWindowMs } = deps.config;
  const { attempts, windowStart } = await deps.accounts.registerLoginAttempt(email, loginWindowMs);
  if (attempts > loginMaxFailures) {
    const retryAfterSeconds = Math.max(1, Math.ceil((windowStart + loginWindowMs - deps.now()) / 1000));
    await loginLocked(deps.accounts, email, { attempts, maxFailures: loginMaxFailures, retryAfterSeconds, check });
    throw tooManyAttempts(retryAfterSeconds);
  }
}

function failure(user: UserRecord | undefined, passwordOk: boolean): LoginFailure | undefined {
  if (!user) return 'unknown_email';
  if (!passwordOk) return 'wrong_password';
  if (user.kind !== 'human' || user.disabled) return 'login_not_allowed';
  return undefined;
}

export async function login(deps: ManagementDeps, emailInput: string, password: string): Promise<{ user: UserRecord; token: NewToken; expiresAt: number }> {
  const email = emailInput.toLowerCase();
  const [, userId] = await Promise.all([countAttempt(deps, email, 'login'), deps.accounts.userIdByEmail(email)]);
  const user = await deps.accounts.getUser(userId ?? NO_USER_ID);
  const passwordOk = await verifyPassword(password, user?.passwordHash);
  const failed = failure(user, passwordOk);
  if (failed || !user) {
    // The same line and the same work for every reason; only the log says which.
    await loginFailed(deps.accounts, email, failed ?? 'unknown_email');
    throw unauthorized(WRONG_LOGIN);
  }

  const expiresAt = deps.now() + deps.config.sessionLifetimeMs;
  let token: NewToken;
  try {
    // Written only if the profile still has the hash and epoch just checked (docs/design.md, Security invariants).
    ({ token } = await issueSession(
      deps.accounts,
      deps.config.prefixes,
      user.userId,
      expiresAt,
      (sessionId) => auditEntries({ actorId: user.userId, authMethod: 'password', credentialId: sessionId }, 'login', `session:${sessionId}`, [user.userId]),
      { passwordHash: user.passwordHash!, credentialsEpoch: user.credentialsEpoch },
    ));
  } catch (err) {
    // The password changed while this one was checked: it is no longer the password.
    if (!(err instanceof StaleCredentialsError)) throw err;
    await loginFailed(deps.accounts, email, 'password_changed');
    throw unauthorized(WRONG_LOGIN);
  }
  await deps.accounts.clearLoginAttempts(email);
  return { user, token, expiresAt };
}

const COOKIE_ATTRIBUTES = 'HttpOnly; Secure; SameSite=Lax; Path=/';

export function sessionCookie(name: string, token: string, maxAgeSeconds: number): string {
  return `${name}=${token}; ${COOKIE_ATTRIBUTES}; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`;
}

export function clearedSessionCookie(name: string): string {
  return `${name}=; ${COOKIE_ATTRIBUTES}; Max-Age=0`;
}

/** Ends one of the caller's sessions (the current one included). Returns false when there is none. */
export async function endSession(deps: ManagementDeps, caller: Caller, sessionId: string, action: 'logout' | 'session_ended'): Promise<boolean> {
  return deps.accounts.deleteSession(caller.userId, sessionId, auditEntries(actorOf(caller), action, `session:${sessionId}`, [caller.userId]));
}

/**
 * Checks the current password (counted like a login, so a stolen session
 * cannot guess it at leisure), stores the new hash and bumps the user's
 * credentials epoch in one transaction: every other session ends, including
 * one a concurrent login makes meanwhile (its epoch is the old one, or its
 * write fails on the changed hash). The caller's session moves to the new
 * epoch in the same transaction.
 */
export async function changePassword(deps: ManagementDeps, caller: Caller, currentPassword: string, newPassword: string): Promise<number> {
  const problem = passwordProblem(newPassword);
  if (problem) throw validation(`'newPassword' ${problem}`);
  if (newPassword === currentPassword) throw validation("'newPassword' has to differ from the current password");
  const { user } = caller;
  if (user.email) await countAttempt(deps, user.email, 'change_password');
  if (!user.passwordHash || !(await verifyPassword(currentPassword, user.passwordHash))) {
    await loginFailed(deps.accounts, user.email ?? user.userId, 'wrong_password', 'change_password');
    throw validation("'currentPassword' is not the current password");
  }
  if (user.email) await deps.accounts.clearLoginAttempts(user.email);

  if (caller.authMethod !== 'session') throw validation('a password is changed from a login session');

  const others = (await deps.accounts.listSessions(caller.userId)).map((s) => s.sessionId).filter((id) => id !== caller.credentialId);
  const newHash = await hashPassword(newPassword);
  const audit = auditEntries(actorOf(caller), 'password_changed', `user:${caller.userId}`, [caller.userId], { endedSessions: String(others.length) });
  const current = { passwordHash: user.passwordHash, credentialsEpoch: user.credentialsEpoch };
  if (!(await deps.accounts.setPassword(caller.userId, current, newHash, caller.credentialId, others, audit))) {
    throw conflict('the password was changed meanwhile, or this session ended; sign in again');
  }
  return others.length;
}
