// Release and track management after upload (issue 13, item 1): renaming a track and changing
// who may open it; only its artist may, bad input changes nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers/server.mjs';
import { expectError, expectStatus } from './helpers/http.mjs';
import { registerUser, uniqueName } from './helpers/fixtures.mjs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fetchBytes, makeAudio, readyTrack, scratchDir, uploadAndWait, uploadMultipart, waitForTrack } from './helpers/media.mjs';

const run = promisify(execFile);
async function picture(dir, name, colour) {
  const file = path.join(dir, name);
  await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', `color=c=${colour}:s=600x600`, '-frames:v', '1', file]);
  return fsp.readFile(file);
}

let srv;
let api;
before(async () => {
  srv = await startServer({ name: 'release-management' });
  api = srv.api;
});
after(async () => { await srv?.stop(); });

test('an artist renames a track and changes its access after upload; others cannot; bad input changes nothing', async () => {
  const artist = await registerUser(api, { role: 'artist', artistName: `Manager ${uniqueName('m')}` });
  const rel = expectStatus(await api.post('/api/releases', { title: 'Managed', kind: 'ep' }, { token: artist.token }), 201);
  const track = await readyTrack(srv, artist.token, { releaseId: rel.id, title: 'Old name' });
  expectStatus(await api.json('PATCH', `/api/releases/${rel.id}`, { token: artist.token, body: { published: true } }), 200);
  const fan = await registerUser(api);
  const view = async () => expectStatus(await api.get(`/api/content/${track.id}`, { token: fan.token }), 200);
  assert.equal((await view()).locked, null, 'public at first');

  const renamed = expectStatus(await api.json('PATCH', `/api/tracks/${track.id}`, { token: artist.token, body: { title: 'New name' } }), 200);
  assert.deepEqual([renamed.title, renamed.minTier], ['New name', 'free']);
  const gated = expectStatus(await api.json('PATCH', `/api/tracks/${track.id}`, { token: artist.token, body: { minTier: 'superfan' } }), 200);
  assert.deepEqual([gated.title, gated.minTier], ['New name', 'superfan']);
  const seen = await view();
  assert.equal(seen.title, 'New name');
  assert.equal(seen.locked?.requiredTier, 'superfan', 'the fan is locked out now');

  const other = await registerUser(api, { role: 'artist', artistName: `Other ${uniqueName('o')}` });
  expectError(await api.json('PATCH', `/api/tracks/${track.id}`, { body: { title: 'X' } }), 401, 'unauthorized');
  expectError(await api.json('PATCH', `/api/tracks/${track.id}`, { token: fan.token, body: { title: 'X' } }), 403, 'forbidden');
  expectError(await api.json('PATCH', `/api/tracks/${track.id}`, { token: other.token, body: { title: 'X' } }), 404, 'not_found');
  expectError(await api.json('PATCH', `/api/tracks/${track.id}`, { token: artist.token, body: { title: '' } }), 400, 'validation_failed', { field: 'title' });
  expectError(await api.json('PATCH', `/api/tracks/${track.id}`, { token: artist.token, body: { title: 'x'.repeat(201) } }), 400, 'validation_failed', { field: 'title' });
  expectError(await api.json('PATCH', `/api/tracks/${track.id}`, { token: artist.token, body: { minTier: 'vip' } }), 400, 'validation_failed', { field: 'minTier' });
  expectError(await api.json('PATCH', `/api/tracks/${track.id}`, { token: artist.token, body: { position: 3 } }), 400, 'validation_failed', { field: 'position' });
  const { rows: [row] } = await srv.pool.query('SELECT title, min_tier FROM tracks WHERE id = $1', [track.id]);
  assert.deepEqual([row.title, row.min_tier], ['New name', 'superfan'], 'unchanged by the refused requests');

  expectStatus(await api.json('PATCH', `/api/tracks/${track.id}`, { token: artist.token, body: { minTier: 'free' } }), 200);
  assert.equal((await view()).locked, null, 'public again');
});

