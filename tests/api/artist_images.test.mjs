// Avatars and banners: real images in, standard sizes out (libvips), bad images refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { startServer } from './helpers/server.mjs';
import { expectError, expectStatus } from './helpers/http.mjs';
import { registerUser } from './helpers/fixtures.mjs';
import { fetchBytes, filesUnder, scratchDir } from './helpers/media.mjs';

const run = promisify(execFile);
let srv;
let api;
let dir;
before(async () => {
  srv = await startServer({ name: 'images' });
  api = srv.api;
  dir = await scratchDir('images');
});
after(async () => {
  await srv?.stop();
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

async function picture(name, w, h, filter = 'testsrc2') {
  const file = path.join(dir, name);
  await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', filter.includes('=') ? `${filter}:s=${w}x${h}` : `${filter}=s=${w}x${h}`, '-frames:v', '1', file]);
  return file;
}

async function dimensions(buf) {
  const file = path.join(dir, `probe-${Date.now()}-${Math.random()}.jpg`);
  await fsp.writeFile(file, buf);
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height', '-of', 'csv=p=0', file]);
  return stdout.trim();
}

const put = (token, kind, body, contentType) => api.json('PUT', `/api/artists/profile/${kind}`, { token, rawBody: body, contentType });

test('an avatar and a banner are rendered into the standard sizes and served', async () => {
  const artist = await registerUser(api, { role: 'artist', artistName: 'Pictured' });
  const png = await fsp.readFile(await picture('wide.png', 1600, 900));
  const avatar = expectStatus(await put(artist.token, 'avatar', png, 'image/png'), 200);
  assert.deepEqual(Object.keys(avatar.avatar).sort((a, b) => a - b), ['64', '128', '256', '512']);
  for (const [w, url] of Object.entries(avatar.avatar)) {
    const res = await fetchBytes(srv, url);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/jpeg');
    assert.match(res.headers.get('cache-control'), /immutable/);
    assert.equal(await dimensions(res.buf), `mjpeg,${w},${w}`);
  }
  const form = new FormData();
  form.append('file', new Blob([await fsp.readFile(await picture('photo.jpg', 2000, 1500))]), 'photo.jpg');
  const res = await fetch(new URL('/api/artists/profile/banner', srv.baseUrl), {
    method: 'PUT', body: form, headers: { authorization: `Bearer ${artist.token}` },
  });
  assert.equal(res.status, 200);
  const withBanner = await res.json();
  const sizes = { 640: 160, 1280: 320, 1920: 480 };
  for (const [w, url] of Object.entries(withBanner.banner)) {
    assert.equal(await dimensions((await fetchBytes(srv, url)).buf), `mjpeg,${w},${sizes[w]}`);
  }
  // Public profile shows them.
  const profile = expectStatus(await api.get(`/api/artists/${artist.user.id}`), 200);
  assert.deepEqual(profile.avatar, avatar.avatar);

  // A new avatar replaces the old files.
  const before = filesUnder(path.join(srv.varDir, 'media', 'images')).filter((f) => f.includes('avatar-') && f.endsWith('.jpg'));
  assert.equal(before.length, 4);
  const again = expectStatus(await put(artist.token, 'avatar', png, 'image/png'), 200);
  assert.notDeepEqual(again.avatar, avatar.avatar);
  assert.equal((await fetchBytes(srv, avatar.avatar['64'])).status, 404);
  const after = filesUnder(path.join(srv.varDir, 'media', 'images')).filter((f) => f.includes('avatar-') && f.endsWith('.jpg'));
  assert.equal(after.length, 4);
});

test('images that are not acceptable are refused and change nothing', async () => {
  const artist = await registerUser(api, { role: 'artist', artistName: 'Refused pictures' });
  const count = () => filesUnder(path.join(srv.varDir, 'media', 'images')).length;
  const start = count();
  expectError(await put(artist.token, 'avatar', Buffer.from('just text, not a picture'), 'image/png'), 415, 'unsupported_image');
  const gif = await fsp.readFile(await picture('anim.gif', 64, 64));
  expectError(await put(artist.token, 'avatar', gif, 'image/gif'), 415, 'unsupported_image');
  const huge = await fsp.readFile(await picture('huge.png', 12500, 16, 'color=c=blue'));
  expectError(await put(artist.token, 'banner', huge, 'image/png'), 422, 'image_too_large');
  const png = await fsp.readFile(await picture('ok.png', 300, 300));
  expectError(await put(artist.token, 'avatar', png.subarray(0, 200), 'image/png'), 422, 'corrupt_image');
  expectError(await api.json('PUT', '/api/artists/profile/avatar', { token: artist.token }), 415, 'unsupported_media_type');
  const fan = await registerUser(api);
  expectError(await put(fan.token, 'avatar', png, 'image/png'), 403, 'forbidden');
  const anonymous = await put(undefined, 'avatar', png, 'image/png');
  assert.equal(anonymous.status, 401);
  assert.equal(count(), start);
  const profile = expectStatus(await api.get(`/api/artists/${artist.user.id}`), 200);
  assert.equal(profile.avatar, null);
  assert.equal(profile.banner, null);
});
