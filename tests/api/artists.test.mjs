// Artist profiles and the social graph: GET/PUT profiles, listing, follow, followers, fans-also-follow.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers/server.mjs';
import { expectError, expectStatus, expectConsistencyToken } from './helpers/http.mjs';
import { registerUser, uniqueName } from './helpers/fixtures.mjs';

let srv;
let api;
before(async () => {
  srv = await startServer({ name: 'artists' });
  api = srv.api;
});
after(async () => { await srv?.stop(); });

async function newArtist(overrides = {}) {
  const name = overrides.artistName ?? `Band ${uniqueName('b')}`;
  const { token, user } = await registerUser(api, { role: 'artist', artistName: name, genre: 'indie', ...overrides });
  return { token, user, name };
}

const profileCount = async () => Number((await srv.pool.query('SELECT count(*) FROM follows')).rows[0].count);

describe('public artist page', () => {
  test('GET /api/artists/:id answers by id and by slug, with the three tiers and counts', async () => {
    const { user, name } = await newArtist();
    const byId = expectStatus(await api.get(`/api/artists/${user.id}`), 200);
    assert.equal(byId.stageName, name);
    assert.deepEqual(byId.genres, ['indie']);
    assert.deepEqual(byId.tiers.map((t) => [t.tier, t.priceCents]), [['free', 0], ['supporter', 500], ['superfan', 1000]]);
    assert.equal(byId.followerCount, 0);
    assert.equal(byId.subscriberCount, 0);
    const bySlug = expectStatus(await api.get(`/api/artists/${byId.slug}`), 200);
    assert.equal(bySlug.id, user.id);
  });

  test('an unknown artist → 404', async () => {
    expectError(await api.get('/api/artists/00000000-0000-4000-8000-000000000000'), 404, 'not_found');
    expectError(await api.get('/api/artists/no-such-slug'), 404, 'not_found');
  });
});

describe('editing the profile', () => {
  test('an artist edits stage name, bio, genres, location and links', async () => {
    const { token, user } = await newArtist();
    const body = {
      stageName: 'The Renamed', bio: 'Songs about trains.', genres: ['folk', 'indie'],
      locationCity: 'Leeds', locationCountry: 'GB', links: [{ label: 'Site', url: 'https://example.com' }],
    };
    const res = await api.json('PUT', '/api/artists/profile', { token, body });
    const p = expectStatus(res, 200);
    expectConsistencyToken(res);
    assert.equal(p.id, user.id);
    assert.equal(p.stageName, 'The Renamed');
    assert.deepEqual(p.genres, ['folk', 'indie']);
    assert.deepEqual(p.location, { city: 'Leeds', country: 'GB' });
    assert.deepEqual(p.links, [{ label: 'Site', url: 'https://example.com' }]);
  });

  test('bad fields → 400 naming each, and nothing changes', async () => {
    const { token, user } = await newArtist();
    const before = (await srv.pool.query('SELECT * FROM artist_profiles WHERE user_id = $1', [user.id])).rows[0];
    const cases = [
      [{ genres: ['not-a-genre'] }, 'genres'],
      [{ locationCountry: 'Germany' }, 'locationCountry'],
      [{ stageName: '' }, 'stageName'],
      [{ links: [{ label: 'x', url: 'javascript:alert(1)' }] }, 'links'],
      [{ nickname: 'x' }, 'nickname'],
      [{ bio: 42 }, 'bio'],
    ];
    for (const [body, field] of cases) {
      expectError(await api.json('PUT', '/api/artists/profile', { token, body }), 400, 'validation_failed', { field });
    }
    const after = (await srv.pool.query('SELECT * FROM artist_profiles WHERE user_id = $1', [user.id])).rows[0];
    assert.deepEqual(after, before);
  });

  test('a fan has no profile to edit → 403; no token → 401', async () => {
    const fan = await registerUser(api);
    expectError(await api.json('PUT', '/api/artists/profile', { token: fan.token, body: { bio: 'x' } }), 403, 'forbidden');
    expectError(await api.json('PUT', '/api/artists/profile', { body: { bio: 'x' } }), 401, 'unauthorized');
  });
});

