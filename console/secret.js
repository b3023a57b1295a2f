/*
 * A secret shown once (a new key, a client secret): a box with the value,
 * "you will not see it again", and a copy button that always copies the
 * value on screen. A new secret replaces the old one and resets the button;
 * forgetSecrets() (sign-out, any 401) empties every box.
 */
import { h, copy } from './ui.js';

const boxes = new Set();

export function secretBox() {
  const title = h('h2', {});
  const value = h('code', { className: 'secret-value', 'data-secret': '' });
  const copyButton = h('button', { type: 'button', className: 'copy', text: 'Copy' });
  const extra = h('div', { className: 'secret-extra' });
  const done = h('button', { type: 'button', text: 'I saved it; hide it' });
  const node = h(
    'section',
    { className: 'secret', hidden: true, tabindex: '-1', 'aria-label': 'New secret' },
    title,
    h('p', { className: 'warning', text: 'Copy it now: you will not see it again. Anyone who has it can act as this key.' }),
    h('div', { className: 'secret-row' }, value, copyButton),
    extra,
    h('div', { className: 'buttons' }, done),
  );
  const box = {
    node,
    /** Shows `secret` under `heading`, replacing what was there; moves focus to it. */
    present(heading, secret, more = []) {
      title.textContent = heading;
      value.textContent = secret;
      copyButton.textContent = 'Copy';
      extra.replaceChildren(...more);
      node.hidden = false;
      node.scrollIntoView({ block: 'nearest' });
      node.focus();
    },
    clear() {
      title.textContent = '';
      value.textContent = '';
      copyButton.textContent = 'Copy';
      extra.replaceChildren();
      node.hidden = true;
    },
    get shown() {
      return node.hidden ? '' : value.textContent;
    },
  };
  copyButton.addEventListener('click', () => copy(copyButton, value.textContent));
  done.addEventListener('click', () => box.clear());
  boxes.add(box);
  return box;
}

export function forgetSecrets() {
  for (const box of boxes) box.clear();
  boxes.clear();
}
