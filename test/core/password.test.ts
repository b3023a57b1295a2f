/**
 * Passwords as the README states them: NFKC-normalised before scrypt, so the
 * same password typed as composed or decomposed characters (or with
 * compatibility forms) matches; a different password does not.
 */
import { hashPassword, passwordProblem, verifyPassword } from '../../lambda/core/password';

// Small scrypt parameters: this test is about normalisation, not cost.
const FAST = { logN: 10, r: 8, p: 1 };

describe('Function: verifyPassword', () => {
  it('matches the same password in another Unicode form (NFKC), and nothing else', async () => {
    // Prepare: "café ﬁle №1" with a precomposed é, the ﬁ ligature and №
    const stored = await hashPassword('caf\u00e9 \ufb01le \u21161 long', FAST);
    // Assess
    expect(await verifyPassword('cafe\u0301 file No1 long', stored)).toBe(true);
    expect(await verifyPassword('caf\u00e9 \ufb01le \u21161 long', stored)).toBe(true);
    expect(await verifyPassword('cafe file No1 long', stored)).toBe(false);
  });

  it('refuses passwords outside 12 to 1024 characters', () => {
    expect(passwordProblem('x'.repeat(11))).toBeDefined();
    expect(passwordProblem('x'.repeat(12))).toBeUndefined();
    expect(passwordProblem('x'.repeat(1024))).toBeUndefined();
    expect(passwordProblem('x'.repeat(1025))).toBeDefined();
  });
});
