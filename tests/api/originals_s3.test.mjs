// Originals from S3 (issue 9, item 4): a download of an original held in S3 is streamed a piece at
// a time as the client reads it, never read into memory whole. Fifty clients download a 500 MB
// original at once (whole or from a far range), read a little, stall, read on; the server's
// resident memory must stay flat: well under the size of one object above where it started.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import { startServer } from './helpers/server.mjs';
import { expectStatus } from './helpers/http.mjs';
import { registerUser } from './helpers/fixtures.mjs';
import { startS3Server } from './helpers/s3.mjs';
import { fetchBytes, makeAudio, scratchDir, uploadMultipart, waitForTrack } from './helpers/media.mjs';

const MiB = 1024 * 1024;
const OBJECT_BYTES = 500 * MiB;
const CLIENTS = 50;
const RANGE_START = 300 * MiB; // every fifth client asks for the last 200 MiB
const STEP = 2 * MiB; // what each client reads before it stalls, twice
const GROWTH_BUDGET = 64 * MiB; // resident memory above the baseline, for all fifty downloads
const GIVE_UP = 1024 * MiB; // a server buffering whole objects is stopped here, for the machine's sake

let s3;
let srv;
let dir;
before(async () => {
  s3 = await startS3Server();
  // Under AddressSanitizer freed memory waits in a 256 MiB quarantine before reuse, which would
  // read as growth here; a small quarantine keeps use-after-free detection and measures the server.
  const asan = [process.env.ASAN_OPTIONS, 'quarantine_size_mb=4', 'thread_local_quarantine_size_kb=64']
    .filter(Boolean).join(':');
  srv = await startServer({ name: 'originals-s3', env: { ...s3.env, ASAN_OPTIONS: asan } });
  dir = await scratchDir('originals-s3');
});
after(async () => {
  await srv?.stop();
  await s3?.stop();
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function residentBytes(pid) {
  const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return Number(m[1]) * 1024;
}

/** A download that reads only when told to: readUntil(n) takes bytes until n arrived, then stalls. */
function openDownload(url, headers) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers }, (res) => {
      res.pause();
      let received = 0;
      const first = [];
      let target = 0;
      let waiter = null;
      res.on('data', (chunk) => {
        if (received < 4096) first.push(chunk.subarray(0, 4096 - received));
        received += chunk.length;
        if (received >= target) {
          res.pause();
          waiter?.resolve();
          waiter = null;
        }
      });
      const fail = (err) => { waiter?.reject(err); waiter = null; };
      res.on('error', fail);
      res.on('end', () => fail(new Error(`download ended after ${received} bytes`)));
      resolve({
        status: res.statusCode,
        headers: res.headers,
        received: () => received,
        firstBytes: () => Buffer.concat(first),
        readUntil: (n) => new Promise((ok, ko) => {
          if (received >= n) return ok();
          target = n;
          waiter = { resolve: ok, reject: ko };
          res.resume();
        }),
        destroy: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}

test('fifty clients download a 500 MB original from S3 at once with flat server memory', async (t) => {
  const artist = await registerUser(srv.api, { role: 'artist', artistName: 'Big Originals' });
  const releaseId = expectStatus(await srv.api.json('POST', '/api/releases', {
    token: artist.token, body: { title: 'Huge', kind: 'single' },
  }), 201).id;
  const audio = await makeAudio(dir, 'flac', 2, { frequency: 610 });
  const trackId = expectStatus(await uploadMultipart(srv, artist.token, audio, { releaseId, title: 'Huge' }), 202).track.id;
  assert.equal((await waitForTrack(srv.api, artist.token, trackId)).status, 'ready');

  // The stored original becomes a 500 MB object: its audio, then zeros (a sparse file: no disk used).
  const { rows: [track] } = await srv.pool.query('SELECT original_key FROM tracks WHERE id = $1', [trackId]);
  const objectFile = s3.objectPath(track.original_key);
  const start = (await fsp.readFile(objectFile)).subarray(0, 4096);
  await fsp.truncate(objectFile, OBJECT_BYTES);

  const link = expectStatus(await srv.api.json('POST', `/api/content/${trackId}/download`, { token: artist.token }), 200);
  const url = new URL(link.url, srv.baseUrl);
  const warm = await fetchBytes(srv, link.url, { range: 'bytes=0-4095' });
  assert.equal(warm.status, 206);
  assert.ok(warm.buf.equals(start), 'a small range is the object\'s bytes');
  await sleep(300);

  const baseline = residentBytes(srv.pid);
  let peak = baseline;
  let gaveUp = false;
  const sampler = setInterval(() => {
    try {
      peak = Math.max(peak, residentBytes(srv.pid));
    } catch { return; } // exited
    if (!gaveUp && peak - baseline > GIVE_UP) {
      gaveUp = true;
      srv.kill9();
    }
  }, 50);
  const clients = [];
  try {
    for (let i = 0; i < CLIENTS && !gaveUp && peak - baseline <= GROWTH_BUDGET; i++) {
      const ranged = i % 5 === 4;
      clients.push({ ranged, d: await openDownload(url, ranged ? { range: `bytes=${RANGE_START}-` } : {}) });
    }
    if (clients.length === CLIENTS) {
      for (const step of [STEP, 2 * STEP]) {
        await Promise.all(clients.map(({ d }) => d.readUntil(step)));
        await sleep(1500); // all fifty stalled mid-object: the server must not read ahead
      }
    }
  } finally {
    clearInterval(sampler);
    try { peak = Math.max(peak, residentBytes(srv.pid)); } catch { /* exited */ }
    for (const { d } of clients) d.destroy();
  }

  const growth = peak - baseline;
  t.diagnostic(`resident memory: baseline ${(baseline / MiB).toFixed(1)} MiB, peak growth ${(growth / MiB).toFixed(1)} MiB`);
  assert.equal(clients.length, CLIENTS,
    `only ${clients.length} downloads started before the server grew by ${(growth / MiB).toFixed(0)} MiB`);
  assert.ok(growth < GROWTH_BUDGET,
    `the server's resident memory grew by ${(growth / MiB).toFixed(1)} MiB (budget ${GROWTH_BUDGET / MiB} MiB) ` +
    `while ${CLIENTS} clients downloaded a ${OBJECT_BYTES / MiB} MiB original`);
  for (const { ranged, d } of clients) {
    if (ranged) {
      assert.equal(d.status, 206);
      assert.equal(d.headers['content-range'], `bytes ${RANGE_START}-${OBJECT_BYTES - 1}/${OBJECT_BYTES}`);
      assert.equal(Number(d.headers['content-length']), OBJECT_BYTES - RANGE_START);
      assert.ok(d.firstBytes().equals(Buffer.alloc(4096)), 'the far range is the object\'s zeros');
    } else {
      assert.equal(d.status, 200);
      assert.equal(Number(d.headers['content-length']), OBJECT_BYTES);
      assert.ok(d.firstBytes().equals(start), 'a whole download starts with the object\'s bytes');
    }
    assert.ok(d.received() >= 2 * STEP);
  }
  // The server is still serving: a small range right after.
  const again = await fetchBytes(srv, link.url, { range: `bytes=${OBJECT_BYTES - 10}-` });
  assert.equal(again.status, 206);
  assert.ok(again.buf.equals(Buffer.alloc(10)));
});
