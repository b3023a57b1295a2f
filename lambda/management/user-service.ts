/**
 * Users and bot accounts, for the admin Lambda and the admin CLI alike.
 */
import { hashPassword, passwordProblem } from '../core/password';
import { conflict, notFound, validation } from '../shared/errors';
import { EmailTakenError, type UserRecord } from '../store/port';
import { auditEntries, type Actor } from './audit';
import type { ManagementDeps } from './deps';
import { createKey } from './key-service';
import { afterUserFlagChange } from './usage-keys';
import type { CreateKeyInput, CreateUserInput } from './schemas';

/** Humans log in with a password; bots never log in, so they have none and cannot be admins (admin is a session permission). */
export async function createUser(deps: ManagementDeps, input: CreateUserInput, actor: Actor): Promise<UserRecord> {
  if (input.kind === 'bot') {
    if (input.password !== undefined) throw validation("'password': bots cannot log in, so they have no password");
    if (input.admin) throw validation("'admin': bots cannot be admins (admin is a permission of login sessions)");
  } else {
    if (input.password === undefined) throw validation("'password' is required for human users");
    const problem = passwordProblem(input.password);
    if (problem) throw validation(`'password' ${problem}`);
  }
  const passwordHash = input.password === undefined ? undefined : await hashPassword(input.password);
  const admin = input.admin === true;
  try {
    const { userId, createdAt } = await deps.accounts.createUser(
      { email: input.email, kind: input.kind, admin, ...(passwordHash ? { passwordHash } : {}) },
      (id) => auditEntries(actor, 'user_created', `user:${id}`, [id], { kind: input.kind, admin: String(admin) }),
    );
    return { userId, email: input.email.toLowerCase(), kind: input.kind, admin, disabled: false, createdAt, credentialsEpoch: 0 };
  } catch (err) {
    if (err instanceof EmailTakenError) throw conflict(err.message);
    throw err;
  }
}

export async function existingUser(deps: ManagementDeps, userId: string): Promise<UserRecord> {
  const user = await deps.accounts.getUser(userId);
  if (!user) throw notFound('no such user');
  return user;
}

export const LAST_ADMIN = 'this is the last enabled admin; make or enable another admin first, so someone can still manage users';

/**
 * Disabling stops every key and session of the user at once: the authorizer
 * reads the flag with each credential. The last enabled admin cannot be
 * disabled, even by two admins disabling each other at the same moment: the
 * store counts enabled admins in the same transaction (docs/design.md, Security invariants).
 */
export async function setUserDisabled(deps: ManagementDeps, userId: string, disabled: boolean, actor: Actor): Promise<UserRecord> {
  // An admin who disables themselves may leave nobody able to undo it.
  if (disabled && actor.actorId === userId) throw validation("'disabled': you cannot disable your own account");
  const user = await existingUser(deps, userId);
  if (user.disabled === disabled) {
    // A retry finishes the usage keys an earlier call left (docs/design.md, Rate limits and quotas).
    await afterUserFlagChange(deps, user, disabled);
    return user;
  }
  const audit = auditEntries(actor, disabled ? 'user_disabled' : 'user_enabled', `user:${userId}`, [userId]);
  const result = await deps.accounts.setDisabled(userId, disabled, audit);
  if (result === 'missing') throw notFound('no such user');
  if (result === 'last_admin') throw conflict(LAST_ADMIN);
  await afterUserFlagChange(deps, user, disabled);
  return { ...user, disabled };
}

export const NOT_A_BOT = "this user is a person, not a bot: keys are made here for bots only, and people make their own after logging in";

/** Keys for bot accounts; people make their own keys after logging in. */
export async function createBotKey(deps: ManagementDeps, userId: string, input: CreateKeyInput, actor: Actor) {
  const user = await existingUser(deps, userId);
  if (user.kind !== 'bot') throw conflict(NOT_A_BOT);
  if (user.disabled) throw conflict('the bot is disabled; enable it first');
  return { userId, ...(await createKey(deps, userId, 'bot', input, actor)) };
}
