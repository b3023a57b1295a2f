/*
 * The signed-in person's sessions (end one; "this device"), password change,
 * and own audit trail, paged.
 */
import { call } from './api.js';
import { h, field, messageBox, show, hide, settle, busy, table, action, confirmDialog, when, invalid } from './ui.js';

function sessionsPanel() {
  const msg = messageBox();
  const wrap = h('div', {});
  async function load(message) {
    const res = await call('listSessions');
    if (!res.ok) return show(msg, res.message);
    const rows = res.data.sessions.map((s) => ({
      cells: [
        h('span', {}, s.current ? h('strong', { text: 'This device' }) : 'Another device', h('span', { className: 'hint', text: ' id ' + s.id })),
        when(s.createdAt),
        when(s.expiresAt),
        s.current
          ? h('span', { className: 'hint', text: 'Sign out to end it' })
          : action('End', async () => {
              const sure = await confirmDialog({ title: 'End this session?', text: 'The device that holds it is signed out within seconds.', confirmLabel: 'End session', danger: true });
              if (!sure) return;
              const r = await call('endSession', { params: { sessionId: s.id } });
              if (!r.ok) {
                show(msg, r.message);
                msg.focus();
                return;
              }
              await load('Session ended.');
            }, { 'aria-label': 'End session ' + s.id }),
      ],
    }));
    wrap.replaceChildren(rows.length ? table('Sessions', ['Device', 'Started', 'Ends', 'Actions'], rows) : h('p', { className: 'empty', text: 'No sessions.' }));
    settle(msg, message);
    return undefined;
  }
  return { node: h('section', { 'aria-labelledby': 'sessions-h' }, h('h2', { id: 'sessions-h', text: 'Sessions' }), msg, wrap), load };
}

function passwordForm() {
  const msg = messageBox();
  const current = field('Current password', { type: 'password', autocomplete: 'current-password', required: true, maxlength: 1024 });
  const next = field('New password', { type: 'password', autocomplete: 'new-password', required: true, minlength: 12, maxlength: 1024 }, 'At least 12 characters.');
  const submit = h('button', { type: 'submit', className: 'primary', text: 'Change password' });
  const form = h('form', { className: 'card', novalidate: true }, h('h2', { text: 'Change password' }), current.wrap, next.wrap, msg, h('div', { className: 'buttons' }, submit));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(submit, async () => {
      hide(msg);
      invalid(current.input, msg, '');
      invalid(next.input, msg, '');
      if (!current.input.value) return invalid(current.input, msg, 'Enter your current password.');
      if (next.input.value.length < 12) return invalid(next.input, msg, 'The new password needs at least 12 characters.');
      const res = await call('changePassword', { body: { currentPassword: current.input.value, newPassword: next.input.value } });
      if (!res.ok) return invalid(/current/i.test(res.message) ? current.input : next.input, msg, res.message);
      form.reset();
      show(msg, 'Password changed.', 'ok');
      msg.focus();
      return undefined;
    });
  });
  return form;
}

export async function accountView({ me }) {
  const parts = [h('h1', { text: 'Sessions and password' })];
  if (me.permissions.includes('manage_sessions')) {
    const sessions = sessionsPanel();
    await sessions.load();
    parts.push(sessions.node);
  }
  if (me.permissions.includes('change_password')) parts.push(passwordForm());
  return h('div', {}, parts);
}

/** What an audit record says, in words. */
const ACTION_WORDS = (a) => a.replace(/[._]/g, ' ');

/** A paged audit trail: `fetchPage(cursor)` answers { records, next }. */
export function auditPanel(fetchPage, caption) {
  const msg = messageBox();
  const wrap = h('div', {});
  const more = h('button', { type: 'button', text: 'Older entries', hidden: true });
  let next = null;
  let rows = [];
  async function load(cursor) {
    const res = await fetchPage(cursor);
    if (!res.ok) return show(msg, res.message);
    hide(msg);
    rows = rows.concat(
      res.data.records.map((r) => ({
        cells: [when(r.at), ACTION_WORDS(r.action), r.target, r.authMethod + (r.actor ? ' by ' + r.actor : ''), r.detail ? Object.entries(r.detail).map(([k, v]) => k + ': ' + v).join(', ') : '—'],
      })),
    );
    next = res.data.next;
    more.hidden = !next;
    wrap.replaceChildren(rows.length ? table(caption, ['When', 'What', 'Target', 'How', 'Details'], rows) : h('p', { className: 'empty', text: 'Nothing recorded yet.' }));
    return undefined;
  }
  more.addEventListener('click', () =>
    busy(more, async () => {
      const count = rows.length;
      await load(next);
      const firstNew = wrap.querySelectorAll('tbody tr')[count];
      if (firstNew) {
        firstNew.setAttribute('tabindex', '-1');
        firstNew.focus();
      }
    }),
  );
  return { node: h('div', {}, msg, wrap, h('div', { className: 'buttons' }, more)), load: () => load(undefined) };
}

export async function activityView() {
  const audit = auditPanel((cursor) => call('listOwnAudit', { query: { limit: 25, cursor } }), 'Your account’s activity, newest first');
  await audit.load();
  return h('div', {}, h('h1', { text: 'Activity' }), audit.node);
}
