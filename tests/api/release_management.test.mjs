// Release and track management after upload (issue 13, item 1): renaming a track and changing
// who may open it; only its artist may, bad input changes nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers/server.mjs';
import { expectError, expectStatus } from './helpers/http.mjs';
import { registerUser, uniqueName } from './helpers/fixtures.mjs';

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
  const track = expectStatus(await api.post(`/api/releases/${rel.id}/tracks`, { title: 'Old name' }, { token: artist.token }), 201);
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
