/**
 * OAuth 2.0 rules for API clients, apart from any store: client secrets and
 * authorization codes, redirect URIs (RFC 8252), scopes, PKCE S256
 * (RFC 7636), client authentication headers and the client file template.
 * Pure: `node:crypto` only.
 *
 * Client secrets and codes follow the key format of `token.ts` without the
 * owner's id: `<prefix><id:12><secret:32><checksum:6>`, base62 after the
 * prefix, CRC32 checksum, and only SHA-256(id + "." + secret) is stored.
 */
import { createHash } from 'node:crypto';
import { CHECKSUM_LENGTH, ID_LENGTH, SECRET_LENGTH, checksum, constantTimeEqual, hashSecret, newId, randomBase62, secretMatches } from './token';

export const CLIENT_SECRET_PREFIX = 'client_secret_';
export const CODE_PREFIX = 'code_';
const BODY = /^[0-9A-Za-z]+$/;
const SECRET_BODY_LENGTH = ID_LENGTH + SECRET_LENGTH + CHECKSUM_LENGTH;

export interface SecretToken {
  /** the client id, or the code's id */
  readonly id: string;
  readonly secret: string;
}

export interface NewSecretToken extends SecretToken {
  /** the whole value, shown once */
  readonly value: string;
  readonly secretHash: string;
}

/** A new client secret (`id` = the client id) or authorization code (`id` = a fresh id). */
export function generateSecretToken(prefix: string, id: string = newId()): NewSecretToken {
  if (!BODY.test(id) || id.length !== ID_LENGTH) throw new Error('id has to be 12 base62 characters');
  const secret = randomBase62(SECRET_LENGTH);
  const head = prefix + id + secret;
  return { id, secret, value: head + checksum(head), secretHash: hashSecret(id, secret) };
}

/** Checks prefix, length, alphabet and checksum; no store is read. */
export function parseSecretToken(value: string, prefix: string): SecretToken | undefined {
  if (!value.startsWith(prefix)) return undefined;
  const body = value.slice(prefix.length);
  if (body.length !== SECRET_BODY_LENGTH || !BODY.test(body)) return undefined;
  if (checksum(value.slice(0, -CHECKSUM_LENGTH)) !== value.slice(-CHECKSUM_LENGTH)) return undefined;
  return { id: body.slice(0, ID_LENGTH), secret: body.slice(ID_LENGTH, ID_LENGTH + SECRET_LENGTH) };
}

/** Constant-time check of a presented client secret or code against the stored hash: the keys' own check (`token.ts`). */
export function secretTokenMatches(token: SecretToken, storedHash: string | undefined): boolean {
  return storedHash !== undefined && secretMatches(token.id, token.secret, storedHash);
}

// ---- redirect URIs

export const MAX_REDIRECT_URI_LENGTH = 512;

/**
 * Why a redirect URI cannot be registered, or undefined. https anywhere, or
 * http on a loopback IP literal only (RFC 8252 §7.3, §8.3: not `localhost`,
 * which a resolver may send elsewhere). No fragment (RFC 6749 §3.1.2), no
 * user info. Registered URIs are later matched by `redirectUriMatches`.
 */
export function redirectUriProblem(uri: string): string | undefined {
  if (uri.length > MAX_REDIRECT_URI_LENGTH) return `has to be at most ${MAX_REDIRECT_URI_LENGTH} characters`;
  if (uri.includes('#')) return 'may not contain a fragment (#)';
  if (/\s/.test(uri)) return 'may not contain white space';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.username !== '' || url.password !== '') return 'may not contain a user name or password';
  if (url.protocol === 'https:') return url.hostname === '' ? 'needs a host' : undefined;
  if (url.protocol === 'http:') {
    if (isLoopbackIp(url.hostname)) return undefined;
    return url.hostname === 'localhost'
      ? "may use http only on a loopback IP literal: write 127.0.0.1 or [::1] instead of 'localhost' (RFC 8252 §8.3)"
      : 'has to use https, or http on a loopback address (127.0.0.1 or [::1])';
  }
  return 'has to use https, or http on a loopback address (127.0.0.1 or [::1])';
}