test('a release without a ready track cannot be published: 409 naming the field and what to do; nothing changes', async () => {
  const artist = await registerUser(api, { role: 'artist', artistName: `Publisher ${uniqueName('p')}` });
  const rel = expectStatus(await api.post('/api/releases', { title: 'Not yet', kind: 'ep' }, { token: artist.token }), 201);
  const publish = (token) => api.json('PATCH', `/api/releases/${rel.id}`, { token, body: { published: true, title: 'Renamed on publish' } });
  const state = async () => (await srv.pool.query('SELECT published, title FROM releases WHERE id = $1', [rel.id])).rows[0];
  const refused = async (why) => {
    const error = expectError(await publish(artist.token), 409, 'release_not_ready', { field: 'published' });
    assert.match(error.details.published, /ready/, why);
    assert.match(error.message, /upload a track/, `${why}: the message says what to do`);
    assert.deepEqual(await state(), { published: false, title: 'Not yet' }, `${why}: nothing written`);
  };
  await refused('an empty release');
  // A track without audio, and one whose audio failed to process, are not playable either.
  const draft = expectStatus(await api.post(`/api/releases/${rel.id}/tracks`, { title: 'Sketch' }, { token: artist.token }), 201);
  await refused('only a draft track');
  const dir = await scratchDir('publish');
  const junk = path.join(dir, 'junk.wav');
  await fsp.writeFile(junk, Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4000, 7)]));
  const bad = await uploadMultipart(srv, artist.token, junk, { releaseId: rel.id, title: 'Broken' });
  if (bad.status === 202) assert.equal((await waitForTrack(api, artist.token, bad.body.track.id)).status, 'failed');
  await refused('a draft and a failed track');
  // Only the owner learns why; others get the usual 404, fans 403.
  const other = await registerUser(api, { role: 'artist', artistName: `Other ${uniqueName('o')}` });
  expectError(await publish(other.token), 404, 'not_found');
  const fan = await registerUser(api);
  expectError(await publish(fan.token), 403, 'forbidden');
  expectError(await api.get(`/api/content/${draft.id}`), 404, 'not_found');

  await readyTrack(srv, artist.token, { releaseId: rel.id, title: 'Finished' });
  const published = expectStatus(await publish(artist.token), 200);
  assert.deepEqual([published.published, published.title], [true, 'Renamed on publish']);
  // Unpublishing never needs a ready track.
  expectStatus(await api.json('PATCH', `/api/releases/${rel.id}`, { token: artist.token, body: { published: false } }), 200);
  assert.equal((await state()).published, false);
});

