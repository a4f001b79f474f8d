// Browser journeys of issue 13, items 3–5, at phone width (375 px) and with the keyboard:
//   - the player: volume and mute, the global play/pause key, repeat (all, this track), shuffle,
//     the queue (opens, plays an entry, closes on Escape, on a click outside and on navigation),
//     the Media Session's metadata and action handlers (media keys), a reload resuming the same track near the same position, and
//     errors in words when the network is gone;
//   - every form's bad input shows a message that names the field;
//   - no page scrolls sideways at 375 px or 1280 px with long unbroken texts (names, titles, a bio
//     and a comment of up to 500 characters without a space), and axe-core finds no serious or
//     critical accessibility violation on any page, signed out or in.
// Set-up (artist, release, three tracks) goes through the API: journeys.test.mjs covers it in the app.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../api/helpers/server.mjs';
import { expectStatus } from '../api/helpers/http.mjs';
import { login, registerUser } from '../api/helpers/fixtures.mjs';
import { grantTier } from '../api/helpers/db.mjs';
import { scratchDir, uploadMultipart, waitForTrack } from '../api/helpers/media.mjs';
import { PHONE, assertClean, assertNoHorizontalOverflow, axeViolations, launchBrowser, openPage, screenshot } from './helpers/browser.mjs';
import { sandbox } from './helpers/sandbox.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const WEB_DIR = process.env.MC_WEB_DIR || path.resolve(here, '..', '..', 'web', 'dist');
const TITLES = ['Alpha Line', 'Beta Line', 'Gamma Line'];
const SECONDS = 20;

let server;
let browser;
let dir;
let artist;
let slug;
let releaseId;
let artistName;

// A 20 s MP3 (a tone over pink noise); the first one carries a cover picture (artwork).
function makeTrack(i) {
  const file = path.join(dir, `track-${i}.mp3`);
  const audio = ['-f', 'lavfi', '-i', `sine=frequency=${220 + 110 * i}:duration=${SECONDS}`, '-f', 'lavfi', '-i',
    `anoisesrc=color=pink:amplitude=0.05:duration=${SECONDS}`];
  if (i === 0) {
    const cover = path.join(dir, 'cover.jpg');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=600x600:duration=1', '-frames:v', '1', cover]);
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...audio, '-i', cover,
      '-filter_complex', '[0:a][1:a]amix=inputs=2,aformat=channel_layouts=stereo[a]', '-map', '[a]', '-map', '2:v',
      '-c:a', 'libmp3lame', '-b:a', '192k', '-c:v', 'copy', '-id3v2_version', '3', '-disposition:v', 'attached_pic', file]);
  } else {
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...audio,
      '-filter_complex', 'amix=inputs=2,aformat=channel_layouts=stereo', '-c:a', 'libmp3lame', '-b:a', '192k', file]);
  }
  return file;
}

