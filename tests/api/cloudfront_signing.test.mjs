// Issue 14 item 5: the server's CloudFront signed media URLs (MEDIA_URL_SIGNING=cloudfront) are the
// ones the edge accepts, and what the edge then caches is shared only by those allowed to hear it.
// CloudFront checks signed URLs itself with the key group made from the public half of
// CLOUDFRONT_PRIVATE_KEY (terraform modules/cloudfront, policies.tf); the Lambda@Edge functions do
// not take part. `edgeCheck` below is that check as AWS documents it for custom policies
// (signature over the policy with the key group's key, RSA-SHA1, CloudFront's base64 alphabet; the
// URL less CloudFront's own parameters within Resource, its * matching any characters; now before
// DateLessThan). `edge` is the distribution's media behaviours as main.tf and policies.tf configure
// them (pinned by infrastructure/terraform/tests/media_edge.tftest.hcl): which paths are signed,
// what the cache key holds, the whole query string forwarded to the origin on a miss.
// Checked: a link the server hands out passes the edge check (tampered, foreign, expired or
// unknown-key ones do not) and is byte for byte the documented signer's; a whole playback through
// the edge works for the artist and for a free fan; and a free fan's links cannot fetch the
// higher rungs the artist's playback left in the edge cache (docs/streaming.md, "Signed media links").
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer } from './helpers/server.mjs';
import { readyTrack } from './helpers/media.mjs';
import { expectStatus } from './helpers/http.mjs';
import { registerUser, uniqueName } from './helpers/fixtures.mjs';

const CDN = 'https://cdn.musicconnect.test';
const KEY_PAIR_ID = 'K2MCTEST0000';
const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});

