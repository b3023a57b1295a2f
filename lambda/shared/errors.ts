/**
 * Errors a management Lambda shows to its caller. Anything else that is
 * thrown is a fault and becomes a generic 500 (see `http.ts`).
 */

export type ErrorCode =
  | 'validation'
  | 'unauthorized'
  | 'missing_permission'
  | 'csrf_rejected'
  | 'not_found'
  | 'conflict'
  | 'too_many_attempts'
  | 'internal_error'
  | 'service_unavailable';

/** A refusal with a status below 500; its message is shown as is, so it never holds a secret. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const validation = (message: string) => new HttpError(400, 'validation', message);
export const unauthorized = (message: string) => new HttpError(401, 'unauthorized', message, { 'WWW-Authenticate': 'Bearer' });
export const missingPermission = (permission: string) =>
  new HttpError(403, 'missing_permission', `this route needs the '${permission}' permission`);
export const csrfRejected = (message: string) => new HttpError(403, 'csrf_rejected', message);
export const notFound = (message: string) => new HttpError(404, 'not_found', message);
/** A service keygate depends on (API Gateway's control plane) refused or did not answer; nothing was changed, a retry may work. */
export const serviceUnavailable = (message: string) => new HttpError(503, 'service_unavailable', message);
export const conflict = (message: string) => new HttpError(409, 'conflict', message);
export const tooManyAttempts = (retryAfterSeconds: number) =>
  new HttpError(429, 'too_many_attempts', `too many failed logins; try again in ${retryAfterSeconds} seconds`, {
    'Retry-After': String(retryAfterSeconds),
  });

// ---- errors of the OAuth token and revocation endpoints (RFC 6749 §5.2)

export type TokenErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type' | 'invalid_scope';

/** An RFC 6749 §5.2 error: `{error, error_description}`, the body OAuth client libraries parse. */
export class OAuthError extends Error {
  constructor(
    readonly error: TokenErrorCode,
    readonly description: string,
    readonly statusCode: number = error === 'invalid_client' ? 401 : 400,
    readonly headers: Readonly<Record<string, string>> = error === 'invalid_client' ? { 'WWW-Authenticate': 'Basic realm="keygate", charset="UTF-8"' } : {},
  ) {
    super(description);
    this.name = 'OAuthError';
  }
}
