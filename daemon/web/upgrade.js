// SPDX-License-Identifier: MIT
// upgrade.js: the upgrade card of an environment, the one place its upgrade is acted on:
// phase, downtime (predicted, a clock while the original is stopped, measured), the
// actions the server's `next` allows now (each disabled one says why in text), and on
// failure a single panel "Failed at step X: reason" with Resume, Rerun step and Rollback
// (or Cancel) and a sentence on what each does. Every destructive action asks first.
import { h, api, act, can, badge, secs, elapsed, clean, showInfo } from './core.js';
import { confirmAction, rollbackPlan, downtimeText } from './confirm.js';

const TERMINAL = ['committed', 'rolled-back', 'cancelled'];
export const upActive = (up) => !!up && !TERMINAL.includes(up.phase);
// The upgrade's latest operation, when it failed or was interrupted.
export function upFailure(up) {
  const ops = (up && up.operations) || [];
  const op = ops[ops.length - 1];
  if (!op || !upActive(up) || !['failed', 'interrupted'].includes(op.state)) return null;
  const step = (op.steps || []).find((s) => s.state === 'failed' || s.state === 'interrupted' || s.name === op.step) || {};
  let reason = step.error || op.error || (op.state === 'interrupted' ? 'the process running it stopped (ferryd restarted or the machine went down)' : 'no reason recorded');
  let sub = ((op.data_upgrade_steps || []).find((s) => s.state === 'failed') || {}).name;
  const m = /^step '([^']+)'(?: \([^)]*\))?: ([\s\S]*)$/.exec(reason);
  if (m) { sub = sub || m[1]; reason = m[2]; }
  reason = clean(reason).replace(/^[\w.-]+: error: /, '');
  return { op, step: step.name || op.step || '?', sub, reason, interrupted: op.state === 'interrupted' };
}

// Why an upgrade action cannot run now, in words (null when it can).
function why(verb, up, allowed, may) {
  if (!may) return 'needs the operator role';
  if (allowed) return null;
  const p = up.phase, waiting = (up.packages || []).some((x) => x.state === 'awaiting-signoff');
  const running = ((up.operations || []).slice(-1)[0] || {}).state === 'running';
  if (running) return 'an operation of this upgrade is running';
  return {
    apply: 'packages are applied before the data upgrade only',
    signoff: 'no applied package waits for a sign-off',
    'rollback-package': 'no applied package to take back',
    data: p === 'prepared' && waiting ? 'sign off the applied package first' : p === 'prepared' ? 'not available now' : 'the data upgrade has run',
    commit: 'available once the data upgrade has run',
    rollback: p === 'prepared' ? 'nothing to roll back before the data upgrade: Cancel instead (Maintain)' : 'not available now',
  }[verb] || `not in phase ${p}`;
}

