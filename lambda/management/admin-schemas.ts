/**
 * Queries and answers of the admin operations and the paged lists, in zod,
 * for the generated OpenAPI document and for the tests that check answers
 * against them. Request bodies are in ./schemas.ts.
 */
import { z } from 'zod';
import { pageQuery } from './pagination';
import { rotateKeyBody } from './schemas';

const isoTime = z.iso.datetime();
const id = z.string().regex(/^[0-9A-Za-z]{12}$/);
/** `null` on the last page; else pass it as `cursor` to get the next one. */
const next = z.string().nullable();

export const user = z.strictObject({
  id,
  email: z.string().nullable(),
  kind: z.enum(['human', 'bot']),
  admin: z.boolean(),
  disabled: z.boolean(),
  createdAt: isoTime,
});

export const keySummary = z.object({
  id,
  name: z.string(),
  kind: z.enum(['user', 'bot']),
  permissions: z.array(z.string()),
  hint: z.string(),
  status: z.enum(['active', 'grace_period', 'revoked', 'expired']),
  createdAt: isoTime,
  expiresAt: isoTime.nullable(),
  revokedAt: isoTime.nullable(),
  lastUsedAt: isoTime.nullable(),
  replacedBy: id.nullable(),
  replaces: id.nullable(),
});

export const auditRecord = z.strictObject({
  id,
  at: isoTime,
  action: z.string(),
  actor: id.nullable(),
  authMethod: z.enum(['session', 'api_key', 'password', 'cli']),
  credentialId: z.string().nullable(),
  target: z.string(),
  detail: z.record(z.string(), z.string()).optional(),
});

export const listUsersQuery = pageQuery;
export const listKeysQuery = pageQuery;
export const listUserKeysQuery = pageQuery;
export const listUserAuditQuery = pageQuery;

export const userListResponse = z.strictObject({ users: z.array(user), next });
export const userResponse = z.strictObject({ user });
export const keyListResponse = z.strictObject({ keys: z.array(keySummary), next });
export const auditListResponse = z.strictObject({ records: z.array(auditRecord), next });

export const rotateUserKeyBody = rotateKeyBody;
export const rotatedBotKeyResponse = z.strictObject({
  userId: id,
  key: z.string(),
  id,
  name: z.string(),
  kind: z.literal('bot'),
  permissions: z.array(z.string()),
  hint: z.string(),
  createdAt: isoTime,
  expiresAt: isoTime.nullable(),
  replaces: id,
  previousKeyEndsAt: isoTime,
});
