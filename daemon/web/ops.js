// SPDX-License-Identifier: MIT
// ops.js: operations in the web UI: a step timeline with live elapsed counters, the
// history of an environment (kind, state, duration, actor), and the operation page with
// every step, its attempts, rerun-step / complete-step / resume / abort where the engine
// allows, and its log, streamed while it runs.
import { h, api, act, can, badge, when, secs, elapsed, clean, table, rerender, setMain, showInfo } from './core.js';
import { confirmAction } from './confirm.js';

const opLink = (op, text) => h('a', { href: `#/operations/${encodeURIComponent(op.activity_id)}`, text: text || op.kind });
const duration = (o) => o.state === 'running' && o.started ? elapsed(o.started, 0) : secs(o.duration_ms);

// A step's time: a running counter while it runs, its total once done.
function stepTime(s) {
  if (s.state === 'skipped') return '';
  const att = s.attempts > 1 ? ` · ${s.attempts} attempts` : '';
  if (s.state === 'running' && s.started) return h('span', {}, elapsed(s.started, 0, { 'data-running': s.name }), att);
  return `${secs(s.duration_ms || 0)}${att}`;
}
export function timeline(op, id) {
  return h('ol.timeline', { id: id || 'timeline' }, (op.steps || []).map((s) =>
    h('li.' + s.state, { 'data-step': s.name, 'data-state': s.state }, h('span.dot', { 'aria-hidden': 'true' }),
      h('span', {}, h('strong', { text: s.name }), ' ', h('span.muted', { text: s.state }),
        s.progress ? h('span.muted', { text: ` ${s.progress}` }) : null, s.error ? h('span.error-text', { text: ` ${clean(s.error)}` }) : null),
      h('span.muted', {}, stepTime(s)))));
}

// What the server says the caller may do with the operation now (GET /api/operations/{op}
// "actions", by the rules its action routes apply); nothing while a step runs.
export const allows = (op, action) => op.state !== 'running' && !op.queued && (op.actions || []).includes(action);

// The latest operation of an environment. Upgrade operations are acted on in the
// upgrade card only; others (package apply, refresh, selftest) carry their actions here.
export function opPanel(op, env, reload, upgradeOwns) {
  if (!op) return h('p.muted', { id: 'timeline-empty', text: 'No operations yet on this environment.' });
  const st = op.state, enc = encodeURIComponent(op.activity_id), may = can('operator', env.project);
  const waiting = (op.steps || []).find((s) => s.state === 'pending' && s.manual && s.name === op.step);
  const signoff = st === 'awaiting-signoff';
  const run = (fn) => act(fn).then(reload);
  const btn = (id, label, ok, why, fn, cls) => h('div.action', {},
    h('button' + (cls || '.secondary'), { id, disabled: !(ok && may), 'aria-describedby': ok && may ? null : `${id}-why`, onclick: fn }, label),
    ok && may ? null : h('span.why', { id: `${id}-why`, text: may ? why : 'needs the operator role' }));
  const actions = upgradeOwns ? h('p.muted.small', { id: 'op-owned', text: 'This operation belongs to the upgrade: act on it in the upgrade card above.' })
    : h('div.actions', {},
      btn('op-resume', 'Resume', ['failed', 'interrupted', 'pending'].includes(st) && !op.queued, `only a failed or interrupted operation resumes (this one is ${st})`,
        () => run(() => api('POST', `/api/operations/${enc}/resume`))),
      btn('op-confirm', signoff ? 'Sign off' : 'Confirm step', !!waiting && !op.queued, 'no manual step waits for a confirmation',
        () => run(() => api('POST', `/api/operations/${enc}/complete-step`, { step: waiting.name })), ''),
      // Abort only where the server allows it (its "actions": the state, the kind, the role)
      allows(op, 'abort') ? h('div.action', {}, h('button.danger', { id: 'op-abort',
        onclick: async () => { if (await confirmAction(abortConfirm(op, env))) run(() => api('POST', `/api/operations/${enc}/abort`)); } }, 'Abort')) : null);
  return h('div', { id: 'operation', 'data-state': st },
    h('div.head', {}, h('div', {}, h('strong', {}, opLink(op)), ' ', badge(st), ' ',
      h('code.muted.id', { id: 'op-activity', text: op.activity_id }))),
    actions,
    // an upgrade's failure is told once, in the failure panel of the upgrade card
    op.error && !upgradeOwns ? h('p.error-text', { text: clean(op.error) }) : null,
    timeline(upgradeOwns ? { ...op, steps: (op.steps || []).map((x) => ({ ...x, error: '' })) } : op));
}

export const abortConfirm = (op, env) => ({ title: `Abort ${op.kind} on ${env.name}?`, action: 'Abort', env: env.name, role: env.role,
  downtime: 'as long as its clean-up takes', what: [`The clean-up of ${op.kind} runs and the operation ends as aborted.`],
  undo: 'An aborted operation cannot be resumed; it has to be started again.' });

