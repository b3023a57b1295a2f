/**
 * The account items of the single table (the layout is in `keys.ts`) as
 * plain records, and the conversions between the two. No I/O.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { CREDENTIALS_EPOCH } from './keys';

export type Item = Record<string, AttributeValue>;

export const s = (v: string): AttributeValue => ({ S: v });
export const n = (v: number): AttributeValue => ({ N: String(v) });
export const ttlOf = (epochMs: number) => Math.ceil(epochMs / 1000);
export const num = (v: AttributeValue | undefined): number | undefined => (v?.N === undefined ? undefined : Number(v.N));
export const str = (v: AttributeValue | undefined): string | undefined => v?.S;
/** A list of strings; empty strings and a missing list read as none. */
export const strList = (v: AttributeValue | undefined): string[] => (v?.L ?? []).map((x) => x.S ?? '').filter((x) => x !== '');
/** `{ [key]: value }`, or `{}` when the value is missing: an optional field is absent, never `undefined`. */
export const present = <K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> =>
  value === undefined ? {} : ({ [key]: value } as Record<K, V>);

export interface NewUser {
  readonly email?: string;
  readonly kind: 'human' | 'bot';
  readonly admin?: boolean;
  readonly passwordHash?: string;
}

export interface NewKey {
  readonly name: string;
  readonly permissions: readonly string[];
  /** epoch milliseconds */
  readonly expiresAt?: number;
  /** epoch milliseconds; default now. Lets a caller compute `expiresAt` from the same instant. */
  readonly createdAt?: number;
  /** the API client the key was issued through (OAuth or client file) */
  readonly clientId?: string;
  /** exact credits (issue 19); needs plans */
  readonly credits?: Credits;
  /** a rotation's successor takes over its predecessor's plan and usage key */
  readonly usage?: UsageKeyFields;
}

/** A user's or key's own plan and, while it is live, its usage key (API Gateway API key; not a credential). */
export interface UsageKeyFields {
  readonly plan?: string;
  readonly usageKeyId?: string;
  readonly usageKey?: string;
}

/** A key's exact credits: what is left, and optionally a refill each day or month (UTC). */
export interface Credits {
  readonly remaining: number;
  readonly refill?: { readonly amount: number; readonly period: 'day' | 'month' };
  /** the refill's current window, `YYYY-MM-DD` or `YYYY-MM` */
  readonly window?: string;
}

/** All times are epoch milliseconds. */
export interface UserRecord {
  readonly userId: string;
  readonly email?: string;
  readonly kind: 'human' | 'bot';
  readonly admin: boolean;
  readonly disabled: boolean;
  readonly createdAt: number;
  readonly passwordHash?: string;
  /** bumped by every password change; sessions of an older epoch are over */
  readonly credentialsEpoch: number;
  readonly plan?: string;
  readonly usageKeyId?: string;
  readonly usageKey?: string;
}

export interface KeyRecord {
  readonly keyId: string;
  readonly kind: 'user' | 'bot';
  readonly name: string;
  readonly permissions: readonly string[];
  readonly hint: string;
  readonly createdAt: number;
  readonly expiresAt?: number;
  /** may lie in the future: the end of a rotation's grace period */
  readonly revokedAt?: number;
  readonly lastUsedAt?: number;
  /** the key this one was rotated into */
  readonly replacedBy?: string;
  /** the key this one was rotated from */
  readonly replaces?: string;
  /** the API client the key was issued through */
  readonly clientId?: string;
  readonly plan?: string;
  readonly usageKeyId?: string;
  readonly usageKey?: string;
  /** usage keys the key no longer names whose deletion at API Gateway is not finished (dynamo-plans.ts) */
  readonly retiredUsageKeys?: readonly string[];
  readonly credits?: Credits;
}

export interface SessionRecord {
  readonly sessionId: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** the user's credentials epoch when the session was made */
  readonly credentialsEpoch: number;
}

/** `oauth`: a key issued at the token endpoint, for the user who approved it. */
export type AuditAuthMethod = 'session' | 'api_key' | 'password' | 'cli' | 'oauth';

/** One audit record to write, filed in the trail of `userId`. */
export interface AuditEntry {
  readonly userId: string;
  readonly action: string;
  /** who did it; absent when it was done through the admin CLI */
  readonly actorId?: string;
  readonly authMethod: AuditAuthMethod;
  /** the key or session the actor used */
  readonly credentialId?: string;
  /** what was changed, e.g. `key:<id>`, `user:<id>`, `session:<id>` */
  readonly target: string;
  /** non-secret facts, e.g. a key's new name */
  readonly detail?: Readonly<Record<string, string>>;
}

