// SPDX-License-Identifier: MIT
// env.js: the environment page: its header (state badge, original / upgrade-in-progress
// toggle, the Maintain menu), the panels the menu opens, the upgrade card (upgrade.js),
// the fields of the side shown, the latest operation and the operation history.
import { S, h, $, api, act, has, can, badge, when, field, rerender, focusInto, setMain, showError, showInfo } from './core.js';
import { upgradeCard, upActive, upFailure, CONFIRM } from './upgrade.js';
import { opPanel, historyTable } from './ops.js';
import { confirmAction } from './confirm.js';

// The Maintain menu: each action is enabled only when the server offers it, the token
// may do it and the environment's state allows it; otherwise it says why, in text.
function maintainActions(env, up, v) {
  const st = env.state, active = upActive(up);
  const next = (up && up.next) || [];
  const A = [
    { id: 'apply-updates', label: 'Apply updates', method: 'POST', path: '/api/environments/{env}/updates',
      ok: st === 'deployed', why: `not while ${st}`, panel: 'apply' },
    { id: 'upgrade', label: 'Upgrade', method: 'POST', path: '/api/environments/{env}/upgrade',
      ok: st === 'deployed' && env.role !== 'development' && !active,
      why: env.role === 'development' ? 'development environments are redeployed, not upgraded' : active ? 'an upgrade is in progress' : `not while ${st}`, panel: 'upgrade' },
    { id: 'cancel-upgrade', label: 'Cancel upgrade', method: 'DELETE', path: '/api/environments/{env}/upgrade',
      ok: active && next.some((n) => / cancel /.test(n + ' ')), why: active ? 'too late: the data upgrade ran (roll back instead)' : 'no upgrade in progress',
      confirm: () => CONFIRM.cancel(env, up) },
    { id: 'db-refresh', label: 'Database refresh', method: 'POST', path: '/api/environments/{env}/refresh',
      ok: env.role === 'sandbox' && st === 'deployed', why: env.role !== 'sandbox' ? 'only sandbox environments are refreshed' : `not while ${st}`, panel: 'refresh' },
    { id: 'db-copy', label: 'Copy a database', method: 'POST', path: '/api/environments/{env}/copy',
      ok: env.role === 'development' && ['deployed', 'stopped'].includes(st), why: env.role !== 'development' ? 'only into development environments (sandboxes are refreshed)' : `not while ${st}`, panel: 'copy' },
    { id: 'rehearse', label: 'Rehearse data upgrade', method: 'POST', path: '/api/environments/{env}/data-upgrade',
      ok: env.role === 'development' && ['deployed', 'stopped'].includes(st), why: env.role !== 'development' ? 'rehearsals run on development environments' : `not while ${st}`,
      confirm: () => ({ title: `Rehearse the data upgrade on ${env.name}?`, action: 'Rehearse', env: env.name, role: env.role,
        downtime: `${env.name} is stopped while the data upgrade runs`,
        what: [`The data-upgrade package for ${env.app_release} runs on ${env.name}'s database (copy one from production first).`, 'Its step timings predict the downtime of the upgrades to come.'],
        undo: `${env.name}'s database is upgraded in place.` }) },
    { id: 'rt-restart', label: 'Restart', method: 'POST', path: '/api/environments/{env}/restart',
      ok: env.runtime === 'running' && !active, why: active ? 'the upgrade decides when it runs' : 'it is not running',
      confirm: () => ({ title: `Restart ${env.name}?`, action: 'Restart', env: env.name, role: env.role, downtime: 'a few seconds while it restarts',
        what: ['The application is stopped and started again; requests in flight fail.'], undo: 'Requests in flight are lost.' }) },
    { id: 'rt-stop', label: 'Stop', method: 'POST', path: '/api/environments/{env}/stop',
      ok: env.runtime === 'running' && !active, why: active ? 'the upgrade decides when it runs' : 'it is not running',
      confirm: () => ({ title: `Stop ${env.name}?`, action: 'Stop', env: env.name, role: env.role, downtime: 'until it is started again',
        what: ['The application stops serving.'], undo: 'Requests in flight are lost.' }) },
    { id: 'rt-start', label: 'Start', method: 'POST', path: '/api/environments/{env}/start',
      ok: !!env.release && env.runtime !== 'running' && !active, why: !env.release ? 'nothing is deployed' : active ? 'the upgrade decides when it runs' : 'it is running' },
  ];
  return A.map((a) => {
    let why = null;
    if (!has(a.method, a.path)) why = 'not available on this server yet';
    else if (!can('operator', env.project)) why = 'needs the operator role';
    else if (!a.ok) why = a.why;
    // Disabled items stay reachable with the arrows (aria-disabled) so their reason is read.
    return h('button', { id: a.id, role: 'menuitem', 'aria-disabled': why ? 'true' : null, tabindex: '-1', 'aria-describedby': why ? `${a.id}-why` : null, onclick: async () => {
      if (why) return;
      if (a.panel) { v.openPanel(a.panel); return; }
      v.closeMenu(true);
      if (a.confirm && !(await confirmAction(a.confirm()))) return;
      const r = await act(() => api(a.method, a.path.replace('{env}', encodeURIComponent(env.name))));
      if (r) { showInfo(r.activity_id ? `${a.label} started on ${env.name}.` : `${a.label}: done on ${env.name}.`, r.activity_id); v.load(); }
    } }, a.label, why ? h('span.why', { id: `${a.id}-why`, text: why }) : null);
  });
}

