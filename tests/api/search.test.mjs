// Search (SPEC §4.6, docs/search.md): full text with prefixes plus pg_trgm typo tolerance across
// artists, releases, tracks and posts, ranked together, with facets, per-genre pages and teasers;
// and the time-decayed trending of /api/discovery.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers/server.mjs';
import { readyTrack } from './helpers/media.mjs';
import { expectError, expectStatus } from './helpers/http.mjs';
import { registerUser } from './helpers/fixtures.mjs';
import { grantTier } from './helpers/db.mjs';

let srv;
let api;
const made = {};

async function artist(name, genres) {
  const a = await registerUser(api, { role: 'artist', artistName: name });
  expectStatus(await api.json('PUT', '/api/artists/profile', { token: a.token, body: { genres } }), 200);
  return a;
}
async function release(a, title, { genre, publish = true, tracks = [] } = {}) {
  const r = expectStatus(await api.json('POST', '/api/releases', { token: a.token, body: { title, kind: 'ep', ...(genre ? { genre } : {}) } }), 201);
  const ids = [];
  for (const t of tracks) {
    // A published release has playable tracks; a draft's may have no audio yet.
    if (publish) ids.push((await readyTrack(srv, a.token, { releaseId: r.id, ...t })).id);
    else ids.push(expectStatus(await api.json('POST', `/api/releases/${r.id}/tracks`, { token: a.token, body: t }), 201).id);
  }
  if (publish) expectStatus(await api.json('PATCH', `/api/releases/${r.id}`, { token: a.token, body: { published: true } }), 200);
  return { id: r.id, tracks: ids };
}
const search = async (query, token) => expectStatus(await api.get(`/api/search?${query}`, { token }), 200);
const keyOf = (r) => `${r.type}:${(r.artist ?? r.release ?? r.track ?? r.post).id}`;

before(async () => {
  srv = await startServer({ name: 'search' });
  api = srv.api;
  made.aurora = await artist('Aurora Bleu', ['electronic']);
  made.midnight = await artist('Midnight Static', ['rock']);
  made.harbor = await artist('Quiet Harbor', ['folk']);
  made.auroraRel = await release(made.aurora, 'Northern Lights', { genre: 'electronic', tracks: [{ title: 'Polar Glow' }, { title: 'Members Glow', minTier: 'supporter' }] });
  made.midRel = await release(made.midnight, 'Static Harbor Sessions', { genre: 'rock', tracks: [{ title: 'Harbor Lights' }] });
  made.draft = await release(made.harbor, 'Unreleased Harbor Demos', { genre: 'folk', publish: false, tracks: [{ title: 'Hidden Harbor Song' }] });
  const post = (a, body) => api.json('POST', '/api/posts', { token: a.token, body });
  made.publicPost = expectStatus(await post(made.harbor, { title: 'Tour diary', body: 'We played a lighthouse concert by the sea', visibility: 'public' }), 201);
  made.lockedPost = expectStatus(await post(made.harbor, { title: 'Members update', body: 'The secret word is xylophonic', visibility: 'min_tier', minTier: 'superfan' }), 201);
  made.scheduled = expectStatus(await post(made.harbor, { title: 'Future harbor news', body: 'x', visibility: 'public', publishAt: '2199-01-01T00:00:00Z' }), 201);
});
after(async () => { await srv?.stop(); });

