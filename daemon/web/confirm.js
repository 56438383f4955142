// SPDX-License-Identifier: MIT
// confirm.js: the confirmation every destructive action asks for before it runs: what
// will happen, on which environment and role, the downtime it costs, what cannot be
// undone, and (rollback) the writes at stake from the rollback plan. On production the
// operator types the environment's name. A modal <dialog>: Escape or Cancel changes nothing.
import { h, api, has, secs, clean } from './core.js';

// confirmAction({ title, action, env, role, downtime, what: [..], undo, plan, extra }) →
// false, or { discard } when confirmed. `plan` is a promise of the rollback plan (or null);
// when the plan refuses, the operator may tick "discard" (the writes are exported first).
export function confirmAction(o) {
  const dlg = document.getElementById('confirm');
  const prod = o.role === 'production';
  const typed = prod ? h('input', { id: 'confirm-type', autocomplete: 'off', spellcheck: 'false',
    'aria-describedby': 'confirm-type-help' }) : null;
  const go = h('button.danger', { id: 'confirm-go', type: 'submit', disabled: prod }, o.action);
  const cancel = h('button.secondary', { id: 'confirm-cancel', type: 'button', value: 'cancel' }, 'Cancel');
  const planBox = o.plan ? h('div', { id: 'confirm-plan', 'aria-live': 'polite' }, h('p.muted', { text: 'Reading the rollback plan…' })) : null;
  const facts = [
    [o.subject || 'Environment', `${o.env} (${o.role})`],
    o.downtime !== undefined ? ['Downtime', o.downtime] : null,
    ['Cannot be undone', o.undo],
  ].filter(Boolean);
  const form = h('form', { method: 'dialog', id: 'confirm-form' },
    h('h2', { id: 'confirm-title', tabindex: '-1', text: o.title }),
    h('ul.confirm-what', {}, (o.what || []).map((w) => h('li', { text: w }))),
    h('dl.fields', {}, facts.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { 'data-confirm': k.toLowerCase().replace(/ /g, '-'), text: v })])),
    planBox,
    o.extra || null,
    prod ? h('label.confirm-type', {}, h('span', { id: 'confirm-type-help' },
      'This is a production environment. Type its name, ', h('strong', { text: o.env }), ', to go on.'), typed) : null,
    h('div.row.confirm-buttons', {}, cancel, go));
  dlg.replaceChildren(form);
  dlg.setAttribute('aria-labelledby', 'confirm-title');
  const back = document.activeElement;
  let planOk = true, discard = null;
  const check = () => { go.disabled = !(planOk || (discard && discard.checked)) || (prod && typed.value.trim() !== o.env); };
  if (typed) typed.addEventListener('input', check);
  if (o.plan) o.plan.then((p) => {
    planBox.replaceChildren(...planView(p));
    if (p && p.can_roll_back === false) {
      planOk = false;
      discard = h('input', { id: 'confirm-discard', type: 'checkbox', onchange: check });
      planBox.append(h('label.switch', {}, discard, 'Roll back without the writes it cannot carry (they are exported first, then dropped)'));
      check();
    }
  });
  return new Promise((resolve) => {
    let done = false;
    const finish = (ok) => {
      if (done) return;
      done = true;
      if (dlg.open) dlg.close();
      dlg.replaceChildren();
      // back to the control that opened it (re-created by a live re-render meanwhile: by its id)
      const to = back && (back.isConnected ? back : back.id && document.getElementById(back.id));
      if (to) to.focus();
      resolve(ok);
    };
    form.addEventListener('submit', (e) => { e.preventDefault(); if (!go.disabled) finish({ discard: !!(discard && discard.checked) }); });
    cancel.addEventListener('click', () => finish(false));
    dlg.addEventListener('cancel', (e) => { e.preventDefault(); finish(false); }, { once: true });
    dlg.addEventListener('close', () => finish(false), { once: true });
    dlg.showModal();
    (typed || cancel).focus();
  });
}

// What a rollback now would do with the writes made since the swap.
function planView(p) {
  if (!p) return [h('p.muted', { id: 'confirm-plan-none', text: 'The rollback plan is not available on this server: the writes made since the swap are not listed here.' })];
  if (p.error) return [h('p.error-text', { text: `The rollback plan could not be read: ${clean(p.error)}` })];
  const s = p.summary || {};
  const rows = [['Rows written since the swap', s.rows], ['Carried back', s.carried], ['Conflicts', s.conflicts],
    ['Dropped', s.dropped], ['Not mapped', s.unmapped], ['Not captured', s.uncaptured]].filter(([, v]) => typeof v === 'number');
  return [
    h('h3', { text: 'Writes at stake' }),
    rows.length ? h('dl.fields', { id: 'confirm-writes' }, rows.flatMap(([k, v]) => [h('dt', { text: k }), h('dd', { text: String(v) })]))
      : h('p', { id: 'confirm-writes', text: 'No writes since the swap.' }),
    p.can_roll_back === false ? h('p.error-text', { id: 'confirm-refusal', text: `Refused: ${clean(p.refusal || 'the rollback cannot go on')}` }) : null,
  ];
}

// The rollback plan of an environment, or null when the server has no such route.
export function rollbackPlan(env) {
  if (!has('GET', '/api/environments/{env}/upgrade/rollback-plan')) return Promise.resolve(null);
  return api('GET', `/api/environments/${encodeURIComponent(env)}/upgrade/rollback-plan`)
    .catch((e) => ({ error: e.message }));
}

export const downtimeText = (up) => {
  const p = up && up.downtime && up.downtime.predicted_ms;
  return typeof p === 'number' ? `about ${secs(p)} predicted (from the last rehearsal): the original is stopped until the upgraded environment serves`
    : 'not predicted (no rehearsal of this data upgrade yet): the original is stopped until the upgraded environment serves';
};
