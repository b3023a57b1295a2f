/**
 * The decision path: credential → (cache | one store read) → principal →
 * policy. No AWS SDK here; the store is injected.
 */
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { credentialRefusal, effectivePermissions, grantRule, type GrantRule } from '../core/credential-rule';
import { extractCredential, headerValues } from '../core/credentials';
import { creditsWindow, nextRefillAt, type CreditsPeriod } from '../core/credits';
import { isUnsafeMethod, refuse, requestOrigin, routeFinder, type Principal } from '../core/decision';
import { LruCache } from '../core/lru-cache';
import { PolicyCache, compressesPolicies, denyPolicy, parseMethodArn, withDeny, type PolicyDocument } from '../core/policy';
import { parseToken, type ParsedToken } from '../core/token';
import type { KeygateConfig } from '../shared/config';
import type { CredentialLookup, CredentialState, CredentialStore } from '../store/port';

/** Why a credential was refused with 401; logged, never shown to the caller. */
export type UnauthorizedReason =
  | 'no_credentials'
  | 'malformed'
  | 'unknown'
  | 'wrong_secret'
  | 'revoked'
  | 'expired'
  | 'user_disabled'
  | 'wrong_kind'
  /** a session from before the user's last password change */
  | 'password_changed';

export type Decision =
  | {
      readonly outcome: 'allow';
      readonly result: APIGatewayAuthorizerResult;
      readonly principal: Principal;
      readonly cacheHit: boolean;
      /** a key with exact credits: whether this request spent one (`ok`) or found none left (`spent`: the spent usage key, a 429) */
      readonly credits?: 'ok' | 'spent';
    }
  | {
      readonly outcome: 'deny';
      /** `credits_exhausted`: a key's credits are spent and no usage plans are configured to answer 429 */
      readonly reason: 'missing_permission' | 'csrf_rejected' | 'unknown_route' | 'credits_exhausted';
      readonly result: APIGatewayAuthorizerResult;
      readonly principal?: Principal;
      readonly cacheHit: boolean;
    }
  | {
      readonly outcome: 'unauthorized';
      readonly reason: UnauthorizedReason;
      readonly keyId?: string;
      /** absent when the credential was refused before the cache was consulted (none, or malformed) */
      readonly cacheHit?: boolean;
    };

/**
 * A store read, kept for a few seconds. `undefined` fields mean "not found".
 * Only the checks that depend on the clock or on the presented secret run
 * on every request; what follows from the read alone is derived once.
 */
interface CacheEntry {
  readonly lookup: CredentialLookup;
  /** when this instance last recorded the key's use (epoch ms) */
  touchedAt?: number;
  /** set by the first request that passed the checks */
  derived?: Derived;
}

/** What a verified credential means; depends on the read and the credential's kind, both fixed per cache entry. */
interface Derived {
  readonly principal: Principal;
  /** the authorizer context every decision for this principal starts from */
  readonly context: Readonly<Record<string, string>>;
  /** the Allow policy last given to this principal, and the API stage it names */
  policy?: { readonly apiStage: string; readonly document: PolicyDocument };
  /** with usage plans: the API key value API Gateway counts this principal's requests against */
  readonly usageKey: string | undefined;
  /**
   * a key with exact credits: each request spends one of `keyId`'s (its own,
   * or in a rotation's grace period its successor's); `period` when they refill
   */
  readonly credits: { readonly keyId: string; readonly period?: CreditsPeriod } | undefined;
}

/** The error a 403 carries when the policy, not a refusal of this authorizer, refused the request. */
export const ACCESS_DENIED_CONTEXT = {
  error_code: 'access_denied',
  error_message: "the caller's policy does not cover this request",
} as const;

/**
 * What a 429 QUOTA_EXCEEDED says: its gateway response reads the code and
 * message from the authorizer context, since gateway response templates do
 * no logic (docs/design.md, Exact credits). A plan's quota, unless this
 * request found the key's credits spent.
 */
