/*
 * Keys: a person's own (create, rename, rotate, revoke) and, for an admin,
 * another user's (list, revoke; a bot's also create and rotate). One list
 * and one form, given the operations that apply.
 */
import { call, config, everyPage, has } from './api.js';
import { h, field, messageBox, show, hide, busy, table, action, confirmDialog, when, invalid } from './ui.js';
import { secretBox } from './secret.js';
import { plansOn, planCell, usageControl, keyPlanInPlace, keyCreditsInPlace } from './plans.js';

export const keyLabel = (k) => '“' + k.name + '” (ending …' + k.hint + ')';

/** A key's status in words, with the time it changes or changed. */
export function keyStatus(k) {
  if (k.status === 'grace_period') return 'Grace period, ends ' + when(k.revokedAt);
  if (k.status === 'revoked') return 'Revoked ' + when(k.revokedAt);
  if (k.status === 'expired') return 'Expired ' + when(k.expiresAt);
  return k.expiresAt ? 'Active, expires ' + when(k.expiresAt) : 'Active';
}

const live = (k) => k.status === 'active' || k.status === 'grace_period';
const rotatable = (k) => k.status === 'active' && !k.replacedBy;

/** The operations on the person's own keys. */
export const ownKeys = {
  label: 'your keys',
  whose: 'your',
  everyKey: 'all your keys',
  list: () => everyPage('listKeys', 'keys'),
  create: (body) => call('createKey', { body }),
  rename: (k, name) => call('renameKey', { params: { keyId: k.id }, body: { name } }),
  rotate: (k, grace) => call('rotateKey', { params: { keyId: k.id }, body: grace > 0 ? { gracePeriodSeconds: grace } : {} }),
  revoke: (k) => call('revokeKey', { params: { keyId: k.id } }),
  usageOp: 'keyUsage',
  usage: (k) => call('keyUsage', { params: { keyId: k.id } }),
  setPlan: null,
  setCredits: null,
};

/** The operations an admin has on `user`'s keys: a person's keys can only be revoked (an admin never gets their secret). */
export function userKeys(user) {
  const params = (k) => ({ userId: user.id, keyId: k.id });
  const bot = user.kind === 'bot';
  return {
    label: 'keys of ' + (user.email || 'bot ' + user.id),
    whose: 'the user’s',
    everyKey: 'all the user’s keys',
    list: () => everyPage('listUserKeys', 'keys', { params: { userId: user.id } }),
    create: bot && has('createBotKey') ? (body) => call('createBotKey', { params: { userId: user.id }, body }) : null,
    rename: null,
    rotate: bot && has('rotateUserKey') ? (k, grace) => call('rotateUserKey', { params: params(k), body: grace > 0 ? { gracePeriodSeconds: grace } : {} }) : null,
    revoke: (k) => call('revokeUserKey', { params: params(k) }),
    usageOp: 'userUsage',
    usage: (k) => call('userUsage', { params: { userId: user.id }, query: { keyId: k.id } }),
    setPlan: has('setKeyPlan') ? (k, plan) => call('setKeyPlan', { params: params(k), body: { plan } }) : null,
    setCredits: has('setKeyCredits') ? (k, credits) => call('setKeyCredits', { params: params(k), body: { credits } }) : null,
  };
}

