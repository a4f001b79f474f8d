// /ws with REDIS_URL: two nodes over one database fan out through a real Redis (Debian's
// redis-server, started here on a free loopback port). A message reaches a socket on the other
// node; a node killed with -9 is recovered from on the other; Redis dying and coming back loses
// nothing (the sockets catch up from the database).
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fsp from 'node:fs/promises';
import { freePort, startServer } from './helpers/server.mjs';
import { expectStatus } from './helpers/http.mjs';
import { registerUser } from './helpers/fixtures.mjs';
import { grantTier } from './helpers/db.mjs';
import { makeAudio, scratchDir, uploadAndWait } from './helpers/media.mjs';
import { WsClient, channelRowsAfter } from './helpers/ws.mjs';
import { decodeJwt } from './helpers/jwt.mjs';

const SECRETS = {
  JWT_SECRET: 'redis-test-jwt-secret-0123456789abcdef0123456789',
  MEDIA_URL_SECRET: 'redis-test-media-secret-0123456789abcdef01234567',
};

let redisPort;
let redis;
function startRedis() {
  redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--loglevel', 'warning'], { stdio: 'ignore' });
  return new Promise((r) => setTimeout(r, 300));
}
async function killRedis() {
  if (!redis || redis.exitCode !== null) return;
  const gone = new Promise((r) => redis.once('exit', r));
  redis.kill('SIGKILL');
  await gone;
}

let a;
let b;
let dir;
let artist;
let me;
let releaseId;
let audio;

