// Link previews (issue 13 item 6, docs/web.md "Sharing"): fetching an artist, release or track URL
// without JavaScript returns the page's Open Graph and Twitter card tags, written by the server
// into index.html with every value escaped; unknown ids get the plain app (its not-found page);
// only the embeddable player may be framed by other sites.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers/server.mjs';
import { readyTrack } from './helpers/media.mjs';
import { expectStatus } from './helpers/http.mjs';
import { registerUser, uniqueName } from './helpers/fixtures.mjs';

let srv;
let api;
let artist;
let slug;
let releaseId;
let trackId;
const stageName = `Ana "Q" <Lab> & Co ${uniqueName('s')}`;

before(async () => {
  srv = await startServer({ name: 'sharing' });
  api = srv.api;
  artist = await registerUser(api, { role: 'artist', artistName: stageName });
  expectStatus(await api.json('PUT', '/api/artists/profile', {
    token: artist.token, body: { bio: 'Songs about <script>alert(1)</script> and "quotes".\n\nSecond   paragraph.' },
  }), 200);
  slug = expectStatus(await api.json('GET', `/api/artists/${artist.user.id}`), 200).slug;
  const release = expectStatus(await api.json('POST', '/api/releases', { token: artist.token, body: { title: 'Night & Day', kind: 'ep' } }), 201);
  releaseId = release.id;
  trackId = (await readyTrack(srv, artist.token, { releaseId, title: 'First <Light>' })).id;
  expectStatus(await api.json('PATCH', `/api/releases/${releaseId}`, { token: artist.token, body: { published: true } }), 200);
});
after(async () => { await srv?.stop(); });

async function page(path) {
  const res = await fetch(srv.baseUrl + path);
  const html = await res.text();
  const meta = {};
  for (const m of html.matchAll(/<meta (?:property|name)="([^"]+)" content="([^"]*)">/g)) meta[m[1]] = m[2];
  return { res, html, meta };
}

test('an artist page names the artist, with the bio as description, every value escaped', async () => {
  const { res, html, meta } = await page(`/artist/${slug}`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/html/);
  assert.equal(meta['og:title'], stageName.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
  assert.equal(meta['og:type'], 'profile');
  assert.equal(meta['og:description'], 'Songs about &lt;script&gt;alert(1)&lt;/script&gt; and &quot;quotes&quot;. Second paragraph.');
  assert.match(meta['og:url'], new RegExp(`/artist/${slug}$`));
  assert.equal(meta['twitter:card'], 'summary');
  assert.ok(!html.includes('<script>alert(1)'), 'the bio never reaches the page as markup');
  assert.ok(html.includes('<div id="root">') || html.includes('id="root"'), 'still the app');
  assert.equal(res.headers.get('x-frame-options'), 'DENY');
});

test('a release page and a track page name the work and its artist', async () => {
  const release = await page(`/artist/${slug}/release/${releaseId}`);
  assert.equal(release.res.status, 200);
  assert.match(release.meta['og:title'], /^Night &amp; Day by Ana &quot;Q&quot; &lt;Lab&gt; &amp; Co /);
  assert.equal(release.meta['og:type'], 'music.album');
  assert.match(release.meta['og:url'], new RegExp(`/artist/${slug}/release/${releaseId}$`));

  const track = await page(`/track/${trackId}`);
  assert.equal(track.res.status, 200);
  assert.match(track.meta['og:title'], /^First &lt;Light&gt; by Ana /);
  assert.equal(track.meta['og:type'], 'music.song');
  assert.match(track.meta['twitter:title'], /^First &lt;Light&gt; by /);
});

test('unknown ids and other pages get the plain app, without preview tags', async () => {
  for (const path of [`/track/00000000-0000-4000-8000-000000000000`, `/artist/no-such-artist-${uniqueName('x')}`,
    `/artist/${slug}/release/00000000-0000-4000-8000-000000000000`, '/library', '/']) {
    const { res, meta } = await page(path);
    assert.equal(res.status, 200, path);
    assert.equal(meta['og:title'], undefined, path);
  }
});

test('only the embeddable player may be framed by other sites', async () => {
  const embed = await page(`/embed/track/${trackId}`);
  assert.equal(embed.res.status, 200);
  assert.equal(embed.res.headers.get('x-frame-options'), null);
  assert.match(embed.res.headers.get('content-security-policy'), /frame-ancestors \*/);
  assert.match(embed.meta['og:title'], /^First &lt;Light&gt;$/);
  const normal = await page(`/track/${trackId}`);
  assert.match(normal.res.headers.get('content-security-policy'), /frame-ancestors 'none'/);
});