/** A curl line that tries `key` on the deployment's example route. */
function tryIt(key, permissions) {
  const ex = config.example;
  if (!ex) return [];
  const q = (s) => "'" + s.replace(/'/g, "'\\''") + "'";
  const words = ['curl'];
  if (ex.method !== 'GET') words.push('-X', ex.method);
  words.push('-H', q('Authorization: Bearer ' + key), q(location.origin + ex.path));
  const out = [h('p', { text: 'Try it:' }), h('pre', { className: 'wrap' }, h('code', { text: words.join(' ') }))];
  if (!permissions.includes(ex.permission)) {
    out.push(h('p', { className: 'hint', text: 'This key lacks ' + ex.permission + ', so ' + ex.method + ' ' + ex.path + ' will answer 403.' }));
  }
  return out;
}

/** The create form: name, permissions from the catalog with their descriptions, expiry. */
function createForm(ops, onCreated) {
  const msg = messageBox();
  const name = field('Name', { type: 'text', name: 'name', required: true, maxlength: 100, autocomplete: 'off' }, 'Up to 100 characters, to tell your keys apart.');
  const grantable = config.permissions.filter((p) => p.keyGrantable !== false);
  const boxes = grantable.map((p) => {
    const id = 'perm-' + p.name.replace(/[^\w-]/g, '_') + '-' + Math.random().toString(36).slice(2, 7);
    const input = h('input', { type: 'checkbox', name: 'permissions', value: p.name, id, 'aria-describedby': id + '-d' });
    return { input, node: h('div', { className: 'check' }, input, h('label', { for: id }, h('span', { className: 'perm', text: p.name }), h('span', { className: 'hint', id: id + '-d', text: p.description }))) };
  });
  const perms = h('fieldset', {}, h('legend', { text: 'Permissions' }), boxes.length ? boxes.map((b) => b.node) : h('p', { text: 'This deployment has no permission a key may carry.' }));
  const days = field('Expires after (days)', { type: 'number', name: 'expiresInDays', min: 1, max: 3650, step: 1, inputmode: 'numeric' }, 'From 1 to 3650. Leave empty for a key that never expires.');
  const submit = h('button', { type: 'submit', className: 'primary', text: 'Create key' });
  const form = h('form', { className: 'card', novalidate: true }, h('h2', { text: 'Create a key' }), name.wrap, perms, days.wrap, msg, h('div', { className: 'buttons' }, submit));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(submit, async () => {
      hide(msg);
      for (const i of [name.input, days.input]) invalid(i, msg, '');
      const n = name.input.value.trim();
      if (!n) return invalid(name.input, msg, 'Give the key a name.');
      if (n.length > 100) return invalid(name.input, msg, 'The name can be at most 100 characters long.');
      const d = days.input.value.trim();
      if (d && !(/^\d+$/.test(d) && Number(d) >= 1 && Number(d) <= 3650)) return invalid(days.input, msg, 'The expiry has to be a whole number of days from 1 to 3650, or empty.');
      const permissions = boxes.filter((b) => b.input.checked).map((b) => b.input.value);
      if (permissions.length === 0) {
        const sure = await confirmDialog({ title: 'Create a key without permissions?', text: 'It will only identify you: no route that needs a permission accepts it.', confirmLabel: 'Create it anyway' });
        if (!sure) return undefined;
      }
      const res = await ops.create({ name: n, permissions, ...(d ? { expiresInDays: Number(d) } : {}) });
      if (!res.ok) {
        const field = /expir/i.test(res.message) ? days.input : /name/i.test(res.message) ? name.input : submit;
        if (field === submit) {
          show(msg, res.message);
          msg.focus();
        } else invalid(field, msg, res.message);
        return undefined;
      }
      form.reset();
      onCreated(res.data);
      return undefined;
    });
  });
  return form;
}

/** Turns the name cell into a small rename form; Escape cancels. */
function renameInPlace(cellNode, k, ops, done) {
  const msg = messageBox();
  const input = h('input', { type: 'text', value: k.name, maxlength: 100, required: true, 'aria-label': 'New name for key ' + keyLabel(k) });
  const save = h('button', { type: 'submit', className: 'primary', text: 'Save' });
  const cancel = h('button', { type: 'button', text: 'Cancel', onclick: () => done(null) });
  const form = h('form', { className: 'inline', novalidate: true }, input, save, cancel, msg);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') done(null);
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(save, async () => {
      const n = input.value.trim();
      if (!n) return invalid(input, msg, 'The name cannot be empty.');
      const res = await ops.rename(k, n);
      if (!res.ok) return invalid(input, msg, res.message);
      return done('Key renamed to “' + n + '”.');
    });
  });
  cellNode.replaceChildren(form);
  input.focus();
  input.select();
}

/**
 * The keys list and (when `ops.create`) the create form, with the shown-once
 * secret between them. With plans, each key shows its plan (own, `userPlan()`
 * or the default), credits and usage on demand. `handle.reload` reloads it.
 */
