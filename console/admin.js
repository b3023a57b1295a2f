/*
 * Admins: users and bots (paged, search by e-mail, create, disable/enable),
 * one user's keys and audit trail, every API client, and the plans.
 */
import { call, config, everyPage, has } from './api.js';
import { h, field, messageBox, show, hide, settle, busy, table, action, confirmDialog, when, invalid } from './ui.js';
import { keysPanel, userKeys } from './keys.js';
import { auditPanel } from './account.js';
import { plansOn, canSetPlans, defaultPlan, limitsText, userPlanForm, usageControl } from './plans.js';

const userLabel = (u) => (u.kind === 'bot' ? 'bot ' : '') + (u.email || u.id);
const kindWords = (u) => (u.kind === 'bot' ? 'Bot' : u.admin ? 'Person, admin' : 'Person');

function createUserForm(onCreated) {
  const msg = messageBox();
  const kind = field('Kind', { tag: 'select' });
  kind.input.append(h('option', { value: 'human', text: 'Person (signs in with a password)' }), h('option', { value: 'bot', text: 'Bot (API keys only)' }));
  const email = field('E-mail', { type: 'email', maxlength: 254, autocomplete: 'off' }, 'Required for a person; optional for a bot.');
  const password = field('Password', { type: 'password', minlength: 12, maxlength: 1024, autocomplete: 'new-password' }, 'At least 12 characters; they can change it after signing in.');
  const admin = h('input', { type: 'checkbox', id: 'new-admin' });
  const adminWrap = h('div', { className: 'check' }, admin, h('label', { for: 'new-admin', text: 'Admin' }));
  const submit = h('button', { type: 'submit', className: 'primary', text: 'Create' });
  const sync = () => {
    const bot = kind.input.value === 'bot';
    password.wrap.hidden = bot;
    adminWrap.hidden = bot;
  };
  kind.input.addEventListener('change', sync);
  const form = h('form', { className: 'card', novalidate: true }, h('h2', { text: 'Create a user or bot' }), kind.wrap, email.wrap, password.wrap, adminWrap, msg, h('div', { className: 'buttons' }, submit));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(submit, async () => {
      hide(msg);
      const bot = kind.input.value === 'bot';
      const mail = email.input.value.trim();
      if (!bot && !mail) return invalid(email.input, msg, 'A person needs an e-mail address.');
      if (mail && !email.input.checkValidity()) return invalid(email.input, msg, 'That is not an e-mail address.');
      if (!bot && password.input.value.length < 12) return invalid(password.input, msg, 'The password needs at least 12 characters.');
      const body = { kind: bot ? 'bot' : 'human', ...(mail ? { email: mail } : {}), ...(bot ? {} : { password: password.input.value, admin: admin.checked }) };
      const res = await call('createUser', { body });
      if (!res.ok) return invalid(/password/i.test(res.message) ? password.input : email.input, msg, res.message);
      form.reset();
      sync();
      onCreated(res.data.user);
      return undefined;
    });
  });
  sync();
  return form;
}

