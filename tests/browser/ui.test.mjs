// SPDX-License-Identifier: MIT
// ui.test.mjs: ferry's web UI in Debian's chromium (playwright-core, no downloaded
// browser). Run by tests/e2e/t0590-browser.sh, which starts ferryd and passes:
//   FERRY_URL, FERRY_ADMIN, FERRY_VIEWER (token secrets), ARTIFACTS (screenshot dir)
// Prints TAP. Each step is a user action and what the page must then show.
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const URL = process.env.FERRY_URL, ADMIN = process.env.FERRY_ADMIN, VIEWER = process.env.FERRY_VIEWER;
const ART = process.env.ARTIFACTS || join(tmpdir(), 'ferry-browser');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
mkdirSync(ART, { recursive: true });
const profile = mkdtempSync(join(tmpdir(), 'ferry-chromium-'));

let n = 0, failed = 0;
async function step(name, fn) {
  n++;
  try { await fn(); console.log(`ok ${n} - ${name}`); } catch (e) {
    failed++;
    console.log(`not ok ${n} - ${name}`);
    for (const l of String(e.stack || e).split('\n').slice(0, 8)) console.log(`#   ${l}`);
    await page.screenshot({ path: join(ART, `FAILED-${n}.png`), fullPage: true }).catch(() => {});
  }
}
function expect(cond, what) { if (!cond) throw new Error(`expected ${what}`); }
async function shot(name) { await page.screenshot({ path: join(ART, `${name}.png`), fullPage: true }); }
async function api(method, path, token, body) {
  const res = await fetch(URL + path, { method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined });
  return { status: res.status, data: await res.json().catch(() => null) };
}

