// Media rate limits (issue 9, item 4): /media is not API-limited (SPEC §5: CDN traffic) but has
// budgets of its own, per client address and per grant (signed link), with a stricter pair for
// originals. Lowered here so that a few dozen requests reach them; the defaults are in docs/media.md.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import { startServer } from './helpers/server.mjs';
import { expectError, expectRetryAfter, expectStatus } from './helpers/http.mjs';
import { registerUser } from './helpers/fixtures.mjs';
import { fetchBytes, makeAudio, scratchDir, uploadMultipart, waitForTrack } from './helpers/media.mjs';

const HLS_PER_GRANT = 20;
const MEDIA_PER_IP = 32;
const ORIGINALS_PER_GRANT = 3;
const ORIGINALS_PER_IP = 5;

let srv;
let dir;
let artist;
const tracks = [];
before(async () => {
  srv = await startServer({
    name: 'media-limits',
    env: {
      RATE_LIMIT_MEDIA_PER_MIN_GRANT: String(HLS_PER_GRANT),
      RATE_LIMIT_MEDIA_PER_MIN_IP: String(MEDIA_PER_IP),
      RATE_LIMIT_ORIGINALS_PER_MIN_GRANT: String(ORIGINALS_PER_GRANT),
      RATE_LIMIT_ORIGINALS_PER_MIN_IP: String(ORIGINALS_PER_IP),
    },
  });
  dir = await scratchDir('media-limits');
  artist = await registerUser(srv.api, { role: 'artist', artistName: 'Limited' });
  const releaseId = expectStatus(await srv.api.json('POST', '/api/releases', {
    token: artist.token, body: { title: 'Limited', kind: 'ep' },
  }), 201).id;
  for (const frequency of [300, 400]) {
    const file = await makeAudio(dir, 'wav', 1, { frequency });
    tracks.push(expectStatus(await uploadMultipart(srv, artist.token, file, { releaseId, title: `T${frequency}` }), 202).track.id);
  }
  for (const id of tracks) assert.equal((await waitForTrack(srv.api, artist.token, id)).status, 'ready');
});
after(async () => {
  await srv?.stop();
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

const asResponse = (r, path) => ({ ...r, text: r.buf.toString('utf8'), body: JSON.parse(r.buf.toString('utf8') || 'null'), method: 'GET', path });

/** Requests `url` until it is refused; returns how many were served first and the refusal. */
async function untilRefused(url, max) {
  for (let served = 0; served <= max; served++) {
    const r = await fetchBytes(srv, url);
    if (r.status === 429) return { served, refused: asResponse(r, url) };
    assert.ok(r.status === 200 || r.status === 206, `${url} → ${r.status} ${r.buf.toString('utf8').slice(0, 200)}`);
  }
  return { served: max + 1, refused: null };
}

test('HLS: a grant has its own budget, and the client address one across grants', async () => {
  const grants = [];
  for (const id of tracks) grants.push(expectStatus(await srv.api.json('POST', `/api/content/${id}/playback`, { token: artist.token }), 200));
  const first = await untilRefused(grants[0].masterUrl, HLS_PER_GRANT + 5);
  assert.ok(first.refused, `the first grant was never refused after ${first.served} requests`);
  assert.ok(first.served >= HLS_PER_GRANT && first.served <= HLS_PER_GRANT + 1, `served ${first.served} on one grant`);
  expectError(first.refused, 429, 'rate_limited');
  expectRetryAfter(first.refused, { max: 60 });
  // Another grant from the same address goes on, until the address's budget is spent.
  const second = await untilRefused(grants[1].masterUrl, HLS_PER_GRANT + 5);
  assert.ok(second.served >= 1, 'another grant is served after the first was refused');
  assert.ok(second.refused, 'the address budget ran out');
  assert.ok(second.served < HLS_PER_GRANT, `the second grant was refused by the address budget, after ${second.served}`);
  expectError(second.refused, 429, 'rate_limited');
  // The API is not affected by media budgets.
  expectStatus(await srv.api.get(`/api/content/${tracks[0]}`, { token: artist.token }), 200);
});

test('originals: per download link and per address, stricter than segments', async () => {
  const links = [];
  for (const id of tracks) links.push(expectStatus(await srv.api.json('POST', `/api/content/${id}/download`, { token: artist.token }), 200));
  const first = await untilRefused(links[0].url, ORIGINALS_PER_GRANT + 3);
  assert.ok(first.refused && first.served >= ORIGINALS_PER_GRANT && first.served <= ORIGINALS_PER_GRANT + 1,
    `one link served ${first.served} downloads`);
  expectError(first.refused, 429, 'rate_limited');
  expectRetryAfter(first.refused);
  const second = await untilRefused(links[1].url, ORIGINALS_PER_GRANT + 3);
  assert.ok(second.refused, 'the address budget for originals ran out');
  assert.ok(second.served >= 1 && second.served < ORIGINALS_PER_GRANT, `the second link served ${second.served}`);
});
