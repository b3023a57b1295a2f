/**
 * What an admin does to someone else's account beyond creating and
 * disabling it (./user-service.ts): read one user, rotate a bot's key,
 * revoke anyone's key. Shared by the admin API and the CLI.
 */
import { conflict } from '../../shared/errors';
import type { Actor } from '../audit';
import type { ManagementDeps } from '../deps';
import { ownKey, revokeKey, rotateKey } from '../key-service';
import { existingUser } from '../user-service';

export const NOT_A_BOT_KEY =
  "this key belongs to a person's account, and an admin never receives the secret of a person's key: revoke it instead, and its owner can make a new one";

/**
 * Kitsu's remedy for a leaked bot token: a new key of the same name and
 * permissions, the old one ending now (the default) or after `graceSeconds`.
 * Bots only; a disabled bot may be rotated (disable, rotate, enable is how a
 * leak is handled without a window).
 */
export async function rotateBotKey(deps: ManagementDeps, userId: string, keyId: string, graceSeconds: number, actor: Actor) {
  const user = await existingUser(deps, userId);
  await ownKey(deps, userId, keyId);
  if (user.kind !== 'bot') throw conflict(NOT_A_BOT_KEY);
  return { userId, ...(await rotateKey(deps, userId, keyId, graceSeconds, actor)) };
}

/** Any user's key, for incident response. Repeating it changes nothing. */
export async function revokeUserKey(deps: ManagementDeps, userId: string, keyId: string, actor: Actor): Promise<void> {
  await existingUser(deps, userId);
  await revokeKey(deps, userId, keyId, actor);
}
