// Browser journey of issue 12 item 5 (docs/privacy.md): a fan gives and withdraws email consent,
// downloads an archive of their data from the settings, then deletes the account: the form names
// each missing or wrong field, the deletion needs the password and a confirmation, and afterwards
// the account cannot sign in. Any console error, failed request or unexpected HTTP error fails a step.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../api/helpers/server.mjs';
import { readZip } from '../api/helpers/zip.mjs';
import { assertClean, assertNoHorizontalOverflow, launchBrowser, openPage, screenshot } from './helpers/browser.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const WEB_DIR = process.env.MC_WEB_DIR || path.resolve(here, '..', '..', 'web', 'dist');
const run = Date.now().toString(36);
const fan = { username: `priv_${run}`, email: `priv_${run}@example.com`, password: 'a private long password' };

let server;
let browser;

before(async () => {
  assert.ok(fs.existsSync(path.join(WEB_DIR, 'index.html')), `web app not built at ${WEB_DIR} (cd web && npm run build)`);
  server = await startServer({ name: 'e2e-privacy', env: { WEB_DIR, PUBLIC_URL: (s) => s.baseUrl } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

describe('privacy in the settings', () => {
  test('a fan changes email consent, downloads their data and deletes the account', async () => {
    const s = await openPage(browser, server.baseUrl);
    const { page } = s;
    await page.goto('/signup');
    await page.getByLabel('Username').fill(fan.username);
    await page.getByLabel('Email').fill(fan.email);
    await page.getByLabel('Password').fill(fan.password);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/signup'));

    await page.goto('/settings');
    const consent = page.getByLabel('Send me news and offers from MusicConnect by email');
    await consent.waitFor();
    assert.equal(await consent.isChecked(), false, 'no consent until given');
    await consent.check();
    await page.getByText('You will receive news by email').waitFor();
    const { rows: given } = await server.pool.query(
      "SELECT granted, source FROM consent_records c JOIN users u ON u.id = c.user_id WHERE u.username = $1 ORDER BY c.id", [fan.username]);
    assert.deepEqual(given, [{ granted: true, source: 'settings' }]);
    await consent.uncheck();
    await page.getByText('You will not receive news by email').waitFor();

    // Download my data: the archive is built by a job, then offered as a link.
    await page.getByRole('button', { name: 'Request my data' }).click();
    const link = page.getByRole('link', { name: 'Download archive' });
    await link.waitFor({ timeout: 60_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const file = await download.path();
    const files = readZip(fs.readFileSync(file));
    const users = JSON.parse(files.get('users.json').toString('utf8'));
    assert.equal(users[0].email, fan.email);
    const consents = JSON.parse(files.get('consent_records.json').toString('utf8'));
    assert.deepEqual(consents.map((c) => c.granted), [true, false]);
    await page.waitForLoadState('networkidle');
    assertClean(s, 'settings with privacy controls');
    await assertNoHorizontalOverflow(page);
    await screenshot(s, 'privacy-settings');

    // Deleting: nothing typed → both problems are named; a wrong password → said on the field.
    s.allow(/\/api\/me$/); // the refused attempts below answer 403 on purpose
    const del = page.getByRole('button', { name: 'Delete my account' });
    await del.click();
    await page.getByText('Password is needed: type the one you sign in with.').waitFor();
    await page.getByText('Tick “I understand that my account is deleted for good” to confirm that you want it deleted.').waitFor();
    const section = page.getByRole('region', { name: 'Delete your account' });
    await section.getByLabel('Password').fill('not my password at all');
    await section.getByLabel('I understand that my account is deleted for good').check();
    await del.click();
    await page.getByText('Password is not your current password: type the one you sign in with.').waitFor();
    const { rows: still } = await server.pool.query('SELECT deleted_at FROM users WHERE username = $1', [fan.username]);
    assert.equal(still[0].deleted_at, null, 'a refused deletion changes nothing');

    // With the keyboard: the right password, then Enter on the button.
    await section.getByLabel('Password').fill(fan.password);
    await section.getByLabel('Password').press('Tab');
    await page.keyboard.press('Tab');
    assert.equal(await del.evaluate((b) => b === document.activeElement), true, 'the delete button is reached by Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL('**/goodbye');
    await page.getByRole('heading', { name: 'Your account is deleted' }).waitFor();
    assertClean(s, 'account deleted');
    await screenshot(s, 'privacy-goodbye');
    const { rows: gone } = await server.pool.query("SELECT count(*)::int AS n FROM users WHERE email = $1 OR username = $2", [fan.email, fan.username]);
    assert.equal(gone[0].n, 0, 'no account holds the email or username any more');

    // The account is gone: signing in is refused.
    s.allow(/\/api\/auth\/login$/);
    await page.goto('/login');
    await page.getByLabel('Email').fill(fan.email);
    await page.getByLabel('Password').fill(fan.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').innerText(), /email or password is not right|Invalid email or password/i);
    await s.close();
  });
});
