// Catalog: releases and tracks, and the metadata part of the authorization matrix (who sees a
// playable item and who a teaser). Tiers are granted through the subscriptions table, the same
// table the memberships work writes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers/server.mjs';
import { expectError, expectStatus } from './helpers/http.mjs';
import { matrixViewers, registerUser, uniqueName } from './helpers/fixtures.mjs';

let srv;
let api;
before(async () => {
  srv = await startServer({ name: 'catalog' });
  api = srv.api;
});
after(async () => { await srv?.stop(); });

const hoursFromNow = (h) => new Date(Date.now() + h * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');

async function release(token, body) {
  return expectStatus(await api.json('POST', '/api/releases', { token, body }), 201);
}
async function track(token, releaseId, body) {
  return expectStatus(await api.json('POST', `/api/releases/${releaseId}/tracks`, { token, body }), 201);
}
async function publish(token, id, extra = {}) {
  return expectStatus(await api.json('PATCH', `/api/releases/${id}`, { token, body: { published: true, ...extra } }), 200);
}

describe('authorization matrix (metadata)', () => {
  const items = {};
  const viewers = {};
  let artist;

  before(async () => {
    artist = await registerUser(api, { role: 'artist', artistName: `Matrix ${uniqueName('m')}` });
    const t = artist.token;
    const open = await release(t, { title: 'Open', kind: 'ep' });
    items.public = (await track(t, open.id, { title: 'Public track' })).id;
    items.supporter = (await track(t, open.id, { title: 'Supporter track', minTier: 'supporter' })).id;
    items.superfan = (await track(t, open.id, { title: 'Superfan track', minTier: 'superfan' })).id;
    await publish(t, open.id);
    const soon = await release(t, { title: 'Soon', kind: 'single' });
    items.in30h = (await track(t, soon.id, { title: 'Thirty hours' })).id;
    await publish(t, soon.id, { releaseAt: hoursFromNow(30) });
    const later = await release(t, { title: 'Later', kind: 'single' });
    items.in60h = (await track(t, later.id, { title: 'Sixty hours' })).id;
    await publish(t, later.id, { releaseAt: hoursFromNow(60) });

    Object.assign(viewers, await matrixViewers(srv, artist));
  });

  // P = playable; S = locked by tier (teaser names it); T = scheduled (teaser says when).
  const expected = {
    anonymous:   { public: 'P', supporter: 'S', superfan: 'S', in30h: 'T', in60h: 'T' },
    follower:    { public: 'P', supporter: 'S', superfan: 'S', in30h: 'T', in60h: 'T' },
    supporter:   { public: 'P', supporter: 'P', superfan: 'S', in30h: 'T', in60h: 'T' },
    superfan:    { public: 'P', supporter: 'P', superfan: 'P', in30h: 'P', in60h: 'T' },
    artist:      { public: 'P', supporter: 'P', superfan: 'P', in30h: 'P', in60h: 'P' },
    otherArtist: { public: 'P', supporter: 'S', superfan: 'S', in30h: 'T', in60h: 'T' },
    admin:       { public: 'P', supporter: 'P', superfan: 'P', in30h: 'P', in60h: 'P' },
  };

  for (const [role, row] of Object.entries(expected)) {
    test(`${role}: each item is playable or a teaser exactly as the tier rules say`, async () => {
      for (const [item, want] of Object.entries(row)) {
        const body = expectStatus(await api.get(`/api/content/${items[item]}`, { token: viewers[role] ?? undefined }), 200);
        const where = `${role} × ${item}`;
        if (want === 'P') {
          assert.equal(body.locked, null, where);
          assert.equal(body.status, 'draft', `${where}: full metadata`);
        } else {
          assert.notEqual(body.locked, null, where);
          assert.equal(body.status, undefined, `${where}: a teaser has no audio facts`);
          assert.equal(body.durationS, undefined, where);
          assert.equal(typeof body.title, 'string', `${where}: a teaser keeps its title`);
          if (want === 'S') assert.equal(body.locked.requiredTier, item, where);
          if (want === 'T') assert.ok(Date.parse(body.locked.availableAt) > Date.now(), where);
        }
      }
    });
  }

  test('the artist page lists the same items with the same locks', async () => {
    const page = expectStatus(await api.get(`/api/artists/${artist.user.id}/content`, { token: viewers.supporter }), 200);
    assert.equal(page.viewerTier, 'supporter');
    const all = page.releases.flatMap((r) => r.tracks);
    assert.equal(all.length, 5);
    const byTitle = Object.fromEntries(all.map((t) => [t.title, t]));
    assert.equal(byTitle['Supporter track'].locked, null);
    assert.equal(byTitle['Superfan track'].locked.requiredTier, 'superfan');
  });
});

describe('releases and tracks', () => {
  test('drafts are invisible to everyone but their artist', async () => {
    const a = await registerUser(api, { role: 'artist', artistName: 'Drafty' });
    const r = await release(a.token, { title: 'Unfinished', kind: 'album', tags: ['demo'] });
    const t = await track(a.token, r.id, { title: 'Sketch' });
    expectError(await api.get(`/api/content/${t.id}`), 404, 'not_found');
    expectStatus(await api.get(`/api/content/${t.id}`, { token: a.token }), 200);
    const page = expectStatus(await api.get(`/api/artists/${a.user.id}/content`), 200);
    assert.equal(page.releases.length, 0);
  });

  test('bad input → 400 naming the field; fans → 403; someone else\'s release → 404; nothing written', async () => {
    const a = await registerUser(api, { role: 'artist', artistName: 'Strict' });
    const fan = await registerUser(api);
    const count = async () => Number((await srv.pool.query('SELECT (SELECT count(*) FROM releases) + (SELECT count(*) FROM tracks) AS n')).rows[0].n);
    const before = await count();
    for (const [body, field] of [
      [{ title: '', kind: 'ep' }, 'title'],
      [{ title: 'x', kind: 'mixtape' }, 'kind'],
      [{ title: 'x', kind: 'ep', minTier: 'gold' }, 'minTier'],
      [{ title: 'x', kind: 'ep', releaseAt: 'tomorrow' }, 'releaseAt'],
      [{ title: 'x', kind: 'ep', genre: 'polka-metal' }, 'genre'],
      [{ title: 'x', kind: 'ep', colour: 'red' }, 'colour'],
    ]) {
      expectError(await api.json('POST', '/api/releases', { token: a.token, body }), 400, 'validation_failed', { field });
    }
    expectError(await api.json('POST', '/api/releases', { token: fan.token, body: { title: 'x', kind: 'ep' } }), 403, 'forbidden');
    const mine = await release(a.token, { title: 'Mine', kind: 'single' });
    const other = await registerUser(api, { role: 'artist', artistName: 'Thief' });
    expectError(await api.json('POST', `/api/releases/${mine.id}/tracks`, { token: other.token, body: { title: 'x' } }), 404, 'not_found');
    expectError(await api.json('PATCH', `/api/releases/${mine.id}`, { token: other.token, body: { published: true } }), 404, 'not_found');
    await track(a.token, mine.id, { title: 'One', position: 1 });
    expectError(await api.json('POST', `/api/releases/${mine.id}/tracks`, { token: a.token, body: { title: 'Two', position: 1 } }), 409, 'position_taken');
    assert.equal(await count(), before + 2, 'only the valid release and track were written');
  });
});

describe('likes and plays', () => {
  let artist;
  let open;
  let gated;
  before(async () => {
    artist = await registerUser(api, { role: 'artist', artistName: `Plays ${uniqueName('p')}` });
    const r = await release(artist.token, { title: 'Counted', kind: 'single' });
    open = (await track(artist.token, r.id, { title: 'Everyone' })).id;
    gated = (await track(artist.token, r.id, { title: 'Supporters', minTier: 'supporter' })).id;
    await publish(artist.token, r.id);
  });

  test('a like counts once and an unlike removes it', async () => {
    const fan = await registerUser(api);
    for (let i = 0; i < 2; i++) {
      assert.equal(expectStatus(await api.json('POST', `/api/content/${open}/like`, { token: fan.token }), 200).liked, true);
    }
    assert.equal(expectStatus(await api.get(`/api/content/${open}`), 200).likeCount, 1);
    expectStatus(await api.json('DELETE', `/api/content/${open}/like`, { token: fan.token }), 200);
    assert.equal(expectStatus(await api.get(`/api/content/${open}`), 200).likeCount, 0);
    expectError(await api.json('POST', `/api/content/${open}/like`), 401, 'unauthorized');
  });

  test('a play counts after 30 s, once per listener per 30 minutes; locked tracks refuse plays', async () => {
    const fan = await registerUser(api);
    const report = (id, s, token) => api.json('POST', `/api/content/${id}/plays`, { token, body: { listenedSeconds: s } });
    assert.equal(expectStatus(await report(open, 12, fan.token), 202).counted, false, 'under 30 s');
    assert.equal(expectStatus(await report(open, 31, fan.token), 202).counted, true);
    assert.equal(expectStatus(await report(open, 200, fan.token), 202).counted, false, 'same listener within 30 min');
    assert.equal(expectStatus(await report(open, 45), 202).counted, true, 'an anonymous listener is another listener');
    assert.equal(expectStatus(await api.get(`/api/content/${open}`), 200).playCount, 2);
    const locked = await report(gated, 60, fan.token);
    expectError(locked, 403, 'locked');
    assert.equal(locked.body.error.details.locked.requiredTier, 'supporter');
    expectError(await report(open, -1, fan.token), 400, 'validation_failed', { field: 'listenedSeconds' });
    expectError(await api.json('POST', `/api/content/${open}/plays`, { token: fan.token, body: {} }), 400, 'validation_failed', { field: 'listenedSeconds' });
    const plays = Number((await srv.pool.query('SELECT count(*) FROM plays WHERE track_id = $1', [open])).rows[0].count);
    assert.equal(plays, 2);
  });
});

describe('comments', () => {
  let artist;
  let trackId;
  before(async () => {
    artist = await registerUser(api, { role: 'artist', artistName: `Talk ${uniqueName('c')}` });
    const r = await release(artist.token, { title: 'Discussed', kind: 'single' });
    trackId = (await track(artist.token, r.id, { title: 'Topic' })).id;
    await publish(artist.token, r.id);
  });
  const post = (token, body) => api.json('POST', `/api/content/${trackId}/comments`, { token, body });

  test('comments thread one level deep, newest first, replies oldest first; edits are marked', async () => {
    const a = await registerUser(api);
    const b = await registerUser(api);
    const first = expectStatus(await post(a.token, { body: 'First!' }), 201);
    const second = expectStatus(await post(b.token, { body: 'Second' }), 201);
    expectStatus(await post(b.token, { body: 'reply 1', parentId: first.id }), 201);
    const r2 = expectStatus(await post(a.token, { body: 'reply 2', parentId: first.id }), 201);
    expectError(await post(a.token, { body: 'too deep', parentId: r2.id }), 400, 'invalid_parent');
    const edited = expectStatus(await api.json('PATCH', `/api/comments/${second.id}`, { token: b.token, body: { body: 'Second (edited)' } }), 200);
    assert.equal(edited.edited, true);
    expectError(await api.json('PATCH', `/api/comments/${second.id}`, { token: a.token, body: { body: 'hijack' } }), 404, 'not_found');
    const list = expectStatus(await api.get(`/api/content/${trackId}/comments`), 200);
    assert.deepEqual(list.comments.map((c) => c.body), ['Second (edited)', 'First!']);
    assert.deepEqual(list.comments[1].replies.map((c) => c.body), ['reply 1', 'reply 2']);
  });

  test('deletion by the author or the track\'s artist; a deleted parent with replies stays as a placeholder', async () => {
    const a = await registerUser(api);
    const b = await registerUser(api);
    const parent = expectStatus(await post(a.token, { body: 'will be deleted' }), 201);
    expectStatus(await post(b.token, { body: 'still here', parentId: parent.id }), 201);
    const lonely = expectStatus(await post(b.token, { body: 'spam' }), 201);
    expectError(await api.json('DELETE', `/api/comments/${parent.id}`, { token: b.token }), 403, 'forbidden');
    expectStatus(await api.json('DELETE', `/api/comments/${parent.id}`, { token: a.token }), 204);
    expectStatus(await api.json('DELETE', `/api/comments/${lonely.id}`, { token: artist.token }), 204);
    const list = expectStatus(await api.get(`/api/content/${trackId}/comments?limit=100`), 200);
    const placeholder = list.comments.find((c) => c.id === parent.id);
    assert.equal(placeholder.deleted, true);
    assert.equal(placeholder.body, null);
    assert.deepEqual(placeholder.replies.map((c) => c.body), ['still here']);
    assert.equal(list.comments.find((c) => c.id === lonely.id), undefined);
  });

  test('reports are recorded once per reporter; bad bodies write nothing', async () => {
    const a = await registerUser(api);
    const c = expectStatus(await post(a.token, { body: 'questionable' }), 201);
    const r = await registerUser(api);
    for (let i = 0; i < 2; i++) {
      expectStatus(await api.json('POST', `/api/comments/${c.id}/report`, { token: r.token, body: { reason: 'spam' } }), 202);
    }
    const reports = Number((await srv.pool.query("SELECT count(*) FROM reports WHERE target_type = 'comment' AND target_id = $1", [c.id])).rows[0].count);
    assert.equal(reports, 1);
    const before = Number((await srv.pool.query('SELECT count(*) FROM comments')).rows[0].count);
    expectError(await post(a.token, { body: '' }), 400, 'validation_failed', { field: 'body' });
    expectError(await post(a.token, { body: 'x'.repeat(2001) }), 400, 'validation_failed', { field: 'body' });
    expectError(await post(a.token, { body: 'x', parentId: 'nope' }), 400, 'validation_failed', { field: 'parentId' });
    expectError(await post(undefined, { body: 'anon' }), 401, 'unauthorized');
    assert.equal(Number((await srv.pool.query('SELECT count(*) FROM comments')).rows[0].count), before);
  });
});