export interface AuditRecord extends Omit<AuditEntry, 'userId'> {
  readonly auditId: string;
  readonly at: number;
}

export interface LoginAttempts {
  /** attempts in the current window, this one included */
  readonly attempts: number;
  readonly windowStart: number;
}

/** One page of a list in sort-key order; `last` is the sort key to resume after, when there may be more. */
export interface Page<T> {
  readonly items: T[];
  readonly last?: string;
}

/** The user and the credential a request came with, read together. */
export interface CallerState {
  readonly user?: UserRecord;
  readonly key?: KeyRecord;
  readonly session?: SessionRecord;
}

export function toUser(item: Item): UserRecord {
  const email = str(item.email);
  const passwordHash = str(item.passwordHash);
  return {
    userId: str(item.userId) ?? '',
    kind: item.kind?.S === 'bot' ? 'bot' : 'human',
    admin: item.isAdmin?.BOOL === true,
    // Fail closed: a profile without the flag counts as disabled, as in the authorizer.
    disabled: item.disabled?.BOOL !== false,
    createdAt: num(item.createdAt) ?? 0,
    credentialsEpoch: num(item[CREDENTIALS_EPOCH]) ?? 0,
    ...(email ? { email } : {}),
    ...(passwordHash ? { passwordHash } : {}),
    ...present('plan', str(item.plan)),
    ...present('usageKeyId', str(item.usageKeyId)),
    ...present('usageKey', str(item.usageKey)),
  };
}

export function toKey(item: Item): KeyRecord {
  return {
    keyId: str(item.keyId) ?? '',
    kind: item.kind?.S === 'bot' ? 'bot' : 'user',
    name: str(item.name) ?? '',
    permissions: strList(item.permissions),
    hint: str(item.hint) ?? '',
    createdAt: num(item.createdAt) ?? 0,
    ...present('expiresAt', num(item.expiresAt)),
    ...present('revokedAt', num(item.revokedAt)),
    ...present('lastUsedAt', num(item.lastUsedAt)),
    ...present('replacedBy', str(item.replacedBy)),
    ...present('replaces', str(item.replaces)),
    ...present('clientId', str(item.clientId)),
    ...present('plan', str(item.plan)),
    ...present('usageKeyId', str(item.usageKeyId)),
    ...present('usageKey', str(item.usageKey)),
    ...present('retiredUsageKeys', item.retiredUsageKeys?.SS),
    ...present('credits', toCredits(item)),
  };
}

function toCredits(item: Item): Credits | undefined {
  const remaining = num(item.credits);
  if (remaining === undefined) return undefined;
  const amount = num(item.creditsRefill);
  const period = str(item.creditsPeriod);
  return {
    remaining,
    ...(amount !== undefined && (period === 'day' || period === 'month') ? { refill: { amount, period } } : {}),
    ...present('window', str(item.creditsWindow)),
  };
}

/** The item attributes of a key's credits (issue 19's table attributes). */
export function creditsAttributes(credits: Credits): Item {
  return {
    credits: n(credits.remaining),
    ...(credits.refill ? { creditsRefill: n(credits.refill.amount), creditsPeriod: s(credits.refill.period) } : {}),
    ...(credits.window ? { creditsWindow: s(credits.window) } : {}),
  };
}

/** The item attributes of a plan and its usage key. */
export function usageAttributes(usage: UsageKeyFields): Item {
  return {
    ...(usage.plan ? { plan: s(usage.plan) } : {}),
    ...(usage.usageKeyId ? { usageKeyId: s(usage.usageKeyId) } : {}),
    ...(usage.usageKey ? { usageKey: s(usage.usageKey) } : {}),
  };
}

export function toSession(item: Item): SessionRecord {
  return {
    sessionId: str(item.sessionId) ?? '',
    createdAt: num(item.createdAt) ?? 0,
    expiresAt: num(item.expiresAt) ?? 0,
    credentialsEpoch: num(item[CREDENTIALS_EPOCH]) ?? 0,
  };
}

export function toAudit(item: Item): AuditRecord {
  const detail = item.detail?.M ? Object.fromEntries(Object.entries(item.detail.M).map(([k, v]) => [k, v.S ?? ''])) : undefined;
  return {
    auditId: str(item.auditId) ?? '',
    at: num(item.at) ?? 0,
    action: str(item.action) ?? '',
    authMethod: (str(item.authMethod) ?? 'cli') as AuditAuthMethod,
    target: str(item.target) ?? '',
    ...present('actorId', str(item.actorId) || undefined),
    ...present('credentialId', str(item.credentialId) || undefined),
    ...(detail ? { detail } : {}),
  };
}