test('release cover art: rendered by the image pipeline, shown for the release and its tracks, the old one removed', async () => {
  const dir = await scratchDir('covers');
  const artist = await registerUser(api, { role: 'artist', artistName: `Cover ${uniqueName('c')}` });
  const rel = expectStatus(await api.post('/api/releases', { title: 'Covered', kind: 'single' }, { token: artist.token }), 201);
  const track = await readyTrack(srv, artist.token, { releaseId: rel.id, title: 'Under cover' });
  expectStatus(await api.json('PATCH', `/api/releases/${rel.id}`, { token: artist.token, body: { published: true } }), 200);
  const url = `/api/releases/${rel.id}/cover`;
  const red = await picture(dir, 'red.png', 'red');
  const fan = await registerUser(api);
  const other = await registerUser(api, { role: 'artist', artistName: `Other ${uniqueName('o')}` });
  expectError(await api.json('PUT', url, { token: fan.token, rawBody: red, contentType: 'image/png' }), 403, 'forbidden');
  expectError(await api.json('PUT', url, { token: other.token, rawBody: red, contentType: 'image/png' }), 404, 'not_found');
  expectError(await api.json('PUT', url, { token: artist.token, rawBody: Buffer.from('not an image'), contentType: 'image/png' }), 415, 'unsupported_image');
  const { rows: [before] } = await srv.pool.query('SELECT cover_key FROM releases WHERE id = $1', [rel.id]);
  assert.equal(before.cover_key, null, 'refused uploads change nothing');

  const first = expectStatus(await api.json('PUT', url, { token: artist.token, rawBody: red, contentType: 'image/png' }), 200);
  assert.deepEqual(Object.keys(first.cover).sort((a, b) => a - b), ['128', '256', '512', '1024']);
  const got = await fetchBytes(srv, first.cover['256']);
  assert.equal(got.status, 200);
  assert.equal(got.headers.get('content-type'), 'image/jpeg');
  // The release (on the artist's page) and its track (track page, player) show it.
  const content = expectStatus(await api.get(`/api/artists/${artist.user.id}/content`), 200);
  assert.deepEqual(content.releases.find((r) => r.id === rel.id).cover, first.cover);
  assert.deepEqual(expectStatus(await api.get(`/api/content/${track.id}`), 200).artwork, first.cover);

  const blue = await picture(dir, 'blue.png', 'blue');
  const second = expectStatus(await api.json('PUT', url, { token: artist.token, rawBody: blue, contentType: 'image/png' }), 200);
  assert.notEqual(second.coverKey, first.coverKey);
  assert.equal((await fetchBytes(srv, second.cover['128'])).status, 200);
  assert.equal((await fetchBytes(srv, first.cover['128'])).status, 404, 'the replaced cover is removed from storage');
});