// Keys of a menu: arrows move among enabled items, Home/End, Escape closes it.
function menuKeys(e, v) {
  const items = [...document.querySelectorAll('#maintain-menu [role=menuitem]')];
  const i = items.indexOf(document.activeElement);
  const to = (k) => { if (items.length) items[(k + items.length) % items.length].focus(); };
  if (e.key === 'ArrowDown') to(i + 1);
  else if (e.key === 'ArrowUp') to(i < 0 ? -1 : i - 1);
  else if (e.key === 'Home') to(0);
  else if (e.key === 'End') to(-1);
  else if (e.key === 'Escape') v.closeMenu(true);
  else if (e.key === 'Tab') { v.closeMenu(false); return; }
  else return;
  e.preventDefault();
}

// Panels the Maintain menu opens: what to apply, which target (with its preflight), refresh from where.
async function panelView(kind, env, up, v) {
  const enc = encodeURIComponent(env.name), close = h('button.secondary', { id: 'panel-close', type: 'button', onclick: () => v.openPanel(null) }, 'Close');
  const go = async (method, path, body, label) => {
    const r = await act(() => api(method, path, body));
    if (r) { v.openPanel(null); showInfo(`${label} started on ${env.name}.`, r.activity_id); v.load(); }
  };
  const card = (id, title, onsubmit, ...kids) => h('form.card', { id, 'aria-labelledby': `${id}-title`, onsubmit: (e) => { e.preventDefault(); onsubmit(); },
    onkeydown: (e) => { if (e.key === 'Escape') { e.preventDefault(); v.openPanel(null); } } },
  h('h2', { id: `${id}-title`, tabindex: '-1', text: title }), ...kids);
  if (kind === 'upgrade') {
    const targets = await api('GET', `/api/environments/${enc}/upgrade/targets`);
    const sel = h('select', { id: 'upgrade-target' }, targets.map((t) => h('option', { value: t.target, disabled: t.self_service === false,
      text: `${t.target} · ${t.kind}${t.name ? ' · ' + t.name : ''}${t.self_service === false ? ' (not self-service)' : ''}` })));
    const first = targets.find((t) => t.self_service !== false);
    if (first) sel.value = first.target;
    const checks = h('div', { id: 'preflight', 'aria-live': 'polite' });
    const pre = async () => {
      if (!sel.value || !has('GET', '/api/environments/{env}/upgrade/preflight')) return;
      checks.replaceChildren(h('p.muted', { text: 'Checking…' }));
      try {
        const r = await api('GET', `/api/environments/${enc}/upgrade/preflight?to=${encodeURIComponent(sel.value)}`);
        checks.replaceChildren(h('h3', { text: 'Preflight' }), h('ul.checks', {}, (r.checks || []).map((c) => h('li', { 'data-check': c.check, class: c.ok ? 'ok' : c.severity },
          h('span.mark', { text: c.ok ? '✓ ' : c.severity === 'warning' ? '! ' : '✗ ' }), h('strong', { text: c.check === 'rehearsal' ? 'rehearsal' : c.check }), `: ${c.message}`))));
      } catch (e) { checks.replaceChildren(h('p.error-text', { text: `Preflight: ${e.message}` })); }
    };
    sel.addEventListener('change', pre);
    pre();
    return card('upgrade-panel', `Upgrade ${env.name}`, () => go('POST', `/api/environments/${enc}/upgrade`, { to: sel.value }, 'Upgrade'),
      h('p.muted', { text: `From ${env.app_release} / ${env.platform}. Pick the target combination (application release / platform update); the original keeps serving while the upgrade-in-progress environment is prepared.` }),
      first ? null : h('p.why', { id: 'upgrade-begin-why', text: 'No target is self-service for this environment: ask for one in the release catalog.' }),
      h('div.row', {}, field('Target', sel), h('button', { type: 'submit', id: 'upgrade-begin', disabled: !first, 'aria-describedby': first ? null : 'upgrade-begin-why' }, 'Begin upgrade'), close), checks);
  }
  if (kind === 'apply' || kind === 'upgrade-apply') {
    const assets = (await api('GET', `/api/assets?project=${encodeURIComponent(env.project)}`)).filter((a) => a.type !== 'data-upgrade' && a.type !== 'application');
    const sel = h('select', { id: 'apply-package' }, assets.map((a) => h('option', { value: a.sha256, text: `${a.name} ${a.version} (${a.type})` })));
    const path = kind === 'apply' ? `/api/environments/${enc}/updates` : `/api/environments/${enc}/upgrade/apply`;
    return card('apply-panel', kind === 'apply' ? `Apply updates to ${env.name}` : `Apply a package to the upgrade of ${env.name}`,
      () => go('POST', path, { package: sel.value }, 'Apply'),
      assets.length ? null : h('p.why', { id: 'apply-go-why', text: 'The asset library has no package to apply: upload one on the project page first.' }),
      h('div.row', {}, field('Package', sel), h('button', { type: 'submit', id: 'apply-go', disabled: !assets.length }, 'Apply'), close));
  }
  if (kind === 'copy') {
    const envs = (await api('GET', `/api/environments?project=${encodeURIComponent(env.project)}`)).filter((e) => e.name !== env.name);
    const sel = h('select', { id: 'copy-from' }, envs.map((e) => h('option', { value: e.name, text: `${e.name} (${e.role}, ${e.app_release})` })));
    const prod = envs.find((e) => e.role === 'production');
    if (prod) sel.value = prod.name;
    return card('copy-panel', `Copy a database into ${env.name}`, async () => {
      const ok = await confirmAction({ title: `Replace the database of ${env.name}?`, action: 'Copy the database', env: env.name, role: env.role,
        downtime: `${env.name} is stopped during the copy`, what: [`The database of ${env.name} is replaced by a copy of ${sel.value}'s, across releases (then rehearse the data upgrade on it).`],
        undo: `Everything in ${env.name}'s database now is lost.` });
      if (ok) go('POST', `/api/environments/${enc}/copy`, { from: sel.value }, 'Database copy');
    },
    h('p.muted', { text: 'A consistent snapshot of the source, taken while it serves. The first step of a rehearsal: copy production, then Rehearse data upgrade.' }),
    h('div.row', {}, field('From', sel), h('button', { type: 'submit', id: 'copy-go', disabled: !envs.length }, 'Copy'), close));
  }
  if (kind === 'refresh') {
    const envs = (await api('GET', `/api/environments?project=${encodeURIComponent(env.project)}`)).filter((e) => e.name !== env.name && e.app_release === env.app_release);
    const sel = h('select', { id: 'refresh-from' }, envs.map((e) => h('option', { value: e.name, text: `${e.name} (${e.role})` })));
    const prod = envs.find((e) => e.role === 'production');
    if (prod) sel.value = prod.name;
    return card('refresh-panel', `Refresh the database of ${env.name}`, async () => {
      const ok = await confirmAction({ title: `Replace the database of ${env.name}?`, action: 'Refresh the database', env: env.name, role: env.role,
        downtime: `${env.name} is stopped during the copy`, what: [`The database of ${env.name} is replaced by a copy of ${sel.value}'s (scrubbed when it comes from production).`],
        undo: `Every change made in ${env.name}'s database since its last refresh is lost.` });
      if (ok) go('POST', `/api/environments/${enc}/refresh`, { from: sel.value }, 'Database refresh');
    },
    h('p.muted', { text: 'A consistent snapshot of the source, taken while it serves; scrubbed when it comes from production. This environment is stopped during the copy.' }),
    envs.length ? null : h('p.why', { id: 'refresh-go-why', text: `No other environment of ${env.project} is on ${env.app_release}: a refresh copies from the same release only.` }),
    h('div.row', {}, field('From', sel), h('button', { type: 'submit', id: 'refresh-go', disabled: !envs.length, 'aria-describedby': envs.length ? null : 'refresh-go-why' }, 'Refresh'), close));
  }
  return null;
}

