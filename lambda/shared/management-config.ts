/**
 * Settings only the management Lambdas and the admin CLI read, on top of the
 * shared `KeygateConfig`. Every one has a documented default.
 */
import { loadConfig, numberVar, type KeygateConfig } from './config';
import { DEFAULT_MAX_BODY_BYTES } from './http';

export interface ManagementConfig extends KeygateConfig {
  /** absolute lifetime of a login session; it is never extended */
  readonly sessionLifetimeMs: number;
  /** audit records are removed by DynamoDB TTL after this */
  readonly auditRetentionMs: number;
  /** failed logins for one e-mail within `loginWindowMs` that lock it */
  readonly loginMaxFailures: number;
  /** the window failures are counted in, and how long a lockout lasts */
  readonly loginWindowMs: number;
  readonly maxBodyBytes: number;
}

export const MANAGEMENT_ENV = {
  sessionLifetimeSeconds: 'KEYGATE_SESSION_LIFETIME_SECONDS',
  auditRetentionDays: 'KEYGATE_AUDIT_RETENTION_DAYS',
  loginMaxFailures: 'KEYGATE_LOGIN_MAX_FAILURES',
  loginWindowSeconds: 'KEYGATE_LOGIN_WINDOW_SECONDS',
} as const;

export const DEFAULT_SESSION_LIFETIME_SECONDS = 7 * 24 * 3600;
export const DEFAULT_AUDIT_RETENTION_DAYS = 365;
export const DEFAULT_LOGIN_MAX_FAILURES = 5;
export const DEFAULT_LOGIN_WINDOW_SECONDS = 15 * 60;

const positive = (env: NodeJS.ProcessEnv, name: string, fallback: number) => numberVar(env, name, fallback, '> 0');

export function loadManagementConfig(env: NodeJS.ProcessEnv = process.env): ManagementConfig {
  return {
    ...loadConfig(env),
    sessionLifetimeMs: positive(env, MANAGEMENT_ENV.sessionLifetimeSeconds, DEFAULT_SESSION_LIFETIME_SECONDS) * 1000,
    auditRetentionMs: positive(env, MANAGEMENT_ENV.auditRetentionDays, DEFAULT_AUDIT_RETENTION_DAYS) * 24 * 3600 * 1000,
    loginMaxFailures: Math.floor(positive(env, MANAGEMENT_ENV.loginMaxFailures, DEFAULT_LOGIN_MAX_FAILURES)),
    loginWindowMs: positive(env, MANAGEMENT_ENV.loginWindowSeconds, DEFAULT_LOGIN_WINDOW_SECONDS) * 1000,
    maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
  };
}