describe('matching and ranking', () => {
  const typos = [
    ['Auorra', 'aurora'], ['aurora blue', 'aurora'], ['Midnite Static', 'midnight'], ['midnight statc', 'midnight'],
    ['Quite Harbor', 'harbor'], ['quiet harbour', 'harbor'],
  ];
  for (const [q, who] of typos) {
    test(`a typo still finds the artist in the top 3: "${q}"`, async () => {
      const res = await search(`q=${encodeURIComponent(q)}`);
      const top = res.results.slice(0, 3).map(keyOf);
      assert.ok(top.includes(`artist:${made[who].user.id}`), `${q} → ${JSON.stringify(res.results.slice(0, 3))}`);
    });
  }

  test('prefixes match: "Aur" and "midn sta" find the artist first', async () => {
    assert.equal(keyOf((await search('q=Aur')).results[0]), `artist:${made.aurora.user.id}`);
    assert.equal(keyOf((await search('q=midn%20sta')).results[0]), `artist:${made.midnight.user.id}`);
  });

  test('ranked: full-text matches before merely similar names, and every kind is searched', async () => {
    const res = await search('q=harbor');
    const keys = res.results.map(keyOf);
    assert.ok(keys.includes(`artist:${made.harbor.user.id}`));
    assert.ok(keys.includes(`release:${made.midRel.id}`), 'a release title');
    assert.ok(keys.includes(`track:${made.midRel.tracks[0]}`), 'a track title');
    const scores = res.results.map((r) => r.score);
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a), 'best first');
    assert.equal(res.facets.type.artist >= 1 && res.facets.type.release >= 1 && res.facets.type.track >= 1, true);
    // Nothing unpublished or scheduled.
    assert.ok(!keys.includes(`release:${made.draft.id}`));
    assert.ok(!keys.includes(`track:${made.draft.tracks[0]}`));
    assert.ok(!keys.includes(`post:${made.scheduled.id}`));
    // A word of a public post's body finds it.
    const lighthouse = await search('q=lighthouse');
    assert.equal(keyOf(lighthouse.results[0]), `post:${made.publicPost.id}`);
    assert.equal(lighthouse.results[0].post.locked, null);
  });

  test('an unrelated query finds nothing', async () => {
    const res = await search('q=zzqxv');
    assert.equal(res.total, 0);
    assert.deepEqual(res.results, []);
    assert.equal((await search('q=zzqxv%20qqwwxy')).total, 0, 'nor do two unrelated words, one at a time');
  });

  test('a word that matches nothing does not hide the others: "aurora bleu band" finds Aurora Bleu first', async () => {
    for (const q of ['aurora bleu band', 'band aurora bleu', 'aurora blue zzqxv']) {
      const res = await search(`q=${encodeURIComponent(q)}`);
      assert.equal(keyOf(res.results[0]), `artist:${made.aurora.user.id}`, `${q} → ${JSON.stringify(res.results.slice(0, 3))}`);
      assert.equal(res.allWordsMatched, false, 'the answer says a word was left out');
    }
    // Only when all the words find nothing: a query whose every word matches is not widened.
    const exact = await search('q=aurora%20bleu');
    assert.equal(exact.allWordsMatched, true);
    assert.ok(exact.results.every((r) => JSON.stringify(r).toLowerCase().includes('aurora')), JSON.stringify(exact.results));
  });
});

describe('facets, filters and genre pages', () => {
  test('type and genre filters; each facet counts with the other filter applied', async () => {
    const tracks = await search('q=glow&type=track');
    assert.ok(tracks.results.length >= 1);
    assert.ok(tracks.results.every((r) => r.type === 'track'));
    assert.ok(tracks.facets.type.track >= 1);
    const rock = await search('q=harbor&genre=rock');
    const keys = rock.results.map(keyOf);
    assert.ok(keys.includes(`release:${made.midRel.id}`));
    assert.ok(!keys.includes(`artist:${made.harbor.user.id}`), 'a folk artist is not in rock');
    const folk = rock.facets.genre.find((g) => g.genre === 'folk');
    assert.ok(folk && folk.count >= 1, 'the genre facet still counts other genres');
  });

  test('a genre page without a query', async () => {
    const res = await search('genre=electronic');
    const keys = res.results.map(keyOf);
    assert.ok(keys.includes(`artist:${made.aurora.user.id}`));
    assert.ok(keys.includes(`release:${made.auroraRel.id}`));
    assert.ok(!keys.includes(`artist:${made.midnight.user.id}`));
  });

  test('bad queries are refused, naming the parameter', async () => {
    expectError(await api.get('/api/search'), 400, 'invalid_query', { field: 'q' });
    expectError(await api.get('/api/search?q=%20%20'), 400, 'invalid_query', { field: 'q' });
    expectError(await api.get(`/api/search?q=${'a'.repeat(101)}`), 400, 'invalid_query', { field: 'q' });
    expectError(await api.get('/api/search?q=a&type=song'), 400, 'invalid_query', { field: 'type' });
    expectError(await api.get('/api/search?q=a&genre=nope'), 400, 'invalid_query', { field: 'genre' });
    expectError(await api.get('/api/search?q=a&page=11&limit=100'), 400, 'invalid_query', { field: 'page' });
    expectError(await api.get('/api/search?q=a&limit=0'), 400, 'invalid_query', { field: 'limit' });
    // Characters with meaning in tsquery syntax are only text.
    assert.equal((await search(`q=${encodeURIComponent("a' & | ! ( ) :* <-> \\")}`)).query.length > 0, true);
  });
});

