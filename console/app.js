/*
 * The console's entry: reads the deployment's facts (./config.json), asks
 * who is signed in, and shows one section per #hash. A 401 from any call
 * clears every secret on screen and goes back to the sign-in form with
 * "Your session ended.".
 */
import { call, config, loadConfig, onSessionEnded, has } from './api.js';
import { h, field, messageBox, show, busy } from './ui.js';
import { forgetSecrets } from './secret.js';
import { keysView } from './keys.js';
import { accountView, activityView } from './account.js';
import { clientsView } from './clients.js';
import { usersView, userView, allClientsView, plansView } from './admin.js';

const main = document.getElementById('main');
const state = { me: null };

/** The sections: hash, title, who may see it, and the view. */
const SECTIONS = [
  { hash: 'keys', title: 'API keys', can: (me) => me.permissions.includes('manage_keys'), view: keysView },
  { hash: 'account', title: 'Sessions and password', can: () => true, view: accountView },
  { hash: 'activity', title: 'Activity', can: (me) => me.permissions.includes('manage_sessions'), view: activityView },
  { hash: 'clients', title: 'API clients and apps', can: (me) => me.permissions.includes('manage_clients') && has('listClients'), view: clientsView },
  { hash: 'users', title: 'Users and bots', can: isAdmin, view: usersView, admin: true },
  { hash: 'all-clients', title: 'All API clients', can: (me) => isAdmin(me) && has('listAllClients'), view: allClientsView, admin: true },
  { hash: 'plans', title: 'Plans', can: (me) => isAdmin(me) && config.plans && config.plans.length > 0, view: plansView, admin: true },
];

function isAdmin(me) {
  return me.permissions.includes('admin');
}

function sections() {
  return state.me ? SECTIONS.filter((s) => s.can(state.me)) : [];
}

/** Shows the section the hash names (or the first one), moving focus to its heading. */
async function route({ focus = true } = {}) {
  if (!state.me) return signInView();
  const [name, ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  const list = sections();
  let section = list.find((s) => s.hash === name);
  let view = section && section.view;
  if (name === 'user' && isAdmin(state.me)) {
    section = list.find((s) => s.hash === 'users');
    view = userView;
  }
  if (!section) section = list[0];
  if (!view) view = section.view;
  for (const a of document.querySelectorAll('#nav-list a')) {
    if (a.dataset.hash === section.hash) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const shown = location.hash;
  main.removeAttribute('data-view');
  main.replaceChildren(h('p', { className: 'loading', role: 'status', text: 'Loading…' }));
  const node = await view({ me: state.me, params: rest.map(decodeURIComponent), go, refresh: () => route({ focus: false }) });
  if (!state.me || shown !== location.hash) return undefined; // the session ended, or another section was asked for
  main.replaceChildren(node);
  main.dataset.view = shown.replace(/^#/, '') || section.hash;
  if (focus) {
    const heading = main.querySelector('h1');
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus();
    }
  }
  return undefined;
}

function go(hash) {
  if (location.hash === '#' + hash) route();
  else location.hash = hash;
}

function renderChrome() {
  const signedIn = Boolean(state.me);
  document.getElementById('who').hidden = !signedIn;
  document.getElementById('nav').hidden = !signedIn;
  if (!signedIn) return;
  const u = state.me.user;
  document.getElementById('who-text').textContent = (u.email || u.id) + (u.admin ? ' (admin)' : '');
  const items = sections().map((s) =>
    h('li', { className: s.admin ? 'admin' : undefined }, h('a', { href: '#' + s.hash, 'data-hash': s.hash, text: s.title })),
  );
  document.getElementById('nav-list').replaceChildren(...items);
}

function signInView(message) {
  renderChrome();
  const msg = messageBox();
  const email = field('E-mail', { type: 'email', name: 'email', autocomplete: 'username', required: true, maxlength: 254 });
  const password = field('Password', { type: 'password', name: 'password', autocomplete: 'current-password', required: true, maxlength: 1024 });
  const submit = h('button', { type: 'submit', className: 'primary', text: 'Sign in' });
  const form = h('form', { className: 'card narrow', novalidate: true }, email.wrap, password.wrap, msg, h('div', { className: 'buttons' }, submit));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(submit, async () => {
      if (!email.input.value.trim() || !password.input.value) {
        show(msg, 'Enter your e-mail address and password.');
        (email.input.value.trim() ? password.input : email.input).focus();
        return;
      }
      const res = await call('login', { body: { email: email.input.value.trim(), password: password.input.value }, signIn: true });
      if (!res.ok) {
        password.input.value = '';
        show(msg, res.status === 401 ? 'That e-mail address and password do not match an account.' : res.message);
        password.input.setAttribute('aria-invalid', 'true');
        password.input.setAttribute('aria-describedby', msg.id);
        password.input.focus();
        return;
      }
      await start();
    });
  });
  main.replaceChildren(h('h1', { text: 'Sign in' }), form);
  main.dataset.view = 'sign-in';
  if (message) show(msg, message);
  email.input.focus();
}

/** Called on any 401: secrets off the screen, back to the sign-in form. */
function sessionEnded() {
  if (!state.me) return;
  state.me = null;
  forgetSecrets();
  document.getElementById('confirm').close();
  signInView('Your session ended. Sign in again.');
}

async function start() {
  const res = await call('me', { signIn: true });
  if (!res.ok) {
    state.me = null;
    if (res.status === 401) return signInView();
    main.replaceChildren(h('h1', { text: 'keygate' }), h('p', { className: 'message error', role: 'alert', text: res.message }));
    return undefined;
  }
  state.me = res.data;
  renderChrome();
  return route();
}

document.getElementById('sign-out').addEventListener('click', (e) =>
  busy(e.currentTarget, async () => {
    await call('logout', { signIn: true });
    state.me = null;
    forgetSecrets();
    signInView('You signed out.');
  }),
);
window.addEventListener('hashchange', () => route());
onSessionEnded(sessionEnded);

loadConfig()
  .then(start)
  .catch((err) => {
    main.replaceChildren(h('h1', { text: 'keygate' }), h('p', { className: 'message error', role: 'alert', text: err.message }));
  });
