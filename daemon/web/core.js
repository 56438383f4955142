// SPDX-License-Identifier: MIT
// core.js: what every screen of the web UI shares: the session state, DOM building without
// innerHTML, the REST client, banners, focus keeping across re-renders, times in the
// browser's zone, live elapsed counters, tables and messages without internal paths.
export const S = {
  token: localStorage.getItem('ferry.token') || '',
  me: null,            // the token's view from /api/whoami
  routes: new Set(),   // "METHOD /api/path" the server offers (from openapi.json)
  view: null,          // the current view: { load(), onEvent(ev) }
};
const ROLE = { none: 0, viewer: 1, operator: 2, admin: 3 };
export const $ = (sel) => document.querySelector(sel);

// h('tag.class', {attr}, ...children): DOM without innerHTML, so data is never markup.
export function h(spec, attrs, ...kids) {
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

export class ApiError extends Error {
  constructor(status, body, activity) {
    const e = (body && body.error) || {};
    super(clean(e.message || `HTTP ${status}`));
    this.status = status; this.code = e.code || 'http'; this.activity = e.activity_id || activity || '';
  }
}

export async function api(method, path, body) {
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

export function has(method, path) { return S.routes.has(`${method} ${path}`); }
export function can(role, project) {
  if (!S.me || ROLE[S.me.role] < ROLE[role]) return false;
  return !S.me.project || !project || S.me.project === project;
}

// Messages for people: no file system paths of the server (they say nothing to an
// operator and tell an attacker the layout), no empty ": :" left where they were.
export function clean(msg) {
  return String(msg || '')
    .replace(/(^|[\s'"(=])\/(?:[\w.@+~-]+\/)*[\w.@+~-]+/g, '$1[server path]')
    .replace(/(: )?: \[server path\] exited with status (\d+)/g, ' (exit status $2)')
    .replace(/(?::\s*){2,}/g, ': ');
}

let bannerActivity = '';
export function showError(err) {
  const b = $('#banner');
  b.className = 'banner';
  b.setAttribute('role', 'alert');
  $('#banner-text').textContent = clean(err.message || String(err));
  $('#banner-activity').textContent = err.activity ? `Activity ID: ${err.activity}` : '';
  bannerActivity = '';
  b.hidden = false;
}
// An info banner; with an activity ID it goes once that operation has ended (onOpEnded).
export function showInfo(msg, activity) {
  const b = $('#banner');
  b.className = 'banner info';
  b.setAttribute('role', 'status');
  $('#banner-text').textContent = msg;
  $('#banner-activity').textContent = activity ? `Activity ID: ${activity}` : '';
  bannerActivity = activity || '';
  b.hidden = false;
  // the operation may have ended before its start was answered
  if (activity && ended.has(activity)) { onOpEnded(activity, ...ended.get(activity)); return; }
  // a message about something already done goes by itself
  if (!activity) setTimeout(() => { if (!b.hidden && b.classList.contains('info') && $('#banner-text').textContent === msg) clearBanner(); }, 8000);
}
export function clearBanner() { $('#banner').hidden = true; bannerActivity = ''; }
const ended = new Map(); // activity ID → [state, kind] of operations seen ending
export function onOpEnded(activity, state, kind) {
  ended.set(activity, [state, kind]);
  if (ended.size > 200) ended.delete(ended.keys().next().value);
  if (!bannerActivity || activity !== bannerActivity) return;
  if (state === 'succeeded') showInfo(`${kind} finished.`);
  else clearBanner();
  bannerActivity = '';
  setTimeout(() => { if (!bannerActivity && $('#banner').classList.contains('info')) clearBanner(); }, 6000);
}

// Run an action: errors go to the banner; returns the result, or null after an error.
export async function act(fn) {
  try { const r = await fn(); clearBanner(); return r ?? true; } catch (e) { showError(e); return null; }
}

export const badge = (s, extra) => h('span.badge.' + String(s).replace(/[^a-z-]/g, '') + (extra ? '.' + extra : ''), { text: s });

// Times in the browser's zone with the zone named; UTC on hover.
const fmt = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false, timeZoneName: 'short' });
export function when(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return h('time', { datetime: iso, title: iso.replace('T', ' ').replace('Z', ' UTC') }, fmt.format(d));
}
export function secs(ms) {
  if (typeof ms !== 'number' || ms < 0) return '–';
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return s < 3600 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${Math.floor(s / 3600)} h ${Math.floor(s / 60) % 60} min`;
}
// A counter that runs: `since` (ISO) to now, plus `base` ms; the ticker below updates it.
export function elapsed(since, base, attrs) {
  const el = h('span.elapsed', { 'data-since': since, 'data-base': String(base || 0), ...(attrs || {}) });
  tickOne(el);
  return el;
}
function tickOne(el) {
  const t = Date.parse(el.dataset.since);
  el.textContent = Number.isNaN(t) ? '–' : secs(Math.max(0, Date.now() - t) + Number(el.dataset.base || 0));
}
setInterval(() => { for (const el of document.querySelectorAll('[data-since]')) tickOne(el); }, 1000);

// A table: header cells scoped and never empty (a visually hidden name when the column
// has no title); a wide table scrolls in a region the keyboard can reach.
export function table(cols, rows, empty, label) {
  if (!rows.length) return h('p.muted', { text: empty });
  return h('div.table-wrap', { tabindex: '0', role: 'region', 'aria-label': label || 'table' }, h('table', {},
    h('thead', {}, h('tr', {}, cols.map((c) => h('th', { class: c.cls, scope: 'col' },
      c.title ? c.title : h('span.sr-only', { text: c.label || 'Actions' }))))),
    h('tbody', {}, rows.map((r) => h('tr', { 'data-row': r.name ?? r.id ?? r.activity_id },
      cols.map((c) => h('td', { class: c.cls }, c.cell(r))))))));
}
export function field(label, input) { return h('label', {}, label, input); }

// Replace a container's content and keep the keyboard where it was: the element with
// the same id gets the focus back; when it is gone, `fallback` (or the container) does.
export function rerender(box, kids, fallback) {
  const a = document.activeElement;
  const inside = a && a !== document.body && box.contains(a);
  const id = inside ? a.id : '';
  box.replaceChildren(...[kids].flat().filter((k) => k !== null && k !== undefined && k !== false && k !== ''));
  if (!inside) return;
  const again = id && document.getElementById(id);
  if (again && !again.disabled && again.offsetParent !== null) { again.focus(); return; }
  focusInto(fallback || box);
}
// Focus a container's heading (made focusable), else its first control.
export function focusInto(el) {
  if (!el) return;
  const t = el.matches('h1, h2, h3, [tabindex]') ? el : el.querySelector('h1, h2, h3');
  if (t) { if (!t.hasAttribute('tabindex')) t.setAttribute('tabindex', '-1'); t.focus(); return; }
  const c = el.querySelector('button:not([disabled]), select, input, a[href], [tabindex]');
  if (c) c.focus();
}
export function setMain(...kids) { $('#main').replaceChildren(...kids.filter((k) => k)); }
