// Browser journeys of issue 5, against the real binary serving the built web app (web/dist):
//   1. an artist signs up, sets tier prices, uploads a track made at test time, watches processing
//      reach 100 % and publishes it as supporter-only;
//   2. a fan signs up, finds the artist by search, sees the lock teaser, subscribes through the
//      sandbox checkout and plays the track (currentTime advances; 256 kbps segments are fetched);
//   3. the fan cancels; once the period ends (sandbox control) the track is locked again.
// Any console error, uncaught exception, failed request or unexpected HTTP error fails a step.
// Screenshots of every main page, at desktop and phone width, go to tests/e2e/screenshots/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../api/helpers/server.mjs';
import { PHONE, assertClean, assertNoHorizontalOverflow, launchBrowser, openPage, screenshot } from './helpers/browser.mjs';
import { sandbox } from './helpers/sandbox.mjs';
import { login as apiLogin, tokenFromMail, waitForMail } from '../api/helpers/fixtures.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const WEB_DIR = process.env.MC_WEB_DIR || path.resolve(here, '..', '..', 'web', 'dist');
const run = Date.now().toString(36);
const artist = { username: `band_${run}`, email: `band_${run}@example.com`, password: 'correct horse battery', name: `Velvet Static ${run}` };
const fan = { username: `fan_${run}`, email: `fan_${run}@example.com`, password: 'another fine password' };
const TRACK_TITLE = 'Supporters Only Song';
const RELEASE_TITLE = 'First Light';

let server;
let browser;
let audioFile;
let largeAudioFile;
let avatarFile;
let bannerFile;
let offeredPaths = new Set();
const state = {}; // what one journey leaves for the next

// Endpoints that arrive with other features (uploads and streaming, payments, discovery). While the
// server does not offer one, the app leaves its section out and the journeys that need it wait.
const offered = (p) => offeredPaths.has(p);
const OPTIONAL_READS = [
  ['/api/discovery', /\/api\/discovery\?/],
  ['/api/subscriptions/active', /\/api\/subscriptions\/active$/],
  ['/api/payments/history', /\/api\/payments\/history/],
  ['/api/artists/earnings', /\/api\/artists\/earnings$/],
  ['/api/artists/payouts', /\/api\/artists\/payouts$/],
];
async function session(viewport) {
  const s = await openPage(browser, server.baseUrl, viewport ? { viewport } : {});
  for (const [p, re] of OPTIONAL_READS) if (!offered(p)) s.allow(re);
  return s;
}
function needs(t, paths) {
  const missing = paths.filter((p) => !offered(p));
  if (missing.length) t.skip(`the server does not offer ${missing.join(', ')} yet`);
  return missing.length === 0;
}

// 60 s of 16-bit stereo WAV (10.6 MB): over the app's 8 MiB chunk, so it takes the resumable path.
function makeLargeAudio() {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mc-e2e-audio-')), 'opening.wav');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i',
    'sine=frequency=262:duration=60', '-ac', '2', '-ar', '44100', '-c:a', 'pcm_s16le', file]);
  return file;
}

// Pictures for the profile: a square avatar and a wide banner, as PNG.
function makeImage(name, size) {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mc-e2e-image-')), name);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i',
    `testsrc2=size=${size}:duration=1`, '-frames:v', '1', file]);
  return file;
}

function makeAudio() {
  // 40 s of a chord with a little noise: long enough to hear currentTime move across segments.
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mc-e2e-audio-')), 'first-light.mp3');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i',
    'sine=frequency=220:duration=40', '-f', 'lavfi', '-i', 'sine=frequency=330:duration=40', '-f', 'lavfi', '-i',
    'anoisesrc=color=pink:amplitude=0.05:duration=40', '-filter_complex', 'amix=inputs=3,volume=2',
    '-ac', '2', '-ar', '44100', '-c:a', 'libmp3lame', '-b:a', '192k', file]);
  return file;
}

async function signUp(session, { username, email, password, artistName }) {
  const { page } = session;
  await page.goto('/signup');
  if (artistName) await page.getByLabel('an artist').check();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  if (artistName) await page.getByLabel('Artist name').fill(artistName);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByRole('link', { name: `@${username}` }).or(page.getByRole('button', { name: 'Menu' })).first().waitFor();
}

