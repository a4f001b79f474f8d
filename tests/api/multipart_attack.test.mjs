// The malformed-multipart attack (issue 9): a boundary, then 64 MiB of spaces. The server must refuse
// it with 400 as soon as the transport-padding limit is passed — counted in bytes the client
// managed to write before the answer, not in time — and the event loop it runs on must keep
// answering other requests meanwhile. WORKERS=1: every request shares that one loop.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer } from './helpers/server.mjs';
import { registerUser } from './helpers/fixtures.mjs';

const MIB = 1024 * 1024;
const ATTACK_BYTES = 64 * MIB;
const CHUNK = 16 * 1024;
// Far below 64 MiB: the 1 KiB padding limit, plus what was in flight when the answer came back.
const MAX_READ_BEFORE_ANSWER = 256 * 1024;
// Only reached when the server never answers early (the code before the fix).
const GIVE_UP_MS = 60_000;

let srv;
let artist;

before(async () => {
  srv = await startServer({ name: 'multipart-attack', env: { WORKERS: '1' } });
  artist = await registerUser(srv.api, { role: 'artist', artistName: 'Padding target' });
});
after(async () => {
  await srv?.stop();
});

async function health() {
  const res = await fetch(new URL('/health', srv.baseUrl));
  await res.arrayBuffer();
  return res.status;
}

test('a boundary then 64 MiB of spaces: 400 after a few KiB, and /health answered throughout', async (t) => {
  const url = new URL(srv.baseUrl);
  const socket = net.connect(Number(url.port), url.hostname);
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let answer = '';
  let closed = false;
  socket.on('data', (d) => { answer += d.toString('latin1'); });
  socket.on('close', () => { closed = true; });
  socket.on('error', () => { closed = true; });  // a reset once the server stopped reading

  const prefix = Buffer.from('--pad');
  socket.write('POST /api/uploads/content HTTP/1.1\r\nHost: x\r\n' +
    `Authorization: Bearer ${artist.token}\r\n` +
    'Content-Type: multipart/form-data; boundary=pad\r\n' +
    `Content-Length: ${prefix.length + ATTACK_BYTES}\r\n\r\n`);
  socket.write(prefix);

  // Spaces in 16 KiB chunks; after each, another request on the same loop must be answered before
  // the next chunk goes out. Stop once the server has answered or closed.
  const spaces = Buffer.alloc(CHUNK, 0x20);
  const started = Date.now();
  let healthAnswered = 0;
  let bodyWritten = prefix.length;
  while (bodyWritten < prefix.length + ATTACK_BYTES && !answer && !closed && Date.now() - started < GIVE_UP_MS) {
    if (!socket.write(spaces)) {
      await new Promise((r) => { socket.once('drain', r); socket.once('close', r); });
    }
    bodyWritten += CHUNK;
    assert.equal(await health(), 200);
    healthAnswered += 1;
  }
  const writtenBeforeAnswer = socket.bytesWritten;
  // The answer may still be on its way when the socket closed.
  for (let i = 0; i < 100 && !answer && !closed; i++) await new Promise((r) => setTimeout(r, 50));
  socket.destroy();
  t.diagnostic(`the client wrote ${writtenBeforeAnswer} bytes before the answer; /health answered ${healthAnswered} times meanwhile`);

  assert.ok(answer, `no answer after the client wrote ${(bodyWritten / MIB).toFixed(1)} MiB of padding`);
  assert.ok(writtenBeforeAnswer < MAX_READ_BEFORE_ANSWER,
    `the server let the client write ${writtenBeforeAnswer} bytes before answering`);
  assert.match(answer, /^HTTP\/1\.1 400 /);
  const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
  assert.equal(body.error.code, 'malformed_multipart');
  assert.match(body.error.message, /padding/);
  assert.ok(healthAnswered >= 1, 'the loop answered other requests while the attack was in flight');
  // And afterwards.
  assert.equal(await health(), 200);
});
