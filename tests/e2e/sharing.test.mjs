// Browser journey of sharing (issue 13 item 6): a visitor on the track page presses Share and is
// told the link (copied, or shown to copy); another site frames the embeddable player
// (/embed/track/{id}) and plays the track in it; the ordinary pages refuse to be framed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../api/helpers/server.mjs';
import { expectStatus } from '../api/helpers/http.mjs';
import { registerUser } from '../api/helpers/fixtures.mjs';
import { makeAudio, scratchDir, uploadMultipart, waitForTrack } from '../api/helpers/media.mjs';
import { assertClean, launchBrowser, openPage, screenshot } from './helpers/browser.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const WEB_DIR = process.env.MC_WEB_DIR || path.resolve(here, '..', '..', 'web', 'dist');

let server;
let browser;
let dir;
let trackId;
let lockedId; // a supporter-only track of the same release
let other; // a page of another origin that frames the player

before(async () => {
  dir = await scratchDir('e2e-sharing');
  server = await startServer({ name: 'e2e-sharing', env: { WEB_DIR, PUBLIC_URL: (s) => s.baseUrl } });
  browser = await launchBrowser();
  const artist = await registerUser(server.api, { role: 'artist', artistName: `Share ${Date.now().toString(36)}` });
  const releaseId = expectStatus(await server.api.json('POST', '/api/releases', {
    token: artist.token, body: { title: 'Shared EP', kind: 'ep' },
  }), 201).id;
  const audio = await makeAudio(dir, 'mp3', 20);
  const { track } = expectStatus(await uploadMultipart(server, artist.token, audio, { releaseId, title: 'Shared Song' }), 202);
  await waitForTrack(server.api, artist.token, track.id, { timeoutMs: 180_000 });
  const members = expectStatus(await uploadMultipart(server, artist.token, await makeAudio(dir, 'mp3', 5), { releaseId, title: 'Members Song' }), 202).track;
  await waitForTrack(server.api, artist.token, members.id, { timeoutMs: 180_000 });
  expectStatus(await server.api.json('PATCH', `/api/tracks/${members.id}`, { token: artist.token, body: { minTier: 'supporter' } }), 200);
  expectStatus(await server.api.json('PATCH', `/api/releases/${releaseId}`, { token: artist.token, body: { published: true } }), 200);
  trackId = track.id;
  lockedId = members.id;
  other = http.createServer((req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(`<!doctype html><title>A blog</title><p>My favourite song:</p>
      <iframe id="player" src="${server.baseUrl}/embed/track/${trackId}" width="400" height="220" allow="autoplay"></iframe>
      <iframe id="page" src="${server.baseUrl}/track/${trackId}" width="400" height="220"></iframe>`);
  });
  await new Promise((r) => other.listen(0, '127.0.0.1', r));
});

after(async () => {
  await browser?.close();
  await server?.stop();
  other?.close();
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

test('Share tells the visitor the link of the track', async () => {
  const s = await openPage(browser, server.baseUrl);
  try {
    await s.page.goto(`/track/${trackId}`);
    await s.page.getByRole('button', { name: 'Share' }).click();
    const said = s.page.locator('.share__said');
    await said.filter({ hasText: /Link copied|Copy this link/ }).waitFor();
    const text = await said.textContent();
    if (text.startsWith('Copy this link')) assert.ok(text.endsWith(`/track/${trackId}`), text);
    assertClean(s, 'share');
  } finally {
    await s.close();
  }
});

test('another site frames the embeddable player and plays the track in it; the track page itself is not framed', async () => {
  const s = await openPage(browser, `http://127.0.0.1:${other.address().port}`);
  s.allow(/Refused to display|frame-ancestors|X-Frame-Options/); // the ordinary page's refusal is the point
  try {
    await s.page.goto('/');
    const embed = s.page.frameLocator('#player');
    await embed.getByRole('heading', { name: 'Shared Song' }).waitFor();
    await embed.getByRole('button', { name: 'Play' }).first().click();
    const frame = s.page.frames().find((f) => f.url().includes('/embed/track/'));
    await frame.waitForFunction(() => document.querySelector('audio[data-testid="audio"]')?.currentTime > 1, null, { timeout: 60_000 });
    const blocked = s.page.frames().find((f) => f.url().includes(`/track/${trackId}`) && !f.url().includes('/embed/'));
    const blockedHeading = blocked ? await blocked.locator('h1').count().catch(() => 0) : 0;
    assert.equal(blockedHeading, 0, 'the track page must not render inside another site');
    await screenshot(s, 'embed-player');
  } finally {
    await s.close();
  }
});

test('the embeddable player of a supporter-only track tells an anonymous visitor it is for members and offers nothing to play', async () => {
  const s = await openPage(browser, server.baseUrl);
  try {
    await s.page.goto(`/embed/track/${lockedId}`);
    await s.page.getByRole('heading', { name: 'Members Song' }).waitFor();
    await s.page.getByText('This track is for Supporter members. Join on MusicConnect to listen.').waitFor();
    assert.equal(await s.page.getByRole('button', { name: /^Play/ }).count(), 0, 'no Play button');
    const link = s.page.getByRole('link', { name: 'Listen on MusicConnect' });
    assert.equal(await link.getAttribute('href'), `${server.baseUrl}/track/${lockedId}`);
    // No playback was asked for.
    assert.deepEqual(s.requests.filter((u) => /\/playback$|\.m3u8$|\.m4s$/.test(new URL(u).pathname)), []);
    assertClean(s, 'locked embed');
  } finally {
    await s.close();
  }
});