export async function usersView({ go }) {
  const msg = messageBox();
  const wrap = h('div', {});
  const search = field('Search by e-mail', { type: 'search', maxlength: 254, autocomplete: 'off' });
  const searchButton = h('button', { type: 'submit', text: 'Search' });
  const prev = h('button', { type: 'button', text: 'Previous page', hidden: true });
  const nextB = h('button', { type: 'button', text: 'Next page', hidden: true });
  const cursors = [undefined];
  let page = 0;

  function render(users, caption) {
    const rows = users.map((u) => ({
      cells: [
        h('a', { href: '#user/' + encodeURIComponent(u.id), className: 'name', text: u.email || '(no e-mail) ' + u.id }),
        kindWords(u),
        u.disabled ? 'Disabled' : 'Enabled',
        when(u.createdAt),
      ],
      off: u.disabled,
    }));
    wrap.replaceChildren(rows.length ? table(caption, ['User', 'Kind', 'Status', 'Created'], rows, (i) => (rows[i].off ? 'revoked' : '')) : h('p', { className: 'empty', text: 'No users match.' }));
  }

  async function loadPage(message) {
    const res = await call('listUsers', { query: { limit: 25, cursor: cursors[page] } });
    if (!res.ok) return show(msg, res.message);
    cursors[page + 1] = res.data.next || null;
    render(res.data.users, 'Users and bots, page ' + (page + 1));
    prev.hidden = page === 0;
    nextB.hidden = !res.data.next;
    settle(msg, message);
    return undefined;
  }

  const searchForm = h('form', { className: 'search', role: 'search', novalidate: true }, search.wrap, searchButton);
  searchForm.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(searchButton, async () => {
      const q = search.input.value.trim().toLowerCase();
      if (!q) {
        page = 0;
        return loadPage();
      }
      const res = await everyPage('listUsers', 'users');
      if (!res.ok) return show(msg, res.message);
      const found = res.items.filter((u) => (u.email || '').includes(q));
      render(found, found.length + ' users whose e-mail contains “' + q + '”');
      prev.hidden = true;
      nextB.hidden = true;
      show(msg, found.length === 1 ? 'One user found.' : found.length + ' users found.', 'ok');
      return undefined;
    });
  });
  prev.addEventListener('click', () => busy(prev, async () => { page -= 1; await loadPage(); }));
  nextB.addEventListener('click', () => busy(nextB, async () => { page += 1; await loadPage(); }));

  await loadPage();
  const form = createUserForm((u) => go('user/' + encodeURIComponent(u.id)));
  return h('div', {}, h('h1', { text: 'Users and bots' }), searchForm, msg, wrap, h('div', { className: 'buttons' }, prev, nextB), form);
}

export async function userView({ params, me, refresh }) {
  const userId = params[0] || '';
  const res = await call('getUser', { params: { userId } });
  if (!res.ok) return h('div', {}, h('h1', { text: 'User' }), h('p', { className: 'message error', role: 'alert', text: res.message }), h('p', {}, h('a', { href: '#users', text: 'Back to users' })));
  const u = res.data.user;
  const msg = messageBox();
  const facts = h('dl', { className: 'facts' },
    h('dt', { text: 'Kind' }), h('dd', { text: kindWords(u) }),
    h('dt', { text: 'Status' }), h('dd', { text: u.disabled ? 'Disabled: none of their keys or sessions works' : 'Enabled' }),
    h('dt', { text: 'Id' }), h('dd', { text: u.id }),
    h('dt', { text: 'Created' }), h('dd', { text: when(u.createdAt) }),
  );
  const planFact = h('dd', {});
  const showPlan = () => {
    const def = defaultPlan();
    planFact.textContent = u.plan ? u.plan + ', their own' : def ? 'None of their own: the default, ' + def.name : 'None';
  };
  if (plansOn()) {
    showPlan();
    facts.append(h('dt', { text: 'Plan' }), planFact);
  }
  const buttons = h('div', { className: 'buttons' });
  if (u.id !== me.user.id) {
    buttons.append(
      action(u.disabled ? 'Enable' : 'Disable', async () => {
        if (!u.disabled) {
          const sure = await confirmDialog({ title: 'Disable ' + userLabel(u) + '?', text: 'All their keys and sessions stop working within seconds, until you enable them again.', confirmLabel: 'Disable', danger: true });
          if (!sure) return;
        }
        const r = await call('updateUser', { params: { userId: u.id }, body: { disabled: !u.disabled } });
        if (!r.ok) {
          show(msg, r.message);
          msg.focus();
          return;
        }
        await refresh();
      }, { className: u.disabled ? 'primary' : 'danger' }),
    );
  }
  const handle = {};
  const keys = await keysPanel(userKeys(u), { userPlan: () => u.plan, handle });
  const planParts = [];
  if (canSetPlans()) {
    planParts.push(
      userPlanForm(u, (plan) => call('setUserPlan', { params: { userId: u.id }, body: { plan } }), async () => {
        showPlan();
        await handle.reload();
      }),
    );
  }
  if (plansOn() && has('userUsage')) {
    planParts.push(h('section', { className: 'card', 'aria-labelledby': 'uusage-h' }, h('h2', { id: 'uusage-h', text: 'Usage' }), usageControl('Show usage of ' + userLabel(u), () => call('userUsage', { params: { userId: u.id } }), 'all their keys')));
  }
  const audit = auditPanel((cursor) => call('listUserAudit', { params: { userId: u.id }, query: { limit: 25, cursor } }), 'Activity of ' + userLabel(u) + ', newest first');
  await audit.load();
  return h('div', {},
    h('p', {}, h('a', { href: '#users', text: '← Users and bots' })),
    h('h1', { className: 'name', text: userLabel(u) }),
    facts, buttons, msg,
    ...planParts,
    keys,
    h('section', { 'aria-labelledby': 'uaudit-h' }, h('h2', { id: 'uaudit-h', text: 'Activity' }), audit.node),
  );
}