before(async () => {
  dir = await scratchDir('e2e-player');
  server = await startServer({ name: 'e2e-player', env: { WEB_DIR, PUBLIC_URL: (s) => s.baseUrl } });
  browser = await launchBrowser();
  artistName = `Loop Theory ${Date.now().toString(36)}`;
  artist = await registerUser(server.api, { role: 'artist', artistName });
  releaseId = expectStatus(await server.api.json('POST', '/api/releases', {
    token: artist.token, body: { title: 'Three Lines', kind: 'ep' },
  }), 201).id;
  for (let i = 0; i < TITLES.length; i++) {
    const { track } = expectStatus(await uploadMultipart(server, artist.token, makeTrack(i), { releaseId, title: TITLES[i] }), 202);
    const done = await waitForTrack(server.api, artist.token, track.id, { timeoutMs: 180_000 });
    assert.equal(done.status, 'ready', JSON.stringify(done));
  }
  expectStatus(await server.api.json('PATCH', `/api/releases/${releaseId}`, { token: artist.token, body: { published: true } }), 200);
  slug = expectStatus(await server.api.get(`/api/artists/${artist.user.id}`), 200).slug;
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

async function logIn(page, { email, password }) {
  await page.goto('/login');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
}

const audioState = (page) =>
  page.evaluate(() => {
    const a = document.querySelector('audio[data-testid="audio"]');
    return { time: a.currentTime, paused: a.paused, volume: a.volume, muted: a.muted, duration: a.duration, gainDb: a.dataset.gainDb };
  });
// Waits until `fn(arg)` holds in the page; each predicate finds the player's <audio> itself
// (Playwright sends the function's source to DevTools; the app's CSP forbids eval in the page).
const waitAudio = (page, fn, arg, timeout = 60_000) => page.waitForFunction(fn, arg ?? null, { timeout });
const nowPlaying = async (page) => (await page.getByTestId('player-title').textContent()).trim();
// Tab from `from` until `target` has focus (the keyboard route a person would take).
async function tabTo(page, target, { max = 60 } = {}) {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error('could not reach the control with Tab');
}

describe('the player at 375 px with the keyboard', () => {
  let s;
  let page;
  const fan = {};

  before(async () => {
    const f = await registerUser(server.api);
    Object.assign(fan, f.input);
    s = await openPage(browser, server.baseUrl, { viewport: PHONE });
    page = s.page;
    // Records the Media Session action handlers the app sets: a media key or a lock-screen button
    // is Chromium calling one of them, which the journey then does itself.
    await s.context.addInitScript(() => {
      window.__mediaActions = {};
      const ms = navigator.mediaSession;
      const set = ms.setActionHandler.bind(ms);
      ms.setActionHandler = (action, handler) => {
        set(action, handler);
        window.__mediaActions[action] = handler;
      };
    });
    await logIn(page, fan);
  });
  after(async () => s?.close());

  test('play, volume, mute, the global play/pause key and the Media Session', async () => {
    await page.goto(`/artist/${slug}/release/${releaseId}`);
    const first = page.getByTestId('track-row').filter({ hasText: TITLES[0] }).getByRole('button', { name: `Play ${TITLES[0]}` });
    await first.focus();
    await page.keyboard.press('Enter');
    await waitAudio(page, () => { const a = document.querySelector('audio[data-testid="audio"]'); return !!a && (a.currentTime > 1 && !a.paused); });
    assert.equal(await nowPlaying(page), TITLES[0]);
    // The loudness gain the catalog stores for this track is the one applied (docs/media.md).
    const st = await audioState(page);
    const { releases } = expectStatus(await server.api.get(`/api/artists/${artist.user.id}/content`, { token: artist.token }), 200);
    const stored = releases.flatMap((r) => r.tracks).find((t) => t.title === TITLES[0]).gainDb;
    assert.equal(typeof stored, 'number', 'processing measured the loudness');
    assert.notEqual(stored, 0, 'a test tone at this level needs a gain');
    assert.equal(Number(st.gainDb), Math.max(-30, Math.min(12, stored)), `applied ${st.gainDb} dB, stored ${stored} dB`);

    // Volume: the slider moves in 5 % steps with the arrow keys.
    const volume = page.getByRole('slider', { name: 'Volume' });
    await volume.focus();
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowLeft');
    await waitAudio(page, () => { const a = document.querySelector('audio[data-testid="audio"]'); return !!a && (Math.abs(a.volume - 0.8) < 0.001); });
    assert.equal(await volume.getAttribute('aria-valuetext'), '80%');

    // Mute with the button (Tab to it, Enter), then back.
    const mute = page.getByRole('button', { name: 'Mute' });
    await mute.focus();
    await page.keyboard.press('Enter');
    await waitAudio(page, () => { const a = document.querySelector('audio[data-testid="audio"]'); return !!a && (a.muted); });
    await page.getByRole('button', { name: 'Unmute' }).waitFor();
    assert.equal(await volume.getAttribute('aria-valuetext'), 'Muted');
    await page.keyboard.press('Enter');
    await waitAudio(page, () => { const a = document.querySelector('audio[data-testid="audio"]'); return !!a && (!a.muted && Math.abs(a.volume - 0.8) < 0.001); });

    // The global keys: Space pauses and plays, M mutes, from anywhere but a control.
    await page.locator('main h1').first().click();
    await page.keyboard.press(' ');
    await waitAudio(page, () => { const a = document.querySelector('audio[data-testid="audio"]'); return !!a && (a.paused); });
    await page.getByRole('button', { name: 'Play', exact: true }).waitFor();
    await page.keyboard.press(' ');
    await waitAudio(page, () => { const a = document.querySelector('audio[data-testid="audio"]'); return !!a && (!a.paused); });
    await page.keyboard.press('m');
    await waitAudio(page, () => { const a = document.querySelector('audio[data-testid="audio"]'); return !!a && (a.muted); });
    await page.keyboard.press('m');
    await waitAudio(page, () => { const a = document.querySelector('audio[data-testid="audio"]'); return !!a && (!a.muted); });
    // Space in a text field types a space and leaves playback alone.
    const search = page.getByRole('searchbox', { name: 'Search artists' });
    await search.fill('');
    await search.focus();
    await page.keyboard.press(' ');
    assert.equal((await audioState(page)).paused, false);
    assert.equal(await search.inputValue(), ' ');

    // The Media Session: what the lock screen and media keys show.
    const ms = await page.evaluate(() => ({
      title: navigator.mediaSession.metadata?.title,
      artist: navigator.mediaSession.metadata?.artist,
      artwork: navigator.mediaSession.metadata?.artwork.map((a) => a.sizes) ?? [],
      state: navigator.mediaSession.playbackState,
    }));
    assert.equal(ms.title, TITLES[0]);
    assert.equal(ms.artist, artistName);
    assert.equal(ms.state, 'playing');
    assert.ok(ms.artwork.length > 0, `the track's artwork is offered: ${JSON.stringify(ms.artwork)}`);

    // Media keys and lock-screen controls: play, pause, seeking, next and previous track.
    const handled = await page.evaluate(() => Object.keys(window.__mediaActions).filter((a) => window.__mediaActions[a]).sort());
    assert.deepEqual(handled, ['nexttrack', 'pause', 'play', 'previoustrack', 'seekbackward', 'seekforward', 'seekto']);
    const mediaKey = (action, details = {}) => page.evaluate(([a, d]) => { window.__mediaActions[a]({ action: a, ...d }); }, [action, details]);
    await mediaKey('pause');
    await waitAudio(page, () => { const a = document.querySelector('audio[data-testid="audio"]'); return !!a && a.paused; });
    await page.waitForFunction(() => navigator.mediaSession.playbackState === 'paused');
    await page.getByRole('button', { name: 'Play', exact: true }).waitFor();
    // Seeking while paused, so that the positions are exact.
    await mediaKey('seekto', { seekTime: 12 });
    await waitAudio(page, () => { const a = document.querySelector('audio[data-testid="audio"]'); return !!a && Math.abs(a.currentTime - 12) < 0.01; });
    await mediaKey('seekbackward', { seekOffset: 10 });
    await waitAudio(page, () => { const a = document.querySelector('audio[data-testid="audio"]'); return !!a && Math.abs(a.currentTime - 2) < 0.01; });
    await mediaKey('seekforward', {});
    await waitAudio(page, () => { const a = document.querySelector('audio[data-testid="audio"]'); return !!a && Math.abs(a.currentTime - 12) < 0.01; });
    await mediaKey('play');
    await waitAudio(page, () => { const a = document.querySelector('audio[data-testid="audio"]'); return !!a && !a.paused; });
    await page.waitForFunction(() => navigator.mediaSession.playbackState === 'playing');
    await mediaKey('nexttrack');
    await page.waitForFunction((t) => navigator.mediaSession.metadata?.title === t, TITLES[1]);
    assert.equal(await nowPlaying(page), TITLES[1]);
    // Previous at the start of a track goes to the track before it.
    await mediaKey('previoustrack');
    await page.waitForFunction((t) => navigator.mediaSession.metadata?.title === t, TITLES[0]);
    assert.equal(await nowPlaying(page), TITLES[0]);
    await waitAudio(page, () => { const a = document.querySelector('audio[data-testid="audio"]'); return !!a && !a.paused && a.currentTime > 0.5; });
    assertClean(s, 'player basics');
    await assertNoHorizontalOverflow(page);
    assert.deepEqual(await axeViolations(page), [], 'the page with the player open');
  });

  test('repeat this track, repeat off, next and previous, and shuffle visits every track once', async () => {
    const repeat = page.getByRole('button', { name: /^Repeat:/ });
    await repeat.focus();
    assert.equal(await repeat.getAttribute('aria-label'), 'Repeat: off');
    await page.keyboard.press('Enter');
    assert.equal(await repeat.getAttribute('aria-label'), 'Repeat: all');
    await page.keyboard.press('Enter');
    assert.equal(await repeat.getAttribute('aria-label'), 'Repeat: this track');

    // Near the end of the track (the seek slider's End key, then back 2 s): it starts again.
    await page.evaluate(() => {
      const a = document.querySelector('audio[data-testid="audio"]');
      window.__ended = 0;
      a.addEventListener('ended', () => window.__ended++);
    });
    const seek = page.getByRole('slider', { name: 'Seek' });
    await seek.focus();
    await page.keyboard.press('End');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction(() => window.__ended >= 1, null, { timeout: 30_000 });
    await waitAudio(page, () => { const a = document.querySelector('audio[data-testid="audio"]'); return !!a && (!a.paused && a.currentTime > 0.5 && a.currentTime < 10); });
    assert.equal(await nowPlaying(page), TITLES[0], 'repeat one plays the same track again');

    // Repeat off; Next and Previous in queue order.
    await repeat.focus();
    await page.keyboard.press('Enter');
    assert.equal(await repeat.getAttribute('aria-label'), 'Repeat: off');
    const next = page.getByRole('button', { name: 'Next track' });
    await next.focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('player-title').filter({ hasText: TITLES[1] }).waitFor();
    await waitAudio(page, () => { const a = document.querySelector('audio[data-testid="audio"]'); return !!a && (!a.paused && a.currentTime > 0.3); });

    // Back to the first entry from the queue, then shuffle: with three tracks, a shuffled order that
    // starts with the current one and is not the queue's own order can only be 1, 3, 2.
    await page.getByRole('button', { name: 'Previous track' }).focus();
    await page.keyboard.press('Enter');
    // Past 3 s, Previous restarts the track; a second press goes back.
    if ((await nowPlaying(page)) !== TITLES[0]) await page.keyboard.press('Enter');
    await page.getByTestId('player-title').filter({ hasText: TITLES[0] }).waitFor();
    const shuffle = page.getByRole('button', { name: 'Shuffle' });
    await shuffle.focus();
    await page.keyboard.press('Enter');
    assert.equal(await shuffle.getAttribute('aria-pressed'), 'true');
    const seen = [TITLES[0]];
    for (let i = 0; i < 2; i++) {
      await next.focus();
      await page.keyboard.press('Enter');
      await page.getByTestId('player-title').filter({ hasNotText: seen[seen.length - 1] }).waitFor();
      seen.push(await nowPlaying(page));
    }
    assert.deepEqual(seen, [TITLES[0], TITLES[2], TITLES[1]]);
    assert.equal(await next.isDisabled(), true, 'after every track once, with repeat off, there is no next');
    // Repeat all wraps around to the start of the shuffled order.
    await repeat.focus();
    await page.keyboard.press('Enter');
    assert.equal(await next.isDisabled(), false);
    await next.focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('player-title').filter({ hasText: TITLES[0] }).waitFor();
    // Back to plain settings for the next steps.
    await repeat.focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await shuffle.focus();
    await page.keyboard.press('Enter');
    assert.equal(await shuffle.getAttribute('aria-pressed'), 'false');
    assertClean(s, 'repeat and shuffle');
  });

  test('the queue fits 375 px, plays an entry, and closes on Escape, a click outside and navigation', async () => {
    const button = page.getByRole('button', { name: /^Queue \(3\)/ });
    const region = page.getByRole('region', { name: 'Queue' });
    await button.focus();
    await page.keyboard.press('Enter');
    await region.waitFor();
    assert.equal(await button.getAttribute('aria-expanded'), 'true');
    const box = await region.boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width, `the queue is inside the screen: ${JSON.stringify(box)}`);
    await assertNoHorizontalOverflow(page);
    assert.deepEqual(await axeViolations(page), [], 'the page with the queue open');
    await screenshot(s, 'player-queue');
    assert.equal(await page.getByTestId('queue-item').count(), 3);
    // Focus is in the queue; Tab to the second entry and play it.
    const entry = region.getByRole('button', { name: new RegExp(`^${TITLES[1]}`) });
    await tabTo(page, entry);
    await page.keyboard.press('Enter');
    await page.getByTestId('player-title').filter({ hasText: TITLES[1] }).waitFor();
    assert.equal(await entry.getAttribute('aria-current'), 'true');

    // Escape closes it and gives focus back to the button.
    await page.keyboard.press('Escape');
    await region.waitFor({ state: 'detached' });
    assert.equal(await button.evaluate((el) => el === document.activeElement), true);
    assert.equal(await button.getAttribute('aria-expanded'), 'false');

    // A click outside closes it.
    await page.keyboard.press('Enter');
    await region.waitFor();
    await page.locator('main h1').first().click();
    await region.waitFor({ state: 'detached' });

    // Navigation closes it (the browser's Back, a client-side route change).
    await page.getByTestId('player-title').click(); // to the track page
    await page.waitForURL(/\/track\//);
    await button.click();
    await region.waitFor();
    await page.goBack();
    await page.waitForURL(/\/release\//);
    await region.waitFor({ state: 'detached' });
    assertClean(s, 'queue');
  });

  test('a reload resumes the same track near the same position', async () => {
    // Jump to about 8 s into the playing track and let it play a little.
    const seek = page.getByRole('slider', { name: 'Seek' });
    await seek.focus();
    await page.keyboard.press('Home');
    for (let i = 0; i < 8; i++) await page.keyboard.press('ArrowRight');
    await waitAudio(page, () => { const a = document.querySelector('audio[data-testid="audio"]'); return !!a && (!a.paused && a.currentTime > 8.5); });
    const title = await nowPlaying(page);
    const before = (await audioState(page)).time;
    await page.reload();
    await page.getByTestId('player-title').filter({ hasText: title }).waitFor();
    // Restored paused (browsers want a gesture before sound), at the saved second.
    await waitAudio(page, (at) => { const a = document.querySelector('audio[data-testid="audio"]'); return !!a && a.currentTime > 0 && Math.abs(a.currentTime - at) < 2; }, before);
    const after = await audioState(page);
    assert.ok(Math.abs(after.time - before) < 2, `resumed near ${before.toFixed(1)} s, at ${after.time.toFixed(1)} s`);
    assert.equal(after.volume, 0.8, 'the volume is kept');
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    await waitAudio(page, (at) => { const a = document.querySelector('audio[data-testid="audio"]'); return !!a && !a.paused && a.currentTime > at + 0.5; }, after.time);
    assert.equal(await nowPlaying(page), title);
    assert.equal(await page.getByTestId('queue-item').count(), 0); // the queue stays closed …
    assert.ok(await page.getByRole('button', { name: /^Queue \(3\)/ }).isVisible(), '… and keeps its three entries');
    assertClean(s, 'reload');
  });

  test('offline: the player says so in words, and carries on when the connection is back', async () => {
    await s.context.setOffline(true);
    await page.getByRole('button', { name: 'Next track' }).click();
    const alert = page.locator('.player__error');
    await alert.waitFor();
    const text = (await alert.textContent()).trim();
    assert.match(text, /^You are offline/);
    assert.doesNotMatch(text, /fetch|network ?error|TypeError/i);
    await s.context.setOffline(false);
    await alert.waitFor({ state: 'detached' });
    await waitAudio(page, () => { const a = document.querySelector('audio[data-testid="audio"]'); return !!a && (!a.paused && a.currentTime > 0.5); });
    // What failed while offline is the point of this step, not a problem.
    s.problems.splice(0);
  });
});

describe('every form names the field in its error', () => {
  test('sign up, log in, forgot and reset password, change email and password, profile, new release, tiers, comments', async () => {
    const s = await openPage(browser, server.baseUrl, { viewport: PHONE });
    const { page } = s;
    // Refusals are what this journey provokes.
    s.allow(/\/api\/(auth|artists|releases|content)\//);
    const errorNear = async (label) => {
      const input = page.getByLabel(label, { exact: true });
      const id = await input.getAttribute('aria-describedby');
      assert.ok(id, `${label} is described by its error`);
      const text = await page.locator(id.split(' ').map((i) => `[id="${i}"]`).join(', ')).allTextContents();
      return text.join(' ');
    };
    try {
      await page.goto('/signup');
      await page.getByLabel('Username').fill('X!');
      await page.getByLabel('Email').fill('not-an-email');
      await page.getByLabel('Password', { exact: true }).fill('short');
      await page.getByRole('button', { name: 'Sign up' }).click();
      await page.locator('.field__error').first().waitFor();
      assert.match(await errorNear('Password'), /Password must be at least 10 characters/);
      // With a good password, the server's words for the other fields.
      await page.getByLabel('Password', { exact: true }).fill('a quiet lantern over seven hills');
      await page.getByRole('button', { name: 'Sign up' }).click();
      await page.getByText('Username must be 3-30 characters').waitFor();
      assert.match(await errorNear('Username'), /Username must be 3-30 characters of a-z, 0-9 and _\./);
      assert.match(await errorNear('Email'), /Email must be a valid email address\./);

      await page.goto('/login');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByText('Email is required.').waitFor();
      assert.match(await errorNear('Email'), /Email is required\./);
      assert.match(await errorNear('Password'), /Password is required\./);

      await page.goto('/forgot-password');
      await page.getByLabel('Email').fill('nobody-at-all');
      await page.getByRole('button', { name: 'Send reset link' }).click();
      await page.getByText(/Email must be a valid email address/).waitFor();

      await page.goto('/reset-password?token=abc');
      await page.getByLabel('New password').fill('tiny');
      await page.getByRole('button', { name: 'Set password' }).click();
      await page.getByText('New password must be at least 10 characters.').waitFor();

      // Signed in: settings, the studio and comments.
      const u = await registerUser(server.api, { role: 'artist', artistName: `Form Tester ${Date.now().toString(36)}` });
      await logIn(page, { email: u.input.email, password: u.input.password });
      await page.goto('/settings');
      await page.getByLabel('New email').fill('still-not-an-email');
      await page.getByLabel('Current password').first().fill(u.input.password);
      await page.getByRole('button', { name: 'Change email' }).click();
      await page.getByText('New email must be a valid email address.').waitFor();

      const pw = page.locator('section[aria-labelledby="pw-h"]');
      await pw.getByLabel('Current password').fill('this is not my password');
      await pw.getByLabel('New password').fill('a quiet lantern over seven hills');
      await pw.getByRole('button', { name: 'Change password' }).click();
      await pw.getByText('Current password is not your current password; check it and try again.').waitFor();
      await pw.getByLabel('Current password').fill(u.input.password);
      await pw.getByLabel('New password').fill(u.input.username);
      await pw.getByRole('button', { name: 'Change password' }).click();
      await pw.getByText(/^New password (must not be your username or email|is too easy to guess)/).waitFor();

      await page.goto('/studio');
      const stage = page.getByLabel('Stage name');
      await stage.waitFor();
      await stage.fill('');
      await page.getByRole('button', { name: 'Save profile' }).click();
      await page.getByText(/^Stage name must be 1-100 characters\./).waitFor();

      await page.goto('/studio/releases');
      await page.getByRole('button', { name: 'Create release' }).click();
      await page.getByText(/^Release title (is required|must be)/).waitFor();

      await page.goto('/studio/tiers');
      const price = page.getByLabel('Supporter monthly price');
      await price.waitFor();
      await price.fill('0.10');
      await page.getByRole('button', { name: 'Save tiers' }).click();
      await page.getByText(/^Supporter monthly price must be between 1\.00 and 1000\.00/).waitFor();
      assert.match(await errorNear('Supporter monthly price'), /^Supporter monthly price must be between 1\.00 and 1000\.00: enter an amount such as 5\.00\.$/);

      const tracks = expectStatus(await server.api.get(`/api/artists/${artist.user.id}/content`), 200).releases[0].tracks;
      await page.goto(`/track/${tracks[0].id}`);
      await page.getByRole('button', { name: 'Post' }).click();
      await page.getByText('Your comment is empty: write something first.').waitFor();
      await screenshot(s, 'form-errors');
    } finally {
      await s.close();
    }
  });
});

describe('every other form names the field in its error too', () => {
  test('studio posts and parties, new track, track edit, release details, report, message, delete account, admin flags', async () => {
    const s = await openPage(browser, server.baseUrl, { viewport: PHONE });
    const { page } = s;
    // Refusals are what this journey provokes.
    s.allow(/\/api\/(tracks|releases|admin)\//);
    // The words that describe a field (its aria-describedby), or fail if nothing does.
    const describedBy = async (field) => {
      const id = await field.getAttribute('aria-describedby');
      assert.ok(id, 'the field is described by its error');
      return (await page.locator(id.split(' ').map((i) => `[id="${i}"]`).join(', ')).allTextContents()).join(' ');
    };
    const u = await registerUser(server.api, { role: 'artist', artistName: `Form Tester Two ${Date.now().toString(36)}` });
    const rel = expectStatus(await server.api.json('POST', '/api/releases', { token: u.token, body: { title: 'Form Release', kind: 'single' } }), 201).id;
    const file = path.join(dir, 'forms.mp3');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=330:duration=3', '-c:a', 'libmp3lame', file]);
    const { track } = expectStatus(await uploadMultipart(server, u.token, file, { releaseId: rel, title: 'Form Song' }), 202);
    await waitForTrack(server.api, u.token, track.id, { timeoutMs: 120_000 });
    await grantTier(server.pool, u.user.id, artist.user.id, 'superfan');
    try {
      await logIn(page, { email: u.input.email, password: u.input.password });

      // The post composer, empty.
      await page.goto('/studio/posts');
      await page.getByRole('button', { name: 'Publish post' }).click();
      assert.match(await describedBy(page.getByLabel('Title', { exact: true })), /^Title must be 1-200 characters: give the post a title\.$/);
      assert.match(await describedBy(page.getByLabel('Text', { exact: true })), /Text must be 1-20000 characters: write the post\./);

      // A listening party without a title, tracks or a sensible capacity.
      await page.goto('/studio/parties');
      await page.getByLabel('Capacity (listeners)').fill('0');
      await page.getByRole('button', { name: 'Start the party' }).click();
      assert.match(await describedBy(page.getByLabel('Party title')), /^Party title is required: give the party a title\.$/);
      assert.match(await describedBy(page.getByLabel('Capacity (listeners)')), /^Capacity must be a whole number of listeners from 1 to 100000\.$/);
      assert.match(await describedBy(page.getByRole('group', { name: 'Tracks, in the order they play' })), /^Tracks: pick at least one track for the queue\.$/);

      // A new track without a file; a track renamed to nothing; release details with a bad credit.
      await page.goto(`/studio/releases/${rel}`);
      await page.getByRole('button', { name: 'Upload', exact: true }).click();
      assert.match(await describedBy(page.getByLabel('Audio file')), /Audio file is required: choose an MP3, WAV, FLAC, AIFF, M4A, OGG or Opus file\./);
      await page.getByRole('button', { name: 'Edit Form Song' }).click();
      const edit = page.getByRole('form', { name: 'Edit Form Song' });
      await edit.getByLabel('Track title').fill('');
      await edit.getByRole('button', { name: 'Save track' }).click();
      await edit.getByRole('alert').filter({ hasText: /^Track title must be 1-200 characters/ }).waitFor();
      const details = page.getByRole('form', { name: 'Release details' });
      await details.getByLabel('Credits (one per line: role, a colon, name)').fill('Mixing');
      await details.getByRole('button', { name: 'Save details' }).click();
      await details.getByText('Credits: line 1 needs a role and a name, such as "Mixing: Ada Lovelace".').waitFor();
      await details.getByLabel('Credits (one per line: role, a colon, name)').fill('');
      await details.getByLabel('Release title').fill('');
      await details.getByRole('button', { name: 'Save details' }).click();
      await details.getByRole('alert').filter({ hasText: /^Release title must be 1-200 characters/ }).waitFor();

      // A report without a reason, and a message to an artist that is too long.
      const tracks = expectStatus(await server.api.get(`/api/artists/${artist.user.id}/content`), 200).releases[0].tracks;
      await page.goto(`/track/${tracks[0].id}`);
      await page.getByTestId('report-track').click();
      await page.getByRole('button', { name: 'Send report' }).click();
      assert.match(await describedBy(page.getByLabel('Why are you reporting this track?')), /^Reason is required: choose what is wrong\.$/);
      await page.goto(`/artist/${slug}`);
      await page.getByRole('button', { name: 'Message', exact: true }).click();
      const message = page.getByLabel(`Message to ${artistName}`);
      await message.fill('x'.repeat(2001));
      assert.match(await describedBy(message), /^Message is 2001 characters, over the 2000 allowed: shorten it by 1 to send it\./);
      assert.equal(await page.locator('#message-artist').getByRole('button', { name: 'Send' }).isDisabled(), true);

      // Deleting the account without the password or the tick.
      await page.goto('/settings');
      const del = page.locator('section[aria-labelledby="delete-h"]');
      await del.getByRole('button', { name: 'Delete my account' }).click();
      assert.match(await describedBy(del.getByLabel('Password')), /^Password is needed: type the one you sign in with\.$/);
      assert.match(await describedBy(del.getByRole('checkbox')), /^Tick “I understand that my account is deleted for good” to confirm that you want it deleted\.$/);
      assertClean(s, 'other forms');
    } finally {
      await s.close();
    }

    // The admin console's flag form.
    const admin = await registerUser(server.api);
    await server.pool.query("UPDATE users SET role = 'admin' WHERE id = $1", [admin.user.id]);
    const a = await openPage(browser, server.baseUrl, { viewport: PHONE });
    try {
      await logIn(a.page, { email: admin.input.email, password: admin.input.password });
      await a.page.goto('/admin/flags');
      const form = a.page.getByRole('form', { name: 'New flag' });
      await form.getByLabel('Key', { exact: true }).fill('Bad-Key');
      await form.getByLabel('Rollout (%)').fill('101');
      await form.getByRole('button', { name: 'Save flag' }).click();
      const near = async (label) => {
        const id = await form.getByLabel(label, { exact: true }).getAttribute('aria-describedby');
        return (await a.page.locator(id.split(' ').map((i) => `[id="${i}"]`).join(', ')).allTextContents()).join(' ');
      };
      await form.locator('.field__error').first().waitFor();
      assert.match(await near('Key'), /Key must be 1-64 of a-z, 0-9 and _, starting with a letter\./);
      assert.match(await near('Rollout (%)'), /^Rollout must be a whole number from 0 to 100\.$/);
      assertClean(a, 'admin flag form');
    } finally {
      await a.close();
    }
  });
});

describe('long unbroken text wraps on every page', () => {
  const LONG = (n, ch = 'W') => ch.repeat(n);
  let owner;
  let longSlug;
  let longRelease;
  let longTrack;
  let fan;
  let admin;
  let conversationId;
  let partyId;

  before(async () => {
    // The longest each field takes, up to 500 characters: stage name 100, titles 200, bio and comment 500.
    owner = await registerUser(server.api, { role: 'artist', artistName: LONG(100, 'M') });
    expectStatus(await server.api.json('PUT', '/api/artists/profile', {
      token: owner.token, body: { stageName: LONG(100, 'M'), bio: LONG(500, 'B'), genres: [], links: [] },
    }), 200);
    longRelease = expectStatus(await server.api.json('POST', '/api/releases', {
      token: owner.token, body: { title: LONG(200, 'R'), kind: 'single' },
    }), 201).id;
    const file = path.join(dir, 'long.mp3');
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=3', '-c:a', 'libmp3lame', file]);
    const { track } = expectStatus(await uploadMultipart(server, owner.token, file, { releaseId: longRelease, title: LONG(200, 'T') }), 202);
    longTrack = track.id;
    await waitForTrack(server.api, owner.token, longTrack, { timeoutMs: 120_000 });
    expectStatus(await server.api.json('PATCH', `/api/releases/${longRelease}`, { token: owner.token, body: { published: true } }), 200);
    longSlug = expectStatus(await server.api.get(`/api/artists/${owner.user.id}`), 200).slug;
    const comment = expectStatus(await server.api.post(`/api/content/${longTrack}/comments`, { body: LONG(500, 'C') }, { token: owner.token }), 201);

    // Everything else people write, each at its longest: the release's description and credits,
    // tier perks, a post, a direct message, a listening party (and the notifications they make), a
    // report's note, a feature flag's description.
    expectStatus(await server.api.json('PATCH', `/api/releases/${longRelease}`, {
      token: owner.token, body: { description: LONG(500, 'D'), credits: [{ role: LONG(100, 'O'), name: LONG(200, 'N') }] },
    }), 200);
    expectStatus(await server.api.json('PUT', '/api/artists/tiers/supporter', { token: owner.token, body: { priceCents: 500, perks: [LONG(200, 'P')] } }), 200);
    expectStatus(await server.api.json('POST', '/api/posts', {
      token: owner.token, body: { title: LONG(200, 'H'), body: LONG(500, 'Q'), visibility: 'public' },
    }), 201);
    fan = await registerUser(server.api);
    expectStatus(await server.api.json('POST', `/api/artists/${owner.user.id}/follow`, { token: fan.token }), 200);
    await grantTier(server.pool, fan.user.id, owner.user.id, 'superfan');
    conversationId = expectStatus(await server.api.json('POST', '/api/messaging/send', {
      token: fan.token, body: { recipientId: owner.user.id, body: LONG(500, 'G') },
    }), 201).conversation.id;
    partyId = expectStatus(await server.api.json('POST', '/api/parties', {
      token: owner.token, body: { title: LONG(120, 'Y'), trackIds: [longTrack], startNow: true },
    }), 201).id;
    expectStatus(await server.api.json('POST', '/api/reports', {
      token: fan.token, body: { targetType: 'comment', targetId: comment.id, reason: 'other', note: LONG(500, 'K') },
    }), 202);
    admin = await registerUser(server.api);
    await server.pool.query("UPDATE users SET role = 'admin' WHERE id = $1", [admin.user.id]);
    const adminToken = (await login(server.api, admin.input.email, admin.input.password)).token;
    expectStatus(await server.api.json('PUT', `/api/admin/flags/f${LONG(63, 'l')}`, {
      token: adminToken, body: { description: LONG(500, 'F'), enabled: true, rolloutPercent: 0 },
    }), 200);
  });

  // Overflow and axe-core on the page as it is now, at 375 px and 1280 px; one line per finding.
  async function checkHere(page, label) {
    const found = [];
    for (const size of [{ width: 375, height: 812 }, { width: 1280, height: 800 }]) {
      await page.setViewportSize(size);
      const o = await page.evaluate(() => {
        const doc = document.documentElement;
        const over = doc.scrollWidth - doc.clientWidth;
        // The widest element past the right edge, to say what to fix.
        let worst = '';
        if (over > 0) {
          for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            if (r.right > doc.clientWidth + 1) {
              worst = `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`;
              break;
            }
          }
        }
        return { over, worst };
      });
      if (o.over > 0) found.push(`${label} at ${size.width} px: ${o.over} px too wide (${o.worst})`);
      for (const v of await axeViolations(page)) found.push(`${label} at ${size.width} px: ${v}`);
    }
    await page.setViewportSize(PHONE);
    return found;
  }

  // Opens each page (a URL, or [URL, a long text the page must show]), waits until it has settled,
  // and checks it with checkHere; returns the findings, one line each.
  async function checkPages(page, entries) {
    const found = [];
    for (const entry of entries) {
      const [url, shows] = Array.isArray(entry) ? entry : [entry, null];
      await page.goto(url);
      await page.locator('main h1, main h2').first().waitFor();
      await page.waitForLoadState('networkidle');
      await page.locator('[data-testid="loading"]').first().waitFor({ state: 'detached' });
      if (shows && (await page.getByText(shows).count()) === 0) found.push(`${url} does not show the long text ${shows.slice(0, 12)}…`);
      found.push(...(await checkHere(page, url)));
    }
    return found;
  }

  test('at 375 px and 1280 px no page scrolls sideways and axe-core finds no serious or critical violation', async () => {
    const s = await openPage(browser, server.baseUrl, { viewport: PHONE });
    const { page } = s;
    s.allow(/\/api\/artists\/no-such-artist/);
    s.allow(/\/api\/content\/00000000-0000-4000-8000-000000000000/);
    const release = `/artist/${longSlug}/release/${longRelease}`;
    try {
      // Signed out: the public pages, the account forms and the embeddable player.
      const anonymous = await checkPages(page, [
        '/', `/search?q=${LONG(100, 'M')}`, [`/artist/${longSlug}`, LONG(200, 'P')], [release, LONG(500, 'D')],
        [`/track/${longTrack}`, LONG(500, 'C')], `/embed/track/${longTrack}`, '/login', '/signup', '/forgot-password',
        '/reset-password?token=x', '/verify-email', '/goodbye', '/checkout/cancel',
      ]);
      // Signed in as the artist: everything a member and an artist see.
      await logIn(page, { email: owner.input.email, password: owner.input.password });
      const signedIn = await checkPages(page, [
        '/', `/search?q=${LONG(100, 'M')}`, [`/artist/${longSlug}`, LONG(500, 'Q')], [release, LONG(200, 'N')],
        `/track/${longTrack}`, '/feed', '/library', '/settings', [`/notifications`, LONG(100, 'G')], '/messages',
        [`/messages/${conversationId}`, LONG(500, 'G')], [`/parties/${partyId}`, LONG(120, 'Y')], '/studio',
        '/studio/releases', `/studio/releases/${longRelease}`, '/studio/tiers',
        [`/studio/posts`, LONG(200, 'H')], '/studio/parties', '/studio/earnings', ['/studio/analytics', '0 supporters · 1 superfan'], '/checkout/success',
        '/artist/no-such-artist', '/track/00000000-0000-4000-8000-000000000000', '/no/such/page',
      ]);
      // The player open with the longest title, then its queue open, on the track page.
      await page.goto(`/track/${longTrack}`);
      await page.locator('main').getByRole('button', { name: 'Play', exact: true }).click();
      await page.getByTestId('player-title').filter({ hasText: LONG(200, 'T') }).waitFor();
      const player = await checkHere(page, 'the open player');
      await page.getByRole('button', { name: /^Queue \(/ }).click();
      await page.getByRole('region', { name: 'Queue' }).waitFor();
      const queue = await checkHere(page, 'the open queue');
      await page.keyboard.press('Escape');
      await page.getByRole('button', { name: 'Pause', exact: true }).first().click();
      assert.deepEqual([...anonymous, ...signedIn, ...player, ...queue], []);
      await screenshot(s, 'long-text-track');
      assertClean(s, 'long texts (artist)');
    } finally {
      await s.close();
    }
  });

  test('the same for a superfan (feed, messages, party, notifications) and an admin (checkout, sandbox, the console)', async () => {
    const f = await openPage(browser, server.baseUrl, { viewport: PHONE });
    try {
      await logIn(f.page, { email: fan.input.email, password: fan.input.password });
      const asFan = await checkPages(f.page, [
        ['/feed', LONG(200, 'H')], ['/notifications', LONG(120, 'Y')], [`/messages/${conversationId}`, LONG(500, 'G')],
        [`/parties/${partyId}`, LONG(120, 'Y')], [`/artist/${longSlug}/release/${longRelease}`, LONG(500, 'D')], '/library', '/verify-email',
      ]);
      assert.deepEqual(asFan, []);
      assertClean(f, 'long texts (superfan)');
    } finally {
      await f.close();
    }
    const a = await openPage(browser, server.baseUrl, { viewport: PHONE });
    try {
      await logIn(a.page, { email: admin.input.email, password: admin.input.password });
      const asAdmin = await checkPages(a.page, [[`/checkout/${owner.user.id}/supporter`, LONG(200, 'P')]]);
      // On to the sandbox's checkout page, which names the artist.
      await a.page.getByRole('button', { name: 'Continue to payment' }).click();
      await a.page.getByTestId('sandbox-artist').filter({ hasText: LONG(100, 'M') }).waitFor();
      asAdmin.push(...(await checkHere(a.page, 'the sandbox checkout')));
      asAdmin.push(...(await checkPages(a.page, [
        ['/admin', LONG(500, 'K')], '/admin/users', ['/admin/flags', LONG(500, 'F')], '/admin/audit', '/admin/stats',
      ])));
      assert.deepEqual(asAdmin, []);
      assertClean(a, 'long texts (admin)');
    } finally {
      await a.close();
    }
  });
});

describe('small things people notice', () => {
  test('sign-up keeps next, the owner sees their own page as owner, release meta lines have no stray separators, counts agree in number, trending names artists and skips unplayed tracks, not-found pages lead back, deleting a comment asks, the current Sign up button is legible', async () => {
    const s = await openPage(browser, server.baseUrl);
    const { page } = s;
    s.allow(/\/api\/artists\/no-such-artist/);
    s.allow(/\/api\/content\/00000000-0000-4000-8000-000000000000/);
    try {
      // The current page's Sign up button: WCAG AA contrast (4.5:1) between its text and background.
      await page.goto('/signup');
      const ratio = await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sign up' }).evaluate((el) => {
        const rgb = (c) => c.match(/[\d.]+/g).slice(0, 3).map(Number);
        const lum = ([r, g, b]) => {
          const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
          return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
        };
        const cs = getComputedStyle(el);
        const [a, b] = [lum(rgb(cs.color)), lum(rgb(cs.backgroundColor))].sort((x, y) => y - x);
        return (a + 0.05) / (b + 0.05);
      });
      assert.ok(ratio >= 4.5, `the active Sign up button's contrast is ${ratio.toFixed(2)}:1`);

      // A visitor who chose a checkout, then signs up, lands back on that checkout.
      const target = `/checkout/${artist.user.id}/supporter`;
      await page.goto(target);
      await page.waitForURL(/\/login\?next=/);
      await page.getByRole('link', { name: 'Create an account' }).click();
      await page.waitForURL(/\/signup\?next=/);
      const fan = { username: `next_${Date.now().toString(36)}`, password: 'a quiet lantern over seven hills' };
      await page.getByLabel('Username').fill(fan.username);
      await page.getByLabel('Email').fill(`${fan.username}@example.com`);
      await page.getByLabel('Password', { exact: true }).fill(fan.password);
      await page.getByRole('button', { name: 'Sign up' }).click();
      await page.waitForURL((u) => u.pathname === target);

      // One follower, in the singular; plays counted in the singular too.
      await page.goto(`/artist/${slug}`);
      await page.getByRole('button', { name: 'Follow' }).click();
      await page.getByRole('button', { name: 'Following' }).waitFor();
      await page.getByText(/^1 follower · /).waitFor();
      const tracks = expectStatus(await server.api.get(`/api/artists/${artist.user.id}/content`), 200).releases
        .flatMap((r) => r.tracks).filter((t) => TITLES.includes(t.title));
      await server.pool.query('INSERT INTO plays (track_id) VALUES ($1)', [tracks[0].id]);
      await server.pool.query('UPDATE tracks SET play_count = 1 WHERE id = $1', [tracks[0].id]);

      // Trending: the played track with its artist's name; tracks nobody played are not there.
      await page.goto('/');
      const trending = page.locator('section[aria-labelledby="trending-h"]');
      await trending.getByRole('link', { name: tracks[0].title }).waitFor();
      assert.equal(await trending.getByRole('link', { name: artistName }).count(), 1, 'trending names the artist');
      const metas = await trending.getByTestId('track-row').locator('.track__meta').allTextContents();
      assert.ok(metas.length >= 1);
      for (const m of metas) {
        const n = Number(/(\d+) plays?\b/.exec(m)?.[1]);
        assert.ok(n >= 1, `only played tracks trend: "${m}"`);
        assert.ok(n === 1 ? /\b1 play\b/.test(m) && !/1 plays/.test(m) : /plays/.test(m), `"${m}" agrees in number`);
      }
      for (const t of tracks.slice(1)) assert.equal(await trending.getByRole('link', { name: t.title }).count(), 0, `${t.title} has no plays`);

      // Not-found pages with a way back.
      await page.goto('/artist/no-such-artist');
      await page.getByRole('heading', { level: 1, name: 'Artist not found' }).waitFor();
      await page.getByRole('link', { name: 'Go to Discover' }).waitFor();
      await page.goto(`/artist/${slug}/release/00000000-0000-4000-8000-000000000000`);
      await page.getByRole('heading', { level: 1, name: 'Release not found' }).waitFor();
      await page.getByRole('link', { name: `Go to ${artistName}` }).click();
      await page.waitForURL((u) => u.pathname === `/artist/${slug}`);
      await page.goto('/track/00000000-0000-4000-8000-000000000000');
      await page.getByRole('heading', { level: 1, name: 'Track not found' }).waitFor();

      // Deleting a comment asks first; "Keep it" keeps it.
      await page.goto(`/track/${tracks[1].id}`);
      await page.getByLabel('Add a comment').fill('A comment to think twice about');
      await page.getByRole('button', { name: 'Post' }).click();
      const comment = page.locator('.comment', { hasText: 'A comment to think twice about' });
      await comment.waitFor();
      await comment.getByRole('button', { name: 'Delete' }).click();
      await comment.getByRole('group', { name: 'Delete this comment?' }).waitFor();
      await comment.getByRole('button', { name: 'Keep it' }).click();
      await comment.getByRole('button', { name: 'Delete' }).waitFor();
      assert.equal(await comment.getByText('A comment to think twice about').count(), 1);
      await comment.getByRole('button', { name: 'Delete' }).click();
      await comment.getByRole('button', { name: 'Delete comment' }).click();
      await page.locator('.comment', { hasText: 'A comment to think twice about' }).waitFor({ state: 'detached' });
      assertClean(s, 'small things (fan)');
    } finally {
      await s.close();
    }

    // The artist on their own page: its owner, not a superfan member.
    const o = await openPage(browser, server.baseUrl);
    try {
      await logIn(o.page, { email: artist.input.email, password: artist.input.password });
      await o.page.goto(`/artist/${slug}`);
      await o.page.getByTestId('owner-badge').waitFor();
      assert.equal(await o.page.getByText('your membership').count(), 0);
      assert.equal(await o.page.getByText('Your current membership').count(), 0);
      await o.page.getByRole('link', { name: 'Edit in studio' }).waitFor();

      // A release's meta line shows the parts it has, with no separator left over.
      const metaOf = async (body) => {
        const id = expectStatus(await server.api.json('POST', '/api/releases', { token: artist.token, body: { kind: 'single', ...body } }), 201).id;
        await o.page.goto(`/artist/${slug}/release/${id}`);
        await o.page.getByRole('heading', { level: 1, name: body.title }).waitFor();
        return (await o.page.getByTestId('release-meta').textContent()).trim();
      };
      assert.equal(await metaOf({ title: 'Genre only', genre: 'indie' }), 'indie');
      assert.equal(await metaOf({ title: 'Tier only', minTier: 'supporter' }), 'Supporter release');
      const dated = await metaOf({ title: 'All three', genre: 'indie', minTier: 'superfan', releaseAt: '2026-03-01T12:00:00Z' });
      assert.match(dated, /^indie · Released .+ · Superfan release$/);
      assertClean(o, 'owner');
    } finally {
      await o.close();
    }
  });
});

describe('payments people can follow', () => {
  test('the sandbox checkout names the artist and tier; an upgrade asks first with the amount, and charges that amount', async () => {
    const seller = await registerUser(server.api, { role: 'artist', artistName: `Tiered ${Date.now().toString(36)}` });
    expectStatus(await server.api.json('PUT', '/api/artists/tiers/supporter', { token: seller.token, body: { priceCents: 500 } }), 200);
    expectStatus(await server.api.json('PUT', '/api/artists/tiers/superfan', { token: seller.token, body: { priceCents: 1500 } }), 200);
    const buyer = await registerUser(server.api);
    const s = await openPage(browser, server.baseUrl, { viewport: PHONE });
    const { page } = s;
    try {
      await logIn(page, { email: buyer.input.email, password: buyer.input.password });
      await page.goto(`/checkout/${seller.user.id}/supporter`);
      await page.getByRole('button', { name: 'Continue to payment' }).click();
      await page.getByRole('heading', { name: 'MusicConnect sandbox checkout' }).waitFor();
      const who = (await page.getByTestId('sandbox-artist').textContent()).trim();
      assert.equal(who, `${seller.input.artistName} · Supporter membership`);
      await assertNoHorizontalOverflow(page);
      await screenshot(s, 'sandbox-checkout');
      await sandbox.pay(page);
      await page.getByRole('heading', { name: 'Thank you for your support!' }).waitFor({ timeout: 30_000 });

      await page.goto('/library');
      const sub = page.getByTestId('subscription').first();
      await sub.getByRole('button', { name: 'Upgrade to Superfan' }).click();
      const confirm = sub.getByTestId('upgrade-confirm');
      await confirm.waitFor();
      const text = await confirm.textContent();
      assert.match(text, /Upgrade to Superfan for \$15\.00 \/ month\?/);
      const shown = Number(/charged about \$(\d+\.\d\d) today/.exec(text)?.[1]);
      assert.ok(shown > 9 && shown <= 10, `today's charge is the difference for most of a month: ${text}`);
      // "Keep Supporter" changes nothing; the confirmation's own button upgrades.
      await confirm.getByRole('button', { name: 'Keep Supporter' }).click();
      await confirm.waitFor({ state: 'detached' });
      await sub.getByRole('button', { name: 'Upgrade to Superfan' }).click();
      await confirm.getByRole('button', { name: `Pay $${shown.toFixed(2)} and upgrade` }).click();
      await page.getByTestId('subscription').filter({ hasText: 'Superfan' }).waitFor({ timeout: 30_000 });
      // The server charged what the confirmation said (to the cent, or one cent of rounding for the
      // seconds between the two).
      let proration;
      for (let i = 0; i < 50 && !proration; i++) {
        const h = expectStatus(await server.api.get('/api/payments/history', { token: buyer.token }), 200);
        proration = h.payments.find((p) => p.kind === 'proration');
        if (!proration) await new Promise((r) => setTimeout(r, 200));
      }
      assert.ok(proration, 'a proration payment was recorded');
      assert.ok(Math.abs(proration.amountCents - Math.round(shown * 100)) <= 1, `charged ${proration.amountCents}, shown ${shown}`);
      assertClean(s, 'upgrade');
    } finally {
      await s.close();
    }
  });
});
