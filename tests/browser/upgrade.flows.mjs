// SPDX-License-Identifier: MIT
// upgrade.flows.mjs: upgrades in the browser (ui.test.mjs runs them after the basics):
// a sandbox upgrade clicked through to commit with every confirmation answered Cancel
// first (nothing changes) and then confirmed; production rolled back (the name typed,
// the writes at stake shown); Cancel upgrade and Database refresh; the failure panel
// after the ttscommit fault with Resume once it is cleared; a keyboard-only walk of a
// sandbox upgrade from begin to commit. axe-core runs at each phase, both widths.
import { step, expect, shot, api, axeBoth, cancelDialog, confirmDialog, URL, ADMIN, LONG } from './lib.mjs';

const phaseOf = async (env) => (await api('GET', `/api/environments/${env}/upgrade`, ADMIN)).data.phase;
const opsOf = async (env) => (await api('GET', `/api/operations?env=${env}&limit=50`, ADMIN)).data;
const focused = (page) => page.evaluate(() => document.activeElement.id);
async function until(fn, what, ms = 60000) {
  const end = Date.now() + ms;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function upgradeFlows(page) {
  const pickFabrikam = async () => {
    await page.waitForSelector('#apply-package');
    const v = await page.$eval('#apply-package', (s) => [...s.options].find((o) => o.text.startsWith('fabrikam-tax')).value);
    await page.selectOption('#apply-package', v);
  };
  async function upgradeTo(env, target, shotName) {
    await page.goto(URL + '/#/environments/' + env);
    await page.waitForSelector('#maintain');
    await page.click('#maintain');
    expect(await page.isEnabled('#upgrade'), 'Upgrade enabled on a deployed environment');
    await page.click('#upgrade');
    await page.waitForSelector('#upgrade-panel #upgrade-target');
    expect(await focused(page) === 'upgrade-panel-title', 'focus moved into the panel');
    const options = await page.$$eval('#upgrade-target option', (os) => os.map((o) => o.value));
    expect(options.includes(target), `the target ${target} offered (got ${options.join(', ')})`);
    await page.selectOption('#upgrade-target', target);
    await page.waitForSelector('#preflight li[data-check="rehearsal"]', LONG);
    if (shotName) { await axeBoth('upgrade panel with preflight'); await shot(shotName); }
    await page.click('#upgrade-begin');
    await page.waitForSelector('#upgrade-status[data-phase="prepared"]', LONG);
    await page.waitForSelector('#operation[data-state="succeeded"]', LONG);
  }

  await step('development: Copy a database from production, then Rehearse the data upgrade, each asked first', async () => {
    const count = async (kind) => (await opsOf('sales-dev')).filter((o) => o.kind === kind && o.state === 'succeeded').length;
    const [copies, rehearsals] = [await count('db.copy'), await count('env.data-upgrade')];
    await page.goto(URL + '/#/environments/sales-dev');
    await page.waitForSelector('#maintain');
    await page.click('#maintain');
    await page.click('#db-copy');
    await page.waitForSelector('#copy-panel #copy-from');
    expect(/\(production,/.test(await page.$eval('#copy-from', (s) => s.selectedOptions[0].text)), 'a production environment offered first');
    await page.selectOption('#copy-from', 'sales-prod');
    await page.click('#copy-go');
    await cancelDialog();
    expect(await count('db.copy') === copies, 'no copy after Cancel');
    await page.click('#copy-go');
    await confirmDialog('sales-dev');
    await until(async () => (await count('db.copy')) === copies + 1, 'the copy done');
    await page.waitForSelector('#rehearse:not([aria-disabled])', { state: 'attached', ...LONG });
    await page.click('#maintain');
    await page.click('#rehearse');
    await confirmDialog('sales-dev');
    await until(async () => (await count('env.data-upgrade')) === rehearsals + 1, 'the rehearsal done');
    await page.waitForSelector('[aria-label="Operation history"] td >> text=env.data-upgrade', LONG);
    await shot('09b-dev-rehearsed');
  });
  await step('Maintain → Upgrade: the panel shows the targets and the preflight; begin prepares the upgrade', async () => {
    await upgradeTo('sales-uat', '8.1/PU20', '10-upgrade-panel');
    expect((await page.textContent('#operation')).includes('upgrade.prepare'), 'the prepare operation on the timeline');
    expect(await page.$('#op-resume') === null && await page.isVisible('#op-owned'), 'no second set of upgrade actions');
    await page.waitForSelector('#upgrade[aria-disabled="true"]', { state: 'attached', ...LONG });
    expect(await page.isDisabled('#upgrade'), 'Upgrade not offered twice');
    await axeBoth('upgrade prepared (original view)');
    await shot('11-upgrade-prepared');
  });
  await step('the original / upgrade-in-progress toggle shows each side, every field filled, times in the browser zone', async () => {
    await page.waitForSelector('#view-toggle');
    expect((await page.textContent('[data-field="application"]')) === '7.3', 'the original on 7.3');
    await page.click('#view-upgrade');
    await page.waitForSelector('#env-fields[data-view="upgrade"]');
    expect(await focused(page) === 'view-upgrade', 'focus stays on the toggle after the re-render');
    expect((await page.textContent('[data-field="application"]')) === '8.1', 'the upgrade in progress on 8.1');
    for (const f of ['product', 'created', 'updated', 'address', 'release'])
      expect((await page.textContent(`[data-field="${f}"]`)).trim() !== '–', `${f} filled in the upgrade view`);
    const created = await page.$('[data-field="created"] time');
    expect(/CET|GMT\+1/.test(await created.textContent()), 'the time in the browser zone, zone named');
    expect(/ UTC$/.test(await created.getAttribute('title')), 'UTC on hover');
    await axeBoth('upgrade view');
    await shot('12-view-upgrade-in-progress');
    await page.click('#view-original');
    await page.waitForSelector('#env-fields[data-view="original"]');
  });
  await step('a package applied to the upgrade waits for sign-off in the upgrade card only; Data upgrade says why it waits', async () => {
    await page.click('#up-apply');
    await page.waitForSelector('#apply-panel #apply-package');
    expect(await focused(page) === 'apply-panel-title', 'focus moved into the panel');
    await pickFabrikam();
    await page.click('#apply-go');
    await page.waitForSelector('#up-signoff:not([disabled])', LONG);
    expect(await page.isDisabled('#up-data'), 'Data upgrade disabled before the sign-off');
    expect((await page.textContent('#up-data-why')) === 'sign off the applied package first', 'the reason, in text');
    expect(await page.isDisabled('#up-commit') && await page.isVisible('#up-commit-why'), 'Commit disabled, saying why');
    expect(await page.$$eval('button', (bs) => bs.filter((b) => b.offsetParent && /Sign off/.test(b.textContent)).length) === 1, 'one Sign off button');
    await axeBoth('package awaiting sign-off');
    await shot('13-upgrade-package-awaiting-signoff');
  });
  await step('Rollback package asks first: Cancel keeps the package, confirm takes it back', async () => {
    await page.click('#up-rollback-package');
    await cancelDialog();
    const up = (await api('GET', '/api/environments/sales-uat/upgrade', ADMIN)).data;
    expect(up.packages.some((p) => p.state === 'awaiting-signoff'), 'the package still waits for its sign-off');
    await page.click('#up-rollback-package');
    await confirmDialog('sales-uat');
    await until(async () => !(await api('GET', '/api/environments/sales-uat/upgrade', ADMIN)).data.packages.some((p) => p.state === 'awaiting-signoff'), 'the package rolled back');
    await page.waitForSelector('#up-apply:not([disabled])', LONG);
  });
  await step('the package applied again and signed off from the upgrade card', async () => {
    await page.click('#up-apply');
    await pickFabrikam();
    await page.click('#apply-go');
    await page.waitForSelector('#up-signoff:not([disabled])', LONG);
    await page.click('#up-signoff');
    await page.waitForSelector('#up-data:not([disabled])', LONG);
    await page.waitForSelector('#cancel-upgrade:not([aria-disabled])', { state: 'attached', ...LONG });
    expect(await page.isEnabled('#cancel-upgrade'), 'cancel still possible before the data upgrade');
    await shot('14-upgrade-signed-off');
  });
  await step('Data upgrade asks first (downtime predicted, what cannot be undone); Cancel changes nothing, confirm swaps', async () => {
    await page.click('#up-data');
    await page.waitForSelector('dialog#confirm[open]');
    expect(/predicted/.test(await page.textContent('[data-confirm="downtime"]')), 'the predicted downtime');
    expect(/cannot be cancelled/.test(await page.textContent('[data-confirm="cannot-be-undone"]')), 'what cannot be undone');
    await shot('15a-confirm-data-upgrade');
    await cancelDialog();
    expect(await phaseOf('sales-uat') === 'prepared', 'still prepared after Cancel');
    await page.click('#up-data');
    await confirmDialog('sales-uat');
    await page.waitForSelector('#banner.info:not([hidden]) >> text=/Data upgrade started|upgrade.data finished/');
    await page.waitForSelector('#upgrade-status[data-phase="data-upgraded"]', LONG);
    await page.waitForSelector('#up-commit:not([disabled])');
    expect(await page.isEnabled('#up-rollback'), 'Rollback enabled after the data upgrade');
    expect(await page.isDisabled('#up-data'), 'no second data upgrade');
    await page.waitForSelector('#downtime-measured');
    await page.waitForFunction(() => !/started/.test(document.querySelector('#banner').hidden ? '' : document.querySelector('#banner-text').textContent), null, { timeout: 15000 });
    await axeBoth('data-upgraded');
    await shot('15-upgrade-data-upgraded');
  });
  await step('Commit asks first; Cancel leaves it data-upgraded, confirm commits on 8.1', async () => {
    await page.click('#up-commit');
    await page.waitForSelector('dialog#confirm[open]');
    expect(/no rollback/.test(await page.textContent('[data-confirm="cannot-be-undone"]')), 'no rollback after a commit');
    await cancelDialog();
    expect(await phaseOf('sales-uat') === 'data-upgraded', 'still data-upgraded after Cancel');
    await page.click('#up-commit');
    await confirmDialog('sales-uat');
    await page.waitForSelector('#upgrade-status[data-phase="committed"]', LONG);
    await page.waitForSelector('[data-field="application"] >> text=8.1', LONG);
    await page.waitForSelector('#view-toggle', { state: 'detached', ...LONG });
    const kinds = await page.$$eval('[aria-label="Operation history"] tbody tr td:first-child', (tds) => tds.map((t) => t.textContent));
    for (const k of ['upgrade.prepare', 'upgrade.data', 'upgrade.commit']) expect(kinds.includes(k), `${k} in the history`);
    await axeBoth('committed');
    await shot('16-upgrade-committed');
  });
  await step('production: Data upgrade needs the name typed; Rollback shows the writes at stake, Escape changes nothing, confirm rolls back', async () => {
    await upgradeTo('sales-prod', '8.1/PU20', '17-prod-upgrade-panel');
    await page.waitForSelector('#up-data:not([disabled])', LONG);
    await page.click('#up-data');
    await page.waitForSelector('dialog#confirm[open] #confirm-type');
    await page.fill('#confirm-type', 'sales-pro');
    expect(await page.isDisabled('#confirm-go'), 'a wrong name does not confirm');
    await confirmDialog('sales-prod');
    await page.waitForSelector('#upgrade-status[data-phase="data-upgraded"]', LONG);
    await shot('18-prod-data-upgraded');
    // users write to the upgraded production through the application's API: the writes at stake
    const url = (await api('GET', '/api/environments/sales-prod?view=upgrade', ADMIN)).data.url;
    for (const who of ['ada', 'grace']) {
      const w = await fetch(`${url}/customers`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ first_name: who, last_name: 'Browser', email: `${who}@browser.test` }) });
      expect(w.ok, `the application took a write (got ${w.status})`);
    }
    await page.click('#up-rollback');
    await page.waitForSelector('dialog#confirm[open] #confirm-type');
    await page.waitForSelector('#confirm-writes');
    const writes = await page.textContent('#confirm-writes');
    expect(/Rows written since the swap\s*[2-9]/.test(writes), `the writes at stake from the rollback plan (got ${writes})`);
    expect((await page.textContent('[data-confirm="environment"]')) === 'sales-prod (production)', 'environment and role');
    await axeBoth('rollback confirmation (production)');
    await shot('18a-confirm-prod-rollback');
    await cancelDialog('escape');
    expect(await phaseOf('sales-prod') === 'data-upgraded', 'still data-upgraded after Escape');
    await page.click('#up-rollback');
    await confirmDialog('sales-prod');
    await page.waitForSelector('#upgrade-status[data-phase="rolled-back"]', LONG);
    await page.waitForSelector('[data-field="application"] >> text=7.3', LONG);
    expect(await phaseOf('sales-prod') === 'rolled-back', 'rolled back in the API');
    await shot('19-prod-rolled-back');
  });
  await step('Maintain → Cancel upgrade asks first: Cancel keeps the prepared upgrade, confirm cancels it', async () => {
    await upgradeTo('sales-uat2', '8.1/PU20');
    await page.click('#maintain');
    await page.click('#cancel-upgrade');
    await page.waitForSelector('dialog#confirm[open]');
    expect(/deleted/.test(await page.textContent('#confirm-form')), 'what is deleted');
    await cancelDialog();
    expect(await phaseOf('sales-uat2') === 'prepared', 'still prepared after Cancel');
    await page.click('#maintain');
    await page.click('#cancel-upgrade');
    await confirmDialog('sales-uat2');
    await page.waitForSelector('#upgrade-status[data-phase="cancelled"]', LONG);
  });
  await step('Maintain → Database refresh asks for the source, then for a confirmation; Cancel runs nothing', async () => {
    await page.waitForSelector('[data-field="state"] >> text=deployed', LONG);
    await page.click('#maintain');
    await page.click('#db-refresh');
    await page.waitForSelector('#refresh-panel #refresh-from');
    const from = await page.$$eval('#refresh-from option', (os) => os.map((o) => o.value));
    expect(from.includes('sales-prod') && !from.includes('sales-uat2'), 'the other environments on its release offered');
    await page.selectOption('#refresh-from', 'sales-prod');
    const before = (await opsOf('sales-uat2')).filter((o) => o.kind === 'db.refresh').length;
    await page.click('#refresh-go');
    await page.waitForSelector('dialog#confirm[open]');
    expect(/is lost/.test(await page.textContent('[data-confirm="cannot-be-undone"]')), 'the changes lost');
    await cancelDialog();
    expect((await opsOf('sales-uat2')).filter((o) => o.kind === 'db.refresh').length === before, 'no refresh after Cancel');
    await page.click('#refresh-go');
    await confirmDialog('sales-uat2');
    await page.waitForSelector('#operation[data-state="succeeded"] >> text=db.refresh', LONG);
    await shot('20-db-refresh');
  });
  await step('Maintain → Stop asks first (Cancel keeps it serving), then Start brings it back', async () => {
    const rt = async () => (await api('GET', '/api/environments/sales-uat2', ADMIN)).data.runtime;
    await page.waitForSelector('#rt-stop:not([aria-disabled])', { state: 'attached', ...LONG });
    await page.click('#maintain');
    await page.click('#rt-stop');
    await cancelDialog();
    expect(await rt() === 'running', 'still running after Cancel');
    await page.click('#maintain');
    await page.click('#rt-stop');
    await confirmDialog('sales-uat2');
    await until(async () => (await rt()) === 'stopped', 'stopped');
    await page.waitForSelector('#rt-start:not([aria-disabled])', { state: 'attached', ...LONG });
    await page.click('#maintain');
    await page.click('#rt-start');
    await until(async () => (await rt()) === 'running', 'running again');
  });
  await step('a failed data upgrade (fault ttscommit=1): one failure panel, red badges, no server paths', async () => {
    const b = await api('POST', '/api/environments/sales-fail/upgrade', ADMIN, { to: '8.1/PU20' });
    expect(b.status === 202, `begin queued (got ${b.status})`);
    await until(async () => (await phaseOf('sales-fail')) === 'prepared' && (await api('GET', `/api/operations/${b.data.activity_id}`, ADMIN)).data.state === 'succeeded', 'prepared');
    const f = await api('PATCH', '/api/environments/sales-fail/config?view=upgrade', ADMIN, { set: { 'faults.ttscommit': '1' } });
    expect(f.status === 200 && f.data.faults.ttscommit === 1, 'the fault switched on');
    await page.goto(URL + '/#/environments/sales-fail');
    await page.waitForSelector('#up-data:not([disabled])', LONG);
    await page.click('#up-data');
    await confirmDialog('sales-fail');
    await page.waitForSelector('#failure', LONG);
    const title = await page.textContent('#failure-title');
    expect(title.startsWith('Failed at step data-upgrade (app-config-sync): '), `the step named (got ${title})`);
    expect(title.includes('Application configuration sync failed. Call to TTSCOMMIT without first calling TTSBEGIN.'), 'the reason');
    expect(!/\/(tmp|home|var|work)\//.test(await page.textContent('main')), 'no server paths on the page');
    expect((await page.textContent('h1 .badge')) === 'upgrade failed' && await page.$('h1 .badge.failed'), 'the environment badge red');
    expect(await page.$('#upgrade-title .badge.failed'), 'the phase badge red');
    for (const id of ['fail-resume', 'fail-rerun', 'fail-rollback'])
      expect((await page.textContent(`#${id}-what`)).length > 30, `a sentence on what ${id} does`);
    const resumes = await page.$$eval('button', (bs) => bs.filter((b) => b.offsetParent && b.textContent.trim() === 'Resume').length);
    expect(resumes === 1, `one Resume button (got ${resumes})`);
    expect(await page.isVisible('#downtime-clock'), 'the downtime clock runs while the original is stopped');
    expect((await page.textContent('[data-field="address"]')).includes('(stopped)'), 'the original shown stopped, at its own address');
    await axeBoth('failure panel');
    await shot('21-upgrade-failed');
  });
  await step('the fault cleared, Resume from the failure panel finishes the data upgrade', async () => {
    const f = await api('PATCH', '/api/environments/sales-fail/config?view=upgrade', ADMIN, { unset: ['faults.ttscommit'] });
    expect(f.status === 200 && !('ttscommit' in (f.data.faults || {})), 'the fault cleared');
    await page.click('#fail-resume');
    await page.waitForSelector('#upgrade-status[data-phase="data-upgraded"]', LONG);
    await page.waitForSelector('#failure', { state: 'detached' });
    await page.waitForSelector('#downtime-measured');
    expect(await page.$('h1 .badge.failed') === null, 'no red badge once resumed');
    await shot('22-upgrade-resumed');
  });
  await step('keyboard only (Tab, Enter, Space, Escape): a sandbox upgrade from begin to commit', async () => {
    await page.goto(URL + '/#/environments/sales-kbd');
    await page.reload(); // a fresh page: the keyboard starts at the top of the document
    await page.waitForSelector('#maintain');
    const tabTo = async (id, max = 80) => {
      for (let i = 0; i < max; i++) {
        if (await focused(page) === id) return;
        await page.keyboard.press('Tab');
      }
      throw new Error(`Tab never reached #${id} (at #${await focused(page)})`);
    };
    await page.keyboard.press('Tab');
    expect(await focused(page) === 'skip', 'the first Tab reaches the skip link');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement.tagName) === 'H1', 'the skip link moves to the heading');
    await tabTo('maintain');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#maintain-menu:not([hidden])');
    await page.keyboard.press('Escape');
    expect(await focused(page) === 'maintain', 'Escape closes the menu');
    await page.keyboard.press('Space');
    await page.waitForSelector('#maintain-menu:not([hidden])');
    for (let i = 0; i < 6 && await focused(page) !== 'upgrade'; i++) await page.keyboard.press('ArrowDown');
    expect(await focused(page) === 'upgrade', 'the arrows reach Upgrade');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#upgrade-panel');
    expect(await focused(page) === 'upgrade-panel-title', 'focus in the upgrade panel');
    await tabTo('upgrade-begin');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#upgrade-status[data-phase="prepared"]', LONG);
    await page.waitForSelector('#up-data:not([disabled])', LONG);
    await tabTo('up-data');
    await page.keyboard.press('Enter');
    await page.waitForSelector('dialog#confirm[open]');
    expect(await focused(page) === 'confirm-cancel', 'the dialog opens on Cancel');
    await page.keyboard.press('Escape');
    await page.waitForSelector('dialog#confirm:not([open])', { state: 'attached' });
    expect(await focused(page) === 'up-data', 'Escape returns to Data upgrade');
    expect(await phaseOf('sales-kbd') === 'prepared', 'nothing changed');
    await page.keyboard.press('Enter');
    await page.waitForSelector('dialog#confirm[open]');
    await page.keyboard.press('Tab');
    expect(await focused(page) === 'confirm-go', 'Tab to the confirm button');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#upgrade-status[data-phase="data-upgraded"]', LONG);
    await page.waitForSelector('#up-commit:not([disabled])', LONG);
    await tabTo('up-commit');
    await page.keyboard.press('Space');
    await page.waitForSelector('dialog#confirm[open]');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Space');
    await page.waitForSelector('#upgrade-status[data-phase="committed"]', LONG);
    expect(await phaseOf('sales-kbd') === 'committed', 'committed in the API');
    expect(await page.evaluate(() => document.activeElement !== document.body), 'the focus never fell back to the page body');
    await shot('23-keyboard-committed');
  });
}
