/**
 * Checks an authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3) against
 * the client it names. Pure.
 *
 * RFC 6749 §4.1.2.1: while the client or the redirect URI is in doubt,
 * nothing is redirected (an open redirector would hand codes and errors to
 * anyone); the problem is shown to the user. Every later problem goes back
 * to the client's redirect URI with `error` and `state`.
 */
import { CODE_CHALLENGE, parseScope, redirectUriMatches } from './oauth';

/** What the rules need to know about a client. */
export interface ClientRules {
  readonly clientId: string;
  readonly redirectUris: readonly string[];
  /** key-grantable permissions the client may ask for */
  readonly permissions: readonly string[];
}

/** A request that may be shown for consent and approved. */
export interface AuthorizationRequest {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly permissions: readonly string[];
  readonly state?: string;
  /** S256 challenge; required of every client */
  readonly codeChallenge: string;
}

export type AuthorizationError = 'invalid_request' | 'unsupported_response_type' | 'invalid_scope' | 'access_denied' | 'unauthorized_client';

export type AuthorizationCheck =
  | { readonly kind: 'valid'; readonly request: AuthorizationRequest }
  /** shown to the user, never redirected */
  | { readonly kind: 'invalid'; readonly message: string }
  /** sent back to the client's redirect URI */
  | { readonly kind: 'error'; readonly redirectUri: string; readonly error: AuthorizationError; readonly description: string; readonly state?: string };

export const MAX_STATE_LENGTH = 1024;

/** The request's parameters, each given at most once; `repeated` names those given more than once. */
export interface AuthorizationParams {
  readonly values: Readonly<Record<string, string | undefined>>;
  readonly repeated: ReadonlySet<string>;
}

export function checkAuthorizationRequest(params: AuthorizationParams, client: ClientRules | undefined): AuthorizationCheck {
  const { values, repeated } = params;
  const clientId = values.client_id;
  if (repeated.has('client_id')) return { kind: 'invalid', message: 'client_id is given more than once' };
  if (!clientId) return { kind: 'invalid', message: 'client_id is missing' };
  if (!client || client.clientId !== clientId) return { kind: 'invalid', message: 'there is no client with this client_id' };
  if (repeated.has('redirect_uri')) return { kind: 'invalid', message: 'redirect_uri is given more than once' };
  const redirectUri = values.redirect_uri;
  if (!redirectUri) return { kind: 'invalid', message: 'redirect_uri is missing' };
  if (!client.redirectUris.some((registered) => redirectUriMatches(registered, redirectUri))) return { kind: 'invalid', message: 'redirect_uri is not registered for this client' };

  const rawState = values.state;
  // A state too long to send back is dropped rather than echoed cut short.
  const state = rawState !== undefined && rawState.length <= MAX_STATE_LENGTH && !repeated.has('state') ? rawState : undefined;
  const fail = (error: AuthorizationError, description: string): AuthorizationCheck => ({
    kind: 'error',
    redirectUri,
    error,
    description,
    ...(state !== undefined ? { state } : {}),
  });

  if (repeated.size > 0) return fail('invalid_request', `${[...repeated].join(', ')} given more than once`);
  if (rawState !== undefined && rawState.length > MAX_STATE_LENGTH) return fail('invalid_request', `state has to be at most ${MAX_STATE_LENGTH} characters`);
  if (values.response_type === undefined) return fail('invalid_request', 'response_type is missing');
  if (values.response_type !== 'code') return fail('unsupported_response_type', "only response_type 'code' is supported");

  const challenge = values.code_challenge;
  const method = values.code_challenge_method;
  // PKCE of every client, confidential ones too (RFC 9700 §2.1.1, OWASP ASVS 5.0 10.4.6): it binds the code to the browser session that asked for it.
  if (challenge === undefined) {
    if (method !== undefined) return fail('invalid_request', 'code_challenge_method is given without code_challenge');
    return fail('invalid_request', 'PKCE is required: send code_challenge and code_challenge_method=S256');
  }
  // RFC 7636 defaults an absent method to 'plain', which is refused.
  if (method !== 'S256') return fail('invalid_request', "code_challenge_method has to be 'S256' ('plain' is not accepted)");
  if (!CODE_CHALLENGE.test(challenge)) return fail('invalid_request', 'code_challenge has to be 43 base64url characters (an S256 digest)');

  const scope = parseScope(values.scope, client.permissions);
  if (!scope.ok) return fail('invalid_scope', scope.reason);
  if (scope.permissions.length === 0) return fail('invalid_scope', 'this client has no permission it may ask for');

  return {
    kind: 'valid',
    request: {
      clientId,
      redirectUri,
      permissions: scope.permissions,
      ...(state !== undefined ? { state } : {}),
      codeChallenge: challenge,
    },
  };
}
