/**
 * Finds the credential in a request. If an Authorization header is present it
 * decides, and the cookie is ignored (docs/design.md, Credentials). Anything ambiguous is refused.
 */

export type Headers = Readonly<Record<string, string | undefined>> | null | undefined;
export type MultiValueHeaders = Readonly<Record<string, readonly string[] | undefined>> | null | undefined;

export type Credential =
  | { readonly source: 'header'; readonly value: string }
  | { readonly source: 'cookie'; readonly value: string }
  | { readonly source: 'none' }
  | { readonly source: 'invalid'; readonly reason: string };

/**
 * Every value of a header, whatever the case of its name. Runs on every
 * request: names of another length are skipped without lower-casing them.
 */
export function headerValues(name: string, headers: Headers, multi: MultiValueHeaders): string[] {
  const wanted = name.toLowerCase();
  const out: string[] = [];
  if (multi) {
    for (const k in multi) {
      const vs = multi[k];
      if (vs && k.length === wanted.length && k.toLowerCase() === wanted) out.push(...vs);
    }
    if (out.length > 0) return out;
  }
  if (headers) {
    for (const k in headers) {
      const v = headers[k];
      if (typeof v === 'string' && k.length === wanted.length && k.toLowerCase() === wanted) out.push(v);
    }
  }
  return out;
}

/** The values of one cookie across every Cookie header. */
export function cookieValues(cookieHeaders: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (const header of cookieHeaders) {
    for (const pair of header.split(';')) {
      const eq = pair.indexOf('=');
      if (eq < 0) continue;
      if (pair.slice(0, eq).trim() === name) out.push(pair.slice(eq + 1).trim());
    }
  }
  return out;
}

const BEARER = /^Bearer +(\S+) *$/i;

export function extractCredential(headers: Headers, multi: MultiValueHeaders, cookieName: string): Credential {
  const auth = headerValues('authorization', headers, multi);
  if (auth.length > 1) return { source: 'invalid', reason: 'more than one Authorization header' };
  if (auth.length === 1) {
    const m = BEARER.exec(auth[0]!);
    if (!m) return { source: 'invalid', reason: "Authorization header has to be 'Bearer <key>'" };
    return { source: 'header', value: m[1]! };
  }
  const values = [...new Set(cookieValues(headerValues('cookie', headers, multi), cookieName))];
  if (values.length > 1) return { source: 'invalid', reason: `more than one ${cookieName} cookie` };
  if (values.length === 1 && values[0] !== '') return { source: 'cookie', value: values[0]! };
  return { source: 'none' };
}
