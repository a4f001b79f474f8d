// /ws across nodes and under failure: two gateway nodes over one database, a node killed with -9
// while a client is away, a graceful drain, and a client that stops reading (docs/realtime.md).
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import { startServer } from './helpers/server.mjs';
import { expectStatus } from './helpers/http.mjs';
import { registerUser } from './helpers/fixtures.mjs';
import { makeAudio, scratchDir, uploadAndWait } from './helpers/media.mjs';
import { WsClient, channelRowsAfter } from './helpers/ws.mjs';
import { decodeJwt } from './helpers/jwt.mjs';

const SECRETS = {
  JWT_SECRET: 'nodes-test-jwt-secret-0123456789abcdef0123456789',
  MEDIA_URL_SECRET: 'nodes-test-media-secret-0123456789abcdef01234567',
};

let a; // node A: owns the embedded database and runs the jobs
let b; // node B: the same database, no jobs
let dir;
let artist;
let me;
let releaseId;
let audio;

before(async () => {
  a = await startServer({ name: 'nodes-a', env: SECRETS });
  b = await startServer({ name: 'nodes-b', env: { ...SECRETS, DATABASE_URL: a.dbUrl, JOBS: 'false' } });
  dir = await scratchDir('nodes');
  audio = await makeAudio(dir, 'flac', 2);
  artist = await registerUser(a.api, { role: 'artist', artistName: 'Two Nodes' });
  me = `user:${decodeJwt(artist.token).payload.sub}`;
  releaseId = expectStatus(await a.api.json('POST', '/api/releases', {
    token: artist.token, body: { title: 'Nodes', kind: 'album' },
  }), 201).id;
});
after(async () => {
  for (const s of [b, a]) if (s?.running) await s.stop();
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

const uploadThroughA = (title) => uploadAndWait(a, artist.token, audio, { releaseId, title });

// The processing messages only: the user channel also carries notifications, made asynchronously.
const storedAfter = async (offset) => (await channelRowsAfter(a.pool, me, offset, { topic: 'track.processing' })).map((r) => r.offset);

test('a message written through node A reaches a client on node B; after kill -9 of B the client resumes on A with exactly what it missed', async () => {
  const onB = await WsClient.open(b);
  await onB.authed(artist.token);
  const { data: { offset: start } } = await onB.request('sub', { ch: me });
  const first = await uploadThroughA('Across nodes');
  await onB.next((m) => m.op === 'event' && m.data.payload.trackId === first && m.data.payload.status === 'ready');
  assert.deepEqual(onB.events(me, 'track.processing').map((m) => m.id), await storedAfter(start), 'B delivered every message, in order');
  const lastSeen = onB.events(me, 'track.processing').at(-1).id;

  await b.kill9();
  await onB.closedWith();
  const missed = await uploadThroughA('While B is down');

  const onA = await WsClient.open(a);
  await onA.authed(artist.token);
  const ok = await onA.request('sub', { ch: me, data: { offset: lastSeen } });
  assert.equal(ok.op, 'ok');
  const expected = await storedAfter(lastSeen);
  assert.ok(expected.length >= 2, 'the missed upload wrote several messages');
  const got = onA.events(me, 'track.processing');
  assert.deepEqual(got.map((m) => m.id), expected, 'exactly the missed messages, in order, none twice');
  assert.ok(got.some((m) => m.data.payload.trackId === missed && m.data.payload.status === 'ready'));
  onA.close();
});

test('a draining node tells its clients to reconnect, and they resume elsewhere without loss', async () => {
  if (!b.running) await b.restart();
  const onB = await WsClient.open(b);
  await onB.authed(artist.token);
  const { data: { offset } } = await onB.request('sub', { ch: me });
  await b.stop(); // SIGTERM: drain
  const reconnect = onB.messages.find((m) => m.op === 'reconnect');
  assert.ok(reconnect, 'told to reconnect');
  assert.equal(onB.closed.code, 1012);
  const track = await uploadThroughA('After the drain');
  const onA = await WsClient.open(a);
  await onA.authed(artist.token);
  await onA.request('sub', { ch: me, data: { offset } });
  assert.deepEqual(onA.events(me, 'track.processing').map((m) => m.id), await storedAfter(offset));
  assert.ok(onA.events(me, 'track.processing').some((m) => m.data.payload.trackId === track && m.data.payload.status === 'ready'));
  onA.close();
});

test('a client that stops reading is closed as a slow consumer; the node and its other clients carry on', async () => {
  const srv = await startServer({ name: 'nodes-slow', env: { WS_SEND_QUEUE_KIB: '16', WS_MESSAGES_PER_S: '100000' } });
  try {
    const bystander = await WsClient.open(srv);
    const slow = await WsClient.open(srv);
    slow.ws._socket.pause(); // stop reading: the kernel buffers fill, then the server's queue
    const batch = JSON.stringify(Array.from({ length: 16 }, (_, i) => ({ op: 'ping', id: i, data: { t: i } })));
    for (let i = 0; i < 12000 && !slow.closed; i++) {
      slow.ws.send(batch);
      if (i % 500 === 0) await new Promise((r) => setImmediate(r));
    }
    slow.ws._socket.resume();
    const closed = await slow.closedWith({ timeoutMs: 20_000 });
    assert.equal(closed?.code, 4008, `closed as a slow consumer: ${JSON.stringify(closed)}`);
    assert.match(closed.reason, /slow consumer/);
    const pong = await bystander.request('ping');
    assert.equal(pong.op, 'pong');
    bystander.close();
  } finally {
    await srv.stop();
  }
});
