/**
 * Request bodies and answers of the API-client and OAuth operations, named
 * after their operation. Request bodies are strict: an unknown field is a
 * 400 that names it. Rules that need the catalog (permissions) or that give
 * a better message than a pattern (redirect URIs, the key template) are
 * checked in `client-service.ts`, with the same error.
 */
import { z } from 'zod';
import { MAX_REDIRECT_URI_LENGTH, MAX_TEMPLATE_LENGTH } from '../../core/oauth';
import { safeName } from '../schemas';

export const MAX_REDIRECT_URIS = 10;

/** Shown on the consent page: the names rule of every name (no control, format or bidi characters). */
const clientName = safeName(100);
const redirectUris = z.array(z.string().max(MAX_REDIRECT_URI_LENGTH)).max(MAX_REDIRECT_URIS);
const permissions = z.array(z.string().max(64)).min(1).max(64);
const apiKeyFilename = z.string().max(100);
const apiKeyTemplate = z.string().max(MAX_TEMPLATE_LENGTH);

export const createClientBody = z.strictObject({
  name: clientName,
  redirectUris: redirectUris.default([]),
  permissions,
  public: z.boolean().optional(),
  apiKeyFilename: apiKeyFilename.optional(),
  apiKeyTemplate: apiKeyTemplate.optional(),
});

export const updateClientBody = z.strictObject({
  name: clientName.optional(),
  redirectUris: redirectUris.optional(),
  permissions: permissions.optional(),
  apiKeyFilename: apiKeyFilename.nullable().optional(),
  apiKeyTemplate: apiKeyTemplate.nullable().optional(),
});

/** `PATCH /admin/clients/{clientId}`: an admin disables or enables any client. */
export const adminUpdateClientBody = z.strictObject({ disabled: z.boolean() });

export const holderRevokeBody = z.strictObject({ key: z.string().max(512) });

/** `POST /oauth/authorize` with a JSON body: the authorization request's parameters and the decision. */
export const authorizeDecisionBody = z.strictObject({
  decision: z.enum(['approve', 'deny']),
  response_type: z.string().max(64).optional(),
  client_id: z.string().max(64).optional(),
  redirect_uri: z.string().max(MAX_REDIRECT_URI_LENGTH).optional(),
  scope: z.string().max(2048).optional(),
  state: z.string().max(2048).optional(),
  code_challenge: z.string().max(256).optional(),
  code_challenge_method: z.string().max(16).optional(),
});

/** The authorization request's parameters (RFC 6749 §4.1.1, RFC 7636 §4.3), all optional here: the handler says what is missing. */
export const authorizeQuery = z.object({
  response_type: z.string().optional().meta({ description: '`code`' }),
  client_id: z.string().optional(),
  redirect_uri: z.string().optional().meta({ description: 'One of the client\'s, exactly; a loopback one (http on 127.0.0.1 or [::1]) on any port.' }),
  scope: z.string().optional().meta({ description: "Space-separated permissions within the client's; absent means all of them." }),
  state: z.string().optional(),
  code_challenge: z.string().optional().meta({ description: 'S256 of the code verifier; required of every client.' }),
  code_challenge_method: z.string().optional().meta({ description: '`S256` (`plain` is refused).' }),
});

/** `POST /oauth/token`, form-encoded (RFC 6749 §4.1.3, §2.3.1). */
export const tokenRequestBody = z.object({
  grant_type: z.string().meta({ description: '`authorization_code`' }),
  code: z.string(),
  redirect_uri: z.string(),
  code_verifier: z.string().optional().meta({ description: 'PKCE: required (every authorization request has a `code_challenge`).' }),
  client_id: z.string().optional().meta({ description: 'Without Basic authentication.' }),
  client_secret: z.string().optional().meta({ description: '`client_secret_post`; or send id and secret with Basic (`client_secret_basic`).' }),
});

/** `POST /oauth/revoke`, form-encoded (RFC 7009 §2.1). */
export const revokeRequestBody = z.object({
  token: z.string(),
  token_type_hint: z.string().optional().meta({ description: 'Ignored: every token is a key.' }),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
});

// ---- answers

export const clientResponse = z
  .object({
    id: z.string(),
    name: z.string(),
    redirectUris: z.array(z.string()),
    permissions: z.array(z.string()),
    public: z.boolean(),
    secretHint: z.string().nullable().meta({ description: "The secret's last 4 characters; `null` for a public client." }),
    apiKeyFilename: z.string().nullable(),
    apiKeyTemplate: z.string().nullable(),
    status: z.enum(['active', 'deleting']).meta({ description: '`deleting`: a deletion began and did not finish; repeat DELETE.' }),
    disabled: z.boolean().meta({ description: 'Disabled by an admin: unknown to authorize, token, revoke and the client file until enabled again.' }),
    createdAt: z.string(),
    updatedAt: z.string().nullable(),
  })
  .meta({ id: 'Client', description: 'An API client; never its secret.' });