export function upgradeCard(env, up, v) {
  const enc = encodeURIComponent(env.name), next = (up.next || []).join('\n') + '\n', may = can('operator', env.project);
  const allows = (verb) => new RegExp(`ferry upgrade ${verb}( |\\n)`).test(next);
  const fail = upFailure(up);
  const post = (path, label, body) => act(() => api('POST', `/api/environments/${enc}/upgrade/${path}`, body))
    .then((r) => { if (r) { showInfo(`${label} started on ${env.name}.`, r.activity_id); v.load(); } });
  const ask = (verb) => CONFIRM[verb] ? confirmAction(CONFIRM[verb](env, up)) : Promise.resolve(true);
  const action = (id, label, verb, path, cls, panel) => {
    const reason = why(verb, up, allows(verb), may);
    return h('div.action', {},
      h('button' + (cls || '.secondary'), { id, disabled: !!reason, 'aria-describedby': reason ? `${id}-why` : null,
        onclick: async () => {
          if (panel) return v.openPanel(panel);
          const yes = await ask(verb);
          if (yes) post(path, label, verb === 'rollback' && yes.discard ? { writes: 'discard' } : undefined);
        } }, label),
      reason ? h('span.why', { id: `${id}-why`, text: reason }) : null);
  };
  const dt = up.downtime || {};
  const clock = dt.started && !dt.ended
    ? h('span', { id: 'downtime-clock' }, 'original stopped for ', elapsed(dt.started, 0), ' (clock running)')
    : null;
  const measured = typeof dt.measured_ms === 'number'
    ? h('span', { id: 'downtime-measured', title: 'as ferry upgrade status and docs/UPGRADE.md measure it' },
      `measured ${secs(dt.measured_ms)}`) : null;
  const phaseBadge = fail ? badge(`${up.phase} · failed`, 'failed') : badge(up.phase);
  const running = (up.operations || []).slice(-1)[0];
  const runLine = running && running.state === 'running' && upActive(up)
    ? h('p.muted', { id: 'upgrade-running' }, `${running.kind} is running`, running.step ? ` (step ${running.step})` : '') : null;
  return h('section.card', { id: 'upgrade-status', 'data-phase': up.phase, 'aria-labelledby': 'upgrade-title' },
    h('div.head', {}, h('h2', { id: 'upgrade-title', tabindex: '-1' },
      `Upgrade ${up.from ? up.from + ' → ' : ''}${up.to_release || up.to || ''}${up.to_platform ? ' / ' + up.to_platform : ''}`, ' ', phaseBadge)),
    h('p.downtime', { id: 'downtime' }, 'Downtime: ',
      `predicted ${typeof dt.predicted_ms === 'number' ? secs(dt.predicted_ms) : '– (no rehearsal)'}`,
      clock ? ' · ' : null, clock, measured ? ' · ' : null, measured,
      measured ? h('span.muted.small', { text: ' (from stopping the original until the upgraded environment passed its DVT on the original\'s address; time spent failed in between counts: the original was down all along)' }) : null),
    runLine,
    fail ? failurePanel(env, up, fail, v, may, allows)
      : upActive(up) ? h('div.actions', { id: 'upgrade-actions' }, [
        action('up-apply', 'Apply package', 'apply', null, '', 'upgrade-apply'),
        action('up-signoff', 'Sign off', 'signoff', 'signoff', ''),
        action('up-rollback-package', 'Rollback package', 'rollback-package', 'rollback-package'),
        action('up-data', 'Data upgrade', 'data', 'data', ''),
        action('up-commit', 'Commit', 'commit', 'commit', ''),
        action('up-rollback', 'Rollback', 'rollback', 'rollback', '.danger'),
      // what can be done now first, then what cannot yet, each with its reason
      ].sort((a, b) => a.querySelector('button').disabled - b.querySelector('button').disabled)) : null);
}

