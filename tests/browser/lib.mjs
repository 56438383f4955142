// SPDX-License-Identifier: MIT
// lib.mjs: the harness of ferry's browser tests: Debian's chromium through playwright-core,
// TAP steps, screenshots, the REST API from node, axe-core on a screen (serious and
// critical violations fail), and the confirmation dialog's two answers.
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const URL = process.env.FERRY_URL, ADMIN = process.env.FERRY_ADMIN, VIEWER = process.env.FERRY_VIEWER;
export const ART = process.env.ARTIFACTS || join(tmpdir(), 'ferry-browser');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const LONG = { timeout: 120000 };
mkdirSync(ART, { recursive: true });
const profile = mkdtempSync(join(tmpdir(), 'ferry-chromium-'));

export const T = { n: 0, failed: 0, page: null, ctx: null, consoleErrors: [], axeScans: 0, axeLog: [], axeSeen: new Set() };

export async function launch() {
  // The browser's zone is not UTC, so times must be converted and their zone shown.
  T.ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1400, height: 900 }, timezoneId: 'Europe/Berlin', locale: 'en-GB',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  T.page = T.ctx.pages()[0] || await T.ctx.newPage();
  T.page.setDefaultTimeout(15000);
  T.page.on('pageerror', (e) => T.consoleErrors.push(String(e)));
  // A failed request shows in the console ("Failed to load resource: 404"): none allowed.
  T.page.on('console', (m) => { if (m.type() === 'error') T.consoleErrors.push(`${m.text()} (${m.location().url || ''})`); });
  return T.page;
}

export async function finish() {
  writeFileSync(join(ART, 'axe.txt'), T.axeLog.join('\n') + '\n');
  await T.ctx.close();
  rmSync(profile, { recursive: true, force: true });
  console.log(`1..${T.n}`);
  process.exit(T.failed ? 1 : 0);
}

export async function step(name, fn) {
  T.n++;
  try { await fn(); console.log(`ok ${T.n} - ${name}`); } catch (e) {
    T.failed++;
    console.log(`not ok ${T.n} - ${name}`);
    for (const l of String(e.stack || e).split('\n').slice(0, 12)) console.log(`#   ${l}`);
    await T.page.screenshot({ path: join(ART, `FAILED-${T.n}.png`), fullPage: true }).catch(() => {});
  }
}
export function expect(cond, what) { if (!cond) throw new Error(`expected ${what}`); }
export async function shot(name) { await T.page.screenshot({ path: join(ART, `${name}.png`), fullPage: true }); }
export async function api(method, path, token, body) {
  const res = await fetch(URL + path, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, data: await res.json().catch(() => null) };
}

// axe-core on what the page shows now (an open dialog included); throws listing every
// serious or critical violation with the elements concerned.
export async function axe(label) {
  const r = await new AxeBuilder({ page: T.page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  T.axeScans++;
  T.axeSeen.add(`${label}@${T.page.viewportSize().width}`);
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const minor = r.violations.filter((v) => !bad.includes(v));
  T.axeLog.push(`${label} @${T.page.viewportSize().width}px: ${bad.length} serious/critical, ${minor.length} minor${minor.length ? ' (' + minor.map((v) => v.id).join(', ') + ')' : ''}`);
  if (bad.length) throw new Error(`axe on ${label}: ` + bad.map((v) => `${v.id} (${v.impact}): ${v.help} at ` +
    v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')).join('; '));
}
// axe at both widths the UI is made for.
export async function axeBoth(label) {
  const vp = T.page.viewportSize();
  await axe(label);
  await T.page.setViewportSize({ width: 390, height: 844 });
  await axe(label);
  await T.page.setViewportSize(vp);
}

// The confirmation dialog: `cancel` answers no (with the button or Escape), `confirm` yes
// (typing the environment's name first when asked).
export async function dialogOpen() { await T.page.waitForSelector('dialog#confirm[open] #confirm-go'); }
export async function cancelDialog(how) {
  await dialogOpen();
  if (how === 'escape') await T.page.keyboard.press('Escape'); else await T.page.click('#confirm-cancel');
  await T.page.waitForSelector('dialog#confirm:not([open])', { state: 'attached' });
}
export async function confirmDialog(envName) {
  await dialogOpen();
  if (await T.page.isVisible('#confirm-type')) {
    expect(await T.page.isDisabled('#confirm-go'), 'the confirm button disabled until the name is typed');
    await T.page.fill('#confirm-type', envName);
  }
  await T.page.click('#confirm-go');
  await T.page.waitForSelector('dialog#confirm:not([open])', { state: 'attached' });
}
