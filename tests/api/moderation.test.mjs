// Moderation (SPEC §4.12, docs/admin.md): one reports model for tracks, posts, comments, messages
// and users; the admins' queue; hidden content gone from every public read path and back on
// restore; feature flags with stable percentage rollout and targeting; platform stats; and every
// admin operation of the API document writes an audit entry.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers/server.mjs';
import { expectError, expectStatus } from './helpers/http.mjs';
import { login, registerUser, uniqueName } from './helpers/fixtures.mjs';
import { grantTier } from './helpers/db.mjs';
import { operations } from './helpers/openapi.mjs';
import { readyTrack } from './helpers/media.mjs';

let srv;
let api;
let admin;
let artist;
let fan;

async function makeAdmin() {
  const u = await registerUser(api);
  await srv.pool.query("UPDATE users SET role = 'admin' WHERE id = $1", [u.user.id]);
  const s = await login(api, u.input.email, u.input.password);
  return { ...u, token: s.token };
}

const report = (token, body) => api.json('POST', '/api/reports', { token, body });
const count = async (sql, params = []) => (await srv.pool.query(sql, params)).rows[0].n;
const hide = (type, id, token = admin.token, body) => api.json('POST', `/api/admin/content/${type}/${id}/hide`, { token, body });
const restore = (type, id, token = admin.token) => api.json('POST', `/api/admin/content/${type}/${id}/restore`, { token });

async function publishedTrack(a, title) {
  const rel = expectStatus(await api.post('/api/releases', { title: `${title} EP`, kind: 'ep' }, { token: a.token }), 201);
  // A release is published only with a ready track (docs/catalog.md): upload and process one.
  const t = await readyTrack(srv, a.token, { releaseId: rel.id, title });
  expectStatus(await api.json('PATCH', `/api/releases/${rel.id}`, { token: a.token, body: { published: true } }), 200);
  return t;
}

before(async () => {
  srv = await startServer({ name: 'moderation' });
  api = srv.api;
  admin = await makeAdmin();
  artist = await registerUser(api, { role: 'artist', artistName: `Mod ${uniqueName('a')}` });
  fan = await registerUser(api);
});
after(async () => { await srv?.stop(); });

