// SPDX-License-Identifier: MIT
// app.js: ferry's web UI. Plain ES modules, no framework: a hash router, views that
// load from the REST API, live refresh from /api/events, errors shown with activity IDs.
const S = {
  token: localStorage.getItem('ferry.token') || '',
  me: null,            // the token's view from /api/whoami
  routes: new Set(),   // "METHOD /api/path" the server offers (from openapi.json)
  view: null,          // the current view: { load(), onEvent(ev) }
};
const ROLE = { none: 0, viewer: 1, operator: 2, admin: 3 };
const $ = (sel) => document.querySelector(sel);

// h('tag.class', {attr}, ...children): DOM without innerHTML, so data is never markup.
function h(spec, attrs, ...kids) {
  const [tag, ...cls] = spec.split('.');
  const el = document.createElement(tag || 'div');
  if (cls.length) el.className = cls.join(' ');
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids.flat()) if (k !== null && k !== undefined && k !== false)
    el.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return el;
}

class ApiError extends Error {
  constructor(status, body, activity) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status; this.code = e.code || 'http'; this.activity = e.activity_id || activity || '';
  }
}

async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (S.token) headers.Authorization = `Bearer ${S.token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!res.ok) throw new ApiError(res.status, data, res.headers.get('X-Activity-Id'));
  return data;
}

function has(method, path) { return S.routes.has(`${method} ${path}`); }
function can(role, project) {
  if (!S.me || ROLE[S.me.role] < ROLE[role]) return false;
  return !S.me.project || !project || S.me.project === project;
}

function showError(err) {
  const b = $('#banner');
  b.className = 'banner';
  $('#banner-text').textContent = err.message || String(err);
  $('#banner-activity').textContent = err.activity ? `Activity ID: ${err.activity}` : '';
  b.hidden = false;
}
function showInfo(msg) {
  const b = $('#banner');
  b.className = 'banner info';
  $('#banner-text').textContent = msg;
  $('#banner-activity').textContent = '';
  b.hidden = false;
}
function clearBanner() { $('#banner').hidden = true; }

// Run an action: errors go to the banner; returns true on success.
async function act(fn) {
  try { await fn(); clearBanner(); return true; } catch (e) { showError(e); return false; }
}

const badge = (s) => h('span.badge.' + String(s).replace(/[^a-z-]/g, ''), { text: s });
const when = (iso) => iso ? iso.replace('T', ' ').replace('Z', '') : '–';
function table(cols, rows, empty) {
  if (!rows.length) return h('p.muted', { text: empty });
  return h('div.table-wrap', {}, h('table', {},
    h('thead', {}, h('tr', {}, cols.map((c) => h('th', { class: c.cls }, c.title)))),
    h('tbody', {}, rows.map((r) => h('tr', { 'data-row': r.name ?? r.id },
      cols.map((c) => h('td', { class: c.cls }, c.cell(r))))))));
}
function field(label, input) { return h('label', {}, label, input); }
function setMain(...kids) { $('#main').replaceChildren(...kids); }

// ---- views ---------------------------------------------------------------------------
function signinView(reason) {
  const input = h('input', { id: 'token', type: 'password', placeholder: 'ferry_…', autocomplete: 'off', required: true });
  const form = h('form.card.signin', { onsubmit: async (e) => {
    e.preventDefault();
    S.token = input.value.trim();
    if (await signIn()) { localStorage.setItem('ferry.token', S.token); location.hash = '#/projects'; route(); }
  } },
  h('h1', { text: 'Sign in to ferry' }),
  h('p.muted', { text: 'Paste an API token. An administrator creates one with: ferry token create NAME --role viewer|operator|admin' }),
  h('div.row', {}, field('API token', input), h('button', { type: 'submit', id: 'signin' }, 'Sign in')));
  if (reason) showError(reason);
  setMain(form);
  return { async load() {} };
}

function projectsView() {
  const list = h('div');
  const name = h('input', { id: 'new-project', placeholder: 'name', required: true, pattern: '[A-Za-z0-9][A-Za-z0-9._-]*' });
  const desc = h('input', { id: 'new-project-desc', placeholder: 'description' });
  const create = can('admin') && !S.me.project ? h('form.card', { onsubmit: async (e) => {
    e.preventDefault();
    if (await act(() => api('POST', '/api/projects', { name: name.value, description: desc.value }))) {
      name.value = ''; desc.value = ''; v.load();
    }
  } }, h('h2', { text: 'New project' }),
  h('div.row', {}, field('Name', name), field('Description', desc), h('button', { type: 'submit', id: 'create-project' }, 'Create'))) : null;
  setMain(h('h1', { text: 'Projects' }), list, create);
  const v = {
    async load() {
      const rows = await api('GET', '/api/projects');
      list.replaceChildren(table([
        { title: 'Name', cell: (p) => h('a', { href: `#/projects/${encodeURIComponent(p.name)}`, text: p.name }) },
        { title: 'Product', cls: 'hide-narrow', cell: (p) => p.product },
        { title: 'Description', cls: 'wrap', cell: (p) => p.description },
        { title: 'Created', cls: 'hide-narrow', cell: (p) => when(p.created) },
      ], rows, 'No projects yet.'));
    },
  };
  return v;
}