async function logIn(session, { email, password }) {
  const { page } = session;
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

before(async () => {
  assert.ok(fs.existsSync(path.join(WEB_DIR, 'index.html')), `web app not built at ${WEB_DIR} (cd web && npm run build)`);
  audioFile = makeAudio();
  largeAudioFile = makeLargeAudio();
  avatarFile = makeImage('avatar.png', '600x600');
  bannerFile = makeImage('banner.png', '1600x400');
  server = await startServer({ name: 'e2e', env: { WEB_DIR, PUBLIC_URL: (s) => s.baseUrl } });
  const spec = await (await fetch(`${server.baseUrl}/api/openapi.json`)).json();
  offeredPaths = new Set(Object.keys(spec.paths));
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  for (const f of [audioFile, largeAudioFile, avatarFile, bannerFile]) if (f) fs.rmSync(path.dirname(f), { recursive: true, force: true });
});

// A page at both widths, after checking it fits 375 px.
async function capture(s, name) {
  await s.page.waitForLoadState('networkidle');
  assertClean(s, name);
  await assertNoHorizontalOverflow(s.page);
  await screenshot(s, name);
}

describe('browsing, accounts and the studio', () => {
  const band = { username: `trio_${run}`, email: `trio_${run}@example.com`, password: 'a long band password', name: `Northern Trio ${run}` };
  const listener = { username: `ear_${run}`, email: `ear_${run}@example.com`, password: 'a long listener password' };
  const RELEASE = 'Night Drive';
  const shared = {};

  test('an artist signs up, edits the profile and its images, creates a release, orders its tracks, uploads a large file in resumable chunks and publishes', async () => {
    const s = await session();
    const { page } = s;
    try {
      await signUp(s, { ...band, artistName: band.name });
      await page.getByRole('heading', { name: 'Your artist profile' }).waitFor();
      await page.getByLabel('Bio').fill('Three friends, one van, many songs.');
      await page.getByLabel('indie', { exact: true }).check();
      await page.getByLabel('City').fill('Leeds');
      await page.getByLabel('Country (2 letters)').fill('GB');
      await page.getByRole('button', { name: 'Save profile' }).click();
      await page.getByText('Profile saved.').waitFor();
      await page.getByLabel('Avatar image').setInputFiles(avatarFile);
      await page.getByText('Avatar updated.').waitFor();
      await page.getByLabel('Banner image').setInputFiles(bannerFile);
      await page.getByText('Banner updated.').waitFor();
      const loaded = (sel) => page.waitForFunction((q) => {
        const img = document.querySelector(q);
        return img && img.complete && img.naturalWidth > 0;
      }, sel);
      await loaded('img.avatar');
      await loaded('[data-testid="banner-preview"]');
      await capture(s, 'studio-profile');

      await page.getByRole('link', { name: 'Tiers' }).click();
      await page.getByLabel('Supporter monthly price').waitFor();
      assert.equal(await page.getByLabel('Supporter monthly price').inputValue(), '5.00');
      await capture(s, 'studio-tiers');

      await page.getByRole('link', { name: /Releases/ }).click();
      await page.getByLabel('Release title').fill(RELEASE);
      await page.getByLabel('Kind').selectOption('album');
      await page.getByRole('button', { name: 'Create release' }).click();
      await page.getByRole('heading', { level: 1, name: RELEASE }).waitFor();
      const releaseId = page.url().split('/').pop();

      // An empty release cannot be published: the studio says so beside the button, the server's
      // refusal is shown in words, and the release stays a draft.
      await page.getByText('Publishing needs at least one track whose audio is ready').waitFor();
      const refusal = new RegExp(`/api/releases/${releaseId}$`);
      s.allow(refusal);
      await page.getByRole('button', { name: 'Publish now' }).click();
      await page.getByRole('alert').filter({ hasText: 'needs at least one track with ready audio' }).waitFor();
      assert.equal(await page.getByTestId('release-state').textContent(), 'draft');
      assertClean(s, 'publishing an empty release');
      s.allowed.splice(s.allowed.indexOf(refusal), 1);

      // Tracks without audio yet (their upload comes later), through the API as the artist.
      const { token } = await apiLogin(server.api, band.email, band.password);
      for (const [title, minTier] of [['Opening', 'free'], ['Hidden Track', 'supporter'], ['Closing', 'free']]) {
        const res = await server.api.json('POST', `/api/releases/${releaseId}/tracks`, { token, body: { title, minTier } });
        assert.equal(res.status, 201, res.text);
      }
      await page.reload();
      const titles = () => page.getByTestId('studio-track').locator('.track__title').evaluateAll((els) => els.map((e) => e.firstChild.textContent));
      await page.getByTestId('studio-track').nth(2).waitFor();
      assert.deepEqual(await titles(), ['Opening', 'Hidden Track', 'Closing']);
      await page.getByRole('button', { name: 'Move Closing up' }).click();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="studio-track"]')[1]?.textContent.includes('Closing'));
      assert.deepEqual(await titles(), ['Opening', 'Closing', 'Hidden Track']);

      // A large file goes up in resumable chunks, then processes like any other.
      assert.ok(fs.statSync(largeAudioFile).size > 8 << 20);
      const resumable = [];
      page.on('request', (r) => { if (/\/api\/uploads(\/|$)/.test(new URL(r.url()).pathname)) resumable.push(`${r.method()} ${new URL(r.url()).pathname}`); });
      await page.getByLabel('Upload audio for Opening').setInputFiles(largeAudioFile);
      await page.getByTestId('studio-track').filter({ hasText: 'Opening' }).filter({ hasText: 'ready' }).waitFor({ timeout: 180_000 });
      assert.equal(resumable.filter((r) => r.startsWith('POST')).length, 1, resumable.join(', '));
      assert.equal(resumable.filter((r) => r.startsWith('PUT')).length, 2, resumable.join(', '));
      assertClean(s, 'resumable upload');

      await page.getByRole('button', { name: 'Publish now' }).click();
      await page.getByText('Published.').waitFor();
      await page.getByTestId('release-state').filter({ hasText: /^published$/ }).waitFor();
      await capture(s, 'studio-release-editor');

      await page.getByRole('link', { name: 'Earnings' }).click();
      await page.getByRole('heading', { name: 'Earnings and payouts' }).waitFor();
      await capture(s, 'studio-earnings');

      const found = await (await fetch(`${server.baseUrl}/api/artists?search=${encodeURIComponent(band.name)}`)).json();
      shared.slug = found.artists[0].slug;
    } finally {
      await s.close();
    }
  });

  test('a fan signs up, verifies the email, finds the artist by search, sees the teaser, follows, likes and comments', async () => {
    assert.ok(shared.slug, 'the artist test ran');
    const s = await session();
    const { page } = s;
    try {
      await signUp(s, listener);
      await page.getByRole('heading', { level: 1, name: 'Discover independent music' }).waitFor();
      await capture(s, 'discover');

      const mail = await waitForMail(server.api, listener.email, { match: /verify-email/ });
      await page.goto(`/verify-email?token=${encodeURIComponent(tokenFromMail(mail))}`);
      await page.getByText('Your email address is verified').waitFor();
      assertClean(s, 'verify email');

      const search = page.getByRole('searchbox', { name: 'Search artists' });
      await search.fill(band.name.split(' ')[0]);
      await search.press('Enter');
      await page.getByRole('heading', { level: 2, name: /Results for/ }).waitFor();
      await capture(s, 'search');
      await page.getByRole('link', { name: band.name }).click();
      await page.getByRole('heading', { level: 1, name: band.name }).waitFor();

      const hidden = page.getByTestId('track-row').filter({ hasText: 'Hidden Track' });
      await hidden.getByTestId('lock-teaser').waitFor();
      assert.match(await hidden.getByTestId('lock-teaser').textContent(), /Support as Supporter to unlock/);
      assert.equal(await hidden.getByRole('button', { name: /^Play/ }).count(), 0, 'a locked track has no play button');
      assert.equal(await page.getByTestId('track-row').filter({ hasText: 'Opening' }).getByTestId('lock-teaser').count(), 0);
      await page.waitForFunction(() => [...document.querySelectorAll('img.banner, img.avatar')]
        .filter((i) => i.complete && i.naturalWidth > 0).length === 2);
      await page.getByRole('button', { name: 'Follow' }).click();
      await page.getByRole('button', { name: 'Following' }).waitFor();
      // The count comes from the artist's reload after the follow, a moment after the button.
      await page.getByTestId('follower-count').filter({ hasText: /^1$/ }).waitFor({ timeout: 10000 });
      assert.equal(await page.getByTestId('follower-count').textContent(), '1');
      await capture(s, 'artist');

      await page.reload();
      await page.getByRole('button', { name: 'Following' }).waitFor(); // the state comes from the server

      await page.getByRole('link', { name: RELEASE }).click();
      await page.getByRole('heading', { level: 1, name: RELEASE }).waitFor();
      await capture(s, 'release');

      await page.getByRole('link', { name: 'Opening' }).click();
      await page.getByRole('heading', { level: 1, name: 'Opening' }).waitFor();
      await page.getByRole('button', { name: 'Like', exact: true }).click();
      await page.getByRole('button', { name: 'Liked', exact: true }).waitFor();
      await page.getByLabel('Add a comment').fill('Lovely opener!');
      await page.getByRole('button', { name: 'Post' }).click();
      await page.getByText('Lovely opener!').waitFor();
      await capture(s, 'track');

      await page.getByRole('link', { name: 'Library' }).click();
      await page.getByRole('heading', { level: 1, name: 'Your library' }).waitFor();
      await page.locator('section', { has: page.getByRole('heading', { name: 'Following' }) }).getByRole('link', { name: band.name }).waitFor();
      await page.locator('section', { has: page.getByRole('heading', { name: 'Liked tracks' }) }).getByRole('link', { name: 'Opening' }).waitFor();
      await capture(s, 'library');

      await page.goto('/settings');
      await page.getByText('(this device)').waitFor();
      assert.match(await page.locator('.facts').textContent(), /verified/);
      await capture(s, 'settings');

      await page.getByRole('button', { name: 'Log out' }).click();
      await page.getByRole('link', { name: 'Log in' }).waitFor();
      assertClean(s, 'log out');
    } finally {
      await s.close();
    }
  });

  test('a forgotten password is reset through the emailed link; the new one logs in', async () => {
    const s = await session();
    const { page } = s;
    try {
      await page.goto('/login');
      await capture(s, 'login');
      await page.getByRole('link', { name: 'Forgot your password?' }).click();
      await page.getByLabel('Email').fill(listener.email);
      await page.getByRole('button', { name: 'Send reset link' }).click();
      await page.getByText(/we sent it a link/).waitFor();
      await capture(s, 'forgot-password');
      const mail = await waitForMail(server.api, listener.email, { match: /reset-password/ });
      await page.goto(`/reset-password?token=${encodeURIComponent(tokenFromMail(mail))}`);
      // A guessable password is refused in the form, saying why, before anything is sent.
      await page.getByLabel('New password').fill('password12');
      await page.getByRole('button', { name: 'Set password' }).click();
      await page.getByText(/too easy to guess/).waitFor();
      listener.password = 'a brand new listener password';
      await page.getByLabel('New password').fill(listener.password);
      await page.getByRole('button', { name: 'Set password' }).click();
      await page.getByText('Your password is changed').waitFor();
      assertClean(s, 'reset password');
      await logIn(s, listener);
      await page.getByRole('link', { name: 'Library' }).waitFor();
      assertClean(s, 'log in with the new password');

      await page.goto('/signup');
      await page.getByRole('heading', { level: 1, name: 'Create your account' }).waitFor();
      await capture(s, 'signup');
      await page.goto('/no/such/page');
      await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
      await capture(s, 'not-found');
    } finally {
      await s.close();
    }
  });

  test('tabs of one browser share the session; reloading them together never reuses a refresh token', async () => {
    const s = await session();
    try {
      await logIn(s, listener);
      const second = await s.newTab();
      await second.goto('/library');
      for (let round = 0; round < 6; round++) {
        await Promise.all([s.page.reload(), second.reload()]);
        for (const p of [s.page, second]) await p.getByRole('link', { name: `@${listener.username}` }).waitFor();
      }
      await second.getByRole('heading', { level: 1, name: 'Your library' }).waitFor();
      assertClean(s, 'two tabs');
    } finally {
      await s.close();
    }
  });

  test('keyboard: the skip link comes first and moves focus to the content; the menu works at phone width', async () => {
    const s = await session(PHONE);
    const { page } = s;
    try {
      await page.goto('/');
      await page.getByRole('heading', { level: 1, name: 'Discover independent music' }).waitFor();
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate(() => location.hash), '#main');
      const nav = page.getByRole('navigation', { name: 'Main' });
      assert.equal(await nav.isVisible(), false, 'the menu is folded at 375 px');
      await page.getByRole('button', { name: 'Menu' }).click();
      await nav.getByRole('link', { name: 'Log in' }).click();
      await page.getByRole('heading', { level: 1, name: 'Log in' }).waitFor();
      assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1', 'focus moves to the new page');
      assertClean(s, 'keyboard');
    } finally {
      await s.close();
    }
  });
});