const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM, headless: true, viewport: { width: 1280, height: 800 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = ctx.pages()[0] || await ctx.newPage();
page.setDefaultTimeout(10000);
const consoleErrors = [];
page.on('pageerror', (e) => consoleErrors.push(String(e)));

await step('without a token the sign-in page shows', async () => {
  await page.goto(URL + '/');
  await page.waitForSelector('#token');
  await shot('01-signin');
});
await step('a wrong token is refused with an error banner carrying the activity ID', async () => {
  await page.fill('#token', 'ferry_0000000000000000_' + '0'.repeat(64));
  await page.click('#signin');
  await page.waitForSelector('#banner:not([hidden])');
  expect(/unknown API token/.test(await page.textContent('#banner-text')), 'the reason in the banner');
  expect(/Activity ID: [0-9a-f-]{36}/.test(await page.textContent('#banner-activity')), 'an activity ID');
  await shot('02-signin-refused');
});
await step('the admin token signs in and lists projects', async () => {
  await page.fill('#token', ADMIN);
  await page.click('#signin');
  await page.waitForSelector('tr[data-row="contoso"]');
  expect((await page.textContent('#who')).includes('admin'), 'the token name in the header');
  await page.waitForSelector('body[data-live="on"]');
  await shot('03-projects');
});
await step('creating a project from the form adds it to the list', async () => {
  await page.fill('#new-project', 'fabrikam');
  await page.fill('#new-project-desc', 'made in the browser');
  await page.click('#create-project');
  await page.waitForSelector('tr[data-row="fabrikam"]');
  const r = await api('GET', '/api/projects/fabrikam', ADMIN);
  expect(r.status === 200 && r.data.description === 'made in the browser', 'the project in the API');
});
await step('a duplicate project shows the error and its activity ID, which the audit log holds', async () => {
  await page.fill('#new-project', 'fabrikam');
  await page.click('#create-project');
  await page.waitForSelector('#banner:not([hidden])');
  const text = await page.textContent('#banner-activity');
  const aid = /Activity ID: ([0-9a-f-]{36})/.exec(text)[1];
  const audit = await api('GET', '/api/audit?limit=20', ADMIN);
  expect(audit.data.some((a) => a.activity_id === aid && a.result === 'failed'), 'the failed attempt in the audit log');
  await shot('04-error-banner');
});
await step('a project page lists environments; an environment is created from its form', async () => {
  await page.goto(URL + '/#/projects/contoso');
  await page.waitForSelector('tr[data-row="contoso-uat"]');
  await page.fill('#new-env', 'contoso-sb2');
  await page.selectOption('#new-env-role', 'sandbox');
  await page.click('#create-env');
  await page.waitForSelector('tr[data-row="contoso-sb2"]');
  await shot('05-project');
});
await step('a preview feature is switched on from the project page', async () => {
  await page.check('input[data-feature="upgrade-self-serve"]');
  // The box is checked at the click; the page says "on" once the PUT returned and it re-rendered.
  await page.waitForSelector('label.switch:has(input[data-feature="upgrade-self-serve"]:checked):has-text("on")');
  const r = await api('GET', '/api/projects/contoso/features', ADMIN);
  expect(r.data.find((f) => f.name === 'upgrade-self-serve').enabled === true, 'the feature on in the API');
});
await step('a change made elsewhere appears live, without reloading', async () => {
  const r = await api('POST', '/api/environments', ADMIN, { name: 'contoso-live', project: 'contoso', role: 'development', app_release: '8.1', platform: 'PU20' });
  expect(r.status === 201, 'the API to create it');
  await page.waitForSelector('tr[data-row="contoso-live"]');
});
await step('environment details show its fields and the Maintain menu', async () => {
  await page.click('tr[data-row="contoso-uat"] a');
  await page.waitForSelector('#env-fields');
  expect((await page.textContent('[data-field="type"]')) === 'sandbox', 'type sandbox');
  expect((await page.textContent('[data-field="application"]')) === '7.3', 'application 7.3');
  await page.click('#maintain');
  await page.waitForSelector('#maintain-menu:not([hidden])');
  for (const id of ['apply-updates', 'upgrade', 'cancel-upgrade', 'db-refresh'])
    expect(await page.isVisible('#' + id), `the ${id} action`);
  await shot('06-env-maintain');
});
await step('Maintain actions are enabled only when valid (cancel without an upgrade never is)', async () => {
  expect(await page.isDisabled('#cancel-upgrade'), 'Cancel upgrade disabled');
  const title = await page.getAttribute('#cancel-upgrade', 'title');
  expect(title && title.length > 0, 'a reason for the disabled action');
});
await step('the operations timeline is shown (empty until an operation runs)', async () => {
  await page.waitForSelector('#timeline-empty');
});
await step('an operation started elsewhere appears live; its manual step is confirmed from the page', async () => {
  const r = await api('POST', '/api/selftest', ADMIN, { env: 'contoso-uat', manual: true, ticks: 20, tick_ms: 20 });
  expect(r.status === 202, `the selftest queued (got ${r.status})`);
  await page.waitForSelector('#operation[data-state="awaiting-confirmation"]');
  expect((await page.textContent('#op-activity')) === r.data.activity_id, 'the activity ID shown');
  await page.waitForSelector('#timeline li[data-step="work"][data-state="succeeded"]');
  expect(await page.isDisabled('#op-resume'), 'Resume disabled while waiting for confirmation');
  expect(await page.isEnabled('#op-confirm'), 'Confirm enabled at the manual step');
  await shot('06b-op-awaiting');
  await page.click('#op-confirm');
  await page.waitForSelector('#operation[data-state="succeeded"]');
  await page.waitForSelector('#timeline li[data-step="finish"][data-state="succeeded"]');
  expect(await page.isDisabled('#op-confirm') && await page.isDisabled('#op-abort'), 'no actions on a finished operation');
  await shot('06c-op-succeeded');
});
await step('a failed step shows its error; Resume is enabled and finishes the operation', async () => {
  const r = await api('POST', '/api/selftest', ADMIN, { env: 'contoso-uat', fail_at: 'write-files', ticks: 1 });
  expect(r.status === 202, `the selftest queued (got ${r.status})`);
  await page.waitForSelector(`#operation[data-state="failed"] >> text=${r.data.activity_id}`);
  await page.waitForSelector('#timeline li[data-step="write-files"][data-state="failed"]');
  expect((await page.textContent('#operation')).includes('injected failure'), 'the step error shown');
  await shot('06d-op-failed');
  await page.click('#op-resume');
  await page.waitForSelector('#operation[data-state="succeeded"]');
  expect((await page.textContent('#timeline li[data-step="write-files"]')).includes('2 attempts'), 'the step ran twice');
});
// ---- a whole sandbox upgrade through the UI, then a production upgrade rolled back ----
const LONG = { timeout: 120000 };
async function upgradeTo(env, target, shotName) {
  await page.goto(URL + '/#/environments/' + env);
  await page.waitForSelector('#maintain');
  await page.click('#maintain');
  expect(await page.isEnabled('#upgrade'), 'Upgrade enabled on a deployed environment');
  await page.click('#upgrade');
  await page.waitForSelector('#upgrade-panel #upgrade-target');
  const options = await page.$$eval('#upgrade-target option', (os) => os.map((o) => o.value));
  expect(options.includes(target), `the target ${target} offered (got ${options.join(', ')})`);
  await page.selectOption('#upgrade-target', target);
  await shot(shotName);
  await page.click('#upgrade-begin');
  await page.waitForSelector('#upgrade-status[data-phase="prepared"]', LONG);
  await page.waitForSelector('#operation[data-state="succeeded"]', LONG);
}
await step('Maintain → Upgrade: the panel offers the target combinations; begin prepares the upgrade', async () => {
  await upgradeTo('sales-uat', '8.1/PU20', '10-upgrade-panel');
  expect((await page.textContent('#operation')).includes('upgrade.prepare'), 'the prepare operation on the timeline');
  await page.waitForSelector('#upgrade[disabled]', { state: 'attached', ...LONG });
  expect(await page.isDisabled('#upgrade'), 'Upgrade not offered twice');
  await shot('11-upgrade-prepared');
});
await step('the original / upgrade-in-progress toggle shows each side', async () => {
  await page.waitForSelector('#view-toggle');
  expect((await page.textContent('[data-field="application"]')) === '7.3', 'the original on 7.3');
  await page.click('#view-upgrade');
  await page.waitForSelector('#env-fields[data-view="upgrade"]');
  expect((await page.textContent('[data-field="application"]')) === '8.1', 'the upgrade in progress on 8.1');
  await shot('12-view-upgrade-in-progress');
  await page.click('#view-original');
  await page.waitForSelector('#env-fields[data-view="original"]');
});
await step('a package applied to the upgrade waits for sign-off; Data upgrade is disabled until Sign off', async () => {
  await page.click('#up-apply');
  await page.waitForSelector('#apply-panel #apply-package');
  await page.click('#apply-go');
  await page.waitForSelector('#operation[data-state="awaiting-signoff"]', LONG);
  await page.waitForSelector('#up-signoff:not([disabled])');
  expect(await page.isDisabled('#up-data'), 'Data upgrade disabled before the sign-off');
  expect(await page.isDisabled('#up-commit'), 'Commit disabled before the data upgrade');
  await shot('13-upgrade-package-awaiting-signoff');
  await page.click('#up-signoff');
  await page.waitForSelector('#operation[data-state="succeeded"]', LONG);
  await page.waitForSelector('#up-data:not([disabled])', LONG);
  await page.waitForSelector('#cancel-upgrade:not([disabled])', { state: 'attached', ...LONG });
  expect(await page.isEnabled('#cancel-upgrade'), 'cancel still possible before the data upgrade');
  await shot('14-upgrade-signed-off');
});
await step('Data upgrade swaps to the upgraded environment; Commit and Rollback are enabled', async () => {
  await page.click('#up-data');
  await page.waitForSelector('#upgrade-status[data-phase="data-upgraded"]', LONG);
  await page.waitForSelector('#up-commit:not([disabled])');
  expect(await page.isEnabled('#up-rollback'), 'Rollback enabled after the data upgrade');
  expect(await page.isDisabled('#up-data'), 'no second data upgrade');
  await shot('15-upgrade-data-upgraded');
});
await step('Commit: the environment is the upgraded one, on 8.1', async () => {
  await page.click('#up-commit');
  await page.waitForSelector('#upgrade-status[data-phase="committed"]', LONG);
  await page.waitForSelector('[data-field="application"] >> text=8.1', LONG);
  const r = await api('GET', '/api/environments/sales-uat/upgrade', ADMIN);
  expect(r.data.phase === 'committed', 'committed in the API');
  // the page re-renders from the event stream: wait for the toggle to go, then check
  await page.waitForSelector('#view-toggle', { state: 'hidden', ...LONG }).catch(() => {});
  expect(!(await page.isVisible('#view-toggle')), 'no toggle once committed');
  await shot('16-upgrade-committed');
});
await step('production: begin, data upgrade, then Rollback brings the original back on 7.3', async () => {
  await upgradeTo('sales-prod', '8.1/PU20', '17-prod-upgrade-panel');
  await page.waitForSelector('#up-data:not([disabled])', LONG);
  await page.click('#up-data');
  await page.waitForSelector('#upgrade-status[data-phase="data-upgraded"]', LONG);
  await shot('18-prod-data-upgraded');
  await page.click('#up-rollback');
  await page.waitForSelector('#upgrade-status[data-phase="rolled-back"]', LONG);
  await page.waitForSelector('[data-field="application"] >> text=7.3', LONG);
  const r = await api('GET', '/api/environments/sales-prod/upgrade', ADMIN);
  expect(r.data.phase === 'rolled-back', 'rolled back in the API');
  await shot('19-prod-rolled-back');
});
await step('Maintain → Database refresh asks for the source and refreshes the sandbox from production', async () => {
  await page.goto(URL + '/#/environments/sales-uat2');
  await page.waitForSelector('#maintain');
  await page.click('#maintain');
  await page.click('#db-refresh');
  await page.waitForSelector('#refresh-panel #refresh-from');
  const from = await page.$$eval('#refresh-from option', (os) => os.map((o) => o.value));
  expect(from.includes('sales-prod') && !from.includes('sales-uat2'), 'the other environments on its release offered');
  await page.selectOption('#refresh-from', 'sales-prod');
  await page.click('#refresh-go');
  await page.waitForSelector('#operation[data-state="succeeded"] >> text=db.refresh', LONG);
  await shot('20-db-refresh');
});
await step('the audit page lists who changed what', async () => {
  await page.click('a[data-nav="audit"]');
  await page.waitForSelector('td >> text=project.create');
  expect((await page.textContent('main')).includes('token:admin'), 'the actor');
  await shot('07-audit');
});
await step('a token is created once-shown and then revoked from the tokens page', async () => {
  await page.click('a[data-nav="tokens"]');
  await page.fill('#new-token', 'browser-ci');
  await page.selectOption('#new-token-role', 'operator');
  await page.click('#create-token');
  const secret = (await page.textContent('#new-secret')).trim();
  expect(/^ferry_[0-9a-f]{16}_[0-9a-f]{64}$/.test(secret), 'the secret shown');
  expect((await api('GET', '/api/whoami', secret)).status === 200, 'the new token to work');
  await page.waitForSelector('button[data-revoke="browser-ci"]');
  await shot('08-tokens');
  await page.click('button[data-revoke="browser-ci"]');
  await page.waitForSelector('tr[data-row="browser-ci"] .badge.revoked');
  expect((await api('GET', '/api/whoami', secret)).status === 401, 'the revoked token refused');
  await page.click('#secret-done');
  expect(!(await page.textContent('main')).includes(secret), 'the secret gone once copied');
});
await step('a viewer sees no create forms and no tokens page; Maintain actions are disabled', async () => {
  await page.click('#signout');
  await page.waitForSelector('#token');
  await page.fill('#token', VIEWER);
  await page.click('#signin');
  await page.waitForSelector('tr[data-row="contoso"]');
  expect(!(await page.isVisible('#create-project')), 'no project form');
  expect(!(await page.isVisible('a[data-nav="tokens"]')), 'no tokens link');
  await page.goto(URL + '/#/environments/contoso-uat');
  await page.waitForSelector('#maintain');
  for (const id of ['apply-updates', 'upgrade', 'cancel-upgrade', 'db-refresh'])
    expect(await page.isDisabled('#' + id), `${id} disabled for a viewer`);
  await page.waitForSelector('#operation');
  expect(await page.isDisabled('#op-resume') && await page.isDisabled('#op-abort'), 'operation actions disabled for a viewer');
});
await step('on a phone-sized screen pages fit the width', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  for (const hash of ['#/projects', '#/projects/contoso', '#/environments/contoso-uat', '#/audit']) {
    await page.goto(URL + '/' + hash);
    await page.waitForSelector('main h1');
    await page.waitForLoadState('networkidle').catch(() => {});
    const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(over <= 0, `no horizontal scrolling on ${hash} (overflow ${over}px)`);
    await shot('09-phone-' + hash.replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, ''));
  }
});
await step('no script errors on any page', async () => { expect(consoleErrors.length === 0, `none, got: ${consoleErrors.join('; ')}`); });

await ctx.close();
rmSync(profile, { recursive: true, force: true });
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
