// Upload admission (issue 9, item 3): spooled uploads are admitted on their headers alone — the
// caller's role, the resumable session a chunk belongs to, the caller's uploads in flight and the
// spool's byte budget — so a refused upload is answered before any body byte is read and leaves
// no spool file and no row behind.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { startServer } from './helpers/server.mjs';
import { expectError, expectRetryAfter, expectStatus } from './helpers/http.mjs';
import { registerUser } from './helpers/fixtures.mjs';
import { filesUnder, holdUpload, makeAudio, scratchDir, sendHeadFirst, uploadMultipart } from './helpers/media.mjs';

const MAX_BYTES = 3_000_000;
const SPOOL_BUDGET = 7_000_000; // two held uploads of 3 MB fit, a third does not
const PER_USER = 2;
let srv;
let api;
let dir;
let releaseId;
let artist;

before(async () => {
  srv = await startServer({
    name: 'upload-admission',
    env: {
      UPLOAD_MAX_BYTES: String(MAX_BYTES),
      UPLOAD_SPOOL_MAX_BYTES: String(SPOOL_BUDGET),
      UPLOAD_CONCURRENT_PER_USER: String(PER_USER),
    },
  });
  api = srv.api;
  dir = await scratchDir('admission');
  artist = await registerUser(api, { role: 'artist', artistName: 'Admitted' });
  releaseId = expectStatus(await api.json('POST', '/api/releases', {
    token: artist.token, body: { title: 'Admission', kind: 'album' },
  }), 201).id;
});
after(async () => {
  await srv?.stop();
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

const spoolDir = () => path.join(srv.varDir, 'tmp', 'uploads');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function rows() {
  const { rows: [r] } = await srv.pool.query(`SELECT
    (SELECT count(*) FROM tracks)::int AS tracks,
    (SELECT count(*) FROM jobs)::int AS jobs,
    (SELECT coalesce(sum(received), 0) FROM upload_sessions)::bigint AS received`);
  return r;
}

/** Headers of a multipart upload declaring `length` body bytes. */
function multipartHead(token, length) {
  return 'POST /api/uploads/content HTTP/1.1\r\nHost: x\r\n' +
    `Authorization: Bearer ${token}\r\nContent-Type: multipart/form-data; boundary=b\r\n` +
    `Content-Length: ${length}\r\n\r\n`;
}

function chunkHead(token, sessionId, start, end, total) {
  return `PUT /api/uploads/${sessionId} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
    `Content-Type: application/octet-stream\r\nContent-Range: bytes ${start}-${end}/${total}\r\n` +
    `Content-Length: ${end - start + 1}\r\n\r\n`;
}

/** A refusal decided on the headers: answered before the client wrote a body byte, nothing stored. */
async function refusedOnHeaders(head, bodyLength, status, code, context) {
  const before = await rows();
  const res = await sendHeadFirst(srv, head, Buffer.alloc(bodyLength, 7), { path: context });
  expectError(res, status, code);
  assert.equal(res.bodyBytesBeforeAnswer, 0,
    `${context}: the server read ${res.bodyBytesBeforeAnswer} body bytes before refusing (it must decide on the headers)`);
  assert.deepEqual(filesUnder(spoolDir()), [], `${context}: a spool file was left behind`);
  assert.deepEqual(await rows(), before, `${context}: rows changed`);
  return res;
}

/** Retries `attempt` (which resolves to a response) while it is refused with `status`. */
async function eventually(attempt, status, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await attempt();
    if (res.status !== status || Date.now() > deadline) return res;
    await sleep(100);
  }
}

describe('refused on the headers, before any body byte is read', () => {
  test("a fan's upload (multipart, a resumable chunk, a profile image) is 403 without reading the body", async () => {
    const fan = await registerUser(api);
    await refusedOnHeaders(multipartHead(fan.token, 2_000_000), 2_000_000, 403, 'forbidden', 'fan multipart');
    await refusedOnHeaders(chunkHead(fan.token, crypto.randomUUID(), 0, 999_999, 1_000_000), 1_000_000, 403, 'forbidden', 'fan chunk');
    const avatar = 'PUT /api/artists/profile/avatar HTTP/1.1\r\nHost: x\r\n' +
      `Authorization: Bearer ${fan.token}\r\nContent-Type: image/png\r\nContent-Length: 1000000\r\n\r\n`;
    await refusedOnHeaders(avatar, 1_000_000, 403, 'forbidden', 'fan avatar');
  });

  test("a chunk is admitted only into the caller's open session, at its offset", async () => {
    const trackId = expectStatus(await api.json('POST', `/api/releases/${releaseId}/tracks`, {
      token: artist.token, body: { title: 'Chunked' },
    }), 201).id;
    const size = 400_000;
    const session = expectStatus(await api.json('POST', '/api/uploads', { token: artist.token, body: { trackId, size } }), 201);
    const other = await registerUser(api, { role: 'artist', artistName: 'Someone else' });
    await refusedOnHeaders(chunkHead(other.token, session.id, 0, 99_999, size), 100_000, 404, 'not_found', "another artist's session");
    await refusedOnHeaders(chunkHead(artist.token, crypto.randomUUID(), 0, 99_999, size), 100_000, 404, 'not_found', 'no such session');
    const wrong = await refusedOnHeaders(chunkHead(artist.token, session.id, 100_000, 199_999, size), 100_000, 409, 'offset_mismatch', 'wrong offset');
    assert.equal(wrong.body.error.details.offset, 0);
    await refusedOnHeaders(chunkHead(artist.token, session.id, 0, 99_999, size + 1), 100_000, 400, 'validation_failed', 'wrong total');
    // The right chunk is taken.
    const ok = await api.json('PUT', `/api/uploads/${session.id}`, {
      token: artist.token, rawBody: Buffer.alloc(100_000, 1), contentType: 'application/octet-stream',
      headers: { 'content-range': `bytes 0-99999/${size}` },
    });
    assert.equal(expectStatus(ok, 200).offset, 100_000);
    expectStatus(await api.del(`/api/uploads/${session.id}`, { token: artist.token }), 204);
  });
});

describe('uploads in flight are bounded', () => {
  test(`a user has at most ${PER_USER} uploads in flight; the next is 429 until one ends`, async () => {
    const busy = await registerUser(api, { role: 'artist', artistName: 'Busy' });
    const held = [];
    for (let i = 0; i < PER_USER; i++) held.push(await holdUpload(srv, multipartHead(busy.token, 1_000_000), Buffer.alloc(10_000, 1)));
    try {
      // The held uploads were admitted (100 Continue) and wait for their bodies.
      const res = await sendHeadFirst(srv, multipartHead(busy.token, 1_000_000), Buffer.alloc(1_000_000, 2));
      expectError(res, 429, 'too_many_uploads');
      assert.equal(res.bodyBytesBeforeAnswer, 0, 'refused before the body');
      expectRetryAfter(res);
      assert.ok(held.every((h) => !h.answered()), 'the uploads in flight are still going');
      // Another artist is not affected: admitted, read, and refused only for its (unknown) release.
      const file = await makeAudio(dir, 'wav', 1, { frequency: 520 });
      expectError(await uploadMultipart(srv, artist.token, file, { releaseId: crypto.randomUUID(), title: 'Meanwhile' }), 404, 'not_found');
    } finally {
      await held.shift().close();
    }
    // One ended: the user may start another.
    const file = await makeAudio(dir, 'wav', 1, { frequency: 540 });
    const res = await eventually(() => uploadMultipart(srv, busy.token, file, { releaseId: crypto.randomUUID(), title: 'Next' }), 429);
    expectError(res, 404, 'not_found'); // admitted and read: the release is not theirs
    for (const h of held) await h.close();
  });

  test('the spool budget is shared: an upload that would overflow it is 503 until room is freed', async () => {
    const a = await registerUser(api, { role: 'artist', artistName: 'Big A' });
    const b = await registerUser(api, { role: 'artist', artistName: 'Big B' });
    const c = await registerUser(api, { role: 'artist', artistName: 'Big C' });
    const held = [
      await holdUpload(srv, multipartHead(a.token, MAX_BYTES), Buffer.alloc(10_000, 1)),
      await holdUpload(srv, multipartHead(b.token, MAX_BYTES), Buffer.alloc(10_000, 1)),
    ];
    try {
      const before = await rows();
      const res = await sendHeadFirst(srv, multipartHead(c.token, 2_000_000), Buffer.alloc(2_000_000, 3));
      expectError(res, 503, 'uploads_busy');
      assert.equal(res.bodyBytesBeforeAnswer, 0, 'refused before the body');
      expectRetryAfter(res);
      assert.deepEqual(await rows(), before);
      // Smaller uploads that fit still go through.
      const file = await makeAudio(dir, 'wav', 1, { frequency: 560 });
      expectError(await uploadMultipart(srv, c.token, file, { releaseId: crypto.randomUUID(), title: 'Small' }), 404, 'not_found');
    } finally {
      await held.shift().close();
    }
    const file = await makeAudio(dir, 'wav', 1, { frequency: 580 });
    const padded = path.join(dir, 'padded.wav');
    await fsp.writeFile(padded, Buffer.concat([await fsp.readFile(file), Buffer.alloc(1_900_000)]));
    const res = await eventually(() => uploadMultipart(srv, c.token, padded, { releaseId: crypto.randomUUID(), title: 'Now' }), 503);
    expectError(res, 404, 'not_found');
    for (const h of held) await h.close();
    for (let i = 0; i < 50 && filesUnder(spoolDir()).length; i++) await sleep(100);
    assert.deepEqual(filesUnder(spoolDir()), [], 'held uploads that went away leave no spool file');
  });
});
