/*
 * Plans, usage and credits (SPEC §12) in words: a plan's limits, whose plan
 * a key's calls count in, a key's credits, its usage on demand, and the
 * admin's controls to set or clear a user's or a key's plan. The plans come
 * from config.json; a deployment without plans shows none of this.
 */
import { config, has } from './api.js';
import { h, field, messageBox, show, hide, busy, invalid } from './ui.js';

/** Whether the deployment has plans at all. */
export const plansOn = () => Boolean(config && config.plans && config.plans.length > 0);

const count = (n) => Number(n).toLocaleString('en-US');
const PERIOD = { DAY: 'a day', WEEK: 'a week', MONTH: 'a month' };
const planNamed = (name) => (config.plans || []).find((p) => p.name === name);
export const defaultPlan = () => (config.plans || []).find((p) => p.default) || null;

/** "5 requests/s, bursts of 10, 1,000 a day" */
export function limitsText(plan) {
  const t = plan.throttle;
  const parts = [count(t.rateLimit) + ' requests/s', 'bursts of ' + count(t.burstLimit)];
  parts.push(plan.quota ? count(plan.quota.limit) + ' ' + (PERIOD[plan.quota.period] || 'per ' + plan.quota.period.toLowerCase()) : 'no quota');
  return parts.join(', ');
}

/** "free (5 requests/s, bursts of 10, 1,000 a day)" for a select's option. */
const optionText = (plan) => plan.name + ' (' + limitsText(plan) + ')';

/** "5 left, refilled to 100 each day" */
export function creditsText(credits) {
  const left = credits.remaining === 1 ? '1 request left' : count(credits.remaining) + ' requests left';
  return credits.refill ? left + ', refilled to ' + count(credits.refill.amount) + ' each ' + credits.refill.period : left + ', never refilled';
}

/**
 * The plan a key's calls count in and why: its own, its user's, or the
 * default. `whose` names the user ("your", "the user’s").
 */
export function keyPlan(k, userPlan, whose) {
  const name = k.plan || userPlan || (defaultPlan() && defaultPlan().name);
  if (!name) return null;
  const why = k.plan ? 'its own plan' : userPlan ? whose + ' plan' : 'the default plan, shared by everyone without a plan of their own';
  return { name, why, plan: planNamed(name) };
}

/** The plan cell of a key row: plan, limits, credits. */
export function planCell(k, userPlan, whose) {
  const p = keyPlan(k, userPlan, whose);
  const out = h('div', { className: 'plan' });
  if (p) {
    out.append(h('span', { className: 'plan-name', text: p.name }), h('span', { className: 'hint', text: ' ' + p.why }));
    if (p.plan) out.append(h('span', { className: 'hint block', text: limitsText(p.plan) }));
  }
  if (k.credits) out.append(h('span', { className: 'block', text: 'Credits: ' + creditsText(k.credits) }));
  return out;
}

/** An answer of a usage route in sentences. `who` names whose keys share a user's bucket. */
export function usageText(u, who) {
  if (u.bucket === 'default') {
    return ['The calls count in the default plan “' + (u.plan || '') + '”, which everyone without a plan of their own shares, so there is no count of theirs alone to show.'];
  }
  const today = u.days.find((d) => d.date === u.to);
  const used = today ? today.used : 0;
  const week = u.days.reduce((sum, d) => sum + d.used, 0);
  const shared = u.bucket === 'user' ? ' by ' + who + ' (they share one plan)' : '';
  const lines = ['Today (UTC): ' + count(used) + (used === 1 ? ' request' : ' requests') + shared + '. Since ' + u.from + ': ' + count(week) + '.'];
  lines.push(u.remaining === null ? 'Plan “' + u.plan + '” has no quota.' : count(u.remaining) + (u.remaining === 1 ? ' request' : ' requests') + ' left of the quota of plan “' + u.plan + '” in this period.');
  return lines;
}

/**
 * A "Show usage" button (again: fresh counts) and the place its answer goes, next to it.
 * `read()` calls the usage route; `who` as for usageText.
 */
export function usageControl(label, read, who) {
  const out = h('div', { className: 'usage', 'aria-live': 'polite' });
  const msg = messageBox();
  const button = h('button', { type: 'button', text: 'Show usage', 'aria-label': label });
  button.addEventListener('click', () =>
    busy(button, async () => {
      hide(msg);
      const res = await read();
      if (!res.ok) {
        out.replaceChildren();
        show(msg, res.message);
        return;
      }
      out.replaceChildren(...usageText(res.data, who).map((t) => h('p', { text: t })));
    }),
  );
  return h('div', { className: 'usage-wrap' }, button, msg, out);
}

/** A select of the plans; `none` is the first option's words (value ''). */
function planSelect(label, current, none, attrs = {}) {
  const f = field(label, { tag: 'select', ...attrs });
  f.input.append(h('option', { value: '', text: none }), ...config.plans.map((p) => h('option', { value: p.name, text: optionText(p) })));
  f.input.value = current || '';
  return f;
}

/**
 * The admin's form for a user's plan: a select and Save; the answer next to
 * it. `save(plan|null)` calls the API; `done(plan)` after it worked.
 */
