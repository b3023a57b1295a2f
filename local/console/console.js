/*
 * The local console's script: log in, who am I, create, list, rotate and
 * revoke keys, log out; for an admin also every user and bot, their keys
 * (rotate a bot's key, revoke anyone's) and disabling or enabling them, and
 * every user's API clients (disable, enable, delete). It
 * calls the API on this page's own origin as any client would. A classic
 * script, no framework, no build step; the runner puts it inline and allows
 * it by its SHA-256 in the Content-Security-Policy. What it needs to know
 * about the served app (its management paths, the permissions a key may
 * carry, a route to try a key on, the admin's e-mail) is the JSON in
 * #console-config, which the runner fills in at start.
 */
'use strict';

const $ = (id) => document.getElementById(id);

/**
 * @type {{
 *   paths: {
 *     login: string, logout: string, me: string, keys: string, key: string, rotateKey: string,
 *     users: string, user: string, userKeys: string, userKey: string, rotateUserKey: string,
 *     clients: string, client: string
 *   },
 *   adminEmail: string,
 *   permissions: { name: string, description: string }[],
 *   example: { method: string, path: string, permission: string } | null
 * }}
 */
const config = JSON.parse($('console-config').textContent);
const paths = config.paths;

/** A path with its `{userId}`, `{keyId}` and `{clientId}` filled in. */
const fill = (path, ids) => path.replace(/\{(userId|keyId|clientId)\}/g, (_, name) => encodeURIComponent(ids[name]));

/** One API call, same origin: the browser sends the session cookie and an allowed Origin. */
async function api(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: {} };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    return { ok: false, status: 0, data: null };
  }
  const text = await res.text();
  let data = text;
  try {
    data = text === '' ? null : JSON.parse(text);
  } catch {
    // not JSON: the status says enough
  }
  return { ok: res.ok, status: res.status, data };
}

/** Every page of a list (`keys`, `users`, `clients`), following `next`. */
async function everyPage(path, field) {
  const items = [];
  let cursor = null;
  do {
    const res = await api('GET', path + '?limit=100' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
    if (!res.ok) return res;
    items.push(...res.data[field]);
    cursor = res.data.next;
  } while (cursor);
  return { ok: true, items };
}

/** What went wrong, as one sentence: what the page tried, and the API's own reason. */
function showError(doing, res) {
  const d = res.data;
  let why;
  if (res.status === 0) why = 'the API on ' + location.origin + ' could not be reached; is npm start still running?';
  else if (d && typeof d === 'object' && d.error_message) why = d.error_message;
  else why = 'the API answered ' + res.status + ' without saying why';
  if (res.status === 401 && doing !== 'Could not log in') why += ' (log in again)';
  $('error').textContent = doing + ': ' + why + (/[.?!)]$/.test(why) ? '' : '.');
  $('error').hidden = false;
}

const clearError = () => {
  $('error').hidden = true;
};

/** A time in the browser's own time zone and format. */
const when = (iso) => (iso ? new Date(iso).toLocaleString() : 'never');

/** How a key is named everywhere (rows and dialogs): two keys may share a name, never an id. */
const keyLabel = (k) => '"' + k.name + '" (id ' + k.id + ', ending \u2026' + k.hint + ')';

const userLabel = (u) => (u.kind === 'bot' ? 'bot ' : '') + (u.email || 'without e-mail') + ' (id ' + u.id + ')';

/** A key's status in words, with the time it changes or changed. */
function keyStatus(k) {
  if (k.status === 'grace_period') return 'grace period, ends ' + when(k.revokedAt);
  if (k.status === 'revoked') return 'revoked ' + when(k.revokedAt);
  if (k.status === 'expired') return 'expired ' + when(k.expiresAt);
  return k.expiresAt ? 'active, expires ' + when(k.expiresAt) : 'active';
}

function cell(row, text, label) {
  const td = document.createElement('td');
  td.textContent = text == null ? '' : String(text);
  if (label) td.dataset.label = label;
  row.appendChild(td);
  return td;
}

function button(parent, label, act) {
  const b = parent.appendChild(document.createElement('button'));
  b.textContent = label;
  b.addEventListener('click', act);
  return b;
}

