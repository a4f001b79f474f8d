// Direct-message attachments (SPEC §4.8, docs/messaging.md "Attachments"): an image or audio file
// uploaded, processed through the media library, sent once with a message of its uploader's, and
// readable only by the two members of the conversation; refusals name the field and store nothing.
import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { startServer } from './helpers/server.mjs';
import { expectError, expectStatus } from './helpers/http.mjs';
import { grantTier } from './helpers/db.mjs';
import { registerUser } from './helpers/fixtures.mjs';
import { fetchBytes, filesUnder, makeAudio, makeWav, scratchDir } from './helpers/media.mjs';
import { WsClient } from './helpers/ws.mjs';

const run = promisify(execFile);
let srv;
let api;
let dir;

before(async () => {
  srv = await startServer({ name: 'messaging-attachments' });
  api = srv.api;
  dir = await scratchDir('dm-attachments');
});
after(async () => {
  await srv?.stop();
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

async function artistAndSuperfan() {
  const artist = await registerUser(api, { role: 'artist', artistName: 'Postcard Artist' });
  const fan = await registerUser(api);
  await grantTier(srv.pool, fan.user.id, artist.user.id, 'superfan');
  return { artist, fan };
}

/** A JPEG made by ffmpeg, with a comment segment carrying `secret` right after its SOI marker. */
async function jpegWithComment(w, h, secret) {
  const file = path.join(dir, `photo-${w}x${h}.jpg`);
  await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=s=${w}x${h}`, '-frames:v', '1', file]);
  const jpeg = await fsp.readFile(file);
  const text = Buffer.from(secret, 'latin1');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(text.length + 2);
  return Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xfe]), len, text, jpeg.subarray(2)]);
}

async function probe(buf, ext, entries) {
  const file = path.join(dir, `probe-${Date.now()}-${Math.random()}.${ext}`);
  await fsp.writeFile(file, buf);
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', entries, '-of', 'csv=p=0', file]);
  return stdout.trim();
}

const upload = (token, bytes, contentType = 'application/octet-stream') =>
  api.json('POST', '/api/messaging/attachments', { token, rawBody: bytes, contentType });
const send = (token, body) => api.json('POST', '/api/messaging/send', { token, body });
const fetchAttachment = (url, token) => fetchBytes(srv, url, token ? { authorization: `Bearer ${token}` } : {});
const count = async (sql, args) => (await srv.pool.query(sql, args)).rows[0].n;

describe('pictures', () => {
  test('an image is re-encoded without its metadata, sent once, and read by both members only', async () => {
    const { artist, fan } = await artistAndSuperfan();
    const opening = expectStatus(await send(fan.token, { recipientId: artist.user.id, body: 'hello' }), 201);
    const conv = opening.conversation.id;
    const ch = `conversation:${conv}`;
    const a = await WsClient.open(srv);
    await a.authed(artist.token);
    assert.equal((await a.request('sub', { ch })).op, 'ok');

    const secret = 'GPS 51.5007N 0.1246W my-home-address';
    const original = await jpegWithComment(1600, 900, secret);
    assert.ok(original.includes(secret), 'the test file carries the metadata');
    // The file's name and type say text; the content decides.
    const form = new FormData();
    form.append('file', new Blob([original], { type: 'text/plain' }), 'notes.txt');
    const res = await fetch(new URL('/api/messaging/attachments', srv.baseUrl), {
      method: 'POST', body: form, headers: { authorization: `Bearer ${fan.token}` },
    });
    const uploaded = await res.json();
    assert.equal(res.status, 201, JSON.stringify(uploaded));
    assert.equal(uploaded.kind, 'image');
    assert.equal(uploaded.contentType, 'image/jpeg');
    assert.deepEqual([uploaded.width, uploaded.height, uploaded.durationMs], [1280, 720, null]);
    assert.equal(uploaded.url, `/api/messaging/attachments/${uploaded.id}`);
    assert.ok(Date.parse(uploaded.expiresAt) > Date.now() + 23 * 3600 * 1000);

    // Before it is sent, only the uploader can see it.
    assert.equal((await fetchAttachment(uploaded.url, fan.token)).status, 200);
    assert.equal((await fetchAttachment(uploaded.url, artist.token)).status, 404);

    const sent = expectStatus(await send(fan.token, { conversationId: conv, body: 'the view from row 3', attachmentId: uploaded.id }), 201);
    assert.deepEqual(sent.message.attachment, {
      id: uploaded.id, kind: 'image', contentType: 'image/jpeg', size: uploaded.size, width: 1280, height: 720, durationMs: null, url: uploaded.url,
    });
    assert.deepEqual(sent.quota, { limit: 5, remaining: 3 });

    const live = await a.next((m) => m.op === 'event' && m.ch === ch && m.data.type === 'message.created' && m.data.payload.attachment);
    assert.deepEqual(live.data.payload.attachment, sent.message.attachment);

    const history = expectStatus(await api.get(`/api/messaging/conversations/${conv}/messages`, { token: artist.token }), 200);
    assert.deepEqual(history.messages[0].attachment, sent.message.attachment);
    for (const token of [artist.token, fan.token]) {
      const got = await fetchAttachment(uploaded.url, token);
      assert.equal(got.status, 200);
      assert.equal(got.headers.get('content-type'), 'image/jpeg');
      assert.match(got.headers.get('cache-control'), /private/);
      assert.equal(got.buf.length, uploaded.size);
      assert.equal(await probe(got.buf, 'jpg', 'stream=codec_name,width,height'), 'mjpeg,1280,720');
      assert.ok(!got.buf.includes(secret), 'the metadata is not served');
    }

    // Nobody else: another user, a logged-out request, a guessed id.
    const stranger = await registerUser(api);
    expectError(await api.get(uploaded.url, { token: stranger.token }), 404, 'not_found');
    expectError(await api.get(uploaded.url), 401, 'unauthorized');
    expectError(await api.get(`/api/messaging/attachments/${crypto.randomUUID()}`, { token: fan.token }), 404, 'not_found');

    // Only once, and only by its uploader; a refused send takes nothing from the allowance.
    const before = await count('SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1', [conv]);
    const again = expectError(await send(fan.token, { conversationId: conv, body: 'again', attachmentId: uploaded.id }), 409, 'attachment_already_sent');
    assert.ok(again.details.attachmentId);
    const other = expectStatus(await upload(fan.token, await jpegWithComment(300, 200, 'x')), 201);
    const stolen = expectError(await send(artist.token, { conversationId: conv, body: 'mine now', attachmentId: other.id }), 404, 'not_found');
    assert.ok(stolen.details.attachmentId);
    assert.equal(await count('SELECT count(*)::int AS n FROM messages WHERE conversation_id = $1', [conv]), before);
    const quota = await count('SELECT used AS n FROM dm_quota WHERE fan_id = $1', [fan.user.id]);
    assert.equal(quota, 2, 'the refused sends took no message of the allowance');
    // A picture that fits keeps its size and shape: never enlarged, never cropped.
    assert.deepEqual([other.width, other.height], [300, 200]);

    // A block stops writing, not reading what was sent.
    expectStatus(await api.json('PUT', `/api/messaging/blocks/${fan.user.id}`, { token: artist.token }), 200);
    assert.equal((await fetchAttachment(uploaded.url, fan.token)).status, 200);
    assert.equal((await fetchAttachment(uploaded.url, artist.token)).status, 200);
    a.close();
  });
});

describe('audio', () => {
  test('audio is probed and transcoded to AAC in MP4; a message may be the attachment alone', async () => {
    const { artist, fan } = await artistAndSuperfan();
    const conv = expectStatus(await send(fan.token, { recipientId: artist.user.id, body: 'sing me something' }), 201).conversation.id;
    const wav = await fsp.readFile(await makeAudio(dir, 'wav', 3));
    const uploaded = expectStatus(await upload(artist.token, wav, 'image/png'), 201);
    assert.equal(uploaded.kind, 'audio');
    assert.equal(uploaded.contentType, 'audio/mp4');
    assert.equal(uploaded.width, null);
    assert.ok(Math.abs(uploaded.durationMs - 3000) < 100, `duration ${uploaded.durationMs}`);
    assert.ok(uploaded.size < wav.length / 4, 'transcoded, not stored as uploaded');
    const sent = expectStatus(await send(artist.token, { conversationId: conv, attachmentId: uploaded.id }), 201);
    assert.equal(sent.message.body, '');
    assert.equal(sent.message.attachment.kind, 'audio');
    const got = await fetchAttachment(uploaded.url, fan.token);
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('content-type'), 'audio/mp4');
    assert.equal(await probe(got.buf, 'm4a', 'stream=codec_name,channels'), 'aac,2');
    // The fan's notification says what came, the message having no text.
    let note;
    for (let i = 0; i < 150 && !note; i++) {
      const list = expectStatus(await api.get('/api/notifications?limit=10', { token: fan.token }), 200);
      note = list.notifications.find((n) => n.type === 'direct_message' && n.data.messageId === sent.message.id);
      if (!note) await new Promise((ok) => setTimeout(ok, 100));
    }
    assert.equal(note?.data.preview, 'Sent an audio clip');
    // A blank caption is refused: leave it out or write one.
    const blank = expectStatus(await upload(artist.token, wav), 201);
    expectError(await send(artist.token, { conversationId: conv, body: '   ', attachmentId: blank.id }), 400, 'validation_failed', { field: 'body' });
    expectError(await send(artist.token, { conversationId: conv, attachmentId: 'nope' }), 400, 'validation_failed', { field: 'attachmentId' });
  });
});

describe('refusals', () => {
  test('wrong type, damaged, too big, too long, too many pending, logged out: a clear error, nothing stored', async () => {
    const user = await registerUser(api);
    const rows = () => count('SELECT count(*)::int AS n FROM message_attachments WHERE uploader_id = $1', [user.user.id]);
    const text = expectError(await upload(user.token, Buffer.from('just some words, not a picture'), 'image/png'), 415, 'unsupported_attachment');
    assert.match(text.details.file, /JPEG, PNG, WebP or audio/);
    expectError(await upload(user.token, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)])), 422, 'corrupt_image', { field: 'file' });
    expectError(await api.json('POST', '/api/messaging/attachments', { token: user.token }), 415, 'unsupported_media_type');
    expectError(await upload(user.token, Buffer.alloc((15 << 20) + 1, 1)), 413, 'payload_too_large');
    const long = await fsp.readFile(await makeWav(dir, 'long.wav', 'sine=frequency=300:sample_rate=8000:duration=610', ['-ac', '1']));
    expectError(await upload(user.token, long), 422, 'too_long', { field: 'file' });
    expectError(await upload(undefined, Buffer.from('x')), 401, 'unauthorized');
    assert.equal(await rows(), 0);
    assert.equal(filesUnder(path.join(srv.varDir, 'media', 'dm', user.user.id)).length, 0, 'nothing refused is stored');

    const small = await jpegWithComment(64, 64, 'c');
    for (let i = 0; i < 5; i++) expectStatus(await upload(user.token, small), 201);
    const capped = expectError(await upload(user.token, small), 429, 'too_many_pending_attachments');
    assert.equal(capped.details.limit, 5);
    assert.equal(await rows(), 5);
  });

  test('an upload not sent within a day expires; the retention prune removes it and its file', async () => {
    const { artist, fan } = await artistAndSuperfan();
    const old = expectStatus(await upload(fan.token, await jpegWithComment(64, 48, 'old')), 201);
    const kept = expectStatus(await upload(fan.token, await jpegWithComment(64, 48, 'kept')), 201);
    await srv.pool.query("UPDATE message_attachments SET created_at = now() - interval '25 hours' WHERE id = $1", [old.id]);
    expectError(await send(fan.token, { recipientId: artist.user.id, body: 'late', attachmentId: old.id }), 404, 'not_found');
    const files = () => filesUnder(path.join(srv.varDir, 'media', 'dm', fan.user.id)).filter((f) => f.endsWith('.jpg'));
    assert.equal(files().length, 2);
    await srv.pool.query(`INSERT INTO jobs (queue, kind, dedupe_key) VALUES ('maintenance', 'maintenance.prune', $1)`, [`test-${Date.now()}`]);
    for (let i = 0; i < 300 && (await count('SELECT count(*)::int AS n FROM message_attachments WHERE id = $1', [old.id])) > 0; i++) {
      await new Promise((ok) => setTimeout(ok, 100));
    }
    assert.equal(await count('SELECT count(*)::int AS n FROM message_attachments WHERE id = $1', [old.id]), 0, 'the expired upload is pruned');
    assert.equal(files().length, 1, 'with its file');
    expectStatus(await send(fan.token, { recipientId: artist.user.id, body: 'on time', attachmentId: kept.id }), 201);
  });

  test('a deleted account\'s attachments go: rows, files, and the reference on the kept messages', async () => {
    const { artist, fan } = await artistAndSuperfan();
    const up = expectStatus(await upload(fan.token, await jpegWithComment(64, 48, 'mine')), 201);
    const sent = expectStatus(await send(fan.token, { recipientId: artist.user.id, body: 'a keepsake', attachmentId: up.id }), 201);
    await srv.pool.query('UPDATE subscriptions SET cancel_at_period_end = true WHERE fan_id = $1', [fan.user.id]);
    expectStatus(await api.json('DELETE', '/api/me', { token: fan.token, body: { password: fan.input.password } }), 202);
    const files = () => filesUnder(path.join(srv.varDir, 'media', 'dm', fan.user.id)).filter((f) => f.endsWith('.jpg'));
    for (let i = 0; i < 300 && files().length > 0; i++) await new Promise((ok) => setTimeout(ok, 100));
    assert.equal(files().length, 0, 'the purge removed the file');
    const history = expectStatus(await api.get(`/api/messaging/conversations/${sent.conversation.id}/messages`, { token: artist.token }), 200);
    const kept = history.messages.find((m) => m.id === sent.message.id);
    assert.equal(kept.body, 'a keepsake', 'the message stays for the other member');
    assert.equal(kept.attachment, undefined, 'without the attachment');
    expectError(await api.get(up.url, { token: artist.token }), 404, 'not_found');
    assert.equal(await count('SELECT count(*)::int AS n FROM message_attachments WHERE uploader_id = $1', [fan.user.id]), 0);
  });
});
