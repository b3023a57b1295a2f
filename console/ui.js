/*
 * Small DOM helpers shared by the views: elements, forms with their messages,
 * tables, buttons that are disabled while their request runs, and the one
 * confirmation dialog. No innerHTML anywhere: every text goes in as text.
 */

let uid = 0;
export const nextId = (prefix) => prefix + '-' + ++uid;

/** h('button', { type: 'button', onclick }, 'Save') */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'className') node.className = v;
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) node.append(c);
  return node;
}

/** A time in the browser's own zone and format. */
export const when = (iso) => (iso ? new Date(iso).toLocaleString() : 'never');

/** A paragraph for messages next to what caused them; `show(text, kind)` puts a sentence in it. */
export function messageBox() {
  const p = h('p', { className: 'message', role: 'status', 'aria-live': 'polite', tabindex: '-1', hidden: true });
  p.id = nextId('msg');
  return p;
}

export function show(box, text, kind = 'error') {
  box.textContent = text;
  box.className = 'message ' + kind;
  box.hidden = !text;
  if (text) {
    box.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    box.scrollIntoView({ block: 'nearest' });
  }
}

export function hide(box) {
  box.textContent = '';
  box.hidden = true;
}

/** After a list reloads: the action's outcome shown and focused (where the person's attention goes next), or the box cleared. */
export function settle(box, message) {
  if (message) {
    show(box, message, 'ok');
    box.focus();
  } else hide(box);
}

/** A labelled input: returns { wrap, input }. */
export function field(label, attrs = {}, hint) {
  const id = nextId('f');
  const input = h(attrs.tag || 'input', { ...attrs, tag: undefined, id });
  const children = [h('label', { for: id, text: label }), input];
  if (hint) {
    const hintId = id + '-hint';
    input.setAttribute('aria-describedby', hintId);
    children.push(h('p', { className: 'hint', id: hintId, text: hint }));
  }
  return { wrap: h('div', { className: 'field' }, children), input };
}

/**
 * Runs `work()` with `button` (and its form's buttons) disabled and marked
 * busy, so a double click cannot send the request twice.
 */
let lastBusy = null;

export async function busy(button, work) {
  const form = button.form;
  const buttons = form ? [...form.querySelectorAll('button')] : [button];
  if (buttons.some((b) => b.disabled && b === button)) return undefined;
  lastBusy = button;
  for (const b of buttons) b.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    for (const b of buttons) b.disabled = false;
    button.removeAttribute('aria-busy');
    // A disabled button loses focus (to the body); give it back unless the work moved focus elsewhere.
    const lost = !document.activeElement || document.activeElement === document.body;
    if (lost && button.isConnected) button.focus();
  }
}

/** Marks `input` invalid with the message in `box` (or clears it). */
export function invalid(input, box, text) {
  if (text) {
    input.setAttribute('aria-invalid', 'true');
    const ids = (input.getAttribute('aria-describedby') || '').split(' ').filter((x) => x && x !== box.id);
    input.setAttribute('aria-describedby', [...ids, box.id].join(' '));
    show(box, text);
    input.focus();
  } else {
    input.removeAttribute('aria-invalid');
  }
}

/** A table with a caption and real headers; `rows` are arrays of cells (text or nodes). */
export function table(caption, headers, rows, rowClass = () => '') {
  return h(
    'div',
    { className: 'table-wrap' },
    h(
      'table',
      {},
      h('caption', { text: caption }),
      h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col', text: t })))),
      h(
        'tbody',
        {},
        rows.map((r, i) => h('tr', { className: rowClass(i) || undefined }, r.cells.map((c, j) => h('td', { 'data-label': headers[j] }, c)))),
      ),
    ),
  );
}

/** A small button that runs `act(button)`, disabled while it runs. */
export function action(label, act, attrs = {}) {
  const b = h('button', { type: 'button', ...attrs, text: label });
  b.addEventListener('click', () => busy(b, () => act(b)));
  return b;
}

/**
 * The confirmation dialog: resolves with the chosen grace period in seconds
 * (when `grace` is asked), `true`, or `false` when cancelled. Escape cancels.
 * Focus returns to the element that opened it.
 */
export function confirmDialog({ title, text, confirmLabel, danger = false, grace = false }) {
  const dialog = document.getElementById('confirm');
  // The button that asked is disabled while its request runs, so it may no longer hold focus.
  const opener = document.activeElement && document.activeElement !== document.body ? document.activeElement : lastBusy;
  document.getElementById('confirm-title').textContent = title;
  document.getElementById('confirm-text').textContent = text;
  const graceBox = document.getElementById('confirm-grace');
  graceBox.hidden = !grace;
  if (grace) document.getElementById('grace-0').checked = true;
  const ok = document.getElementById('confirm-ok');
  ok.textContent = confirmLabel;
  ok.className = danger ? 'danger' : 'primary';
  dialog.showModal();
  (grace ? document.getElementById('grace-0') : document.getElementById('confirm-cancel')).focus();
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        if (opener && opener.isConnected) setTimeout(() => opener.focus(), 0);
        if (dialog.returnValue !== 'ok') return resolve(false);
        if (!grace) return resolve(true);
        const chosen = dialog.querySelector('input[name="grace"]:checked');
        resolve(Number(chosen ? chosen.value : 0));
      },
      { once: true },
    );
    dialog.returnValue = '';
  });
}

/** Copies `text` and says so on the button until the text changes. */
export async function copy(button, text) {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = 'Copied';
  } catch {
    button.textContent = 'Copy failed: select the text and copy it';
  }
}
