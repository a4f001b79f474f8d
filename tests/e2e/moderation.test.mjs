// Browser journey of issue 12 items 4 and 6 (docs/admin.md): a fan reports a comment from the
// track page, an admin hides it from the moderation queue in the admin console, the comment is gone
// for the fan, and the console's audit log shows the action. The console is admins only; every
// page is checked at phone width. Any console error, failed request or unexpected HTTP error fails.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../api/helpers/server.mjs';
import { registerUser, uniqueName } from '../api/helpers/fixtures.mjs';
import { readyTrack } from '../api/helpers/media.mjs';
import { PHONE, assertClean, assertNoHorizontalOverflow, launchBrowser, openPage, screenshot } from './helpers/browser.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const WEB_DIR = process.env.MC_WEB_DIR || path.resolve(here, '..', '..', 'web', 'dist');

let server;
let browser;
const sessions = [];

before(async () => {
  assert.ok(fs.existsSync(path.join(WEB_DIR, 'index.html')), `web app not built at ${WEB_DIR} (cd web && npm run build)`);
  server = await startServer({ name: 'e2e-moderation', env: { WEB_DIR, PUBLIC_URL: (s) => s.baseUrl } });
  browser = await launchBrowser();
});

after(async () => {
  for (const s of sessions) await s.close().catch(() => {});
  await browser?.close();
  await server?.stop();
});