// The fields of the side shown. The original's address and runtime come from the upgrade
// status while an upgrade runs (the environment's record may already point at the upgrade).
function fieldsOf(side, e, shown, up) {
  const orig = up && upActive(up) && up.original;
  const rows = side === 'upgrade'
    ? [['View', 'upgrade in progress'], ['Type', e.role], ['State', up ? `upgrade ${up.phase}` : '–'], ['Runtime', shown.state],
      ['Product', e.product], ['Application', shown.app_release], ['Platform', shown.platform], ['Address', shown.url],
      ['Release', shown.release], ['Created', when(up && up.created)], ['Updated', when(up && up.updated)]]
    : [['View', up && upActive(up) ? 'original' : 'environment'], ['Type', e.role], ['State', e.state], ['Runtime', orig ? orig.state : e.runtime],
      ['Product', e.product], ['Application', e.app_release], ['Platform', e.platform],
      ['Address', orig ? `${orig.url}${orig.state !== 'running' ? ' (stopped)' : ''}` : e.url], ['Release', e.release],
      ['Created', when(e.created)], ['Updated', when(e.updated)]];
  return h('dl.fields', { id: 'env-fields', 'data-view': side },
    rows.flatMap(([k, val]) => [h('dt', { text: k }), h('dd', { 'data-field': k.toLowerCase() }, val ?? '–')]));
}