function envTable(rows) {
  return table([
    { title: 'Name', cell: (e) => h('a', { href: `#/environments/${encodeURIComponent(e.name)}`, text: e.name }) },
    { title: 'Project', cls: 'hide-narrow', cell: (e) => e.project },
    { title: 'Type', cell: (e) => e.role },
    { title: 'State', cell: (e) => badge(e.state) },
    { title: 'Version', cell: (e) => `${e.app_release} / ${e.platform}` },
  ], rows, 'No environments yet.');
}

function projectView(name) {
  const envs = h('div'), feats = h('div'), info = h('div');
  const en = h('input', { id: 'new-env', placeholder: 'name', required: true });
  const role = h('select', { id: 'new-env-role' }, ['development', 'sandbox', 'production'].map((r) => h('option', { value: r, text: r })));
  const app = h('input', { id: 'new-env-app', placeholder: '7.3', required: true, value: '7.3' });
  const pu = h('input', { id: 'new-env-platform', placeholder: 'PU12', required: true, value: 'PU12' });
  const create = can('operator', name) ? h('form.card', { onsubmit: async (e) => {
    e.preventDefault();
    const body = { name: en.value, project: name, role: role.value, app_release: app.value, platform: pu.value };
    if (await act(() => api('POST', '/api/environments', body))) { en.value = ''; v.load(); }
  } }, h('h2', { text: 'New environment' }),
  h('div.row', {}, field('Name', en), field('Type', role), field('Application', app), field('Platform', pu),
    h('button', { type: 'submit', id: 'create-env' }, 'Create'))) : null;
  setMain(h('h1', {}, h('a', { href: '#/projects', text: 'Projects' }), ' / ', name), info,
    h('h2', { text: 'Environments' }), envs, create, h('h2', { text: 'Preview features' }), feats);
  const v = {
    async load() {
      const [p, rows, fs] = await Promise.all([api('GET', `/api/projects/${encodeURIComponent(name)}`),
        api('GET', `/api/environments?project=${encodeURIComponent(name)}`),
        api('GET', `/api/projects/${encodeURIComponent(name)}/features`)]);
      info.replaceChildren(h('p.muted', {}, `${p.product} · ${p.description || 'no description'} · unsigned packages ${p.allow_unsigned ? 'accepted' : 'refused'}`));
      envs.replaceChildren(envTable(rows));
      feats.replaceChildren(table([
        { title: 'Feature', cell: (f) => f.name },
        { title: 'Description', cls: 'wrap hide-narrow', cell: (f) => f.description },
        { title: 'Enabled', cell: (f) => h('label.switch', {}, h('input', {
          type: 'checkbox', 'data-feature': f.name, checked: f.enabled, disabled: !can('admin', name),
          onchange: (e) => act(() => api('PUT', `/api/projects/${encodeURIComponent(name)}/features/${f.name}`,
            { enabled: e.target.checked })).then(() => v.load()),
        }), f.enabled ? 'on' : 'off') },
      ], fs, 'No features.'));
    },
  };
  return v;
}

function environmentsView() {
  const list = h('div');
  setMain(h('h1', { text: 'Environments' }), list);
  return { async load() { list.replaceChildren(envTable(await api('GET', '/api/environments'))); } };
}

