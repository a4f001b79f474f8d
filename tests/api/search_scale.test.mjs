// Search quality on the generated demo catalogue (issue 12 acceptance; docs/search.md, "Search at
// scale"): the large demo catalogue itself, `musicconnect seed-demo --size large` (10,000 artists,
// about 128,000 tracks: a minute or two of seeding, most of it in PostgreSQL; bench/search measures
// the same generator with another seed), then
//   - 300 generated one-typo queries: the intended artist is in the top 3;
//   - prefix queries find the artist, and artists whose names start with the prefix come first;
//   - locked tracks never expose audio URLs (anonymous, a free fan, a member);
//   - the word dictionary follows names written through the API (new artist, renamed artist);
//   - the naive baseline of bench/search cannot be switched on in production.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { BINARY, startServer } from './helpers/server.mjs';
import { expectStatus } from './helpers/http.mjs';
import { login, registerUser } from './helpers/fixtures.mjs';
import { generatedArtists, prefixQueries, typoQueries } from './helpers/search_typos.mjs';

const ARTISTS = 10000;
const SEED = 5;

let srv;
let api;
let artists;

function run(args, env) {
  return new Promise((resolve) => {
    const child = spawn(BINARY, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('exit', (code) => resolve({ code, out }));
  });
}

// A title no other track has: the generated title and a word made of the id's first hex digits,
// spelt in letters (the search splits digits from letters).
const DISTINCT_TITLE = "title || ' Qz' || translate(left(md5(id::text), 8), '0123456789', 'ghijklmnop')";

const search = async (query, token) => expectStatus(await api.get(`/api/search?${query}`, { token }), 200);
const qs = (o) => new URLSearchParams(o).toString();
const keyOf = (r) => `${r.type}:${(r.artist ?? r.release ?? r.track ?? r.post).id}`;

// Nothing in a search response may point at audio: no URL-like value, no stream or download field.
function assertNoAudio(body, context) {
  const text = JSON.stringify(body);
  for (const needle of ['/media/', '.m3u8', 'stream', 'download', 'original', 'http://', 'https://']) {
    assert.ok(!text.includes(needle), `${context}: the response mentions ${needle}: ${text.slice(0, 400)}`);
  }
}

before(async () => {
  srv = await startServer({ name: 'search_scale' });
  api = srv.api;
  const env = { ...process.env, APP_ENV: 'development', VAR_DIR: srv.varDir, DATABASE_URL: srv.dbUrl };
  const seeded = await run(['seed-demo', '--size', 'large', '--artists', String(ARTISTS), '--seed', String(SEED), '--history-plays', '0'], env);
  assert.equal(seeded.code, 0, `seed-demo failed:\n${seeded.out.slice(-3000)}`);
  artists = await generatedArtists(srv.pool);
  assert.equal(artists.length, ARTISTS);
});
after(async () => { await srv?.stop(); });

describe('the generated catalogue', () => {
  test('has the promised shape: tracks in releases, posts, fans, follows and memberships', async () => {
    const { rows: [n] } = await srv.pool.query(`
      SELECT (SELECT count(*) FROM tracks t JOIN users u ON u.id = t.artist_id
              WHERE u.email LIKE '%@large.demo.musicconnect.local')::int AS tracks,
             (SELECT count(*) FROM posts p JOIN users u ON u.id = p.artist_id
              WHERE u.email LIKE '%@large.demo.musicconnect.local')::int AS posts,
             (SELECT count(*) FROM users WHERE role = 'fan' AND email LIKE '%@large.demo.musicconnect.local')::int AS fans,
             (SELECT count(*) FROM subscriptions s JOIN users u ON u.id = s.fan_id
              WHERE u.email LIKE '%@large.demo.musicconnect.local' AND s.status = 'active')::int AS members,
             (SELECT count(DISTINCT stage_name) FROM artist_profiles a JOIN users u ON u.id = a.user_id
              WHERE u.email LIKE '%@large.demo.musicconnect.local')::int AS names`);
    assert.ok(n.tracks >= ARTISTS * 10, `at least 10 tracks per artist, got ${n.tracks}`);
    assert.equal(n.fans, ARTISTS * 3);
    assert.ok(n.posts > ARTISTS / 4, `posts: ${n.posts}`);
    assert.ok(n.members > 0);
    assert.equal(n.names, ARTISTS, 'every generated stage name is distinct');
    // Analytics charts what happened: nothing generated may be dated after now.
    const { rows: [future] } = await srv.pool.query(`
      SELECT (SELECT count(*) FROM follows WHERE created_at > now())::int AS follows,
             (SELECT count(*) FROM users WHERE created_at > now())::int AS users`);
    assert.deepEqual(future, { follows: 0, users: 0 });
  });

  test('running it again changes nothing', async () => {
    const before = (await srv.pool.query('SELECT count(*)::int AS n FROM tracks')).rows[0].n;
    const env = { ...process.env, APP_ENV: 'development', VAR_DIR: srv.varDir, DATABASE_URL: srv.dbUrl };
    const again = await run(['seed-demo', '--size', 'large', '--artists', String(ARTISTS), '--seed', String(SEED), '--history-plays', '0'], env);
    assert.equal(again.code, 0, again.out.slice(-2000));
    assert.match(again.out, /large demo catalogue already present/);
    assert.equal((await srv.pool.query('SELECT count(*)::int AS n FROM tracks')).rows[0].n, before);
  });

  test('bad options are refused with a message naming the option, before touching a database', async () => {
    for (const [args, word] of [[['--size', 'huge'], '--size'], [['--size', 'large', '--artists', '5'], '--artists'],
      [['--size', 'large', '--seed', 'x'], '--seed'], [['--artists', '100'], '--size large'], [['--bogus', '1'], '--bogus']]) {
      const r = await run(['seed-demo', ...args], { ...process.env, APP_ENV: 'development', VAR_DIR: '/nonexistent' });
      assert.equal(r.code, 2, `${args.join(' ')} → ${r.code}: ${r.out}`);
      assert.ok(r.out.includes(word), `${args.join(' ')}: ${r.out}`);
    }
  });
});

describe('typos, prefixes and teasers at scale', () => {
  test('300 one-typo queries: the intended artist is in the top 3 of every one', async () => {
    const queries = typoQueries(artists, { count: 300, seed: 7 });
    assert.equal(queries.length, 300);
    const misses = [];
    for (const t of queries) {
      const res = await search(qs({ q: t.q, limit: '10' }));
      assertNoAudio(res, t.q);
      const top = res.results.slice(0, 3).map(keyOf);
      if (!top.includes(`artist:${t.artistId}`)) {
        misses.push(`${t.q} (${t.op} of ${t.stageName}) → ${res.results.slice(0, 3).map((r) => r.artist?.stageName ?? r.type).join(', ')}`);
      }
    }
    assert.deepEqual(misses, []);
  });

  test('prefix queries find the artist, and names starting with the prefix rank first', async () => {
    for (const p of prefixQueries(artists, { count: 20, seed: 11 })) {
      const res = await search(qs({ q: p.q, type: 'artist', limit: '100' }));
      const ids = res.results.map((r) => r.artist.id);
      assert.ok(ids.includes(p.artistId), `${p.q} should find ${p.stageName}`);
      const first = res.results[0].artist.stageName.toLowerCase();
      assert.ok(first.split(/[^a-z0-9]+/).some((w) => w.startsWith(p.q.toLowerCase())),
        `${p.q}: the first result ${first} has no word starting with it`);
    }
  });

  test('locked tracks are teasers without audio for anyone; a member sees them unlocked, still without URLs', async () => {
    // Members-only tracks of published, released releases, given titles of their own: the generator
    // draws titles from a word pool, and on the large catalogue a title such as "Wandering" names
    // hundreds of tracks, more than a page of results holds.
    const { rows } = await srv.pool.query(`
      UPDATE tracks SET title = ${DISTINCT_TITLE} WHERE id IN (
        SELECT t.id FROM tracks t JOIN releases r ON r.id = t.release_id
        WHERE t.min_tier <> 'free' AND r.published AND coalesce(r.release_at, now()) <= now()
        ORDER BY t.id LIMIT 8)
      RETURNING id, title, artist_id, min_tier`);
    assert.ok(rows.length >= 5, 'the generator makes members-only tracks');
    const fan = await registerUser(api, {});
    for (const t of rows) {
      for (const [who, token] of [['anonymous', undefined], ['a free fan', fan.token]]) {
        const res = await search(qs({ q: t.title, type: 'track', limit: '100' }), token);
        assertNoAudio(res, `${t.title} as ${who}`);
        const hit = res.results.find((r) => r.track.id === t.id);
        assert.ok(hit, `${t.title} is found by ${who}`);
        assert.ok(hit.track.locked, `${t.title} is locked for ${who}`);
        assert.equal(hit.track.locked.requiredTier, t.min_tier);
        assert.equal(hit.track.plays, undefined, 'a teaser has no play count');
      }
    }
    // A generated member (every generated account's password is the demo's) of a tiered artist.
    const { rows: [m] } = await srv.pool.query(`
      SELECT u.email, s.artist_id FROM subscriptions s JOIN users u ON u.id = s.fan_id
      WHERE s.tier = 'superfan' AND s.status = 'active' AND u.email LIKE '%@large.demo.musicconnect.local'
        AND EXISTS (SELECT 1 FROM tracks t JOIN releases r ON r.id = t.release_id WHERE t.artist_id = s.artist_id
                    AND t.min_tier <> 'free' AND r.published AND coalesce(r.release_at, now()) <= now())
      ORDER BY u.email LIMIT 1`);
    assert.ok(m, 'a superfan of an artist with members-only tracks exists');
    const member = await login(api, m.email, 'demo-password-1');
    const { rows: [t] } = await srv.pool.query(`
      UPDATE tracks SET title = ${DISTINCT_TITLE} WHERE id = (
        SELECT t.id FROM tracks t JOIN releases r ON r.id = t.release_id WHERE t.artist_id = $1
          AND t.min_tier <> 'free' AND r.published AND coalesce(r.release_at, now()) <= now() ORDER BY t.id LIMIT 1)
      RETURNING id, title`, [m.artist_id]);
    const res = await search(qs({ q: t.title, type: 'track', limit: '100' }), member.token);
    assertNoAudio(res, `${t.title} as a member`);
    const hit = res.results.find((r) => r.track.id === t.id);
    assert.ok(hit, 'the member finds the track');
    assert.equal(hit.track.locked, null, 'unlocked for a member');
    assert.equal(typeof hit.track.plays, 'number');
  });

  test('the word dictionary follows names written through the API', async () => {
    const a = await registerUser(api, { role: 'artist', artistName: 'Quorvandel Mistwright' });
    let res = await search(qs({ q: 'Quorvnadel', type: 'artist' }));
    assert.equal(res.results[0]?.artist.id, a.user.id, 'a new artist is found with a typo');
    expectStatus(await api.json('PUT', '/api/artists/profile', { token: a.token, body: { stageName: 'Zephyrine Olderwood' } }), 200);
    res = await search(qs({ q: 'Zephyirne Olderwood', type: 'artist' }));
    assert.equal(res.results[0]?.artist.id, a.user.id, 'a renamed artist is found with a typo');
  });
});

describe('the naive baseline of bench/search', () => {
  test('SEARCH_BASELINE is refused in production', async () => {
    const r = await run(['serve'], { ...process.env, APP_ENV: 'production', SEARCH_BASELINE: 'true', VAR_DIR: '/nonexistent', PORT: '1' });
    assert.notEqual(r.code, 0);
    assert.match(r.out, /SEARCH_BASELINE/);
  });
});
