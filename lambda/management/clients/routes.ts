/**
 * The clients Lambda's operations (docs/design.md, API clients and OAuth 2.0): API clients, the client file,
 * authorized apps, revocation by the holder, and the OAuth endpoints
 * (authorize with its hosted pages, token, revoke, metadata).
 *
 * The OAuth endpoints are public at the gateway: `authorize` checks the
 * session cookie itself (like login), `token` and `revoke` authenticate the
 * client, and they answer RFC 6749 §5.2 error bodies instead of keygate's own,
 * since OAuth client libraries parse exactly those.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { AuthorizationParams, AuthorizationRequest } from '../../core/authorization-request';
import { headerValues } from '../../core/credentials';
import { HttpError, OAuthError, csrfRejected, unauthorized, validation } from '../../shared/errors';
import { json, noContent, parseJsonBody, rawBody, readJsonBody, validateBody } from '../../shared/http';
import { managementHandler, pageInput, pathId, type CallerRequest, type PublicRequest } from '../app';
import { actorOf, auditEntries } from '../audit';
import { adminUpdateClientBody, authorizeDecisionBody, createClientBody, holderRevokeBody, updateClientBody } from './client-schemas';
import { emptyBody } from '../schemas';
import {
  adminDeleteClient,
  clientFile,
  clientView,
  createClient,
  deleteClient,
  listAuthorizations,
  listClients,
  listEveryClient,
  ownClient,
  revokeAuthorization,
  revokeByHolder,
  rotateClientSecret,
  setClientDisabled,
  updateClient,
} from './client-service';
import type { ManagementDeps } from '../deps';
import { CARRIED, consentPage, errorPage, loginPage } from './oauth-pages';
import {
  approve,
  denied,
  errorRedirect,
  exchangeCode,
  formParams,
  issuerOf,
  loadAuthorization,
  originAllowed,
  queryParams,
  revokeToken,
  serverMetadata,
  sessionUser,
  type AuthorizationRefusal,
} from './oauth-service';
import { clearedSessionCookie, login, sessionCookie } from '../session-service';

const logger = new Logger({ serviceName: 'keygate-clients' });

type PublicFn = (req: PublicRequest) => Promise<APIGatewayProxyResult>;
type CallerFn = (req: CallerRequest) => Promise<APIGatewayProxyResult>;

const FORM = 'application/x-www-form-urlencoded';

function contentType(event: APIGatewayProxyEvent): string {
  return (headerValues('content-type', event.headers, event.multiValueHeaders)[0] ?? '').split(';')[0]!.trim().toLowerCase();
}

function wantsJson(event: APIGatewayProxyEvent): boolean {
  return headerValues('accept', event.headers, event.multiValueHeaders).some((v) => v.toLowerCase().includes('application/json'));
}

function redirect(statusCode: 302 | 303, location: string, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return { statusCode, headers: { Location: location, ...headers }, body: '' };
}

/**
 * Readable by a script on any origin (no credentials): the token and
 * revocation endpoints' answers to a public client, and their errors, which
 * carry no secret. A browser-only tool is a public client, and has to read
 * both to finish the flow (RFC 9700 allows CORS there). An allowed origin
 * gets its own name and credentials from the boundary instead.
 */
const ANY_ORIGIN = { 'Access-Control-Allow-Origin': '*' };

export function oauthErrorResponse(err: OAuthError): APIGatewayProxyResult {
  return json(err.statusCode, { error: err.error, error_description: err.description }, { ...err.headers, ...ANY_ORIGIN });
}

/** Runs an OAuth endpoint; its refusals become RFC 6749 §5.2 bodies, anything else goes on to the boundary. */
async function oauthEndpoint(event: APIGatewayProxyEvent, run: (form: AuthorizationParams) => Promise<APIGatewayProxyResult>): Promise<APIGatewayProxyResult> {
  try {
    if (contentType(event) !== FORM) throw new OAuthError('invalid_request', `the body has to be ${FORM}`);
    return await run(formParams(rawBody(event)));
  } catch (err) {
    if (!(err instanceof OAuthError)) throw err;
    // Failed client authentications are counted like failed logins; say so in the log too (never the secret).
    if (err.error === 'invalid_client') logger.warn('client_authentication_refused', { resource: event.resource, status: err.statusCode, reason: err.description });
    return oauthErrorResponse(err);
  }
}

/** The login step's redirect back to the consent page: relative, so it works under any stage or base path. */
function backToAuthorize(params: AuthorizationParams): string {
  const query = new URLSearchParams();
  for (const name of CARRIED) {
    const value = params.values[name];
    if (value !== undefined) query.set(name, value);
  }
  return `authorize?${query.toString()}`;
}