export const QUOTA_CONTEXT = {
  quota_code: 'quota_exceeded',
  quota_message: "this caller's plan quota is spent for the current period",
} as const;
export const CREDITS_EXHAUSTED = 'credits_exhausted';

/** Whose credits a key spends (its own, or a rotated key's successor's) and when they refill. */
function creditsOf(token: ParsedToken, key: CredentialState): NonNullable<Derived['credits']> {
  const keyId = key.creditsOn ?? token.id;
  return key.creditsRefill !== undefined && key.creditsPeriod ? { keyId, period: key.creditsPeriod } : { keyId };
}

/** The message for a key whose credits are spent, with their next refill when they refill. */
export function creditsSpentMessage(period: CreditsPeriod | undefined, now: number): string {
  return period ? `this key's credits are spent; they refill at ${new Date(nextRefillAt(period, now)).toISOString()}` : "this key's credits are spent";
}

/** A key's last use is written at most this often (per key and warm instance). */
export const LAST_USED_INTERVAL_MS = 60 * 60 * 1000;

export interface AuthorizerOptions {
  readonly store: CredentialStore;
  readonly config: KeygateConfig;
  /** epoch milliseconds; injectable for tests */
  readonly now?: () => number;
  /**
   * Usage plans (SPEC §12): the API key values of the default plan's shared
   * usage key and of the internal "credits spent" plan. Absent: no plans, and
   * results carry no `usageIdentifierKey`.
   */
  readonly usage?: { readonly defaultKey: string; readonly spentKey: string };
}

export class Authorizer {
  private readonly store: CredentialStore;
  private readonly config: KeygateConfig;
  private readonly now: () => number;
  private readonly cache: LruCache<string, CacheEntry>;
  private readonly policies: PolicyCache;
  private readonly grants: GrantRule;
  private readonly inflight = new Map<string, Promise<CacheEntry>>();
  private readonly usage: AuthorizerOptions['usage'];
  private readonly findRoute: ReturnType<typeof routeFinder>;

  constructor(options: AuthorizerOptions) {
    this.store = options.store;
    this.usage = options.usage;
    this.config = options.config;
    this.now = options.now ?? Date.now;
    this.cache = new LruCache<string, CacheEntry>({ max: options.config.cacheMaxEntries, now: this.now });
    // Compressed only for a large table without API Gateway's result cache (core/policy.ts).
    this.policies = new PolicyCache(options.config.routes, undefined, compressesPolicies(options.config.routes, options.config.gatewayCacheSeconds));
    this.grants = grantRule(options.config.permissions);
    this.findRoute = routeFinder(options.config.routes);
  }

  /** Entries in the credential cache (for tests and the benchmark). */
  get cacheSize(): number {
    return this.cache.size;
  }

  /** Distinct (API stage, permission set) policies built so far (for tests). */
  get policyCount(): number {
    return this.policies.size;
  }

  async decide(event: APIGatewayRequestAuthorizerEvent): Promise<Decision> {
    const credential = extractCredential(event.headers, event.multiValueHeaders, this.config.cookieName);
    if (credential.source === 'none') return { outcome: 'unauthorized', reason: 'no_credentials' };
    if (credential.source === 'invalid') return { outcome: 'unauthorized', reason: 'malformed' };

    const parsed = parseToken(credential.value, credential.source === 'header' ? ['user', 'bot'] : ['session'], this.config.prefixes);
    if (!parsed.ok) return { outcome: 'unauthorized', reason: 'malformed' };
    const token = parsed.token;

    const cacheKey = `${token.kind}:${token.userId}:${token.id}`;
    const cached = this.cache.get(cacheKey);
    const entry = cached ?? (await this.read(cacheKey, token));
    const lookup = entry.lookup;
    const cacheHit = cached !== undefined;

    const refused = this.check(token, lookup);
    if (refused) return { outcome: 'unauthorized', reason: refused, keyId: token.id, cacheHit };

    const derived = (entry.derived ??= this.derive(token, lookup));
    if (token.kind !== 'session' && this.useDue(entry)) await this.recordUse(token, entry);
    const decision = this.authorize(event, derived, cacheHit);
    // Keys without credits: no store call at all, as before.
    if (derived.credits === undefined || decision.outcome !== 'allow') return decision;
    return this.spendCredit(token.userId, derived.credits, decision, event.methodArn);
  }

