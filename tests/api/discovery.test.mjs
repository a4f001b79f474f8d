// Discovery: new releases and trending tracks across artists, each item as the caller may see it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import { startServer } from './helpers/server.mjs';
import { expectError, expectStatus } from './helpers/http.mjs';
import { registerUser } from './helpers/fixtures.mjs';
import { makeAudio, scratchDir, uploadMultipart, waitForTrack } from './helpers/media.mjs';

let srv;
let api;
let dir;
before(async () => {
  srv = await startServer({ name: 'discovery' });
  api = srv.api;
  dir = await scratchDir('discovery');
});
after(async () => {
  await srv?.stop();
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

async function artistWithTrack(name, minTier, genre) {
  const a = await registerUser(api, { role: 'artist', artistName: name, genre });
  const rel = expectStatus(await api.json('POST', '/api/releases', { token: a.token, body: { title: `${name} EP`, kind: 'ep' } }), 201);
  const file = await makeAudio(dir, 'wav', 1, { frequency: 300 + name.length * 10 });
  const { track } = expectStatus(await uploadMultipart(srv, a.token, file, { releaseId: rel.id, title: `${name} song`, minTier }), 202);
  await waitForTrack(api, a.token, track.id);
  expectStatus(await api.json('PATCH', `/api/releases/${rel.id}`, { token: a.token, body: { published: true } }), 200);
  return { artist: a, release: rel.id, track: track.id };
}

test('new releases and trending tracks, newest and most played first, locked items as teasers', async () => {
  const older = await artistWithTrack('Older Band', 'free', 'rock');
  const gated = await artistWithTrack('Gated Band', 'supporter', 'rock');
  // An unpublished release never shows.
  const hidden = await registerUser(api, { role: 'artist', artistName: 'Hidden Band' });
  expectStatus(await api.json('POST', '/api/releases', { token: hidden.token, body: { title: 'Secret', kind: 'single' } }), 201);

  const fresh = expectStatus(await api.get('/api/discovery?type=new&limit=10'), 200);
  assert.deepEqual(fresh.releases.map((r) => r.id), [gated.release, older.release]);
  assert.equal(fresh.releases[0].artistName, 'Gated Band');
  assert.ok(fresh.releases[0].artistSlug);

  // Plays make a track trend: three listeners on the older band's song, one on the gated one; a
  // track nobody played is not trending (issue 13).
  const unplayed = await artistWithTrack('Quiet Band', 'free', 'jazz');
  await srv.pool.query('INSERT INTO plays (track_id) SELECT $1 FROM generate_series(1, 3)', [older.track]);
  await srv.pool.query('INSERT INTO plays (track_id) VALUES ($1)', [gated.track]);
  const trending = expectStatus(await api.get('/api/discovery?type=trending'), 200);
  assert.deepEqual(trending.tracks.map((t) => t.id), [older.track, gated.track]);
  assert.ok(!trending.tracks.some((t) => t.id === unplayed.track), 'a track with no plays is not trending');
  assert.equal(trending.tracks[0].artistName, 'Older Band', 'trending names the artist');
  assert.equal(trending.tracks[0].locked, null);
  assert.equal(trending.tracks[1].locked.requiredTier, 'supporter', 'a locked track is a teaser');
  assert.equal(trending.tracks[1].status, undefined);

  // Recommended: a fan who follows one rock band is offered the other.
  const fan = await registerUser(api);
  await api.json('POST', `/api/artists/${older.artist.user.id}/follow`, { token: fan.token });
  const recommended = expectStatus(await api.get('/api/discovery?type=recommended', { token: fan.token }), 200);
  assert.deepEqual(recommended.tracks.map((t) => t.id), [gated.track]);

  expectError(await api.get('/api/discovery?type=popular'), 400, 'validation_failed', { field: 'type' });
  expectError(await api.get('/api/discovery?limit=51'), 400, 'validation_failed', { field: 'limit' });
});
