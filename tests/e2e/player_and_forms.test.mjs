// Browser journeys of issue 13, items 3–5, at phone width (375 px) and with the keyboard:
//   - the player: volume and mute, the global play/pause key, repeat (all, this track), shuffle,
//     the queue (opens, plays an entry, closes on Escape, on a click outside and on navigation),
//     the Media Session's metadata, a reload resuming the same track near the same position, and
//     errors in words when the network is gone;
// Set-up (artist, release, three tracks) goes through the API: journeys.test.mjs covers it in the app.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../api/helpers/server.mjs';
import { expectStatus } from '../api/helpers/http.mjs';
import { registerUser } from '../api/helpers/fixtures.mjs';
import { scratchDir, uploadMultipart, waitForTrack } from '../api/helpers/media.mjs';
import { PHONE, assertClean, assertNoHorizontalOverflow, launchBrowser, openPage, screenshot } from './helpers/browser.mjs';

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
const waitAudio = (page, fn, arg, timeout = 60_000) =>
  page.waitForFunction(
    ([src, a]) => {
      const el = document.querySelector('audio[data-testid="audio"]');
      return el && new Function('a', 'arg', `return (${src})(a, arg)`)(el, a);
    },
    [fn.toString(), arg],
    { timeout },
  );
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
    await logIn(page, fan);
  });
  after(async () => s?.close());

  test('play, volume, mute, the global play/pause key and the Media Session', async () => {
    await page.goto(`/artist/${slug}/release/${releaseId}`);
    const first = page.getByTestId('track-row').filter({ hasText: TITLES[0] }).getByRole('button', { name: `Play ${TITLES[0]}` });
    await first.focus();
    await page.keyboard.press('Enter');
    await waitAudio(page, (a) => a.currentTime > 1 && !a.paused);
    assert.equal(await nowPlaying(page), TITLES[0]);
    const st = await audioState(page);
    assert.ok(Number.isFinite(Number(st.gainDb)), `the loudness gain is applied: ${st.gainDb}`);

    // Volume: the slider moves in 5 % steps with the arrow keys.
    const volume = page.getByRole('slider', { name: 'Volume' });
    await volume.focus();
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowLeft');
    await waitAudio(page, (a) => Math.abs(a.volume - 0.8) < 0.001);
    assert.equal(await volume.getAttribute('aria-valuetext'), '80%');

    // Mute with the button (Tab to it, Enter), then back.
    const mute = page.getByRole('button', { name: 'Mute' });
    await mute.focus();
    await page.keyboard.press('Enter');
    await waitAudio(page, (a) => a.muted);
    await page.getByRole('button', { name: 'Unmute' }).waitFor();
    assert.equal(await volume.getAttribute('aria-valuetext'), 'Muted');
    await page.keyboard.press('Enter');
    await waitAudio(page, (a) => !a.muted && Math.abs(a.volume - 0.8) < 0.001);

    // The global keys: Space pauses and plays, M mutes, from anywhere but a control.
    await page.locator('main h1').first().click();
    await page.keyboard.press(' ');
    await waitAudio(page, (a) => a.paused);
    await page.getByRole('button', { name: 'Play', exact: true }).waitFor();
    await page.keyboard.press(' ');
    await waitAudio(page, (a) => !a.paused);
    await page.keyboard.press('m');
    await waitAudio(page, (a) => a.muted);
    await page.keyboard.press('m');
    await waitAudio(page, (a) => !a.muted);
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
    assertClean(s, 'player basics');
    await assertNoHorizontalOverflow(page);
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
    await waitAudio(page, (a) => !a.paused && a.currentTime > 0.5 && a.currentTime < 10);
    assert.equal(await nowPlaying(page), TITLES[0], 'repeat one plays the same track again');

    // Repeat off; Next and Previous in queue order.
    await repeat.focus();
    await page.keyboard.press('Enter');
    assert.equal(await repeat.getAttribute('aria-label'), 'Repeat: off');
    const next = page.getByRole('button', { name: 'Next track' });
    await next.focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('player-title').filter({ hasText: TITLES[1] }).waitFor();
    await waitAudio(page, (a) => !a.paused && a.currentTime > 0.3);

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
    await waitAudio(page, (a) => !a.paused && a.currentTime > 8.5);
    const title = await nowPlaying(page);
    const before = (await audioState(page)).time;
    await page.reload();
    await page.getByTestId('player-title').filter({ hasText: title }).waitFor();
    // Restored paused (browsers want a gesture before sound), at the saved second.
    await waitAudio(page, (a, at) => a.currentTime > 0 && Math.abs(a.currentTime - at) < 2, before);
    const after = await audioState(page);
    assert.ok(Math.abs(after.time - before) < 2, `resumed near ${before.toFixed(1)} s, at ${after.time.toFixed(1)} s`);
    assert.equal(after.volume, 0.8, 'the volume is kept');
    await page.getByRole('button', { name: 'Play', exact: true }).click();
    await waitAudio(page, (a, at) => !a.paused && a.currentTime > at + 0.5, after.time);
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
    await waitAudio(page, (a) => !a.paused && a.currentTime > 0.5);
    // What failed while offline is the point of this step, not a problem.
    s.problems.splice(0);
  });
});
