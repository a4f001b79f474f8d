// Issue 14 item 5: the server's CloudFront signed media URLs (MEDIA_URL_SIGNING=cloudfront) are the
// ones the edge accepts. CloudFront checks them itself with the key group made from the public
// half of CLOUDFRONT_PRIVATE_KEY (terraform modules/cloudfront, policies.tf); the Lambda@Edge
// functions do not take part. `edgeCheck` below is that check as AWS documents it for custom
// policies (signature over the policy with the key group's key, RSA-SHA1, CloudFront's base64
// alphabet; the URL within Resource, its * matching any characters; now before DateLessThan).
// Both ways: a URL the server signed passes the edge check (and tampered, foreign, expired or
// unknown-key ones do not); a URL signed by the documented algorithm here, for the same resource
// and expiry, is byte for byte the server's (PKCS#1 v1.5 signatures are deterministic). What the
// origin then receives from CloudFront is not covered here (docs/infrastructure.md, "Not done here").
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
  // The URL as requested, less CloudFront's own parameters.
  for (const p of ['Policy', 'Signature', 'Key-Pair-Id']) u.searchParams.delete(p);
  const requested = u.toString();
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
});
after(async () => { if (srv?.running) await srv.stop(); });

test('a URL the server signs passes the edge check; altered ones do not', () => {
  const url = grant.masterUrl;
  assert.ok(url.startsWith(`${CDN}/media/hls/${trackId}/v`), url);
  const now = Math.floor(Date.now() / 1000);
  const keyGroup = { [KEY_PAIR_ID]: publicKey };
  assert.equal(edgeCheck(url, keyGroup, now), 'ok');
  // The playlists' variant and segment URIs carry the same query under the same scope.
  const variant = url.replace('master.m3u8', '128/index.m3u8');
  assert.equal(edgeCheck(variant, keyGroup, now), 'ok');

  const expires = Date.parse(grant.expiresAt) / 1000;
  assert.equal(edgeCheck(url, keyGroup, expires), 'expired');
  assert.match(edgeCheck(url.replace(`/hls/${trackId}/`, `/hls/${crypto.randomUUID()}/`), keyGroup, now), /outside/);
  assert.match(edgeCheck(url.replace(/Signature=[^&]+/, (s) => s.slice(0, -4) + (s.endsWith('AAAA') ? 'BBBB' : 'AAAA')), keyGroup, now), /bad signature/);
  const otherKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
  assert.equal(edgeCheck(url, { [KEY_PAIR_ID]: otherKey }, now), 'bad signature');
  assert.equal(edgeCheck(url, { K2OTHER: publicKey }, now), 'key pair id not in the key group');
});

test('the documented signer makes the same URL as the server for the same resource and expiry', () => {
  const u = new URL(grant.masterUrl);
  const expires = Date.parse(grant.expiresAt) / 1000;
  const resource = `${CDN}${u.pathname.replace(/master\.m3u8$/, '*')}`;
  const signed = edgeSign(resource, expires);
  for (const [name, value] of Object.entries(signed)) assert.equal(u.searchParams.get(name), value, name);
  const resigned = new URL(`${CDN}${u.pathname}`);
  for (const [name, value] of u.searchParams) if (!(name in signed)) resigned.searchParams.set(name, value);
  for (const [name, value] of Object.entries(signed)) resigned.searchParams.set(name, value);
  assert.equal(edgeCheck(resigned.toString(), { [KEY_PAIR_ID]: publicKey }, Math.floor(Date.now() / 1000)), 'ok');
});