// The Maintain menu: each action is enabled only when the server offers it, the token
// may do it, and the environment's state allows it; otherwise it says why not. Apply
// updates, Upgrade and Database refresh open a panel that asks what; Cancel acts at once.
function maintainActions(env, up, v) {
  const st = env.state, active = up && !['committed', 'rolled-back', 'cancelled'].includes(up.phase);
  const next = (up && up.next) || [];
  const A = [
    { id: 'apply-updates', label: 'Apply updates', method: 'POST', path: '/api/environments/{env}/updates',
      ok: st === 'deployed', why: `not while ${st}`, panel: 'apply' },
    { id: 'upgrade', label: 'Upgrade', method: 'POST', path: '/api/environments/{env}/upgrade',
      ok: st === 'deployed' && env.role !== 'development' && !active,
      why: env.role === 'development' ? 'development environments are redeployed, not upgraded' : active ? 'an upgrade is in progress' : `not while ${st}`, panel: 'upgrade' },
    { id: 'cancel-upgrade', label: 'Cancel upgrade', method: 'DELETE', path: '/api/environments/{env}/upgrade',
      ok: active && next.some((n) => / cancel /.test(n + ' ')), why: active ? 'too late: the data upgrade ran (roll back instead)' : 'no upgrade in progress' },
    { id: 'db-refresh', label: 'Database refresh', method: 'POST', path: '/api/environments/{env}/refresh',
      ok: env.role === 'sandbox' && st === 'deployed', why: env.role !== 'sandbox' ? 'only sandbox environments are refreshed' : `not while ${st}`, panel: 'refresh' },
  ];
  return A.map((a) => {
    let why = null;
    if (!has(a.method, a.path)) why = 'not available on this server yet';
    else if (!can('operator', env.project)) why = 'needs the operator role';
    else if (!a.ok) why = a.why;
    return h('button', { id: a.id, disabled: !!why, title: why || '', onclick: () => {
      if (a.panel) { v.openPanel(a.panel); return; }
      act(async () => { await api(a.method, a.path.replace('{env}', encodeURIComponent(env.name))); showInfo(`${a.label} started`); v.load(); });
    } }, a.label, why ? h('span.why', { text: why }) : null);
  });
}

// Panels the Maintain menu opens: what to apply, which target, refresh from where.
async function panelView(kind, env, v) {
  const enc = encodeURIComponent(env.name), close = h('button.secondary', { id: 'panel-close', type: 'button', onclick: () => v.openPanel(null) }, 'Close');
  const go = async (method, path, body, label) => {
    if (await act(() => api(method, path, body))) { showInfo(`${label} started`); v.openPanel(null); }
  };
  if (kind === 'upgrade') {
    const targets = await api('GET', `/api/environments/${enc}/upgrade/targets`);
    const sel = h('select', { id: 'upgrade-target' }, targets.map((t) => h('option', { value: t.target, disabled: t.self_service === false,
      text: `${t.target} · ${t.kind}${t.name ? ' · ' + t.name : ''}${t.self_service === false ? ' (not self-service)' : ''}` })));
    const first = targets.find((t) => t.self_service !== false);
    if (first) sel.value = first.target;
    return h('form.card', { id: 'upgrade-panel', onsubmit: (e) => { e.preventDefault(); go('POST', `/api/environments/${enc}/upgrade`, { to: sel.value }, 'Upgrade'); } },
      h('h2', { text: `Upgrade ${env.name}` }),
      h('p.muted', { text: `From ${env.app_release} / ${env.platform}. Pick the target combination (application release / platform update); the original keeps serving while the upgrade-in-progress environment is prepared.` }),
      h('div.row', {}, field('Target', sel), h('button', { type: 'submit', id: 'upgrade-begin', disabled: !first }, 'Begin upgrade'), close));
  }
  if (kind === 'apply' || kind === 'upgrade-apply') {
    const assets = (await api('GET', `/api/assets?project=${encodeURIComponent(env.project)}`)).filter((a) => a.type !== 'data-upgrade' && a.type !== 'application');
    const sel = h('select', { id: 'apply-package' }, assets.map((a) => h('option', { value: a.sha256, text: `${a.name} ${a.version} (${a.type})` })));
    const path = kind === 'apply' ? `/api/environments/${enc}/updates` : `/api/environments/${enc}/upgrade/apply`;
    return h('form.card', { id: 'apply-panel', onsubmit: (e) => { e.preventDefault(); go('POST', path, { package: sel.value }, 'Apply'); } },
      h('h2', { text: kind === 'apply' ? `Apply updates to ${env.name}` : `Apply a package to the upgrade of ${env.name}` }),
      assets.length ? null : h('p.muted', { text: 'The asset library has no package to apply: upload one first.' }),
      h('div.row', {}, field('Package', sel), h('button', { type: 'submit', id: 'apply-go', disabled: !assets.length }, 'Apply'), close));
  }
  if (kind === 'refresh') {
    const envs = (await api('GET', `/api/environments?project=${encodeURIComponent(env.project)}`)).filter((e) => e.name !== env.name && e.app_release === env.app_release);
    const sel = h('select', { id: 'refresh-from' }, envs.map((e) => h('option', { value: e.name, text: `${e.name} (${e.role})` })));
    const prod = envs.find((e) => e.role === 'production');
    if (prod) sel.value = prod.name;
    return h('form.card', { id: 'refresh-panel', onsubmit: (e) => { e.preventDefault(); go('POST', `/api/environments/${enc}/refresh`, { from: sel.value }, 'Database refresh'); } },
      h('h2', { text: `Refresh the database of ${env.name}` }),
      h('p.muted', { text: 'A consistent snapshot of the source, taken while it serves; scrubbed when it comes from production. This environment is stopped during the copy.' }),
      h('div.row', {}, field('From', sel), h('button', { type: 'submit', id: 'refresh-go', disabled: !envs.length }, 'Refresh'), close));
  }
  return null;
}

