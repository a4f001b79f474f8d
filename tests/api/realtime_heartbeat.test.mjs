// /ws heartbeat (docs/realtime.md, Limits): the loop's sweeper pings a socket that has been quiet
// for half of WS_IDLE_TIMEOUT_S and cuts one that stays quiet for all of it. Here the timeout is 4 s.
import { before, after, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer } from './helpers/server.mjs';
import { registerUser } from './helpers/fixtures.mjs';
import { WsClient } from './helpers/ws.mjs';

let srv;

before(async () => {
  srv = await startServer({ name: 'heartbeat', env: { WS_IDLE_TIMEOUT_S: '4' } });
});
after(async () => {
  await srv?.stop();
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

test('a quiet socket that answers pings stays open past the idle timeout', async () => {
  const fan = await registerUser(srv.api);
  const c = await WsClient.open(srv);
  assert.equal((await c.request('auth', { data: { token: fan.token } })).op, 'ok');
  let pings = 0;
  c.ws.on('ping', () => { pings += 1; });  // the ws package answers each with a pong
  await sleep(9_000);
  assert.equal(c.closed, null, 'the socket was closed although it answered every ping');
  assert.ok(pings >= 2, `expected a ping every ~2 s of silence, got ${pings}`);
  const pong = await c.request('ping');
  assert.equal(pong.op, 'pong');
  c.ws.close();
});

test('a socket that never answers is cut after the idle timeout', async () => {
  const url = new URL(srv.baseUrl);
  const socket = net.connect(Number(url.port), url.hostname);
  await new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  const opened = Date.now();
  socket.write('GET /ws HTTP/1.1\r\nHost: ' + url.host + '\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
  let received = '';
  socket.on('data', (d) => { received += d.toString('latin1'); });  // read, but never answer a ping
  socket.on('error', () => {});
  await new Promise((resolve) => socket.once('close', resolve));
  const after = (Date.now() - opened) / 1000;
  assert.match(received, /^HTTP\/1\.1 101/, 'the upgrade was accepted');
  assert.ok(received.includes('\x89'), 'a ping frame (opcode 0x9) was sent before the cut');
  assert.ok(after >= 3.5 && after <= 7, `cut after ${after.toFixed(1)} s, expected about 4 s`);
});
