/**
 * What failed logins and lockouts leave behind (docs/design.md, Security invariants): one structured
 * log line each, and the metrics `login_failed` and `login_locked` (namespace
 * `keygate`, service `keygate-management`) that the stack's lockout alarm
 * watches; for API clients' wrong secrets at the token and revocation
 * endpoints, `client_auth_failed` (its log line is the clients Lambda's
 * `client_authentication_refused`; there is no client lockout). Never the password, never the
 * e-mail: an HMAC-SHA-256 of the lower-cased e-mail under the deployment's own random key
 * (`AccountStore.logHashKey`), so lines about one account can be
 * grouped, and an operator who can read the table can compute the hash of
 * one e-mail to search for it, while a reader of the logs alone cannot test
 * guessed e-mails against them.
 */
import { createHmac } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { MetricUnit, Metrics } from '@aws-lambda-powertools/metrics';
import type { AccountStore } from '../store/port';

const logger = new Logger({ serviceName: 'keygate-management' });
const metrics = new Metrics({ namespace: 'keygate', serviceName: 'keygate-management' });

/** Why a login (or a password change's check of the current password) failed; logged, never shown. */
export type LoginFailure =
  | 'unknown_email'
  | 'wrong_password'
  /** a bot or a disabled user: no login whatever the password */
  | 'login_not_allowed'
  /** the password changed while this login was checked against the old one */
  | 'password_changed';

/** Where the password was checked. */
export type LoginCheck = 'login' | 'change_password';

/** One key per store (per table), read once per container. */
const keys = new WeakMap<AccountStore, Promise<Buffer>>();

/** The e-mail's hash for the log, or null when the key cannot be had (the line is still written). */
async function emailHash(accounts: AccountStore, email: string): Promise<string | null> {
  let key = keys.get(accounts);
  if (!key) {
    key = accounts.logHashKey();
    keys.set(accounts, key);
    key.catch(() => keys.delete(accounts));
  }
  try {
    return createHmac('sha256', await key).update(email.toLowerCase()).digest('base64url').slice(0, 22);
  } catch {
    return null;
  }
}

function count(name: 'login_failed' | 'login_locked' | 'client_auth_failed'): void {
  metrics.addMetric(name, MetricUnit.Count, 1);
  // Flushed at once: the request is about to end with an error, and nothing else here batches metrics.
  metrics.publishStoredMetrics();
}

/** A wrong password, an unknown e-mail, or a user who may not log in. */
export async function loginFailed(accounts: AccountStore, email: string, reason: LoginFailure, check: LoginCheck = 'login'): Promise<void> {
  logger.warn('login_failed', { emailHash: await emailHash(accounts, email), reason, check });
  count('login_failed');
}

/**
 * An attempt refused by the lockout. Each one is logged; the metric counts
 * lockouts, i.e. the first refused attempt of a window (exactly one, since the
 * attempt counter is atomic), so a burst means many accounts, not one
 * persistent client.
 */
export async function loginLocked(
  accounts: AccountStore,
  email: string,
  detail: { readonly attempts: number; readonly maxFailures: number; readonly retryAfterSeconds: number; readonly check: LoginCheck },
): Promise<void> {
  // The first attempt a lockout refuses: exactly one per window, since the attempt counter is atomic.
  const lockoutStarted = detail.attempts === detail.maxFailures + 1;
  logger.warn('login_locked', { emailHash: await emailHash(accounts, email), attempts: detail.attempts, lockoutStarted, retryAfterSeconds: detail.retryAfterSeconds, check: detail.check });
  if (lockoutStarted) count('login_locked');
}

/** A confidential client's secret was wrong: counted for the `ClientAuthFailures` alarm, never a lockout. */
export function clientAuthFailed(): void {
  count('client_auth_failed');
}
