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

const storedAfter = async (offset) => (await channelRowsAfter(a.pool, me, offset)).map((r) => r.offset);

test('through Redis: a message written through node A reaches a socket on node B, once and in order', async () => {
  const onB = await WsClient.open(b);
  await onB.authed(artist.token);
  const { data: { offset } } = await onB.request('sub', { ch: me });
  const track = await uploadThroughA('Fan-out');
  await onB.next((m) => m.op === 'event' && m.data.payload.trackId === track && m.data.payload.status === 'ready');
  assert.deepEqual(onB.events(me).map((m) => m.id), await storedAfter(offset));
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
  const ids = onB.events(me).map((m) => m.id);
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
