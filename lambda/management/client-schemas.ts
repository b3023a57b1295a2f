/**
 * Request bodies and answers of the API-client and OAuth operations, named
 * after their operation. Request bodies are strict: an unknown field is a
 * 400 that names it. Rules that need the catalog (permissions) or that give
 * a better message than a pattern (redirect URIs, the key template) are
 * checked in `client-service.ts`, with the same error.
 */
import { z } from 'zod';
import { MAX_REDIRECT_URI_LENGTH, MAX_TEMPLATE_LENGTH } from '../core/oauth';

export const MAX_REDIRECT_URIS = 10;

/** Shown on the consent page: no control, format (bidi) or lone surrogate characters. */
const clientName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[^\p{Cc}\p{Cf}\p{Cs}]*$/u, 'may not contain control, format (bidi) or unpaired surrogate characters');
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

export const emptyBody = z.strictObject({});

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

// ---- answers

export const clientResponse = z.object({
  id: z.string(),
  name: z.string(),
  redirectUris: z.array(z.string()),
  permissions: z.array(z.string()),
  public: z.boolean(),
  secretHint: z.string().nullable(),
  apiKeyFilename: z.string().nullable(),
  apiKeyTemplate: z.string().nullable(),
  status: z.enum(['active', 'deleting']),
  createdAt: z.string(),
  updatedAt: z.string().nullable(),
});
export const createdClientResponse = clientResponse.extend({ secret: z.string().optional() });
export const clientListResponse = z.object({ clients: z.array(clientResponse) });
export const clientSecretResponse = z.object({ id: z.string(), secret: z.string(), secretHint: z.string() });
export const authorizationListResponse = z.object({
  authorizations: z.array(
    z.object({
      clientId: z.string(),
      name: z.string(),
      permissions: z.array(z.string()),
      keys: z.number(),
      firstAuthorizedAt: z.string(),
      lastAuthorizedAt: z.string(),
    }),
  ),
});
export const authorizeRequestResponse = z.object({
  client: z.object({ id: z.string(), name: z.string() }),
  user: z.object({ id: z.string(), email: z.string().nullable() }),
  redirectUri: z.string(),
  state: z.string().nullable(),
  permissions: z.array(z.object({ name: z.string(), description: z.string() })),
});
export const redirectResponse = z.object({ redirectTo: z.string() });
export const tokenResponse = z.object({ access_token: z.string(), token_type: z.literal('Bearer'), scope: z.string() });
export const oauthErrorResponse = z.object({ error: z.string(), error_description: z.string() });
export const holderRevokeResponse = z.object({ keyId: z.string(), revokedAt: z.string() });

export type CreateClientInput = z.output<typeof createClientBody>;
export type UpdateClientInput = z.output<typeof updateClientBody>;
