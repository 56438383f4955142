// SPDX-License-Identifier: MIT
// app.js: ferry's web UI. Plain ES modules, no framework: a hash router, views that
// load from the REST API (pages.js, env.js, ops.js), live refresh from /api/events,
// errors shown with activity IDs, the keyboard's focus put on each new page's heading.
import { S, h, $, api, showError, clearBanner, onOpEnded, can, field, setMain, focusInto } from './core.js';
import { projectsView, projectView, environmentsView, auditView, tokensView } from './pages.js';
import { envView } from './env.js';
import { operationView } from './ops.js';

function signinView(reason) {
  const input = h('input', { id: 'token', type: 'password', placeholder: 'ferry_…', autocomplete: 'off', required: true });
  const form = h('form.card.signin', { onsubmit: async (e) => {
    e.preventDefault();
    S.token = input.value.trim();
    if (await signIn()) { localStorage.setItem('ferry.token', S.token); location.hash = '#/projects'; route(true); }
  } },
  h('h1', { text: 'Sign in to ferry' }),
  h('p.muted', { text: 'Paste an API token. An administrator creates one with: ferry token create NAME --role viewer|operator|admin' }),
  h('div.row', {}, field('API token', input), h('button', { type: 'submit', id: 'signin' }, 'Sign in')));
  if (reason) showError(reason);
  setMain(form);
  return { async load() {} };
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

// Show the page of the address; `focus` puts the keyboard on its heading (a navigation).
async function route(focus) {
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (!S.me) { S.view = signinView(); if (focus) focusInto($('#main')); return; }
  const [top, arg] = parts;
  for (const a of document.querySelectorAll('[data-nav]')) {
    const on = a.dataset.nav === (top === 'operations' ? 'environments' : top || 'projects');
    a.classList.toggle('active', on);
    if (on) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  if (top === 'projects' && arg) S.view = projectView(arg);
  else if (top === 'environments' && arg) S.view = envView(arg);
  else if (top === 'operations' && arg) S.view = operationView(arg);
  else if (top === 'environments') S.view = environmentsView();
  else if (top === 'audit') S.view = auditView();
  else if (top === 'tokens') S.view = tokensView();
  else S.view = projectsView();
  const view = S.view;
  try { await view.load(); } catch (e) { showError(e); }
  if (focus && S.view === view) focusInto($('#main h1') || $('#main'));
  document.title = `${($('#main h1') || {}).textContent || 'ferry'} · ferry`;
}

let evAbort = null, reloadTimer = null, reloadAgain = false;
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
  if (ev.type === 'operation' && ev.event === 'op-finished') onOpEnded(ev.activity_id, ev.state, ev.kind);
  if (S.view && S.view.onEvent && S.view.onEvent(ev)) return;
  // At most one reload per 150 ms: a steady stream of events (progress ticks) must not
  // postpone it for ever; one more follows when events came in while it loaded.
  if (reloadTimer) { reloadAgain = true; return; }
  reloadTimer = setTimeout(async () => {
    reloadAgain = false;
    const view = S.view;
    try { if (view) await view.load(); } catch (e) { if (view === S.view) showError(e); }
    reloadTimer = null;
    if (reloadAgain) { reloadAgain = false; onEvent({ type: 'change' }); }
  }, 150);
}

async function start() {
  $('#banner-close').addEventListener('click', clearBanner);
  $('#signout').addEventListener('click', () => {
    localStorage.removeItem('ferry.token'); S.token = ''; S.me = null;
    if (evAbort) evAbort.abort();
    $('#who').textContent = ''; $('#signout').hidden = true; setLive(false); route(true);
  });
  window.addEventListener('hashchange', () => { clearBanner(); route(true); });
  $('#skip').addEventListener('click', (e) => { e.preventDefault(); focusInto($('#main h1') || $('#main')); });
  try {
    const doc = await api('GET', '/api/openapi.json');
    for (const [p, ops] of Object.entries(doc.paths)) for (const m of Object.keys(ops)) S.routes.add(`${m.toUpperCase()} ${p}`);
  } catch (e) { showError(e); }
  if (S.token) await signIn();
  route();
}
start();
