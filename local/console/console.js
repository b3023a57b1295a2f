/*
 * The local console's script: log in, who am I, create, list, rotate and
 * revoke keys, log out, by calling the API on this page's own origin as any
 * client would. A classic script, no framework, no build step; the runner
 * puts it inline and allows it by its SHA-256 in the Content-Security-Policy.
 * What it needs to know about the served app (base path, the permissions a
 * key may carry, a route to try a key on, the admin's e-mail) is the JSON in
 * #console-config, which the runner fills in at start.
 */
'use strict';

const $ = (id) => document.getElementById(id);

/**
 * @type {{
 *   paths: { login: string, logout: string, me: string, keys: string, key: string, rotateKey: string },
 *   adminEmail: string,
 *   permissions: { name: string, description: string }[],
 *   example: { method: string, path: string, permission: string } | null
 * }}
 */
const config = JSON.parse($('console-config').textContent);
const paths = config.paths;
/** A key's own path: `{keyId}` filled in. */
const ofKey = (path, id) => path.replace('{keyId}', encodeURIComponent(id));

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
  try {
    data = text === '' ? null : JSON.parse(text);
  } catch {
    // not JSON: shown as text
  }
  return { ok: res.ok, status: res.status, data, what: method + ' ' + path };
}

/** Shows an error body as the API sent it (status_code, error_code, error_message). */
function showError(res) {
  const d = res.data;
  const head = res.what + ' \u2192 ' + res.status + (d && d.error_code ? ' ' + d.error_code + ': ' + d.error_message : '');
  $('error').textContent = head + '\n' + (typeof d === 'string' ? d : JSON.stringify(d, null, 2));
  $('error').hidden = false;
}

const clearError = () => {
  $('error').hidden = true;
};

/** The key list's columns; on a narrow screen each cell shows its column's name. */
const COLUMNS = ['name', 'id', 'hint', 'permissions', 'status', 'created', 'last used'];

function cell(row, text, label) {
  const td = document.createElement('td');
  td.textContent = text == null ? '' : String(text);
  if (label) td.dataset.label = label;
  row.appendChild(td);
  return td;
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

async function refresh() {
  const me = await api('GET', paths.me);
  $('login').hidden = me.ok;
  $('app').hidden = !me.ok;
  if (!me.ok) {
    if (me.status !== 401) showError(me);
    return;
  }
  const u = me.data.user;
  $('who').textContent =
    u.email + (u.admin ? ' (admin)' : '') + ', user ' + u.id + ', by ' + me.data.authMethod + '. Permissions: ' + me.data.permissions.join(', ');
  await loadKeys();
}

async function loadKeys() {
  const res = await api('GET', paths.keys);
  if (!res.ok) return showError(res);
  const body = $('keys');
  body.replaceChildren();
  for (const k of res.data.keys) {
    const row = document.createElement('tr');
    const values = [k.name, k.id, '\u2026' + k.hint, k.permissions.join(', '), k.status, k.createdAt, k.lastUsedAt || 'never'];
    values.forEach((v, i) => cell(row, v, COLUMNS[i]));
    const actions = cell(row, '');
    if (k.status === 'active' || k.status === 'grace_period') {
      for (const [label, act] of [
        ['rotate', rotate],
        ['revoke', revoke],
      ]) {
        const b = actions.appendChild(document.createElement('button'));
        b.textContent = label;
        b.addEventListener('click', () => act(k));
      }
    }
    body.appendChild(row);
  }
  $('no-keys').hidden = res.data.keys.length > 0;
}

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

/** The secret exists only in this answer: show it once, with a curl line that uses it. */
function showSecret(created) {
  $('secret-key').textContent = created.key;
  const example = config.example;
  $('secret-curl').textContent = example ? curlLine(created.key, example) : '';
  $('secret-note').textContent = !example
    ? '(the served app has no route that a key permission opens)'
    : created.permissions.includes(example.permission)
      ? ''
      : '(this key has no ' + example.permission + ', so ' + example.method + ' ' + example.path + ' will answer 403 missing_permission)';
  $('secret').hidden = false;
}

async function rotate(k) {
  clearError();
  const grace = Number($('grace').value) || 0;
  const res = await api('POST', ofKey(paths.rotateKey, k.id), grace > 0 ? { gracePeriodSeconds: grace } : {});
  if (!res.ok) return showError(res);
  showSecret(res.data);
  await loadKeys();
}

async function revoke(k) {
  if (!confirm('Revoke key "' + k.name + '"? It stops working within seconds.')) return;
  clearError();
  const res = await api('DELETE', ofKey(paths.key, k.id));
  if (!res.ok) return showError(res);
  await loadKeys();
}

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  clearError();
  const f = e.target;
  const res = await api('POST', paths.login, { email: f.elements.email.value, password: f.elements.password.value });
  if (!res.ok) return showError(res);
  f.elements.password.value = '';
  await refresh();
});

$('logout').addEventListener('click', async () => {
  clearError();
  const res = await api('POST', paths.logout);
  if (!res.ok) showError(res);
  $('secret').hidden = true;
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
  if (!res.ok) return showError(res);
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
