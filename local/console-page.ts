/**
 * The local console: one self-contained page at /_keygate/ for a first look
 * in a browser. It logs in, shows who you are, and creates, lists, rotates
 * and revokes your keys by calling the API from the runner's own origin, as
 * any client would. Only `npm start` serves it: it is not in the
 * CloudFormation template and is never deployed. No framework, no external
 * assets; the Content-Security-Policy allows only the page's own inline
 * script and style (by hash) and requests to its own origin.
 */
import { createHash } from 'node:crypto';
import type { PermissionDef } from '../lambda/core/catalog';
import { ENV } from '../lambda/shared/config';
import type { FunctionDef } from './model';

/** Cannot collide with the API, whose routes all start with /v1. */
export const CONSOLE_PATH = '/_keygate/';

const STYLE = `
body { font: 15px/1.45 system-ui, sans-serif; max-width: 60rem; margin: 1.5rem auto; padding: 0 1rem; color: #222; }
h1 small, .note { color: #666; font-weight: normal; }
.note { font-size: 13px; }
section { border-top: 1px solid #ddd; padding-top: .5rem; margin-top: 1rem; }
label { display: inline-block; margin: .25rem 1rem .25rem 0; }
fieldset { border: 1px solid #ddd; margin: .5rem 0; }
pre, code { font: 13px ui-monospace, monospace; background: #f4f4f4; padding: .2rem .3rem; white-space: pre-wrap; word-break: break-all; }
#error { background: #fde8e8; border-left: 4px solid #c00; padding: .5rem; }
#secret { background: #eef8ee; border-left: 4px solid #2a2; padding: .5rem; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; border-bottom: 1px solid #eee; padding: .25rem; vertical-align: top; }
`;

const SCRIPT = `
'use strict';
const $ = (id) => document.getElementById(id);

/** One API call, same origin: the browser sends the session cookie and an allowed Origin. */
async function api(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: {} };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  const text = await res.text();
  let data = text;
  try { data = text === '' ? null : JSON.parse(text); } catch { /* not JSON: shown as text */ }
  return { ok: res.ok, status: res.status, data, what: method + ' ' + path };
}

/** Shows an error body as the API sent it (status_code, error_code, error_message). */
function showError(res) {
  const d = res.data;
  const head = res.what + ' \\u2192 ' + res.status + (d && d.error_code ? ' ' + d.error_code + ': ' + d.error_message : '');
  $('error').textContent = head + '\\n' + (typeof d === 'string' ? d : JSON.stringify(d, null, 2));
  $('error').hidden = false;
}

const clearError = () => { $('error').hidden = true; };

function cell(row, text) {
  const td = document.createElement('td');
  td.textContent = text == null ? '' : String(text);
  row.appendChild(td);
  return td;
}

async function refresh() {
  const me = await api('GET', '/v1/auth/me');
  $('login').hidden = me.ok;
  $('app').hidden = !me.ok;
  if (!me.ok) { if (me.status !== 401) showError(me); return; }
  const u = me.data.user;
  $('who').textContent = u.email + (u.admin ? ' (admin)' : '') + ', user ' + u.id + ', by ' + me.data.authMethod +
    '. Permissions: ' + me.data.permissions.join(', ');
  await loadKeys();
}

async function loadKeys() {
  const res = await api('GET', '/v1/keys');
  if (!res.ok) return showError(res);
  const body = $('keys');
  body.replaceChildren();
  for (const k of res.data.keys) {
    const row = document.createElement('tr');
    for (const v of [k.name, k.id, '\\u2026' + k.hint, k.permissions.join(', '), k.status, k.createdAt, k.lastUsedAt || 'never']) cell(row, v);
    const actions = cell(row, '');
    if (k.status === 'active' || k.status === 'grace_period') {
      for (const [label, act] of [['rotate', rotate], ['revoke', revoke]]) {
        const b = actions.appendChild(document.createElement('button'));
        b.textContent = label;
        b.addEventListener('click', () => act(k));
      }
    }
    body.appendChild(row);
  }
  $('no-keys').hidden = res.data.keys.length > 0;
}

/** The secret exists only in this answer: show it once, with a curl line that uses it. */
function showSecret(created) {
  $('secret-key').textContent = created.key;
  $('secret-curl').textContent = "curl -s -w '\\\\n' -H 'authorization: Bearer " + created.key +
    "' -H 'content-type: application/json' -d '{\\"score\\":1234}' " + location.origin + '/v1/scores';
  $('secret-note').textContent = created.permissions.includes('submit_score') ? '' :
    '(this key has no submit_score, so POST /v1/scores will answer 403 missing_permission)';
  $('secret').hidden = false;
}

async function rotate(k) {
  clearError();
  const grace = Number($('grace').value) || 0;
  const res = await api('POST', '/v1/keys/' + encodeURIComponent(k.id) + '/rotate', grace > 0 ? { gracePeriodSeconds: grace } : {});
  if (!res.ok) return showError(res);
  showSecret(res.data);
  await loadKeys();
}

async function revoke(k) {
  if (!confirm('Revoke key "' + k.name + '"? It stops working within seconds.')) return;
  clearError();
  const res = await api('DELETE', '/v1/keys/' + encodeURIComponent(k.id));
  if (!res.ok) return showError(res);
  await loadKeys();
}

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  clearError();
  const f = e.target;
  const res = await api('POST', '/v1/auth/login', { email: f.elements.email.value, password: f.elements.password.value });
  if (!res.ok) return showError(res);
  f.elements.password.value = '';
  await refresh();
});

$('logout').addEventListener('click', async () => {
  clearError();
  const res = await api('POST', '/v1/auth/logout');
  if (!res.ok) showError(res);
  $('secret').hidden = true;
  await refresh();
});

$('create-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  clearError();
  const f = e.target;
  const body = { name: f.elements.keyname.value, permissions: [...f.querySelectorAll('input[name=perm]:checked')].map((c) => c.value) };
  if (f.elements.days.value !== '') body.expiresInDays = Number(f.elements.days.value);
  const res = await api('POST', '/v1/keys', body);
  if (!res.ok) return showError(res);
  showSecret(res.data);
  await loadKeys();
});

for (const b of document.querySelectorAll('button[data-copy]')) {
  b.addEventListener('click', () => {
    const text = $(b.dataset.copy).textContent;
    navigator.clipboard.writeText(text).then(() => { b.textContent = 'copied'; }, () => {
      getSelection().selectAllChildren($(b.dataset.copy));
      b.textContent = 'press Ctrl-C';
    });
  });
}

refresh();
`;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const sha256 = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;

