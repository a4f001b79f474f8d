// Notifications (SPEC §4.9, docs/notifications.md): made from the producers' outbox events by one
// durable consumer, pushed live on the user's channel, listed with an unread count, marked read,
// shaped by per-type preferences, and emailed in a digest.
import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers/server.mjs';
import { readyTrack } from './helpers/media.mjs';
import { expectError, expectStatus } from './helpers/http.mjs';
import { grantTier } from './helpers/db.mjs';
import { registerUser, waitForMail } from './helpers/fixtures.mjs';
import { WsClient } from './helpers/ws.mjs';

let srv;
let api;

before(async () => {
  srv = await startServer({ name: 'notifications' });
  api = srv.api;
});
after(async () => {
  await srv?.stop();
});

async function waitFor(fn, { timeoutMs = 10_000, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Until the notifications consumer has read every event written so far (the preference that
// applies is the one in force when it reads the event).
async function consumed() {
  const { rows: [head] } = await srv.pool.query('SELECT xid::text AS xid, id FROM outbox ORDER BY xid DESC, id DESC LIMIT 1');
  await waitFor(async () => {
    const { rows: [c] } = await srv.pool.query(
      `SELECT (xid, id) >= ($1::xid8, $2::bigint) AS past FROM outbox_consumers WHERE name = 'notifications'`, [head.xid, head.id]);
    return c.past;
  }, { what: 'the consumer to catch up' });
}

const list = async (token, query = '') => expectStatus(await api.get(`/api/notifications${query}`, { token }), 200);
const ofType = async (token, type) => (await list(token)).notifications.filter((n) => n.type === type);

describe('producers', () => {
  test('a follow notifies the artist, live on the user channel, once', async () => {
    const artist = await registerUser(api, { role: 'artist', artistName: 'Bell Ringer' });
    const ws = await WsClient.open(srv);
    await ws.authed(artist.token);
    await ws.request('sub', { ch: `user:${artist.user.id}` });
    const fan = await registerUser(api);
    expectStatus(await api.post(`/api/artists/${artist.user.id}/follow`, {}, { token: fan.token }), 200);
    const live = await ws.next((m) => m.op === 'event' && m.data.type === 'notification.created');
    assert.equal(live.data.payload.type, 'new_follower');
    assert.equal(live.data.payload.data.fanId, fan.user.id);
    assert.equal(live.data.payload.data.fanName, fan.input.username);
    const listed = await list(artist.token);
    assert.equal(listed.notifications.length, 1, 'one event, one notification');
    assert.equal(listed.unread, 1);
    assert.equal(listed.notifications[0].id, live.data.payload.id);
    ws.close();
  });

  test('followers hear of a published release and a started party; the artist does not notify themself', async () => {
    const artist = await registerUser(api, { role: 'artist', artistName: 'Release Party' });
    const fans = [await registerUser(api), await registerUser(api)];
    for (const f of fans) expectStatus(await api.post(`/api/artists/${artist.user.id}/follow`, {}, { token: f.token }), 200);
    const release = expectStatus(await api.json('POST', '/api/releases', { token: artist.token, body: { title: 'Out Now', kind: 'single' } }), 201);
    await readyTrack(srv, artist.token, { releaseId: release.id, title: 'The single' });
    expectStatus(await api.json('PATCH', `/api/releases/${release.id}`, { token: artist.token, body: { published: true } }), 200);
    for (const f of fans) {
      const [n] = await waitFor(() => ofType(f.token, 'new_release').then((x) => x.length && x), { what: 'new_release' });
      assert.equal(n.data.releaseId, release.id);
      assert.equal(n.data.releaseTitle, 'Out Now');
      assert.equal(n.data.artistName, 'Release Party');
    }
    assert.equal((await ofType(artist.token, 'new_release')).length, 0);
  });

  test('a DM notifies the recipient unless they muted the conversation; a comment reply notifies its parent author', async () => {
    const artist = await registerUser(api, { role: 'artist', artistName: 'Pen Pal' });
    const fan = await registerUser(api);
    await grantTier(srv.pool, fan.user.id, artist.user.id, 'superfan');
    const sent = expectStatus(await api.json('POST', '/api/messaging/send', { token: fan.token, body: { recipientId: artist.user.id, body: 'Long-time listener' } }), 201);
    const [dm] = await waitFor(() => ofType(artist.token, 'direct_message').then((x) => x.length && x), { what: 'direct_message' });
    assert.equal(dm.data.conversationId, sent.conversation.id);
    assert.equal(dm.data.preview, 'Long-time listener');
    expectStatus(await api.json('PUT', `/api/messaging/conversations/${sent.conversation.id}/mute`, { token: artist.token, body: { muted: true } }), 200);
    expectStatus(await api.json('POST', '/api/messaging/send', { token: fan.token, body: { conversationId: sent.conversation.id, body: 'muted one' } }), 201);
    // A later event proves the consumer has passed the muted message.
    expectStatus(await api.post(`/api/artists/${artist.user.id}/follow`, {}, { token: fan.token }), 200);
    await waitFor(() => ofType(artist.token, 'new_follower').then((x) => x.length), { what: 'new_follower' });
    assert.equal((await ofType(artist.token, 'direct_message')).length, 1, 'the muted conversation made no notification');
  });
});

describe('reading and preferences', () => {
  test('mark some read, then all; the unread count follows and other sockets hear it', async () => {
    const artist = await registerUser(api, { role: 'artist', artistName: 'Many Fans' });
    for (let i = 0; i < 3; i++) {
      const f = await registerUser(api);
      expectStatus(await api.post(`/api/artists/${artist.user.id}/follow`, {}, { token: f.token }), 200);
    }
    await waitFor(async () => (await list(artist.token)).unread === 3, { what: '3 unread' });
    const ws = await WsClient.open(srv);
    await ws.authed(artist.token);
    await ws.request('sub', { ch: `user:${artist.user.id}` });
    const { notifications } = await list(artist.token);
    const one = expectStatus(await api.json('POST', '/api/notifications/read', { token: artist.token, body: { ids: [notifications[0].id] } }), 200);
    assert.deepEqual(one, { marked: 1, unread: 2 });
    const heard = await ws.next((m) => m.op === 'event' && m.data.type === 'notification.read');
    assert.equal(heard.data.payload.unread, 2);
    assert.equal(expectStatus(await api.get('/api/notifications/unread-count', { token: artist.token }), 200).unread, 2);
    const unreadOnly = await list(artist.token, '?unread=true');
    assert.equal(unreadOnly.notifications.length, 2);
    const all = expectStatus(await api.post('/api/notifications/read-all', {}, { token: artist.token }), 200);
    assert.deepEqual(all, { marked: 2, unread: 0 });
    const page = await list(artist.token, '?limit=2');
    assert.equal(page.notifications.length, 2);
    const rest = await list(artist.token, `?limit=2&cursor=${page.nextCursor}`);
    assert.equal(rest.notifications.length, 1);
    for (const [body, field] of [[{}, 'ids'], [{ ids: [] }, 'ids'], [{ ids: ['x'] }, 'ids']]) {
      expectError(await api.json('POST', '/api/notifications/read', { token: artist.token, body }), 400, 'validation_failed', { field });
    }
    const stranger = await registerUser(api);
    const none = expectStatus(await api.json('POST', '/api/notifications/read', { token: stranger.token, body: { ids: [notifications[0].id] } }), 200);
    assert.equal(none.marked, 0, "another user's notification is not theirs to mark");
    ws.close();
  });

  test('"off" stops a type; "email" adds it to the digest', async () => {
    const artist = await registerUser(api, { role: 'artist', artistName: 'Quiet Please' });
    const prefs = expectStatus(await api.get('/api/notifications/preferences', { token: artist.token }), 200);
    assert.equal(prefs.preferences.new_follower, 'in_app');
    assert.equal(Object.keys(prefs.preferences).length, 11);
    expectError(await api.json('PUT', '/api/notifications/preferences', { token: artist.token, body: { preferences: { nope: 'off' } } }), 400, 'validation_failed', { field: 'preferences.nope' });
    expectError(await api.json('PUT', '/api/notifications/preferences', { token: artist.token, body: { preferences: { new_follower: 'loud' } } }), 400, 'validation_failed', { field: 'preferences.new_follower' });
    const off = expectStatus(await api.json('PUT', '/api/notifications/preferences', { token: artist.token, body: { preferences: { new_follower: 'off', tip_received: 'email' } } }), 200);
    assert.equal(off.preferences.new_follower, 'off');
    const fan = await registerUser(api);
    expectStatus(await api.post(`/api/artists/${artist.user.id}/follow`, {}, { token: fan.token }), 200);
    await consumed();

    // An email preference: the follow notification, then the digest job sends it.
    expectStatus(await api.json('PUT', '/api/notifications/preferences', { token: artist.token, body: { preferences: { new_follower: 'email' } } }), 200);
    const other = await registerUser(api);
    expectStatus(await api.post(`/api/artists/${artist.user.id}/follow`, {}, { token: other.token }), 200);
    const [n] = await waitFor(() => ofType(artist.token, 'new_follower').then((x) => x.length && x), { what: 'emailed follow' });
    assert.equal(n.data.fanId, other.user.id, 'the follow while "off" made nothing');
    await srv.pool.query(`INSERT INTO jobs (queue, kind, dedupe_key) VALUES ('maintenance', 'notifications.digest', $1)`, [`test-${Date.now()}`]);
    const mail = await waitForMail(api, artist.input.email, { match: /new on MusicConnect/ });
    assert.match(mail.body, new RegExp(`${other.input.username} follows you`));
    const { rows } = await srv.pool.query('SELECT emailed_at FROM notifications WHERE user_id = $1', [artist.user.id]);
    assert.ok(rows.every((r) => r.emailed_at), 'marked as emailed: the next digest will not repeat it');
  });
});
