// Audio made at test time with real ffmpeg, uploads (multipart, raw and resumable), waiting for
// processing, and reading HLS the way a player does.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import assert from 'node:assert/strict';

const run = promisify(execFile);

export const FORMATS = {
  mp3: ['-c:a', 'libmp3lame', '-b:a', '192k'],
  wav: ['-c:a', 'pcm_s16le'],
  flac: ['-c:a', 'flac'],
  aiff: ['-c:a', 'pcm_s16be', '-f', 'aiff'],
  'aac.m4a': ['-c:a', 'aac', '-b:a', '192k'],
  'alac.m4a': ['-c:a', 'alac'],
  ogg: ['-c:a', 'libvorbis'],
  opus: ['-c:a', 'libopus', '-b:a', '128k'],
};

/** The lossless (FLAC) rung's number among the kbps of the AAC rungs; its URIs say "lossless". */
export const LOSSLESS = 1000;
/** The ladder of a lossless source (WAV, FLAC, AIFF, ALAC) and of a lossy one. */
export const LADDER = [128, 256, LOSSLESS];
export const LOSSY_LADDER = [128, 256];
export const isLosslessFormat = (ext) => ['wav', 'flac', 'aiff', 'alac.m4a'].includes(ext);

export async function scratchDir(name) {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), `mc-media-${name}-`));
  return dir;
}

/** A stereo tone plus a little noise, `seconds` long, in the format named by `ext` (a FORMATS key). */
export async function makeAudio(dir, ext, seconds = 4, { frequency = 440, rate = 44100 } = {}) {
  const file = path.join(dir, `tone-${frequency}-${seconds}s.${ext}`);
  await run('ffmpeg', ['-nostdin', '-v', 'error', '-y',
    '-f', 'lavfi', '-i', `sine=frequency=${frequency}:sample_rate=${rate}:duration=${seconds}`,
    '-f', 'lavfi', '-i', `anoisesrc=color=pink:amplitude=0.05:sample_rate=${rate}:duration=${seconds}`,
    '-filter_complex', '[0][1]amix=inputs=2:duration=first,aformat=channel_layouts=stereo',
    ...FORMATS[ext], file]);
  return file;
}

/** A WAV from any lavfi audio graph with extra output options (`-ac 9`, …). */
export async function makeWav(dir, name, graph, extra = []) {
  const file = path.join(dir, name);
  await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', graph, ...extra, '-c:a', 'pcm_s16le', file]);
  return file;
}

/**
 * An MP3 whose ID3v2.3 tag holds `picture` (bytes) as its front cover, declared as `mime`. Built by
 * hand: ffmpeg embeds only pictures it can read itself, and the tests need some it cannot.
 */
export async function mp3WithPicture(dir, picture, mime) {
  const plain = path.join(dir, `plain-${Date.now()}.mp3`);
  await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=500:duration=3',
    '-c:a', 'libmp3lame', '-id3v2_version', '0', plain]);
  const body = Buffer.concat([Buffer.from([0]), Buffer.from(`${mime}\0`, 'latin1'), Buffer.from([3, 0]), picture]);
  const frameHead = Buffer.alloc(10);
  frameHead.write('APIC', 0, 'latin1');
  frameHead.writeUInt32BE(body.length, 4);
  const frame = Buffer.concat([frameHead, body]);
  const n = frame.length;
  const tagHead = Buffer.from([0x49, 0x44, 0x33, 3, 0, 0, (n >> 21) & 0x7f, (n >> 14) & 0x7f, (n >> 7) & 0x7f, n & 0x7f]);
  const file = path.join(dir, `with-picture-${Date.now()}.mp3`);
  await fsp.writeFile(file, Buffer.concat([tagHead, frame, await fsp.readFile(plain)]));
  return file;
}

/** An image made by ffmpeg from a lavfi video graph (`testsrc=s=400x300`), as `name` (.png, .jpg). */
export async function makePicture(dir, name, graph) {
  const file = path.join(dir, name);
  await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', graph, '-frames:v', '1', file]);
  return file;
}

/** The codec of the first audio stream of `file`, as ffprobe names it. */
export async function probeCodec(file) {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', file]);
  return stdout.trim();
}

