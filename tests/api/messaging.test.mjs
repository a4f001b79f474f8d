// Direct messages (SPEC §4.8, docs/messaging.md): who may write to whom, the superfan's monthly
// allowance taken atomically, history by cursor, read receipts, typing, mute, block, search, and
// live delivery on the conversation's channel.
import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers/server.mjs';
import { expectError, expectStatus } from './helpers/http.mjs';
import { grantTier } from './helpers/db.mjs';
import { registerUser } from './helpers/fixtures.mjs';
import { WsClient } from './helpers/ws.mjs';

let srv;
let api;

before(async () => {
  srv = await startServer({ name: 'messaging' });
  api = srv.api;
});
after(async () => {
  await srv?.stop();
});

async function artistAndSuperfan() {
  const artist = await registerUser(api, { role: 'artist', artistName: 'Letter Writer' });
  const fan = await registerUser(api);
  await grantTier(srv.pool, fan.user.id, artist.user.id, 'superfan');
  return { artist, fan };
}

const send = (token, body) => api.json('POST', '/api/messaging/send', { token, body });

describe('who may write', () => {
  test('a superfan opens a conversation, the artist replies; followers and supporters may not write', async () => {
    const { artist, fan } = await artistAndSuperfan();
    const first = expectStatus(await send(fan.token, { recipientId: artist.user.id, body: 'Hello from the front row' }), 201);
    assert.equal(first.conversation.artistId, artist.user.id);
    assert.equal(first.conversation.fanId, fan.user.id);
    assert.deepEqual(first.quota, { limit: 5, remaining: 4 });
    const reply = expectStatus(await send(artist.token, { conversationId: first.conversation.id, body: 'Thanks!' }), 201);
    assert.equal(reply.message.senderId, artist.user.id);
    assert.equal(reply.quota, undefined, 'artists reply without an allowance');
    const byRecipient = expectStatus(await send(artist.token, { recipientId: fan.user.id, body: 'And again' }), 201);
    assert.equal(byRecipient.conversation.id, first.conversation.id);

    const supporter = await registerUser(api);
    await grantTier(srv.pool, supporter.user.id, artist.user.id, 'supporter');
    const refused = expectError(await send(supporter.token, { recipientId: artist.user.id, body: 'hi' }), 403, 'tier_required');
    assert.equal(refused.details.tier, 'superfan');
    const stranger = await registerUser(api);
    expectError(await send(artist.token, { recipientId: stranger.user.id, body: 'cold message' }), 404, 'not_found');
    expectError(await send(stranger.token, { conversationId: first.conversation.id, body: 'let me in' }), 404, 'not_found');
    const { rows } = await srv.pool.query('SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1', [first.conversation.id]);
    assert.equal(rows[0].n, 3, 'refused messages are not stored');
  });

  test('bad input names the field and stores nothing', async () => {
    const { artist, fan } = await artistAndSuperfan();
    for (const [body, field] of [
      [{ body: 'no recipient' }, 'recipientId'],
      [{ recipientId: artist.user.id }, 'body'],
      [{ recipientId: artist.user.id, body: '   ' }, 'body'],
      [{ recipientId: artist.user.id, body: 'x'.repeat(2001) }, 'body'],
      [{ recipientId: 'not-a-uuid', body: 'hi' }, 'recipientId'],
      [{ recipientId: artist.user.id, conversationId: artist.user.id, body: 'hi' }, 'conversationId'],
      [{ recipientId: artist.user.id, body: 'hi', extra: 1 }, 'extra'],
    ]) {
      expectError(await send(fan.token, body), 400, 'validation_failed', { field });
    }
    expectStatus(await send(fan.token, { recipientId: artist.user.id, body: 'é'.repeat(2000) }), 201);
    const { rows } = await srv.pool.query('SELECT count(*)::int AS n FROM messages WHERE sender_id = $1', [fan.user.id]);
    assert.equal(rows[0].n, 1);
  });
});

describe('the superfan allowance', () => {
  test('10 concurrent messages with 1 left: exactly 1 is accepted', async () => {
    const { artist, fan } = await artistAndSuperfan();
    for (let i = 0; i < 4; i++) {
      expectStatus(await send(fan.token, { recipientId: artist.user.id, body: `message ${i}` }), 201);
    }
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) =>
      send(fan.token, { recipientId: artist.user.id, body: `race ${i}` })));
    const accepted = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 429);
    assert.equal(accepted.length, 1, results.map((r) => r.status).join(','));
    assert.equal(refused.length, 9);
    for (const r of refused) assert.equal(r.body.error.code, 'message_quota_exhausted');
    assert.equal(accepted[0].body.quota.remaining, 0);
    const { rows } = await srv.pool.query(
      'SELECT count(*)::int AS n FROM messages WHERE sender_id = $1', [fan.user.id]);
    assert.equal(rows[0].n, 5);
    const quota = await srv.pool.query('SELECT used FROM dm_quota WHERE fan_id = $1', [fan.user.id]);
    assert.equal(quota.rows[0].used, 5);
    // The artist is not limited.
    const conv = accepted[0].body.conversation.id;
    for (let i = 0; i < 7; i++) expectStatus(await send(artist.token, { conversationId: conv, body: `reply ${i}` }), 201);
  });
});

