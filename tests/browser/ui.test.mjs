// SPDX-License-Identifier: MIT
// ui.test.mjs: ferry's web UI in Debian's chromium (playwright-core, no downloaded
// browser). Run by tests/e2e/t0590-browser.sh, which starts ferryd and passes:
//   FERRY_URL, FERRY_ADMIN, FERRY_VIEWER (token secrets), ARTIFACTS (screenshot dir)
// Prints TAP. Each step is a user action and what the page must then show; axe-core
// checks every screen at 1400 and 390 px (lib.mjs). The upgrade flows, confirmations,
// failure panel and keyboard walk are in upgrade.flows.mjs.
import { launch, finish, step, expect, shot, api, axe, axeBoth, cancelDialog, confirmDialog, T, URL, ADMIN, VIEWER, LONG } from './lib.mjs';
import { upgradeFlows } from './upgrade.flows.mjs';

const page = await launch();

await step('without a token the sign-in page shows', async () => {
  await page.goto(URL + '/');
  await page.waitForSelector('#token');
  await axeBoth('sign-in');
  await shot('01-signin');
});
await step('a wrong token is refused with an error banner carrying the activity ID', async () => {
  await page.fill('#token', 'ferry_0000000000000000_' + '0'.repeat(64));
  await page.click('#signin');
  await page.waitForSelector('#banner:not([hidden])');
  expect(/unknown API token/.test(await page.textContent('#banner-text')), 'the reason in the banner');
  expect(/Activity ID: [0-9a-f-]{36}/.test(await page.textContent('#banner-activity')), 'an activity ID');
  await axe('sign-in refused');
  await shot('02-signin-refused');
});
await step('the admin token signs in and lists projects', async () => {
  await page.fill('#token', ADMIN);
  await page.click('#signin');
  await page.waitForSelector('tr[data-row="contoso"]');
  expect((await page.textContent('#who')).includes('admin'), 'the token name in the header');
  await page.waitForSelector('body[data-live="on"]');
  await axeBoth('projects');
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
  await axe('error banner');
  await shot('04-error-banner');
});
await step('a project page lists environments; an environment is created from its form', async () => {
  await page.goto(URL + '/#/projects/contoso');
  await page.waitForSelector('tr[data-row="contoso-uat"]');
  await page.fill('#new-env', 'contoso-sb2');
  await page.selectOption('#new-env-role', 'sandbox');
  await page.click('#create-env');
  await page.waitForSelector('tr[data-row="contoso-sb2"]');
  await axeBoth('project');
  await shot('05-project');
});
await step('a package is uploaded to the asset library from the project page', async () => {
  await page.setInputFiles('#upload-file', process.env.FERRY_UPLOAD);
  await page.click('#upload-go');
  await page.waitForSelector('#upload-status >> text=contoso-reports', LONG);
  await page.waitForSelector('[aria-label="Asset library"] td >> text=contoso-reports', LONG);
  const r = await api('GET', '/api/assets?project=contoso', ADMIN);
  expect(r.data.some((a) => a.name === 'contoso-reports'), 'the package in the library');
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
  await axeBoth('environment');
  await page.click('#maintain');
  await page.waitForSelector('#maintain-menu:not([hidden])');
  for (const id of ['apply-updates', 'upgrade', 'cancel-upgrade', 'db-refresh'])
    expect(await page.isVisible('#' + id), `the ${id} action`);
  expect(await page.getAttribute('#maintain', 'aria-expanded') === 'true', 'aria-expanded true while open');
  await axeBoth('Maintain menu open');
  await shot('06-env-maintain');
});
await step('the Maintain menu behaves like a menu: arrows move, Escape closes it and returns to its button', async () => {
  const first = await page.evaluate(() => document.activeElement.id);
  expect(first === 'apply-updates', `the first enabled item focused on opening (got ${first})`);
  await page.keyboard.press('ArrowDown');
  expect(await page.evaluate(() => document.activeElement.id) === 'upgrade', 'ArrowDown to Upgrade');
  await page.keyboard.press('ArrowUp');
  expect(await page.evaluate(() => document.activeElement.id) === 'apply-updates', 'ArrowUp back');
  await page.keyboard.press('End');
  expect(await page.evaluate(() => document.activeElement.id) === 'rt-start', 'End to the last item');
  await page.keyboard.press('Home');
  await page.keyboard.press('ArrowDown'); await page.keyboard.press('ArrowDown');
  // a disabled item is still reached, and says why (aria-describedby, visible text)
  expect(await page.evaluate(() => document.activeElement.id) === 'cancel-upgrade', 'ArrowDown reaches a disabled item');
  expect(await page.evaluate(() => document.activeElement.getAttribute('aria-disabled')) === 'true', 'marked aria-disabled');
  await page.keyboard.press('Escape');
  await page.waitForSelector('#maintain-menu', { state: 'hidden' });
  expect(await page.evaluate(() => document.activeElement.id) === 'maintain', 'focus back on Maintain');
  expect(await page.getAttribute('#maintain', 'aria-expanded') === 'false', 'aria-expanded false once closed');
  await page.keyboard.press('ArrowDown');
  await page.waitForSelector('#maintain-menu:not([hidden])');
  await page.keyboard.press('Escape');
});
await step('Maintain actions are enabled only when valid (cancel without an upgrade never is)', async () => {
  await page.click('#maintain');
  expect(await page.isDisabled('#cancel-upgrade'), 'Cancel upgrade disabled');
  expect(await page.isVisible('#cancel-upgrade-why'), 'the reason shown as text, not a tooltip');
  expect((await page.textContent('#cancel-upgrade-why')) === 'no upgrade in progress', 'the reason');
  expect(await page.getAttribute('#cancel-upgrade', 'aria-describedby') === 'cancel-upgrade-why', 'the reason tied to the item');
  await page.keyboard.press('Escape');
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
  expect((await api('GET', `/api/operations/${r.data.activity_id}`, ADMIN)).data.actions.includes('abort'), 'the API allows abort while it waits');
  expect(await page.isVisible('#op-abort'), 'Abort offered while it waits (the API allows it)');
  await shot('06b-op-awaiting');
  expect(await page.isVisible('#op-resume-why'), 'why Resume is disabled, in text');
  await axe('operation awaiting confirmation');
  await page.click('#op-confirm');
  await page.waitForSelector('#operation[data-state="succeeded"]');
  await page.waitForSelector('#timeline li[data-step="finish"][data-state="succeeded"]');
  expect(await page.isDisabled('#op-confirm'), 'no Confirm on a finished operation');
  expect((await api('GET', `/api/operations/${r.data.activity_id}`, ADMIN)).data.actions.length === 0, 'the API allows nothing on a finished operation');
  expect(await page.$('#op-abort') === null, 'no Abort on a finished operation (the API refuses it)');
  await shot('06c-op-succeeded');
});
await step('a failed step shows its error; Resume is enabled and finishes the operation', async () => {
  const r = await api('POST', '/api/selftest', ADMIN, { env: 'contoso-uat', fail_at: 'write-files', ticks: 1 });
  expect(r.status === 202, `the selftest queued (got ${r.status})`);
  await page.waitForSelector(`#operation[data-state="failed"] >> text=${r.data.activity_id}`);
  await page.waitForSelector('#timeline li[data-step="write-files"][data-state="failed"]');
  expect((await page.textContent('#operation')).includes('injected failure'), 'the step error shown');
  await shot('06d-op-failed');
  expect(await page.isVisible('#op-abort'), 'Abort offered on a failed selftest (its kind has a clean-up)');
  await page.click('#op-resume');
  await page.waitForSelector('#operation[data-state="succeeded"]');
  expect((await page.textContent('#timeline li[data-step="write-files"]')).includes('2 attempts'), 'the step ran twice');
});
await step('Abort asks first: Cancel leaves the operation waiting, Abort ends it', async () => {
  const r = await api('POST', '/api/selftest', ADMIN, { env: 'contoso-uat', manual: true, ticks: 1, tick_ms: 1 });
  await page.waitForSelector(`#operation[data-state="awaiting-confirmation"] >> text=${r.data.activity_id}`);
  await page.click('#op-abort');
  await page.waitForSelector('dialog#confirm[open]');
  expect((await page.textContent('[data-confirm="environment"]')) === 'contoso-uat (sandbox)', 'the environment and its role in the dialog');
  expect((await page.textContent('[data-confirm="cannot-be-undone"]')).length > 10, 'what cannot be undone');
  await axeBoth('confirmation dialog');
  await shot('06e-confirm-abort');
  await cancelDialog('escape');
  expect(await page.evaluate(() => document.activeElement.id) === 'op-abort', 'focus back on Abort after Escape');
  expect((await api('GET', `/api/operations/${r.data.activity_id}`, ADMIN)).data.state === 'awaiting-confirmation', 'nothing changed');
  await page.click('#op-abort');
  await confirmDialog('contoso-uat');
  await page.waitForSelector(`#operation[data-state="aborted"]`);
  expect((await api('GET', `/api/operations/${r.data.activity_id}`, ADMIN)).data.state === 'aborted', 'aborted in the API');
});
await step('Abort is not offered where the API refuses it: an interrupted database copy (no clean-up)', async () => {
  await page.goto(URL + '/#/environments/contoso-dev');
  await page.waitForSelector('#operation[data-state="interrupted"]');
  const id = await page.textContent('#op-activity');
  const got = (await api('GET', `/api/operations/${id}`, ADMIN)).data;
  expect(got.kind === 'db.copy' && got.actions.includes('resume') && !got.actions.includes('abort'), `resume but no abort in the API's actions (got ${got.actions})`);
  expect(await page.$('#op-abort') === null, 'no Abort button');
  expect(await page.isEnabled('#op-resume'), 'Resume offered');
  const r = await api('POST', `/api/operations/${id}/abort`, ADMIN);
  expect(r.status >= 400 && /cannot be aborted/.test(r.data.error.message), `the API refuses the abort (got ${r.status})`);
  await page.goto(URL + '/#/environments/contoso-uat');
  await page.waitForSelector('#operation');
});
await step('a running step shows an elapsed counter that moves', async () => {
  const r = await api('POST', '/api/selftest', ADMIN, { env: 'contoso-uat', ticks: 60, tick_ms: 100 });
  expect(r.status === 202, 'the selftest queued');
  const counter = await page.waitForSelector('#timeline [data-running]', LONG);
  const a = await counter.textContent();
  await page.waitForFunction((t) => { const el = document.querySelector('#timeline [data-running]'); return !el || el.textContent !== t; }, a, { timeout: 5000 });
  await page.waitForSelector(`#operation[data-state="succeeded"] >> text=${r.data.activity_id}`, LONG);
});
await step('operation history lists the operations; the operation page shows steps, attempts and the log', async () => {
  await page.waitForSelector('#history, [aria-label="Operation history"]');
  const kinds = await page.$$eval('[aria-label="Operation history"] tbody tr td:first-child', (tds) => tds.map((t) => t.textContent));
  expect(kinds.filter((k) => k === 'op.selftest').length >= 4, `the selftests in the history (got ${kinds.join(', ')})`);
  const durations = await page.$$eval('[aria-label="Operation history"] tbody tr td:nth-child(4)', (tds) => tds.map((t) => t.textContent));
  expect(durations.every((d) => /\d/.test(d)), 'a duration on each');
  await axeBoth('environment with history');
  await shot('06f-history');
  // the failed-then-resumed selftest: its write-files step ran twice
  const ops = (await api('GET', '/api/operations?env=contoso-uat&limit=20', ADMIN)).data;
  const resumed = ops.find((o) => o.kind === 'op.selftest' && o.state === 'succeeded' && o.params && o.params.fail_at);
  const id = (resumed || ops.find((o) => o.kind === 'op.selftest')).activity_id;
  await page.click(`[aria-label="Operation history"] a[href="#/operations/${id}"]`);
  await page.waitForSelector('#op-fields');
  // the page is drawn before its log is read; the heading takes the focus once it has loaded
  const focused = await page.waitForFunction(() => document.activeElement && document.activeElement.tagName === 'H1', null, { timeout: 5000 })
    .then(() => true, () => false);
  expect(focused, 'focus on the new page heading');
  await page.waitForSelector('#op-log');
  await page.waitForFunction(() => /== \S+ \(/.test(document.querySelector('#op-log').textContent));
  const log = await page.textContent('#op-log');
  expect(!/\/tmp\//.test(log), 'no server paths in the log shown');
  if (resumed) expect((await page.textContent('tr[data-row="write-files"]')).includes('2'), 'two attempts of write-files');
  await axeBoth('operation page');
  await shot('06g-operation-page');
});
await upgradeFlows(page);
await step('the audit page lists who changed what', async () => {
  await page.click('a[data-nav="audit"]');
  await page.waitForSelector('td >> text=project.create');
  expect((await page.textContent('main')).includes('token:admin'), 'the actor');
  await axeBoth('audit');
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
  await axeBoth('tokens');
  await shot('08-tokens');
  await page.click('button[data-revoke="browser-ci"]');
  await page.waitForSelector('dialog#confirm[open]');
  expect((await page.textContent('#confirm-form')).includes('cannot be made active again'), 'what cannot be undone');
  await cancelDialog();
  expect((await api('GET', '/api/whoami', secret)).status === 200, 'Cancel: the token still works');
  await page.click('button[data-revoke="browser-ci"]');
  await confirmDialog();
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
  await page.click('#maintain');
  for (const id of ['apply-updates', 'upgrade', 'cancel-upgrade', 'db-refresh'])
    expect(await page.isDisabled('#' + id), `${id} disabled for a viewer`);
  expect((await page.textContent('#upgrade-why')) === 'needs the operator role', 'the reason shown');
  await page.keyboard.press('Escape');
  await page.waitForSelector('#operation');
  expect(await page.isDisabled('#op-resume'), 'Resume disabled for a viewer');
  expect(await page.$('#op-abort') === null, 'no Abort for a viewer (the API refuses it: operator role)');
});
await step('on a phone-sized screen pages fit the width; the nav is one row, IDs do not wrap', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  for (const hash of ['#/projects', '#/projects/contoso', '#/environments/contoso-uat', '#/audit']) {
    await page.goto(URL + '/' + hash);
    await page.waitForSelector('main h1');
    await page.waitForLoadState('networkidle').catch(() => {});
    const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(over <= 0, `no horizontal scrolling on ${hash} (overflow ${over}px)`);
    const navRows = await page.evaluate(() => new Set([...document.querySelectorAll('#nav a')].filter((a) => a.offsetParent).map((a) => a.getBoundingClientRect().top)).size);
    expect(navRows === 1, `the nav links on one row (got ${navRows})`);
    await shot('09-phone-' + hash.replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, ''));
  }
  // the audit log keeps every column (it scrolls inside its own focusable region) and IDs on one line
  const cols = await page.$$eval('[aria-label="Audit log"] thead th', (ths) => ths.filter((t) => t.offsetParent).length);
  expect(cols === 8, `all 8 audit columns shown (got ${cols})`);
  expect(await page.getAttribute('[aria-label="Audit log"]', 'tabindex') === '0', 'the scroll region reachable by keyboard');
  const tall = await page.$$eval('code.id', (cs) => cs.filter((c) => c.textContent.length === 36 && c.getClientRects().length > 1).length);
  expect(tall === 0, `no activity ID wraps (got ${tall})`);
  await page.setViewportSize({ width: 1400, height: 900 });
});
await step('no script errors and no failed loads (404) on any page', async () => {
  const bad = T.consoleErrors.filter((e) => !/status of (401|409)/.test(e));
  expect(bad.length === 0, `none, got: ${bad.join('; ')}`);
  const screens = ['sign-in', 'projects', 'project', 'environment', 'Maintain menu open', 'confirmation dialog', 'environment with history',
    'operation page', 'upgrade panel with preflight', 'upgrade prepared (original view)', 'upgrade view', 'package awaiting sign-off',
    'data-upgraded', 'committed', 'rollback confirmation (production)', 'failure panel', 'audit', 'tokens'];
  const missing = screens.flatMap((s) => [1400, 390].map((w) => `${s}@${w}`)).filter((k) => !T.axeSeen.has(k));
  expect(missing.length === 0, `axe on every screen at 1400 and 390 px (missing: ${missing.join(', ')})`);
});

await finish();
