import { BODY_LENGTH, DEFAULT_PREFIXES, constantTimeEqual, generateToken, hashSecret, keyHint, newId, parseToken, randomBase62, verifySecret } from '../../lambda/core/token';

const userId = newId();

describe('Module: token', () => {
  describe('Function: generateToken / parseToken', () => {
    it.each(['user', 'bot', 'session'] as const)('round-trips a %s token', (kind) => {
      const t = generateToken(kind, userId);
      const parsed = parseToken(t.value, [kind]);
      expect(parsed).toEqual({ ok: true, token: { kind, userId, id: t.id, secret: t.secret } });
      expect(t.value.startsWith(DEFAULT_PREFIXES[kind])).toBe(true);
      expect(t.value).toHaveLength(DEFAULT_PREFIXES[kind].length + BODY_LENGTH);
      expect(t.value).toMatch(/^[a-z_]+[0-9A-Za-z]+$/);
    });

    it('gives each token a different secret and id', () => {
      const seen = new Set(Array.from({ length: 1000 }, () => generateToken('user', userId).value));
      expect(seen.size).toBe(1000);
    });

    it('stores only a hash that verifies the secret, in constant time', () => {
      const t = generateToken('user', userId);
      expect(t.secretHash).toBe(hashSecret(t.id, t.secret));
      expect(t.secretHash).not.toContain(t.secret);
      expect(verifySecret(t, t.secretHash)).toBe(true);
      expect(verifySecret({ ...t, secret: t.secret.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a')) }, t.secretHash)).toBe(false);
      expect(verifySecret(t, 'short')).toBe(false);
    });

    it('compares digests in constant time and agrees with === on every position and length', () => {
      const digest = hashSecret(newId(), randomBase62(32));
      const variants = [digest, '', digest.slice(0, -1), digest + 'A', digest.slice(1), ...[...digest].map((c, i) => digest.slice(0, i) + (c === 'A' ? 'B' : 'A') + digest.slice(i + 1))];
      for (const a of variants) {
        for (const b of [digest, a]) expect(constantTimeEqual(a, b)).toBe(a === b);
      }
    });

    it('uses configured prefixes', () => {
      const prefixes = { user: 'tape_', bot: 'tapebot_', session: 'session_' };
      const t = generateToken('bot', userId, prefixes);
      expect(t.value.startsWith('tapebot_')).toBe(true);
      expect(parseToken(t.value, ['user', 'bot'], prefixes)).toMatchObject({ ok: true, token: { kind: 'bot' } });
      expect(parseToken(t.value, ['user', 'bot'])).toEqual({ ok: false, reason: "key has to start with 'user_key_' or 'bot_key_'" });
    });
  });

  describe('Function: parseToken refusals', () => {
    const good = generateToken('user', userId).value;

    it('refuses a wrong prefix', () => {
      expect(parseToken('bearer_key_' + good.slice(9), ['user', 'bot'])).toEqual({ ok: false, reason: "key has to start with 'user_key_' or 'bot_key_'" });
      expect(parseToken(good, ['session'])).toEqual({ ok: false, reason: "session token has to start with 'session_'" });
    });

    it('refuses a wrong length', () => {
      expect(parseToken(good + 'x', ['user'])).toEqual({ ok: false, reason: `key has to be ${good.length} characters long, got ${good.length + 1}` });
      expect(parseToken(good.slice(0, -1), ['user'])).toMatchObject({ ok: false });
      expect(parseToken('user_key_', ['user'])).toMatchObject({ ok: false });
    });

    it('refuses a wrong alphabet', () => {
      const bad = good.slice(0, 20) + '-' + good.slice(21);
      expect(parseToken(bad, ['user'])).toEqual({ ok: false, reason: "key may only contain letters and digits after 'user_key_'" });
    });

    it('refuses every one-character typo by its checksum', () => {
      const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
      let tried = 0;
      for (let i = 9; i < good.length; i++) {
        for (const c of [alphabet[(alphabet.indexOf(good[i]!) + 1) % 62]!, alphabet[(alphabet.indexOf(good[i]!) + 31) % 62]!]) {
          const typo = good.slice(0, i) + c + good.slice(i + 1);
          expect(parseToken(typo, ['user'])).toEqual({ ok: false, reason: 'checksum check not passed, key is malformed' });
          tried++;
        }
      }
      expect(tried).toBe(2 * BODY_LENGTH);
    });

    it('refuses two swapped neighbours', () => {
      const i = 30;
      if (good[i] === good[i + 1]) return;
      const swapped = good.slice(0, i) + good[i + 1] + good[i] + good.slice(i + 2);
      expect(parseToken(swapped, ['user'])).toMatchObject({ ok: false });
    });
  });

  describe('Function: randomBase62', () => {
    it('covers the whole alphabet and nothing else', () => {
      const s = randomBase62(20000);
      expect(new Set(s).size).toBe(62);
      expect(s).toMatch(/^[0-9A-Za-z]+$/);
    });
  });

  describe('Function: keyHint', () => {
    it('shows the last four characters', () => {
      expect(keyHint('user_key_abcdefWXYZ')).toBe('WXYZ');
    });
  });
});