export async function keysPanel(ops, { heading = 'h2', clientNames = {}, userPlan = () => null, handle = {} } = {}) {
  const secret = secretBox();
  const listMsg = messageBox();
  const listWrap = h('div', {});
  let shownKeyId = null;

  async function load(message) {
    const res = await ops.list();
    if (!res.ok) {
      show(listMsg, res.message);
      return;
    }
    const keys = [...res.items].sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
    if (keys.length === 0) {
      listWrap.replaceChildren(h('p', { className: 'empty', text: 'No keys yet.' }));
    } else {
      const plans = plansOn();
      const headers = ['Key', 'Permissions', 'Status', 'Last used', 'Client', ...(plans ? ['Plan and usage'] : []), 'Actions'];
      const rows = keys.map((k) => {
        const nameCell = h('span', {}, h('span', { className: 'name', text: k.name }), h('span', { className: 'hint', text: ' ending …' + k.hint + ', id ' + k.id }));
        const actions = h('div', { className: 'actions' });
        if (live(k) && ops.rename) {
          actions.append(action('Rename', () => renameInPlace(nameCell, k, ops, (text) => back(text, 'Rename key ' + keyLabel(k))), { 'aria-label': 'Rename key ' + keyLabel(k) }));
        }
        if (rotatable(k) && ops.rotate) actions.append(action('Rotate', () => rotate(k), { 'aria-label': 'Rotate key ' + keyLabel(k) }));
        if (live(k)) actions.append(action('Revoke', () => revoke(k), { className: 'danger', 'aria-label': 'Revoke key ' + keyLabel(k) }));
        if (!actions.childNodes.length) actions.append(h('span', { className: 'hint', text: 'None' }));
        let planNode = null;
        if (plans && !live(k)) planNode = '—';
        else if (plans) {
          planNode = h('div', {}, planCell(k, userPlan(), ops.whose));
          const controls = h('div', { className: 'actions' });
          if (rotatable(k) && ops.setPlan) {
            const planBox = planNode;
            controls.append(
              action('Set plan', () => keyPlanInPlace(planBox, k, keyLabel(k), (plan) => ops.setPlan(k, plan), (text) => back(text, 'Set plan of key ' + keyLabel(k))), { 'aria-label': 'Set plan of key ' + keyLabel(k) }),
            );
          }
          if (rotatable(k) && ops.setCredits) {
            const planBox = planNode;
            controls.append(
              action('Set credits', () => keyCreditsInPlace(planBox, k, keyLabel(k), (credits) => ops.setCredits(k, credits), (text) => back(text, 'Set credits of key ' + keyLabel(k))), {
                'aria-label': 'Set credits of key ' + keyLabel(k),
              }),
            );
          }
          if (live(k) && has(ops.usageOp)) planNode.append(usageControl('Show usage of key ' + keyLabel(k), () => ops.usage(k), ops.everyKey));
          if (controls.childNodes.length) planNode.append(controls);
        }
        return {
          cells: [
            nameCell,
            h('div', { className: 'idents', text: k.permissions.join(', ') || 'None' }),
            keyStatus(k),
            when(k.lastUsedAt),
            k.clientId ? clientNames[k.clientId] || k.clientId : '—',
            ...(plans ? [planNode] : []),
            actions,
          ],
          live: live(k),
        };
      });
      listWrap.replaceChildren(table('Keys, newest first', headers, rows, (i) => (rows[i].live ? '' : 'revoked')));
    }
    if (message) {
      show(listMsg, message, 'ok');
      listMsg.focus();
    } else hide(listMsg);
  }

  /** After an in-place form: reload; a message gets focus, a cancel gives it back to the button that opened the form. */
  async function back(message, buttonLabel) {
    await load(message);
    if (message) return;
    const button = [...listWrap.querySelectorAll('button')].find((b) => b.getAttribute('aria-label') === buttonLabel);
    if (button) button.focus();
  }

  async function rotate(k) {
    const grace = await confirmDialog({
      title: 'Rotate key ' + keyLabel(k) + '?',
      text: 'A new key with the same name and permissions replaces it; its secret is shown once. Choose how long the old key keeps working.',
      confirmLabel: 'Rotate',
      grace: true,
    });
    if (grace === false) return;
    const res = await ops.rotate(k, grace);
    if (!res.ok) {
      show(listMsg, res.message);
      listMsg.focus();
      return;
    }
    shownKeyId = res.data.id;
    secret.present('The new secret of key ' + keyLabel(res.data), res.data.key, [
      h('p', { text: 'The old key ' + (grace > 0 ? 'keeps working until ' + when(res.data.previousKeyEndsAt) : 'stopped working') + '.' }),
      ...tryIt(res.data.key, res.data.permissions),
    ]);
    await load();
    secret.node.focus();
  }

  async function revoke(k) {
    const sure = await confirmDialog({ title: 'Revoke key ' + keyLabel(k) + '?', text: 'It stops working within seconds. This cannot be undone.', confirmLabel: 'Revoke', danger: true });
    if (!sure) return;
    const res = await ops.revoke(k);
    if (!res.ok) {
      show(listMsg, res.message);
      listMsg.focus();
      return;
    }
    if (shownKeyId === k.id) secret.clear();
    await load('Key ' + keyLabel(k) + ' revoked.');
  }

  handle.reload = load;
  await load();
  // The shown-once secret first, then the list, then the form that makes a key.
  const parts = [secret.node, h('section', { className: 'list', 'aria-label': ops.label }, h(heading, { text: ops.label.charAt(0).toUpperCase() + ops.label.slice(1) }), listMsg, listWrap)];
  if (ops.create) {
    parts.push(
      createForm(ops, async (created) => {
        shownKeyId = created.id;
        secret.present('The secret of key ' + keyLabel(created), created.key, tryIt(created.key, created.permissions));
        await load();
        secret.node.focus();
      }),
    );
  }
  return h('div', {}, parts);
}

export async function keysView({ me }) {
  // The person's plan as it is now (an admin may have changed it since sign-in).
  let plan = me.user.plan;
  if (plansOn()) {
    const fresh = await call('me');
    if (fresh.ok) plan = fresh.data.user.plan;
  }
  let clientNames = {};
  if (me.permissions.includes('manage_clients') && has('listAuthorizations')) {
    const res = await call('listAuthorizations');
    if (res.ok) clientNames = Object.fromEntries(res.data.authorizations.map((a) => [a.clientId, a.name]));
  }
  return h('div', {}, h('h1', { text: 'API keys' }), await keysPanel(ownKeys, { clientNames, userPlan: () => plan }));
}