export function userPlanForm(user, save, done) {
  const msg = messageBox();
  const def = defaultPlan();
  const f = planSelect('Their plan', user.plan, def ? 'None: the default, ' + def.name : 'None');
  f.wrap.append(h('p', { className: 'hint', id: f.input.id + '-hint', text: 'Their keys without a plan of their own share this plan’s limits.' }));
  f.input.setAttribute('aria-describedby', f.input.id + '-hint');
  const submit = h('button', { type: 'submit', className: 'primary', text: 'Save plan' });
  const form = h('form', { className: 'card', novalidate: true, 'aria-labelledby': f.input.id + '-h' }, h('h2', { id: f.input.id + '-h', text: 'Plan' }), f.wrap, msg, h('div', { className: 'buttons' }, submit));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(submit, async () => {
      hide(msg);
      invalid(f.input, msg, '');
      const plan = f.input.value || null;
      const res = await save(plan);
      if (!res.ok) return invalid(f.input, msg, res.message);
      user.plan = plan;
      show(msg, plan ? 'Plan “' + plan + '” set: their keys share its limits.' : 'Plan cleared: they share the default plan.', 'ok');
      msg.focus();
      return done(plan);
    });
  });
  return form;
}

/**
 * Turns a key's plan cell into a small form: a select, Save and Cancel;
 * Escape cancels. `done(message | null)` reloads the list.
 */
export function keyPlanInPlace(cell, k, label, save, done) {
  const msg = messageBox();
  const f = planSelect('Plan of key ' + label, k.plan, 'None of its own (the user’s plan)');
  const saveB = h('button', { type: 'submit', className: 'primary', text: 'Save' });
  const cancel = h('button', { type: 'button', text: 'Cancel', onclick: () => done(null) });
  const form = h('form', { className: 'inline plan-form', novalidate: true }, f.wrap, h('div', { className: 'buttons' }, saveB, cancel), msg);
  form.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') done(null);
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(saveB, async () => {
      const plan = f.input.value || null;
      const res = await save(plan);
      if (!res.ok) return invalid(f.input, msg, res.message);
      return done(plan ? 'Key ' + label + ' now has plan “' + plan + '” of its own.' : 'Key ' + label + ' has no plan of its own now: it uses the user’s plan.');
    });
  });
  cell.replaceChildren(form);
  f.input.focus();
}

const MAX_CREDITS = 1_000_000_000;
const wholeIn = (text, min) => /^\d+$/.test(text) && Number(text) >= min && Number(text) <= MAX_CREDITS;

/**
 * Turns a key's plan cell into a small credits form (SPEC §12): requests
 * left, an optional refill amount and period, Save, Remove (when it has
 * credits) and Cancel; Escape cancels. `save(credits|null)` calls the API;
 * `done(message | null)` reloads the list.
 */
export function keyCreditsInPlace(cell, k, label, save, done) {
  const msg = messageBox();
  const c = k.credits || null;
  const left = field('Requests left', { type: 'number', min: 0, max: MAX_CREDITS, step: 1, inputmode: 'numeric', required: true, value: c ? String(c.remaining) : '' }, 'From 0 to ' + count(MAX_CREDITS) + '; at 0 the key is refused until a refill.');
  const amount = field('Refill to', { type: 'number', min: 1, max: MAX_CREDITS, step: 1, inputmode: 'numeric', value: c && c.refill ? String(c.refill.amount) : '' }, 'Leave empty for credits that are never refilled.');
  const period = field('Refill period', { tag: 'select' });
  period.input.append(h('option', { value: 'day', text: 'Each day (UTC)' }), h('option', { value: 'month', text: 'Each month (UTC)' }));
  period.input.value = c && c.refill ? c.refill.period : 'day';
  const inputs = [left.input, amount.input, period.input];
  const saveB = h('button', { type: 'submit', className: 'primary', text: 'Save' });
  const removeB = c ? h('button', { type: 'button', className: 'danger', text: 'Remove' }) : null;
  const cancel = h('button', { type: 'button', text: 'Cancel', onclick: () => done(null) });
  const legend = h('legend', { text: 'Credits of key ' + label });
  const form = h('form', { className: 'inline plan-form', novalidate: true }, h('fieldset', {}, legend, left.wrap, amount.wrap, period.wrap), h('div', { className: 'buttons' }, saveB, ...(removeB ? [removeB] : []), cancel), msg);
  form.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') done(null);
  });
  /** The API's refusal next to the field it names. */
  const refused = (message) => invalid(/refill.*period|period/i.test(message) ? period.input : /refill|amount/i.test(message) ? amount.input : left.input, msg, message);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(saveB, async () => {
      hide(msg);
      for (const i of inputs) invalid(i, msg, '');
      const n = left.input.value.trim();
      if (!wholeIn(n, 0)) return invalid(left.input, msg, 'Requests left has to be a whole number from 0 to ' + count(MAX_CREDITS) + '.');
      const a = amount.input.value.trim();
      if (a && !wholeIn(a, 1)) return invalid(amount.input, msg, 'The refill has to be a whole number from 1 to ' + count(MAX_CREDITS) + ', or empty.');
      const credits = { remaining: Number(n), ...(a ? { refill: { amount: Number(a), period: period.input.value } } : {}) };
      const res = await save(credits);
      if (!res.ok) return refused(res.message);
      return done('Key ' + label + ' now has credits: ' + creditsText(credits) + '.');
    });
  });
  if (removeB) {
    removeB.addEventListener('click', () =>
      busy(removeB, async () => {
        hide(msg);
        const res = await save(null);
        if (!res.ok) {
          show(msg, res.message);
          return msg.focus();
        }
        return done('Key ' + label + ' has no credits now: only its plan limits it.');
      }),
    );
  }
  cell.replaceChildren(form);
  left.input.focus();
}

/** Whether an admin can set plans here. */
export const canSetPlans = () => plansOn() && has('setUserPlan') && has('setKeyPlan');