// The upgrade in progress: its phase, downtime, and the actions its status allows now
// (the server's `next`): Sign off, Rollback, Resume, Data upgrade, Commit.
function upgradePanel(env, up, v) {
  const enc = encodeURIComponent(env.name), next = (up.next || []).join('\n'), may = can('operator', env.project);
  const allows = (verb) => new RegExp(`ferry upgrade ${verb} `).test(next + ' ');
  const btn = (id, label, verb, path, cls, panel) => h('button' + (cls || '.secondary'), {
    id, disabled: !(may && allows(verb)), title: !may ? 'needs the operator role' : allows(verb) ? '' : `not in phase ${up.phase}`,
    onclick: () => panel ? v.openPanel(panel) : act(() => api('POST', `/api/environments/${enc}/upgrade/${path}`)).then((ok) => ok && v.load()),
  }, label);
  const dt = up.downtime || {};
  const ms = (x) => (typeof x === 'number' && x >= 0 ? `${(x / 1000).toFixed(1)} s` : '–');
  return h('div.card', { id: 'upgrade-status', 'data-phase': up.phase },
    h('div.head', {}, h('div', {}, h('strong', { text: `Upgrade to ${up.to_release || up.to || ''}${up.to_platform ? ' / ' + up.to_platform : ''}` }), ' ', badge(up.phase)),
      h('span.muted', { text: `downtime predicted ${ms(dt.predicted_ms)} · measured ${ms(dt.measured_ms)}` })),
    h('div.row', {},
      btn('up-apply', 'Apply package', 'apply', null, '', 'upgrade-apply'),
      btn('up-signoff', 'Sign off', 'signoff', 'signoff', ''),
      btn('up-rollback-package', 'Rollback package', 'rollback-package', 'rollback-package'),
      btn('up-resume', 'Resume', 'resume', 'resume'),
      btn('up-data', 'Data upgrade', 'data', 'data', ''),
      btn('up-commit', 'Commit', 'commit', 'commit', ''),
      btn('up-rollback', 'Rollback', 'rollback', 'rollback', '.danger')));
}

