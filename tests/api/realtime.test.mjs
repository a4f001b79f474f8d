// /ws, the real-time gateway (docs/realtime.md): authentication, authorised subscriptions, live
// channel messages from the outbox, resume by offset, session ends, and bad input on the socket.
import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import { startServer } from './helpers/server.mjs';
import { expectStatus } from './helpers/http.mjs';
import { login, registerUser } from './helpers/fixtures.mjs';
import { makeAudio, scratchDir, uploadAndWait as uploadAndWaitFor } from './helpers/media.mjs';
import { WsClient, channelRowsAfter, compareOffsets } from './helpers/ws.mjs';
import { decodeJwt } from './helpers/jwt.mjs';

let srv;
let api;
let dir;
let artist;
let releaseId;
let audio;

before(async () => {
  srv = await startServer({ name: 'realtime' });
  api = srv.api;
  dir = await scratchDir('realtime');
  audio = await makeAudio(dir, 'flac', 3);
  artist = await registerUser(api, { role: 'artist', artistName: 'Live Artist' });
  releaseId = expectStatus(await api.json('POST', '/api/releases', {
    token: artist.token, body: { title: 'Live', kind: 'album' },
  }), 201).id;
});
after(async () => {
  await srv?.stop();
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

const userId = (token) => decodeJwt(token).payload.sub;

const uploadAndWait = (title) => uploadAndWaitFor(srv, artist.token, audio, { releaseId, title });

// The processing messages only: the user channel also carries notifications, made asynchronously.
const storedAfter = (channel, offset) => channelRowsAfter(srv.pool, channel, offset, { topic: 'track.processing' });

describe('connection and authentication', () => {
  test('greets with hello, answers ping with the server time, and wants auth before anything else', async () => {
    const c = await WsClient.open(srv);
    const hello = c.messages[0];
    assert.equal(hello.data.protocol, 1);
    assert.equal(hello.data.maxMessageBytes, 16384);
    const before = Date.now();
    const pong = await c.request('ping', { data: { t: 123.5 } });
    assert.equal(pong.op, 'pong');
    assert.equal(pong.data.t, 123.5);
    assert.ok(Math.abs(pong.data.serverTime - before) < 5000, `serverTime ${pong.data.serverTime} is now`);
    const refused = await c.request('sub', { ch: `user:${userId(artist.token)}` });
    assert.equal(refused.op, 'error');
    assert.equal(refused.data.code, 'unauthorized');
    c.close();
  });

  test('refuses a bad token with a reason and accepts a good one', async () => {
    const c = await WsClient.open(srv);
    const bad = await c.request('auth', { data: { token: 'not.a.token' } });
    assert.equal(bad.op, 'error');
    assert.equal(bad.data.code, 'invalid_token');
    const missing = await c.request('auth', { data: {} });
    assert.equal(missing.data.code, 'invalid_message');
    assert.deepEqual(Object.keys(missing.data.details), ['token']);
    const ok = await c.authed(artist.token);
    assert.equal(ok.data.userId, userId(artist.token));
    assert.ok(Date.parse(ok.data.expiresAt) > Date.now());
    c.close();
  });

  test('a socket stays with its user: re-authentication as someone else is refused', async () => {
    const fan = await registerUser(api);
    const c = await WsClient.open(srv);
    await c.authed(artist.token);
    const r = await c.request('auth', { data: { token: fan.token } });
    assert.equal(r.data.code, 'forbidden');
    const again = await c.request('auth', { data: { token: artist.token } });
    assert.equal(again.op, 'ok', 're-authentication with the same user works');
    c.close();
  });

  test('a page from another origin may not open a socket', async () => {
    const c = new WsClient(srv.baseUrl.replace(/^http/, 'ws') + '/ws', { origin: 'https://evil.example' });
    await c.closedWith();
    assert.equal(c.unexpectedResponse?.status, 403);
    assert.equal(c.unexpectedResponse.body.error.code, 'origin_not_allowed');
    const same = await WsClient.open(srv, { origin: srv.baseUrl });
    same.close();
  });

  test('GET /ws without an upgrade is not a web page', async () => {
    const res = await api.get('/ws');
    assert.notEqual(res.status, 200);
  });
});

describe('subscriptions are authorised', () => {
  test('my own user channel yes; another user\'s, an unknown artist or a malformed channel no', async () => {
    const fan = await registerUser(api);
    const c = await WsClient.open(srv);
    await c.authed(fan.token);
    const mine = await c.request('sub', { ch: `user:${userId(fan.token)}` });
    assert.equal(mine.op, 'ok');
    assert.match(mine.data.offset, /^\d+-\d+$/);
    const other = await c.request('sub', { ch: `user:${userId(artist.token)}` });
    assert.equal(other.op, 'error');
    assert.equal(other.data.code, 'forbidden');
    const ghost = await c.request('sub', { ch: 'artist:00000000-0000-4000-8000-000000000000' });
    assert.equal(ghost.data.code, 'not_found');
    const real = await c.request('sub', { ch: `artist:${userId(artist.token)}` });
    assert.equal(real.op, 'ok');
    const bad = await c.request('sub', { ch: 'party:42' });
    assert.equal(bad.data.code, 'invalid_channel');
    const badOffset = await c.request('sub', { ch: `user:${userId(fan.token)}`, data: { offset: 'yesterday' } });
    assert.equal(badOffset.data.code, 'invalid_message');
    c.close();
  });
});

describe('channel messages', () => {
  test('processing progress reaches the artist live, in offset order, ending with ready', async () => {
    const me = `user:${userId(artist.token)}`;
    const c = await WsClient.open(srv);
    await c.authed(artist.token);
    const sub = await c.request('sub', { ch: me });
    const trackId = await uploadAndWait('Live progress');
    const ready = await c.next((m) => m.op === 'event' && m.data.payload.trackId === trackId && m.data.payload.status === 'ready');
    assert.equal(ready.ch, me);
    assert.equal(ready.data.type, 'track.processing');
    const mine = c.events(me, 'track.processing').filter((m) => m.data.payload.trackId === trackId);
    assert.ok(mine.length >= 2, 'at least "processing" and "ready"');
    assert.equal(mine[0].data.payload.progress, 0);
    for (let i = 1; i < mine.length; i++) assert.equal(compareOffsets(mine[i - 1].id, mine[i].id), -1, 'offsets grow');
    // Exactly what the outbox holds for the channel since the subscription, nothing more or less.
    const stored = await storedAfter(me, sub.data.offset);
    assert.deepEqual(c.events(me, 'track.processing').map((m) => m.id), stored.map((r) => r.offset));
    c.close();
  });

  test('a client that reconnects with its offset gets exactly what it missed, in order, then live messages once', async () => {
    const me = `user:${userId(artist.token)}`;
    const first = await WsClient.open(srv);
    await first.authed(artist.token);
    const { data: { offset } } = await first.request('sub', { ch: me });
    first.terminate();
    const missedTrack = await uploadAndWait('While away');

    const again = await WsClient.open(srv);
    await again.authed(artist.token);
    const ok = await again.request('sub', { ch: me, data: { offset } });
    assert.equal(ok.op, 'ok');
    const stored = await storedAfter(me, offset);
    assert.ok(stored.some((r) => r.payload.trackId === missedTrack && r.payload.status === 'ready'));
    const replayed = again.events(me, 'track.processing');
    assert.deepEqual(replayed.map((m) => m.id), stored.map((r) => r.offset), 'every missed message, in order');
    assert.deepEqual(replayed.map((m) => m.data.payload), stored.map((r) => r.payload));
    const okIndex = again.messages.indexOf(ok);
    const sentBeforeOk = again.messages.slice(0, okIndex).filter((m) => m.op === 'event');
    assert.equal(ok.data.offset, sentBeforeOk.at(-1).id, 'the ok carries the newest offset sent');
    assert.ok(again.messages.slice(0, okIndex).filter((m) => m.op === 'event' && m.data.type === 'track.processing').length === stored.length,
      'the replay comes before the ok');

    const liveTrack = await uploadAndWait('After resume');
    await again.next((m) => m.op === 'event' && m.data.payload.trackId === liveTrack && m.data.payload.status === 'ready');
    const ids = again.events(me, 'track.processing').map((m) => m.id);
    assert.equal(new Set(ids).size, ids.length, 'no message twice');
    assert.deepEqual(ids, (await storedAfter(me, offset)).map((r) => r.offset));
    again.close();
  });

  test('resuming from before what retention deleted gets reload with a fresh offset', async () => {
    const me = `user:${userId(artist.token)}`;
    const c = await WsClient.open(srv);
    await c.authed(artist.token);
    const { data: { offset } } = await c.request('sub', { ch: me });
    c.close();
    await uploadAndWait('Pruned');
    // The retention job deleted everything up to here (what outbox pruning records).
    await srv.pool.query(`UPDATE outbox_horizon SET (xid, id) =
      (SELECT xid, id FROM outbox ORDER BY xid DESC, id DESC LIMIT 1)`);
    try {
      const again = await WsClient.open(srv);
      await again.authed(artist.token);
      const ok = await again.request('sub', { ch: me, data: { offset } });
      const reload = again.messages.find((m) => m.op === 'reload' && m.ch === me);
      assert.ok(reload, 'reload was sent');
      assert.equal(again.events(me, 'track.processing').length, 0, 'nothing replayed after a reload');
      assert.equal(ok.data.offset, reload.data.offset);
      again.close();
    } finally {
      await srv.pool.query(`UPDATE outbox_horizon SET (xid, id) = ('0', 0)`);
    }
  });
});

describe('sessions that end close their sockets', () => {
  test('logout closes that session\'s socket within seconds, not the same user\'s other session', async () => {
    const fan = await registerUser(api);
    const other = await login(api, fan.input.email, fan.input.password);
    const a = await WsClient.open(srv);
    await a.authed(fan.token);
    const b = await WsClient.open(srv);
    await b.authed(other.token);
    const started = Date.now();
    expectStatus(await api.json('POST', '/api/auth/logout', { token: fan.token, body: {} }), 204);
    const closed = await a.closedWith({ timeoutMs: 5000 });
    assert.equal(closed?.code, 4003, `closed with 4003: ${JSON.stringify(closed)}`);
    assert.ok(Date.now() - started < 5000);
    const still = await b.request('ping');
    assert.equal(still.op, 'pong', 'the other session\'s socket is open');
    b.close();
  });
});

describe('bad input on the socket', () => {
  test('malformed JSON and unknown ops get errors and the socket stays usable', async () => {
    const c = await WsClient.open(srv);
    c.send('{not json');
    const e1 = await c.next((m) => m.op === 'error');
    assert.equal(e1.data.code, 'invalid_json');
    c.send({ op: 'dance', id: 7 });
    const e2 = await c.next((m) => m.op === 'error');
    assert.equal(e2.data.code, 'unknown_op');
    assert.equal(e2.id, 7);
    c.send({ op: 'ping', id: 'x', extra: 1 });
    const e3 = await c.next((m) => m.op === 'error');
    assert.equal(e3.data.code, 'invalid_message');
    assert.deepEqual(Object.keys(e3.data.details), ['extra']);
    c.send({ op: 'ping', id: 'nul', data: { t: 'a\u0000b' } });
    const e4 = await c.next((m) => m.op === 'error');
    assert.equal(e4.id, 'nul');
    const pong = await c.request('ping');
    assert.equal(pong.op, 'pong');
    c.close();
  });

  test('a batch of messages gets every reply', async () => {
    const c = await WsClient.open(srv);
    c.send([{ op: 'ping', id: 1 }, { op: 'ping', id: 2 }]);
    await c.next((m) => m.id === 1);
    await c.next((m) => m.id === 2);
    c.send(JSON.stringify(Array.from({ length: 17 }, (_, i) => ({ op: 'ping', id: i }))));
    const e = await c.next((m) => m.op === 'error');
    assert.equal(e.data.code, 'invalid_message');
    c.close();
  });

  test('a binary frame, an oversized frame and a flood each close with a reason; other sockets carry on', async () => {
    const bystander = await WsClient.open(srv);

    const bin = await WsClient.open(srv);
    bin.ws.send(Buffer.from([1, 2, 3]));
    assert.deepEqual(await bin.closedWith(), { code: 1003, reason: 'binary frames are not accepted' });

    const big = await WsClient.open(srv);
    big.send(JSON.stringify({ op: 'ping', data: { pad: 'x'.repeat(20000) } }));
    assert.equal((await big.closedWith()).code, 1009);

    const flood = await WsClient.open(srv);
    for (let i = 0; i < 200; i++) flood.send({ op: 'ping', id: i });
    const closed = await flood.closedWith();
    assert.equal(closed.code, 4009);
    assert.match(closed.reason, /too many messages/);

    const pong = await bystander.request('ping');
    assert.equal(pong.op, 'pong');
    bystander.close();
  });
});