/** The permissions a key may carry, from the deployed functions' catalog (as the API checks them). */
export function keyPermissions(functions: Iterable<FunctionDef>): PermissionDef[] {
  // The deployment's own permissions: the management ones are never key-grantable.
  let catalog: readonly PermissionDef[] = [];
  for (const fn of functions) {
    const raw = fn.environment[ENV.permissions];
    if (raw) {
      catalog = JSON.parse(raw) as PermissionDef[];
      break;
    }
  }
  return catalog.filter((p) => p.grant === 'key');
}

export interface ConsolePage {
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
}

export function consolePage(permissions: readonly PermissionDef[], adminEmail = ''): ConsolePage {
  const checkboxes = permissions
    .map((p) => `<label title="${escapeHtml(p.description)}"><input type="checkbox" name="perm" value="${escapeHtml(p.name)}"> ${escapeHtml(p.name)}</label>`)
    .join('\n');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>keygate local console</title><style>${STYLE}</style></head>
<body>
<h1>keygate <small>local console</small></h1>
<p class="note">Served only by the local runner (<code>npm start</code>, local/console-page.ts): it is not part of the
CloudFormation template and is never deployed. It calls the API on this origin exactly as any client would.</p>
<pre id="error" hidden></pre>
<section id="login" hidden><h2>Log in</h2>
<form id="login-form"><label>E-mail <input name="email" type="email" required autocomplete="username" value="${escapeHtml(adminEmail)}"></label>
<label>Password <input name="password" type="password" required autocomplete="current-password"></label>
<button>Log in</button></form>
<p class="note">POST /v1/auth/login. The admin's password was printed by <code>npm start</code> on its first start.</p></section>
<section id="app" hidden><h2>Who you are</h2><p id="who"></p><button id="logout">Log out</button>
<h2>New key</h2>
<form id="create-form"><label>Name <input name="keyname" required value="from the console"></label>
<fieldset><legend>Permissions</legend>
${checkboxes}
</fieldset>
<label>Expires in days (optional) <input name="days" type="number" min="1"></label>
<button>Create key</button></form>
<div id="secret" hidden><p><strong>The key's secret, shown this once:</strong> <button data-copy="secret-key">copy</button></p>
<pre id="secret-key"></pre><p>Try it: <button data-copy="secret-curl">copy</button> <span id="secret-note"></span></p><pre id="secret-curl"></pre></div>
<h2>Your keys</h2>
<label>Rotation grace period (seconds, 0 = the old key ends at once) <input id="grace" type="number" min="0" value="0"></label>
<table><thead><tr><th>name</th><th>id</th><th>hint</th><th>permissions</th><th>status</th><th>created</th><th>last used</th><th></th></tr></thead>
<tbody id="keys"></tbody></table><p id="no-keys" class="note" hidden>No keys yet.</p></section>
<script>${SCRIPT}</script>
</body></html>
`;
  const csp = `default-src 'none'; script-src ${sha256(SCRIPT)}; style-src ${sha256(STYLE)}; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'`;
  const body = Buffer.from(html, 'utf8');
  return {
    headers: [
      ['Content-Type', 'text/html; charset=utf-8'],
      ['Content-Length', String(body.length)],
      ['Content-Security-Policy', csp],
      ['Cache-Control', 'no-store'],
      ['X-Content-Type-Options', 'nosniff'],
      ['Referrer-Policy', 'no-referrer'],
    ],
    body,
  };
}

/**
 * The page for GET or HEAD of exactly /_keygate/ (any query); undefined for
 * every other request, which goes to the gateway as before.
 */
export function consoleRoute(page: ConsolePage, method: string, url: string): ConsolePage | undefined {
  const path = url.split('?')[0];
  return path === CONSOLE_PATH && (method === 'GET' || method === 'HEAD') ? page : undefined;
}
