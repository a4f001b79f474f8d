// Browser journeys of issue 12 (posts, feed, search), against the real binary serving the built web app:
//   a. an artist writes a supporter-only post with a picture in the studio composer (its Markdown
//      carries script payloads);
//   b. a free follower sees the teaser in the home feed; a supporter sees the full post, with the
//      picture, and no script of the payloads runs;
//   c. a fan searches with a typo, finds the artist, and sees the post on the artist's page;
//   d. the XSS corpus (scripts, handlers, javascript: links, SVG, CSS tricks) in comments on a
//      track runs nothing and styles nothing.
// Liking and commenting are done with the keyboard only (Tab, Enter, Space).
// Any console error, uncaught exception, failed request or unexpected HTTP error fails a step.
// Screenshots of the new pages, at desktop and phone width, go to tests/e2e/screenshots/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../api/helpers/server.mjs';
import { grantTier } from '../api/helpers/db.mjs';
import { registerUser } from '../api/helpers/fixtures.mjs';
import { readyTrack } from '../api/helpers/media.mjs';
import { assertClean, assertNoHorizontalOverflow, launchBrowser, openPage, screenshot } from './helpers/browser.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const WEB_DIR = process.env.MC_WEB_DIR || path.resolve(here, '..', '..', 'web', 'dist');
const run = Date.now().toString(36);
const ARTIST_NAME = `Lumen Harbor ${run}`;
const POST_TITLE = 'Backstage at the lighthouse';
// Markdown with payloads: none may run in the browser (window.__xss stays unset).
const POST_BODY = [
  'We **finished the record** tonight. Thank you for _everything_.',
  '',
  '<img src=x onerror="window.__xss = 1">',
  '',
  '[a link](javascript:window.__xss=2) and [the site](https://example.com/news)',
  '',
  '<svg onload="window.__xss = 3"></svg><script>window.__xss = 4</script>',
  '',
  // CSS tricks: none may style the page or reach a javascript: URL.
  '<p style="background:url(javascript:window.__xss=6)">styled paragraph</p>',
  '<style>body{background:rgb(255, 0, 0) !important}</style>',
  '<div style="width:expression(window.__xss=7)">an expression</div>',
  '<style>@import "javascript:window.__xss=8";</style>',
].join('\n');
// The same kinds of payload as comments (plain text: they must show as text and run nothing).
const COMMENT_PAYLOADS = [
  '<script>window.__xss = 10</script>',
  '<img src=x onerror="window.__xss = 11">',
  '<svg onload="window.__xss = 12"></svg>',
  '<a href="javascript:window.__xss=13">click me</a>',
  '<style>body{background:rgb(255, 0, 0) !important}</style>',
  '<p style="background:url(javascript:window.__xss=14)">styled</p>',
  '<div style="width:expression(window.__xss=15)">expr</div>',
];

// Nothing of a payload took effect: no script ran, no style applied.
async function assertInert(page, where) {
  assert.equal(await page.evaluate(() => window.__xss), undefined, `${where}: no script ran`);
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.notEqual(bg, 'rgb(255, 0, 0)', `${where}: no injected style applied`);
}

let server;
let browser;
let picture;
let artist;
let follower;
let supporter;
let track;
const sessions = [];

before(async () => {
  assert.ok(fs.existsSync(path.join(WEB_DIR, 'index.html')), `web app not built at ${WEB_DIR} (cd web && npm run build)`);
  picture = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mc-e2e-post-')), 'stage.png');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1600x900:duration=1', '-frames:v', '1', picture]);
  server = await startServer({ name: 'e2e-social', env: { WEB_DIR, PUBLIC_URL: (s) => s.baseUrl } });
  browser = await launchBrowser();
  artist = await registerUser(server.api, { role: 'artist', artistName: ARTIST_NAME });
  follower = await registerUser(server.api);
  supporter = await registerUser(server.api);
  for (const fan of [follower, supporter]) {
    const res = await server.api.json('POST', `/api/artists/${artist.user.id}/follow`, { token: fan.token });
    assert.equal(res.status, 200);
  }
  await grantTier(server.pool, supporter.user.id, artist.user.id, 'supporter');
  const rel = await server.api.json('POST', '/api/releases', { token: artist.token, body: { title: 'Lighthouse', kind: 'single' } });
  assert.equal(rel.status, 201);
  track = await readyTrack(server, artist.token, { releaseId: rel.body.id, title: 'Harbour Light' });
  const published = await server.api.json('PATCH', `/api/releases/${rel.body.id}`, { token: artist.token, body: { published: true } });
  assert.equal(published.status, 200);
});

