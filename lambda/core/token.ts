/**
 * Key and session-token format. Pure: `node:crypto` and `node:zlib` only.
 *
 * Layout (all after the prefix is base62, [0-9A-Za-z]):
 *
 *   <prefix><userId:12><id:12><secret:32><checksum:6>
 *
 * - prefix: `user_key_`, `bot_key_` (configurable) or `session_`
 * - userId: the owner's id, so one DynamoDB round trip can read the key and
 *   its owner together (they share a partition)
 * - id: the public key or session id
 * - secret: 32 characters from a CSPRNG, about 190 bits
 * - checksum: CRC32 of everything before it, 6 base62 digits, so typos are
 *   refused without a database read
 *
 * Only SHA-256(id + "." + secret) is ever stored, and compared in constant time.
 */
import { createHash, hash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BODY = /^[0-9A-Za-z]+$/;
export const ID_LENGTH = 12;
/** A public id (user, key, session, client, record): ID_LENGTH base62 characters. */
export const ID_PATTERN = /^[0-9A-Za-z]{12}$/;
export const SECRET_LENGTH = 32;
export const CHECKSUM_LENGTH = 6;
export const BODY_LENGTH = ID_LENGTH * 2 + SECRET_LENGTH + CHECKSUM_LENGTH;

export type TokenKind = 'user' | 'bot' | 'session';

export interface TokenPrefixes {
  readonly user: string;
  readonly bot: string;
  readonly session: string;
}

export const DEFAULT_PREFIXES: TokenPrefixes = { user: 'user_key_', bot: 'bot_key_', session: 'session_' };

export interface ParsedToken {
  readonly kind: TokenKind;
  readonly userId: string;
  readonly id: string;
  readonly secret: string;
}

export type ParseResult = { ok: true; token: ParsedToken } | { ok: false; reason: string };

/** Random base62 string from a CSPRNG, by rejection sampling (no modulo bias). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHABET[byte % 62];
    }
  }
  return out;
}

/** A new random id, for users, keys and sessions. */
export function newId(): string {
  return randomBase62(ID_LENGTH);
}

/** CRC32 of `text` as CHECKSUM_LENGTH base62 digits. */
export function checksum(text: string): string {
  let n = crc32(text);
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = ALPHABET[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

export interface NewToken extends ParsedToken {
  /** the whole credential, shown to its holder once */
  readonly value: string;
  /** what is stored */
  readonly secretHash: string;
}

export function generateToken(kind: TokenKind, userId: string, prefixes: TokenPrefixes = DEFAULT_PREFIXES, id = newId()): NewToken {
  if (!BODY.test(userId) || userId.length !== ID_LENGTH) throw new Error('userId has to be 12 base62 characters');
  const secret = randomBase62(SECRET_LENGTH);
  const head = prefixes[kind] + userId + id + secret;
  return { kind, userId, id, secret, value: head + checksum(head), secretHash: hashSecret(id, secret) };
}

function describe(kind: TokenKind | 'key'): string {
  return kind === 'session' ? 'session token' : 'key';
}

/**
 * Parses a credential without touching any store. `accept` lists the kinds
 * that may appear here: the Authorization header takes keys, the cookie
 * takes session tokens.
 */
export function parseToken(value: string, accept: readonly TokenKind[], prefixes: TokenPrefixes = DEFAULT_PREFIXES): ParseResult {
  const what = () => describe(accept.includes('session') && accept.length === 1 ? 'session' : 'key');
  let kind: TokenKind | undefined;
  for (const k of accept) {
    if (value.startsWith(prefixes[k])) {
      kind = k;
      break;
    }
  }
  if (kind === undefined) {
    const names = accept.map((k) => `'${prefixes[k]}'`).join(' or ');
    return { ok: false, reason: `${what()} has to start with ${names}` };
  }
  const prefix = prefixes[kind];
  const body = value.slice(prefix.length);
  if (body.length !== BODY_LENGTH) {
    return { ok: false, reason: `${what()} has to be ${prefix.length + BODY_LENGTH} characters long, got ${value.length}` };
  }
  if (!BODY.test(body)) {
    return { ok: false, reason: `${what()} may only contain letters and digits after '${prefix}'` };
  }
  const head = value.slice(0, value.length - CHECKSUM_LENGTH);
  if (checksum(head) !== value.slice(-CHECKSUM_LENGTH)) {
    return { ok: false, reason: `checksum check not passed, ${what()} is malformed` };
  }
  return {
    ok: true,
    token: {
      kind,
      userId: body.slice(0, ID_LENGTH),
      id: body.slice(ID_LENGTH, ID_LENGTH * 2),
      secret: body.slice(ID_LENGTH * 2, ID_LENGTH * 2 + SECRET_LENGTH),
    },
  };
}

/** SHA-256 is right for 190-bit random secrets; a slow KDF would add nothing but latency. */
export function hashSecret(id: string, secret: string): string {
  return createHash('sha256').update(id).update('.').update(secret).digest('base64url');
}

/**
 * Constant-time check of a presented secret against the stored hash: both
 * base64url SHA-256 digests (43 characters), compared character by character
 * without an early exit (what `timingSafeEqual` does, without the two
 * Buffers it needs: on a cache miss, the first use of crypto after an I/O
 * wait, a one-shot `hash` to a string and this loop take about a third of
 * `createHash().update()…digest()` + `Buffer.from` + `timingSafeEqual`;
 * docs/performance.md).
 */
export function verifySecret(token: ParsedToken, storedHash: string): boolean {
  return secretMatches(token.id, token.secret, storedHash);
}

/** `verifySecret` for an id and a secret held apart. */
export function secretMatches(id: string, secret: string, storedHash: string): boolean {
  return constantTimeEqual(hash('sha256', `${id}.${secret}`, 'base64url'), storedHash);
}

/** Whether two strings are equal, in a time that depends on their lengths only. */
export function constantTimeEqual(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ (i < b.length ? b.charCodeAt(i) : 0);
  return diff === 0;
}

/** The last characters of a key, safe to show in lists. */
export function keyHint(value: string): string {
  return value.slice(-4);
}
