/**
 * Pages of a list (users, keys, audit records): `limit` and an opaque
 * `cursor`, for the API's query strings and the CLI's flags alike.
 *
 * A cursor is the last sort key of the page, bound to the list it came from
 * (which list, and whose) and sealed with a checksum:
 *
 *   base64url(JSON [version, list, scope, lastSortKey]) "." base64url(SHA-256(…)[0..12])
 *
 * What keeps a cursor from reaching other data is not the checksum (anyone
 * can compute it) but the reading side: the partition always comes from the
 * request (the caller, or the user in the path), the cursor only says where
 * in it to resume, and its sort key has to have the exact shape of that
 * list's items. The binding and the checksum turn a cursor of another list,
 * another user or an edited one into a clear 400 instead of a silently
 * different page.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { HttpError } from '../shared/errors';
import { PAGED_SORT_KEYS } from '../store/keys';

export const PAGE_MAX = 100;
/** Long enough for any cursor this module makes, short enough to refuse junk before decoding it. */
const CURSOR_MAX_LENGTH = 512;
const VERSION = 1;

/** The lists that can be paged; the shape of their sort keys is the layout's (store/keys.ts). */
export type PagedList = keyof typeof PAGED_SORT_KEYS;

/** A bad `limit` or `cursor`: a 400 that names the parameter (the CLI names its flag instead). */
export class PageParameterError extends HttpError {
  constructor(
    readonly parameter: 'limit' | 'cursor',
    readonly problem: string,
  ) {
    super(400, 'validation', `'${parameter}' ${problem}`);
    this.name = 'PageParameterError';
  }
}

const limitProblem = `has to be an integer from 1 to ${PAGE_MAX}`;
const cursorProblem = 'is not a cursor of this list; leave it out to start from the first page';

/** `?limit=&cursor=` as they arrive: strings. Exported for the OpenAPI generator. */
export const pageQuery = z.object({
  limit: z.string().regex(new RegExp(`^([1-9]\\d?|${PAGE_MAX})$`)).optional(),
  cursor: z.string().min(1).max(CURSOR_MAX_LENGTH).optional(),
});

export interface PageRequest {
  readonly limit: number;
  /** the sort key to resume after, from a checked cursor */
  readonly after?: string;
}

export interface Page<T> {
  readonly items: T[];
  /** the sort key of the last item, when there may be more */
  readonly last?: string;
}

function seal(payload: string): string {
  return createHash('sha256').update(`keygate-cursor\n${payload}`).digest().subarray(0, 12).toString('base64url');
}

export function encodeCursor(list: PagedList, scope: string, lastSortKey: string): string {
  const payload = Buffer.from(JSON.stringify([VERSION, list, scope, lastSortKey]), 'utf8').toString('base64url');
  return `${payload}.${seal(payload)}`;
}

/** The sort key a cursor resumes after; a `PageParameterError` for anything this list and scope did not make. */
export function decodeCursor(cursor: string, list: PagedList, scope: string): string {
  const [payload, checksum, ...extra] = cursor.split('.');
  if (!payload || !checksum || extra.length > 0 || cursor.length > CURSOR_MAX_LENGTH || seal(payload) !== checksum) {
    throw new PageParameterError('cursor', cursorProblem);
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw new PageParameterError('cursor', cursorProblem);
  }
  const [version, cursorList, cursorScope, sortKey] = Array.isArray(decoded) ? decoded : [];
  if (version !== VERSION || cursorList !== list || cursorScope !== scope || typeof sortKey !== 'string' || !PAGED_SORT_KEYS[list].test(sortKey)) {
    throw new PageParameterError('cursor', cursorProblem);
  }
  return sortKey;
}

/**
 * Checks `limit` and `cursor` (strings, as in a query string or on a command
 * line) for one list of one scope, e.g. `('keys', userId)`.
 */
export function pageRequest(input: { limit?: string | undefined; cursor?: string | undefined }, list: PagedList, scope: string, defaultLimit: number): PageRequest {
  const parsed = pageQuery.safeParse({ limit: input.limit, cursor: input.cursor });
  if (!parsed.success) {
    const limitBad = parsed.error.issues.some((issue) => issue.path[0] === 'limit');
    throw limitBad ? new PageParameterError('limit', limitProblem) : new PageParameterError('cursor', cursorProblem);
  }
  const { limit, cursor } = parsed.data;
  return {
    limit: limit === undefined ? defaultLimit : Number(limit),
    ...(cursor === undefined ? {} : { after: decodeCursor(cursor, list, scope) }),
  };
}

/** The `next` of an answer: a cursor after the page's last item, or null when it was the last page. */
export function nextCursor(page: Page<unknown>, list: PagedList, scope: string): string | null {
  return page.last === undefined ? null : encodeCursor(list, scope, page.last);
}