describe('locked items are teasers', () => {
  test('a supporter-only track: a teaser for others, full for supporters; no audio reference ever', async () => {
    const lockedTrack = made.auroraRel.tracks[1];
    const anon = (await search('q=members%20glow')).results.find((r) => keyOf(r) === `track:${lockedTrack}`);
    assert.ok(anon, 'found');
    assert.equal(anon.track.locked.requiredTier, 'supporter');
    assert.equal(anon.track.plays, undefined);
    const fan = await registerUser(api);
    await grantTier(srv.pool, fan.user.id, made.aurora.user.id, 'supporter');
    const full = (await search('q=members%20glow', fan.token)).results.find((r) => keyOf(r) === `track:${lockedTrack}`);
    assert.equal(full.track.locked, null);
    assert.equal(typeof full.track.plays, 'number');
    for (const r of [anon, full]) assert.doesNotMatch(JSON.stringify(r), /\/media\/hls|m3u8|originals/);
  });

  test('a members-only post is found by its title as a teaser, never by words of its body', async () => {
    const byTitle = (await search('q=members%20update')).results.find((r) => keyOf(r) === `post:${made.lockedPost.id}`);
    assert.ok(byTitle);
    assert.equal(byTitle.post.locked.requiredTier, 'superfan');
    assert.equal(byTitle.post.bodyHtml, undefined);
    assert.doesNotMatch(JSON.stringify(byTitle), /xylophonic/);
    assert.equal((await search('q=xylophonic')).results.some((r) => keyOf(r) === `post:${made.lockedPost.id}`), false);
  });
});

describe('trending', () => {
  test('plays and likes of the last 7 days, newer ones weighing more', async () => {
    const a = await artist('Trend Setter', ['pop']);
    const r = await release(a, 'Trend EP', { tracks: [{ title: 'Old hit' }, { title: 'New hit' }, { title: 'Liked one' }] });
    const [old, fresh, liked] = r.tracks;
    await srv.pool.query("UPDATE tracks SET rungs = '{128}' WHERE release_id = $1", [r.id]);
    // Five plays six days ago (5 × 0.5⁶) lose to three plays now (a day's half-life); two likes now
    // (2 × 2) beat both, and fifty plays a month ago count for nothing.
    await srv.pool.query("INSERT INTO plays (track_id, played_at) SELECT $1, now() - interval '6 days' FROM generate_series(1, 5)", [old]);
    await srv.pool.query('INSERT INTO plays (track_id) SELECT $1 FROM generate_series(1, 3)', [fresh]);
    await srv.pool.query("INSERT INTO plays (track_id, played_at) SELECT $1, now() - interval '30 days' FROM generate_series(1, 50)", [liked]);
    for (let i = 0; i < 2; i += 1) {
      const fan = await registerUser(api);
      expectStatus(await api.json('POST', `/api/content/${liked}/like`, { token: fan.token }), 200);
    }
    const res = expectStatus(await api.get('/api/discovery?type=trending&limit=50'), 200);
    const order = res.tracks.map((t) => t.id).filter((id) => [old, fresh, liked].includes(id));
    assert.deepEqual(order, [liked, fresh, old]);
  });
});