function describe(deps: ManagementDeps, request: AuthorizationRequest) {
  const byName = new Map(deps.config.permissions.map((p) => [p.name, p]));
  return request.permissions.map((name) => ({ name, description: byName.get(name)?.description ?? name }));
}

/** What every authorize step answers for a request it cannot take: a page or a 400, or the error sent back to the client. */
function refusal(event: APIGatewayProxyEvent, check: AuthorizationRefusal, asJson: boolean): APIGatewayProxyResult {
  if (check.kind === 'invalid') {
    if (asJson) throw validation(check.message);
    return errorPage(400, check.message);
  }
  const redirectTo = errorRedirect(check, issuerOf(event));
  return asJson ? json(200, { error: check.error, error_description: check.description, redirectTo }) : redirect(302, redirectTo);
}

const FOREIGN_FORM = 'this page was submitted from another site; start again from the application';
const NO_SESSION = 'authorizing a client needs a login session (the session cookie)';

const authorizeRequest: PublicFn = async ({ event, deps }) => {
  const asJson = wantsJson(event);
  const params = queryParams(event);
  const loaded = await loadAuthorization(deps, params);
  if (loaded.kind !== 'valid') return refusal(event, loaded, asJson);
  const { request, client } = loaded;
  const session = await sessionUser(deps, event);
  if (!session) {
    if (asJson) throw unauthorized(NO_SESSION);
    return loginPage({ clientName: client.name, params });
  }
  const permissions = describe(deps, request);
  if (asJson) {
    return json(200, {
      client: { id: client.clientId, name: client.name },
      user: { id: session.user.userId, email: session.user.email ?? null },
      redirectUri: request.redirectUri,
      state: request.state ?? null,
      permissions,
    });
  }
  return consentPage({ clientName: client.name, userEmail: session.user.email ?? session.user.userId, redirectUri: request.redirectUri, permissions, params });
};

/** The hosted login form's POST: login's rules (lockout, Origin), then back to the consent page with the cookie. */
async function loginStep(deps: ManagementDeps, event: APIGatewayProxyEvent, params: AuthorizationParams): Promise<APIGatewayProxyResult> {
  if (!originAllowed(deps, event, true)) return errorPage(403, FOREIGN_FORM);
  const loaded = await loadAuthorization(deps, params);
  if (loaded.kind !== 'valid') return refusal(event, loaded, false);
  const clientName = loaded.client.name;
  const { email, password } = params.values;
  if (!email || !password) return loginPage({ clientName, params, ...(email ? { email } : {}), error: 'enter your e-mail and password' }, 400);
  try {
    const session = await login(deps, email, password);
    const cookie = sessionCookie(deps.config.cookieName, session.token.value, deps.config.sessionLifetimeMs / 1000);
    return redirect(303, backToAuthorize(params), { 'Set-Cookie': cookie });
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    return loginPage({ clientName, params, email, error: err.message }, err.statusCode, { ...err.headers });
  }
}

/**
 * "Not you?" on the consent page: ends the session the page was signed in
 * with (like logout) and goes back to the same authorization request, which
 * then asks to sign in. Same-origin forms only, like the decision.
 */
async function switchStep(deps: ManagementDeps, event: APIGatewayProxyEvent, params: AuthorizationParams): Promise<APIGatewayProxyResult> {
  if (!originAllowed(deps, event, false)) return errorPage(403, FOREIGN_FORM);
  const loaded = await loadAuthorization(deps, params);
  if (loaded.kind !== 'valid') return refusal(event, loaded, false);
  const session = await sessionUser(deps, event);
  if (session) {
    const { userId } = session.user;
    const actor = { actorId: userId, authMethod: 'session' as const, credentialId: session.sessionId };
    // Already gone (a concurrent logout) is fine: the cookie is cleared either way.
    await deps.accounts.deleteSession(userId, session.sessionId, auditEntries(actor, 'logout', `session:${session.sessionId}`, [userId]));
  }
  return redirect(303, backToAuthorize(params), { 'Set-Cookie': clearedSessionCookie(deps.config.cookieName) });
}

const authorizeDecision: PublicFn = async ({ event, deps }) => {
  // The hosted form posts a form; anything else is read as JSON, like every other management body.
  const asJson = contentType(event) !== FORM;
  let params: AuthorizationParams;
  if (asJson) {
    const { decision, ...values } = readJsonBody(event, authorizeDecisionBody);
    params = { values: { ...values, decision }, repeated: new Set() };
  } else {
    params = formParams(rawBody(event));
  }
  const decision = params.values.decision;
  if (!asJson && decision === 'login') return loginStep(deps, event, params);
  if (!asJson && decision === 'switch') return switchStep(deps, event, params);
  if (!originAllowed(deps, event, false)) {
    if (asJson) throw csrfRejected('a session cookie on POST needs an Origin header from an allowed origin');
    return errorPage(403, FOREIGN_FORM);
  }
  const loaded = await loadAuthorization(deps, params);
  if (loaded.kind !== 'valid') return refusal(event, loaded, asJson);
  const session = await sessionUser(deps, event);
  if (!session) {
    if (asJson) throw unauthorized(NO_SESSION);
    return loginPage({ clientName: loaded.client.name, params, error: 'your session has ended; sign in again' }, 401);
  }
  let redirectTo: string;
  if (decision === 'approve') redirectTo = await approve(deps, loaded.request, session.user, issuerOf(event));
  else if (decision === 'deny') redirectTo = denied(loaded.request, issuerOf(event));
  else throw validation("'decision' has to be 'approve' or 'deny'");
  return asJson ? json(200, { redirectTo }) : redirect(302, redirectTo);
};