  private derive(token: ParsedToken, { credential, user }: CredentialLookup): Derived {
    const principal: Principal = {
      userId: token.userId,
      authMethod: token.kind === 'session' ? 'session' : 'api_key',
      credentialId: token.id,
      // The credential rule's grant, from the catalog views made once in the constructor.
      permissions: effectivePermissions(token.kind, credential!, user!, this.grants),
    };
    const context = {
      userId: principal.userId,
      authMethod: principal.authMethod,
      [principal.authMethod === 'session' ? 'sessionId' : 'keyId']: principal.credentialId,
      permissions: principal.permissions.join(','),
      // What the 403 says if API Gateway refuses a request this authorizer allowed
      // (its policy not covering the exact method ARN): a refusal replaces both,
      // and no 403 goes out with an empty error_code (docs/design.md, Security invariants). Backends ignore them.
      ...ACCESS_DENIED_CONTEXT,
      // A key issued to an API client (OAuth, client file) names it, so a backend can attribute a change to the tool.
      ...(token.kind !== 'session' && credential!.clientId ? { clientId: credential!.clientId } : {}),
      ...(this.usage ? QUOTA_CONTEXT : {}),
    };
    const key = token.kind === 'session' ? undefined : credential!;
    // Both set on every entry, undefined or not: one object shape on the hot path.
    return {
      principal,
      context,
      // The key's own plan wins over its user's; everyone else shares the default plan's key.
      usageKey: this.usage ? (key?.usageKey ?? user!.usageKey ?? this.usage.defaultKey) : undefined,
      credits: key?.credits === undefined && key?.creditsOn === undefined ? undefined : creditsOf(token, key),
    };
  }

  /**
   * Spends one of the key's exact credits (a conditional write, on every
   * request, cache hit or not). Spent: with usage plans, still an Allow, but
   * counted against the "credits spent" plan, whose quota of 0 makes API
   * Gateway answer 429 `credits_exhausted`; without them, a 403 deny. The
   * store failing throws: fail closed.
   */
  private async spendCredit(userId: string, credits: NonNullable<Derived['credits']>, decision: Decision & { outcome: 'allow' }, methodArn: string): Promise<Decision> {
    const now = this.now();
    const { keyId, period } = credits;
    if ((await this.store.spendCredit(userId, keyId, period && creditsWindow(period, now))) === 'ok') return { ...decision, credits: 'ok' };
    const message = creditsSpentMessage(period, now);
    const { result } = decision;
    if (!this.usage) {
      const context = { ...result.context, error_code: CREDITS_EXHAUSTED, error_message: message };
      const policyDocument = withDeny(result.policyDocument as PolicyDocument, methodArn) as APIGatewayAuthorizerResult['policyDocument'];
      return { outcome: 'deny', reason: CREDITS_EXHAUSTED, result: { ...result, policyDocument, context }, principal: decision.principal, cacheHit: decision.cacheHit };
    }
    const context = { ...result.context, quota_code: CREDITS_EXHAUSTED, quota_message: message };
    return { ...decision, credits: 'spent', result: { ...result, usageIdentifierKey: this.usage.spentKey, context } };
  }

  /** The credential's cache entry, read from the store; concurrent misses for one credential share one read. */
  private read(cacheKey: string, token: ParsedToken): Promise<CacheEntry> {
    let pending = this.inflight.get(cacheKey);
    if (!pending) {
      pending = this.load(cacheKey, token);
      this.inflight.set(cacheKey, pending);
    }
    return pending;
  }

