// Browser journey of issue 12 item 3 (docs/analytics.md): plays are generated for the demo catalog
// (`musicconnect seed-demo --history-plays`, the same generator as the benchmark's year of history),
// then the demo artist opens the studio's analytics page: the figures match the API, the charts are
// drawn, the period switch works from the keyboard, the CSV downloads, and the page fits 375 px.
// Any console error, failed request or unexpected HTTP error fails a step.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { BINARY, startServer } from '../api/helpers/server.mjs';
import { expectStatus } from '../api/helpers/http.mjs';
import { assertClean, assertNoHorizontalOverflow, launchBrowser, openPage, PHONE, screenshot } from './helpers/browser.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const WEB_DIR = process.env.MC_WEB_DIR || path.resolve(here, '..', '..', 'web', 'dist');
const ARTIST = { email: 'artist@demo.musicconnect.local', password: 'demo-password-1' };

let server;
let browser;

before(async () => {
  assert.ok(fs.existsSync(path.join(WEB_DIR, 'index.html')), `web app not built at ${WEB_DIR} (cd web && npm run build)`);
  server = await startServer({ name: 'e2e-analytics', env: { WEB_DIR, PUBLIC_URL: (s) => s.baseUrl } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

describe('artist analytics in the studio', () => {
  test('after generated plays the analytics page shows figures, charts, a period switch and a CSV', async () => {
    // 20,000 plays over 90 days for the demo EP; the generator rebuilds the rollups at the end.
    const env = { ...process.env, APP_ENV: 'development', VAR_DIR: server.varDir, DATABASE_URL: server.dbUrl, LOG_LEVEL: 'warn' };
    await promisify(execFile)(BINARY, ['seed-demo', '--history-plays', '20000', '--history-days', '90'], { env, timeout: 300_000 });
    const { rows: [{ n }] } = await server.pool.query('SELECT count(*)::int AS n FROM play_events');
    assert.equal(n, 20000, 'every generated play is an event');

    const login = expectStatus(await server.api.post('/api/auth/login', ARTIST), 200);
    const api30 = expectStatus(await server.api.get('/api/artists/analytics?period=30d', { token: login.token }), 200);
    const api7 = expectStatus(await server.api.get('/api/artists/analytics?period=7d', { token: login.token }), 200);
    assert.ok(api30.plays > api7.plays && api7.plays > 0, 'plays in both periods');

    const s = await openPage(browser, server.baseUrl);
    const { page } = s;
    await page.goto('/login');
    await page.getByLabel('Email').fill(ARTIST.email);
    await page.getByLabel('Password').fill(ARTIST.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));

    await page.goto('/studio');
    await page.getByRole('link', { name: 'Analytics' }).click();
    await page.getByRole('heading', { name: 'Analytics' }).waitFor();
    const plays = page.locator('.stat', { hasText: 'Plays' }).locator('dd').first();
    await plays.waitFor();
    assert.equal(await plays.textContent(), new Intl.NumberFormat('en-US').format(api30.plays), 'the 30-day plays, as the API counts them');
    // Five charts, each drawn by uPlot on a canvas with a series in its legend.
    const charts = page.getByTestId('analytics-chart');
    await charts.first().locator('canvas').waitFor();
    assert.equal(await charts.count(), 5);
    for (let i = 0; i < 5; i++) {
      const box = await charts.nth(i).locator('canvas').boundingBox();
      assert.ok(box && box.width > 200 && box.height > 100, `chart ${i} is drawn`);
    }
    assert.ok((await page.getByRole('img', { name: 'Plays and listeners per day' }).count()) === 1);
    const topTrack = page.getByRole('table', { name: 'Top tracks' }).locator('tbody tr').first();
    assert.match(await topTrack.textContent(), new RegExp(api30.topTracks[0].title));
    await screenshot(s, 'analytics-desktop');

    // The period switch from the keyboard: focus "7 days", press Enter.
    const week = page.getByRole('button', { name: '7 days' });
    await week.focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('button[aria-pressed="true"]')?.textContent === '7 days');
    await page.waitForFunction((want) => document.querySelector('.stat dd')?.textContent === want,
      new Intl.NumberFormat('en-US').format(api7.plays));

    // CSV download: one line per day of the period after the header.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    assert.equal(download.suggestedFilename(), 'analytics-7d.csv');
    const csv = fs.readFileSync(await download.path(), 'utf8').trim().split('\r\n');
    assert.equal(csv.length, 8);
    assert.match(csv[0], /^day,plays,listeners,followers/);
    assert.equal(csv.slice(1).reduce((sum, line) => sum + Number(line.split(',')[1]), 0), api7.plays, 'the CSV plays add up to the period');

    // Phone width: nothing sticks out, charts resize to the screen.
    await assertNoHorizontalOverflow(page);
    await page.setViewportSize(PHONE);
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="analytics-chart"] canvas')].every((c) => c.getBoundingClientRect().right <= 375));
    await screenshot(s, 'analytics-phone');
    assertClean(s, 'analytics');
    await s.close();
  });
});