before(async () => {
  redisPort = await freePort();
  await startRedis();
  const redisEnv = { ...SECRETS, REDIS_URL: `redis://127.0.0.1:${redisPort}` };
  a = await startServer({ name: 'redis-a', env: redisEnv });
  b = await startServer({ name: 'redis-b', env: { ...redisEnv, DATABASE_URL: a.dbUrl, JOBS: 'false' } });
  dir = await scratchDir('redis');
  audio = await makeAudio(dir, 'flac', 2);
  artist = await registerUser(a.api, { role: 'artist', artistName: 'Redis Artist' });
  me = `user:${decodeJwt(artist.token).payload.sub}`;
  releaseId = expectStatus(await a.api.json('POST', '/api/releases', {
    token: artist.token, body: { title: 'Fan-out', kind: 'album' },
  }), 201).id;
});
after(async () => {
  for (const s of [b, a]) if (s?.running) await s.stop();
  await killRedis();
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

const uploadThroughA = (title) => uploadAndWait(a, artist.token, audio, { releaseId, title });

// The processing messages only: the user channel also carries notifications, made asynchronously.
const storedAfter = async (offset) => (await channelRowsAfter(a.pool, me, offset, { topic: 'track.processing' })).map((r) => r.offset);

test('through Redis: a message written through node A reaches a socket on node B, once and in order', async () => {
  const onB = await WsClient.open(b);
  await onB.authed(artist.token);
  const { data: { offset } } = await onB.request('sub', { ch: me });
  const track = await uploadThroughA('Fan-out');
  await onB.next((m) => m.op === 'event' && m.data.payload.trackId === track && m.data.payload.status === 'ready');
  assert.deepEqual(onB.events(me, 'track.processing').map((m) => m.id), await storedAfter(offset));
  onB.close();
});

test('Redis killed and restarted while a client listens: nothing is lost, nothing comes twice', async () => {
  const onB = await WsClient.open(b);
  await onB.authed(artist.token);
  const { data: { offset } } = await onB.request('sub', { ch: me });
  await killRedis();
  const during = await uploadThroughA('While Redis is down');
  await startRedis();
  await onB.next((m) => m.op === 'event' && m.data.payload.trackId === during && m.data.payload.status === 'ready',
    { timeoutMs: 30_000 });
  const ids = onB.events(me, 'track.processing').map((m) => m.id);
  assert.deepEqual(ids, await storedAfter(offset), 'caught up from the database, in order, none twice');
  onB.close();
});

test('logout through node A closes the session\'s socket on node B', async () => {
  const fan = await registerUser(a.api);
  const onB = await WsClient.open(b);
  await onB.authed(fan.token);
  expectStatus(await a.api.json('POST', '/api/auth/logout', { token: fan.token }), 204);
  const closed = await onB.closedWith({ timeoutMs: 5000 });
  assert.equal(closed?.code, 4003);
});

test('party presence counts sockets on every node; a node killed with -9 stops counting within its TTL', async () => {
  const track = await uploadThroughA('Presence');
  const party = expectStatus(await a.api.json('POST', '/api/parties', {
    token: artist.token, body: { title: 'Everywhere', trackIds: [track], startNow: true },
  }), 201);
  const ch = `party:${party.id}`;
  const fans = [await registerUser(a.api), await registerUser(a.api)];
  const onA = await WsClient.open(a);
  await onA.authed(fans[0].token);
  await onA.request('sub', { ch });
  const onB = await WsClient.open(b);
  await onB.authed(fans[1].token);
  await onB.request('sub', { ch });
  const presence = (c, n) => c.next((m) => m.ch === ch && m.data?.type === 'presence' && m.data.payload.listeners === n,
    { timeoutMs: 15_000, from: 'start' });
  await presence(onA, 2);
  await presence(onB, 2);
  assert.equal(expectStatus(await a.api.get(`/api/parties/${party.id}`, { token: artist.token }), 200).listeners, 2);
  // The peak is kept for the summary.
  const { rows } = await a.pool.query('SELECT peak_listeners FROM parties WHERE id = $1', [party.id]);
  assert.equal(rows[0].peak_listeners, 2);
  await b.kill9();
  await presence(onA, 1);
  onA.close();
});

test('a DM sent through node A reaches its recipient on node B (restarted); after kill -9 of B the recipient resumes on A with exactly what it missed; too long away means reload', async () => {
  if (!b.running) b = await startServer({ name: 'redis-b2', env: { ...SECRETS, REDIS_URL: `redis://127.0.0.1:${redisPort}`, DATABASE_URL: a.dbUrl, JOBS: 'false' } });
  const fan = await registerUser(a.api);
  await grantTier(a.pool, fan.user.id, artist.user.id, 'superfan');
  const first = expectStatus(await a.api.json('POST', '/api/messaging/send', {
    token: fan.token, body: { recipientId: artist.user.id, body: 'one' },
  }), 201);
  const ch = `conversation:${first.conversation.id}`;
  const onB = await WsClient.open(b);
  await onB.authed(artist.token);
  const { data: { offset: start } } = await onB.request('sub', { ch });
  const send = async (body) => expectStatus(await a.api.json('POST', '/api/messaging/send', {
    token: fan.token, body: { conversationId: first.conversation.id, body },
  }), 201);
  await send('two');
  const live = await onB.next((m) => m.op === 'event' && m.ch === ch && m.data.payload.body === 'two');
  const last = live.id;

  await b.kill9();
  await send('three');
  await send('four');
  const onA = await WsClient.open(a);
  await onA.authed(artist.token);
  const resumed = await onA.request('sub', { ch, data: { offset: last } });
  assert.equal(resumed.op, 'ok');
  const got = onA.events(ch);
  assert.deepEqual(got.map((m) => m.data.payload.body), ['three', 'four'], 'exactly what was missed, in order');
  assert.deepEqual(got.map((m) => m.id), (await channelRowsAfter(a.pool, ch, last)).map((r) => r.offset));

  // Away for longer than retention keeps: the server says reload instead of a silent gap.
  await a.pool.query(`UPDATE outbox_horizon SET (xid, id) = (SELECT xid, id FROM outbox ORDER BY xid DESC, id DESC LIMIT 1)`);
  const late = await WsClient.open(a);
  await late.authed(artist.token);
  await late.request('sub', { ch, data: { offset: start } });
  assert.ok(late.messages.some((m) => m.op === 'reload' && m.ch === ch), 'told to reload');
  for (const c of [onA, late]) c.close();
});
