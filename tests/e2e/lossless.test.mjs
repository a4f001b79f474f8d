// Browser journey of issue 9 (media quality): a superfan plays a track uploaded as FLAC and the
// player streams the lossless rung (FLAC in fMP4 HLS, through hls.js in Chromium) and says so
// ("Lossless"); a supporter of the same artist gets AAC and the player says "256 kbps".
// Set-up (artist, upload, tiers) goes through the API: the journeys in journeys.test.mjs cover it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../api/helpers/server.mjs';
import { expectStatus } from '../api/helpers/http.mjs';
import { registerUser } from '../api/helpers/fixtures.mjs';
import { grantTier } from '../api/helpers/db.mjs';
import { scratchDir, uploadMultipart, waitForTrack } from '../api/helpers/media.mjs';
import { execFileSync } from 'node:child_process';
import { assertClean, launchBrowser, openPage, screenshot } from './helpers/browser.mjs';
import { sandbox } from './helpers/sandbox.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const WEB_DIR = process.env.MC_WEB_DIR || path.resolve(here, '..', '..', 'web', 'dist');
const TITLE = 'Lossless Song';

let server;
let browser;
let dir;
let artist;
let slug;

before(async () => {
  dir = await scratchDir('e2e-lossless');
  server = await startServer({ name: 'e2e-lossless', env: { WEB_DIR, PUBLIC_URL: (s) => s.baseUrl } });
  browser = await launchBrowser();
  artist = await registerUser(server.api, { role: 'artist', artistName: `Hi-Fi ${Date.now().toString(36)}` });
  const releaseId = expectStatus(await server.api.json('POST', '/api/releases', {
    token: artist.token, body: { title: 'Lossless EP', kind: 'ep' },
  }), 201).id;
  // 30 s of music-like stereo 16-bit FLAC: a chord under pink noise.
  const flac = path.join(dir, 'song.flac');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'sine=frequency=220:duration=30',
    '-f', 'lavfi', '-i', 'sine=frequency=330:duration=30', '-f', 'lavfi', '-i', 'anoisesrc=color=pink:amplitude=0.1:duration=30',
    '-filter_complex', 'amix=inputs=3,volume=2', '-ac', '2', '-ar', '44100', '-sample_fmt', 's16', '-c:a', 'flac', flac]);
  const { track } = expectStatus(await uploadMultipart(server, artist.token, flac, { releaseId, title: TITLE }), 202);
  const done = await waitForTrack(server.api, artist.token, track.id, { timeoutMs: 180_000 });
  assert.deepEqual(done.rungs, [128, 256, 1000], JSON.stringify(done));
  expectStatus(await server.api.json('PATCH', `/api/releases/${releaseId}`, { token: artist.token, body: { published: true } }), 200);
  slug = expectStatus(await server.api.get(`/api/artists/${artist.user.id}`), 200).slug;
});

after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

async function playAs(tier) {
  const fan = await registerUser(server.api);
  await grantTier(server.pool, fan.user.id, artist.user.id, tier);
  const s = await openPage(browser, server.baseUrl);
  const { page } = s;
  await page.goto('/login');
  await page.getByLabel('Email').fill(fan.input.email);
  await page.getByLabel('Password').fill(fan.input.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  await page.goto(`/artist/${slug}`);
  const play = page.getByTestId('track-row').filter({ hasText: TITLE }).getByRole('button', { name: `Play ${TITLE}` });
  await play.waitFor();
  const before = s.requests.length;
  await play.click();
  await page.waitForFunction(() => document.querySelector('audio[data-testid="audio"]')?.currentTime > 2, null, { timeout: 60_000 });
  const format = (await page.getByTestId('player-format').textContent()).trim();
  const media = s.requests.slice(before).filter((u) => u.includes('/media/'));
  return { s, format, media };
}

test('a superfan hears the lossless rung and the player says "Lossless"; a supporter gets "256 kbps"', async () => {
  const superfan = await playAs('superfan');
  try {
    assert.equal(superfan.format, 'Lossless');
    assert.ok(sandbox.segmentsOfRung(superfan.media, 'lossless').length > 0, `lossless segments fetched:\n${superfan.media.join('\n')}`);
    assert.equal(sandbox.segmentsOfRung(superfan.media, 256).length, 0, 'no AAC segments while lossless plays');
    assertClean(superfan.s, 'lossless playback');
    await screenshot(superfan.s, 'player-lossless');
  } finally {
    await superfan.s.close();
  }
  const supporter = await playAs('supporter');
  try {
    assert.equal(supporter.format, '256 kbps');
    assert.ok(sandbox.segmentsOfRung(supporter.media, 256).length > 0, `256 kbps segments fetched:\n${supporter.media.join('\n')}`);
    assertClean(supporter.s, 'supporter playback');
  } finally {
    await supporter.s.close();
  }
});