after(async () => {
  for (const s of sessions) await s.close().catch(() => {});
  await browser?.close();
  await server?.stop();
  if (picture) fs.rmSync(path.dirname(picture), { recursive: true, force: true });
});

async function signedIn(user) {
  const s = await openPage(browser, server.baseUrl);
  sessions.push(s);
  const { page } = s;
  await page.goto('/login');
  await page.getByLabel('Email').fill(user.input.email);
  await page.getByLabel('Password').fill(user.input.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  return s;
}

async function capture(s, name) {
  await s.page.waitForLoadState('networkidle');
  assertClean(s, name);
  await assertNoHorizontalOverflow(s.page);
  await screenshot(s, name);
}

describe('posts, feed and search', () => {
  test('a. the artist writes a supporter-only post with a picture in the studio', async () => {
    const s = await signedIn(artist);
    const { page } = s;
    await page.goto('/studio/posts');
    await page.getByRole('heading', { level: 1, name: 'Posts' }).waitFor();
    // Submitting empty names the fields to fill.
    await page.getByRole('button', { name: 'Publish post' }).click();
    await page.getByText('Title must be 1-200 characters: give the post a title.').waitFor();
    await page.getByText('Text must be 1-20000 characters: write the post.').waitFor();
    await page.getByLabel('Title').fill(POST_TITLE);
    await page.getByLabel('Text').fill(POST_BODY);
    await page.getByLabel('Who can read it').selectOption('min_tier');
    await page.getByLabel('Minimum tier').selectOption('supporter');
    await page.getByLabel('Picture (optional)').setInputFiles(picture);
    // Keyboard: the submit button is reached and pressed without the mouse.
    await page.getByRole('button', { name: 'Publish post' }).focus();
    await page.keyboard.press('Enter');
    await page.getByText('Post published.').waitFor();
    const mine = page.getByTestId('post').filter({ hasText: POST_TITLE });
    await mine.waitFor();
    await mine.locator('img.post__image').waitFor();
    assert.match(await mine.getByTestId('post-body').innerHTML(), /<strong>finished the record<\/strong>/);
    await capture(s, 'studio-posts');
  });

  test('b. a free follower sees the teaser in the feed; a supporter the full post, and no script runs', async () => {
    const free = await signedIn(follower);
    await free.page.goto('/feed');
    await free.page.getByRole('heading', { level: 1, name: 'Your feed' }).waitFor();
    const teaser = free.page.getByTestId('post').filter({ hasText: POST_TITLE });
    await teaser.getByTestId('post-teaser').waitFor();
    assert.match(await teaser.getByTestId('post-teaser').textContent(), /Supporter/);
    assert.equal(await teaser.getByTestId('post-body').count(), 0, 'a teaser has no body');
    assert.equal(await teaser.locator('img').count(), 0, 'a teaser has no picture');
    await capture(free, 'feed-teaser');

    const paid = await signedIn(supporter);
    const { page } = paid;
    await page.goto('/feed');
    const full = page.getByTestId('post').filter({ hasText: POST_TITLE });
    const body = full.getByTestId('post-body');
    await body.waitFor();
    assert.match(await body.innerHTML(), /<strong>finished the record<\/strong>/);
    await page.waitForFunction(() => [...document.querySelectorAll('img.post__image')].some((i) => i.complete && i.naturalWidth > 0));
    // The payloads are inert: nothing ran, no handler or script reached the page, no javascript: link.
    await assertInert(page, 'the post');
    assert.equal(await body.locator('script, svg, style, link, [onerror], [onload], [style]').count(), 0);
    assert.equal(await body.locator('a[href^="javascript" i]').count(), 0);
    const safe = body.getByRole('link', { name: 'the site' });
    assert.equal(await safe.getAttribute('href'), 'https://example.com/news');
    assert.equal(await body.getByRole('link', { name: 'a link' }).count(), 0, 'a javascript: link is only text');
    await body.getByText('a link').click(); // clicking it runs nothing
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    // Keyboard only: Space likes, Tab reaches the comments toggle, Enter opens them, Tab reaches the
    // text box and then the button, Enter posts.
    const like = full.getByRole('button', { name: /^Like/ });
    await like.focus();
    await page.keyboard.press('Space');
    await full.getByRole('button', { name: 'Liked · 1' }).waitFor();
    await page.keyboard.press('Tab');
    const toggle = full.getByRole('button', { name: /^Comments/ });
    assert.ok(await toggle.evaluate((el) => el === document.activeElement), 'Tab goes from Like to Comments');
    await page.keyboard.press('Enter');
    await toggle.and(page.locator('[aria-expanded="true"]')).waitFor();
    const box = full.getByRole('textbox', { name: 'Comment' });
    await box.waitFor();
    for (let i = 0; i < 20 && !(await box.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
    assert.ok(await box.evaluate((el) => el === document.activeElement), 'the comment box is reached with Tab');
    await page.keyboard.type('<img src=x onerror="window.__xss = 5"> Can not wait!');
    await page.keyboard.press('Tab');
    assert.ok(await full.getByRole('button', { name: 'Post comment' }).evaluate((el) => el === document.activeElement));
    await page.keyboard.press('Enter');
    await full.getByText('Can not wait!').waitFor();
    await assertInert(page, 'the post comment');
    await capture(paid, 'feed-full-post');
  });

  test('c. a search with a typo finds the artist, whose page shows the post', async () => {
    const s = sessions[1]; // the free follower
    const { page } = s;
    await page.goto('/');
    const box = page.getByRole('searchbox', { name: /^Search artists/ });
    await box.fill(`Lumne Harbr ${run}`);
    await box.press('Enter');
    await page.getByRole('heading', { level: 2, name: /Results for/ }).waitFor();
    const first = page.getByTestId('search-result').first();
    await first.getByRole('link', { name: ARTIST_NAME }).waitFor();
    // The type facet is a toggle reached by keyboard.
    const artistsOnly = page.getByRole('button', { name: /^Artists \(\d+\)/ });
    await artistsOnly.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: /^Artists \(\d+\)/, pressed: true }).waitFor();
    await capture(s, 'search-typo');
    await page.getByTestId('search-result').first().getByRole('link', { name: ARTIST_NAME }).click();
    await page.getByRole('heading', { level: 1, name: ARTIST_NAME }).waitFor();
    const post = page.getByTestId('post').filter({ hasText: POST_TITLE });
    await post.getByTestId('post-teaser').waitFor();
    await capture(s, 'artist-posts');
    // A word in no name does not hide the artist; the page says a word was left out.
    await page.goto('/');
    const again = page.getByRole('searchbox', { name: /^Search artists/ });
    await again.fill(`${ARTIST_NAME} qqzzxv`);
    await again.press('Enter');
    await page.getByText('Nothing has all of your words; these results match all but one of them.').waitFor();
    await page.getByTestId('search-result').first().getByRole('link', { name: ARTIST_NAME }).waitFor();
  });

  test('d. the XSS corpus in comments on a track shows as text and runs nothing', async () => {
    const s = sessions[2]; // the supporter
    const { page } = s;
    await page.goto(`/track/${track.id}`);
    await page.getByRole('heading', { level: 2, name: 'Comments' }).waitFor();
    const box = page.getByLabel('Add a comment');
    for (const payload of COMMENT_PAYLOADS) {
      await box.fill(payload);
      await box.focus();
      await page.keyboard.press('Tab'); // to "Post"
      await page.keyboard.press('Enter');
      await page.locator('.comments li').filter({ hasText: payload }).first().waitFor();
    }
    await page.reload();
    const list = page.locator('.comments');
    for (const payload of COMMENT_PAYLOADS) await list.getByText(payload, { exact: true }).waitFor();
    assert.equal(await list.locator('script, img, svg, style, a[href^="javascript" i], [onerror], [onload], [style]').count(), 0);
    await assertInert(page, 'the track comments');
    await capture(s, 'track-comments-xss');
  });
});