// CloudFront's URL-safe base64: + → -, = → _, / → ~.
const cf64 = (buf) => buf.toString('base64').replace(/\+/g, '-').replace(/=/g, '_').replace(/\//g, '~');
const uncf64 = (s) => Buffer.from(s.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64');

// The raw URL less CloudFront's Policy, Signature and Key-Pair-Id parameters, as the edge matches it.
function withoutEdgeParams(url) {
  const [base, query = ''] = url.split('?');
  const kept = query.split('&').filter((pair) => pair && !['Policy', 'Signature', 'Key-Pair-Id'].includes(pair.split('=')[0]));
  return kept.length ? `${base}?${kept.join('&')}` : base;
}

// The edge's check of a custom-policy signed URL, against the key group { id: public key PEM }.
function edgeCheck(url, keyGroup, nowSeconds) {
  const u = new URL(url);
  const policyParam = u.searchParams.get('Policy');
  const signature = u.searchParams.get('Signature');
  const keyId = u.searchParams.get('Key-Pair-Id');
  if (!policyParam || !signature || !keyId) return 'missing signing parameters';
  const key = keyGroup[keyId];
  if (!key) return 'key pair id not in the key group';
  const policy = uncf64(policyParam);
  if (!crypto.verify('RSA-SHA1', policy, key, uncf64(signature))) return 'bad signature';
  const statement = JSON.parse(policy.toString('utf8')).Statement?.[0];
  if (!statement) return 'no statement';
  // The URL as requested (not re-encoded), less CloudFront's own parameters.
  const requested = withoutEdgeParams(url);
  const pattern = new RegExp(`^${statement.Resource.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`);
  if (!pattern.test(requested)) return `outside the policy's resource ${statement.Resource}`;
  const until = statement.Condition?.DateLessThan?.['AWS:EpochTime'];
  if (!Number.isInteger(until) || nowSeconds >= until) return 'expired';
  return 'ok';
}

// The documented signing algorithm (what `aws cloudfront sign` and the AWS SDKs do).
function edgeSign(resource, expires) {
  const policy = JSON.stringify({ Statement: [{ Resource: resource, Condition: { DateLessThan: { 'AWS:EpochTime': expires } } }] });
  const signature = crypto.sign('RSA-SHA1', Buffer.from(policy), privateKey);
  return { Policy: cf64(Buffer.from(policy)), Signature: cf64(signature), 'Key-Pair-Id': KEY_PAIR_ID };
}

let srv;
let grant;
let trackId;
before(async () => {
  srv = await startServer({
    name: 'cloudfront',
    env: { MEDIA_URL_SIGNING: 'cloudfront', CDN_URL: CDN, CLOUDFRONT_KEY_PAIR_ID: KEY_PAIR_ID, CLOUDFRONT_PRIVATE_KEY: privateKey },
  });
  const artist = await registerUser(srv.api, { role: 'artist', artistName: `Edge ${uniqueName('a')}` });
  const rel = expectStatus(await srv.api.json('POST', '/api/releases', { token: artist.token, body: { title: 'EP', kind: 'ep' } }), 201);
  // A release is published only with a ready track: a one-second upload, processed for real.
  const track = await readyTrack(srv, artist.token, { releaseId: rel.id, title: 'Signed' });
  expectStatus(await srv.api.json('PATCH', `/api/releases/${rel.id}`, { token: artist.token, body: { published: true } }), 200);
  trackId = track.id;
  grant = expectStatus(await srv.api.json('POST', `/api/content/${trackId}/playback`, { token: artist.token }), 200);
  grant.artistToken = artist.token;
});
after(async () => { if (srv?.running) await srv.stop(); });

test('a URL the server signs passes the edge check; altered ones do not', () => {
  const url = grant.masterUrl;
  assert.ok(url.startsWith(`${CDN}/media/hls/${trackId}/v`), url);
  const now = Math.floor(Date.now() / 1000);
  const keyGroup = { [KEY_PAIR_ID]: publicKey };
  assert.equal(edgeCheck(url, keyGroup, now), 'ok');
  // The master's policy is for exactly the master: not a way into the rungs' directories.
  assert.match(edgeCheck(url.replace('master.m3u8', '128/index.m3u8'), keyGroup, now), /outside/);

  const expires = Date.parse(grant.expiresAt) / 1000;
  assert.equal(edgeCheck(url, keyGroup, expires), 'expired');
  assert.match(edgeCheck(url.replace(`/hls/${trackId}/`, `/hls/${crypto.randomUUID()}/`), keyGroup, now), /outside/);
  assert.match(edgeCheck(url.replace(/([?&]r=)[^&]*/, '$1128,256,1411'), keyGroup, now), /outside/, 'the rungs are bound by the policy');
  assert.match(edgeCheck(url.replace(/Signature=[^&]+/, (s) => s.slice(0, -4) + (s.endsWith('AAAA') ? 'BBBB' : 'AAAA')), keyGroup, now), /bad signature/);
  const otherKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
  assert.equal(edgeCheck(url, { [KEY_PAIR_ID]: otherKey }, now), 'bad signature');
  assert.equal(edgeCheck(url, { K2OTHER: publicKey }, now), 'key pair id not in the key group');
});

test('the documented signer makes the same URL as the server for the same resource and expiry', () => {
  const u = new URL(grant.masterUrl);
  const expires = Date.parse(grant.expiresAt) / 1000;
  const ours = withoutEdgeParams(grant.masterUrl);
  const signed = edgeSign(ours, expires);
  for (const [name, value] of Object.entries(signed)) assert.equal(u.searchParams.get(name), value, name);
  const resigned = `${ours}&${Object.entries(signed).map(([k, v]) => `${k}=${v}`).join('&')}`;
  assert.equal(resigned, grant.masterUrl);
  assert.equal(edgeCheck(resigned, { [KEY_PAIR_ID]: publicKey }, Math.floor(Date.now() / 1000)), 'ok');
});

// ---- the distribution's media behaviours, in front of the real server ------------------------------
function behaviourOf(pathname) {
  if (pathname.startsWith('/media/images/') || pathname.startsWith('/media/artwork/')) return { signed: false, queryInKey: false };
  if (pathname.startsWith('/media/') && pathname.endsWith('.m3u8')) return { signed: true, queryInKey: true, honoursPrivate: true };
  if (pathname.startsWith('/media/')) return { signed: true, queryInKey: false }; // min TTL a day: cached whatever the origin says
  throw new Error(`no media behaviour for ${pathname}`);
}

function makeEdge(origin) {
  const cache = new Map();
  const stats = { hits: 0, misses: 0 };
  async function get(url) {
    const u = new URL(url);
    assert.equal(u.origin, CDN, `a media link points at the CDN: ${url}`);
    const b = behaviourOf(u.pathname);
    if (b.signed) {
      const verdict = edgeCheck(url, { [KEY_PAIR_ID]: publicKey }, Math.floor(Date.now() / 1000));
      if (verdict !== 'ok') return { status: 403, edge: verdict };
    }
    // Whether CloudFront passes its own parameters on is not the origin's business: leave them out.
    const forwarded = new URL(withoutEdgeParams(url));
    const key = b.queryInKey ? url : u.pathname;
    if (cache.has(key)) {
      stats.hits += 1;
      return { ...cache.get(key), cached: true };
    }
    stats.misses += 1;
    const res = await fetch(`${origin}${forwarded.pathname}${forwarded.search}`);
    const out = { status: res.status, body: Buffer.from(await res.arrayBuffer()), cacheControl: res.headers.get('cache-control') ?? '' };
    const privateAnswer = /private|no-store/.test(out.cacheControl);
    if (out.status === 200 && !(b.honoursPrivate && privateAnswer)) cache.set(key, out);
    return out;
  }
  return { get, stats, cache };
}

// The URIs of a playlist, resolved against its URL (segments and the #EXT-X-MAP init section).
function urisOf(text, base) {
  const out = [];
  for (const line of text.split('\n')) {
    const map = line.match(/^#EXT-X-MAP:.*URI="([^"]+)"/);
    if (map) out.push(new URL(map[1], base).toString());
    else if (line && !line.startsWith('#')) out.push(new URL(line.trim(), base).toString());
  }
  return out;
}

// Every playlist and media file of a grant, fetched through the edge as a player would.
async function playThrough(edge, masterUrl) {
  const master = await edge.get(masterUrl);
  assert.equal(master.status, 200, `master: ${master.edge ?? master.body}`);
  const variants = urisOf(master.body.toString(), masterUrl);
  const rungs = {};
  for (const v of variants) {
    const rung = new URL(v).pathname.split('/').at(-2);
    const playlist = await edge.get(v);
    assert.equal(playlist.status, 200, `${rung} playlist: ${playlist.edge ?? playlist.body}`);
    const media = urisOf(playlist.body.toString(), v);
    assert.ok(media.length >= 2, `${rung}: an init section and segments`);
    for (const m of media) {
      const r = await edge.get(m);
      assert.equal(r.status, 200, `${rung} ${new URL(m).pathname}: ${r.edge ?? r.body}`);
    }
    rungs[rung] = media;
  }
  return rungs;
}

test('through the edge: whole playbacks work, cached rungs stay with those allowed to hear them', async () => {
  const edge = makeEdge(srv.baseUrl);
  // The artist hears every rung; afterwards all of them are in the edge cache.
  const artistRungs = await playThrough(edge, grant.masterUrl);
  assert.deepEqual(Object.keys(artistRungs).sort(), grant.rungs.map((k) => (k >= 1000 ? 'lossless' : String(k))).sort());
  assert.ok(Object.keys(artistRungs).length >= 2, `the test needs a rung a free fan may not hear: ${grant.rungs}`);

  // A free fan's grant: fewer rungs, and its segments come from the cache the artist filled.
  const fan = await registerUser(srv.api, { role: 'fan' });
  const fanGrant = expectStatus(await srv.api.json('POST', `/api/content/${trackId}/playback`, { token: fan.token }), 200);
  assert.deepEqual(fanGrant.rungs, [128]);
  const hitsBefore = edge.stats.hits;
  const fanRungs = await playThrough(edge, fanGrant.masterUrl);
  assert.deepEqual(Object.keys(fanRungs), ['128'], 'the fan\'s master lists the 128 kbps rung only');
  assert.ok(edge.stats.hits - hitsBefore >= fanRungs['128'].length, 'the fan\'s segments were served from the edge cache');

  // The fan's links, pointed at a rung above the grant's, are refused at the edge even though the
  // artist's playback left those segments in the cache.
  const fanSegment = new URL(fanRungs['128'].at(-1));
  for (const [rung, media] of Object.entries(artistRungs)) {
    if (rung === '128') continue;
    const cachedPath = new URL(media.at(-1)).pathname;
    assert.ok(edge.cache.has(cachedPath), `${cachedPath} is cached`);
    const r = await edge.get(`${CDN}${cachedPath}${fanSegment.search}`);
    assert.equal(r.status, 403, `rung ${rung} through a 128 kbps link`);
    assert.match(r.edge, /outside the policy's resource/);
    // The master link's own signature opens nothing but the master.
    const viaMaster = new URL(fanGrant.masterUrl);
    assert.equal((await edge.get(`${CDN}${cachedPath}${viaMaster.search}`)).status, 403);
  }
  // The origin still refuses a 128 kbps grant for another rung when asked directly.
  const direct = new URL(fanSegment);
  const other = Object.keys(artistRungs).find((r) => r !== '128');
  const otherPath = new URL(artistRungs[other].at(-1)).pathname;
  const res = await fetch(`${srv.baseUrl}${otherPath}${direct.search}`);
  assert.equal(res.status, 403);
});

test('through the edge: a download link opens its file, with its name, and only that file', async () => {
  const edge = makeEdge(srv.baseUrl);
  const artistToken = grant.artistToken;
  const link = expectStatus(await srv.api.json('POST', `/api/content/${trackId}/download`, { token: artistToken, body: { format: 'original' } }), 200);
  assert.ok(link.url.startsWith(`${CDN}/media/originals/`), link.url);
  const r = await edge.get(link.url);
  assert.equal(r.status, 200, r.edge ?? String(r.body));
  assert.ok(r.body.length > 1000, 'the original file');
  const [path, query] = link.url.split('?');
  assert.match((await edge.get(`${path.replace(/[^/]+$/, 'other.wav')}?${query}`)).edge, /outside/);
  const renamed = link.url.replace(/([?&]n=)[^&]*/, '$1x.exe');
  assert.notEqual(renamed, link.url);
  assert.match((await edge.get(renamed)).edge, /outside/, 'the file name is part of the signed URL');
});
