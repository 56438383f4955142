// SPDX-License-Identifier: MIT
// pages.js: the list pages of the web UI: projects, a project with its environments and
// preview features, all environments, the audit log and the API tokens (revoke asks first).
import { S, h, api, act, can, badge, when, table, field, setMain, rerender, showError, ApiError } from './core.js';
import { confirmAction } from './confirm.js';

export function projectsView() {
  const list = h('div');
  const name = h('input', { id: 'new-project', placeholder: 'name', required: true, pattern: '[A-Za-z0-9][A-Za-z0-9._\\-]*' });
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
      rerender(list, table([
        { title: 'Name', cell: (p) => h('a', { href: `#/projects/${encodeURIComponent(p.name)}`, text: p.name }) },
        { title: 'Product', cls: 'hide-narrow', cell: (p) => p.product },
        { title: 'Description', cls: 'wrap', cell: (p) => p.description },
        { title: 'Created', cls: 'hide-narrow', cell: (p) => when(p.created) },
      ], rows, 'No projects yet.', 'Projects'));
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
  ], rows, 'No environments yet.', 'Environments');
}

export function projectView(name) {
  const envs = h('div'), feats = h('div'), info = h('div'), assets = h('div');
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
    h('h2', { text: 'Environments' }), envs, create, h('h2', { text: 'Asset library' }), assets, uploadForm(name, () => v.load()),
    h('h2', { text: 'Preview features' }), feats);
  const v = {
    async load() {
      const [p, rows, fs, as] = await Promise.all([api('GET', `/api/projects/${encodeURIComponent(name)}`),
        api('GET', `/api/environments?project=${encodeURIComponent(name)}`),
        api('GET', `/api/projects/${encodeURIComponent(name)}/features`), api('GET', `/api/assets?project=${encodeURIComponent(name)}`)]);
      rerender(assets, table([
        { title: 'Package', cell: (a) => `${a.name} ${a.version}` },
        { title: 'Type', cell: (a) => a.type },
        { title: 'Signed by', cls: 'hide-narrow', cell: (a) => a.signer || 'unsigned' },
        { title: 'Uploaded', cls: 'hide-narrow', cell: (a) => when(a.uploaded) },
      ], as.map((a) => ({ ...a, name: a.name, id: a.id })), 'No packages yet.', 'Asset library'));
      info.replaceChildren(h('p.muted', {}, `${p.product} · ${p.description || 'no description'} · unsigned packages ${p.allow_unsigned ? 'accepted' : 'refused'}`));
      rerender(envs, envTable(rows));
      rerender(feats, table([
        { title: 'Feature', cell: (f) => f.name },
        { title: 'Description', cls: 'wrap hide-narrow', cell: (f) => f.description },
        { title: 'Enabled', cell: (f) => h('label.switch', {}, h('input', {
          type: 'checkbox', 'data-feature': f.name, 'aria-label': `${f.name}: enabled`, checked: f.enabled, disabled: !can('admin', name),
          onchange: (e) => act(() => api('PUT', `/api/projects/${encodeURIComponent(name)}/features/${f.name}`,
            { enabled: e.target.checked })).then(() => v.load()),
        }), f.enabled ? 'on' : 'off') },
      ], fs, 'No features.', 'Preview features'));
    },
  };
  return v;
}

// Upload a package to the asset library: the file goes as the request body (ferryd streams
// it to disk, then verifies it); the bar shows how much was sent.
function uploadForm(project, done) {
  if (!can('operator', project)) return null;
  const file = h('input', { id: 'upload-file', type: 'file', accept: '.zip,.tar.gz,.tgz', required: true });
  const bar = h('progress', { id: 'upload-progress', max: '100', value: '0', hidden: true, 'aria-label': 'Upload progress' });
  const status = h('span.muted', { id: 'upload-status', role: 'status' });
  const form = h('form.card', { id: 'upload-form', onsubmit: (e) => {
    e.preventDefault();
    const f = file.files[0];
    if (!f) return;
    const x = new XMLHttpRequest();
    x.open('POST', `/api/assets?project=${encodeURIComponent(project)}`);
    x.setRequestHeader('Authorization', `Bearer ${S.token}`);
    x.setRequestHeader('Content-Type', 'application/octet-stream');
    bar.hidden = false;
    x.upload.onprogress = (ev) => { if (ev.lengthComputable) bar.value = String(Math.round((100 * ev.loaded) / ev.total)); };
    x.onload = () => {
      let body = null;
      try { body = JSON.parse(x.responseText); } catch { body = null; }
      bar.hidden = true;
      if (x.status >= 400) { showError(new ApiError(x.status, body, x.getResponseHeader('X-Activity-Id'))); status.textContent = ''; return; }
      status.textContent = `${body.name} ${body.version} ${body.existed ? 'was already in the library' : 'uploaded and verified'}.`;
      file.value = '';
      done();
    };
    x.onerror = () => { bar.hidden = true; showError(new Error('the upload failed: the connection broke')); };
    status.textContent = `Uploading ${f.name}…`;
    x.send(f);
  } }, h('h2', { text: 'Upload a package' }),
  h('div.row', {}, field('Package file', file), h('button', { type: 'submit', id: 'upload-go' }, 'Upload')), bar, status);
  return form;
}

export function environmentsView() {
  const list = h('div');
  setMain(h('h1', { text: 'Environments' }), list);
  return { async load() { rerender(list, envTable(await api('GET', '/api/environments'))); } };
}

export function auditView() {
  const list = h('div');
  setMain(h('h1', { text: 'Audit log' }), list);
  return { async load() {
    const rows = await api('GET', '/api/audit?limit=200');
    rerender(list, table([
      { title: 'When', cell: (a) => when(a.at) },
      { title: 'Who', cell: (a) => a.actor },
      { title: 'What', cell: (a) => a.action },
      { title: 'Target', cell: (a) => a.target || '–' },
      { title: 'Project', cell: (a) => a.project || '–' },
      { title: 'Result', cell: (a) => badge(a.result) },
      { title: 'Activity ID', cell: (a) => h('code.id', { text: a.activity_id || '–' }) },
      { title: 'Message', cls: 'wrap', cell: (a) => a.message || '' },
    ], rows, 'Nothing recorded yet.', 'Audit log'));
  } };
}

export function tokensView() {
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
    rerender(list, table([
      { title: 'Name', cell: (t) => t.name },
      { title: 'Role', cell: (t) => t.role },
      { title: 'Project', cell: (t) => t.project || 'all' },
      { title: 'State', cell: (t) => badge(t.state) },
      { title: 'Expires', cls: 'hide-narrow', cell: (t) => when(t.expires) },
      { title: 'Last used', cls: 'hide-narrow', cell: (t) => when(t.last_used) },
      { title: '', label: 'Actions', cell: (t) => t.state === 'active' && t.name !== S.me.name ? h('button.danger', { 'data-revoke': t.name,
        'aria-label': `Revoke ${t.name}`, onclick: async () => {
          const ok = await confirmAction({ title: `Revoke the token ${t.name}?`, action: 'Revoke', subject: 'Token', env: t.name,
            role: `${t.role}, ${t.project ? 'project ' + t.project : 'every project'}`,
            what: [`Requests with ${t.name} are refused from now on (scripts and CI using it stop working).`],
            undo: 'A revoked token cannot be made active again: create a new one.' });
          if (ok) act(() => api('DELETE', `/api/tokens/${encodeURIComponent(t.name)}`)).then(() => v.load());
        } }, 'Revoke') : '' },
    ], rows, 'No tokens.', 'API tokens'));
  } };
  return v;
}