/** A row per key, newest first; `actions(key, cell)` adds its buttons. */
function keyRows(body, keys, actions) {
  body.replaceChildren();
  for (const k of [...keys].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))) {
    const row = document.createElement('tr');
    cell(row, keyLabel(k), 'key');
    cell(row, k.permissions.join(', ') || 'none', 'permissions');
    cell(row, keyStatus(k), 'status');
    cell(row, when(k.createdAt), 'created');
    cell(row, when(k.lastUsedAt), 'last used');
    const td = cell(row, '');
    if (k.status === 'active' || k.status === 'grace_period') actions(k, td);
    body.appendChild(row);
  }
}

/** A checkbox for each permission a key may carry, with its description as the tooltip. */
function permissionBoxes() {
  const set = $('permissions');
  for (const p of config.permissions) {
    const label = document.createElement('label');
    label.title = p.description;
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.name = 'perm';
    box.value = p.name;
    label.append(box, ' ' + p.name);
    set.appendChild(label);
  }
}

/** The signed-in user, from the last `me`. */
let me = null;

async function refresh() {
  const res = await api('GET', paths.me);
  me = res.ok ? res.data : null;
  $('login').hidden = res.ok;
  $('app').hidden = !res.ok;
  $('admin').hidden = true;
  if (!res.ok) {
    if (res.status !== 401) showError('Could not tell who you are', res);
    return;
  }
  const u = me.user;
  $('who').textContent = u.email + (u.admin ? ' (admin)' : '') + ', user ' + u.id + ', by ' + me.authMethod + '. Permissions: ' + me.permissions.join(', ');
  await loadKeys();
  if (me.permissions.includes('admin')) {
    $('admin').hidden = false;
    await loadUsers();
    await loadClients();
  }
}

// ---- the secret, shown once

/** The key whose secret is on screen: revoking it clears the secret. */
let secretKeyId = null;

