/**
 * Request bodies. Strict objects: an unknown field is a 400 that names it.
 * Rules that need the permission catalog or the password policy are checked
 * in the services, with the same error.
 */
import { z } from 'zod';
import { MAX_PASSWORD_LENGTH } from '../core/password';

/** Rotation grace period limit from SPEC §6. */
export const MAX_GRACE_PERIOD_SECONDS = 7 * 24 * 3600;
export const MAX_KEY_LIFETIME_DAYS = 3650;

const keyName = z.string().trim().min(1).max(100).regex(/^[^\p{Cc}]*$/u, 'may not contain control characters');
const permissions = z.array(z.string().max(64)).max(64);
const password = z.string().min(1).max(MAX_PASSWORD_LENGTH);
const email = z.email().max(254).transform((e) => e.toLowerCase());

export const loginBody = z.strictObject({ email: z.string().trim().min(1).max(254), password });
export const verifyBody = z.strictObject({ key: z.string() });
export const passwordBody = z.strictObject({ currentPassword: password, newPassword: password });

export const createKeyBody = z.strictObject({
  name: keyName,
  permissions,
  expiresInDays: z.int().min(1).max(MAX_KEY_LIFETIME_DAYS).optional(),
});
export const renameKeyBody = z.strictObject({ name: keyName });
export const rotateKeyBody = z.strictObject({ gracePeriodSeconds: z.int().min(0).max(MAX_GRACE_PERIOD_SECONDS).optional() });

export const createUserBody = z.strictObject({
  email,
  password: password.optional(),
  kind: z.enum(['human', 'bot']),
  admin: z.boolean().optional(),
});
export const updateUserBody = z.strictObject({ disabled: z.boolean() });

export type CreateKeyInput = z.output<typeof createKeyBody>;
export type CreateUserInput = z.output<typeof createUserBody>;