  private async load(cacheKey: string, token: ParsedToken): Promise<CacheEntry> {
    // The TTL counts from when the read was sent, not from its answer: what it
    // saw is never trusted longer than the TTL after a change that it missed,
    // so a grace period at least the TTL long ends exactly on time.
    const startedAt = this.now();
    try {
      const entry: CacheEntry = { lookup: await this.store.lookup(token) };
      this.cache.set(cacheKey, entry, entry.lookup.credential ? this.config.cacheTtlMs : this.config.negativeCacheTtlMs, startedAt);
      return entry;
    } finally {
      this.inflight.delete(cacheKey);
    }
  }

  /** Whether this key's last use is due to be recorded: at most hourly per key, never on every request. */
  private useDue(entry: CacheEntry): boolean {
    return this.now() - Math.max(entry.touchedAt ?? 0, entry.lookup.credential?.lastUsedAt ?? 0) >= LAST_USED_INTERVAL_MS;
  }

  /** Writes `lastUsedAt`; never fatal. */
  private async recordUse(token: ParsedToken, entry: CacheEntry): Promise<void> {
    const now = this.now();
    entry.touchedAt = now;
    try {
      await this.store.touchKey(token.userId, token.id, now, now - LAST_USED_INTERVAL_MS);
    } catch {
      // Another instance recorded it first (condition failed), or the write
      // failed: the decision does not depend on it.
    }
  }

  /** The one credential rule (core/credential-rule.ts); allocates nothing. */
  private check(token: ParsedToken, { credential, user }: CredentialLookup): UnauthorizedReason | undefined {
    return credentialRefusal(token, credential, user, this.now());
  }

  private authorize(event: APIGatewayRequestAuthorizerEvent, derived: Derived, cacheHit: boolean): Decision {
    const { principal } = derived;
    const arn = parseMethodArn(event.methodArn);
    const method = event.httpMethod ?? arn?.method ?? '';
    const route = this.findRoute(method, event.resource ?? '');
    // Only a session cookie on an unsafe method needs the Origin (CSRF rule in `refuse`).
    const origin =
      principal.authMethod === 'session' && isUnsafeMethod(method) ? headerValues('origin', event.headers, event.multiValueHeaders)[0] : undefined;
    const own = origin === undefined ? undefined : requestOrigin(event.headers, event.multiValueHeaders);
    const refusal = arn ? refuse(principal, route, method, origin, this.config.allowedOrigins, own) : { code: 'unknown_route' as const, message: 'methodArn is not an execute-api ARN' };
    const context: Record<string, string> = { ...derived.context };
    if (refusal) {
      context.error_code = refusal.code;
      context.error_message = refusal.message;
    }

    if (!arn) {
      const result: APIGatewayAuthorizerResult = { principalId: principal.userId, policyDocument: denyPolicy(event.methodArn) as APIGatewayAuthorizerResult['policyDocument'], context };
      if (derived.usageKey !== undefined) result.usageIdentifierKey = derived.usageKey;
      return { outcome: 'deny', reason: refusal!.code, result, principal, cacheHit };
    }
    // The same Allow whichever route triggered it; a refusal adds an explicit
    // Deny for this exact method ARN, which wins over any Allow that a wrong
    // route table might let cover it (docs/design.md, Security invariants).
    const allow = this.allowPolicy(derived, arn.apiStage);
    const result: APIGatewayAuthorizerResult = {
      principalId: principal.userId,
      policyDocument: (refusal ? withDeny(allow, event.methodArn) : allow) as APIGatewayAuthorizerResult['policyDocument'],
      context,
    };
    if (derived.usageKey !== undefined) result.usageIdentifierKey = derived.usageKey;
    if (refusal) return { outcome: 'deny', reason: refusal.code, result, principal, cacheHit };
    return { outcome: 'allow', result, principal, cacheHit };
  }

  /** The principal's Allow policy for this API stage: remembered in the cache entry, built once per permission set. */
  private allowPolicy(derived: Derived, apiStage: string): PolicyDocument {
    if (derived.policy?.apiStage !== apiStage) {
      derived.policy = { apiStage, document: this.policies.allow(apiStage, derived.principal.permissions) };
    }
    return derived.policy.document;
  }
}
