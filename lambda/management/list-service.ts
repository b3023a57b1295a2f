/**
 * The paged lists: users (admins), a user's keys (the user, or an admin), a
 * user's audit trail (the user, or an admin). Shared by the API and the CLI,
 * so `limit` and `cursor` follow one rule (./pagination.ts).
 */
import type { ManagementDeps } from './deps';
import { nextCursor, pageRequest } from './pagination';
import { sweepEndedKeys } from './usage-keys';
import { auditView, keyView, userView } from './views';

export const USER_PAGE_DEFAULT = 50;
export const KEY_PAGE_DEFAULT = 50;
export const AUDIT_PAGE_DEFAULT = 20;

/** `limit` and `cursor` as given: query-string values or CLI flags. */
export interface PageInput {
  readonly limit?: string | undefined;
  readonly cursor?: string | undefined;
}

/** The directory has one scope: every user. */
const ALL_USERS = '*';

/** Users in creation order, oldest first; users created while paging show up on a later page. */
export async function listUsers(deps: ManagementDeps, input: PageInput) {
  const { limit, after } = pageRequest(input, 'users', ALL_USERS, USER_PAGE_DEFAULT);
  const page = await deps.accounts.listUsers(limit, after);
  return { users: page.items.map(userView), next: nextCursor(page, 'users', ALL_USERS) };
}

/**
 * A user's keys in key id order (stable); never a secret. The ended keys on
 * the page that still hold a usage key have it deleted (docs/design.md,
 * Rate limits and quotas: expired keys).
 */
export async function listKeys(deps: ManagementDeps, userId: string, input: PageInput) {
  const { limit, after } = pageRequest(input, 'keys', userId, KEY_PAGE_DEFAULT);
  const page = await deps.accounts.listKeysPage(userId, limit, after);
  await sweepEndedKeys(deps, userId, page.items);
  const now = deps.now();
  return { keys: page.items.map((k) => keyView(k, now)), next: nextCursor(page, 'keys', userId) };
}

/** A user's audit trail, newest first. */
export async function listAudit(deps: ManagementDeps, userId: string, input: PageInput) {
  const { limit, after } = pageRequest(input, 'audit', userId, AUDIT_PAGE_DEFAULT);
  const { records, next } = await deps.accounts.listAudit(userId, limit, after);
  return { records: records.map(auditView), next: nextCursor({ items: records, ...(next ? { last: next } : {}) }, 'audit', userId) };
}