const oauthToken: PublicFn = async ({ event, deps }) =>
  oauthEndpoint(event, async (form) => {
    const { token, client } = await exchangeCode(deps, event, form);
    return json(200, token, { 'Cache-Control': 'no-store', Pragma: 'no-cache', ...(client.isPublic ? ANY_ORIGIN : {}) });
  });

const oauthRevoke: PublicFn = async ({ event, deps }) =>
  oauthEndpoint(event, async (form) => {
    const client = await revokeToken(deps, event, form);
    return { statusCode: 200, headers: client.isPublic ? ANY_ORIGIN : {}, body: '' };
  });

const oauthMetadata: PublicFn = async ({ event, deps }) => json(200, serverMetadata(deps, issuerOf(event), deps.config.basePath));

const revokeKeyByHolder: PublicFn = async ({ event, deps }) => {
  const { key } = readJsonBody(event, holderRevokeBody);
  return json(200, await revokeByHolder(deps, key));
};

const clientId = (event: APIGatewayProxyEvent) => pathId(event, 'clientId', 'client');

const CLIENT_OPERATIONS: { public: Record<string, PublicFn>; caller: Record<string, CallerFn> } = {
  public: {
    oauthAuthorizeRequest: authorizeRequest,
    oauthAuthorize: authorizeDecision,
    oauthToken,
    oauthRevoke,
    oauthMetadata,
    revokeKeyByHolder,
  },
  caller: {
    createClient: async ({ event, caller, deps }) => json(201, await createClient(deps, caller, readJsonBody(event, createClientBody), actorOf(caller))),
    listClients: async ({ caller, deps }) => json(200, await listClients(deps, caller.userId)),
    getClient: async ({ event, caller, deps }) => json(200, clientView(await ownClient(deps, caller.userId, clientId(event)))),
    updateClient: async ({ event, caller, deps }) => {
      const id = clientId(event);
      const body = parseJsonBody(event);
      if (body !== null && typeof body === 'object' && 'public' in body) {
        throw validation("'public': a client cannot switch between public and confidential; register a new client");
      }
      return json(200, await updateClient(deps, caller, id, validateBody(body, updateClientBody), actorOf(caller)));
    },
    deleteClient: async ({ event, caller, deps }) => {
      await deleteClient(deps, caller, clientId(event), actorOf(caller));
      return noContent();
    },
    rotateClientSecret: async ({ event, caller, deps }) => {
      readJsonBody(event, emptyBody);
      return json(201, await rotateClientSecret(deps, caller, clientId(event), actorOf(caller)));
    },
    clientFile: async ({ event, caller, deps }) => {
      // No body to read: a plain HTML form may post here, whatever it sends.
      const file = await clientFile(deps, caller, clientId(event), actorOf(caller));
      return {
        statusCode: 200,
        headers: {
          'Content-Type': 'application/octet-stream',
          'Content-Disposition': `attachment; filename="${file.filename}"`,
          'X-Content-Type-Options': 'nosniff',
          'Cache-Control': 'no-store',
        },
        body: file.content,
      };
    },
    // Admins (the route table's `admin`): every client, disable/enable, delete.
    listAllClients: async ({ event, deps }) => json(200, await listEveryClient(deps, pageInput(event))),
    setClientDisabled: async ({ event, caller, deps }) => {
      const { disabled } = readJsonBody(event, adminUpdateClientBody);
      return json(200, await setClientDisabled(deps, clientId(event), disabled, actorOf(caller)));
    },
    adminDeleteClient: async ({ event, caller, deps }) => {
      await adminDeleteClient(deps, clientId(event), actorOf(caller));
      return noContent();
    },
    listAuthorizations: async ({ caller, deps }) => json(200, await listAuthorizations(deps, caller.userId)),
    revokeAuthorization: async ({ event, caller, deps }) => {
      await revokeAuthorization(deps, caller.userId, clientId(event), actorOf(caller));
      return noContent();
    },
  },
};

export function createClientsHandler(deps: ManagementDeps) {
  return managementHandler(deps, CLIENT_OPERATIONS);
}