export const createdClientResponse = clientResponse
  .extend({ secret: z.string().optional().meta({ description: 'A confidential client\'s secret, shown this once only.' }) })
  .meta({ id: 'NewClient' });
export const clientListResponse = z.object({ clients: z.array(clientResponse) }).meta({ id: 'ClientList' });
export const adminClientResponse = clientResponse
  .extend({
    owner: z.object({ id: z.string(), email: z.string().nullable(), disabled: z.boolean().meta({ description: 'A disabled owner\'s clients are unknown to authorize, token, revoke and the client file.' }) }),
  })
  .meta({ id: 'AdminClient', description: 'Any user\'s API client, with its owner; never its secret.' });
export const adminClientListResponse = z
  .object({ clients: z.array(adminClientResponse), next: z.string().nullable().meta({ description: 'The cursor of the next page; `null` on the last.' }) })
  .meta({ id: 'AdminClientList' });
export const clientSecretResponse = z.object({ id: z.string(), secret: z.string(), secretHint: z.string() }).meta({ id: 'ClientSecret' });
export const authorizationListResponse = z
  .object({
    authorizations: z.array(
      z.object({
        clientId: z.string(),
        name: z.string(),
        permissions: z.array(z.string()),
        keys: z.number().meta({ description: 'Live keys the user holds from this client.' }),
        firstAuthorizedAt: z.string(),
        lastAuthorizedAt: z.string(),
      }),
    ),
  })
  .meta({ id: 'AuthorizationList' });
export const authorizeRequestResponse = z
  .object({
    client: z.object({ id: z.string(), name: z.string() }),
    user: z.object({ id: z.string(), email: z.string().nullable() }),
    redirectUri: z.string(),
    state: z.string().nullable(),
    permissions: z.array(z.object({ name: z.string(), description: z.string() })),
  })
  .meta({ id: 'AuthorizationRequest', description: 'What the user is asked to approve, for a front end of your own.' });
/** Where the browser goes next: the client's redirect URI with a code, or with an error. */
export const redirectResponse = z
  .object({
    redirectTo: z.string(),
    error: z.string().optional().meta({ description: 'For an error sent back to the client (RFC 6749 §4.1.2.1).' }),
    error_description: z.string().optional(),
  })
  .meta({ id: 'AuthorizationRedirect' });
export const tokenResponse = z
  .object({
    access_token: z.string().meta({ description: 'An ordinary user key, marked with the client.' }),
    token_type: z.literal('Bearer'),
    scope: z.string().meta({ description: 'The permissions the key holds, space-separated.' }),
  })
  .meta({ id: 'TokenResponse' });
export const oauthErrorResponse = z
  .object({
    error: z.enum(['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope']),
    error_description: z.string(),
  })
  .meta({ id: 'OAuthError', description: 'RFC 6749 §5.2, the body OAuth client libraries parse.' });
export const serverMetadataResponse = z
  .object({
    issuer: z.string(),
    authorization_endpoint: z.string(),
    token_endpoint: z.string(),
    revocation_endpoint: z.string(),
    response_types_supported: z.array(z.string()),
    response_modes_supported: z.array(z.string()),
    grant_types_supported: z.array(z.string()),
    code_challenge_methods_supported: z.array(z.string()),
    token_endpoint_auth_methods_supported: z.array(z.string()),
    revocation_endpoint_auth_methods_supported: z.array(z.string()),
    scopes_supported: z.array(z.string()).meta({ description: 'The key-grantable permissions.' }),
    authorization_response_iss_parameter_supported: z.boolean().meta({ description: 'true: every authorization response carries `iss` (RFC 9207).' }),
  })
  .meta({ id: 'ServerMetadata', description: 'RFC 8414 authorization server metadata.' });
export const holderRevokeResponse = z.object({ keyId: z.string(), revokedAt: z.string() }).meta({ id: 'RevokedKey' });
export const htmlPage = z.string().meta({ description: 'A server-rendered HTML page, no script.' });
export const clientFileContent = z.string().meta({ description: "The client's `apiKeyTemplate` with the new key in place of `%%KEYGATE_KEY%%`." });

export type CreateClientInput = z.output<typeof createClientBody>;
export type UpdateClientInput = z.output<typeof updateClientBody>;
