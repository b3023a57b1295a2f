/**
 * Password hashing with scrypt (memory-hard) and a per-user random salt.
 * Pure: `node:crypto` only.
 *
 * Stored form: `scrypt$<log2 N>$<r>$<p>$<salt>$<hash>` (salt and hash
 * base64url), so the cost can be raised later without breaking old hashes.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

export const MIN_PASSWORD_LENGTH = 12;
/** Bounds the work one login can cause. */
export const MAX_PASSWORD_LENGTH = 1024;

export interface ScryptParams {
  readonly logN: number;
  readonly r: number;
  readonly p: number;
}

/** N = 2^15, r = 8: 32 MiB and tens of milliseconds per hash (OWASP's scrypt baseline is N = 2^17; raise it if Lambda memory allows). */
export const DEFAULT_SCRYPT_PARAMS: ScryptParams = { logN: 15, r: 8, p: 1 };

const KEY_BYTES = 32;
const SALT_BYTES = 16;

/**
 * Unknown users are checked against this: same parameters, so the same work,
 * and no password derives to an all-zero hash.
 */
const DUMMY_HASH = `scrypt$15$8$1$${Buffer.alloc(SALT_BYTES).toString('base64url')}$${Buffer.alloc(KEY_BYTES).toString('base64url')}`;

function derive(password: string, salt: Buffer, { logN, r, p }: ScryptParams): Promise<Buffer> {
  const N = 2 ** logN;
  return new Promise((resolve, reject) => {
    // NFKC so the same password typed on another keyboard or OS still matches.
    scrypt(password.normalize('NFKC'), salt, KEY_BYTES, { N, r, p, maxmem: 256 * N * r }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params);
  return ['scrypt', params.logN, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

function parse(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [logN, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![logN, r, p].every((x) => Number.isInteger(x) && x > 0) || logN > 20) return undefined;
  return { params: { logN, r, p }, salt: Buffer.from(parts[4]!, 'base64url'), key: Buffer.from(parts[5]!, 'base64url') };
}

/**
 * Checks a password in constant time. With no stored hash (unknown user, bot)
 * it does the same work against a dummy and returns false, so the answer
 * takes as long as for a wrong password.
 */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const parsed = parse(stored ?? DUMMY_HASH) ?? parse(DUMMY_HASH)!;
  const key = await derive(password, parsed.salt, parsed.params);
  return stored !== undefined && key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}

/** What is wrong with a new password, or undefined. Length is counted in characters, not bytes. */
export function passwordProblem(password: string): string | undefined {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) return `has to be at least ${MIN_PASSWORD_LENGTH} characters long`;
  if (length > MAX_PASSWORD_LENGTH) return `has to be at most ${MAX_PASSWORD_LENGTH} characters long`;
  return undefined;
}