describe('journeys', () => {
  test('1. artist signs up, sets tier prices, uploads a track, sees processing reach 100 % and publishes it for supporters', async (t) => {
    if (!needs(t, ['/api/uploads/content', '/api/artists/tiers/{tier}'])) return;
    const s = await session();
    const { page } = s;
    // Processing progress comes over the live socket (docs/realtime.md), not by polling.
    const progressFrames = [];
    page.on('websocket', (ws) => ws.on('framereceived', (f) => {
      if (String(f.payload).includes('"track.processing"')) progressFrames.push(String(f.payload));
    }));
    try {
      await page.goto('/');
      await page.getByRole('heading', { level: 1, name: 'Discover independent music' }).waitFor();
      assertClean(s, 'discover');

      await signUp(s, { ...artist, artistName: artist.name });
      await page.getByRole('heading', { name: 'Your artist profile' }).waitFor();
      assertClean(s, 'sign up as artist');
      await screenshot(s, 'studio-profile');

      await page.getByRole('link', { name: 'Tiers' }).click();
      await page.getByLabel('Supporter monthly price').fill('7.00');
      await page.getByLabel('Superfan monthly price').fill('15.00');
      await page.getByLabel('Supporter perks (one per line)').fill('Supporter-only tracks\nEarly access');
      await page.getByRole('button', { name: 'Save tiers' }).click();
      await page.getByText('Tiers saved.').waitFor();
      assertClean(s, 'set tier prices');
      await screenshot(s, 'studio-tiers');

      await page.getByRole('link', { name: /Releases/ }).click();
      await page.getByLabel('Release title').fill(RELEASE_TITLE);
      await page.getByRole('button', { name: 'Create release' }).click();
      await page.getByRole('heading', { level: 1, name: RELEASE_TITLE }).waitFor();
      state.releaseUrl = page.url();

      await page.getByLabel('Track title').fill(TRACK_TITLE);
      await page.getByLabel('Who can play this track').selectOption('supporter');
      await page.getByLabel('Audio file').setInputFiles(audioFile);
      const requestsBefore = s.requests.length;
      await page.getByRole('button', { name: 'Upload', exact: true }).click();
      // The processing bar follows the real job until the track is ready.
      const bar = page.getByTestId('processing-progress');
      await bar.waitFor({ timeout: 60_000 });
      const seen = new Set();
      const deadline = Date.now() + 180_000;
      for (;;) {
        const ready = await page.getByTestId('studio-track').filter({ hasText: 'ready' }).count();
        if (ready > 0) break;
        const value = await bar.getAttribute('data-progress').catch(() => null);
        if (value !== null) seen.add(Number(value));
        if (Date.now() > deadline) throw new Error(`processing did not finish; progress seen: ${[...seen]}`);
        await page.waitForTimeout(200);
      }
      seen.add(100);
      assert.ok(Math.max(...seen) === 100, 'progress reached 100 %');
      const trackReads = s.requests.slice(requestsBefore)
        .filter((u) => /^\/api\/content\/[0-9a-f-]{36}$/.test(new URL(u).pathname));
      assert.ok(trackReads.length <= 2, `no polling while processing: ${trackReads.length} reads of the track`);
      assert.ok(progressFrames.some((f) => f.includes('"ready"')), `progress arrived on the socket: ${progressFrames.length} frames`);
      assertClean(s, 'upload and processing');
      await screenshot(s, 'studio-release');

      await page.getByRole('button', { name: 'Publish now' }).click();
      await page.getByText('Published.').waitFor();
      await page.getByTestId('release-state').filter({ hasText: /^published$/ }).waitFor();
      assertClean(s, 'publish');

      const found = await (await fetch(`${server.baseUrl}/api/artists?search=${encodeURIComponent(artist.name)}`)).json();
      assert.equal(found.artists.length, 1);
      state.artistId = found.artists[0].id;
      state.artistSlug = found.artists[0].slug;
      // The published track, as an anonymous visitor sees it: a teaser.
      const content = await (await fetch(`${server.baseUrl}/api/artists/${state.artistId}/content`)).json();
      const track = content.releases.flatMap((r) => r.tracks).find((t) => t.title === TRACK_TITLE);
      assert.equal(track.locked?.requiredTier, 'supporter');

      await page.goto('/studio/earnings');
      await page.getByRole('heading', { name: 'Earnings and payouts' }).waitFor();
      await page.waitForLoadState('networkidle');
      assertClean(s, 'earnings');
      await screenshot(s, 'studio-earnings');
    } finally {
      await s.close();
    }
  });

  test('2. fan signs up, finds the artist by search, sees the lock teaser and subscribes through the sandbox checkout', async (t) => {
    if (!needs(t, ['/api/subscriptions/create', '/api/sandbox/checkouts/{id}/pay'])) return;
    assert.ok(state.artistSlug, 'journey 1 ran');
    const s = await session();
    const { page } = s;
    try {
      await signUp(s, fan);
      assertClean(s, 'sign up as fan');

      await page.goto('/');
      await page.getByRole('searchbox', { name: 'Search artists' }).fill(artist.name.split(' ')[0]);
      await page.getByRole('searchbox', { name: 'Search artists' }).press('Enter');
      await page.getByRole('link', { name: artist.name }).click();
      await page.getByRole('heading', { level: 1, name: artist.name }).waitFor();
      const row = page.getByTestId('track-row').filter({ hasText: TRACK_TITLE });
      await row.getByTestId('lock-teaser').waitFor();
      assert.match(await row.getByTestId('lock-teaser').textContent(), /Supporter/);
      assert.equal(await row.getByRole('button', { name: `Play ${TRACK_TITLE}` }).count(), 0, 'a locked track has no play button');
      assertClean(s, 'search and lock teaser');
      await screenshot(s, 'journey-artist-locked');

      await page.getByRole('link', { name: 'Subscribe as Supporter' }).click();
      await page.getByRole('heading', { name: 'Become a Supporter' }).waitFor();
      assert.match(await page.locator('.tier__price').textContent(), /7\.00/);
      await screenshot(s, 'checkout');
      await page.getByRole('button', { name: 'Continue to payment' }).click();
      await sandbox.pay(page);
      await page.getByRole('heading', { name: 'Thank you for your support!' }).waitFor({ timeout: 30_000 });
      assertClean(s, 'sandbox checkout');
      await screenshot(s, 'checkout-success');

      await page.getByRole('link', { name: 'Back to the artist' }).click();
      const unlocked = page.getByTestId('track-row').filter({ hasText: TRACK_TITLE });
      await unlocked.getByRole('button', { name: `Play ${TRACK_TITLE}` }).waitFor({ timeout: 30_000 });
      assert.equal(await unlocked.getByTestId('lock-teaser').count(), 0);
      assertClean(s, 'unlocked');
      await screenshot(s, 'journey-artist-unlocked');

      await page.goto('/library');
      await page.getByTestId('subscription').first().waitFor();
      assert.match(await page.getByTestId('subscription').first().textContent(), /Supporter/);
      await page.locator('section', { has: page.getByRole('heading', { name: 'Payment history' }) }).getByRole('cell', { name: /7\.00/ }).waitFor();
      await capture(s, 'journey-library');
      state.fanSubscribed = true;
    } finally {
      await s.close();
    }
  });

  test('2. (continued) the fan plays the track: the audio clock advances on 256 kbps segments', async (t) => {
    if (!needs(t, ['/api/content/{id}/playback'])) return;
    assert.ok(state.fanSubscribed, 'the fan subscribed');
    const s = await session();
    const { page } = s;
    try {
      await logIn(s, fan);
      await page.goto(`/artist/${state.artistSlug}`);
      const play = page.getByTestId('track-row').filter({ hasText: TRACK_TITLE }).getByRole('button', { name: `Play ${TRACK_TITLE}` });
      await play.waitFor();
      const before = s.requests.length;
      await play.click();
      // The audio element's clock must move: real decoding of real HLS segments.
      await page.waitForFunction(() => {
        const a = document.querySelector('audio[data-testid="audio"]');
        return a && a.currentTime > 2;
      }, null, { timeout: 60_000 });
      const t1 = await page.evaluate(() => document.querySelector('audio').currentTime);
      await page.waitForTimeout(1500);
      const t2 = await page.evaluate(() => document.querySelector('audio').currentTime);
      assert.ok(t2 > t1, `currentTime advances (${t1} → ${t2})`);
      const media = s.requests.slice(before).filter((u) => u.includes('/media/'));
      assert.ok(media.some((u) => /\.m3u8/.test(u)), `a playlist was fetched: ${media.join(', ')}`);
      assert.ok(sandbox.segmentsOfRung(media, 256).length > 0, `256 kbps segments were fetched:\n${media.join('\n')}`);
      // The stored loudness gain is what the player applies.
      const { token } = await apiLogin(server.api, fan.email, fan.password);
      const content = await server.api.get(`/api/artists/${state.artistId}/content`, { token });
      const track = content.body.releases.flatMap((r) => r.tracks).find((x) => x.title === TRACK_TITLE);
      assert.equal(typeof track.gainDb, 'number');
      const applied = Number(await page.locator('audio[data-testid="audio"]').getAttribute('data-gain-db'));
      assert.ok(Math.abs(applied - Math.max(-30, Math.min(12, track.gainDb))) < 1e-9, `gain ${applied} dB applied, ${track.gainDb} dB stored`);
      // Seeking with the slider moves the audio clock.
      await page.getByRole('slider', { name: 'Seek' }).fill('25');
      await page.waitForFunction(() => document.querySelector('audio').currentTime >= 24, null, { timeout: 20_000 });
      assert.ok(await page.locator('canvas.waveform').first().isVisible(), 'the waveform is drawn');
      assertClean(s, 'playback');
      await screenshot(s, 'player');

      await page.getByRole('region', { name: 'Player' }).getByRole('button', { name: 'Pause' }).click();
      await page.getByRole('link', { name: TRACK_TITLE }).first().click();
      await page.getByRole('heading', { level: 1, name: TRACK_TITLE }).waitFor();
      assertClean(s, 'track page');
      await screenshot(s, 'journey-track');
    } finally {
      await s.close();
    }
  });

  test('3. fan cancels; when the period ends the track is locked again', async (t) => {
    if (!needs(t, ['/api/subscriptions/{id}/cancel', '/api/sandbox/subscriptions/{id}/simulate'])) return;
    assert.ok(state.fanSubscribed, 'journey 2 ran');
    const s = await session();
    const { page } = s;
    try {
      await logIn(s, fan);
      await page.goto('/library');
      const sub = page.getByTestId('subscription').first();
      await sub.getByRole('button', { name: 'Cancel at period end' }).click();
      await sub.getByRole('button', { name: 'Resume' }).waitFor();
      assertClean(s, 'cancel');

      // Still a supporter until the period ends.
      await page.goto(`/artist/${state.artistSlug}`);
      await page.getByTestId('track-row').filter({ hasText: TRACK_TITLE }).getByRole('button', { name: `Play ${TRACK_TITLE}` }).waitFor();

      await sandbox.endPeriod(server, fan, state.artistId);

      await page.reload();
      const row = page.getByTestId('track-row').filter({ hasText: TRACK_TITLE });
      await row.getByTestId('lock-teaser').waitFor();
      assert.equal(await row.getByRole('button', { name: `Play ${TRACK_TITLE}` }).count(), 0);
      assertClean(s, 'locked again');
    } finally {
      await s.close();
    }
  });

  test('the artist sees the payment in earnings', async (t) => {
    if (!needs(t, ['/api/artists/earnings'])) return;
    assert.ok(state.fanSubscribed, 'journey 2 ran');
    const s = await session();
    const { page } = s;
    try {
      await logIn(s, artist);
      await page.goto('/studio/earnings');
      await page.getByRole('heading', { name: 'Earnings and payouts' }).waitFor();
      // 700 cents: processor fee round(2.9 % × 700) + 30 = 50, platform round(10 % × 650) = 65, artist 585.
      const stat = (label) => page.locator('.stat', { has: page.getByText(label, { exact: true }) }).locator('dd');
      await stat('Gross').waitFor();
      assert.equal(await stat('Gross').textContent(), '$7.00');
      assert.equal(await stat('Net').textContent(), '$5.85');
      await capture(s, 'studio-earnings-paid');
    } finally {
      await s.close();
    }
  });
});