// The latest operation on the environment as a step timeline, with the actions its
// state allows (Resume, Confirm / Sign off, Abort); live step events update it.
function opPanel(op, env, reload) {
  if (!op) return h('p.muted', { id: 'timeline-empty', text: 'No operations yet on this environment.' });
  const st = op.state, enc = encodeURIComponent(op.activity_id), may = can('operator', env.project);
  const waiting = (op.steps || []).find((s) => s.state === 'pending' && s.manual && s.name === op.step);
  const btn = (id, label, ok, fn, cls) => h('button' + (cls || '.secondary'), { id, disabled: !(ok && may),
    title: !may ? 'needs the operator role' : ok ? '' : `not while ${st}`, onclick: () => act(fn).then(reload) }, label);
  const signoff = st === 'awaiting-signoff';
  return h('div', { id: 'operation', 'data-state': st },
    h('div.head', {}, h('div', {}, h('strong', { text: op.kind }), ' ', badge(st), ' ',
      h('code.muted', { id: 'op-activity', text: op.activity_id })),
    h('div.row', {},
      btn('op-resume', 'Resume', ['failed', 'interrupted', 'pending'].includes(st) && !op.queued,
        () => api('POST', `/api/operations/${enc}/resume`)),
      btn('op-confirm', signoff ? 'Sign off' : 'Confirm step', !!waiting && !op.queued,
        () => api('POST', `/api/operations/${enc}/complete-step`, { step: waiting.name }), ''),
      btn('op-abort', 'Abort', !['succeeded', 'aborted', 'rolled-back', 'running'].includes(st) && !op.queued,
        () => api('POST', `/api/operations/${enc}/abort`), '.danger'))),
    op.error ? h('p.error-text', { text: op.error }) : null,
    h('ol.timeline', { id: 'timeline' }, (op.steps || []).map((s) =>
      h('li.' + s.state, { 'data-step': s.name, 'data-state': s.state }, h('span.dot'),
        h('span', {}, h('strong', { text: s.name }), ' ', h('span.muted', { text: s.state }),
          s.progress ? h('span.muted', { text: ` ${s.progress}` }) : null, s.error ? h('span.error-text', { text: ` ${s.error}` }) : null),
        h('span.muted', { text: s.state === 'skipped' ? '' : `${((s.duration_ms || 0) / 1000).toFixed(1)} s${s.attempts > 1 ? ` · ${s.attempts} attempts` : ''}` })))));
}

function envView(name) {
  const head = h('div.head'), panel = h('div'), upbox = h('div'), fields = h('div.card'), ops = h('div.card');
  let open = false, side = 'original', env = null, op = null, up = null, panelKind = null;
  setMain(head, panel, upbox, fields, h('h2', { text: 'Operations' }), ops);
  const renderOp = () => ops.replaceChildren(opPanel(op, env, () => v.load()));
  const enc = encodeURIComponent(name);
  const v = {
    async openPanel(kind) {
      panelKind = kind; open = false;
      const m = $('#maintain-menu'); if (m) m.hidden = true;
      panel.replaceChildren();
      if (kind) { try { const p = await panelView(kind, env, v); if (p) panel.replaceChildren(p); } catch (e) { showError(e); } }
    },
    async load() {
      const [e, list] = await Promise.all([api('GET', `/api/environments/${enc}?view=original`),
        has('GET', '/api/operations') ? api('GET', `/api/operations?env=${enc}&limit=1`) : []]);
      env = e;
      up = null;
      if (has('GET', '/api/environments/{env}/upgrade')) up = await api('GET', `/api/environments/${enc}/upgrade`).catch(() => null);
      const active = !!e.upgrade;
      if (!active && side === 'upgrade') side = 'original';
      op = list.length ? await api('GET', `/api/operations/${encodeURIComponent(list[0].activity_id)}`) : null;
      const menu = h('div.menu-list', { id: 'maintain-menu', hidden: !open }, maintainActions(e, active ? up : null, v));
      const toggle = active ? h('div.toggle', { id: 'view-toggle' },
        ['original', 'upgrade'].map((k) => h('button', { id: `view-${k}`, 'aria-pressed': String(side === k), onclick: () => { side = k; v.load(); } },
          k === 'original' ? 'Original' : 'Upgrade in progress'))) : null;
      head.replaceChildren(h('h1', {}, h('a', { href: `#/projects/${encodeURIComponent(e.project)}`, text: e.project }), ' / ', e.name, ' ', badge(e.state)),
        h('div.row', {}, toggle, h('div.menu', {}, h('button.secondary', { id: 'maintain', 'aria-expanded': String(open),
          onclick: () => { open = !open; menu.hidden = !open; } }, 'Maintain ▾'), menu)));
      upbox.replaceChildren(up && (active || up.phase) ? upgradePanel(e, up, v) : '');
      let shown = e;
      if (side === 'upgrade') shown = await api('GET', `/api/environments/${enc}?view=upgrade`).catch(() => e);
      fields.replaceChildren(h('dl.fields', { id: 'env-fields', 'data-view': side },
        [['View', side === 'upgrade' ? 'upgrade in progress' : 'original'], ['Type', shown.role], ['State', shown.state], ['Product', shown.product],
          ['Application', shown.app_release], ['Platform', shown.platform], ['Address', shown.url], ['Release', shown.release],
          ['Created', when(shown.created)], ['Updated', when(shown.updated)]]
          .flatMap(([k, val]) => [h('dt', { text: k }), h('dd', { 'data-field': k.toLowerCase(), text: val ?? '–' })])));
      renderOp();
    },
    // Step events update the timeline in place; operation events reload it.
    onEvent(ev) {
      if (ev.env !== name || (ev.type !== 'step' && ev.type !== 'operation')) return false;
      if (ev.type === 'operation' || !op || op.activity_id !== ev.activity_id) return false;
      const s = (op.steps || []).find((x) => x.name === ev.step);
      if (!s) return false;
      if (ev.event === 'step-started') { s.state = 'running'; op.state = 'running'; }
      if (ev.event === 'step-progress' && ev.total) s.progress = `${ev.done}/${ev.total}`;
      if (ev.event === 'step-finished') { s.state = ev.state; s.duration_ms = (s.duration_ms || 0) + (ev.elapsed_ms || 0); delete s.progress; }
      renderOp();
      return true;
    },
  };
  return v;
}