export function historyTable(rows) {
  return table([
    { title: 'Operation', cell: (o) => opLink(o) },
    { title: 'State', cell: (o) => badge(o.state) },
    { title: 'Started', cls: 'hide-narrow', cell: (o) => when(o.started || o.created) },
    { title: 'Duration', cell: (o) => duration(o) },
    { title: 'Actor', cls: 'hide-narrow', cell: (o) => o.actor },
  ], rows, 'No operations yet.', 'Operation history');
}

// #/operations/ID: one operation with its steps, attempts and log.
export function operationView(id) {
  const enc = encodeURIComponent(id);
  const head = h('div'), steps = h('div.card'), logBox = h('pre.log', { id: 'op-log', tabindex: '0', role: 'region', 'aria-label': 'Operation log' });
  setMain(head, h('h2', { text: 'Steps' }), steps, h('h2', { text: 'Log' }), logBox);
  let op = null, logTimer = null;
  const reload = () => v.load();
  const loadLog = async () => {
    const r = await api('GET', `/api/operations/${enc}/log`);
    logBox.textContent = clean(r.log || '') || '(no log yet)';
  };
  const v = {
    async load() {
      op = await api('GET', `/api/operations/${enc}`);
      const env = op.env ? await api('GET', `/api/environments/${encodeURIComponent(op.env)}`).catch(() => ({ name: op.env, role: '?', project: op.project }))
        : { name: '–', role: '?', project: op.project };
      const may = can('operator', op.project), st = op.state, busy = st === 'running' || op.queued;
      const waiting = (op.steps || []).find((s) => s.state === 'pending' && s.manual && s.name === op.step);
      const run = (label, fn) => act(fn).then((r) => { if (r) { showInfo(`${label}: ${op.kind} continues.`, op.activity_id); reload(); } });
      rerender(head, [
        h('h1', {}, op.env ? h('a', { href: `#/environments/${encodeURIComponent(op.env)}`, text: op.env }) : null, op.env ? ' / ' : null,
          op.kind, ' ', badge(st)),
        h('dl.fields.card', { id: 'op-fields' }, [['Activity ID', h('code.id', { text: op.activity_id })], ['Actor', op.actor],
          ['Created', when(op.created)], ['Started', when(op.started)], ['Ended', when(op.ended)], ['Duration', duration(op)],
          ['Error', op.error ? clean(op.error) : '–']].flatMap(([k, val]) => [h('dt', { text: k }), h('dd', {}, val ?? '–')])),
        // an upgrade's operations are acted on in the upgrade card of their environment
        op.kind.startsWith('upgrade.') && op.env ? h('p.muted', { id: 'opv-owned' }, 'Resume, rerun or roll back this upgrade from ',
          h('a', { href: `#/environments/${encodeURIComponent(op.env)}`, text: `the upgrade card of ${op.env}` }), '.')
        : may && !busy ? h('div.actions', {},
          ['failed', 'interrupted', 'pending'].includes(st) ? h('button', { id: 'opv-resume', onclick: () => run('Resume', () => api('POST', `/api/operations/${enc}/resume`)) }, 'Resume') : null,
          waiting ? h('button', { id: 'opv-confirm', onclick: () => run('Confirmed', () => api('POST', `/api/operations/${enc}/complete-step`, { step: waiting.name })) }, `Confirm ${waiting.name}`) : null) : null,
      ]);
      const rerunnable = may && !busy && !op.kind.startsWith('upgrade.') && !['succeeded', 'aborted', 'rolled-back', 'cancelled', 'committed'].includes(st);
      rerender(steps, table([
        { title: 'Step', cell: (s) => h('strong', { text: s.name }) },
        { title: 'State', cell: (s) => badge(s.state) },
        { title: 'Attempts', cell: (s) => String(s.attempts || 0) },
        { title: 'Time', cell: (s) => stepTime(s) },
        { title: 'Started', cls: 'hide-narrow', cell: (s) => when(s.started) },
        { title: 'Error', cls: 'wrap', cell: (s) => s.error ? h('span.error-text', { text: clean(s.error) }) : '' },
        { title: '', label: 'Actions', cell: (s) => rerunnable && s.attempts > 0 && s.state !== 'skipped'
          ? h('button.secondary', { 'data-rerun': s.name, 'aria-label': `Rerun step ${s.name}`,
            onclick: () => run(`Rerun ${s.name}`, () => api('POST', `/api/operations/${enc}/rerun-step`, { step: s.name })) }, 'Rerun') : '' },
      ], (op.steps || []).map((s) => ({ ...s, id: s.name })), 'No steps.', 'Steps'));
      await loadLog();
    },
    // Step events: the log grows while a step runs; a finished step reloads the page.
    onEvent(ev) {
      if (ev.activity_id !== id) return ev.type !== 'change';
      if (ev.event === 'step-log' && ev.message) { logBox.textContent += `${clean(ev.message)}\n`; return true; }
      if (ev.event === 'step-progress') return true;
      clearTimeout(logTimer);
      return false;
    },
  };
  return v;
}