/** "w,h" of a JPEG as ffprobe reads it, or '' when it is none. */
export async function jpegSize(file) {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,width,height', '-of', 'csv=p=0', file]);
  const line = stdout.trim().split('\n')[0];
  return line.startsWith('mjpeg,') ? line.slice(6) : '';
}

export async function makeImage(dir) {
  const file = path.join(dir, 'cover.png');
  await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=red:s=64x64', '-frames:v', '1', file]);
  return file;
}

/** Duration in seconds of what ffmpeg decodes from `file` (errors fatal). */
export async function decodedDuration(file) {
  const { stderr } = await run('ffmpeg', ['-nostdin', '-v', 'error', '-xerror', '-i', file, '-f', 'null', '-'], { maxBuffer: 1 << 20 })
    .catch((err) => { throw new Error(`ffmpeg could not decode ${file}: ${err.stderr || err.message}`); });
  assert.equal(stderr.trim(), '', `decode errors in ${file}`);
  const probe = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file]);
  return Number(probe.stdout.trim());
}

/** POST /api/uploads/content as multipart/form-data. `fields` are text parts. */
export async function uploadMultipart(srv, token, file, fields = {}, { filename, type = 'application/octet-stream' } = {}) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  const bytes = await fsp.readFile(file);
  form.append('file', new Blob([bytes], { type }), filename ?? path.basename(file));
  const res = await fetch(new URL('/api/uploads/content', srv.baseUrl), {
    method: 'POST', body: form, headers: { authorization: `Bearer ${token}` },
  });
  const text = await res.text();
  let body = text;
  try { body = JSON.parse(text); } catch { /* text */ }
  return { status: res.status, headers: res.headers, body, text, method: 'POST', path: '/api/uploads/content' };
}

/**
 * Sends raw bytes over a socket and returns the status line's code and the response text, for
 * requests fetch() refuses to make (a 2 GB Content-Length, broken framing).
 */
export async function rawRequest(srv, head, bodyChunks = [], { endAfterHead = false } = {}) {
  const url = new URL(srv.baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname);
    let data = '';
    socket.setTimeout(30_000, () => { socket.destroy(); reject(new Error('raw request timed out')); });
    socket.on('data', (d) => { data += d.toString('latin1'); });
    // Once the server has answered, a real client stops sending too.
    const answered = () => data.length > 0;
    socket.on('error', (err) => (data ? resolve(parse(data)) : reject(err)));
    socket.on('close', () => resolve(parse(data)));
    socket.on('connect', async () => {
      socket.write(head);
      if (endAfterHead) return;
      for (const chunk of bodyChunks) {
        if (socket.destroyed || answered()) return;
        if (!socket.write(chunk)) await new Promise((r) => socket.once('drain', r));
      }
    });
  });
  function parse(text) {
    const status = Number((text.match(/^HTTP\/1\.1 (\d{3})/) || [])[1] || 0);
    const bodyStart = text.indexOf('\r\n\r\n');
    const body = bodyStart >= 0 ? text.slice(bodyStart + 4) : '';
    let json = null;
    try { json = JSON.parse(body); } catch { /* not json */ }
    return { status, text, body: json ?? body };
  }
}