test('replacing a track\'s audio is a new media version, processed like an upload; the old renditions go', async () => {
  const dir = await scratchDir('replace');
  const artist = await registerUser(api, { role: 'artist', artistName: `Replacer ${uniqueName('r')}` });
  const rel = expectStatus(await api.post('/api/releases', { title: 'Replaced', kind: 'single' }, { token: artist.token }), 201);
  const trackId = await uploadAndWait(srv, artist.token, await makeAudio(dir, 'flac', 3, { frequency: 300 }), { releaseId: rel.id, title: 'Take 1' });
  const version = async () => (await srv.pool.query('SELECT media_version FROM tracks WHERE id = $1', [trackId])).rows[0].media_version;
  const v1 = await version();
  const flac = async () => {
    for (let i = 0; i < 600; i++) {
      const res = await api.post(`/api/content/${trackId}/download`, { format: 'flac' }, { token: artist.token });
      if (res.status === 200) return res.body;
      expectStatus(res, 202);
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error('no rendition');
  };
  const old = await flac();
  assert.equal((await fetchBytes(srv, old.url)).status, 200);

  const res = await uploadMultipart(srv, artist.token, await makeAudio(dir, 'wav', 5, { frequency: 500 }), { trackId });
  expectStatus(res, 202);
  const ready = await waitForTrack(api, artist.token, trackId);
  assert.equal(ready.status, 'ready');
  assert.equal(await version(), v1 + 1, 'a new media version');
  assert.ok(Math.abs(ready.durationS - 5) < 0.3, `the new audio's duration: ${ready.durationS}`);
  // The previous version's rendition is gone from storage (its link answers 404) once processing
  // has pruned it; a new one is made for the new version.
  let gone;
  for (let i = 0; i < 100 && gone !== 404; i++) {
    gone = (await fetchBytes(srv, old.url)).status;
    if (gone !== 404) await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(gone, 404, 'the old rendition was removed');
  const fresh = await flac();
  assert.notEqual(new URL(fresh.url, 'http://x').pathname, new URL(old.url, 'http://x').pathname);
  assert.equal((await fetchBytes(srv, fresh.url)).status, 200);
});

test('a release is renamed and gets a description and credits; bad credits change nothing', async () => {
  const artist = await registerUser(api, { role: 'artist', artistName: `Notes ${uniqueName('n')}` });
  const rel = expectStatus(await api.post('/api/releases', { title: 'Working title', kind: 'album' }, { token: artist.token }), 201);
  assert.deepEqual([rel.description, rel.credits], ['', []]);
  const url = `/api/releases/${rel.id}`;
  const credits = [{ role: 'Mixing', name: 'Ada Lovelace' }, { role: 'Cover photo', name: 'Grace Hopper' }];
  const saved = expectStatus(await api.json('PATCH', url, { token: artist.token, body: { title: 'Final title', description: 'Recorded live.\nIn one take.', credits } }), 200);
  assert.deepEqual([saved.title, saved.description, saved.credits], ['Final title', 'Recorded live.\nIn one take.', credits]);
  for (const bad of [[{ role: '', name: 'x' }], [{ role: 'r' }], [{ role: 'r', name: 'n', extra: 1 }], 'Mixing: Ada', Array.from({ length: 51 }, () => ({ role: 'r', name: 'n' })), [{ role: 'r', name: 'x'.repeat(201) }]]) {
    expectError(await api.json('PATCH', url, { token: artist.token, body: { credits: bad } }), 400, 'validation_failed', { field: 'credits' });
  }
  expectError(await api.json('PATCH', url, { token: artist.token, body: { description: 'x'.repeat(5001) } }), 400, 'validation_failed', { field: 'description' });
  const other = await registerUser(api, { role: 'artist', artistName: `Other ${uniqueName('o')}` });
  expectError(await api.json('PATCH', url, { token: other.token, body: { description: 'mine now' } }), 404, 'not_found');
  const content = expectStatus(await api.get(`/api/artists/${artist.user.id}/content`, { token: artist.token }), 200);
  const now = content.releases.find((r) => r.id === rel.id);
  assert.deepEqual([now.title, now.description, now.credits], ['Final title', 'Recorded live.\nIn one take.', credits], 'unchanged by the refused requests');
});

test('deleting: an unsold, unplayed release goes with its media; a bought one is archived for its buyers; a bought track stays', async () => {
  const dir = await scratchDir('delete');
  const artist = await registerUser(api, { role: 'artist', artistName: `Deleter ${uniqueName('d')}` });
  const fan = await registerUser(api);
  const other = await registerUser(api, { role: 'artist', artistName: `Other ${uniqueName('o')}` });

  // Never bought nor played: destroyed, and its original, HLS output and cover leave storage.
  const gone = expectStatus(await api.post('/api/releases', { title: 'Gone', kind: 'single' }, { token: artist.token }), 201);
  const goneTrack = await uploadAndWait(srv, artist.token, await makeAudio(dir, 'flac', 3), { releaseId: gone.id, title: 'Gone song' });
  const cover = expectStatus(await api.json('PUT', `/api/releases/${gone.id}/cover`, { token: artist.token, rawBody: await picture(dir, 'g.png', 'green'), contentType: 'image/png' }), 200);
  const original = expectStatus(await api.post(`/api/content/${goneTrack}/download`, {}, { token: artist.token }), 200);
  const grant = expectStatus(await api.post(`/api/content/${goneTrack}/playback`, {}, { token: artist.token }), 200);
  for (const u of [original.url, grant.masterUrl, cover.cover['128']]) assert.equal((await fetchBytes(srv, u)).status, 200);
  expectError(await api.json('DELETE', `/api/releases/${gone.id}`, { token: fan.token }), 403, 'forbidden');
  expectError(await api.json('DELETE', `/api/releases/${gone.id}`, { token: other.token }), 404, 'not_found');
  const deleted = expectStatus(await api.json('DELETE', `/api/releases/${gone.id}`, { token: artist.token }), 200);
  assert.deepEqual([deleted.deleted, deleted.archived], [true, false]);
  const { rows: left } = await srv.pool.query('SELECT (SELECT count(*) FROM releases WHERE id = $1)::int AS r, (SELECT count(*) FROM tracks WHERE id = $2)::int AS t', [gone.id, goneTrack]);
  assert.deepEqual([left[0].r, left[0].t], [0, 0]);
  for (const u of [original.url, grant.masterUrl, cover.cover['128']]) assert.equal((await fetchBytes(srv, u)).status, 404, `removed from storage: ${u}`);
  expectError(await api.json('DELETE', `/api/releases/${gone.id}`, { token: artist.token }), 404, 'not_found');

  // Bought: archived, not destroyed; the buyer keeps it and its downloads; a track of it stays.
  const kept = expectStatus(await api.post('/api/releases', { title: 'Kept', kind: 'ep' }, { token: artist.token }), 201);
  const keptTrack = await uploadAndWait(srv, artist.token, await makeAudio(dir, 'flac', 3, { frequency: 600 }), { releaseId: kept.id, title: 'Kept song' });
  const draft = expectStatus(await api.post(`/api/releases/${kept.id}/tracks`, { title: 'Never finished' }, { token: artist.token }), 201);
  expectStatus(await api.json('PATCH', `/api/releases/${kept.id}`, { token: artist.token, body: { published: true } }), 200);
  expectStatus(await api.json('PUT', `/api/releases/${kept.id}/price`, { token: artist.token, body: { priceCents: 300 } }), 200);
  const order = expectStatus(await api.post('/api/purchases', { releaseId: kept.id }, { token: fan.token }), 201);
  expectStatus(await api.post(`/api/sandbox/checkouts/${new URL(order.checkoutUrl).pathname.split('/').pop()}/pay`, {}, { token: fan.token }), 200);
  expectError(await api.json('DELETE', `/api/tracks/${keptTrack}`, { token: artist.token }), 409, 'track_has_history');
  // A track nobody bought or played (the release was bought, so its tracks were too) is refused as well.
  expectError(await api.json('DELETE', `/api/tracks/${draft.id}`, { token: artist.token }), 409, 'track_has_history');
  const archived = expectStatus(await api.json('DELETE', `/api/releases/${kept.id}`, { token: artist.token }), 200);
  assert.deepEqual([archived.deleted, archived.archived], [false, true]);
  const publicView = expectStatus(await api.get(`/api/artists/${artist.user.id}/content`), 200);
  assert.ok(!publicView.releases.some((r) => r.id === kept.id), 'hidden from the public');
  const own = expectStatus(await api.get(`/api/artists/${artist.user.id}/content`, { token: artist.token }), 200).releases.find((r) => r.id === kept.id);
  assert.deepEqual([own.archived, own.published], [true, false]);
  const items = expectStatus(await api.get('/api/me/collection', { token: fan.token }), 200).items;
  assert.deepEqual(items.map((i) => i.itemId), [kept.id], 'still in the buyer\'s collection');
  const link = expectStatus(await api.post(`/api/content/${keptTrack}/download`, {}, { token: fan.token }), 200);
  assert.equal((await fetchBytes(srv, link.url)).status, 200, 'and still downloadable');
});

test('deleting a track nobody bought or played closes the gap in the order', async () => {
  const artist = await registerUser(api, { role: 'artist', artistName: `Gap ${uniqueName('g')}` });
  const rel = expectStatus(await api.post('/api/releases', { title: 'Three', kind: 'ep' }, { token: artist.token }), 201);
  const ids = [];
  for (const title of ['One', 'Two', 'Three']) ids.push(expectStatus(await api.post(`/api/releases/${rel.id}/tracks`, { title }, { token: artist.token }), 201).id);
  const res = expectStatus(await api.json('DELETE', `/api/tracks/${ids[1]}`, { token: artist.token }), 200);
  assert.deepEqual([res.deleted, res.archived], [true, false]);
  const { rows } = await srv.pool.query('SELECT title, position FROM tracks WHERE release_id = $1 ORDER BY position', [rel.id]);
  assert.deepEqual(rows.map((r) => [r.position, r.title]), [[1, 'One'], [2, 'Three']]);
});
