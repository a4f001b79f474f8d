// Link previews (issue 13 item 6, docs/web.md "Sharing"): fetching an artist, release or track URL
// without JavaScript returns the page's Open Graph and Twitter card tags, written by the server
// into index.html with every value escaped; unknown ids get the plain app (its not-found page);
// only the embeddable player may be framed by other sites. The artist has an avatar and the release a
// cover, so every card carries an absolute image URL a crawler can fetch.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fsp from 'node:fs/promises';
import { startServer } from './helpers/server.mjs';
import { fetchBytes, makePicture, readyTrack, scratchDir } from './helpers/media.mjs';
import { expectStatus } from './helpers/http.mjs';
import { registerUser, uniqueName } from './helpers/fixtures.mjs';

let srv;
let api;
let artist;
let slug;
let releaseId;
let trackId;
let dir;
let avatar;
let cover;
const stageName = `Ana "Q" <Lab> & Co ${uniqueName('s')}`;

before(async () => {
  dir = await scratchDir('sharing');
  srv = await startServer({ name: 'sharing', env: { PUBLIC_URL: (s) => s.baseUrl } });
  api = srv.api;
  artist = await registerUser(api, { role: 'artist', artistName: stageName });
  expectStatus(await api.json('PUT', '/api/artists/profile', {
    token: artist.token, body: { bio: 'Songs about <script>alert(1)</script> and "quotes".\n\nSecond   paragraph.' },
  }), 200);
  slug = expectStatus(await api.json('GET', `/api/artists/${artist.user.id}`), 200).slug;
  const release = expectStatus(await api.json('POST', '/api/releases', { token: artist.token, body: { title: 'Night & Day', kind: 'ep' } }), 201);
  releaseId = release.id;
  trackId = (await readyTrack(srv, artist.token, { releaseId, title: 'First <Light>' })).id;
  expectStatus(await api.json('PATCH', `/api/releases/${releaseId}`, {
    token: artist.token, body: { published: true, description: 'Recorded <live> in one take.\n\nTwo   rooms, "one" night.' },
  }), 200);
  const png = await fsp.readFile(await makePicture(dir, 'picture.png', 'testsrc2=s=600x600'));
  avatar = expectStatus(await api.json('PUT', '/api/artists/profile/avatar', { token: artist.token, rawBody: png, contentType: 'image/png' }), 200).avatar;
  cover = expectStatus(await api.json('PUT', `/api/releases/${releaseId}/cover`, { token: artist.token, rawBody: png, contentType: 'image/png' }), 200).cover;
});
after(async () => {
  await srv?.stop();
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

// The card's picture: og:image and twitter:image agree, are absolute (a crawler has no page to
// resolve a path against), name the largest rendition, and the server serves a JPEG there.
async function assertCardImage(meta, expected) {
  const og = meta['og:image']?.replace(/&amp;/g, '&');
  assert.ok(og, 'og:image is there');
  assert.equal(meta['twitter:image']?.replace(/&amp;/g, '&'), og);
  assert.equal(meta['twitter:card'], 'summary_large_image');
  assert.equal(og, new URL(expected, srv.baseUrl).href);
  assert.ok(og.startsWith(`${srv.baseUrl}/`), `absolute: ${og}`);
  const got = await fetchBytes(srv, og);
  assert.equal(got.status, 200, og);
  assert.equal(got.headers.get('content-type'), 'image/jpeg');
}
const largest = (urls) => urls[String(Math.max(...Object.keys(urls).map(Number)))];

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
  await assertCardImage(meta, largest(avatar));
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
  // The release's own description, on one line, escaped; its cover as the picture.
  const described = 'Recorded &lt;live&gt; in one take. Two rooms, &quot;one&quot; night.';
  assert.equal(release.meta['og:description'], described);
  assert.equal(release.meta['twitter:description'], described);
  assert.equal(release.meta.description, described);
  await assertCardImage(release.meta, largest(cover));

  const track = await page(`/track/${trackId}`);
  assert.equal(track.res.status, 200);
  assert.match(track.meta['og:title'], /^First &lt;Light&gt; by Ana /);
  assert.equal(track.meta['og:type'], 'music.song');
  assert.match(track.meta['twitter:title'], /^First &lt;Light&gt; by /);
  // A track has no text of its own: the description says what it is and whose; the release's cover
  // is its artwork.
  assert.match(track.meta['og:description'], /^Listen to First &lt;Light&gt; by Ana &quot;Q&quot; &lt;Lab&gt; &amp; Co .+ on MusicConnect$/);
  assert.equal(track.meta['twitter:description'], track.meta['og:description']);
  await assertCardImage(track.meta, largest(cover));
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