/** Parses a raw HTTP/1.1 response into the shape expectError() and describeResponse() read. */
export function parseRawResponse(text, { method = 'RAW', path = '' } = {}) {
  const headEnd = text.indexOf('\r\n\r\n');
  const headLines = (headEnd >= 0 ? text.slice(0, headEnd) : text).split('\r\n');
  const status = Number((headLines[0].match(/^HTTP\/1\.1 (\d{3})/) || [])[1] || 0);
  const headers = new Headers();
  for (const line of headLines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const bodyText = headEnd >= 0 ? text.slice(headEnd + 4) : '';
  let body = bodyText;
  try { body = JSON.parse(bodyText); } catch { /* not json */ }
  return { status, headers, body, text: bodyText, method, path };
}

/**
 * Sends a request's headers and waits up to `waitMs` for an answer before sending any of `body`;
 * if none came, sends the body in 64 KiB pieces until the server answers. Returns the parsed
 * answer and `bodyBytesBeforeAnswer`: how much of the body the client had written by then (0 when
 * the server decided on the headers alone).
 */
export async function sendHeadFirst(srv, head, body, { waitMs = 5000, method = 'RAW', path = '' } = {}) {
  const url = new URL(srv.baseUrl);
  const socket = net.connect(Number(url.port), url.hostname);
  let text = '';
  let sent = 0;
  let answeredAt = null;
  const answer = new Promise((resolve) => {
    socket.on('data', (d) => {
      if (answeredAt === null) answeredAt = sent;
      text += d.toString('latin1');
      if (/\r\n\r\n/.test(text)) {
        const m = text.match(/content-length:\s*(\d+)/i);
        if (m && text.length >= text.indexOf('\r\n\r\n') + 4 + Number(m[1])) resolve();
      }
    });
    socket.on('close', resolve);
    socket.on('error', resolve);
  });
  await new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  socket.write(head);
  const timer = new Promise((resolve) => setTimeout(resolve, waitMs));
  await Promise.race([answer, timer]);
  for (let at = 0; answeredAt === null && at < body.length && !socket.destroyed; at += 64 * 1024) {
    const piece = body.subarray(at, at + 64 * 1024);
    sent += piece.length;
    if (!socket.write(piece)) await new Promise((r) => { socket.once('drain', r); socket.once('close', r); });
  }
  await Promise.race([answer, new Promise((resolve) => setTimeout(resolve, 30_000))]);
  socket.destroy();
  return { ...parseRawResponse(text, { method, path }), bodyBytesBeforeAnswer: answeredAt ?? sent };
}

/**
 * Starts an upload and leaves it in flight: the headers go with `Expect: 100-continue`, and once
 * the server has admitted the upload (its 100 Continue) `firstBytes` of the body are sent, the
 * rest never is. close() ends it like a client that went away.
 */
export async function holdUpload(srv, head, firstBytes = Buffer.alloc(0), { timeoutMs = 10_000 } = {}) {
  const url = new URL(srv.baseUrl);
  const socket = net.connect(Number(url.port), url.hostname);
  let text = '';
  const interim = /^HTTP\/1\.1 100 [^\r]*\r\n\r\n/;
  const continued = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no 100 Continue within ${timeoutMs} ms: ${text.slice(0, 300)}`)), timeoutMs);
    socket.on('data', (d) => {
      text += d.toString('latin1');
      if (interim.test(text)) { clearTimeout(timer); resolve(); }
      else if (text.includes('\r\n\r\n')) { clearTimeout(timer); reject(new Error(`refused: ${text.slice(0, 300)}`)); }
    });
  });
  socket.on('error', () => {});
  await new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
  socket.write(head.replace(/\r\n\r\n$/, '\r\nExpect: 100-continue\r\n\r\n'));
  try {
    await continued;
  } catch (err) {
    socket.destroy();
    throw err;
  }
  if (firstBytes.length) socket.write(firstBytes);
  const final = () => text.replace(interim, '');
  return {
    answered: () => final().length > 0,
    response: () => parseRawResponse(final()),
    close: () => new Promise((resolve) => { socket.once('close', resolve); socket.destroy(); }),
  };
}

/** Polls the track until it is ready (or failed); returns the artist's view of it. */
export async function waitForTrack(api, token, trackId, { timeoutMs = 120_000, until = (t) => t.status === 'ready' || t.status === 'failed' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    const res = await api.get(`/api/content/${trackId}`, { token });
    last = res.body;
    if (res.status === 200 && until(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`track ${trackId} not done in time: ${JSON.stringify(last)}`);
}

export function parseMaster(text) {
  assert.ok(text.startsWith('#EXTM3U'), 'master playlist starts with #EXTM3U');
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const variants = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith('#EXT-X-STREAM-INF:')) {
      const bandwidth = Number((lines[i].match(/[:,]BANDWIDTH=(\d+)/) || [])[1]);
      assert.ok(bandwidth > 0, 'variant has BANDWIDTH');
      const averageBandwidth = Number((lines[i].match(/AVERAGE-BANDWIDTH=(\d+)/) || [])[1] ?? 0);
      const codecs = (lines[i].match(/CODECS="([^"]*)"/) || [])[1] ?? '';
      const uri = lines[i + 1];
      assert.ok(uri && !uri.startsWith('#'), 'variant URI follows its STREAM-INF');
      const dir = uri.split('/')[0];
      variants.push({ bandwidth, averageBandwidth, codecs, uri, kbps: dir === 'lossless' ? LOSSLESS : Number(dir) });
    }
  }
  return variants;
}

export function parseMedia(text) {
  assert.ok(text.startsWith('#EXTM3U'), 'media playlist starts with #EXTM3U');
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const segments = [];
  let map = null;
  let target = 0;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.startsWith('#EXT-X-TARGETDURATION:')) target = Number(l.split(':')[1]);
    if (l.startsWith('#EXT-X-MAP:')) map = l.match(/URI="([^"]+)"/)[1];
    if (l.startsWith('#EXTINF:')) segments.push({ duration: Number(l.slice(8).split(',')[0]), uri: lines[i + 1] });
  }
  assert.ok(lines.includes('#EXT-X-ENDLIST'), 'a VOD playlist ends');
  return { segments, map, target };
}

/** Resolves a playlist-relative URI against the playlist's URL (path + query). */
export function resolveUri(playlistUrl, uri) {
  return new URL(uri, new URL(playlistUrl, 'http://x')).pathname + new URL(uri, new URL(playlistUrl, 'http://x')).search;
}

export async function fetchBytes(srv, pathAndQuery, headers = {}) {
  const res = await fetch(new URL(pathAndQuery, srv.baseUrl), { headers });
  const buf = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, buf };
}

/** Downloads a whole rung (init + segments) into one fMP4 file a decoder can read. */
export async function downloadRung(srv, masterUrl, variantUri, dir) {
  const variantUrl = resolveUri(masterUrl, variantUri);
  const playlist = await fetchBytes(srv, variantUrl);
  assert.equal(playlist.status, 200, `variant playlist ${variantUrl}`);
  const media = parseMedia(playlist.buf.toString('utf8'));
  const parts = [];
  const init = await fetchBytes(srv, resolveUri(variantUrl, media.map));
  assert.equal(init.status, 200, 'init segment');
  parts.push(init.buf);
  for (const s of media.segments) {
    const seg = await fetchBytes(srv, resolveUri(variantUrl, s.uri));
    assert.equal(seg.status, 200, `segment ${s.uri}`);
    parts.push(seg.buf);
  }
  const file = path.join(dir, `rung-${variantUri.split('/')[0]}-${Date.now()}.mp4`);
  await fsp.writeFile(file, Buffer.concat(parts));
  return { file, media, variantUrl };
}

/**
 * Every file under dir (recursively), relative paths; [] when dir does not exist.
 * The server may be removing the tree while it is read (a purge in progress): a
 * directory vanishing mid-walk means the walk is retried, not that the test failed.
 */
export function filesUnder(dir) {
  for (let attempt = 0; ; attempt++) {
    if (!fs.existsSync(dir)) return [];
    try {
      const out = [];
      for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
        if (entry.isFile()) out.push(path.relative(dir, path.join(entry.path ?? entry.parentPath, entry.name)));
      }
      return out.sort();
    } catch (err) {
      if (err.code !== 'ENOENT' || attempt >= 20) throw err;
    }
  }
}

// Uploads `file` as a new track (fields: releaseId, title, …) and waits until processing is over.
export async function uploadAndWait(srv, token, file, fields) {
  const res = await uploadMultipart(srv, token, file, fields);
  if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${res.text}`);
  await waitForTrack(srv.api, token, res.body.track.id);
  return res.body.track.id;
}

/**
 * A track of the release with ready audio (a one-second tone uploaded and processed), so that the
 * release can be published (a release without a ready track cannot be). fields: releaseId, title,
 * minTier, …; returns the artist's view of the ready track.
 */
export async function readyTrack(srv, token, fields, { seconds = 1, frequency = 440 } = {}) {
  const dir = await scratchDir('ready');
  try {
    const file = await makeAudio(dir, 'wav', seconds, { frequency });
    const res = await uploadMultipart(srv, token, file, fields);
    if (res.status !== 202) throw new Error(`upload answered ${res.status}: ${res.text}`);
    const done = await waitForTrack(srv.api, token, res.body.track.id);
    assert.equal(done.status, 'ready', JSON.stringify(done));
    return done;
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}