describe('listing artists', () => {
  test('filters by genre and name prefix, pages, and refuses a limit over 100', async () => {
    const tag = uniqueName('zq');
    const a = await newArtist({ artistName: `${tag} Alpha`, genre: 'techno' });
    const b = await newArtist({ artistName: `${tag} Beta`, genre: 'techno' });
    const found = expectStatus(await api.get(`/api/artists?search=${encodeURIComponent(tag)}&limit=1`), 200);
    assert.equal(found.total, 2);
    assert.equal(found.artists.length, 1);
    assert.equal(found.artists[0].id, b.user.id, 'newest first');
    const page2 = expectStatus(await api.get(`/api/artists?search=${encodeURIComponent(tag)}&limit=1&page=2`), 200);
    assert.equal(page2.artists[0].id, a.user.id);
    const techno = expectStatus(await api.get('/api/artists?genre=techno&limit=100'), 200);
    assert.ok(techno.artists.every((x) => x.genres.includes('techno')));
    expectError(await api.get('/api/artists?limit=101'), 400, 'invalid_query');
    expectError(await api.get('/api/artists?page=0'), 400, 'invalid_query');
    expectError(await api.get('/api/artists?genre=nope'), 400, 'invalid_query');
  });
});

describe('following', () => {
  test('follow is idempotent, shows in counts and the followers list, and unfollow removes it', async () => {
    const { user: artist } = await newArtist();
    const fan = await registerUser(api);
    for (let i = 0; i < 2; i++) {
      const res = await api.json('POST', `/api/artists/${artist.id}/follow`, { token: fan.token });
      assert.equal(expectStatus(res, 200).following, true);
    }
    const page = expectStatus(await api.get(`/api/artists/${artist.id}`), 200);
    assert.equal(page.followerCount, 1);
    const list = expectStatus(await api.get(`/api/artists/${artist.id}/followers`), 200);
    assert.deepEqual(list.followers.map((f) => f.username), [fan.user.username]);
    assert.equal(expectStatus(await api.json('DELETE', `/api/artists/${artist.id}/follow`, { token: fan.token }), 200).following, false);
    assert.equal(expectStatus(await api.get(`/api/artists/${artist.id}`), 200).followerCount, 0);
  });

  test('following yourself → 422, an unknown artist → 404, anonymous → 401, and nothing is written', async () => {
    const { token, user } = await newArtist();
    const before = await profileCount();
    expectError(await api.json('POST', `/api/artists/${user.id}/follow`, { token }), 422, 'cannot_follow_self');
    expectError(await api.json('POST', '/api/artists/00000000-0000-4000-8000-000000000000/follow', { token }), 404, 'not_found');
    expectError(await api.json('POST', `/api/artists/${user.id}/follow`), 401, 'unauthorized');
    assert.equal(await profileCount(), before);
  });

  test('fans also follow ranks the artists most shared by this artist\'s followers', async () => {
    const { user: main } = await newArtist();
    const { user: popular } = await newArtist();
    const { user: niche } = await newArtist();
    const fans = await Promise.all([registerUser(api), registerUser(api), registerUser(api)]);
    for (const f of fans) await api.json('POST', `/api/artists/${main.id}/follow`, { token: f.token });
    for (const f of fans) await api.json('POST', `/api/artists/${popular.id}/follow`, { token: f.token });
    await api.json('POST', `/api/artists/${niche.id}/follow`, { token: fans[0].token });
    const res = expectStatus(await api.get(`/api/artists/${main.id}/fans-also-follow`), 200);
    assert.deepEqual(res.artists.map((a) => a.id), [popular.id, niche.id]);
  });
});
