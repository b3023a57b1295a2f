/**
 * What the example backend answers (handler.ts), in zod for the generated
 * OpenAPI document. The handler imports only the type, so its bundle has no zod.
 */
import { z } from 'zod';

export const echoResponse = z
  .object({
    userId: z.string(),
    authMethod: z.string().meta({ description: '`api_key` or `session`, as the authorizer says.' }),
    keyId: z.string().optional().meta({ description: 'With `api_key`.' }),
    sessionId: z.string().optional().meta({ description: 'With `session`.' }),
    clientId: z.string().optional().meta({ description: 'With a key issued through an API client (OAuth or client file).' }),
    permissions: z.array(z.string()),
    method: z.string(),
    path: z.string(),
    pathParameters: z.record(z.string(), z.string()),
    body: z.unknown().optional().meta({ description: "The request's JSON body, when it had one." }),
  })
  .meta({ id: 'Echo', description: 'Who called and how, as the authorizer told the backend, and what was sent.' });
