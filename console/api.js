/*
 * The console's one way to the API: the deployment's facts from
 * ./config.json, then same-origin calls with the session cookie. Every answer
 * is { ok, status, data }; a failure also carries `message`, a sentence a
 * person can act on. A 401 from any call but the sign-in tells the app the
 * session ended (see onSessionEnded).
 */

/** @type {{ basePath: string, paths: Record<string, string>, methods: Record<string, string>, permissions: { name: string, description: string, keyGrantable: boolean }[], prefixes: Record<string, string>, plans: object[], example: { method: string, path: string, permission: string } | null }} */
export let config = null;

let sessionEnded = () => {};
/** `handler()` runs once for every 401 of a signed-in call. */
export function onSessionEnded(handler) {
  sessionEnded = handler;
}

export async function loadConfig() {
  const res = await fetch('./config.json', { credentials: 'same-origin', cache: 'no-cache' });
  if (!res.ok) throw new Error('The console could not read its settings (config.json answered ' + res.status + ').');
  config = await res.json();
  return config;
}

/** Whether the deployment has the operation (a route table row by that name). */
export const has = (operation) => Boolean(config && config.paths[operation]);

/** The path of `operation` with its `{params}` filled in. */
export function pathOf(operation, params = {}) {
  const path = config.paths[operation];
  if (!path) throw new Error('This deployment has no ' + operation + ' operation.');
  // config.json gives each path whole, as the browser calls it (stage and base path included).
  return path.replace(/\{(\w+)\}/g, (_, name) => encodeURIComponent(params[name] ?? ''));
}

/**
 * Calls `operation`. Options: params (path), query (object), body (JSON),
 * signIn (a 401 is a wrong password, not an ended session).
 */
export async function call(operation, { params, query, body, signIn = false } = {}) {
  let url = pathOf(operation, params);
  if (query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
    const s = q.toString();
    if (s) url += '?' + s;
  }
  const method = methodOf(operation);
  const init = { method, credentials: 'same-origin', headers: { accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(url, init);
  } catch {
    return { ok: false, status: 0, data: null, message: 'The API could not be reached. Check your connection and try again.' };
  }
  const text = await res.text();
  let data;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  const out = { ok: res.ok, status: res.status, data };
  if (!res.ok) {
    out.message = sentence(res.status, data, res.headers.get('retry-after'));
    if (res.status === 401 && !signIn) {
      out.message = 'Your session ended.';
      sessionEnded();
    }
  }
  return out;
}

/** The HTTP method of an operation, from config.json (the same route table as the paths). */
const methodOf = (operation) => config.methods[operation] || 'GET';

/** Words for a field name the API reports ('name' → 'Name'). */
const FIELD = {
  name: 'The name', permissions: 'Permissions', expiresInDays: 'Expiry', gracePeriodSeconds: 'The grace period', email: 'The e-mail address',
  password: 'The password', newPassword: 'The new password', currentPassword: 'The current password', redirectUris: 'Redirect URIs',
  limit: 'The page size', cursor: 'The page', plan: 'The plan', from: 'The first day', to: 'The last day',
  'credits.remaining': 'Requests left', 'credits.refill.amount': 'The refill', 'credits.refill.period': 'The refill period', credits: 'The credits',
};

/** "in 894 seconds" → "in 15 minutes" */
export function duration(seconds) {
  const s = Math.max(1, Math.round(Number(seconds)));
  if (s < 90) return s + (s === 1 ? ' second' : ' seconds');
  const m = Math.ceil(s / 60);
  if (m < 90) return m + ' minutes';
  const h = Math.ceil(m / 60);
  return h < 48 ? h + ' hours' : Math.ceil(h / 24) + ' days';
}

/** An error answer as one sentence for a person. */
export function sentence(status, data, retryAfter) {
  if (status === 429 || (data && data.error_code === 'too_many_attempts')) {
    return retryAfter ? 'Too many attempts. Try again in ' + duration(retryAfter) + '.' : 'Too many attempts. Wait a while and try again.';
  }
  let text = data && typeof data.error_message === 'string' ? data.error_message : '';
  if (!text) {
    if (status === 403) return 'You are not allowed to do that.';
    if (status === 404) return 'It no longer exists; reload the list.';
    if (status >= 500) return 'The API failed (' + status + '). Try again in a moment.';
    return 'The API refused it (' + status + ').';
  }
  text = text
    .replace(/^'([\w.]+?)(?:\.\d+|\[\d+\])?':?\s*/, (_, f) => (FIELD[f] || f) + ' ')
    .replace(/Too big: expected string to have <=(\d+) characters/i, 'can be at most $1 characters long')
    .replace(/Too small: expected string to have >=(\d+) characters?/i, 'needs at least $1 characters')
    .replace(/Too big: expected number to be <=(\d+)/i, (_, n) => 'can be at most ' + Number(n).toLocaleString('en-US'))
    .replace(/Too small: expected number to be >=(\d+)/i, (_, n) => 'has to be at least ' + Number(n).toLocaleString('en-US'))
    .replace(/in (\d+) seconds/, (_, n) => 'in ' + duration(n));
  text = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(text) ? text : text + '.';
}

/** Every item of a paged list, following `next` (for short lists such as clients). */
export async function everyPage(operation, field, options = {}) {
  const items = [];
  let cursor;
  for (let i = 0; i < 50; i++) {
    const res = await call(operation, { ...options, query: { ...(options.query || {}), limit: 100, cursor } });
    if (!res.ok) return res;
    items.push(...(res.data[field] || []));
    cursor = res.data.next;
    if (!cursor) break;
  }
  return { ok: true, status: 200, items };
}
