import { catalogWith, type PermissionDef } from '../../lambda/core/catalog';
import {
  CREDENTIAL_CHECK_ORDER,
  credentialRefusal,
  grantRule,
  judgeCredential,
  notTheIssuedCredential,
  type CredentialClaim,
  type CredentialOwner,
  type CredentialRefusal,
  type StoredCredential,
} from '../../lambda/core/credential-rule';
import { generateToken, type TokenKind } from '../../lambda/core/token';

const NOW = 1_800_000_000_000;
const catalog: PermissionDef[] = catalogWith([
  { name: 'read_widgets', description: 'r', grant: 'key' },
  { name: 'write_widgets', description: 'w', grant: 'key' },
]);

/** One credential of `kind` and its owner, with every fault switchable, each on its own. */
type Fault = Exclude<CredentialRefusal, 'unknown'> | 'missing_credential' | 'missing_owner';
const FAULTS: readonly Fault[] = ['missing_credential', 'missing_owner', 'wrong_secret', 'wrong_kind', 'user_disabled', 'password_changed', 'revoked', 'expired'];

function scenario(kind: TokenKind, faults: ReadonlySet<Fault>) {
  const ownerKind = kind === 'bot' ? 'bot' : 'human';
  const token = generateToken(kind, 'U'.repeat(12));
  const claim: CredentialClaim = faults.has('wrong_secret') ? { ...token, secret: 'x'.repeat(32) } : token;
  const credential: StoredCredential = {
    secretHash: token.secretHash,
    ...(kind === 'session' ? { credentialsEpoch: faults.has('password_changed') ? 1 : 2 } : { permissions: ['read_widgets', 'manage_keys', 'gone'] }),
    ...(faults.has('revoked') ? { revokedAt: NOW } : { revokedAt: NOW + 1 }),
    // Sessions always have an end; keys may have none.
    ...(faults.has('expired') ? { expiresAt: NOW - 1 } : kind === 'session' ? { expiresAt: NOW + 1 } : {}),
  };
  const owner: CredentialOwner = {
    kind: faults.has('wrong_kind') ? (ownerKind === 'bot' ? 'human' : 'bot') : ownerKind,
    admin: true,
    disabled: faults.has('user_disabled'),
    credentialsEpoch: 2,
  };
  return {
    claim,
    credential: faults.has('missing_credential') ? undefined : credential,
    owner: faults.has('missing_owner') ? undefined : owner,
  };
}

const expected = (f: Fault): CredentialRefusal => (f === 'missing_credential' || f === 'missing_owner' ? 'unknown' : f);
const rank = (f: Fault) => CREDENTIAL_CHECK_ORDER.indexOf(expected(f));

/** Every subset of the faults that apply to `kind`. */
function subsets(kind: TokenKind): Fault[][] {
  const applicable = FAULTS.filter((f) => f !== 'password_changed' || kind === 'session');
  const out: Fault[][] = [];
  for (let mask = 0; mask < 1 << applicable.length; mask++) out.push(applicable.filter((_, i) => mask & (1 << i)));
  return out;
}

describe('credential rule', () => {
  it.each(['user', 'bot', 'session'] as const)('refuses a %s credential for its first fault in the documented order, over every combination', (kind) => {
    let checked = 0;
    for (const faults of subsets(kind)) {
      const { claim, credential, owner } = scenario(kind, new Set(faults));
      const first = [...faults].sort((a, b) => rank(a) - rank(b))[0];
      expect({ faults, reason: credentialRefusal(claim, credential, owner, NOW) }).toEqual({ faults, reason: first === undefined ? undefined : expected(first) });
      checked++;
    }
    expect(checked).toBe(kind === 'session' ? 256 : 128);
  });

  it.each(['user', 'bot', 'session'] as const)('counts a %s credential as not the issued one (holder revocation refuses it) exactly when its first fault is 1–3, over every combination', (kind) => {
    for (const faults of subsets(kind)) {
      const { claim, credential, owner } = scenario(kind, new Set(faults));
      const first = [...faults].sort((a, b) => rank(a) - rank(b))[0];
      const aboutWhatWasPresented = first !== undefined && rank(first) <= CREDENTIAL_CHECK_ORDER.indexOf('wrong_kind');
      expect({ faults, notIssued: notTheIssuedCredential(credentialRefusal(claim, credential, owner, NOW)) }).toEqual({ faults, notIssued: aboutWhatWasPresented });
    }
  });

  it('tells a re-prefixed key of a disabled owner by its wrong kind, not by the disabled owner', () => {
    const { claim, credential, owner } = scenario('bot', new Set<Fault>(['wrong_kind', 'user_disabled']));
    expect(credentialRefusal(claim, credential, owner, NOW)).toBe('wrong_kind');
  });

  it('skips the secret when the claim carries none (checked upstream), and refuses a claimed secret with no stored hash', () => {
    const { claim, credential, owner } = scenario('user', new Set());
    const { secretHash: _hash, ...unhashed } = credential ?? { secretHash: '' };
    expect(credentialRefusal({ kind: 'user', id: claim.id }, unhashed, owner, NOW)).toBeUndefined();
    expect(credentialRefusal(claim, unhashed, owner, NOW)).toBe('wrong_secret');
  });

  it('ends revokedAt and expiresAt at the instant itself', () => {
    const { claim, credential, owner } = scenario('user', new Set());
    expect(credentialRefusal(claim, { ...credential, revokedAt: NOW }, owner, NOW - 1)).toBeUndefined();
    expect(credentialRefusal(claim, { ...credential, revokedAt: NOW }, owner, NOW)).toBe('revoked');
    expect(credentialRefusal(claim, { ...credential, expiresAt: NOW }, owner, NOW)).toBe('expired');
  });

  it('refuses a session stored without an end as expired; a key without one never expires', () => {
    const session = scenario('session', new Set());
    const { expiresAt: _end, ...endless } = session.credential!;
    expect(credentialRefusal(session.claim, endless, session.owner, NOW)).toBe('expired');
    const key = scenario('user', new Set());
    expect(key.credential!.expiresAt).toBeUndefined();
    expect(credentialRefusal(key.claim, key.credential, key.owner, NOW)).toBeUndefined();
  });

  it('grants a key its stored permissions that a key may still hold, and a session what the catalog gives it', () => {
    const user = scenario('user', new Set());
    expect(judgeCredential(user.claim, user.credential, user.owner, NOW, catalog)).toEqual({ ok: true, permissions: ['read_widgets'] });
    const session = scenario('session', new Set());
    const rule = grantRule(catalog);
    expect(judgeCredential(session.claim, session.credential, session.owner, NOW, catalog)).toEqual({ ok: true, permissions: rule.session.admin });
    expect(judgeCredential(session.claim, session.credential, { ...session.owner!, admin: false }, NOW, catalog)).toEqual({ ok: true, permissions: rule.session.user });
    expect(rule.session.admin).toContain('admin');
    expect(rule.session.user).not.toContain('admin');
    expect(judgeCredential(user.claim, undefined, user.owner, NOW, catalog)).toEqual({ ok: false, reason: 'unknown' });
  });
});