// The one failure panel: the step, the reason, and what each way on does.
function failurePanel(env, up, f, v, may, allows) {
  const enc = encodeURIComponent(env.name), opEnc = encodeURIComponent(f.op.activity_id);
  const where = f.sub ? `${f.step} (${f.sub})` : f.step;
  const before = !['data-upgrading', 'data-upgraded', 'rolling-back'].includes(up.phase);
  const run = (label, fn) => act(fn).then((r) => { if (r) { showInfo(`${label} started on ${env.name}.`, r.activity_id || f.op.activity_id); v.load(); } });
  const choice = (id, label, cls, ok, sentence, fn) => h('div.choice', {},
    h('button' + cls, { id, disabled: !(may && ok), 'aria-describedby': `${id}-what`, onclick: fn }, label),
    h('span.what', { id: `${id}-what`, text: may ? sentence : `${sentence} (needs the operator role)` }));
  return h('div.failure', { id: 'failure', role: 'group', 'aria-labelledby': 'failure-title' },
    h('h3', { id: 'failure-title', tabindex: '-1' }, `${f.interrupted ? 'Interrupted' : 'Failed'} at step ${where}: `, h('span', { id: 'failure-reason', text: f.reason })),
    h('p.muted.small', {}, `${f.op.kind} · `, h('a', { href: `#/operations/${opEnc}`, text: 'steps and log' })),
    choice('fail-resume', 'Resume', '', allows('resume'),
      `Runs ${f.op.kind} again from step ${where}; the steps that succeeded are not repeated. Fix the cause first.`,
      () => run('Resume', () => api('POST', `/api/environments/${enc}/upgrade/resume`))),
    choice('fail-rerun', 'Rerun step', '.secondary', true,
      `Marks step ${f.step} as not run and runs it again from its start, then the steps after it.`,
      () => run('Rerun step', () => api('POST', `/api/operations/${opEnc}/rerun-step`, { step: f.step }))),
    before
      ? choice('fail-cancel', 'Cancel upgrade', '.danger', allows('cancel'),
        'Gives the upgrade up: the upgrade-in-progress environment is deleted, the original never stopped.',
        async () => { if (await confirmAction(CONFIRM.cancel(env, up))) run('Cancel', () => api('DELETE', `/api/environments/${enc}/upgrade`)); })
      : choice('fail-rollback', 'Rollback', '.danger', allows('rollback'),
        'Ends the upgrade: the original comes back from its restore point and serves again; writes made since the swap are carried back where the rollback plan can.',
        async () => {
          const yes = await confirmAction(CONFIRM.rollback(env, up));
          if (yes) run('Rollback', () => api('POST', `/api/environments/${enc}/upgrade/rollback`, yes.discard ? { writes: 'discard' } : undefined));
        }));
}

// What each destructive upgrade action says before it runs.
export const CONFIRM = {
  data: (env, up) => ({ title: `Run the data upgrade of ${env.name}?`, action: 'Run the data upgrade', env: env.name, role: env.role,
    downtime: downtimeText(up),
    what: ['The original is stopped and a restore point of its database is taken.',
      `Its data is upgraded to ${up.to_release || up.to} and the upgraded environment takes over its address.`],
    undo: 'From here the upgrade cannot be cancelled, only committed or rolled back; writes made after the swap are at stake in a rollback.' }),
  commit: (env, up) => ({ title: `Commit the upgrade of ${env.name}?`, action: 'Commit', env: env.name, role: env.role,
    downtime: 'none: the upgraded environment keeps serving',
    what: [`${env.name} stays on ${up.to_release || up.to}.`, 'The original environment and its restore point are deleted.'],
    undo: 'After the commit there is no rollback to the original.' }),
  rollback: (env, up) => ({ title: `Roll back the upgrade of ${env.name}?`, action: 'Roll back', env: env.name, role: env.role,
    downtime: 'the upgraded environment is stopped until the original serves again from its restore point',
    what: [`${env.name} returns to ${(up.from || '').split('/')[0] || 'its original release'}.`, 'The upgraded environment is removed.'],
    undo: 'The upgraded data is discarded; writes since the swap that the plan cannot carry back are exported, not kept.',
    plan: rollbackPlan(env.name) }),
  cancel: (env, up) => ({ title: `Cancel the upgrade of ${env.name}?`, action: 'Cancel the upgrade', env: env.name, role: env.role,
    downtime: 'none: the original keeps serving',
    what: ['The upgrade-in-progress environment and its database are deleted.', 'Packages applied to it are lost.'],
    undo: `The preparation of ${up ? up.to_release || up.to || 'the upgrade' : 'the upgrade'} is lost; a new upgrade starts over.` }),
  'rollback-package': (env) => ({ title: `Roll back the package applied to the upgrade of ${env.name}?`, action: 'Rollback package', env: env.name, role: env.role,
    downtime: 'none for the original; the upgrade-in-progress environment restarts',
    what: ['The upgrade-in-progress environment returns to the release before the package.'],
    undo: 'The package must be applied and signed off again to get it back.' }),
};
