/*
 * A person's API clients (register, rotate the secret, delete) and the apps
 * they authorized (revoke a tool's keys).
 */
import { call, config, has } from './api.js';
import { h, field, messageBox, show, hide, settle, busy, table, action, confirmDialog, when, invalid } from './ui.js';
import { secretBox } from './secret.js';

const clientLabel = (c) => '“' + c.name + '”';

function registerForm(onCreated) {
  const msg = messageBox();
  const name = field('Name', { type: 'text', required: true, maxlength: 100, autocomplete: 'off' }, 'Shown to people on the consent page.');
  const uris = field('Redirect URIs', { tag: 'textarea', rows: 3, maxlength: 20000 }, 'One per line, at most 10. Loopback URIs (http://127.0.0.1/…) accept any port.');
  const grantable = config.permissions.filter((p) => p.keyGrantable !== false);
  const boxes = grantable.map((p) => {
    const id = 'cperm-' + p.name.replace(/[^\w-]/g, '_');
    const input = h('input', { type: 'checkbox', value: p.name, id, 'aria-describedby': id + '-d' });
    return { input, node: h('div', { className: 'check' }, input, h('label', { for: id }, h('span', { className: 'perm', text: p.name }), h('span', { className: 'hint', id: id + '-d', text: p.description }))) };
  });
  const perms = h('fieldset', {}, h('legend', { text: 'Permissions it may ask for' }), boxes.map((b) => b.node));
  const pub = h('input', { type: 'checkbox', id: 'client-public' });
  const submit = h('button', { type: 'submit', className: 'primary', text: 'Register client' });
  const form = h(
    'form',
    { className: 'card', novalidate: true },
    h('h2', { text: 'Register an API client' }),
    name.wrap,
    uris.wrap,
    perms,
    h('div', { className: 'check' }, pub, h('label', { for: 'client-public', text: 'Public client (a CLI or browser app that cannot keep a secret)' })),
    msg,
    h('div', { className: 'buttons' }, submit),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(submit, async () => {
      hide(msg);
      const n = name.input.value.trim();
      if (!n) return invalid(name.input, msg, 'Give the client a name.');
      const redirectUris = uris.input.value.split('\n').map((s) => s.trim()).filter(Boolean);
      if (redirectUris.length > 10) return invalid(uris.input, msg, 'A client can have at most 10 redirect URIs.');
      const permissions = boxes.filter((b) => b.input.checked).map((b) => b.input.value);
      if (permissions.length === 0) {
        show(msg, 'Choose at least one permission the client may ask for.');
        (boxes[0] ? boxes[0].input : submit).focus();
        return undefined;
      }
      const res = await call('createClient', { body: { name: n, redirectUris, permissions, public: pub.checked } });
      if (!res.ok) return invalid(/redirect|uri/i.test(res.message) ? uris.input : name.input, msg, res.message);
      form.reset();
      onCreated(res.data);
      return undefined;
    });
  });
  return form;
}

async function clientsPanel() {
  const secret = secretBox();
  const msg = messageBox();
  const wrap = h('div', {});
  async function load(message) {
    const res = await call('listClients');
    if (!res.ok) return show(msg, res.message);
    const rows = res.data.clients.map((c) => {
      const actions = h('div', { className: 'actions' });
      if (!c.public && c.status === 'active') {
        actions.append(
          action('Rotate secret', async () => {
            const sure = await confirmDialog({ title: 'Rotate the secret of ' + clientLabel(c) + '?', text: 'The old secret stops working at once; the new one is shown once.', confirmLabel: 'Rotate secret' });
            if (!sure) return;
            const r = await call('rotateClientSecret', { params: { clientId: c.id } });
            if (!r.ok) return show(msg, r.message);
            secret.present('The new secret of client ' + clientLabel(c), r.data.secret, [h('p', { text: 'Client id: ' + c.id })]);
            return load();
          }, { 'aria-label': 'Rotate the secret of client ' + clientLabel(c) }),
        );
      }
      actions.append(
        action('Delete', async () => {
          const sure = await confirmDialog({ title: 'Delete client ' + clientLabel(c) + '?', text: 'Every key issued through it, for every person, stops working within seconds.', confirmLabel: 'Delete', danger: true });
          if (!sure) return;
          const r = await call('deleteClient', { params: { clientId: c.id } });
          if (!r.ok) return show(msg, r.message);
          return load('Client ' + clientLabel(c) + ' deleted.');
        }, { className: 'danger', 'aria-label': 'Delete client ' + clientLabel(c) }),
      );
      return {
        cells: [
          h('span', {}, h('span', { className: 'name', text: c.name }), h('span', { className: 'hint', text: ' id ' + c.id })),
          c.public ? 'Public' : 'Confidential, secret ending …' + c.secretHint,
          c.permissions.join(', '),
          c.redirectUris.join(' ') || '—',
          c.disabled ? 'Disabled by an admin' : c.status === 'deleting' ? 'Being deleted: delete again' : 'Active',
          actions,
        ],
        dim: c.disabled || c.status === 'deleting',
      };
    });
    wrap.replaceChildren(rows.length ? table('Your API clients', ['Client', 'Type', 'Permissions', 'Redirect URIs', 'Status', 'Actions'], rows, (i) => (rows[i].dim ? 'revoked' : '')) : h('p', { className: 'empty', text: 'No API clients yet.' }));
    settle(msg, message);
    return undefined;
  }
  await load();
  const form = registerForm(async (created) => {
    if (created.secret) secret.present('The secret of client ' + clientLabel(created) + ' (id ' + created.id + ')', created.secret);
    await load(created.secret ? undefined : 'Client ' + clientLabel(created) + ' registered; its id is ' + created.id + '.');
    if (created.secret) secret.node.focus();
  });
  return h('div', {}, secret.node, form, h('section', { 'aria-labelledby': 'clients-h' }, h('h2', { id: 'clients-h', text: 'Your API clients' }), msg, wrap));
}

async function authorizationsPanel() {
  const msg = messageBox();
  const wrap = h('div', {});
  async function load(message) {
    const res = await call('listAuthorizations');
    if (!res.ok) return show(msg, res.message);
    const rows = res.data.authorizations.map((a) => ({
      cells: [
        h('span', { className: 'name', text: a.name }),
        a.permissions.join(', '),
        String(a.keys),
        when(a.lastAuthorizedAt),
        action('Revoke access', async () => {
          const sure = await confirmDialog({ title: 'Revoke the access of “' + a.name + '”?', text: 'Every key it holds for you stops working within seconds.', confirmLabel: 'Revoke access', danger: true });
          if (!sure) return;
          const r = await call('revokeAuthorization', { params: { clientId: a.clientId } });
          if (!r.ok) return show(msg, r.message);
          return load('The access of “' + a.name + '” was revoked.');
        }, { className: 'danger', 'aria-label': 'Revoke the access of ' + a.name }),
      ],
    }));
    wrap.replaceChildren(rows.length ? table('Apps you authorized', ['App', 'Permissions', 'Live keys', 'Last authorized', 'Actions'], rows) : h('p', { className: 'empty', text: 'You have not authorized any app.' }));
    settle(msg, message);
    return undefined;
  }
  await load();
  return h('section', { 'aria-labelledby': 'apps-h' }, h('h2', { id: 'apps-h', text: 'Authorized apps' }), msg, wrap);
}

export async function clientsView() {
  const parts = [h('h1', { text: 'API clients and apps' })];
  if (has('listAuthorizations')) parts.push(await authorizationsPanel());
  parts.push(await clientsPanel());
  return h('div', {}, parts);
}