function isLoopbackIp(hostname: string): boolean {
  return hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** `http://` + a loopback IP literal, an optional port, then the rest (path, query), as written. */
const LOOPBACK_URI = /^http:\/\/(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])(?::(\d{1,5}))?([/?].*)?$/s;

/**
 * Whether a request's redirect URI is the registered one: the same string,
 * except that a loopback one (http on 127.x.x.x or [::1]) takes any port
 * (RFC 8252 §7.3: a native app listens on whatever port the OS gives it).
 * Host, path and query still match exactly; nothing else is normalized.
 */
export function redirectUriMatches(registered: string, presented: string): boolean {
  if (registered === presented) return true;
  const r = LOOPBACK_URI.exec(registered);
  const p = LOOPBACK_URI.exec(presented);
  if (!r || !p) return false;
  if (p[2] !== undefined && (Number(p[2]) < 1 || Number(p[2]) > 65535)) return false;
  return r[1] === p[1] && (r[3] ?? '') === (p[3] ?? '');
}

/** `uri` with these query parameters added (the registered URI may have its own query). */
export function withQuery(uri: string, params: Readonly<Record<string, string | undefined>>): string {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.append(k, v);
  return url.href;
}

// ---- scopes

export type ScopeResult = { readonly ok: true; readonly permissions: string[] } | { readonly ok: false; readonly reason: string };

/**
 * A `scope` parameter (space-separated permissions) within what a client may
 * ask for. Absent or empty means all of the client's permissions.
 */
export function parseScope(scope: string | undefined, clientPermissions: readonly string[]): ScopeResult {
  const requested = (scope ?? '').split(' ').filter((p) => p !== '');
  if (requested.length === 0) return { ok: true, permissions: [...clientPermissions] };
  const allowed = new Set(clientPermissions);
  const outside = [...new Set(requested.filter((p) => !allowed.has(p)))];
  if (outside.length > 0) {
    return { ok: false, reason: `scope asks for ${outside.map((p) => `'${p}'`).join(', ')}, which this client may not ask for` };
  }
  return { ok: true, permissions: [...new Set(requested)] };
}

// ---- PKCE (RFC 7636)

/** S256 challenges are base64url SHA-256 digests: always 43 characters. */
export const CODE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
/** RFC 7636 §4.1: 43 to 128 unreserved characters. */
export const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** Whether `verifier` answers `challenge` (S256), in constant time. */
export function pkceMatches(verifier: string, challenge: string): boolean {
  if (!CODE_VERIFIER.test(verifier)) return false;
  return constantTimeEqual(s256(verifier), challenge);
}

// ---- client authentication (RFC 6749 §2.3.1)

export type BasicCredentials = { readonly clientId: string; readonly secret: string };

/**
 * `Authorization: Basic base64(urlencode(id) ":" urlencode(secret))`.
 * Undefined when the header is not Basic; 'malformed' when it is but cannot
 * be read.
 */
export function parseBasicAuth(header: string | undefined): BasicCredentials | 'malformed' | undefined {
  if (header === undefined) return undefined;
  const m = /^Basic +([A-Za-z0-9+/=]+) *$/i.exec(header);
  if (!m) return /^Basic\b/i.test(header) ? 'malformed' : undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return 'malformed';
  try {
    const decode = (v: string) => decodeURIComponent(v.replace(/\+/g, ' '));
    return { clientId: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) };
  } catch {
    return 'malformed';
  }
}

// ---- client file (Tachi's client file flow)

export const KEY_PLACEHOLDER = '%%KEYGATE_KEY%%';
export const MAX_TEMPLATE_LENGTH = 8192;
export const API_KEY_FILENAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function templateProblem(template: string): string | undefined {
  const count = template.split(KEY_PLACEHOLDER).length - 1;
  if (count !== 1) return `has to contain ${KEY_PLACEHOLDER} exactly once (found ${count})`;
  return undefined;
}

export function fillTemplate(template: string, key: string): string {
  return template.replace(KEY_PLACEHOLDER, () => key);
}