describe('quality on a generated catalogue', () => {
  // 400 two-word artist names from small word lists (so many share a word), then 60 queries with
  // one typo each (a deletion, insertion, substitution or swap of neighbours in a word of five
  // letters or more): the intended artist must be in the top 3.
  const ADJ = ['Silver', 'Golden', 'Velvet', 'Hollow', 'Crimson', 'Electric', 'Wandering', 'Distant', 'Paper', 'Neon',
    'Broken', 'Gentle', 'Savage', 'Lunar', 'Solar', 'Frozen', 'Burning', 'Silent', 'Restless', 'Midnight'];
  const NOUN = ['Rivers', 'Harbors', 'Engines', 'Gardens', 'Pilots', 'Tigers', 'Mirrors', 'Lanterns', 'Valleys', 'Comets',
    'Sparrows', 'Monarchs', 'Orchards', 'Shadows', 'Beacons', 'Glaciers', 'Canyons', 'Ravens', 'Meadows', 'Thunder'];
  let seed = 12345;
  const rand = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  function typo(word) {
    const i = 1 + rand(word.length - 2); // never the first letter
    switch (rand(4)) {
      case 0: return word.slice(0, i) + word.slice(i + 1);
      case 1: return word.slice(0, i) + letters[rand(26)] + word.slice(i);
      case 2: return word.slice(0, i) + letters[rand(26)] + word.slice(i + 1);
      default: return word.slice(0, i - 1) + word[i] + word[i - 1] + word.slice(i + 1);
    }
  }

  test('one typo: the intended artist is in the top 3 for every one of 60 queries', async () => {
    const names = [];
    for (const a of ADJ) for (const n of NOUN) names.push(`${a} ${n}`);
    const chosen = names.filter(() => rand(10) < 2).slice(0, 400);
    const { rows } = await srv.pool.query(
      `WITH u AS (INSERT INTO users (username, email, password_hash, role)
         SELECT 'gen_' || i, 'gen_' || i || '@example.com', 'x', 'artist' FROM generate_series(1, $1::int) i RETURNING id, username)
       INSERT INTO artist_profiles (user_id, stage_name, slug)
         SELECT u.id, n.name, 'gen-' || n.i FROM u JOIN unnest($2::text[]) WITH ORDINALITY AS n (name, i) ON u.username = 'gen_' || n.i
       RETURNING user_id, stage_name`, [chosen.length, chosen]);
    assert.equal(rows.length, chosen.length);
    const queries = [];
    for (let k = 0; queries.length < 60; k += 1) {
      const row = rows[rand(rows.length)];
      const words = row.stage_name.split(' ');
      const w = rand(2);
      if (words[w].length < 5) continue;
      words[w] = typo(words[w].toLowerCase());
      queries.push([words.join(' '), row]);
    }
    const misses = [];
    for (const [q, row] of queries) {
      const res = await search(`q=${encodeURIComponent(q)}&type=artist&limit=3`);
      if (!res.results.some((r) => r.artist.id === row.user_id)) {
        misses.push(`${q} → ${res.results.map((r) => r.artist.stageName).join(', ')} (wanted ${row.stage_name})`);
      }
    }
    assert.deepEqual(misses, [], `${misses.length} of ${queries.length} missed`);
  });
});

describe('words as the text parser splits them', () => {
  test('a title word the parser reads as a number and a word ("1299e607e2ce") is found whole and by prefix', async () => {
    // to_tsvector splits "1299e607e2ce" into '1299e607' and 'e2ce' (scientific notation); the
    // query must be split the same way, or such a title is never found (one random hex name in 16).
    const a = await artist('Hex Parser Test', ['electronic']);
    const title = 'Take t_1299e607e2ce';
    const p = expectStatus(await api.json('POST', '/api/posts', { token: a.token, body: { title, body: 'x', visibility: 'public' } }), 201);
    for (const q of [title, 't_1299e607e2ce', '1299e607e2ce', '1299e607e2']) {
      const res = await search(`q=${encodeURIComponent(q)}&type=post`);
      assert.ok(res.results.some((r) => r.post?.id === p.id), `${q} → ${JSON.stringify(res.results.map(keyOf))}`);
    }
  });
});
