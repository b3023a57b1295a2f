/**
 * The one rule that says whether a stored credential still works, and what it
 * grants. The authorizer, `verify` and the management caller check all follow
 * it, so they refuse the same credentials for the same reason. Pure: no AWS,
 * no I/O; the clock and the catalog are passed in.
 *
 * The checks run in this order (docs/design.md, "One credential rule"); the
 * first that fails is the reason:
 *
 *   1. unknown           the credential or its owner is not stored
 *   2. wrong_secret      the presented secret does not match the stored hash
 *   3. wrong_kind        a bot key for a human, a user key or session for a bot
 *                        (e.g. a key presented under the other prefix)
 *   4. user_disabled     the owner's account is disabled
 *   5. password_changed  a session from before the owner's last password change
 *   6. revoked           revokedAt has passed (a rotation's grace period ends so)
 *   7. expired           expiresAt has passed
 *
 * 1–3 are about what was presented, and answer alike (an unknown key): a
 * credential under the wrong prefix is not the credential that was issued,
 * so nothing about its owner (disabled or not) is told to whoever holds it.
 * 4–7 are about the state of a credential the caller genuinely holds.
 */
import { keyGrantable, sessionPermissions, type PermissionDef } from './catalog';
import { secretMatches, type TokenKind } from './token';

export type CredentialRefusal = 'unknown' | 'wrong_secret' | 'wrong_kind' | 'user_disabled' | 'password_changed' | 'revoked' | 'expired';

/** The order of the checks, first to last. */
export const CREDENTIAL_CHECK_ORDER: readonly CredentialRefusal[] = [
  'unknown',
  'wrong_secret',
  'wrong_kind',
  'user_disabled',
  'password_changed',
  'revoked',
  'expired',
];

/**
 * Whether a refusal is one of 1–3, about what was presented: whoever presented
 * it does not hold the credential that was issued (e.g. a key re-prefixed with
 * a recomputed checksum), so it is answered as not known, and it is no proof
 * of holding the key (holder revocation refuses it).
 */
export function notTheIssuedCredential(reason: CredentialRefusal | undefined): boolean {
  return reason === 'unknown' || reason === 'wrong_secret' || reason === 'wrong_kind';
}

/** What was presented. A parsed token is one. */
export interface CredentialClaim {
  readonly kind: TokenKind;
  readonly id: string;
  /** absent when the secret was already checked upstream (the management caller check trusts the authorizer for it) */
  readonly secret?: string;
}

/** The stored credential: a key or a session. Key and session records are ones. */
export interface StoredCredential {
  /** required when the claim carries a secret */
  readonly secretHash?: string;
  /** keys only: the permissions fixed at creation */
  readonly permissions?: readonly string[];
  /** epoch milliseconds */
  readonly expiresAt?: number;
  /** epoch milliseconds; may lie in the future (a rotation's grace period) */
  readonly revokedAt?: number;
  /** sessions only: the owner's credentials epoch when it was made (absent = 0) */
  readonly credentialsEpoch?: number;
}

export interface CredentialOwner {
  readonly kind: 'human' | 'bot';
  readonly admin: boolean;
  readonly disabled: boolean;
  readonly credentialsEpoch: number;
}

/**
 * Why the credential is refused at `now` (epoch ms), or `undefined` if it
 * works. Allocates nothing: the authorizer runs it on every request.
 */
export function credentialRefusal(
  claim: CredentialClaim,
  credential: StoredCredential | undefined,
  owner: CredentialOwner | undefined,
  now: number,
): CredentialRefusal | undefined {
  if (!credential || !owner) return 'unknown';
  if (claim.secret !== undefined && (credential.secretHash === undefined || !secretMatches(claim.id, claim.secret, credential.secretHash))) {
    return 'wrong_secret';
  }
  if ((claim.kind === 'bot') !== (owner.kind === 'bot')) return 'wrong_kind';
  if (owner.disabled) return 'user_disabled';
  if (claim.kind === 'session' && (credential.credentialsEpoch ?? 0) !== owner.credentialsEpoch) return 'password_changed';
  if (credential.revokedAt !== undefined && credential.revokedAt <= now) return 'revoked';
  // A session always ends: one stored without an end is refused, as if it had expired.
  if (credential.expiresAt === undefined ? claim.kind === 'session' : credential.expiresAt <= now) return 'expired';
  return undefined;
}

/** What the catalog says about grants, computed once per catalog. */
export interface GrantRule {
  /** the permissions a key may hold */
  readonly keyGrantable: ReadonlySet<string>;
  /** what a session grants, by the owner's admin flag */
  readonly session: { readonly user: readonly string[]; readonly admin: readonly string[] };
}

const grantRules = new WeakMap<readonly PermissionDef[], GrantRule>();

/** The grant rule of a catalog; remembered per catalog array. */
export function grantRule(catalog: readonly PermissionDef[]): GrantRule {
  let rule = grantRules.get(catalog);
  if (!rule) {
    rule = {
      keyGrantable: new Set(keyGrantable(catalog)),
      session: { user: sessionPermissions(catalog, false), admin: sessionPermissions(catalog, true) },
    };
    grantRules.set(catalog, rule);
  }
  return rule;
}

/**
 * What a working credential grants: a session, what the catalog gives every
 * session (admins more); a key, its stored permissions that the catalog still
 * lets a key hold (a permission since removed grants nothing).
 */
export function effectivePermissions(kind: TokenKind, credential: StoredCredential, owner: CredentialOwner, rule: GrantRule): readonly string[] {
  if (kind === 'session') return owner.admin ? rule.session.admin : rule.session.user;
  return (credential.permissions ?? []).filter((p) => rule.keyGrantable.has(p));
}

export type CredentialVerdict =
  | { readonly ok: false; readonly reason: CredentialRefusal }
  | { readonly ok: true; readonly permissions: readonly string[] };

/** The whole rule: a refusal reason, or the effective permissions. */
export function judgeCredential(
  claim: CredentialClaim,
  credential: StoredCredential | undefined,
  owner: CredentialOwner | undefined,
  now: number,
  catalog: readonly PermissionDef[],
): CredentialVerdict {
  const reason = credentialRefusal(claim, credential, owner, now);
  if (reason) return { ok: false, reason };
  return { ok: true, permissions: effectivePermissions(claim.kind, credential!, owner!, grantRule(catalog)) };
}