describe('reports', () => {
  test('bad reports name the field and write nothing', async () => {
    const target = await registerUser(api);
    const before = await count('SELECT count(*)::int AS n FROM reports');
    for (const [body, field] of [
      [{ targetId: target.user.id, reason: 'spam' }, 'targetType'],
      [{ targetType: 'album', targetId: target.user.id, reason: 'spam' }, 'targetType'],
      [{ targetType: 'user', targetId: 'nope', reason: 'spam' }, 'targetId'],
      [{ targetType: 'user', targetId: target.user.id, reason: 'boring' }, 'reason'],
      [{ targetType: 'user', targetId: target.user.id, reason: 'other', note: '' }, 'note'],
      [{ targetType: 'user', targetId: target.user.id, reason: 'other', note: 'x'.repeat(501) }, 'note'],
      [{ targetType: 'user', targetId: target.user.id, reason: 'spam', extra: 1 }, 'extra'],
    ]) {
      expectError(await report(fan.token, body), 400, 'validation_failed', { field });
    }
    expectError(await report(undefined, { targetType: 'user', targetId: target.user.id, reason: 'spam' }), 401, 'unauthorized');
    expectError(await report(fan.token, { targetType: 'user', targetId: crypto.randomUUID(), reason: 'spam' }), 404, 'not_found');
    expectError(await report(fan.token, { targetType: 'user', targetId: fan.user.id, reason: 'spam' }), 422, 'cannot_report_own');
    assert.equal(await count('SELECT count(*)::int AS n FROM reports'), before);
  });

  test('one open report per reporter and target; a message is reportable only by its conversation', async () => {
    const target = await registerUser(api);
    for (let i = 0; i < 2; i++) {
      expectStatus(await report(fan.token, { targetType: 'user', targetId: target.user.id, reason: 'impersonation', note: 'pretends to be me' }), 202);
    }
    const other = await registerUser(api);
    expectStatus(await report(other.token, { targetType: 'user', targetId: target.user.id, reason: 'spam' }), 202);
    const rows = (await srv.pool.query("SELECT reporter_id, reason, note, status FROM reports WHERE target_type = 'user' AND target_id = $1 ORDER BY id", [target.user.id])).rows;
    assert.deepEqual(rows.map((r) => [r.reporter_id, r.reason, r.note, r.status]),
      [[fan.user.id, 'impersonation', 'pretends to be me', 'open'], [other.user.id, 'spam', null, 'open']]);

    await grantTier(srv.pool, fan.user.id, artist.user.id, 'superfan');
    const sent = expectStatus(await api.post('/api/messaging/send', { recipientId: artist.user.id, body: 'rude words' }, { token: fan.token }), 201);
    expectError(await report(other.token, { targetType: 'message', targetId: sent.message.id, reason: 'harassment' }), 404, 'not_found');
    expectError(await report(fan.token, { targetType: 'message', targetId: sent.message.id, reason: 'harassment' }), 422, 'cannot_report_own');
    expectStatus(await report(artist.token, { targetType: 'message', targetId: sent.message.id, reason: 'harassment' }), 202);
  });

  test('a reporter files at most 20 reports an hour', async () => {
    const busy = await registerUser(api);
    await srv.pool.query(
      "INSERT INTO reports (target_type, target_id, reporter_id, reason) SELECT 'user', gen_random_uuid(), $1, 'spam' FROM generate_series(1, 20)",
      [busy.user.id]);
    const target = await registerUser(api);
    const res = expectError(await report(busy.token, { targetType: 'user', targetId: target.user.id, reason: 'spam' }), 429, 'too_many_reports');
    assert.ok(res.details.targetId);
    assert.equal(await count("SELECT count(*)::int AS n FROM reports WHERE target_id = $1", [target.user.id]), 0);
  });

  test('the comment report route files into the same model', async () => {
    const t = await publishedTrack(artist, `Commented ${uniqueName('t')}`);
    const c = expectStatus(await api.post(`/api/content/${t.id}/comments`, { body: 'buy followers at example.com' }, { token: artist.token }), 201);
    expectStatus(await api.post(`/api/comments/${c.id}/report`, { reason: 'spam' }, { token: fan.token }), 202);
    const other = await registerUser(api);
    expectStatus(await api.post(`/api/comments/${c.id}/report`, { reason: 'looks like a scam to me' }, { token: other.token }), 202);
    const rows = (await srv.pool.query("SELECT reason, note FROM reports WHERE target_type = 'comment' AND target_id = $1 ORDER BY id", [c.id])).rows;
    assert.deepEqual(rows.map((r) => [r.reason, r.note]), [['spam', null], ['other', 'looks like a scam to me']]);
    // The release before 0020 still writes comment_reports during a rolling deploy: its rows land in
    // the same model (once per open report).
    const old = await registerUser(api);
    for (const reason of ['hate', 'hate']) {
      await srv.pool.query('INSERT INTO comment_reports (comment_id, reporter_id, reason) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [c.id, old.user.id, reason]);
    }
    const third = await registerUser(api);
    await srv.pool.query('INSERT INTO comment_reports (comment_id, reporter_id, reason) VALUES ($1, $2, $3)', [c.id, third.user.id, 'rude']);
    const mirrored = (await srv.pool.query("SELECT reporter_id, reason, note FROM reports WHERE target_type = 'comment' AND target_id = $1 AND reporter_id = ANY($2) ORDER BY id",
      [c.id, [old.user.id, third.user.id]])).rows;
    assert.deepEqual(mirrored.map((r) => [r.reporter_id, r.reason, r.note]), [[old.user.id, 'hate', null], [third.user.id, 'other', 'rude']]);
  });
});

describe('the moderation queue', () => {
  test('admins only; open reports grouped by target, oldest first, paged by cursor; dismiss and resolve close them', async () => {
    expectError(await api.get('/api/admin/reports', { token: fan.token }), 403, 'forbidden');
    expectError(await api.get('/api/admin/reports?type=album', { token: admin.token }), 400, 'invalid_query', { field: 'type' });
    await srv.pool.query("UPDATE reports SET status = 'dismissed', resolved_at = now() WHERE status = 'open'");
    const targets = [];
    for (let i = 0; i < 3; i++) targets.push(await registerUser(api));
    const reporters = [fan, await registerUser(api)];
    for (const t of targets) {
      for (const r of reporters) expectStatus(await report(r.token, { targetType: 'user', targetId: t.user.id, reason: 'spam' }), 202);
    }
    // A later report on the first target does not move it back in the queue.
    const late = await registerUser(api);
    expectStatus(await report(late.token, { targetType: 'user', targetId: targets[0].user.id, reason: 'hate', note: 'slurs in bio' }), 202);

    const page1 = expectStatus(await api.get('/api/admin/reports?limit=2', { token: admin.token }), 200);
    assert.deepEqual(page1.items.map((i) => i.targetId), [targets[0].user.id, targets[1].user.id]);
    assert.equal(page1.items[0].reportCount, 3);
    assert.deepEqual(page1.items[0].reasons, { spam: 2, hate: 1 });
    assert.equal(page1.items[0].reports.at(-1).note, 'slurs in bio');
    assert.equal(page1.items[0].preview, targets[0].user.username);
    assert.equal(page1.items[0].ownerId, targets[0].user.id);
    assert.ok(page1.nextCursor);
    const page2 = expectStatus(await api.get(`/api/admin/reports?limit=2&cursor=${page1.nextCursor}`, { token: admin.token }), 200);
    assert.deepEqual(page2.items.map((i) => i.targetId), [targets[2].user.id]);
    assert.equal(page2.nextCursor, null);
    const none = expectStatus(await api.get('/api/admin/reports?type=post', { token: admin.token }), 200);
    assert.equal(none.items.length, 0);

    expectError(await api.post(`/api/admin/reports/user/${targets[0].user.id}/dismiss`, {}, { token: fan.token }), 403, 'forbidden');
    const dismissed = expectStatus(await api.post(`/api/admin/reports/user/${targets[0].user.id}/dismiss`, { note: 'satire' }, { token: admin.token }), 200);
    assert.deepEqual(dismissed, { targetType: 'user', targetId: targets[0].user.id, status: 'dismissed', reportsClosed: 3 });
    expectError(await api.post(`/api/admin/reports/user/${targets[0].user.id}/dismiss`, {}, { token: admin.token }), 404, 'not_found');
    expectStatus(await api.post(`/api/admin/users/${targets[1].user.id}/suspend`, { reason: 'spam' }, { token: admin.token }), 200);
    expectStatus(await api.post(`/api/admin/reports/user/${targets[1].user.id}/resolve`, {}, { token: admin.token }), 200);
    const rest = expectStatus(await api.get('/api/admin/reports', { token: admin.token }), 200);
    assert.deepEqual(rest.items.map((i) => i.targetId), [targets[2].user.id]);
    const decided = (await srv.pool.query('SELECT status, resolution, resolved_by FROM reports WHERE target_id = $1', [targets[0].user.id])).rows;
    assert.ok(decided.every((r) => r.status === 'dismissed' && r.resolution === 'satire' && r.resolved_by === admin.user.id));
    // A dismissed report can be filed again.
    expectStatus(await report(fan.token, { targetType: 'user', targetId: targets[0].user.id, reason: 'spam' }), 202);
    assert.equal(await count("SELECT count(*)::int AS n FROM reports WHERE target_id = $1 AND status = 'open'", [targets[0].user.id]), 1);
  });
});

describe('hidden content is gone from every public read path and back on restore', () => {
  test('a track: its page, the artist page, search, buying', async () => {
    const title = `Hideable ${uniqueName('t')}`;
    const t = await publishedTrack(artist, title);
    const visible = async () => {
      const page = await api.get(`/api/content/${t.id}`, { token: fan.token });
      const content = expectStatus(await api.get(`/api/artists/${artist.user.id}/content`, { token: fan.token }), 200);
      const found = expectStatus(await api.get(`/api/search?q=${encodeURIComponent(title)}&type=track`, { token: fan.token }), 200);
      return {
        page: page.status,
        artistPage: content.releases.flatMap((r) => r.tracks).some((x) => x.id === t.id),
        search: found.results.some((r) => r.track?.id === t.id),
      };
    };
    assert.deepEqual(await visible(), { page: 200, artistPage: true, search: true });
    expectError(await hide('track', t.id, fan.token), 403, 'forbidden');
    const hidden = expectStatus(await hide('track', t.id, admin.token, { reason: 'copyright claim' }), 200);
    assert.equal(hidden.hidden, true);
    assert.deepEqual(await visible(), { page: 404, artistPage: false, search: false });
    expectError(await report(fan.token, { targetType: 'track', targetId: t.id, reason: 'spam' }), 404, 'not_found');
    expectError(await api.post('/api/purchases', { trackId: t.id }, { token: fan.token }), 404, 'not_found');
    expectStatus(await restore('track', t.id), 200);
    assert.deepEqual(await visible(), { page: 200, artistPage: true, search: true });
  });

  test('a post: its page, the artist\'s posts, the feed, search', async () => {
    const title = `Hidden news ${uniqueName('p')}`;
    const p = expectStatus(await api.post('/api/posts', { title, body: 'read me', visibility: 'public' }, { token: artist.token }), 201);
    expectStatus(await api.json('POST', `/api/artists/${artist.user.id}/follow`, { token: fan.token }), 200);
    const visible = async () => {
      const page = await api.get(`/api/posts/${p.id}`, { token: fan.token });
      const list = expectStatus(await api.get(`/api/posts?artist=${artist.user.id}`, { token: fan.token }), 200);
      const feed = expectStatus(await api.get('/api/feed', { token: fan.token }), 200);
      const found = expectStatus(await api.get(`/api/search?q=${encodeURIComponent(title)}&type=post`, { token: fan.token }), 200);
      return { page: page.status, list: list.posts.some((x) => x.id === p.id), feed: feed.items.some((i) => i.post?.id === p.id),
        search: found.results.some((r) => r.post?.id === p.id) };
    };
    assert.deepEqual(await visible(), { page: 200, list: true, feed: true, search: true });
    expectStatus(await report(fan.token, { targetType: 'post', targetId: p.id, reason: 'violence' }), 202);
    const hidden = expectStatus(await hide('post', p.id), 200);
    assert.equal(hidden.reportsResolved, 1, 'hiding resolves the open reports');
    assert.deepEqual(await visible(), { page: 404, list: false, feed: false, search: false });
    const queue = expectStatus(await api.get('/api/admin/reports?type=post', { token: admin.token }), 200);
    assert.ok(!queue.items.some((i) => i.targetId === p.id));
    expectStatus(await restore('post', p.id), 200);
    assert.deepEqual(await visible(), { page: 200, list: true, feed: true, search: true });
  });

  test('comments on tracks and posts (a hidden parent with replies keeps only its place)', async () => {
    const t = await publishedTrack(artist, `Comments ${uniqueName('t')}`);
    const c = expectStatus(await api.post(`/api/content/${t.id}/comments`, { body: 'nasty comment' }, { token: fan.token }), 201);
    const lone = expectStatus(await api.post(`/api/content/${t.id}/comments`, { body: 'lonely nasty comment' }, { token: fan.token }), 201);
    expectStatus(await api.post(`/api/content/${t.id}/comments`, { body: 'a kind reply', parentId: c.id }, { token: artist.token }), 201);
    const p = expectStatus(await api.post('/api/posts', { title: 'Talk', body: 'x', visibility: 'public' }, { token: artist.token }), 201);
    const pc = expectStatus(await api.post(`/api/posts/${p.id}/comments`, { body: 'nasty on a post' }, { token: fan.token }), 201);
    const bodies = async () => {
      const list = expectStatus(await api.get(`/api/content/${t.id}/comments`), 200);
      const posts = expectStatus(await api.get(`/api/posts/${p.id}/comments`), 200);
      const post = expectStatus(await api.get(`/api/posts/${p.id}`), 200);
      return { track: list.comments.map((x) => [x.body ?? null, x.replies.map((r) => r.body)]), post: posts.comments.map((x) => x.body), postCount: post.commentCount };
    };
    for (const id of [c.id, lone.id, pc.id]) expectStatus(await hide('comment', id), 200);
    const gone = await bodies();
    assert.deepEqual(gone.track, [[null, ['a kind reply']]]);
    assert.deepEqual(gone.post, []);
    assert.equal(gone.postCount, 0);
    for (const id of [c.id, lone.id, pc.id]) expectStatus(await restore('comment', id), 200);
    const back = await bodies();
    assert.deepEqual(back.track.map((x) => x[0]).sort(), ['lonely nasty comment', 'nasty comment']);
    assert.deepEqual(back.post, ['nasty on a post']);
  });

  test('messages: the history, the conversation list, unread counts and message search', async () => {
    const superfan = await registerUser(api);
    await grantTier(srv.pool, superfan.user.id, artist.user.id, 'superfan');
    const first = expectStatus(await api.post('/api/messaging/send', { recipientId: artist.user.id, body: 'hello there' }, { token: superfan.token }), 201);
    const bad = expectStatus(await api.post('/api/messaging/send', { conversationId: first.conversation.id, body: 'xylophonic abuse' }, { token: superfan.token }), 201);
    const conv = first.conversation.id;
    const view = async () => {
      const history = expectStatus(await api.get(`/api/messaging/conversations/${conv}/messages`, { token: artist.token }), 200);
      const list = expectStatus(await api.get('/api/messaging/conversations?limit=100', { token: artist.token }), 200);
      const found = expectStatus(await api.get('/api/messaging/search?q=xylophonic', { token: artist.token }), 200);
      const c = list.conversations.find((x) => x.id === conv);
      return { history: history.messages.map((m) => m.body), last: c.lastMessage?.body, unread: c.unread, search: found.messages.length };
    };
    assert.deepEqual(await view(), { history: ['xylophonic abuse', 'hello there'], last: 'xylophonic abuse', unread: 2, search: 1 });
    expectStatus(await hide('message', bad.message.id), 200);
    assert.deepEqual(await view(), { history: ['hello there'], last: 'hello there', unread: 1, search: 0 });
    expectStatus(await restore('message', bad.message.id), 200);
    assert.deepEqual(await view(), { history: ['xylophonic abuse', 'hello there'], last: 'xylophonic abuse', unread: 2, search: 1 });
  });

  test('hide and restore: admins only, unknown targets 404, a repeat changes nothing', async () => {
    const t = await publishedTrack(artist, `Twice ${uniqueName('t')}`);
    expectError(await hide('track', crypto.randomUUID()), 404, 'not_found');
    expectError(await hide('user', fan.user.id), 404, 'not_found');
    expectError(await restore('track', t.id, fan.token), 403, 'forbidden');
    expectError(await hide('track', t.id, admin.token, { reason: '' }), 400, 'validation_failed', { field: 'reason' });
    expectStatus(await hide('track', t.id), 200);
    const entries = await count("SELECT count(*)::int AS n FROM audit_log WHERE target_id = $1", [t.id]);
    expectStatus(await hide('track', t.id), 200);
    assert.equal(await count("SELECT count(*)::int AS n FROM audit_log WHERE target_id = $1", [t.id]), entries);
    const [entry] = (await srv.pool.query("SELECT * FROM audit_log WHERE target_id = $1 AND action = 'content.hidden'", [t.id])).rows;
    assert.equal(entry.actor_id, admin.user.id);
    assert.equal(entry.target_type, 'track');
  });
});

// The bucket of docs/admin.md: FNV-1a 32 of "key:userId", mod 100.
function bucket(key, userId) {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(`${key}:${userId}`)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % 100;
}

describe('feature flags', () => {
  test('admin CRUD with validation; viewers get stable percentage rollout and targeting', async () => {
    const put = (key, body, token = admin.token) => api.json('PUT', `/api/admin/flags/${key}`, { token, body });
    expectError(await put('new_player', { enabled: true }, fan.token), 403, 'forbidden');
    expectError(await put('Bad-Key', { enabled: true }), 400, 'validation_failed', { field: 'key' });
    expectError(await put('new_player', { enabled: 'yes' }), 400, 'validation_failed', { field: 'enabled' });
    expectError(await put('new_player', { enabled: true, rolloutPercent: 101 }), 400, 'validation_failed', { field: 'rolloutPercent' });
    expectError(await put('new_player', { enabled: true, userIds: ['x'] }), 400, 'validation_failed', { field: 'userIds' });
    expectError(await put('new_player', { enabled: true, userIds: [crypto.randomUUID()] }), 422, 'unknown_users', { field: 'userIds' });
    assert.equal(await count('SELECT count(*)::int AS n FROM feature_flags'), 0);

    const users = [];
    for (let i = 0; i < 12; i++) users.push(await registerUser(api));
    const flag = expectStatus(await put('new_player', { description: 'The new player', enabled: true, rolloutPercent: 50, userIds: [users[0].user.id] }), 200);
    assert.deepEqual([flag.key, flag.enabled, flag.rolloutPercent, flag.userIds], ['new_player', true, 50, [users[0].user.id]]);
    const flagsOf = async (token) => expectStatus(await api.get('/api/flags', { token }), 200).flags;
    for (const [i, u] of users.entries()) {
      const expected = i === 0 || bucket('new_player', u.user.id) < 50;
      assert.equal((await flagsOf(u.token)).new_player, expected, `user ${i} bucket ${bucket('new_player', u.user.id)}`);
      assert.equal((await flagsOf(u.token)).new_player, expected, 'the same answer every time');
    }
    assert.equal((await flagsOf(undefined)).new_player, false, 'anonymous viewers only get 100 % flags');
    expectStatus(await put('new_player', { enabled: true, rolloutPercent: 100 }), 200);
    assert.equal((await flagsOf(undefined)).new_player, true);
    expectStatus(await put('new_player', { enabled: false, rolloutPercent: 100, userIds: [users[0].user.id] }), 200);
    assert.equal((await flagsOf(users[0].token)).new_player, false, 'disabled is off for everyone');
    const list = expectStatus(await api.get('/api/admin/flags', { token: admin.token }), 200);
    assert.deepEqual(list.flags.map((f) => [f.key, f.enabled]), [['new_player', false]]);
    expectStatus(await api.json('DELETE', '/api/admin/flags/new_player', { token: admin.token }), 204);
    expectError(await api.json('DELETE', '/api/admin/flags/new_player', { token: admin.token }), 404, 'not_found');
    assert.deepEqual(await flagsOf(users[0].token), {});
    const actions = (await srv.pool.query("SELECT action FROM audit_log WHERE target_type = 'flag' ORDER BY id")).rows.map((r) => r.action);
    assert.deepEqual(actions, ['flag.created', 'flag.updated', 'flag.updated', 'flag.deleted']);
  });
});

describe('platform stats and the user list', () => {
  test('the numbers match the database', async () => {
    expectError(await api.get('/api/admin/stats', { token: fan.token }), 403, 'forbidden');
    const s = expectStatus(await api.get('/api/admin/stats', { token: admin.token }), 200);
    assert.equal(s.users.total, await count('SELECT count(*)::int AS n FROM users WHERE deleted_at IS NULL'));
    assert.equal(s.users.artists, await count("SELECT count(*)::int AS n FROM users WHERE deleted_at IS NULL AND role = 'artist'"));
    assert.equal(s.reports.open, await count("SELECT count(*)::int AS n FROM reports WHERE status = 'open'"));
    assert.equal(s.activeSubscriptions, await count("SELECT count(*)::int AS n FROM subscriptions WHERE status = 'active'"));
    assert.ok(Array.isArray(s.revenue));

    const u = await registerUser(api, { username: `zq_${uniqueName('x')}`.slice(0, 30) });
    const found = expectStatus(await api.get(`/api/admin/users?q=${u.input.username.toUpperCase()}`, { token: admin.token }), 200);
    assert.deepEqual(found.users.map((x) => x.id), [u.user.id]);
    const wild = expectStatus(await api.get('/api/admin/users?q=%25', { token: admin.token }), 200);
    assert.equal(wild.users.length, 0, '% is a character, not a wildcard');
    expectError(await api.get(`/api/admin/users?q=${'a'.repeat(101)}`, { token: admin.token }), 400, 'invalid_query', { field: 'q' });
  });
});

describe('audit', () => {
  test('every admin operation in the API document writes an audit entry', async () => {
    const ops = operations().filter((o) => o.path.startsWith('/api/admin/'));
    assert.ok(ops.length >= 12, `admin operations: ${ops.length}`);
    // One successful call per operation, with what it needs made first.
    const victim = await registerUser(api);
    const t = await publishedTrack(artist, `Audited ${uniqueName('t')}`);
    expectStatus(await report(fan.token, { targetType: 'track', targetId: t.id, reason: 'spam' }), 202);
    expectStatus(await report(fan.token, { targetType: 'user', targetId: victim.user.id, reason: 'spam' }), 202);
    const calls = {
      'GET /api/admin/audit': () => api.get('/api/admin/audit?limit=1', { token: admin.token }),
      'GET /api/admin/reports': () => api.get('/api/admin/reports', { token: admin.token }),
      'POST /api/admin/reports/{type}/{id}/dismiss': () => api.post(`/api/admin/reports/track/${t.id}/dismiss`, {}, { token: admin.token }),
      'POST /api/admin/reports/{type}/{id}/resolve': () => api.post(`/api/admin/reports/user/${victim.user.id}/resolve`, {}, { token: admin.token }),
      'POST /api/admin/content/{type}/{id}/hide': () => hide('track', t.id),
      'POST /api/admin/content/{type}/{id}/restore': () => restore('track', t.id),
      'POST /api/admin/users/{id}/suspend': () => api.post(`/api/admin/users/${victim.user.id}/suspend`, {}, { token: admin.token }),
      'POST /api/admin/users/{id}/restore': () => api.post(`/api/admin/users/${victim.user.id}/restore`, {}, { token: admin.token }),
      'GET /api/admin/flags': () => api.get('/api/admin/flags', { token: admin.token }),
      'PUT /api/admin/flags/{key}': () => api.json('PUT', '/api/admin/flags/audited', { token: admin.token, body: { enabled: true } }),
      'DELETE /api/admin/flags/{key}': () => api.json('DELETE', '/api/admin/flags/audited', { token: admin.token }),
      'GET /api/admin/stats': () => api.get('/api/admin/stats', { token: admin.token }),
      'GET /api/admin/users': () => api.get('/api/admin/users', { token: admin.token }),
      'GET /api/admin/payments/reconciliation': () => api.get('/api/admin/payments/reconciliation', { token: admin.token }),
    };
    // A paid subscription in the sandbox, for the refund.
    const buyer = await registerUser(api);
    const created = expectStatus(await api.post('/api/subscriptions/create', { artistId: artist.user.id, tier: 'supporter' }, { token: buyer.token }), 201);
    expectStatus(await api.post(`/api/sandbox/checkouts/${new URL(created.checkoutUrl).pathname.split('/').pop()}/pay`, {}, { token: buyer.token }), 200);
    let payment;
    for (let i = 0; i < 100 && !payment; i++) {
      if (i) await new Promise((ok) => setTimeout(ok, 100));
      payment = expectStatus(await api.get('/api/payments/history', { token: buyer.token }), 200).payments[0];
    }
    assert.ok(payment, 'the sandbox payment is recorded');
    calls['POST /api/admin/payments/{id}/refund'] = () => api.post(`/api/admin/payments/${payment.id}/refund`, {}, { token: admin.token });
    for (const op of ops) {
      const key = `${op.method} ${op.path}`;
      assert.ok(calls[key], `no audit check for ${key}: add one`);
      const before = await count('SELECT max(id)::int AS n FROM audit_log');
      const res = await calls[key]();
      assert.ok(res.status < 300, `${key}: ${res.status} ${JSON.stringify(res.body)}`);
      const entries = (await srv.pool.query('SELECT actor_id, action FROM audit_log WHERE id > $1', [before])).rows;
      assert.ok(entries.some((e) => e.actor_id === admin.user.id), `${key} wrote no audit entry`);
    }
  });
  // Admins act outside /api/admin too: on others' posts, comments and listening parties. Each such
  // action writes an entry (who, what, target, from where); the same action on one's own content
  // is ordinary use and writes none.
  const entriesAfter = async (id) => (await srv.pool.query(
    'SELECT actor_id, actor_role, action, target_type, target_id, ip, user_agent, details FROM audit_log WHERE id > $1 ORDER BY id', [id])).rows;
  const lastId = async () => count('SELECT coalesce(max(id), 0)::int AS n FROM audit_log');
  const headers = { 'user-agent': 'audit-probe' };

  test('an admin deleting another\'s post or comment is audited; the author\'s own deletion is not', async () => {
    const t = await publishedTrack(artist, `Commented ${uniqueName('t')}`);
    const p = expectStatus(await api.json('POST', '/api/posts', { token: artist.token, body: { title: 'Audited', body: 'news', visibility: 'public' } }), 201);
    const onPost = expectStatus(await api.json('POST', `/api/posts/${p.id}/comments`, { token: fan.token, body: { body: 'on a post' } }), 201);
    const onTrack = expectStatus(await api.json('POST', `/api/content/${t.id}/comments`, { token: fan.token, body: { body: 'on a track' } }), 201);
    const own = expectStatus(await api.json('POST', `/api/content/${t.id}/comments`, { token: fan.token, body: { body: 'mine' } }), 201);

    let mark = await lastId();
    expectStatus(await api.json('DELETE', `/api/comments/${own.id}`, { token: fan.token }), 204);
    assert.deepEqual(await entriesAfter(mark), [], 'the author deleting their own comment is not an admin action');

    mark = await lastId();
    expectStatus(await api.json('DELETE', `/api/comments/${onTrack.id}`, { token: admin.token, headers }), 204);
    expectStatus(await api.json('DELETE', `/api/comments/${onPost.id}`, { token: admin.token, headers }), 204);
    expectStatus(await api.json('DELETE', `/api/posts/${p.id}`, { token: admin.token, headers }), 204);
    const got = await entriesAfter(mark);
    assert.deepEqual(got.map((e) => [e.actor_id, e.actor_role, e.action, e.target_type, e.target_id]), [
      [admin.user.id, 'admin', 'comment.deleted', 'comment', onTrack.id],
      [admin.user.id, 'admin', 'comment.deleted', 'comment', onPost.id],
      [admin.user.id, 'admin', 'post.deleted', 'post', p.id],
    ]);
    assert.deepEqual(got.map((e) => e.details), [
      { authorId: fan.user.id, on: 'track' }, { authorId: fan.user.id, on: 'post' }, { artistId: artist.user.id }]);
    for (const e of got) assert.ok(e.ip && e.user_agent === 'audit-probe', `from where: ${JSON.stringify(e)}`);

    const mine = expectStatus(await api.json('POST', '/api/posts', { token: artist.token, body: { title: 'Mine', body: 'x', visibility: 'public' } }), 201);
    mark = await lastId();
    expectStatus(await api.json('DELETE', `/api/posts/${mine.id}`, { token: artist.token }), 204);
    assert.deepEqual(await entriesAfter(mark), [], 'an artist deleting their own post is not audited');
  });

  test('an admin acting as host or moderator of another artist\'s listening party is audited', async () => {
    const t = await publishedTrack(artist, `Party ${uniqueName('t')}`);
    const party = expectStatus(await api.json('POST', '/api/parties', { token: artist.token, body: { title: 'Audited party', trackIds: [t.id] } }), 201);
    const listener = await registerUser(api);
    const mark = await lastId();
    const as = { token: admin.token, headers };
    expectStatus(await api.json('POST', `/api/parties/${party.id}/start`, as), 200);
    expectStatus(await api.json('POST', `/api/parties/${party.id}/control`, { ...as, body: { action: 'pause' } }), 200);
    const msg = expectStatus(await api.json('POST', `/api/parties/${party.id}/messages`, { token: listener.token, body: { body: 'hello' } }), 201);
    expectStatus(await api.json('DELETE', `/api/parties/${party.id}/messages/${msg.id}`, as), 204);
    expectStatus(await api.json('PUT', `/api/parties/${party.id}/mutes/${listener.user.id}`, as), 200);
    expectStatus(await api.json('DELETE', `/api/parties/${party.id}/mutes/${listener.user.id}`, as), 200);
    expectStatus(await api.json('PUT', `/api/parties/${party.id}/cohosts/${listener.user.id}`, as), 200);
    expectStatus(await api.json('DELETE', `/api/parties/${party.id}/cohosts/${listener.user.id}`, as), 200);
    expectStatus(await api.json('POST', `/api/parties/${party.id}/end`, as), 200);
    const got = (await entriesAfter(mark)).filter((e) => e.actor_id === admin.user.id);
    assert.deepEqual(got.map((e) => [e.action, e.target_type, e.target_id]), [
      'party.started', 'party.controlled', 'party.chat_deleted', 'party.user_muted', 'party.user_unmuted',
      'party.cohost_added', 'party.cohost_removed', 'party.ended'].map((a) => [a, 'party', party.id]));
    assert.equal(got[1].details.action, 'pause');
    assert.equal(got[2].details.authorId, listener.user.id);
    assert.equal(got[3].details.userId, listener.user.id);
    for (const e of got) assert.equal(e.details.artistId, artist.user.id);

    // The artist hosting their own party is not audited.
    const own = expectStatus(await api.json('POST', '/api/parties', { token: artist.token, body: { title: 'Own party', trackIds: [t.id] } }), 201);
    const ownMark = await lastId();
    expectStatus(await api.json('POST', `/api/parties/${own.id}/start`, { token: artist.token }), 200);
    expectStatus(await api.json('POST', `/api/parties/${own.id}/end`, { token: artist.token }), 200);
    assert.deepEqual(await entriesAfter(ownMark), []);
  });

  test('security-relevant account actions are audited: failed sign-in, password and email change, session revocation', async () => {
    const u = await registerUser(api);
    const other = await login(api, u.input.email, u.input.password);
    const mark = await lastId();
    expectError(await api.post('/api/auth/login', { email: u.input.email, password: 'Wrong-password-1' }, { headers }), 401, 'invalid_credentials');
    expectError(await api.post('/api/auth/login', { email: `nobody-${uniqueName('x')}@example.com`, password: 'Wrong-password-1' }), 401, 'invalid_credentials');
    const sessions = expectStatus(await api.get('/api/auth/sessions', { token: u.token }), 200).sessions;
    const victim = sessions.find((x) => !x.current);
    expectStatus(await api.json('DELETE', `/api/auth/sessions/${victim.id}`, { token: u.token, headers }), 204);
    const next = `${u.input.password}-Changed9`;
    expectStatus(await api.post('/api/auth/password/change', { currentPassword: u.input.password, newPassword: next }, { token: u.token, headers }), 200);
    expectStatus(await api.post('/api/auth/email/change', { newEmail: `moved-${u.input.email}`, password: next }, { token: u.token, headers }), 200);
    const got = await entriesAfter(mark);
    assert.deepEqual(got.map((e) => [e.actor_id, e.action, e.target_type, e.target_id]), [
      [null, 'login.failed', 'user', u.user.id], // who typed the password is not known; unknown emails write nothing
      [u.user.id, 'session.revoked', 'user', u.user.id],
      [u.user.id, 'password.changed', 'user', u.user.id],
      [u.user.id, 'email.changed', 'user', u.user.id],
    ]);
    assert.deepEqual(got[1].details, { sessionId: victim.id, reason: 'revoked_by_user' });
    for (const e of got) assert.ok(e.ip && e.user_agent === 'audit-probe', `from where: ${JSON.stringify(e)}`);
    assert.ok(!JSON.stringify(got).includes(u.input.password), 'no password in the log');
    assert.ok(other.token);
  });
});