function auditView() {
  const list = h('div');
  setMain(h('h1', { text: 'Audit log' }), list);
  return { async load() {
    const rows = await api('GET', '/api/audit?limit=200');
    list.replaceChildren(table([
      { title: 'When', cell: (a) => when(a.at) },
      { title: 'Who', cell: (a) => a.actor },
      { title: 'What', cell: (a) => a.action },
      { title: 'Target', cell: (a) => a.target || '–' },
      { title: 'Project', cls: 'hide-narrow', cell: (a) => a.project || '–' },
      { title: 'Result', cell: (a) => badge(a.result) },
      { title: 'Activity ID', cls: 'hide-narrow', cell: (a) => h('code', { text: a.activity_id || '–' }) },
      { title: 'Message', cls: 'wrap hide-narrow', cell: (a) => a.message || '' },
    ], rows, 'Nothing recorded yet.'));
  } };
}

function tokensView() {
  const list = h('div'), shown = h('div');
  const name = h('input', { id: 'new-token', placeholder: 'name', required: true });
  const role = h('select', { id: 'new-token-role' }, ['viewer', 'operator', 'admin'].map((r) => h('option', { value: r, text: r })));
  const project = h('input', { id: 'new-token-project', placeholder: 'every project' });
  const expires = h('input', { id: 'new-token-expires', placeholder: '90d, 2026-12-31 or never', value: '90d' });
  const form = h('form.card', { onsubmit: async (e) => {
    e.preventDefault();
    const body = { name: name.value, role: role.value, expires: expires.value || 'never' };
    if (project.value) body.project = project.value;
    await act(async () => {
      const t = await api('POST', '/api/tokens', body);
      shown.replaceChildren(h('div.card', {}, h('p', {}, `Token '${t.name}' created. Copy it now: it is shown only this once.`),
        h('p.secret', { id: 'new-secret', text: t.token }),
        h('button.secondary', { id: 'secret-done', onclick: () => shown.replaceChildren() }, 'I have copied it')));
      name.value = '';
      v.load();
    });
  } }, h('h2', { text: 'New token' }), h('div.row', {}, field('Name', name), field('Role', role),
    field('Project scope', project), field('Expires', expires), h('button', { type: 'submit', id: 'create-token' }, 'Create')));
  setMain(h('h1', { text: 'API tokens' }), shown, list, form);
  const v = { async load() {
    const rows = await api('GET', '/api/tokens');
    list.replaceChildren(table([
      { title: 'Name', cell: (t) => t.name },
      { title: 'Role', cell: (t) => t.role },
      { title: 'Project', cell: (t) => t.project || 'all' },
      { title: 'State', cell: (t) => badge(t.state) },
      { title: 'Expires', cls: 'hide-narrow', cell: (t) => when(t.expires) },
      { title: 'Last used', cls: 'hide-narrow', cell: (t) => when(t.last_used) },
      { title: '', cell: (t) => t.state === 'active' && t.name !== S.me.name ? h('button.danger', { 'data-revoke': t.name,
        onclick: () => act(() => api('DELETE', `/api/tokens/${encodeURIComponent(t.name)}`)).then(() => v.load()) }, 'Revoke') : '' },
    ], rows, 'No tokens.'));
  } };
  return v;
}

