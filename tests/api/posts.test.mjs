// Artist posts and the fan home feed (SPEC §4.5, docs/posts.md): Markdown rendered to sanitised
// HTML, visibility per tier with teasers, scheduled publishing with its notification, comments and
// likes, images through the image pipeline, and the cursor-paged feed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { startServer } from './helpers/server.mjs';
import { expectError, expectStatus } from './helpers/http.mjs';
import { matrixViewers, registerUser, uniqueName } from './helpers/fixtures.mjs';
import { fetchBytes, readyTrack, scratchDir } from './helpers/media.mjs';

const run = promisify(execFile);
let srv;
let api;
let dir;
before(async () => {
  srv = await startServer({ name: 'posts' });
  api = srv.api;
  dir = await scratchDir('posts');
});
after(async () => {
  await srv?.stop();
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

async function waitFor(fn, { timeoutMs = 20_000, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const newArtist = () => registerUser(api, { role: 'artist', artistName: `Poster ${uniqueName('p')}` });
const post = async (token, body) => expectStatus(await api.json('POST', '/api/posts', { token, body }), 201);
const follow = (token, artistId) => api.json('POST', `/api/artists/${artistId}/follow`, { token });
const notificationsOf = async (token, type) =>
  expectStatus(await api.get('/api/notifications', { token }), 200).notifications.filter((n) => n.type === type);

describe('sanitising', () => {
  const corpus = [
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    '<svg onload=alert(1)><circle r=1 /></svg>',
    '[click](javascript:alert(1))',
    '[click](JaVaScRiPt:alert(1))',
    '[tab](java\tscript:alert(1))',
    '[entity](&#106;avascript:alert(1))',
    '[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
    '[vb](vbscript:msgbox(1))',
    '![x](javascript:alert(1))',
    '<a href="javascript:alert(1)">raw link</a>',
    '<div style="background:url(javascript:alert(1))">css</div>',
    '<style>body{background:red}</style>',
    '<iframe src="https://evil.example"></iframe>',
    '<p onclick="alert(1)">para</p>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '`<script>alert(1)</script>` in code',
    '<<script>script>alert(1)<</script>/script>',
    '<object data="javascript:alert(1)"></object>',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    // CSS tricks: expressions, behaviours, imports and javascript: inside url().
    '<span style="width:expression(alert(1))">expr</span>',
    '<p style="behavior:url(#default#time2)">behaviour</p>',
    '<style>@import "javascript:alert(1)";</style>',
    '<style>li{background-image:url("javascript:alert(1)")}</style>',
    '<link rel="stylesheet" href="javascript:alert(1)">',
    '<table background="javascript:alert(1)"><tr><td>cell</td></tr></table>',
  ];

  test('script, event handlers, javascript: links, SVG and CSS never survive; Markdown does', async () => {
    const artist = await newArtist();
    const body = [
      '# Heading', '', 'Some **bold** and _italic_ text with a [safe link](https://example.com/a?b=1).', '',
      '- one', '- two', '', '> quoted', '', ...corpus.flatMap((c) => [c, '']),
    ].join('\n');
    const created = await post(artist.token, { title: 'XSS corpus', body, visibility: 'public' });
    for (const view of [created, expectStatus(await api.get(`/api/posts/${created.id}`), 200)]) {
      const html = view.bodyHtml;
      assert.match(html, /<strong>bold<\/strong>/);
      assert.match(html, /<em>italic<\/em>/);
      assert.match(html, /<a href="https:\/\/example.com\/a\?b=1" rel="nofollow ugc noopener noreferrer">safe link<\/a>/);
      assert.match(html, /<li>one<\/li>/);
      assert.match(html, /<blockquote>/);
      assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/, 'code spans keep the text, escaped');
      assert.doesNotMatch(html, /<script/i);
      assert.doesNotMatch(html, /<(img|svg|math|iframe|object|style|form|button|div|link|table|span)\b/i);
      assert.doesNotMatch(html, /expression\(|url\(\s*["']?javascript|@import|behavior:/i, 'no CSS survives as markup');
      assert.doesNotMatch(html, /\son\w+\s*=/i, 'no event handler attribute');
      assert.doesNotMatch(html, /href="\s*(javascript|vbscript|data)/i);
      assert.doesNotMatch(html, /style=/i);
      assert.doesNotMatch(html, /<a(>| rel)/, 'a link without a safe target is only its text');
      assert.match(html, /click/);
      // Every attribute that remains is an allowed one.
      for (const [, name] of html.matchAll(/\s([a-z-]+)="/gi)) assert.ok(['href', 'rel', 'start', 'class'].includes(name), name);
      for (const [, href] of html.matchAll(/href="([^"]*)"/g)) assert.match(href, /^(https?:|mailto:|\/|[^:]*$)/i, href);
    }
  });

  // Comments are plain text: the API keeps each payload exactly as written, in JSON and never as
  // HTML (the web app renders them as text; tests/e2e/social_journeys.test.mjs checks no script runs).
  test('the whole corpus in post and track comments comes back as the same text, never as markup', async () => {
    const artist = await newArtist();
    const fan = await registerUser(api);
    const p = await post(artist.token, { title: 'Talk', body: 'hi', visibility: 'public' });
    const rel = expectStatus(await api.json('POST', '/api/releases', { token: artist.token, body: { title: 'Talk EP', kind: 'single' } }), 201);
    const t = await readyTrack(srv, artist.token, { releaseId: rel.id, title: 'Commented' });
    expectStatus(await api.json('PATCH', `/api/releases/${rel.id}`, { token: artist.token, body: { published: true } }), 200);
    const targets = [[`/api/posts/${p.id}/comments`, artist.token], [`/api/content/${t.id}/comments`, artist.token],
      [`/api/posts/${p.id}/comments`, fan.token]];
    for (const [url, token] of targets) {
      const written = [];
      for (const payload of corpus) {
        const res = await api.json('POST', url, { token, body: { body: payload } });
        const c = expectStatus(res, 201);
        assert.match(res.headers.get('content-type'), /^application\/json/, 'never served as HTML');
        assert.equal(c.body, payload, `${url}: kept verbatim`);
        assert.equal(c.bodyHtml, undefined, 'no rendered HTML for comments');
        written.push(c.id);
      }
      const listRes = await api.get(`${url}?limit=100`);
      assert.match(listRes.headers.get('content-type'), /^application\/json/);
      assert.equal(listRes.headers.get('x-content-type-options'), 'nosniff');
      const listed = new Map(expectStatus(listRes, 200).comments.map((c) => [c.id, c]));
      for (const [i, id] of written.entries()) {
        assert.equal(listed.get(id)?.body, corpus[i], `${url}: listed verbatim`);
        assert.equal(listed.get(id).bodyHtml, undefined);
      }
    }
  });
});

describe('visibility and teasers', () => {
  let artist;
  let viewers;
  const posts = {};
  before(async () => {
    artist = await newArtist();
    const base = { body: 'The **secret** news' };
    posts.public = (await post(artist.token, { ...base, title: 'For everyone', visibility: 'public' })).id;
    posts.followers = (await post(artist.token, { ...base, title: 'For followers', visibility: 'followers' })).id;
    posts.supporter = (await post(artist.token, { ...base, title: 'For supporters', visibility: 'min_tier', minTier: 'supporter' })).id;
    posts.superfan = (await post(artist.token, { ...base, title: 'For superfans', visibility: 'min_tier', minTier: 'superfan' })).id;
    viewers = await matrixViewers(srv, artist);
  });

  // F = full post; L = teaser locked for followers; S = teaser naming the tier.
  const expected = {
    anonymous:   { public: 'F', followers: 'L', supporter: 'S', superfan: 'S' },
    follower:    { public: 'F', followers: 'F', supporter: 'S', superfan: 'S' },
    supporter:   { public: 'F', followers: 'F', supporter: 'F', superfan: 'S' },
    superfan:    { public: 'F', followers: 'F', supporter: 'F', superfan: 'F' },
    artist:      { public: 'F', followers: 'F', supporter: 'F', superfan: 'F' },
    otherArtist: { public: 'F', followers: 'L', supporter: 'S', superfan: 'S' },
    admin:       { public: 'F', followers: 'F', supporter: 'F', superfan: 'F' },
  };

  for (const [role, row] of Object.entries(expected)) {
    test(`${role}: each post is full or a teaser exactly as the rules say, alone and in the list`, async () => {
      const token = viewers[role] ?? undefined;
      const list = expectStatus(await api.get(`/api/posts?artist=${artist.user.id}`, { token }), 200).posts;
      for (const [item, want] of Object.entries(row)) {
        const one = expectStatus(await api.get(`/api/posts/${posts[item]}`, { token }), 200);
        const listed = list.find((p) => p.id === posts[item]);
        assert.ok(listed, `${role} × ${item}: listed`);
        for (const view of [one, listed]) {
          const where = `${role} × ${item}`;
          assert.equal(typeof view.title, 'string', where);
          if (want === 'F') {
            assert.equal(view.locked, null, where);
            assert.match(view.bodyHtml, /<strong>secret<\/strong>/, where);
          } else {
            assert.equal(view.bodyHtml, undefined, `${where}: a teaser has no body`);
            assert.equal(view.image, undefined, where);
            assert.equal(view.tracks, undefined, where);
            assert.doesNotMatch(JSON.stringify(view), /secret/, where);
            assert.equal(view.locked.reason, want === 'L' ? 'followers' : 'tier', where);
            if (want === 'S') assert.equal(view.locked.requiredTier, item, where);
          }
        }
      }
    });
  }

  test('a locked post cannot be liked, commented or its comments read', async () => {
    const fan = viewers.follower;
    expectError(await api.json('POST', `/api/posts/${posts.supporter}/like`, { token: fan }), 403, 'locked');
    expectError(await api.json('POST', `/api/posts/${posts.supporter}/comments`, { token: fan, body: { body: 'hi' } }), 403, 'locked');
    const res = await api.get(`/api/posts/${posts.supporter}/comments`, { token: fan });
    const err = expectError(res, 403, 'locked');
    assert.equal(err.details.locked.requiredTier, 'supporter');
    expectStatus(await api.json('POST', `/api/posts/${posts.supporter}/like`, { token: viewers.supporter }), 200);
  });
});

describe('writing posts', () => {
  test('bad input is refused field by field and writes nothing', async () => {
    const artist = await newArtist();
    const before = (await srv.pool.query('SELECT count(*)::int AS n FROM posts')).rows[0].n;
    const cases = [
      [{ body: 'x', visibility: 'public' }, 'title'],
      [{ title: 'x'.repeat(201), body: 'x', visibility: 'public' }, 'title'],
      [{ title: 't', body: '', visibility: 'public' }, 'body'],
      [{ title: 't', body: 'x'.repeat(20001), visibility: 'public' }, 'body'],
      [{ title: 't', body: `${'>'.repeat(5000)} deep`, visibility: 'public' }, 'body'],
      [{ title: 't', body: 'x', visibility: 'friends' }, 'visibility'],
      [{ title: 't', body: 'x', visibility: 'min_tier' }, 'minTier'],
      [{ title: 't', body: 'x', visibility: 'min_tier', minTier: 'free' }, 'minTier'],
      [{ title: 't', body: 'x', visibility: 'public', minTier: 'supporter' }, 'minTier'],
      [{ title: 't', body: 'x', visibility: 'public', trackIds: ['nope'] }, 'trackIds'],
      [{ title: 't', body: 'x', visibility: 'public', publishAt: 'tomorrow' }, 'publishAt'],
      [{ title: 't', body: 'x', visibility: 'public', extra: 1 }, 'extra'],
    ];
    for (const [body, field] of cases) {
      expectError(await api.json('POST', '/api/posts', { token: artist.token, body }), 400, 'validation_failed', { field });
    }
    const fan = await registerUser(api);
    expectError(await api.json('POST', '/api/posts', { token: fan.token, body: { title: 't', body: 'x', visibility: 'public' } }), 403, 'forbidden');
    expectError(await api.json('POST', '/api/posts', { body: { title: 't', body: 'x', visibility: 'public' } }), 401, 'unauthorized');
    const other = await newArtist();
    const rel = expectStatus(await api.json('POST', '/api/releases', { token: other.token, body: { title: 'R', kind: 'single' } }), 201);
    const theirs = expectStatus(await api.json('POST', `/api/releases/${rel.id}/tracks`, { token: other.token, body: { title: 'T' } }), 201);
    expectError(await api.json('POST', '/api/posts', { token: artist.token, body: { title: 't', body: 'x', visibility: 'public', trackIds: [theirs.id] } }), 422, 'unknown_tracks', { field: 'trackIds' });
    assert.equal((await srv.pool.query('SELECT count(*)::int AS n FROM posts')).rows[0].n, before);
  });

  test('embedded tracks come with the post, as the viewer may see them', async () => {
    const artist = await newArtist();
    const rel = expectStatus(await api.json('POST', '/api/releases', { token: artist.token, body: { title: 'EP', kind: 'ep' } }), 201);
    const open = await readyTrack(srv, artist.token, { releaseId: rel.id, title: 'Open one' });
    const paid = await readyTrack(srv, artist.token, { releaseId: rel.id, title: 'Paid one', minTier: 'superfan' });
    expectStatus(await api.json('PATCH', `/api/releases/${rel.id}`, { token: artist.token, body: { published: true } }), 200);
    const p = await post(artist.token, { title: 'Listen', body: 'New songs', visibility: 'public', trackIds: [open.id, paid.id] });
    const seen = expectStatus(await api.get(`/api/posts/${p.id}`), 200);
    assert.deepEqual(seen.tracks.map((t) => t.title), ['Open one', 'Paid one']);
    assert.equal(seen.tracks[0].locked, null);
    assert.equal(seen.tracks[1].locked.requiredTier, 'superfan');
    assert.equal(seen.tracks[1].rungs, undefined, 'a locked embedded track is a teaser');
  });

  test('a picture goes through the image pipeline; teasers do not carry it', async () => {
    const artist = await newArtist();
    const p = await post(artist.token, { title: 'Photo', body: 'Look', visibility: 'min_tier', minTier: 'supporter' });
    const file = path.join(dir, 'photo.png');
    await run('ffmpeg', ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=1600x1000', '-frames:v', '1', file]);
    const res = await api.json('PUT', `/api/posts/${p.id}/image`, { token: artist.token, rawBody: await fsp.readFile(file), contentType: 'image/png' });
    const withImage = expectStatus(res, 200);
    assert.deepEqual(Object.keys(withImage.image).sort((a, b) => a - b), ['640', '1280']);
    const img = await fetchBytes(srv, withImage.image['640']);
    assert.equal(img.status, 200);
    assert.equal(img.headers.get('content-type'), 'image/jpeg');
    const teaser = expectStatus(await api.get(`/api/posts/${p.id}`), 200);
    assert.equal(teaser.image, undefined);
    expectError(await api.json('PUT', `/api/posts/${p.id}/image`, { token: artist.token, rawBody: Buffer.from('not an image at all'), contentType: 'image/png' }), 415, 'unsupported_image');
    const other = await newArtist();
    expectError(await api.json('PUT', `/api/posts/${p.id}/image`, { token: other.token, rawBody: await fsp.readFile(file), contentType: 'image/png' }), 404, 'not_found');
  });

  test('only its artist (or an admin) deletes a post', async () => {
    const artist = await newArtist();
    const p = await post(artist.token, { title: 'Gone soon', body: 'x', visibility: 'public' });
    const other = await newArtist();
    expectError(await api.del(`/api/posts/${p.id}`, { token: other.token }), 404, 'not_found');
    expectStatus(await api.del(`/api/posts/${p.id}`, { token: artist.token }), 204);
    expectError(await api.get(`/api/posts/${p.id}`), 404, 'not_found');
  });
});

describe('publishing', () => {
  test('a post published now notifies followers once (new_post)', async () => {
    const artist = await newArtist();
    const fan = await registerUser(api);
    await follow(fan.token, artist.user.id);
    const p = await post(artist.token, { title: 'Hello fans', body: 'x', visibility: 'followers' });
    const [n] = await waitFor(() => notificationsOf(fan.token, 'new_post').then((x) => x.length && x), { what: 'new_post' });
    assert.equal(n.data.postId, p.id);
    assert.equal(n.data.artistId, artist.user.id);
    const { rows } = await srv.pool.query("SELECT count(*)::int AS n FROM outbox WHERE topic = 'post.published' AND key = $1", [p.id]);
    assert.equal(rows[0].n, 1);
  });

  test('a scheduled post exists only for its artist until its time, then goes live and notifies', async () => {
    const artist = await newArtist();
    const fan = await registerUser(api);
    await follow(fan.token, artist.user.id);
    const at = new Date(Date.now() + 4000).toISOString().replace(/\.\d+Z$/, 'Z');
    const p = await post(artist.token, { title: 'Coming up', body: 'soon', visibility: 'public', publishAt: at });
    assert.equal(p.scheduled, true);
    assert.equal(p.publishAt, at);
    // Before its time: invisible to everyone else, in the list and in the feed; no notification yet.
    expectError(await api.get(`/api/posts/${p.id}`, { token: fan.token }), 404, 'not_found');
    const early = expectStatus(await api.get(`/api/posts?artist=${artist.user.id}`, { token: fan.token }), 200);
    if (Date.now() < Date.parse(at) - 500) {
      assert.equal(early.posts.length, 0);
      const feed = expectStatus(await api.get('/api/feed', { token: fan.token }), 200);
      assert.equal(feed.items.length, 0);
      const { rows } = await srv.pool.query("SELECT count(*)::int AS n FROM outbox WHERE topic = 'post.published' AND key = $1", [p.id]);
      assert.equal(rows[0].n, 0);
    }
    const mine = expectStatus(await api.get(`/api/posts?artist=${artist.user.id}`, { token: artist.token }), 200);
    assert.deepEqual(mine.posts.map((x) => x.id), [p.id]);
    // At its time: live for the fan, and the job announces it once.
    await waitFor(async () => (await api.get(`/api/posts/${p.id}`, { token: fan.token })).status === 200, { what: 'the post to go live' });
    const [n] = await waitFor(() => notificationsOf(fan.token, 'new_post').then((x) => x.length && x), { what: 'new_post' });
    assert.equal(n.data.postId, p.id);
    const feed = expectStatus(await api.get('/api/feed', { token: fan.token }), 200);
    assert.deepEqual(feed.items.map((i) => i.post?.id), [p.id]);
  });
});

describe('likes and comments', () => {
  test('likes count once per fan; comments follow the track comments rules', async () => {
    const artist = await newArtist();
    const p = await post(artist.token, { title: 'Chat', body: 'Talk to me', visibility: 'public' });
    const a = await registerUser(api);
    const b = await registerUser(api);
    assert.equal(expectStatus(await api.json('POST', `/api/posts/${p.id}/like`, { token: a.token }), 200).likeCount, 1);
    assert.equal(expectStatus(await api.json('POST', `/api/posts/${p.id}/like`, { token: a.token }), 200).likeCount, 1);
    assert.equal(expectStatus(await api.json('POST', `/api/posts/${p.id}/like`, { token: b.token }), 200).likeCount, 2);
    assert.equal(expectStatus(await api.get(`/api/posts/${p.id}`, { token: a.token }), 200).liked, true);
    assert.equal(expectStatus(await api.json('DELETE', `/api/posts/${p.id}/like`, { token: a.token }), 200).likeCount, 1);
    expectError(await api.json('POST', `/api/posts/${p.id}/like`), 401, 'unauthorized');

    const top = expectStatus(await api.json('POST', `/api/posts/${p.id}/comments`, { token: a.token, body: { body: 'First!' } }), 201);
    const reply = expectStatus(await api.json('POST', `/api/posts/${p.id}/comments`, { token: b.token, body: { body: 'Second', parentId: top.id } }), 201);
    expectError(await api.json('POST', `/api/posts/${p.id}/comments`, { token: b.token, body: { body: 'deeper', parentId: reply.id } }), 400, 'invalid_parent', { field: 'parentId' });
    expectError(await api.json('POST', `/api/posts/${p.id}/comments`, { token: b.token, body: { body: '' } }), 400, 'validation_failed', { field: 'body' });
    expectError(await api.json('POST', `/api/posts/${p.id}/comments`, { token: b.token, body: { body: 'x'.repeat(2001) } }), 400, 'validation_failed', { field: 'body' });
    // A parent from another post is refused.
    const other = await post(artist.token, { title: 'Other', body: 'x', visibility: 'public' });
    const elsewhere = expectStatus(await api.json('POST', `/api/posts/${other.id}/comments`, { token: a.token, body: { body: 'there' } }), 201);
    expectError(await api.json('POST', `/api/posts/${p.id}/comments`, { token: b.token, body: { body: 'x', parentId: elsewhere.id } }), 400, 'invalid_parent');

    const list = expectStatus(await api.get(`/api/posts/${p.id}/comments`), 200);
    assert.equal(list.comments.length, 1);
    assert.equal(list.comments[0].body, 'First!');
    assert.deepEqual(list.comments[0].replies.map((r) => r.body), ['Second']);
    assert.equal(expectStatus(await api.get(`/api/posts/${p.id}`), 200).commentCount, 2);

    // Editing and deleting are the shared comment routes: the author edits; the post's artist deletes.
    expectStatus(await api.json('PATCH', `/api/comments/${top.id}`, { token: a.token, body: { body: 'First (edited)' } }), 200);
    expectError(await api.json('PATCH', `/api/comments/${top.id}`, { token: b.token, body: { body: 'hijack' } }), 404, 'not_found');
    expectError(await api.del(`/api/comments/${reply.id}`, { token: (await newArtist()).token }), 403, 'forbidden');
    expectStatus(await api.del(`/api/comments/${reply.id}`, { token: artist.token }), 204);
    const after = expectStatus(await api.get(`/api/posts/${p.id}/comments`), 200);
    assert.equal(after.comments[0].body, 'First (edited)');
    assert.equal(after.comments[0].edited, true);
    assert.equal(after.comments[0].replies.length, 0);

    // A reply notifies the parent's author (the notifications consumer's comment_reply).
    await waitFor(() => notificationsOf(a.token, 'comment_reply').then((x) => x.length), { what: 'comment_reply' });
  });
});

describe('home feed', () => {
  test("followed artists' posts and releases, newest first, paged by cursor, locked ones as teasers", async () => {
    const one = await newArtist();
    const two = await newArtist();
    const stranger = await newArtist();
    const fan = await registerUser(api);
    await follow(fan.token, one.user.id);
    await follow(fan.token, two.user.id);
    const made = [];
    for (let i = 0; i < 3; i++) {
      made.push((await post(one.token, { title: `One ${i}`, body: `body ${i}`, visibility: 'public' })).id);
      made.push((await post(two.token, { title: `Two ${i}`, body: `body ${i}`, visibility: 'min_tier', minTier: 'superfan' })).id);
    }
    const rel = expectStatus(await api.json('POST', '/api/releases', { token: one.token, body: { title: 'Feed EP', kind: 'ep' } }), 201);
    await readyTrack(srv, one.token, { releaseId: rel.id, title: 'Feed song' });
    expectStatus(await api.json('PATCH', `/api/releases/${rel.id}`, { token: one.token, body: { published: true } }), 200);
    made.push(rel.id);
    const draft = expectStatus(await api.json('POST', '/api/releases', { token: one.token, body: { title: 'Draft', kind: 'single' } }), 201);
    await post(stranger.token, { title: 'Not followed', body: 'x', visibility: 'public' });

    const seen = [];
    let cursor = null;
    let pages = 0;
    do {
      const q = cursor ? `?limit=3&cursor=${encodeURIComponent(cursor)}` : '?limit=3';
      const page = expectStatus(await api.get(`/api/feed${q}`, { token: fan.token }), 200);
      assert.ok(page.items.length <= 3);
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
      assert.ok(pages < 10, 'the cursor ends');
    } while (cursor);
    const ids = seen.map((i) => (i.type === 'post' ? i.post.id : i.release.id));
    assert.equal(new Set(ids).size, ids.length, 'no item twice');
    assert.deepEqual([...ids].sort(), [...made].sort(), 'exactly the followed artists\' live items');
    assert.ok(!ids.includes(draft.id));
    const times = seen.map((i) => Date.parse(i.at));
    assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
    for (const i of seen.filter((x) => x.type === 'post' && x.post.artistId === two.user.id)) {
      assert.equal(i.post.locked.requiredTier, 'superfan');
      assert.equal(i.post.bodyHtml, undefined);
    }
    assert.equal(seen.find((x) => x.type === 'release').release.title, 'Feed EP');

    expectError(await api.get('/api/feed?cursor=garbage', { token: fan.token }), 400, 'invalid_query', { field: 'cursor' });
    expectError(await api.get('/api/feed?limit=0', { token: fan.token }), 400, 'invalid_query', { field: 'limit' });
    expectError(await api.get('/api/feed'), 401, 'unauthorized');
  });
});