export async function allClientsView() {
  const msg = messageBox();
  const wrap = h('div', {});
  async function load(message) {
    const res = await everyPage('listAllClients', 'clients');
    if (!res.ok) return show(msg, res.message);
    const rows = res.items.map((c) => {
      const label = '“' + c.name + '”';
      const actions = h('div', { className: 'actions' });
      if (c.status !== 'deleting') {
        actions.append(action(c.disabled ? 'Enable' : 'Disable', async () => {
          if (!c.disabled) {
            const sure = await confirmDialog({ title: 'Disable client ' + label + '?', text: 'Nobody can authorize it or get a key through it; keys it already issued keep working.', confirmLabel: 'Disable', danger: true });
            if (!sure) return;
          }
          const r = await call('setClientDisabled', { params: { clientId: c.id }, body: { disabled: !c.disabled } });
          if (!r.ok) return show(msg, r.message);
          return load('Client ' + label + (c.disabled ? ' enabled.' : ' disabled.'));
        }, { 'aria-label': (c.disabled ? 'Enable' : 'Disable') + ' client ' + label }));
      }
      actions.append(action('Delete', async () => {
        const sure = await confirmDialog({ title: 'Delete client ' + label + '?', text: 'Every key issued through it, for every person, stops working within seconds.', confirmLabel: 'Delete', danger: true });
        if (!sure) return;
        const r = await call('adminDeleteClient', { params: { clientId: c.id } });
        if (!r.ok) return show(msg, r.message);
        return load('Client ' + label + ' deleted.');
      }, { className: 'danger', 'aria-label': 'Delete client ' + label }));
      return {
        cells: [
          h('span', {}, h('span', { className: 'name', text: c.name }), h('span', { className: 'hint', text: ' id ' + c.id })),
          h('a', { href: '#user/' + encodeURIComponent(c.owner.id), className: 'name', text: c.owner.email || c.owner.id }),
          c.disabled ? 'Disabled' : c.owner.disabled ? 'Owner disabled' : c.status === 'deleting' ? 'Being deleted' : 'Enabled',
          when(c.createdAt),
          actions,
        ],
        off: c.disabled || c.owner.disabled || c.status === 'deleting',
      };
    });
    wrap.replaceChildren(rows.length ? table('Every API client', ['Client', 'Owner', 'Status', 'Created', 'Actions'], rows, (i) => (rows[i].off ? 'revoked' : '')) : h('p', { className: 'empty', text: 'Nobody has registered an API client.' }));
    settle(msg, message);
    return undefined;
  }
  await load();
  return h('div', {}, h('h1', { text: 'All API clients' }), msg, wrap);
}

export async function plansView() {
  const rows = (config.plans || []).map((p) => ({
    cells: [h('span', { className: 'name', text: p.name + (p.default ? ' (default)' : '') }), p.description || '—', limitsText(p)],
  }));
  const note = canSetPlans()
    ? 'Set a user’s or a key’s plan on the user’s page (Users and bots). A key’s own plan wins over its user’s; everyone without one shares the default plan’s limits.'
    : 'This deployment has no operation to change a user’s or a key’s plan.';
  return h('div', {}, h('h1', { text: 'Plans' }), table('Plans and their limits', ['Plan', 'Description', 'Limits'], rows), h('p', { className: 'hint', text: note }));
}
