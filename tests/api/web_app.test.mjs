// The web app served by the binary (WEB_DIR): cache headers, client-side routing fallback, ETags,
// precompressed files, no traversal; and the "me" reads the app needs (follow and like state,
// my follows, my likes).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { BINARY, startServer } from './helpers/server.mjs';
import { readyTrack } from './helpers/media.mjs';
import { expectError, expectStatus } from './helpers/http.mjs';
import { registerUser, uniqueName } from './helpers/fixtures.mjs';

const INDEX = '<!doctype html><title>MusicConnect</title><div id="root"></div><script type="module" src="/assets/app-3f9a.js"></script>';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(4000))});`;
let srv;
let api;
let webDir;

before(async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-web-'));
  webDir = path.join(root, 'dist');
  fs.mkdirSync(path.join(webDir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(webDir, 'index.html'), INDEX);
  fs.writeFileSync(path.join(webDir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  fs.writeFileSync(path.join(webDir, 'assets', 'app-3f9a.js'), SCRIPT);
  fs.writeFileSync(path.join(webDir, 'assets', 'app-3f9a.js.gz'), zlib.gzipSync(SCRIPT));
  fs.writeFileSync(path.join(root, 'secret.txt'), 'not for the web');
  srv = await startServer({ name: 'web', env: { WEB_DIR: webDir } });
  api = srv.api;
});
after(async () => {
  await srv?.stop();
  if (webDir) fs.rmSync(path.dirname(webDir), { recursive: true, force: true });
});

const raw = (p, headers = {}) => fetch(new URL(p, srv.baseUrl), { headers });

describe('serving the web app', () => {
  test('/ is index.html: revalidated every time, with the app\'s CSP', async () => {
    const res = await raw('/');
    assert.equal(res.status, 200);
    assert.equal(await res.text(), INDEX);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    assert.match(res.headers.get('etag'), /^"[0-9a-f]+"$/);
    assert.match(res.headers.get('content-security-policy'), /script-src 'self'/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(res.headers.get('ratelimit-limit'), null, 'static files are not API-limited');
    const apiRes = await raw('/api/genres');
    assert.equal(apiRes.headers.get('content-security-policy'), "default-src 'none'; frame-ancestors 'none'", 'API answers keep theirs');
  });

  test('client-side routes get index.html; API, media and ops paths do not', async () => {
    for (const p of ['/artist/some-band', '/studio/releases/5d1f0f7e-1c1b-4b7a-9a43-9b1b9d2f0a11', '/library?x=1']) {
      const res = await raw(p);
      assert.equal(res.status, 200, p);
      assert.equal(await res.text(), INDEX, p);
    }
    expectError(await api.get('/api/no-such-route'), 404, 'not_found');
    expectError(await api.get('/media/nothing-here'), 404, 'not_found');
    assert.equal((await raw('/health')).headers.get('content-type'), 'application/json');
    expectError(await api.json('POST', '/artist/x', { body: {} }), 404, 'not_found');
  });

  test('hashed assets are immutable; ETag revalidation answers 304', async () => {
    const res = await raw('/assets/app-3f9a.js');
    assert.equal(res.status, 200);
    assert.equal(await res.text(), SCRIPT);
    assert.equal(res.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    const again = await raw('/assets/app-3f9a.js', { 'if-none-match': res.headers.get('etag') });
    assert.equal(again.status, 304);
    assert.equal(await again.text(), '');
  });

  test('the gzip file is sent to clients that accept it', async () => {
    const res = await fetch(new URL('/assets/app-3f9a.js', srv.baseUrl), { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(res.headers.get('content-encoding'), 'gzip');
    assert.equal(res.headers.get('vary'), 'Accept-Encoding');
    assert.equal(await res.text(), SCRIPT, 'fetch decodes it back to the original');
  });

  test('missing files are 404, never index.html; nothing outside WEB_DIR is reachable', async () => {
    for (const p of ['/assets/app-OLD.js', '/robots.txt', '/../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt']) {
      const res = await raw(p);
      const text = await res.text();
      assert.equal(res.status, 404, p);
      assert.notEqual(text, 'not for the web', p);
    }
  });
});

describe('what the app reads about me', () => {
  async function artistWithTrack() {
    const { token, user } = await registerUser(api, { role: 'artist', artistName: `Web ${uniqueName('a')}` });
    const release = expectStatus(await api.json('POST', '/api/releases', { token, body: { title: 'R', kind: 'single' } }), 201);
    const track = await readyTrack(srv, token, { releaseId: release.id, title: 'T' });
    expectStatus(await api.json('PATCH', `/api/releases/${release.id}`, { token, body: { published: true } }), 200);
    return { token, user, track };
  }

  test('follow state and my follows follow the follow/unfollow calls', async () => {
    const a = await artistWithTrack();
    const fan = await registerUser(api);
    expectError(await api.get(`/api/artists/${a.user.id}/follow`), 401, 'unauthorized');
    assert.deepEqual(expectStatus(await api.get(`/api/artists/${a.user.id}/follow`, { token: fan.token }), 200), { following: false });
    expectStatus(await api.post(`/api/artists/${a.user.id}/follow`, {}, { token: fan.token }), 200);
    assert.deepEqual(expectStatus(await api.get(`/api/artists/${a.user.id}/follow`, { token: fan.token }), 200), { following: true });
    const mine = expectStatus(await api.get('/api/me/following', { token: fan.token }), 200);
    assert.deepEqual(mine.artists.map((x) => x.id), [a.user.id]);
    assert.equal(mine.total, 1);
    expectStatus(await api.del(`/api/artists/${a.user.id}/follow`, { token: fan.token }), 200);
    assert.equal(expectStatus(await api.get('/api/me/following', { token: fan.token }), 200).total, 0);
    expectError(await api.get('/api/artists/no-such-artist/follow', { token: fan.token }), 404, 'not_found');
    expectError(await api.get('/api/me/following?limit=500', { token: fan.token }), 400, 'invalid_query');
  });

  test('like state and my likes; a track unpublished since is left out', async () => {
    const a = await artistWithTrack();
    const fan = await registerUser(api);
    assert.deepEqual(expectStatus(await api.get(`/api/content/${a.track.id}/like`, { token: fan.token }), 200), { liked: false });
    expectStatus(await api.post(`/api/content/${a.track.id}/like`, {}, { token: fan.token }), 200);
    assert.deepEqual(expectStatus(await api.get(`/api/content/${a.track.id}/like`, { token: fan.token }), 200), { liked: true });
    const likes = expectStatus(await api.get('/api/me/likes', { token: fan.token }), 200);
    assert.deepEqual(likes.tracks.map((t) => t.id), [a.track.id]);
    assert.equal(likes.tracks[0].locked, null);
    expectStatus(await api.json('PATCH', `/api/releases/${a.track.releaseId}`, { token: a.token, body: { published: false } }), 200);
    assert.deepEqual(expectStatus(await api.get('/api/me/likes', { token: fan.token }), 200).tracks, []);
    expectError(await api.get(`/api/content/${a.track.id}/like`, { token: fan.token }), 404, 'not_found');
    expectError(await api.get('/api/me/likes'), 401, 'unauthorized');
  });

  test('an artist reorders a release\'s tracks; a wrong set of ids changes nothing', async () => {
    const a = await artistWithTrack();
    const add = async (title) => expectStatus(await api.json('POST', `/api/releases/${a.track.releaseId}/tracks`, { token: a.token, body: { title } }), 201);
    const b = await add('B');
    const c = await add('C');
    const order = async () => {
      const content = expectStatus(await api.get(`/api/artists/${a.user.id}/content`, { token: a.token }), 200);
      return content.releases[0].tracks.sort((x, y) => x.position - y.position).map((t) => [t.title, t.position]);
    };
    assert.deepEqual(await order(), [['T', 1], ['B', 2], ['C', 3]]);
    const path = `/api/releases/${a.track.releaseId}/track-order`;
    const res = expectStatus(await api.json('PUT', path, { token: a.token, body: { trackIds: [c.id, a.track.id, b.id] } }), 200);
    assert.deepEqual(res.tracks.map((t) => t.position), [1, 2, 3]);
    assert.deepEqual(await order(), [['C', 1], ['T', 2], ['B', 3]]);

    expectError(await api.json('PUT', path, { token: a.token, body: { trackIds: [c.id, b.id] } }), 422, 'track_set_mismatch');
    expectError(await api.json('PUT', path, { token: a.token, body: { trackIds: [c.id, c.id, b.id] } }), 422, 'track_set_mismatch');
    expectError(await api.json('PUT', path, { token: a.token, body: { trackIds: ['nope'] } }), 400, 'validation_failed', { field: 'trackIds' });
    const other = await registerUser(api, { role: 'artist', artistName: `Other ${uniqueName('o')}` });
    expectError(await api.json('PUT', path, { token: other.token, body: { trackIds: [a.track.id, b.id, c.id] } }), 404, 'not_found');
    const fan = await registerUser(api);
    expectError(await api.json('PUT', path, { token: fan.token, body: { trackIds: [a.track.id, b.id, c.id] } }), 403, 'forbidden');
    assert.deepEqual(await order(), [['C', 1], ['T', 2], ['B', 3]]);
  });
});

describe('the web app without WEB_DIR', () => {
  test('is found beside the binary, whatever the working directory', async () => {
    assert.equal(process.env.WEB_DIR, undefined, 'the suite runs without WEB_DIR');
    const built = path.join(path.dirname(fs.realpathSync(BINARY)), '..', 'web', 'dist', 'index.html');
    assert.ok(fs.existsSync(built), `the built web app is expected at ${built} (scripts/setup.sh builds it)`);
    const other = await startServer({ name: 'web-default' }); // runs in a fresh temporary directory
    try {
      const res = await fetch(new URL('/', other.baseUrl));
      assert.equal(res.status, 200);
      assert.equal(await res.text(), fs.readFileSync(built, 'utf8'));
    } finally {
      await other.stop();
    }
  });
});