export function envView(name) {
  const head = h('div'), panel = h('div'), upbox = h('div'), fields = h('section.card', { 'aria-label': 'Fields' });
  const ops = h('section.card', { 'aria-labelledby': 'ops-title' }), hist = h('div');
  let open = false, side = 'original', env = null, up = null, op = null, history = [];
  setMain(head, panel, upbox, fields, h('h2', { id: 'ops-title', text: 'Latest operation' }), ops, h('h2', { text: 'Operation history' }), hist);
  const enc = encodeURIComponent(name);
  // Operations of an upgrade in progress (its own and packages applied to it) are acted on in the upgrade card.
  const owned = () => !!op && upActive(up) && (op.kind.startsWith('upgrade.') || (up.packages || []).some((p) => p.activity_id === op.activity_id));
  const renderOp = () => rerender(ops, opPanel(op, env, () => v.load(), owned()), ops);
  const v = {
    closeMenu(refocus) {
      open = false;
      const m = $('#maintain-menu'), b = $('#maintain');
      if (m) m.hidden = true;
      if (b) b.setAttribute('aria-expanded', 'false');
      if (refocus && b) b.focus();
    },
    openMenu(focusLast) {
      open = true;
      $('#maintain-menu').hidden = false;
      $('#maintain').setAttribute('aria-expanded', 'true');
      const items = [...document.querySelectorAll('#maintain-menu [role=menuitem]')];
      (items.length ? items[focusLast ? items.length - 1 : 0] : $('#maintain-menu')).focus();
    },
    async openPanel(kind) {
      v.closeMenu(false);
      panel.replaceChildren();
      if (!kind) { const b = $('#maintain'); if (b) b.focus(); return; }
      try { const p = await panelView(kind, env, up, v); if (p) { panel.replaceChildren(p); focusInto(p); } } catch (e) { showError(e); }
    },
    async load() {
      const [e, list] = await Promise.all([api('GET', `/api/environments/${enc}?view=original`),
        has('GET', '/api/operations') ? api('GET', `/api/operations?env=${enc}&limit=20`) : []]);
      env = e; history = list;
      // Only an environment that has or had an upgrade is asked for one (no 404 otherwise).
      const upgraded = !!e.upgrade || list.some((o) => o.kind.startsWith('upgrade.'));
      up = upgraded && has('GET', '/api/environments/{env}/upgrade') ? await api('GET', `/api/environments/${enc}/upgrade`).catch(() => null) : null;
      const active = upActive(up) || !!e.upgrade;
      if (!active && side === 'upgrade') side = 'original';
      op = list.length ? await api('GET', `/api/operations/${encodeURIComponent(list[0].activity_id)}`) : null;
      const fail = upFailure(up);
      const menu = h('div.menu-list', { id: 'maintain-menu', role: 'menu', 'aria-labelledby': 'maintain', hidden: !open, tabindex: '-1',
        onkeydown: (ev) => menuKeys(ev, v) }, maintainActions(e, up, v));
      const toggle = active ? h('div.toggle', { id: 'view-toggle', role: 'group', 'aria-label': 'Side shown' },
        ['original', 'upgrade'].map((k) => h('button', { id: `view-${k}`, type: 'button', 'aria-pressed': String(side === k),
          onclick: () => { side = k; v.load(); } }, k === 'original' ? 'Original' : 'Upgrade in progress'))) : null;
      rerender(head, h('div.head', {},
        h('h1', {}, h('a', { href: `#/projects/${encodeURIComponent(e.project)}`, text: e.project }), ' / ', e.name, ' ',
          fail ? badge('upgrade failed', 'failed') : badge(e.state)),
        h('div.row', {}, toggle, h('div.menu', {}, h('button.secondary', { id: 'maintain', type: 'button', 'aria-haspopup': 'menu',
          'aria-controls': 'maintain-menu', 'aria-expanded': String(open),
          onclick: () => (open ? v.closeMenu(true) : v.openMenu(false)),
          onkeydown: (ev) => { if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') { ev.preventDefault(); v.openMenu(ev.key === 'ArrowUp'); } } }, 'Maintain ▾'), menu))), head);
      rerender(upbox, up && (active || up.phase) ? upgradeCard(e, up, v) : null, head);
      let shown = e;
      if (side === 'upgrade') shown = await api('GET', `/api/environments/${enc}?view=upgrade`).catch(() => e);
      rerender(fields, fieldsOf(side, e, shown, up), head);
      renderOp();
      rerender(hist, historyTable(history));
    },
    // Step events update the timeline in place; operation events reload the page.
    onEvent(ev) {
      if (ev.env !== name || (ev.type !== 'step' && ev.type !== 'operation')) return ev.type !== 'change' && ev.env !== name;
      if (ev.type === 'operation' || !op || op.activity_id !== ev.activity_id) return false;
      const s = (op.steps || []).find((x) => x.name === ev.step);
      if (!s) return ev.event === 'step-log';
      if (ev.event === 'step-log') return true;
      if (ev.event === 'step-started') { s.state = 'running'; op.state = 'running'; s.started = new Date().toISOString(); s.attempts = ev.attempt || s.attempts; }
      if (ev.event === 'step-progress' && ev.total) s.progress = `${ev.done}/${ev.total}`;
      if (ev.event === 'step-finished') { s.state = ev.state; s.duration_ms = (s.duration_ms || 0) + (ev.elapsed_ms || 0); delete s.progress; }
      renderOp();
      // a finished step of an upgrade moves its card too (the downtime clock starts at stop-original)
      return !(ev.event === 'step-finished' && owned());
    },
  };
  // A click outside the open menu closes it.
  document.addEventListener('click', (ev) => { if (S.view === v && open && !ev.target.closest('.menu')) v.closeMenu(false); });
  return v;
}
