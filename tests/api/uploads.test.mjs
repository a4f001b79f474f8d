// Uploads and processing: every accepted format through real ffmpeg, the bad uploads of the
// issue (each a clear 4xx that leaves no rows and no files), resumable uploads, and a produced
// HLS stream checked the way a player and a decoder read it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { startServer } from './helpers/server.mjs';
import { expectError, expectStatus } from './helpers/http.mjs';
import { registerUser } from './helpers/fixtures.mjs';
import {
  FORMATS, LADDER, LOSSY_LADDER, decodedDuration, isLosslessFormat, downloadRung, fetchBytes, filesUnder, makeAudio, makeImage, parseMaster,
  jpegSize, makePicture, makeWav, mp3WithPicture, rawRequest, scratchDir, uploadMultipart, waitForTrack,
} from './helpers/media.mjs';

const MAX_BYTES = 3_000_000;
let srv;
let api;
let dir;
let artist;
let releaseId;

before(async () => {
  srv = await startServer({ name: 'uploads', env: { UPLOAD_MAX_BYTES: String(MAX_BYTES) } });
  api = srv.api;
  dir = await scratchDir('uploads');
  artist = await registerUser(api, { role: 'artist', artistName: 'Uploader' });
  releaseId = expectStatus(await api.json('POST', '/api/releases', {
    token: artist.token, body: { title: 'Formats', kind: 'album' },
  }), 201).id;
});
after(async () => {
  await srv?.stop();
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

const mediaDir = () => path.join(srv.varDir, 'media');
const spoolDir = () => path.join(srv.varDir, 'tmp', 'uploads');

async function state() {
  const { rows } = await srv.pool.query(`SELECT
    (SELECT count(*) FROM tracks)::int AS tracks,
    (SELECT count(*) FROM jobs)::int AS jobs,
    (SELECT count(*) FROM upload_sessions)::int AS sessions,
    (SELECT coalesce(max(id), 0) FROM outbox)::bigint AS outbox`);
  return { ...rows[0], media: filesUnder(mediaDir()), spool: filesUnder(spoolDir()) };
}

async function assertNothingLeft(before, context) {
  const now = await state();
  assert.deepEqual(now, before, `${context}: rows or files were left behind`);
}

describe('accepted formats', () => {
  for (const ext of Object.keys(FORMATS)) {
    test(`${ext}: detected from its content, processed to a ready HLS ladder`, async () => {
      const file = await makeAudio(dir, ext, 4);
      // The name and MIME type say nothing true: the content decides.
      const res = await uploadMultipart(srv, artist.token, file, { releaseId, title: `Tone ${ext}` },
        { filename: 'whatever.bin', type: 'application/octet-stream' });
      const { track } = expectStatus(res, 202);
      assert.equal(track.status, 'processing');
      const done = await waitForTrack(api, artist.token, track.id);
      assert.equal(done.status, 'ready', JSON.stringify(done));
      // A lossless rung only for lossless sources (a lossless copy of an MP3 is just bigger).
      assert.deepEqual(done.rungs, isLosslessFormat(ext) ? LADDER : LOSSY_LADDER);
      assert.ok(Math.abs(done.durationS - 4) < 0.1, `duration ${done.durationS}`);
      assert.equal(typeof done.gainDb, 'number');
      assert.equal(done.peaks.length, 1000);
      assert.ok(done.peaks.every((p) => p >= 0 && p <= 1));
      const { rows } = await srv.pool.query('SELECT original_format FROM tracks WHERE id = $1', [track.id]);
      assert.equal(rows[0].original_format, { 'aac.m4a': 'm4a', 'alac.m4a': 'm4a', ogg: 'ogg_vorbis' }[ext] ?? ext);
    });
  }
});

describe('a produced HLS stream', () => {
  test('parses, keeps segments ≤ 6.5 s, matches the source within 0.1 s, and every rung decodes', async () => {
    const seconds = 21.3;
    const file = await makeAudio(dir, 'flac', seconds, { frequency: 330 });
    const source = await decodedDuration(file);
    const { track } = expectStatus(await uploadMultipart(srv, artist.token, file, { releaseId, title: 'Long tone' }), 202);
    await waitForTrack(api, artist.token, track.id);
    const grant = expectStatus(await api.json('POST', `/api/content/${track.id}/playback`, { token: artist.token }), 200);
    const master = await fetchBytes(srv, grant.masterUrl);
    assert.equal(master.status, 200);
    assert.match(master.headers.get('content-type'), /mpegurl/);
    const variants = parseMaster(master.buf.toString('utf8'));
    assert.deepEqual(variants.map((v) => v.kbps).sort((a, b) => a - b), LADDER);
    for (const v of variants) {
      const rung = await downloadRung(srv, grant.masterUrl, v.uri, dir);
      const total = rung.media.segments.reduce((s, x) => s + x.duration, 0);
      assert.ok(rung.media.segments.length >= 3, `${v.kbps}: several ~6 s segments`);
      for (const s of rung.media.segments) assert.ok(s.duration <= 6.5, `${v.kbps}: segment of ${s.duration} s`);
      assert.ok(Math.abs(total - source) <= 0.1, `${v.kbps}: playlist lasts ${total} s, source ${source} s`);
      const decoded = await decodedDuration(rung.file);
      assert.ok(Math.abs(decoded - source) <= 0.1, `${v.kbps}: decodes to ${decoded} s, source ${source} s`);
    }
  });
});

describe('bad uploads get a clear 4xx and leave nothing behind', () => {
  let draftTrack;
  before(async () => {
    draftTrack = expectStatus(await api.json('POST', `/api/releases/${releaseId}/tracks`, {
      token: artist.token, body: { title: 'Target of bad uploads' },
    }), 201).id;
  });

  async function refused(make, status, code, context) {
    const before = await state();
    const res = await make();
    expectError(res, status, code);
    await assertNothingLeft(before, context);
    const track = expectStatus(await api.get(`/api/content/${draftTrack}`, { token: artist.token }), 200);
    assert.equal(track.status, 'draft', `${context}: the track is untouched`);
  }

  test('a 0-byte file', async () => {
    const empty = path.join(dir, 'empty.mp3');
    await fsp.writeFile(empty, '');
    await refused(() => uploadMultipart(srv, artist.token, empty, { trackId: draftTrack }), 422, 'empty_file', '0 bytes');
  });

  test('a truncated FLAC', async () => {
    const whole = await fsp.readFile(await makeAudio(dir, 'flac', 6, { frequency: 550 }));
    const cut = path.join(dir, 'truncated.flac');
    await fsp.writeFile(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
    await refused(() => uploadMultipart(srv, artist.token, cut, { trackId: draftTrack }), 422, 'truncated_or_corrupt', 'truncated FLAC');
  });

  test('audio outside the ingest limits: each refused before decoding with a message saying why', async () => {
    const cases = [
      ['sample rate 4 kHz', makeWav(dir, 'rate-4k.wav', 'sine=sample_rate=4000:duration=2'), 'unsupported_sample_rate', /4000 Hz; accepted: 8000 to 384000 Hz/],
      ['sample rate 400 kHz', makeWav(dir, 'rate-400k.wav', 'sine=sample_rate=400000:duration=2'), 'unsupported_sample_rate', /400000 Hz/],
      ['9 channels', makeWav(dir, '9ch.wav', 'sine=duration=2,asplit=9[a][b][c][d][e][f][g][h][i];[a][b][c][d][e][f][g][h][i]amerge=inputs=9[out0]'),
        'unsupported_channels', /9 channels; accepted: 1 to 8/],
      ['half a second', makeWav(dir, 'short.wav', 'sine=duration=0.5'), 'too_short', /0\.5 s; the minimum is 1\.0 s/],
    ];
    for (const [what, make, code, message] of cases) {
      const file = await make;
      await refused(async () => {
        const res = await uploadMultipart(srv, artist.token, file, { trackId: draftTrack });
        assert.match(res.body?.error?.message ?? '', message, `${what}: ${JSON.stringify(res.body)}`);
        return res;
      }, 422, code, what);
    }
  });

  test('a text file renamed .mp3', async () => {
    const text = path.join(dir, 'notes.mp3');
    await fsp.writeFile(text, 'These are my lyrics, not audio.\n'.repeat(200));
    const res = () => uploadMultipart(srv, artist.token, text, { trackId: draftTrack }, { type: 'audio/mpeg' });
    const before = await state();
    const r = await res();
    assert.equal(r.status, 415, JSON.stringify(r.body));
    assert.ok(['unrecognized_format', 'not_audio'].includes(r.body.error.code), r.body.error.code);
    await assertNothingLeft(before, 'text as mp3');
  });

  test('an image sent as audio', async () => {
    const png = await makeImage(dir);
    const renamed = path.join(dir, 'cover.mp3');
    await fsp.copyFile(png, renamed);
    const before = await state();
    const r = await uploadMultipart(srv, artist.token, renamed, { trackId: draftTrack }, { type: 'audio/mpeg' });
    assert.equal(r.status, 415, JSON.stringify(r.body));
    assert.ok(['unrecognized_format', 'not_audio'].includes(r.body.error.code), r.body.error.code);
    await assertNothingLeft(before, 'image as audio');
  });

  test('an oversized file (announced, and streamed without a length)', async () => {
    // Announced: refused on the headers.
    const announced = `POST /api/uploads/content HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${artist.token}\r\n` +
      `Content-Type: multipart/form-data; boundary=b\r\nContent-Length: ${MAX_BYTES + 200_000}\r\n\r\n`;
    await refused(async () => {
      const r = await rawRequest(srv, announced, [Buffer.alloc(MAX_BYTES + 200_000, 1)]);
      return { ...r, headers: new Headers(), method: 'POST', path: '/api/uploads/content' };
    }, 413, 'payload_too_large', 'oversized');

    // Chunked: no length up front, so the limit has to hold while the bytes arrive.
    const before = await state();
    const boundary = 'bigboundary';
    const head = `POST /api/uploads/content HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${artist.token}\r\n` +
      `Content-Type: multipart/form-data; boundary=${boundary}\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const chunk = (b) => Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]);
    const parts = [chunk(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="trackId"\r\n\r\n${draftTrack}\r\n` +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.wav"\r\n\r\n`))];
    for (let sent = 0; sent < MAX_BYTES + 1_000_000; sent += 256 * 1024) parts.push(chunk(Buffer.alloc(256 * 1024, 2)));
    const res = await rawRequest(srv, head, parts);
    assert.equal(res.status, 413, res.text.slice(0, 300));
    await assertNothingLeft(before, 'chunked oversized');
  });

  test('a 2 GB upload is refused on its headers, before any byte is stored', async () => {
    const before = await state();
    const head = `POST /api/uploads/content HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${artist.token}\r\n` +
      'Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 2147483648\r\n\r\n';
    const res = await rawRequest(srv, head, [Buffer.alloc(64 * 1024, 3)]);
    assert.equal(res.status, 413);
    assert.equal(res.body.error.code, 'payload_too_large');
    await assertNothingLeft(before, '2 GB');
  });

  test('broken multipart boundaries', async () => {
    const audio = await fsp.readFile(await makeAudio(dir, 'wav', 1));
    const send = (contentType, body) => api.json('POST', '/api/uploads/content', { token: artist.token, rawBody: body, contentType });
    const part = (b) => Buffer.concat([
      Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="trackId"\r\n\r\n${draftTrack}\r\n` +
        `--${b}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\n\r\n`), audio]);
    const cases = [
      ['the closing boundary is missing', 'multipart/form-data; boundary=abc', part('abc')],
      ['the body uses another boundary', 'multipart/form-data; boundary=abc', Buffer.concat([part('xyz'), Buffer.from('\r\n--xyz--\r\n')])],
      ['no boundary parameter', 'multipart/form-data', Buffer.concat([part('abc'), Buffer.from('\r\n--abc--\r\n')])],
      ['a part without headers', 'multipart/form-data; boundary=abc', Buffer.from('--abc\r\n\r\nvalue\r\n--abc--\r\n')],
    ];
    for (const [what, type, body] of cases) {
      const before = await state();
      expectError(await send(type, body), 400, 'malformed_multipart');
      await assertNothingLeft(before, what);
    }
    // And not multipart at all.
    expectError(await send('audio/wav', audio), 415, 'unsupported_media_type');
  });

  test('fields are validated, and only the artist uploads to their own tracks', async () => {
    const file = await makeAudio(dir, 'wav', 1, { frequency: 660 });
    const fan = await registerUser(api);
    const other = await registerUser(api, { role: 'artist', artistName: 'Not the owner' });
    const before = await state();
    expectError(await uploadMultipart(srv, artist.token, file, {}), 400, 'validation_failed', { field: 'trackId' });
    expectError(await uploadMultipart(srv, artist.token, file, { releaseId }), 400, 'validation_failed', { field: 'title' });
    expectError(await uploadMultipart(srv, artist.token, file, { trackId: draftTrack, color: 'red' }), 400, 'validation_failed', { field: 'color' });
    expectError(await uploadMultipart(srv, fan.token, file, { trackId: draftTrack }), 403, 'forbidden');
    expectError(await uploadMultipart(srv, other.token, file, { trackId: draftTrack }), 404, 'not_found');
    const anonymous = await fetch(new URL('/api/uploads/content', srv.baseUrl), { method: 'POST', body: new FormData() });
    assert.equal(anonymous.status, 401);
    await assertNothingLeft(before, 'refused fields and callers');
  });
});

describe('resumable uploads', () => {
  test('chunks in order, a resume after a wrong offset, then processing', async () => {
    const file = await makeAudio(dir, 'flac', 5, { frequency: 500 });
    const bytes = await fsp.readFile(file);
    const trackId = expectStatus(await api.json('POST', `/api/releases/${releaseId}/tracks`, {
      token: artist.token, body: { title: 'Resumed' },
    }), 201).id;
    const session = expectStatus(await api.json('POST', '/api/uploads', {
      token: artist.token, body: { trackId, size: bytes.length, filename: 'resumed.flac' },
    }), 201);
    assert.equal(session.offset, 0);
    const put = (start, end) => api.json('PUT', `/api/uploads/${session.id}`, {
      token: artist.token, rawBody: bytes.subarray(start, end + 1), contentType: 'application/octet-stream',
      headers: { 'content-range': `bytes ${start}-${end}/${bytes.length}` },
    });
    const third = Math.floor(bytes.length / 3);
    assert.equal(expectStatus(await put(0, third - 1), 200).offset, third);
    // A client that lost track of where it was: told where to resume, nothing changes.
    const wrong = expectError(await put(0, third - 1), 409, 'offset_mismatch');
    assert.equal(wrong.details.offset, third);
    expectError(await api.json('PUT', `/api/uploads/${session.id}`, {
      token: artist.token, rawBody: bytes.subarray(third, third + 10), contentType: 'application/octet-stream',
    }), 400, 'validation_failed');
    assert.equal(expectStatus(await api.get(`/api/uploads/${session.id}`, { token: artist.token }), 200).offset, third);
    const other = await registerUser(api, { role: 'artist', artistName: 'Snoop' });
    expectError(await api.get(`/api/uploads/${session.id}`, { token: other.token }), 404, 'not_found');
    assert.equal(expectStatus(await put(third, 2 * third - 1), 200).offset, 2 * third);
    const done = expectStatus(await put(2 * third, bytes.length - 1), 202);
    assert.equal(done.track.id, trackId);
    const ready = await waitForTrack(api, artist.token, trackId);
    assert.equal(ready.status, 'ready');
    // The session and its chunks are gone.
    const { rows } = await srv.pool.query('SELECT count(*)::int AS n FROM upload_sessions WHERE id = $1', [session.id]);
    assert.equal(rows[0].n, 0);
    assert.deepEqual(filesUnder(path.join(mediaDir(), 'uploads')), []);
  });

  test('a resumable upload of bad audio is refused at its last chunk and leaves nothing', async () => {
    const trackId = expectStatus(await api.json('POST', `/api/releases/${releaseId}/tracks`, {
      token: artist.token, body: { title: 'Never audio' },
    }), 201).id;
    const bytes = Buffer.from('not audio at all '.repeat(1000));
    const session = expectStatus(await api.json('POST', '/api/uploads', { token: artist.token, body: { trackId, size: bytes.length } }), 201);
    const res = await api.json('PUT', `/api/uploads/${session.id}`, {
      token: artist.token, rawBody: bytes, contentType: 'application/octet-stream',
      headers: { 'content-range': `bytes 0-${bytes.length - 1}/${bytes.length}` },
    });
    assert.equal(res.status, 415, JSON.stringify(res.body));
    const { rows } = await srv.pool.query('SELECT count(*)::int AS n FROM upload_sessions WHERE id = $1', [session.id]);
    assert.equal(rows[0].n, 0);
    assert.deepEqual(filesUnder(path.join(mediaDir(), 'uploads')), []);
    assert.deepEqual(filesUnder(spoolDir()), []);
  });

  test('a session larger than uploads may be is refused up front', async () => {
    const trackId = expectStatus(await api.json('POST', `/api/releases/${releaseId}/tracks`, {
      token: artist.token, body: { title: 'Too big' },
    }), 201).id;
    expectError(await api.json('POST', '/api/uploads', { token: artist.token, body: { trackId, size: MAX_BYTES + 1 } }), 413, 'payload_too_large');
    expectError(await api.json('POST', '/api/uploads', { token: artist.token, body: { trackId, size: -5 } }), 400, 'validation_failed', { field: 'size' });
  });
});

test('spooled upload files never outlive their request', async () => {
  assert.deepEqual(filesUnder(spoolDir()), []);
  assert.ok(fs.existsSync(mediaDir()));
});

test('a new upload replaces the audio: new version, old original and segments removed', async () => {
  const trackId = expectStatus(await api.json('POST', `/api/releases/${releaseId}/tracks`, {
    token: artist.token, body: { title: 'Replaced' },
  }), 201).id;
  const first = await makeAudio(dir, 'wav', 2, { frequency: 700 });
  expectStatus(await uploadMultipart(srv, artist.token, first, { trackId }), 202);
  await waitForTrack(api, artist.token, trackId);
  const v1 = (await srv.pool.query('SELECT original_key, media_version FROM tracks WHERE id = $1', [trackId])).rows[0];
  const second = await makeAudio(dir, 'mp3', 3, { frequency: 800 });
  expectStatus(await uploadMultipart(srv, artist.token, second, { trackId }), 202);
  const done = await waitForTrack(api, artist.token, trackId, { until: (t) => t.status === 'ready' && Math.abs(t.durationS - 3) < 0.1 });
  assert.equal(done.status, 'ready');
  const v2 = (await srv.pool.query('SELECT original_key, media_version FROM tracks WHERE id = $1', [trackId])).rows[0];
  assert.equal(v2.media_version, v1.media_version + 1);
  assert.ok(fs.existsSync(path.join(mediaDir(), v2.original_key)));
  // The earlier outputs are pruned just after the job commits (catalog/processing_job.cpp), so the
  // track may read as ready a moment before they are gone: wait for that, within a bound.
  const hls = path.join(mediaDir(), 'hls', trackId);
  const pruned = () => !fs.existsSync(path.join(mediaDir(), v1.original_key))
    && fs.readdirSync(hls).join() === `v${v2.media_version}`;
  for (const deadline = Date.now() + 15_000; !pruned() && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 100));
  assert.ok(!fs.existsSync(path.join(mediaDir(), v1.original_key)), 'the first original is gone');
  assert.deepEqual(fs.readdirSync(hls), [`v${v2.media_version}`], 'only the current version is kept');
});

describe('embedded artwork', () => {
  async function upload(file, title) {
    const { track } = expectStatus(await uploadMultipart(srv, artist.token, file, { releaseId, title }), 202);
    const done = await waitForTrack(api, artist.token, track.id);
    assert.equal(done.status, 'ready', JSON.stringify(done));
    return done;
  }

  test('comes out re-encoded at the standard sizes and is served like static media', async () => {
    const cover = await fsp.readFile(await makePicture(dir, 'cover-400x300.png', 'testsrc=s=400x300'));
    const track = await upload(await mp3WithPicture(dir, cover, 'image/png'), 'With a cover');
    assert.equal(track.artworkKey, `artwork/${track.id}/v1/`);
    assert.deepEqual(Object.keys(track.artwork).sort((a, b) => a - b), ['128', '256', '512', '1024']);
    for (const [width, url] of Object.entries(track.artwork)) {
      const res = await fetchBytes(srv, url);
      assert.equal(res.status, 200, url);
      assert.equal(res.headers.get('content-type'), 'image/jpeg');
      assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      const etag = res.headers.get('etag');
      assert.match(etag ?? '', /^"[0-9a-f]{32}"$/);
      const file = path.join(dir, `artwork-${width}.jpg`);
      await fsp.writeFile(file, res.buf);
      assert.equal(await jpegSize(file), `${width},${width}`, 'a square JPEG of the standard size');
      assert.notDeepEqual(res.buf, cover);
      const again = await fetchBytes(srv, url, { 'if-none-match': etag });
      assert.equal(again.status, 304, 'revalidation by ETag');
      assert.equal(again.buf.length, 0);
    }
    // Nothing of the embedded bytes is stored, only the renditions.
    const stored = filesUnder(path.join(mediaDir(), 'artwork', track.id)).filter((f) => !f.endsWith('.meta')).sort();
    assert.deepEqual(stored, ['v1/1024.jpg', 'v1/128.jpg', 'v1/256.jpg', 'v1/512.jpg']);
  });

  test('that is no valid picture, or is too large, is dropped: the audio is still published', async () => {
    const garbage = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(20_000, 0x78)]);
    const huge = await fsp.readFile(await makePicture(dir, 'huge.png', 'color=c=red:s=12100x16'));
    for (const [what, picture, mime] of [['garbage as JPEG', garbage, 'image/jpeg'], ['12100 pixels wide', huge, 'image/png']]) {
      const track = await upload(await mp3WithPicture(dir, picture, mime), `Bad cover: ${what}`);
      assert.equal(track.artworkKey, null, what);
      assert.equal(track.artwork, null, what);
      assert.deepEqual(filesUnder(path.join(mediaDir(), 'artwork', track.id)), [], `${what}: nothing stored`);
    }
  });
});
