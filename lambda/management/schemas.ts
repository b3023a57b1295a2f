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

/**
 * What a name may not hold: control (Cc) and format (Cf) characters, which
 * include every bidi control (U+202A–U+202E, U+2066–U+2069, U+200E/F, U+061C)
 * and zero-width ones; lone surrogates (Cs: a string that is not valid
 * Unicode); line and paragraph separators; and U+FFFD, which is what
 * invalid UTF-8 turns into when it is decoded.
 */
const UNSAFE_NAME_CHARACTER = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}\p{Bidi_Control}\uFFFD]/u;

const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * A name a person gives something (a key, a client): trimmed, refused with
 * 400 `validation` when it holds a character that can hide or reorder what
 * is shown (see UNSAFE_NAME_CHARACTER), then NFC-normalised, so names that
 * look the same are stored the same, and 1 to `maxLength` characters long.
 * One rule for every name; reuse it for new ones.
 */
export function safeName(maxLength = 100) {
  return z
    .string()
    .trim()
    .check((ctx) => {
      const bad = UNSAFE_NAME_CHARACTER.exec(ctx.value);
      if (bad) {
        ctx.issues.push({
          code: 'custom',
          input: ctx.value,
          message: `may not contain ${codePoint(bad[0])} (control, format or bidi characters, unpaired surrogates, line separators, or U+FFFD from invalid UTF-8)`,
        });
      }
    })
    .normalize('NFC')
    .min(1)
    .max(maxLength);
}

const keyName = safeName(100);
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