async function signedIn(user, options) {
  const s = await openPage(browser, server.baseUrl, options);
  sessions.push(s);
  const { page } = s;
  await page.goto('/login');
  await page.getByLabel('Email').fill(user.input.email);
  await page.getByLabel('Password').fill(user.input.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  return s;
}

describe('moderation', () => {
  test('a fan reports a comment, an admin hides it from the queue, it is gone for the fan and the audit log shows it', async () => {
    const api = server.api;
    const artist = await registerUser(api, { role: 'artist', artistName: `Moderated ${uniqueName('a')}` });
    const rel = (await api.post('/api/releases', { title: 'Reported EP', kind: 'ep' }, { token: artist.token })).body;
    const track = await readyTrack(server, artist.token, { releaseId: rel.id, title: 'Reported track' });
    assert.equal((await api.json('PATCH', `/api/releases/${rel.id}`, { token: artist.token, body: { published: true } })).status, 200);
    const troll = await registerUser(api);
    const nasty = 'You are all idiots, buy my followers';
    assert.equal((await api.post(`/api/content/${track.id}/comments`, { body: nasty }, { token: troll.token })).status, 201);
    assert.equal((await api.post(`/api/content/${track.id}/comments`, { body: 'Lovely tune' }, { token: artist.token })).status, 201);
    const fan = await registerUser(api);
    const adminUser = await registerUser(api);
    await server.pool.query("UPDATE users SET role = 'admin' WHERE id = $1", [adminUser.user.id]);

    // The fan reports the comment from the track page, at phone width, with the keyboard-usable form.
    const f = await signedIn(fan, { viewport: PHONE });
    await f.page.goto(`/track/${track.id}`);
    const comment = f.page.locator('li.comment', { hasText: nasty });
    await comment.waitFor();
    assert.equal(await f.page.getByRole('link', { name: 'Admin' }).count(), 0, 'no console link for a fan');
    await comment.getByRole('button', { name: `Report the comment by @${troll.user.username}` }).click();
    const form = f.page.getByRole('form', { name: `Report the comment by @${troll.user.username}` });
    await form.getByRole('button', { name: 'Send report' }).click();
    await form.getByText('Reason is required: choose what is wrong.').waitFor();
    await form.getByLabel(/Why are you reporting/).selectOption('harassment');
    await form.getByLabel(/Anything the moderators should know/).fill('insults everyone');
    await form.getByRole('button', { name: 'Send report' }).click();
    await f.page.getByTestId('report-done').waitFor();
    const { rows: reports } = await server.pool.query("SELECT reporter_id, reason, note FROM reports WHERE target_type = 'comment' AND status = 'open'");
    assert.deepEqual(reports, [{ reporter_id: fan.user.id, reason: 'harassment', note: 'insults everyone' }]);
    await assertNoHorizontalOverflow(f.page);
    assertClean(f, 'the fan reports a comment');

    // A fan who opens the console is told it is for admins.
    await f.page.goto('/admin');
    await f.page.getByText('The admin console is for admin accounts.').waitFor();

    // The admin hides it from the queue.
    const a = await signedIn(adminUser);
    await a.page.getByRole('link', { name: 'Admin' }).click();
    await a.page.waitForURL('**/admin');
    const item = a.page.getByTestId('queue-item').filter({ hasText: nasty });
    await item.waitFor();
    await item.getByText('Harassment or bullying × 1').waitFor();
    await item.getByText('insults everyone').waitFor();
    await screenshot(a, 'admin-queue');
    // Keyboard only: Tab from the queue's filter to the card's Hide button, Enter hides it, and the
    // focus goes to the queue's heading instead of being lost with the card.
    const focused = (loc) => loc.evaluate((el) => el === document.activeElement);
    const hideButton = item.getByRole('button', { name: /^Hide/ });
    await a.page.getByLabel('Show', { exact: true }).focus();
    for (let i = 0; i < 30 && !(await focused(hideButton)); i++) await a.page.keyboard.press('Tab');
    assert.ok(await focused(hideButton), 'Hide is reached with Tab');
    await a.page.keyboard.press('Enter');
    await a.page.getByText(/is hidden and its reports resolved/).waitFor();
    assert.ok(await focused(a.page.getByRole('heading', { level: 2, name: 'Moderation queue' })), 'the focus moved to the queue heading');
    await a.page.getByText('Nothing to review.').waitFor();
    assertClean(a, 'the admin hides the comment');

    // Gone for the fan.
    await f.page.goto(`/track/${track.id}`);
    await f.page.getByText('Lovely tune').waitFor();
    assert.equal(await f.page.getByText(nasty).count(), 0, 'the hidden comment is not shown');

    // The audit log page shows the action, with the admin and the comment.
    await a.page.getByRole('link', { name: 'Audit log' }).click();
    const entry = a.page.getByTestId('audit-entry').filter({ hasText: 'content.hidden' });
    await entry.waitFor();
    const [comment_id] = (await server.pool.query('SELECT id FROM comments WHERE body = $1', [nasty])).rows.map((r) => r.id);
    await entry.getByText(`comment ${comment_id}`).waitFor();
    await a.page.getByLabel('Only the action').fill('content.hidden');
    await a.page.getByRole('button', { name: 'Filter' }).click();
    await a.page.waitForFunction(() => document.querySelectorAll('[data-testid="audit-entry"]').length === 1);
    await screenshot(a, 'admin-audit');

    // The other console pages load, fit a phone, and work from the keyboard.
    // Suspending a user with the keyboard: search, Tab to Suspend, Space; the focus stays on the
    // button, which now restores, and the troll can no longer sign in.
    await a.page.getByRole('link', { name: 'Users', exact: true }).click();
    const search = a.page.getByLabel('Username or email starts with');
    await search.focus();
    await a.page.keyboard.type(troll.user.username);
    await a.page.keyboard.press('Enter');
    const suspend = a.page.getByRole('button', { name: `Suspend @${troll.user.username}`, exact: true });
    await suspend.waitFor();
    for (let i = 0; i < 10 && !(await focused(suspend)); i++) await a.page.keyboard.press('Tab');
    assert.ok(await focused(suspend), 'Suspend is reached with Tab');
    await a.page.keyboard.press('Space');
    const restoreButton = a.page.getByRole('button', { name: `Restore @${troll.user.username}`, exact: true });
    await restoreButton.waitFor();
    assert.ok(await focused(restoreButton), 'the focus stays on the same button');
    const { rows: [suspended] } = await server.pool.query('SELECT suspended_at IS NOT NULL AS s FROM users WHERE id = $1', [troll.user.id]);
    assert.equal(suspended.s, true);
    assert.equal((await api.post('/api/auth/login', { email: troll.input.email, password: troll.input.password })).status, 403);
    await a.page.getByRole('link', { name: 'Audit log' }).click();
    await a.page.getByTestId('audit-entry').filter({ hasText: 'user.suspended' }).waitFor();

    for (const [link, heading] of [['Users', 'Users'], ['Feature flags', 'Feature flags'], ['Stats', 'Platform']]) {
      await a.page.getByRole('link', { name: link, exact: true }).click();
      await a.page.getByRole('heading', { name: heading, exact: true }).waitFor();
    }
    await a.page.getByRole('link', { name: 'Feature flags' }).click();
    await a.page.getByLabel('Key').fill('Bad Key');
    await a.page.getByRole('button', { name: 'Save flag' }).click();
    await a.page.getByText('Key must be 1-64 of a-z, 0-9 and _, starting with a letter.').waitFor();
    await a.page.getByLabel('Key').fill('new_player');
    await a.page.getByLabel('Enabled').check();
    await a.page.getByLabel('Rollout (%)').fill('25');
    await a.page.getByLabel('Rollout (%)').press('Enter');
    await a.page.getByText('on for 25 %').waitFor();
    // The app's own view of the flag for this admin: the stable bucket of docs/admin.md.
    let h = 0x811c9dc5;
    for (const byte of Buffer.from(`new_player:${adminUser.user.id}`)) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
    await a.page.getByTestId('flag-for-you').getByText(`for you: ${h % 100 < 25 ? 'on' : 'off'}`).waitFor();
    await a.page.setViewportSize(PHONE);
    for (const p of ['/admin', '/admin/users', '/admin/flags', '/admin/audit', '/admin/stats']) {
      await a.page.goto(p);
      await a.page.getByRole('heading', { level: 2 }).first().waitFor();
      await a.page.waitForLoadState('networkidle');
      await assertNoHorizontalOverflow(a.page);
    }
    assertClean(a, 'the admin console');
  });
});