describe('conversations, history and receipts', () => {
  test('lists conversations with unread counts; history pages by cursor, newest first', async () => {
    const { artist, fan } = await artistAndSuperfan();
    const first = expectStatus(await send(fan.token, { recipientId: artist.user.id, body: 'one' }), 201);
    const conv = first.conversation.id;
    for (let i = 2; i <= 5; i++) expectStatus(await send(artist.token, { conversationId: conv, body: `artist ${i}` }), 201);
    const list = expectStatus(await api.get('/api/messaging/conversations', { token: fan.token }), 200);
    const c = list.conversations.find((x) => x.id === conv);
    assert.equal(c.unread, 4);
    assert.equal(c.with.id, artist.user.id);
    assert.equal(c.with.name, 'Letter Writer');
    assert.equal(c.lastMessage.body, 'artist 5');

    const page1 = expectStatus(await api.get(`/api/messaging/conversations/${conv}/messages?limit=3`, { token: fan.token }), 200);
    assert.deepEqual(page1.messages.map((m) => m.body), ['artist 5', 'artist 4', 'artist 3']);
    assert.ok(page1.nextCursor);
    const page2 = expectStatus(await api.get(`/api/messaging/conversations/${conv}/messages?limit=3&cursor=${page1.nextCursor}`, { token: fan.token }), 200);
    assert.deepEqual(page2.messages.map((m) => m.body), ['artist 2', 'one']);
    assert.equal(page2.nextCursor, null);
    expectError(await api.get(`/api/messaging/conversations/${conv}/messages?cursor=abc`, { token: fan.token }), 400, 'invalid_query');
    const stranger = await registerUser(api);
    expectError(await api.get(`/api/messaging/conversations/${conv}/messages`, { token: stranger.token }), 404, 'not_found');

    const read = expectStatus(await api.post(`/api/messaging/conversations/${conv}/read`, {}, { token: fan.token }), 200);
    assert.equal(read.lastReadSeq, page1.messages[0].seq);
    const after = expectStatus(await api.get('/api/messaging/conversations', { token: fan.token }), 200);
    assert.equal(after.conversations.find((x) => x.id === conv).unread, 0);
    const artistView = expectStatus(await api.get('/api/messaging/conversations', { token: artist.token }), 200);
    assert.equal(artistView.conversations.find((x) => x.id === conv).otherLastReadSeq, page1.messages[0].seq);
  });

  test('full-text search finds my messages only', async () => {
    const { artist, fan } = await artistAndSuperfan();
    expectStatus(await send(fan.token, { recipientId: artist.user.id, body: 'The saxophone solo on track three gave me chills' }), 201);
    const other = await artistAndSuperfan();
    expectStatus(await send(other.fan.token, { recipientId: other.artist.user.id, body: 'saxophone everywhere' }), 201);
    const found = expectStatus(await api.get('/api/messaging/search?q=saxophone', { token: fan.token }), 200);
    assert.equal(found.messages.length, 1);
    assert.match(found.messages[0].body, /saxophone solo/);
    const none = expectStatus(await api.get('/api/messaging/search?q=trombone', { token: fan.token }), 200);
    assert.equal(none.messages.length, 0);
    expectError(await api.get('/api/messaging/search?q=', { token: fan.token }), 400, 'invalid_query');
  });

  test('block stops the blocked side from writing; unblock restores it', async () => {
    const { artist, fan } = await artistAndSuperfan();
    const first = expectStatus(await send(fan.token, { recipientId: artist.user.id, body: 'hello' }), 201);
    expectStatus(await api.json('PUT', `/api/messaging/blocks/${fan.user.id}`, { token: artist.token }), 200);
    expectError(await send(fan.token, { conversationId: first.conversation.id, body: 'are you there?' }), 403, 'blocked');
    expectError(await send(artist.token, { conversationId: first.conversation.id, body: 'oops' }), 409, 'blocked_by_you');
    const blocks = expectStatus(await api.get('/api/messaging/blocks', { token: artist.token }), 200);
    assert.deepEqual(blocks.blocked, [fan.user.id]);
    expectStatus(await api.json('DELETE', `/api/messaging/blocks/${fan.user.id}`, { token: artist.token }), 200);
    expectStatus(await send(fan.token, { conversationId: first.conversation.id, body: 'back again' }), 201);
  });
});

describe('live', () => {
  test('messages, read receipts and typing reach the other member; outsiders cannot listen', async () => {
    const { artist, fan } = await artistAndSuperfan();
    const first = expectStatus(await send(fan.token, { recipientId: artist.user.id, body: 'opening' }), 201);
    const ch = `conversation:${first.conversation.id}`;
    const a = await WsClient.open(srv);
    await a.authed(artist.token);
    assert.equal((await a.request('sub', { ch })).op, 'ok');
    const f = await WsClient.open(srv);
    await f.authed(fan.token);
    assert.equal((await f.request('sub', { ch })).op, 'ok');

    expectStatus(await send(fan.token, { conversationId: first.conversation.id, body: 'live one' }), 201);
    const live = await a.next((m) => m.op === 'event' && m.ch === ch && m.data.type === 'message.created');
    assert.equal(live.data.payload.body, 'live one');
    assert.ok(live.id, 'a kept message carries its offset');

    f.send({ op: 'typing', ch, data: { typing: true } });
    const typing = await a.next((m) => m.ch === ch && m.data?.type === 'typing');
    assert.equal(typing.data.payload.userId, fan.user.id);
    assert.equal(typing.id, undefined, 'typing is not kept: no offset');

    expectStatus(await api.post(`/api/messaging/conversations/${first.conversation.id}/read`, {}, { token: artist.token }), 200);
    const receipt = await f.next((m) => m.ch === ch && m.data?.type === 'message.read');
    assert.equal(receipt.data.payload.userId, artist.user.id);

    const stranger = await registerUser(api);
    const s = await WsClient.open(srv);
    await s.authed(stranger.token);
    const refused = await s.request('sub', { ch });
    assert.equal(refused.op, 'error');
    assert.equal(refused.data.code, 'forbidden');
    const notSubscribed = await s.request('typing', { ch });
    assert.equal(notSubscribed.data.code, 'not_subscribed');
    for (const c of [a, f, s]) c.close();
  });
});