const quote = (s) => "'" + s.replace(/'/g, "'\\''") + "'";

/** A curl line (bash/zsh) that calls the served app's example route with `key`. */
function curlLine(key, example) {
  const words = ['curl', '-s', '-w', quote('\\n')];
  if (example.method !== 'GET' && example.method !== 'POST') words.push('-X', example.method);
  words.push('-H', quote('authorization: Bearer ' + key));
  if (example.method !== 'GET') words.push('-H', quote('content-type: application/json'), '-d', quote('{}'));
  words.push(location.origin + example.path);
  return words.join(' ');
}

/** The secret exists only in this answer: show it once, named, with a curl line that uses it. */
function showSecret(created, owner) {
  secretKeyId = created.id;
  $('secret-title').textContent =
    'The secret of key ' + keyLabel(created) + (owner ? ' of ' + userLabel(owner) : '') + ', shown this once:';
  $('secret-key').textContent = created.key;
  const example = config.example;
  $('secret-curl').textContent = example ? curlLine(created.key, example) : '';
  $('secret-note').textContent = !example
    ? '(the served app has no route that a key permission opens)'
    : created.permissions.includes(example.permission)
      ? ''
      : '(this key has no ' + example.permission + ', so ' + example.method + ' ' + example.path + ' will answer 403 missing_permission)';
  $('secret').hidden = false;
  if ($('secret').scrollIntoView) $('secret').scrollIntoView({ block: 'nearest' });
}

function clearSecret() {
  secretKeyId = null;
  for (const id of ['secret-title', 'secret-key', 'secret-curl', 'secret-note']) $(id).textContent = '';
  $('secret').hidden = true;
}

/** After a key stopped working: its secret is worth nothing and goes off the screen. */
function revoked(keyId) {
  if (keyId === secretKeyId) clearSecret();
}

/** A key in its grace period was rotated already: its successor is the one to rotate. */
const rotatable = (k) => k.status === 'active' && !k.replacedBy;

const graceOf = (input) => Math.max(0, Math.floor(Number($(input).value) || 0));

/** The dialog's words for what happens to the old key of a rotation. */
const afterRotation = (grace) =>
  grace > 0 ? 'keeps working until ' + when(new Date(Date.now() + grace * 1000).toISOString()) : 'stops working within seconds';

// ---- your keys

async function loadKeys() {
  const res = await everyPage(paths.keys, 'keys');
  if (!res.ok) return showError('Could not list your keys', res);
  keyRows($('keys'), res.items, (k, td) => {
    if (rotatable(k)) button(td, 'rotate', () => rotate(k));
    button(td, 'revoke', () => revoke(k));
  });
  $('no-keys').hidden = res.items.length > 0;
}

async function rotate(k) {
  const grace = graceOf('grace');
  if (!confirm('Rotate key ' + keyLabel(k) + '? The old key ' + afterRotation(grace) + '; the new secret is shown once.')) return;
  clearError();
  const res = await api('POST', fill(paths.rotateKey, { keyId: k.id }), grace > 0 ? { gracePeriodSeconds: grace } : {});
  if (!res.ok) return showError('Could not rotate key ' + keyLabel(k), res);
  showSecret(res.data);
  await loadKeys();
}

async function revoke(k) {
  if (!confirm('Revoke key ' + keyLabel(k) + '? It stops working within seconds.')) return;
  clearError();
  const res = await api('DELETE', fill(paths.key, { keyId: k.id }));
  if (!res.ok) return showError('Could not revoke key ' + keyLabel(k), res);
  revoked(k.id);
  await loadKeys();
}

// ---- users and bots (admins)

/** The user whose keys are shown. */
let selected = null;

async function loadUsers() {
  const res = await everyPage(paths.users, 'users');
  if (!res.ok) return showError('Could not list the users', res);
  const body = $('users');
  body.replaceChildren();
  for (const u of res.items) {
    const row = document.createElement('tr');
    if (selected && selected.id === u.id) {
      row.className = 'selected';
      selected = u;
    }
    cell(row, (u.email || 'without e-mail') + ' (id ' + u.id + ')', 'user');
    cell(row, u.kind === 'bot' ? 'bot' : u.admin ? 'person, admin' : 'person', 'kind');
    cell(row, u.disabled ? 'disabled' : 'enabled', 'status');
    cell(row, when(u.createdAt), 'created');
    const td = cell(row, '');
    button(td, 'keys', () => showUserKeys(u));
    if (u.id !== me.user.id) button(td, u.disabled ? 'enable' : 'disable', () => setDisabled(u, !u.disabled));
    body.appendChild(row);
  }
  if (selected) await loadUserKeys();
}

async function showUserKeys(u) {
  selected = u;
  await loadUsers();
}

async function loadUserKeys() {
  const u = selected;
  const res = await everyPage(fill(paths.userKeys, { userId: u.id }), 'keys');
  if (!res.ok) return showError('Could not list the keys of ' + userLabel(u), res);
  $('user-keys-title').textContent = 'Keys of ' + userLabel(u) + (u.disabled ? ', disabled: none of them works' : '');
  keyRows($('user-keys'), res.items, (k, td) => {
    // An admin never receives a secret of a person's account: people's keys can only be revoked.
    if (u.kind === 'bot' && rotatable(k)) button(td, 'rotate', () => rotateUserKey(u, k));
    button(td, 'revoke', () => revokeUserKey(u, k));
  });
  $('no-user-keys').hidden = res.items.length > 0;
  $('user-keys-box').hidden = false;
}

async function setDisabled(u, disabled) {
  if (disabled && !confirm('Disable ' + userLabel(u) + '? All their keys and login sessions stop working within seconds.')) return;
  clearError();
  const res = await api('PATCH', fill(paths.user, { userId: u.id }), { disabled });
  if (!res.ok) return showError('Could not ' + (disabled ? 'disable ' : 'enable ') + userLabel(u), res);
  await loadUsers();
}

async function rotateUserKey(u, k) {
  const grace = graceOf('admin-grace');
  if (!confirm('Rotate key ' + keyLabel(k) + ' of ' + userLabel(u) + '? The old key ' + afterRotation(grace) + '; the new secret is shown once.')) return;
  clearError();
  const res = await api('POST', fill(paths.rotateUserKey, { userId: u.id, keyId: k.id }), grace > 0 ? { gracePeriodSeconds: grace } : {});
  if (!res.ok) return showError('Could not rotate key ' + keyLabel(k) + ' of ' + userLabel(u), res);
  showSecret(res.data, u);
  await loadUserKeys();
}

async function revokeUserKey(u, k) {
  if (!confirm('Revoke key ' + keyLabel(k) + ' of ' + userLabel(u) + '? It stops working within seconds.')) return;
  clearError();
  const res = await api('DELETE', fill(paths.userKey, { userId: u.id, keyId: k.id }));
  if (!res.ok) return showError('Could not revoke key ' + keyLabel(k) + ' of ' + userLabel(u), res);
  revoked(k.id);
  await loadUserKeys();
  if (u.id === me.user.id) await loadKeys();
}

// ---- API clients (admins)

const clientLabel = (c) => '"' + c.name + '" (id ' + c.id + ')';

function clientStatus(c) {
  if (c.status === 'deleting') return 'deleting (delete again to finish)';
  if (c.disabled) return 'disabled';
  return c.owner.disabled ? 'owner disabled' : 'enabled';
}

async function loadClients() {
  const res = await everyPage(paths.clients, 'clients');
  if (!res.ok) return showError('Could not list the API clients', res);
  const body = $('clients');
  body.replaceChildren();
  for (const c of res.items) {
    const row = document.createElement('tr');
    cell(row, clientLabel(c), 'client');
    cell(row, (c.owner.email || 'without e-mail') + ' (id ' + c.owner.id + ')', 'owner');
    cell(row, clientStatus(c), 'status');
    cell(row, when(c.createdAt), 'created');
    const td = cell(row, '');
    if (c.status !== 'deleting') button(td, c.disabled ? 'enable' : 'disable', () => setClientDisabled(c, !c.disabled));
    button(td, 'delete', () => deleteClient(c));
    body.appendChild(row);
  }
  $('no-clients').hidden = res.items.length > 0;
}

async function setClientDisabled(c, disabled) {
  if (disabled && !confirm('Disable client ' + clientLabel(c) + '? Nobody can authorize it or get a key through it; keys it already issued keep working.')) return;
  clearError();
  const res = await api('PATCH', fill(paths.client, { clientId: c.id }), { disabled });
  if (!res.ok) return showError('Could not ' + (disabled ? 'disable' : 'enable') + ' client ' + clientLabel(c), res);
  await loadClients();
}

async function deleteClient(c) {
  if (!confirm('Delete client ' + clientLabel(c) + '? Every key issued through it, for every user, stops working within seconds.')) return;
  clearError();
  const res = await api('DELETE', fill(paths.client, { clientId: c.id }));
  if (!res.ok) return showError('Could not delete client ' + clientLabel(c), res);
  await loadClients();
}

// ---- forms and buttons

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  clearError();
  const f = e.target;
  const res = await api('POST', paths.login, { email: f.elements.email.value, password: f.elements.password.value });
  if (!res.ok) return showError('Could not log in', res);
  f.elements.password.value = '';
  await refresh();
});

$('logout').addEventListener('click', async () => {
  clearError();
  const res = await api('POST', paths.logout);
  if (!res.ok) showError('Could not log out', res);
  clearSecret();
  selected = null;
  $('user-keys-box').hidden = true;
  await refresh();
});

$('create-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  clearError();
  const f = e.target;
  const permissions = [...$('permissions').querySelectorAll('input[name=perm]:checked')].map((c) => c.value);
  const body = { name: f.elements.keyname.value, permissions };
  if (f.elements.days.value !== '') body.expiresInDays = Number(f.elements.days.value);
  const res = await api('POST', paths.keys, body);
  if (!res.ok) return showError('Could not create the key', res);
  showSecret(res.data);
  await loadKeys();
});

for (const b of document.querySelectorAll('button[data-copy]')) {
  b.addEventListener('click', () => {
    const text = $(b.dataset.copy).textContent;
    navigator.clipboard.writeText(text).then(
      () => {
        b.textContent = 'copied';
      },
      () => {
        getSelection().selectAllChildren($(b.dataset.copy));
        b.textContent = 'press Ctrl-C';
      },
    );
  });
}

$('login-form').elements.email.value = config.adminEmail;
$('login-route').textContent = 'POST ' + paths.login;
permissionBoxes();
refresh();