// ---- router, sign-in, live events ---------------------------------------------------
async function signIn() {
  try {
    S.me = await api('GET', '/api/whoami');
  } catch (e) {
    S.me = null;
    if (e.status === 401) { localStorage.removeItem('ferry.token'); signinView(e); return false; }
    showError(e);
    return false;
  }
  $('#who').textContent = `${S.me.name} (${S.me.role}${S.me.project ? ' · ' + S.me.project : ''})`;
  $('#signout').hidden = false;
  document.body.classList.toggle('is-admin', can('admin') && !S.me.project);
  for (const a of document.querySelectorAll('.admin-only')) a.hidden = !(can('admin') && !S.me.project);
  connectEvents();
  return true;
}

async function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (!S.me) { S.view = signinView(); return; }
  const [top, arg] = parts;
  for (const a of document.querySelectorAll('[data-nav]')) a.classList.toggle('active', a.dataset.nav === (top || 'projects'));
  if (top === 'projects' && arg) S.view = projectView(arg);
  else if (top === 'environments' && arg) S.view = envView(arg);
  else if (top === 'environments') S.view = environmentsView();
  else if (top === 'audit') S.view = auditView();
  else if (top === 'tokens') S.view = tokensView();
  else S.view = projectsView();
  try { await S.view.load(); } catch (e) { showError(e); }
}

let evAbort = null, reloadTimer = null;
function setLive(on) {
  $('#live').className = 'live ' + (on ? 'on' : 'off');
  $('#live-text').textContent = on ? 'live' : 'offline';
  document.body.dataset.live = on ? 'on' : 'off';
}
// Server-Sent Events over fetch (EventSource cannot send the Authorization header).
async function connectEvents() {
  if (evAbort) evAbort.abort();
  const ctl = new AbortController();
  evAbort = ctl;
  let lastId = '';
  while (!ctl.signal.aborted && S.token) {
    try {
      const headers = { Authorization: `Bearer ${S.token}` };
      if (lastId) headers['Last-Event-ID'] = lastId;
      const res = await fetch('/api/events', { headers, signal: ctl.signal });
      if (!res.ok) throw new Error(`events: HTTP ${res.status}`);
      setLive(true);
      const reader = res.body.getReader();
      const dec = new TextDecoder();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, i); buf = buf.slice(i + 2);
          const ev = { data: '' };
          for (const line of frame.split('\n')) {
            const m = /^(\w+): ?(.*)$/.exec(line);
            if (m) ev[m[1]] = m[1] === 'data' ? ev.data + m[2] : m[2];
          }
          if (ev.id) lastId = ev.id;
          if (ev.data) onEvent(JSON.parse(ev.data));
        }
      }
    } catch (e) {
      if (ctl.signal.aborted) return;
    }
    setLive(false);
    await new Promise((r) => setTimeout(r, 2000));
  }
}
function onEvent(ev) {
  if (S.view && S.view.onEvent && S.view.onEvent(ev)) return;
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => S.view && Promise.resolve(S.view.load()).catch(showError), 150);
}

async function start() {
  $('#banner-close').addEventListener('click', clearBanner);
  $('#signout').addEventListener('click', () => {
    localStorage.removeItem('ferry.token'); S.token = ''; S.me = null;
    if (evAbort) evAbort.abort();
    $('#who').textContent = ''; $('#signout').hidden = true; setLive(false); route();
  });
  window.addEventListener('hashchange', () => { clearBanner(); route(); });
  try {
    const doc = await api('GET', '/api/openapi.json');
    for (const [p, ops] of Object.entries(doc.paths)) for (const m of Object.keys(ops)) S.routes.add(`${m.toUpperCase()} ${p}`);
  } catch (e) { showError(e); }
  if (S.token) await signIn();
  route();
}
start();
