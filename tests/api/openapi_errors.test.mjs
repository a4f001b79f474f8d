// docs/api/openapi.json is true about errors: every documented error (operation × status × code)
// is provoked here and the answer is checked against the document — status, JSON envelope, a code
// the document lists for that status, body schema — or is named in NOT_PROVOKED with the reason.
// A status or code added to the document without a case here fails the coverage test.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import Stripe from 'stripe';
import { startServer } from './helpers/server.mjs';
import { describeResponse, expectStatus } from './helpers/http.mjs';
import { login, registerUser, uniqueName } from './helpers/fixtures.mjs';
import { grantTier } from './helpers/db.mjs';
import { makeAudio, rawRequest, resolveUri, scratchDir, uploadMultipart, waitForTrack } from './helpers/media.mjs';
import { documentedCodes, documentedResponse, expectDocumented, operations } from './helpers/openapi.mjs';

const WEBHOOK_SECRET = 'whsec_openapi_errors_test';
const UPLOAD_MAX = 200_000;
const OPS = operations();
const byKey = new Map(OPS.map((o) => [`${o.method} ${o.path}`, o]));
const covered = new Set(); // "METHOD path|status|code"

// Errors no test here provokes, and why. Keys: "METHOD path|status|code" with * wildcards.
const NOT_PROVOKED = {
  '*|400|invalid_input': 'a safety net for a value the database cannot represent that validation let through; none is known',
  '*|429|too_many_uploads': 'needs uploads held open in flight (upload_admission.test.mjs)',
  '*|503|uploads_busy': 'needs the spool reserved by uploads in flight (upload_admission.test.mjs)',
  '*|507|insufficient_storage': 'needs the spool disk nearly full (upload_admission.test.mjs)',
  '*|409|conflict': 'a unique or foreign-key race between concurrent writes (hardening.test.mjs)',
  'POST /api/subscriptions/create|409|checkout_in_progress': 'concurrent creates for the same artist (hardening.test.mjs)',
  '*|503|unavailable': 'needs the database unreachable (tests/api/crash_recovery covers outages)',
  '*|502|payment_provider_unavailable': 'needs the payment provider unreachable; the sandbox runs in-process (stripe_provider.test.mjs)',
  '*|422|payment_provider_refused': 'needs the provider to refuse a well-formed request (stripe_provider.test.mjs)',
  'GET /api/dev/mail|404|not_found': 'the route exists only with APP_ENV=development, which the test server needs for mail',
  'PUT /api/artists/profile|404|not_found': 'every artist account has a profile from registration on',
  '*|415|unsupported_codec': 'needs a real file in another codec, decoded by ffprobe (uploads.test.mjs)',
  '*|422|no_audio_stream': 'needs a real container without audio, decoded by ffprobe (uploads.test.mjs)',
  '*|422|too_long': 'needs a real file over the duration limit (uploads.test.mjs)',
  '*|422|too_short': 'ingest bounds from the probe (uploads.test.mjs "audio outside the ingest limits")',
  '*|422|unsupported_sample_rate': 'ingest bounds from the probe (uploads.test.mjs "audio outside the ingest limits")',
  '*|422|unsupported_channels': 'ingest bounds from the probe (uploads.test.mjs "audio outside the ingest limits")',
  '*|422|too_costly_to_decode': 'needs a decode over its CPU budget (MediaProbe.a_decode_that_passes_its_cpu_limit_is_refused)',
  'PUT /api/uploads/{id}|422|empty_file': 'a resumable upload session has at least one byte',
  'PUT /api/uploads/{id}|409|track_processing': 'the session was opened before the transcode began; the same check as POST /api/uploads',
  'POST /api/uploads/content|409|position_taken': 'a race between two uploads to the same position',
  'PUT /api/uploads/{id}|409|position_taken': 'a race between two uploads to the same position',
  '*|416|range_too_large': 'only with S3 storage, where ranges are buffered (tests/s3)',
  '*|409|currency_mismatch': 'needs an artist to change currency under an existing subscription (payments.test.mjs)',
  'POST /api/artists/payouts|409|payout_in_progress': 'needs a payout transfer in flight',
  'POST /api/admin/payments/{id}/refund|409|not_refundable': 'a payment without a provider payment is not made through the API',
  'POST /api/sandbox/payments/{id}/simulate|409|not_disputable': 'a payment without a provider payment is not made through the API',
  'POST /api/artists/sales/{id}/refund|409|not_refundable': 'a payment without a provider payment is not made through the API',
  'POST /api/purchases|409|checkout_in_progress': 'a concurrent buy of the same item at another amount (buying.test.mjs covers concurrent buys)',
  'POST /api/content/{id}/download|422|rendition_failed': 'needs ffmpeg to fail on an original that passed ingest',
  'POST /api/sandbox/payouts/{id}/simulate|409|*': 'needs a payout with a transfer (payments.test.mjs)',
  '*|403|locked': null, // provoked below; listed so a reader sees the rule is per code
};
function notProvokedReason(key) {
  const [op, status, code] = key.split('|');
  for (const [pattern, reason] of Object.entries(NOT_PROVOKED)) {
    if (!reason) continue;
    const [pop, pstatus, pcode] = pattern.split('|');
    const opOk = pop === '*' || pop === op || (pop.endsWith('*') && op.startsWith(pop.slice(0, -1)));
    if (opOk && (pstatus === status) && (pcode === '*' || pcode === code)) return reason;
  }
  return null;
}

let srv;
let api;
let limited;
const who = {};
const stripe = new Stripe('sk_test_unused');
const randomUuid = () => crypto.randomUUID();

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** A PNG whose header claims width × height pixels, with no pixel data: readable header, nothing to decode. */
function pngHeaderOnly(width, height) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  return Buffer.concat([PNG_MAGIC, chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(Buffer.alloc(16))), chunk('IEND', Buffer.alloc(0))]);
}

before(async () => {
  [srv, limited] = await Promise.all([
    startServer({ name: 'openapi-errors', env: { STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, UPLOAD_MAX_BYTES: String(UPLOAD_MAX) } }),
    // Every budget at 1, so the second request of a caller is refused.
    startServer({ name: 'openapi-errors-limits', env: { RATE_LIMIT_API_PER_MIN: '1', RATE_LIMIT_ANON_PER_MIN: '1', RATE_LIMIT_LOGIN_PER_MIN: '1', RATE_LIMIT_UPLOADS_PER_HOUR: '1',
      RATE_LIMIT_MEDIA_PER_MIN_IP: '1', RATE_LIMIT_ORIGINALS_PER_MIN_IP: '1' } }),
  ]);
  api = srv.api;
  who.fan = await registerUser(api);
  who.fan2 = await registerUser(api);
  who.artist = await registerUser(api, { role: 'artist', artistName: `Err ${uniqueName('a')}` });
  who.artist2 = await registerUser(api, { role: 'artist', artistName: `Err2 ${uniqueName('a')}` });
  const admin = await registerUser(api);
  await srv.pool.query("UPDATE users SET role = 'admin' WHERE id = $1", [admin.user.id]);
  who.admin = await login(api, admin.input.email, admin.input.password);
});
after(async () => { await Promise.all([srv?.stop(), limited?.stop()]); });

/** Checks `res` against the document for `opKey`, asserts the expected status and code, records coverage. */
function check(opKey, status, code, res) {
  const op = byKey.get(opKey);
  assert.ok(op, `no operation ${opKey} in the document`);
  assert.equal(res.status, status, `${opKey}: expected ${status} ${code}\n${describeResponse(res)}`);
  expectDocumented(op.method, op.path, res);
  assert.equal(res.body?.error?.code, code, `${opKey}: expected code ${code}\n${describeResponse(res)}`);
  covered.add(`${opKey}|${status}|${code}`);
}

/** Checks a success answer against the document for `opKey` and returns its body. */
function documented(opKey, status, res) {
  const op = byKey.get(opKey);
  assert.ok(op, `no operation ${opKey} in the document`);
  expectStatus(res, status);
  expectDocumented(op.method, op.path, res);
  return res.body;
}

/** A concrete path for an operation: `values` by parameter name, else a fresh UUID or a plausible value. */
function pathFor(op, values = {}) {
  return op.path.replace(/\{(\w+)\}/g, (_, name) => {
    if (values[name] !== undefined) return encodeURIComponent(values[name]);
    const param = op.params.find((p) => p.in === 'path' && p.name === name);
    const schema = param?.schema ?? {};
    if (schema.type === 'integer') return '1';
    if (schema.enum) return schema.enum[0];
    if (name === 'tier') return 'supporter';
    if (name === 'version' || name === 'file' || name === 'dir') return 'x1';
    return randomUuid();
  });
}

const requiresToken = (op) => (op.op.security ?? []).every((s) => Object.keys(s).length > 0) && (op.op.security ?? []).length > 0;
const acceptsToken = (op) => (op.op.security ?? []).some((s) => s.bearerAuth);
const jsonBody = (op) => Boolean(op.body?.content?.['application/json']) && op.path !== '/api/webhooks/stripe';

/** Raw HTTP through the socket helper, as a response the document checks can read. */
async function raw(server, method, target, headerLines) {
  const head = `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headerLines.map((l) => `${l}\r\n`).join('')}\r\n`;
  const r = await rawRequest(server, head, [], { endAfterHead: true });
  const headerText = r.text.slice(0, r.text.indexOf('\r\n\r\n'));
  const headers = new Headers();
  for (const line of headerText.split('\r\n').slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return { status: r.status, headers, body: r.body, text: r.text, method, path: target };
}

describe('errors every operation shares', () => {
  test('400 invalid_consistency_token: X-Consistency-Token that is not a WAL position', async () => {
    for (const op of OPS) {
      const key = `${op.method} ${op.path}`;
      if (!documentedCodes(documentedResponse(op.method, op.path, 400)?.[1]).includes('invalid_consistency_token')) continue;
      const token = acceptsToken(op) ? who.fan.token : undefined;
      const res = await api.json(op.method, pathFor(op), { token, headers: { 'x-consistency-token': 'not-an-lsn' } });
      check(key, 400, 'invalid_consistency_token', res);
    }
  });

  test('413 payload_too_large: a Content-Length over the route\'s limit is refused before the body', async () => {
    for (const op of OPS) {
      const res = await raw(srv, op.method, pathFor(op), [`Authorization: Bearer ${who.artist.token}`, 'Content-Type: application/json',
        `Content-Length: ${2 ** 31}`]);
      check(`${op.method} ${op.path}`, 413, 'payload_too_large', res);
    }
  });

  test('431 headers_too_large: 64 KiB of headers', async () => {
    for (const op of OPS) {
      const res = await raw(srv, op.method, pathFor(op), [`X-Padding: ${'a'.repeat(64 * 1024)}`]);
      check(`${op.method} ${op.path}`, 431, 'headers_too_large', res);
    }
  });

  test('401 unauthorized without a token, 401 invalid_token with a bad one', async () => {
    for (const op of OPS) {
      const key = `${op.method} ${op.path}`;
      if (requiresToken(op)) check(key, 401, 'unauthorized', await api.json(op.method, pathFor(op)));
      if (acceptsToken(op)) check(key, 401, 'invalid_token', await api.json(op.method, pathFor(op), { token: 'not.a.token' }));
    }
  });

  test('404 not_found: an id of the wrong form or of nothing', async () => {
    for (const op of OPS) {
      const key = `${op.method} ${op.path}`;
      if (!documentedCodes(documentedResponse(op.method, op.path, 404)?.[1]).includes('not_found')) continue;
      if (!op.path.includes('{')) continue;
      const values = {};
      for (const p of op.params.filter((x) => x.in === 'path')) {
        if (p.schema?.format === 'uuid') values[p.name] = 'not-a-uuid';
      }
      let res;
      for (const t of [who.fan.token, who.artist.token, who.admin.token]) {
        res = await api.json(op.method, pathFor(op, values), { token: t, body: jsonBody(op) ? {} : undefined });
        if (res.status === 404) break;
      }
      check(key, 404, 'not_found', res);
    }
  });

  test('400 invalid_query: a control character in a query parameter', async () => {
    for (const op of OPS) {
      const key = `${op.method} ${op.path}`;
      if (!documentedCodes(documentedResponse(op.method, op.path, 400)?.[1]).includes('invalid_query')) continue;
      // Originals read only `n` themselves (the rest is the signature's).
      const q = op.params.find((p) => p.in === 'query' && p.name === 'n') ?? op.params.find((p) => p.in === 'query');
      let res;
      for (const t of [who.fan.token, who.artist.token, who.admin.token]) {
        res = await api.json(op.method, `${pathFor(op)}?${q.name}=a%01b`, { token: t, body: jsonBody(op) ? {} : undefined });
        if (res.status === 400) break;
      }
      check(key, 400, 'invalid_query', res);
    }
  });

  test('415 unsupported_media_type and 400 invalid_json / validation_failed on JSON bodies', async () => {
    for (const op of OPS.filter(jsonBody)) {
      const key = `${op.method} ${op.path}`;
      const token = who.admin.token;
      const values = {};
      check(key, 415, 'unsupported_media_type', await api.json(op.method, pathFor(op, values), { token, rawBody: '{}', contentType: 'text/plain' }));
      check(key, 400, 'invalid_json', await api.json(op.method, pathFor(op, values), { token, rawBody: '{"a":', contentType: 'application/json' }));
      check(key, 400, 'validation_failed', await api.json(op.method, pathFor(op, values), { token, body: { unknownFieldForTest: 1 } }));
    }
  });

  test('429 rate_limited once the caller\'s budget is spent (every budget is 1 on this server)', async () => {
    const lapi = limited.api;
    const user = await registerUser(lapi); // spends this address's anonymous budget
    for (const op of OPS) {
      const key = `${op.method} ${op.path}`;
      const codes = documentedCodes(documentedResponse(op.method, op.path, 429)?.[1]);
      if (!codes.includes('rate_limited')) continue;
      let res = await lapi.json(op.method, pathFor(op), { body: jsonBody(op) ? {} : undefined });
      if (res.status !== 429) res = await lapi.json(op.method, pathFor(op), { token: user.token });
      check(key, 429, 'rate_limited', res);
    }
  });
});

describe('errors of particular operations', () => {
  test('accounts', async () => {
    const f = who.fan;
    check('POST /api/auth/register', 409, 'email_taken', await api.post('/api/auth/register', { ...f.input, username: uniqueName('x') }));
    check('POST /api/auth/register', 409, 'username_taken', await api.post('/api/auth/register', { ...f.input, email: `${uniqueName('x')}@example.com` }));
    const victim = await registerUser(api);
    check('POST /api/auth/login', 401, 'invalid_credentials', await api.post('/api/auth/login', { email: victim.input.email, password: 'Wrong-password-1' }));
    let res;
    for (let i = 0; i < 6; i += 1) res = await api.post('/api/auth/login', { email: victim.input.email, password: 'Wrong-password-1' });
    check('POST /api/auth/login', 429, 'account_locked', res);
    check('POST /api/auth/refresh', 401, 'invalid_refresh_token', await api.post('/api/auth/refresh', { refreshToken: 'x'.repeat(43) }));
    const r = await registerUser(api);
    expectStatus(await api.post('/api/auth/refresh', { refreshToken: r.refreshToken }), 200);
    await new Promise((ok) => setTimeout(ok, 50));
    await srv.pool.query("UPDATE refresh_tokens SET used_at = now() - interval '1 hour' WHERE used_at IS NOT NULL").catch(() => {});
    res = await api.post('/api/auth/refresh', { refreshToken: r.refreshToken });
    if (res.status === 200) res = await api.post('/api/auth/refresh', { refreshToken: r.refreshToken });
    check('POST /api/auth/refresh', 401, 'refresh_token_reused', res);
    check('POST /api/auth/verify-email', 400, 'invalid_or_expired_token', await api.post('/api/auth/verify-email', { token: 'x'.repeat(43) }));
    check('POST /api/auth/password/reset', 400, 'invalid_or_expired_token',
      await api.post('/api/auth/password/reset', { token: 'x'.repeat(43), password: 'Another-strong-pass-9' }));
    await srv.pool.query('UPDATE users SET email_verified_at = now() WHERE id = $1', [f.user.id]);
    check('POST /api/auth/verify-email/resend', 409, 'already_verified', await api.json('POST', '/api/auth/verify-email/resend', { token: f.token }));
    check('POST /api/auth/password/change', 401, 'invalid_credentials',
      await api.post('/api/auth/password/change', { currentPassword: 'Wrong-password-1', newPassword: 'Another-strong-pass-9' }, { token: f.token }));
    check('POST /api/auth/email/change', 401, 'invalid_credentials',
      await api.post('/api/auth/email/change', { newEmail: `${uniqueName('n')}@example.com`, password: 'Wrong-password-1' }, { token: f.token }));
    check('POST /api/auth/email/change', 409, 'email_taken',
      await api.post('/api/auth/email/change', { newEmail: who.fan2.input.email, password: f.input.password }, { token: f.token }));
  });

  test('artists, catalog and discovery', async () => {
    const { fan, fan2, artist } = who;
    const a = artist.user.id;
    check('GET /api/artists', 400, 'invalid_query', await api.get('/api/artists?page=0'));
    check('GET /api/artists/{id}/followers', 400, 'invalid_query', await api.get(`/api/artists/${a}/followers?limit=-1`));
    check('GET /api/me/following', 400, 'invalid_query', await api.get('/api/me/following?page=x', { token: fan.token }));
    check('GET /api/me/likes', 400, 'invalid_query', await api.get('/api/me/likes?page=x', { token: fan.token }));
    check('GET /api/discovery', 400, 'validation_failed', await api.get('/api/discovery?type=bogus'));
    check('GET /api/discovery', 400, 'invalid_query', await api.get('/api/discovery?limit=x'));
    check('PUT /api/artists/profile', 403, 'forbidden', await api.json('PUT', '/api/artists/profile', { token: fan.token, body: { bio: 'x' } }));
    check('POST /api/artists/{id}/follow', 422, 'cannot_follow_self', await api.json('POST', `/api/artists/${a}/follow`, { token: artist.token }));
    check('DELETE /api/artists/{id}/follow', 422, 'cannot_follow_self', await api.json('DELETE', `/api/artists/${a}/follow`, { token: artist.token }));

    check('POST /api/releases', 403, 'forbidden', await api.post('/api/releases', { title: 'X', kind: 'ep' }, { token: fan.token }));
    const rel = expectStatus(await api.post('/api/releases', { title: 'Errors EP', kind: 'ep' }, { token: artist.token }), 201);
    check('PATCH /api/releases/{id}', 403, 'forbidden', await api.json('PATCH', `/api/releases/${rel.id}`, { token: fan.token, body: { title: 'Y' } }));
    check('POST /api/releases/{id}/tracks', 403, 'forbidden', await api.post(`/api/releases/${rel.id}/tracks`, { title: 'T' }, { token: fan.token }));
    check('PATCH /api/tracks/{id}', 403, 'forbidden', await api.json('PATCH', `/api/tracks/${randomUuid()}`, { token: fan.token, body: { title: 'Y' } }));
    check('PATCH /api/tracks/{id}', 404, 'not_found', await api.json('PATCH', `/api/tracks/${randomUuid()}`, { token: artist.token, body: { title: 'Y' } }));
    check('PUT /api/releases/{id}/track-order', 403, 'forbidden',
      await api.json('PUT', `/api/releases/${rel.id}/track-order`, { token: fan.token, body: { trackIds: [randomUuid()] } }));
    const open = expectStatus(await api.post(`/api/releases/${rel.id}/tracks`, { title: 'Open', position: 1 }, { token: artist.token }), 201);
    const locked = expectStatus(await api.post(`/api/releases/${rel.id}/tracks`, { title: 'Locked', minTier: 'superfan' }, { token: artist.token }), 201);
    check('POST /api/releases/{id}/tracks', 409, 'position_taken', await api.post(`/api/releases/${rel.id}/tracks`, { title: 'Again', position: 1 }, { token: artist.token }));
    check('PUT /api/releases/{id}/track-order', 422, 'track_set_mismatch',
      await api.json('PUT', `/api/releases/${rel.id}/track-order`, { token: artist.token, body: { trackIds: [open.id] } }));
    expectStatus(await api.json('PATCH', `/api/releases/${rel.id}`, { token: artist.token, body: { published: true } }), 200);
    who.release = rel;
    who.openTrack = open;
    who.lockedTrack = locked;

    check('POST /api/content/{id}/plays', 403, 'locked', await api.post(`/api/content/${locked.id}/plays`, { listenedSeconds: 30 }, { token: fan.token }));
    check('GET /api/content/{id}/comments', 400, 'invalid_query', await api.get(`/api/content/${open.id}/comments?limit=0`));
    check('POST /api/content/{id}/comments', 400, 'invalid_parent',
      await api.post(`/api/content/${open.id}/comments`, { body: 'reply', parentId: randomUuid() }, { token: fan.token }));
    const c = expectStatus(await api.post(`/api/content/${open.id}/comments`, { body: 'mine' }, { token: fan.token }), 201);
    check('DELETE /api/comments/{id}', 403, 'forbidden', await api.json('DELETE', `/api/comments/${c.id}`, { token: fan2.token }));

    check('POST /api/content/{id}/playback', 403, 'locked', await api.json('POST', `/api/content/${locked.id}/playback`, { token: fan.token }));
    check('POST /api/content/{id}/playback', 409, 'not_ready', await api.json('POST', `/api/content/${open.id}/playback`, { token: fan.token }));
    check('POST /api/content/{id}/download', 403, 'locked', await api.json('POST', `/api/content/${locked.id}/download`, { token: fan.token }));
    check('POST /api/content/{id}/download', 403, 'tier_required', await api.json('POST', `/api/content/${open.id}/download`, { token: fan.token }));
    await grantTier(srv.pool, fan2.user.id, artist.user.id, 'superfan');
    check('POST /api/content/{id}/download', 409, 'not_ready', await api.json('POST', `/api/content/${open.id}/download`, { token: fan2.token }));
    for (const p of ['/media/hls/{track}/{version}/master.m3u8', '/media/hls/{track}/{version}/{rung}/{file}', '/media/originals/{owner}/{file}',
      '/media/renditions/{track}/{version}/{file}']) {
      const op = byKey.get(`GET ${p}`);
      check(`GET ${p}`, 403, 'invalid_media_link', await api.get(`${pathFor(op)}?r=1&e=1&s=x`));
    }
  });

  test('uploads and profile images', async () => {
    const { fan, artist } = who;
    const multipart = (token, form) => fetch(new URL('/api/uploads/content', srv.baseUrl), { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } })
      .then(async (r) => { const text = await r.text(); let body = text; try { body = JSON.parse(text); } catch { /* text */ } return { status: r.status, headers: r.headers, body, text, method: 'POST', path: '/api/uploads/content' }; });
    const form = (fields, bytes = Buffer.from('not audio at all')) => {
      const fd = new FormData();
      for (const [k, v] of Object.entries(fields)) fd.append(k, v);
      fd.append('file', new Blob([bytes], { type: 'application/octet-stream' }), 'x.mp3');
      return fd;
    };
    check('POST /api/uploads/content', 403, 'forbidden', await multipart(fan.token, form({ title: 'T', releaseId: who.release.id })));
    check('POST /api/uploads/content', 415, 'unsupported_media_type',
      await api.json('POST', '/api/uploads/content', { token: artist.token, rawBody: 'x', contentType: 'text/plain' }));
    check('POST /api/uploads/content', 400, 'malformed_multipart',
      await api.json('POST', '/api/uploads/content', { token: artist.token, rawBody: '--b\r\nbroken', contentType: 'multipart/form-data; boundary=b' }));
    check('POST /api/uploads/content', 400, 'validation_failed', await multipart(artist.token, form({ title: '' })));
    check('POST /api/uploads/content', 404, 'not_found', await multipart(artist.token, form({ title: 'T', releaseId: randomUuid() })));
    check('POST /api/uploads/content', 415, 'unrecognized_format', await multipart(artist.token, form({ title: 'T', releaseId: who.release.id })));
    // Files the content sniffer refuses before any decoder runs, on both upload routes.
    const wav = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x40, 0x42, 0x0f, 0x00]), Buffer.from('WAVEfmt '), Buffer.alloc(40)]);
    const heic = Buffer.concat([Buffer.from([0, 0, 0, 16]), Buffer.from('ftypheic'), Buffer.alloc(4), Buffer.alloc(32)]);
    const refused = [[415, 'not_audio', heic], [422, 'truncated_or_corrupt', wav], [422, 'empty_file', Buffer.alloc(0)]];
    for (const [status, code, bytes] of refused) {
      check('POST /api/uploads/content', status, code, await multipart(artist.token, form({ title: 'T', releaseId: who.release.id }, bytes)));
      if (bytes.length === 0) continue; // a resumable upload has at least one byte
      const t = expectStatus(await api.post(`/api/releases/${who.release.id}/tracks`, { title: `Sniffed ${code}` }, { token: artist.token }), 201);
      const s = expectStatus(await api.post('/api/uploads', { trackId: t.id, size: bytes.length, filename: 'x.bin' }, { token: artist.token }), 201);
      check('PUT /api/uploads/{id}', status, code, await api.json('PUT', `/api/uploads/${s.id}`,
        { token: artist.token, rawBody: bytes, contentType: 'application/octet-stream', headers: { 'content-range': `bytes 0-${bytes.length - 1}/${bytes.length}` } }));
    }

    check('POST /api/uploads', 403, 'forbidden', await api.post('/api/uploads', { trackId: who.openTrack.id, size: 10 }, { token: fan.token }));
    check('POST /api/uploads', 413, 'payload_too_large', await api.post('/api/uploads', { trackId: who.openTrack.id, size: UPLOAD_MAX + 1 }, { token: artist.token }));
    check('POST /api/uploads', 404, 'not_found', await api.post('/api/uploads', { trackId: randomUuid(), size: 10 }, { token: artist.token }));
    const session = expectStatus(await api.post('/api/uploads', { trackId: who.openTrack.id, size: 10, filename: 'a.mp3' }, { token: artist.token }), 201);
    const put = (range, bytes, ct = 'application/octet-stream') => api.json('PUT', `/api/uploads/${session.id}`,
      { token: artist.token, rawBody: bytes, contentType: ct, headers: range ? { 'content-range': range } : {} });
    check('PUT /api/uploads/{id}', 400, 'validation_failed', await put('bytes nonsense', Buffer.alloc(5)));
    check('PUT /api/uploads/{id}', 403, 'forbidden', await api.json('PUT', `/api/uploads/${session.id}`,
      { token: fan.token, rawBody: Buffer.alloc(5), contentType: 'application/octet-stream', headers: { 'content-range': 'bytes 0-4/10' } }));
    check('PUT /api/uploads/{id}', 409, 'offset_mismatch', await put('bytes 5-9/10', Buffer.alloc(5)));
    check('PUT /api/uploads/{id}', 415, 'unsupported_media_type', await api.json('PUT', `/api/uploads/${session.id}`, { token: artist.token }));
    expectDocumented('PUT', '/api/uploads/{id}', await put('bytes 0-4/10', Buffer.alloc(5)));
    check('PUT /api/uploads/{id}', 415, 'unrecognized_format', await put('bytes 5-9/10', Buffer.alloc(5)));

    const filePart = (name) => `--b\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: image/png\r\n\r\nxxxx`;
    const cover = `/api/releases/${who.release.id}/cover`;
    for (const [p, key] of [['/api/artists/profile/avatar'], ['/api/artists/profile/banner'], [cover, '/api/releases/{id}/cover']].map(([x, k]) => [x, k ?? x])) {
      const image = (token, body, ct) => api.json('PUT', p, { token, rawBody: body, contentType: ct });
      check(`PUT ${key}`, 403, 'forbidden', await image(fan.token, Buffer.from('x'), 'image/png'));
      check(`PUT ${key}`, 415, 'unsupported_media_type', await api.json('PUT', p, { token: artist.token }));
      check(`PUT ${key}`, 415, 'unsupported_image', await image(artist.token, Buffer.from('not an image'), 'image/png'));
      check(`PUT ${key}`, 400, 'malformed_multipart', await image(artist.token, filePart('a.png'), 'multipart/form-data; boundary=b'));
      check(`PUT ${key}`, 422, 'corrupt_image', await image(artist.token, Buffer.concat([PNG_MAGIC, Buffer.alloc(64, 7)]), 'image/png'));
      check(`PUT ${key}`, 422, 'image_too_large', await image(artist.token, pngHeaderOnly(20_000, 20_000), 'image/png'));
    }
    check('PUT /api/releases/{id}/cover', 404, 'not_found', await api.json('PUT', `/api/releases/${randomUuid()}/cover`, { token: artist.token, rawBody: PNG_MAGIC, contentType: 'image/png' }));
  });

  test('a real upload: track_processing while it transcodes, rung_not_allowed once it streams', async () => {
    const { fan, artist } = who;
    const t = expectStatus(await api.post(`/api/releases/${who.release.id}/tracks`, { title: 'Real audio' }, { token: artist.token }), 201);
    const file = await makeAudio(await scratchDir('openapi-errors'), 'mp3', 3);
    expectStatus(await uploadMultipart(srv, artist.token, file, { trackId: t.id }), 202);
    // The transcode takes seconds; until it ends the track takes no other upload.
    check('POST /api/uploads', 409, 'track_processing', await api.post('/api/uploads', { trackId: t.id, size: 10 }, { token: artist.token }));
    const again = await uploadMultipart(srv, artist.token, file, { trackId: t.id });
    check('POST /api/uploads/content', 409, 'track_processing', again);
    const ready = await waitForTrack(api, artist.token, t.id);
    assert.equal(ready.status, 'ready', JSON.stringify(ready));
    who.readyTrack = ready; // the listening parties' queue
    const grant = expectStatus(await api.json('POST', `/api/content/${t.id}/playback`, { token: fan.token }), 200);
    const query = grant.masterUrl.slice(grant.masterUrl.indexOf('?'));
    const above = Math.max(...grant.rungs) + 1;
    check('GET /media/hls/{track}/{version}/{rung}/{file}', 403, 'rung_not_allowed',
      await api.get(resolveUri(grant.masterUrl, `${above}/index.m3u8${query}`)));
    const link = expectStatus(await api.json('POST', `/api/content/${t.id}/download`, { token: artist.token }), 200);
    const past = await api.get(link.url, { headers: { range: 'bytes=999999999-' } });
    check('GET /media/originals/{owner}/{file}', 416, 'range_not_satisfiable', past);
    assert.match(past.headers.get('content-range') ?? '', /^bytes \*\/\d+$/);
    // A rendition is made on demand (202 until its job is done), then served like an original.
    let made;
    for (let i = 0; i < 300 && made?.status !== 200; i += 1) {
      if (made) await new Promise((ok) => setTimeout(ok, 200));
      made = await api.post(`/api/content/${t.id}/download`, { format: 'mp3_320' }, { token: artist.token });
      if (made.status === 202) documented('POST /api/content/{id}/download', 202, made);
    }
    const rendition = documented('POST /api/content/{id}/download', 200, made);
    check('GET /media/renditions/{track}/{version}/{file}', 416, 'range_not_satisfiable',
      await api.get(rendition.url, { headers: { range: 'bytes=999999999-' } }));
  });

  test('memberships, payments, payouts, webhooks and the sandbox', async () => {
    const { fan, fan2, artist, artist2, admin } = who;
    const a = artist.user.id;
    check('PUT /api/artists/tiers/{tier}', 403, 'forbidden', await api.json('PUT', '/api/artists/tiers/supporter', { token: fan.token, body: { priceCents: 500 } }));
    expectStatus(await api.json('PUT', '/api/artists/tiers/supporter', { token: artist.token, body: { priceCents: 500 } }), 200);
    check('PUT /api/artists/tiers/{tier}', 422, 'tier_price_order', await api.json('PUT', '/api/artists/tiers/superfan', { token: artist.token, body: { priceCents: 400 } }));
    expectStatus(await api.json('PUT', '/api/artists/tiers/superfan', { token: artist.token, body: { priceCents: 1500 } }), 200);
    check('GET /api/artists/subscribers', 403, 'forbidden', await api.get('/api/artists/subscribers', { token: fan.token }));
    check('GET /api/artists/subscribers', 400, 'invalid_query', await api.get('/api/artists/subscribers?tier=gold', { token: artist.token }));
    check('POST /api/artists/payouts/connect', 403, 'forbidden', await api.json('POST', '/api/artists/payouts/connect', { token: fan.token }));
    check('GET /api/artists/earnings', 403, 'forbidden', await api.get('/api/artists/earnings', { token: fan.token }));
    check('GET /api/artists/payouts', 403, 'forbidden', await api.get('/api/artists/payouts', { token: fan.token }));
    check('GET /api/artists/payouts', 400, 'invalid_query', await api.get('/api/artists/payouts?page=0', { token: artist.token }));
    check('POST /api/artists/payouts', 403, 'forbidden', await api.json('POST', '/api/artists/payouts', { token: fan.token }));
    check('POST /api/artists/payouts', 409, 'payouts_not_enabled', await api.json('POST', '/api/artists/payouts', { token: artist2.token }));
    expectStatus(await api.json('POST', '/api/artists/payouts/connect', { token: artist2.token }), 200);
    check('POST /api/artists/payouts', 422, 'below_minimum', await api.json('POST', '/api/artists/payouts', { token: artist2.token }));
    check('GET /api/admin/payments/reconciliation', 403, 'forbidden', await api.get('/api/admin/payments/reconciliation', { token: fan.token }));
    check('GET /api/payments/history', 400, 'invalid_query', await api.get('/api/payments/history?limit=x', { token: fan.token }));

    check('POST /api/subscriptions/create', 404, 'not_found', await api.post('/api/subscriptions/create', { artistId: randomUuid(), tier: 'supporter' }, { token: fan.token }));
    check('POST /api/subscriptions/create', 422, 'currency_mismatch', await api.post('/api/subscriptions/create', { artistId: a, tier: 'supporter', currency: 'EUR' }, { token: fan.token }));
    check('POST /api/subscriptions/create', 422, 'cannot_subscribe_self', await api.post('/api/subscriptions/create', { artistId: a, tier: 'supporter' }, { token: artist.token }));
    const buyer = await registerUser(api);
    const created = expectStatus(await api.post('/api/subscriptions/create', { artistId: a, tier: 'supporter' }, { token: buyer.token }), 201);
    const subId = created.subscriptionId;
    check('POST /api/subscriptions/{id}/cancel', 409, 'not_active', await api.json('POST', `/api/subscriptions/${subId}/cancel`, { token: buyer.token }));
    check('POST /api/subscriptions/{id}/resume', 409, 'cannot_resume', await api.json('POST', `/api/subscriptions/${subId}/resume`, { token: buyer.token }));
    check('POST /api/subscriptions/{id}/change', 409, 'not_active', await api.post(`/api/subscriptions/${subId}/change`, { tier: 'superfan' }, { token: buyer.token }));
    check('POST /api/sandbox/subscriptions/{id}/simulate', 409, 'not_active', await api.post(`/api/sandbox/subscriptions/${subId}/simulate`, { event: 'renewal' }, { token: buyer.token }));
    const checkout = `/api/sandbox/checkouts/${new URL(created.checkoutUrl).pathname.split('/').pop()}`;
    check('POST /api/sandbox/checkouts/{id}/decline', 404, 'not_found', await api.post(`${checkout}/decline`, {}, { token: fan.token }));
    expectStatus(await api.post(`${checkout}/pay`, {}, { token: buyer.token }), 200);
    check('POST /api/sandbox/checkouts/{id}/pay', 409, 'checkout_closed', await api.post(`${checkout}/pay`, {}, { token: buyer.token }));
    check('POST /api/sandbox/checkouts/{id}/decline', 409, 'checkout_closed', await api.post(`${checkout}/decline`, {}, { token: buyer.token }));
    check('POST /api/subscriptions/create', 409, 'already_subscribed', await api.post('/api/subscriptions/create', { artistId: a, tier: 'supporter' }, { token: buyer.token }));
    check('PUT /api/artists/tiers/{tier}', 409, 'currency_locked',
      await api.json('PUT', '/api/artists/tiers/supporter', { token: artist.token, body: { priceCents: 500, currency: 'EUR' } }));
    check('POST /api/subscriptions/{id}/change', 409, 'same_tier', await api.post(`/api/subscriptions/${subId}/change`, { tier: 'supporter' }, { token: buyer.token }));
    check('POST /api/sandbox/subscriptions/{id}/simulate', 409, 'nothing_to_recover', await api.post(`/api/sandbox/subscriptions/${subId}/simulate`, { event: 'recovery' }, { token: buyer.token }));
    check('POST /api/sandbox/subscriptions/{id}/simulate', 400, 'validation_failed', await api.post(`/api/sandbox/subscriptions/${subId}/simulate`, { event: 'meteor' }, { token: buyer.token }));
    const simulate = (event) => api.post(`/api/sandbox/subscriptions/${subId}/simulate`, { event }, { token: buyer.token });
    expectStatus(await simulate('payment_failure'), 200);
    check('POST /api/sandbox/subscriptions/{id}/simulate', 409, 'invoice_open', await simulate('renewal'));
    expectStatus(await simulate('recovery'), 200);
    // The subscription ends: cancelled at the period end, and the period ends.
    expectStatus(await api.json('POST', `/api/subscriptions/${subId}/cancel`, { token: buyer.token }), 200);
    expectStatus(await simulate('period_end'), 200);
    check('POST /api/sandbox/subscriptions/{id}/simulate', 409, 'subscription_ended', await simulate('renewal'));

    check('POST /api/tips', 404, 'not_found', await api.post('/api/tips', { artistId: randomUuid(), amountCents: 500 }, { token: fan.token }));
    check('POST /api/tips', 422, 'currency_mismatch', await api.post('/api/tips', { artistId: a, amountCents: 500, currency: 'EUR' }, { token: fan.token }));
    check('POST /api/tips', 422, 'cannot_tip_self', await api.post('/api/tips', { artistId: a, amountCents: 500 }, { token: artist.token }));

    const history = expectStatus(await api.get('/api/payments/history', { token: buyer.token }), 200);
    const payment = history.payments[0];
    assert.ok(payment?.id, `a payment in ${JSON.stringify(history)}`);
    check('POST /api/admin/payments/{id}/refund', 403, 'forbidden', await api.post(`/api/admin/payments/${payment.id}/refund`, {}, { token: fan.token }));
    check('POST /api/admin/payments/{id}/refund', 422, 'refund_exceeds_payment',
      await api.post(`/api/admin/payments/${payment.id}/refund`, { amountCents: 10_000_000 }, { token: admin.token }));
    check('POST /api/sandbox/payments/{id}/simulate', 409, 'not_disputed', await api.post(`/api/sandbox/payments/${payment.id}/simulate`, { event: 'dispute_won' }, { token: buyer.token }));
    expectStatus(await api.post(`/api/sandbox/payments/${payment.id}/simulate`, { event: 'dispute_created' }, { token: buyer.token }), 200);
    check('POST /api/sandbox/payments/{id}/simulate', 409, 'already_disputed', await api.post(`/api/sandbox/payments/${payment.id}/simulate`, { event: 'dispute_created' }, { token: buyer.token }));
    check('POST /api/admin/payments/{id}/refund', 409, 'payment_disputed', await api.post(`/api/admin/payments/${payment.id}/refund`, {}, { token: admin.token }));
    expectStatus(await api.post(`/api/sandbox/payments/${payment.id}/simulate`, { event: 'dispute_won' }, { token: buyer.token }), 200);
    check('POST /api/sandbox/payments/{id}/simulate', 409, 'dispute_closed', await api.post(`/api/sandbox/payments/${payment.id}/simulate`, { event: 'dispute_lost' }, { token: buyer.token }));
    const other = history.payments.find((p) => p.id !== payment.id);
    assert.ok(other, `a second payment in ${JSON.stringify(history)}`);
    expectStatus(await api.post(`/api/admin/payments/${other.id}/refund`, {}, { token: admin.token }), 200);
    check('POST /api/sandbox/payments/{id}/simulate', 409, 'nothing_to_dispute', await api.post(`/api/sandbox/payments/${other.id}/simulate`, { event: 'dispute_created' }, { token: buyer.token }));


    const hook = (payload, signature) => api.json('POST', '/api/webhooks/stripe', { rawBody: payload, contentType: 'application/json', headers: { 'stripe-signature': signature } });
    check('POST /api/webhooks/stripe', 400, 'invalid_signature', await hook('{}', 't=1,v1=00'));
    const bad = JSON.stringify({ id: 'evt_x', type: 'x' });
    check('POST /api/webhooks/stripe', 400, 'invalid_event', await hook(bad, stripe.webhooks.generateTestHeaderString({ payload: bad, secret: WEBHOOK_SECRET })));
  });

  test('direct messages and notifications', async () => {
    const { fan, artist2 } = who;
    const send = (token, body) => api.post('/api/messaging/send', body, { token });
    // A superfan of artist2 opens a conversation; the allowance is 5 messages a month.
    const superfan = await registerUser(api);
    await grantTier(srv.pool, superfan.user.id, artist2.user.id, 'superfan');
    check('POST /api/messaging/send', 403, 'tier_required', await send(fan.token, { recipientId: artist2.user.id, body: 'hello' }));
    check('POST /api/messaging/send', 404, 'not_found', await send(superfan.token, { conversationId: randomUuid(), body: 'hello' }));
    check('POST /api/messaging/send', 404, 'not_found', await send(artist2.token, { recipientId: fan.user.id, body: 'cold message' }));
    check('POST /api/messaging/send', 400, 'validation_failed', await send(superfan.token, { recipientId: superfan.user.id, body: 'me' }));
    const first = documented('POST /api/messaging/send', 201, await send(superfan.token, { recipientId: artist2.user.id, body: 'first' }));
    const conv = first.conversation.id;
    for (let i = 0; i < 4; i += 1) documented('POST /api/messaging/send', 201, await send(superfan.token, { conversationId: conv, body: `more ${i}` }));
    check('POST /api/messaging/send', 429, 'message_quota_exhausted', await send(superfan.token, { conversationId: conv, body: 'one too many' }));
    documented('POST /api/messaging/send', 201, await send(artist2.token, { recipientId: superfan.user.id, body: 'a reply' }));
    documented('GET /api/messaging/conversations', 200, await api.get('/api/messaging/conversations', { token: superfan.token }));
    documented('GET /api/messaging/conversations/{id}/messages', 200, await api.get(`/api/messaging/conversations/${conv}/messages?limit=2`, { token: artist2.token }));
    check('GET /api/messaging/conversations/{id}/messages', 404, 'not_found', await api.get(`/api/messaging/conversations/${conv}/messages`, { token: fan.token }));
    check('GET /api/messaging/conversations/{id}/messages', 400, 'invalid_query', await api.get(`/api/messaging/conversations/${conv}/messages?cursor=0`, { token: artist2.token }));
    documented('POST /api/messaging/conversations/{id}/read', 200, await api.json('POST', `/api/messaging/conversations/${conv}/read`, { token: artist2.token }));
    documented('POST /api/messaging/conversations/{id}/read', 200, await api.post(`/api/messaging/conversations/${conv}/read`, { seq: 1 }, { token: superfan.token }));
    check('POST /api/messaging/conversations/{id}/read', 404, 'not_found', await api.json('POST', `/api/messaging/conversations/${conv}/read`, { token: fan.token }));
    check('POST /api/messaging/conversations/{id}/read', 400, 'validation_failed', await api.post(`/api/messaging/conversations/${conv}/read`, { seq: -1 }, { token: artist2.token }));
    documented('PUT /api/messaging/conversations/{id}/mute', 200, await api.json('PUT', `/api/messaging/conversations/${conv}/mute`, { token: superfan.token, body: { muted: false } }));
    check('PUT /api/messaging/conversations/{id}/mute', 404, 'not_found', await api.json('PUT', `/api/messaging/conversations/${conv}/mute`, { token: fan.token, body: { muted: true } }));
    documented('GET /api/messaging/search', 200, await api.get('/api/messaging/search?q=more', { token: superfan.token }));
    check('GET /api/messaging/search', 400, 'invalid_query', await api.get('/api/messaging/search', { token: superfan.token }));

    // Blocks: the blocked cannot write; the blocker must unblock first.
    const block = (method, token, id) => api.json(method, `/api/messaging/blocks/${id}`, { token });
    check('PUT /api/messaging/blocks/{id}', 400, 'validation_failed', await block('PUT', fan.token, fan.user.id));
    check('DELETE /api/messaging/blocks/{id}', 400, 'validation_failed', await block('DELETE', fan.token, fan.user.id));
    check('PUT /api/messaging/blocks/{id}', 404, 'not_found', await block('PUT', fan.token, randomUuid()));
    check('DELETE /api/messaging/blocks/{id}', 404, 'not_found', await block('DELETE', fan.token, randomUuid()));
    documented('PUT /api/messaging/blocks/{id}', 200, await block('PUT', superfan.token, artist2.user.id));
    documented('GET /api/messaging/blocks', 200, await api.get('/api/messaging/blocks', { token: superfan.token }));
    check('POST /api/messaging/send', 403, 'blocked', await send(artist2.token, { conversationId: conv, body: 'are you there?' }));
    check('POST /api/messaging/send', 409, 'blocked_by_you', await send(superfan.token, { conversationId: conv, body: 'hm' }));
    documented('DELETE /api/messaging/blocks/{id}', 200, await block('DELETE', superfan.token, artist2.user.id));

    // Notifications: the artist is told of the superfan's messages (by the outbox consumer).
    let list;
    for (const deadline = Date.now() + 15_000; Date.now() < deadline;) {
      list = documented('GET /api/notifications', 200, await api.get('/api/notifications?limit=2', { token: artist2.token }));
      if (list.notifications.length > 0) break;
      await new Promise((ok) => setTimeout(ok, 200));
    }
    assert.ok(list.notifications.length > 0, `a notification for the artist: ${JSON.stringify(list)}`);
    documented('GET /api/notifications', 200, await api.get(`/api/notifications?unread=true&cursor=${list.notifications[0].id}`, { token: artist2.token }));
    check('GET /api/notifications', 400, 'invalid_query', await api.get('/api/notifications?unread=maybe', { token: artist2.token }));
    documented('GET /api/notifications/unread-count', 200, await api.get('/api/notifications/unread-count', { token: artist2.token }));
    documented('POST /api/notifications/read', 200, await api.post('/api/notifications/read', { ids: [list.notifications[0].id] }, { token: artist2.token }));
    check('POST /api/notifications/read', 400, 'validation_failed', await api.post('/api/notifications/read', { ids: [1] }, { token: artist2.token }));
    documented('POST /api/notifications/read-all', 200, await api.json('POST', '/api/notifications/read-all', { token: artist2.token }));
    documented('GET /api/notifications/preferences', 200, await api.get('/api/notifications/preferences', { token: artist2.token }));
    documented('PUT /api/notifications/preferences', 200,
      await api.json('PUT', '/api/notifications/preferences', { token: artist2.token, body: { preferences: { direct_message: 'email', new_post: 'off' } } }));
    check('PUT /api/notifications/preferences', 400, 'validation_failed',
      await api.json('PUT', '/api/notifications/preferences', { token: artist2.token, body: { preferences: { bogus: 'email' } } }));
  });

  test('listening parties', async () => {
    const { fan, fan2, artist, admin } = who;
    const track = who.readyTrack;
    assert.ok(track, 'the ready track of "a real upload"');
    const create = (token, body) => api.post('/api/parties', body, { token });
    check('POST /api/parties', 403, 'forbidden', await create(fan.token, { title: 'Mine', trackIds: [track.id] }));
    check('POST /api/parties', 400, 'validation_failed', await create(artist.token, { title: 'Theirs', trackIds: [who.openTrack.id] }));
    const party = documented('POST /api/parties', 201,
      await create(artist.token, { title: 'Release night', trackIds: [track.id], capacity: 10, scheduledAt: '2199-01-01T20:00:00Z' }));
    const at = (suffix = '') => `/api/parties/${party.id}${suffix}`;
    const control = (token, body) => api.post(at('/control'), body, { token });
    const chat = (token, body) => api.post(at('/messages'), { body }, { token });
    const react = (token, emoji = '🔥') => api.post(at('/reactions'), { emoji }, { token });

    // Scheduled: no playback, chat or reactions yet; only the host starts it.
    check('POST /api/parties/{id}/control', 409, 'party_not_started', await control(artist.token, { action: 'play' }));
    check('POST /api/parties/{id}/messages', 409, 'party_not_live', await chat(fan.token, 'too early'));
    check('POST /api/parties/{id}/reactions', 409, 'party_not_live', await react(fan.token));
    check('POST /api/parties/{id}/start', 403, 'forbidden', await api.json('POST', at('/start'), { token: fan.token }));
    check('POST /api/parties/{id}/control', 403, 'forbidden', await control(fan.token, { action: 'pause' }));
    documented('POST /api/parties/{id}/start', 200, await api.json('POST', at('/start'), { token: artist.token }));

    // Live.
    check('POST /api/parties/{id}/control', 400, 'validation_failed', await control(artist.token, { action: 'skip' }));
    documented('POST /api/parties/{id}/control', 200, await control(artist.token, { action: 'seek', positionMs: 1500 }));
    documented('POST /api/parties/{id}/control', 200, await control(admin.token, { action: 'pause' }));
    documented('GET /api/parties/{id}', 200, await api.get(at()));
    documented('GET /api/parties/{id}', 200, await api.get(at(), { token: fan.token }));
    documented('GET /api/parties/{id}', 200, await api.get(at(), { token: artist.token }));
    documented('GET /api/parties', 200, await api.get(`/api/parties?artistId=${artist.user.id}&ended=true&limit=5`));
    check('GET /api/parties', 400, 'invalid_query', await api.get('/api/parties?artistId=someone'));
    documented('POST /api/parties/{id}/reactions', 201, await react(fan.token, '❤️'));
    documented('GET /api/parties/{id}/messages', 200, await api.get(at('/messages'), { token: fan.token }));

    // A party for superfans: the fan may neither read nor write there.
    const locked = documented('POST /api/parties', 201,
      await create(artist.token, { title: 'Superfans only', trackIds: [track.id], minTier: 'superfan', startNow: true }));
    check('GET /api/parties/{id}/messages', 403, 'tier_required', await api.get(`/api/parties/${locked.id}/messages`, { token: fan.token }));
    check('POST /api/parties/{id}/messages', 403, 'tier_required', await api.post(`/api/parties/${locked.id}/messages`, { body: 'let me in' }, { token: fan.token }));
    check('POST /api/parties/{id}/reactions', 403, 'tier_required', await api.post(`/api/parties/${locked.id}/reactions`, { emoji: '🎉' }, { token: fan.token }));

    // Muting and co-hosts: the host decides.
    const member = (kind, method, token, user) => api.json(method, at(`/${kind}/${user}`), { token });
    for (const kind of ['mutes', 'cohosts']) {
      for (const method of ['PUT', 'DELETE']) {
        const key = `${method} /api/parties/{id}/${kind}/{user}`;
        check(key, 400, 'validation_failed', await member(kind, method, artist.token, artist.user.id));
        check(key, 403, 'forbidden', await member(kind, method, fan2.token, fan.user.id));
        check(key, 404, 'not_found', await member(kind, method, artist.token, randomUuid()));
      }
    }
    documented('PUT /api/parties/{id}/mutes/{user}', 200, await member('mutes', 'PUT', artist.token, fan.user.id));
    check('POST /api/parties/{id}/messages', 403, 'muted', await chat(fan.token, 'can you hear me?'));
    check('POST /api/parties/{id}/reactions', 403, 'muted', await react(fan.token));
    documented('DELETE /api/parties/{id}/mutes/{user}', 200, await member('mutes', 'DELETE', artist.token, fan.user.id));
    documented('PUT /api/parties/{id}/cohosts/{user}', 200, await member('cohosts', 'PUT', artist.token, fan2.user.id));
    documented('POST /api/parties/{id}/control', 200, await control(fan2.token, { action: 'play' }));
    documented('DELETE /api/parties/{id}/cohosts/{user}', 200, await member('cohosts', 'DELETE', artist.token, fan2.user.id));

    // Chat; deleting a message: its author, the host or a co-host.
    const posted = documented('POST /api/parties/{id}/messages', 201, await chat(fan2.token, 'a message'));
    documented('GET /api/parties/{id}/messages', 200, await api.get(at('/messages?limit=1'), { token: fan.token }));
    const message = at(`/messages/${posted.id}`);
    check('DELETE /api/parties/{id}/messages/{message}', 403, 'forbidden', await api.json('DELETE', message, { token: fan.token }));
    documented('DELETE /api/parties/{id}/messages/{message}', 204, await api.json('DELETE', message, { token: artist.token }));
    check('DELETE /api/parties/{id}/messages/{message}', 404, 'not_found', await api.json('DELETE', message, { token: artist.token }));

    check('GET /api/parties/{id}/summary', 403, 'forbidden', await api.get(at('/summary'), { token: fan.token }));
    documented('GET /api/parties/{id}/summary', 200, await api.get(at('/summary'), { token: artist.token }));
    check('POST /api/parties/{id}/end', 403, 'forbidden', await api.json('POST', at('/end'), { token: fan.token }));
    documented('POST /api/parties/{id}/end', 200, await api.json('POST', at('/end'), { token: artist.token }));
    documented('POST /api/parties/{id}/end', 200, await api.json('POST', at('/end'), { token: artist.token }));
    check('POST /api/parties/{id}/start', 409, 'party_ended', await api.json('POST', at('/start'), { token: artist.token }));
    check('POST /api/parties/{id}/control', 409, 'party_ended', await control(artist.token, { action: 'play' }));
  });

  test('posts and the home feed', async () => {
    const { fan, artist, artist2 } = who;
    const body = { title: 'Errors post', body: 'x', visibility: 'public' };
    check('POST /api/posts', 403, 'forbidden', await api.post('/api/posts', body, { token: fan.token }));
    const theirs = expectStatus(await api.post(`/api/releases/${who.release.id}/tracks`, { title: 'Not yours' }, { token: artist.token }), 201);
    check('POST /api/posts', 422, 'unknown_tracks', await api.post('/api/posts', { ...body, trackIds: [theirs.id] }, { token: artist2.token }));
    const open = documented('POST /api/posts', 201, await api.post('/api/posts', body, { token: artist.token }));
    const locked = documented('POST /api/posts', 201, await api.post('/api/posts', { ...body, visibility: 'min_tier', minTier: 'superfan' }, { token: artist.token }));
    check('GET /api/posts', 404, 'not_found', await api.get(`/api/posts?artist=${randomUuid()}`));
    documented('GET /api/posts', 200, await api.get(`/api/posts?artist=${artist.user.id}&limit=1`, { token: fan.token }));
    documented('GET /api/posts/{id}', 200, await api.get(`/api/posts/${locked.id}`, { token: fan.token }));
    check('POST /api/posts/{id}/like', 403, 'locked', await api.json('POST', `/api/posts/${locked.id}/like`, { token: fan.token }));
    check('DELETE /api/posts/{id}/like', 403, 'locked', await api.json('DELETE', `/api/posts/${locked.id}/like`, { token: fan.token }));
    check('GET /api/posts/{id}/comments', 403, 'locked', await api.get(`/api/posts/${locked.id}/comments`, { token: fan.token }));
    check('POST /api/posts/{id}/comments', 403, 'locked', await api.post(`/api/posts/${locked.id}/comments`, { body: 'hi' }, { token: fan.token }));
    check('POST /api/posts/{id}/comments', 400, 'invalid_parent',
      await api.post(`/api/posts/${open.id}/comments`, { body: 'reply', parentId: randomUuid() }, { token: fan.token }));
    documented('POST /api/posts/{id}/comments', 201, await api.post(`/api/posts/${open.id}/comments`, { body: 'hi' }, { token: fan.token }));
    documented('GET /api/posts/{id}/comments', 200, await api.get(`/api/posts/${open.id}/comments`));
    documented('POST /api/posts/{id}/like', 200, await api.json('POST', `/api/posts/${open.id}/like`, { token: fan.token }));
    documented('DELETE /api/posts/{id}/like', 200, await api.json('DELETE', `/api/posts/${open.id}/like`, { token: fan.token }));
    await api.json('POST', `/api/artists/${artist.user.id}/follow`, { token: fan.token });
    documented('GET /api/feed', 200, await api.get('/api/feed?limit=2', { token: fan.token }));

    const p = `/api/posts/${open.id}/image`;
    const image = (token, bytes, ct) => api.json('PUT', p, { token, rawBody: bytes, contentType: ct });
    const filePart = `--b\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\nxxxx`;
    check('PUT /api/posts/{id}/image', 403, 'forbidden', await image(fan.token, Buffer.from('x'), 'image/png'));
    check('PUT /api/posts/{id}/image', 415, 'unsupported_media_type', await api.json('PUT', p, { token: artist.token }));
    check('PUT /api/posts/{id}/image', 415, 'unsupported_image', await image(artist.token, Buffer.from('not an image'), 'image/png'));
    check('PUT /api/posts/{id}/image', 400, 'malformed_multipart', await image(artist.token, filePart, 'multipart/form-data; boundary=b'));
    check('PUT /api/posts/{id}/image', 422, 'corrupt_image', await image(artist.token, Buffer.concat([PNG_MAGIC, Buffer.alloc(64, 7)]), 'image/png'));
    check('PUT /api/posts/{id}/image', 422, 'image_too_large', await image(artist.token, pngHeaderOnly(20_000, 20_000), 'image/png'));
    documented('GET /api/search', 200, await api.get('/api/search?q=errors&limit=5', { token: fan.token }));
    documented('DELETE /api/posts/{id}', 204, await api.json('DELETE', `/api/posts/${locked.id}`, { token: artist.token }));
    check('DELETE /api/posts/{id}', 404, 'not_found', await api.json('DELETE', `/api/posts/${open.id}`, { token: artist2.token }));
  });

  test('buying', async () => {
    const { fan, fan2, artist2: seller } = who;
    const buyer = await registerUser(api);
    const rel = expectStatus(await api.post('/api/releases', { title: 'For sale', kind: 'single' }, { token: seller.token }), 201);
    const track = expectStatus(await api.post(`/api/releases/${rel.id}/tracks`, { title: 'T' }, { token: seller.token }), 201);
    check('PUT /api/releases/{id}/price', 403, 'forbidden', await api.json('PUT', `/api/releases/${rel.id}/price`, { token: fan.token, body: { priceCents: 500 } }));
    check('PUT /api/tracks/{id}/price', 403, 'forbidden', await api.json('PUT', `/api/tracks/${track.id}/price`, { token: fan.token, body: { priceCents: 500 } }));
    check('DELETE /api/releases/{id}/price', 403, 'forbidden', await api.json('DELETE', `/api/releases/${rel.id}/price`, { token: fan.token }));
    check('DELETE /api/tracks/{id}/price', 403, 'forbidden', await api.json('DELETE', `/api/tracks/${track.id}/price`, { token: fan.token }));
    check('PUT /api/releases/{id}/price', 404, 'not_found', await api.json('PUT', `/api/releases/${randomUuid()}/price`, { token: seller.token, body: { priceCents: 500 } }));
    documented('PUT /api/releases/{id}/price', 200, await api.json('PUT', `/api/releases/${rel.id}/price`, { token: seller.token, body: { priceCents: 500, nameYourPrice: true } }));
    documented('PUT /api/tracks/{id}/price', 200, await api.json('PUT', `/api/tracks/${track.id}/price`, { token: seller.token, body: { priceCents: 200 } }));
    documented('DELETE /api/tracks/{id}/price', 200, await api.json('DELETE', `/api/tracks/${track.id}/price`, { token: seller.token }));
    check('POST /api/purchases', 404, 'not_found', await api.post('/api/purchases', { releaseId: rel.id }, { token: buyer.token }));
    expectStatus(await api.json('PATCH', `/api/releases/${rel.id}`, { token: seller.token, body: { published: true } }), 200);
    check('POST /api/purchases', 422, 'cannot_buy_own', await api.post('/api/purchases', { releaseId: rel.id }, { token: seller.token }));
    check('POST /api/purchases', 422, 'not_for_sale', await api.post('/api/purchases', { trackId: track.id }, { token: buyer.token }));
    check('POST /api/purchases', 422, 'amount_below_price', await api.post('/api/purchases', { releaseId: rel.id, amountCents: 499 }, { token: buyer.token }));
    const pay = async (who_, amountCents) => {
      const order = documented('POST /api/purchases', 201, await api.post('/api/purchases', { releaseId: rel.id, amountCents }, { token: who_.token }));
      expectStatus(await api.post(`/api/sandbox/checkouts/${new URL(order.checkoutUrl).pathname.split('/').pop()}/pay`, {}, { token: who_.token }), 200);
      const { rows } = await srv.pool.query('SELECT payment_id FROM purchases WHERE id = $1', [order.purchaseId]);
      return rows[0].payment_id;
    };
    const paid = await pay(buyer, 600);
    check('POST /api/purchases', 409, 'already_owned', await api.post('/api/purchases', { releaseId: rel.id }, { token: buyer.token }));
    documented('GET /api/me/collection', 200, await api.get('/api/me/collection', { token: buyer.token }));
    documented('GET /api/artists/{id}/offers', 200, await api.get(`/api/artists/${seller.user.id}/offers`, { token: buyer.token }));
    documented('GET /api/artists/{id}/offers', 200, await api.get(`/api/artists/${seller.user.id}/offers`));
    check('GET /api/artists/sales', 403, 'forbidden', await api.get('/api/artists/sales', { token: buyer.token }));
    documented('GET /api/artists/sales', 200, await api.get('/api/artists/sales', { token: seller.token }));
    check('POST /api/artists/sales/{id}/refund', 403, 'forbidden', await api.json('POST', `/api/artists/sales/${paid}/refund`, { token: buyer.token }));
    check('POST /api/artists/sales/{id}/refund', 404, 'not_found', await api.json('POST', `/api/artists/sales/${paid}/refund`, { token: who.artist.token }));
    documented('POST /api/artists/sales/{id}/refund', 200, await api.json('POST', `/api/artists/sales/${paid}/refund`, { token: seller.token }));
    check('POST /api/artists/sales/{id}/refund', 422, 'refund_exceeds_payment', await api.json('POST', `/api/artists/sales/${paid}/refund`, { token: seller.token }));
    const disputed = await pay(fan2, 700);
    expectStatus(await api.post(`/api/sandbox/payments/${disputed}/simulate`, { event: 'dispute_created' }, { token: fan2.token }), 200);
    check('POST /api/artists/sales/{id}/refund', 409, 'payment_disputed', await api.json('POST', `/api/artists/sales/${disputed}/refund`, { token: seller.token }));
    check('DELETE /api/tracks/{id}', 409, 'track_has_history', await api.json('DELETE', `/api/tracks/${track.id}`, { token: seller.token }));
    check('DELETE /api/tracks/{id}', 403, 'forbidden', await api.json('DELETE', `/api/tracks/${track.id}`, { token: buyer.token }));
    check('DELETE /api/releases/{id}', 403, 'forbidden', await api.json('DELETE', `/api/releases/${rel.id}`, { token: buyer.token }));
    documented('DELETE /api/releases/{id}', 200, await api.json('DELETE', `/api/releases/${rel.id}`, { token: seller.token }));
  });

  test('privacy: exports, consent and account deletion', async () => {
    const owner = await registerUser(api);
    const started = documented('POST /api/me/exports', 202, await api.json('POST', '/api/me/exports', { token: owner.token }));
    let ready;
    for (let i = 0; i < 300 && ready?.status !== 'ready'; i += 1) {
      ready = documented('GET /api/me/exports/{id}', 200, await api.get(`/api/me/exports/${started.id}`, { token: owner.token }));
      if (ready.status === 'pending') await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(ready.status, 'ready');
    documented('GET /api/me/exports', 200, await api.get('/api/me/exports', { token: owner.token }));
    check('GET /api/me/exports/{id}', 404, 'not_found', await api.get(`/api/me/exports/${started.id}`, { token: who.fan.token }));
    check('GET /media/exports/{owner}/{file}', 403, 'invalid_media_link', await api.get(ready.download.url.replace(/s=[^&]+/, 's=x')));
    check('GET /media/exports/{owner}/{file}', 416, 'range_not_satisfiable',
      await api.get(ready.download.url, { headers: { range: 'bytes=999999999-' } }));
    documented('GET /api/me/consents', 200, await api.get('/api/me/consents', { token: owner.token }));
    documented('PUT /api/me/consents', 200, await api.json('PUT', '/api/me/consents', { token: owner.token, body: { marketingEmail: true } }));

    const del = (u, password) => api.json('DELETE', '/api/me', { token: u.token, body: { password } });
    const fan = await registerUser(api);
    check('DELETE /api/me', 403, 'invalid_password', await del(fan, 'Wrong-password-1'));
    const artist = await registerUser(api, { role: 'artist', artistName: `Del ${uniqueName('a')}` });
    await grantTier(srv.pool, fan.user.id, artist.user.id, 'supporter');
    check('DELETE /api/me', 409, 'memberships_active', await del(fan, fan.input.password));
    check('DELETE /api/me', 409, 'artist_has_subscribers', await del(artist, artist.input.password));
    documented('DELETE /api/me', 202, await del(owner, owner.input.password));
  });

  test('admin: suspend, restore, audit log; a suspended account cannot sign in', async () => {
    const target = await registerUser(api);
    const suspend = (token, id = target.user.id, body = {}) => api.post(`/api/admin/users/${id}/suspend`, body, { token });
    check('POST /api/admin/users/{id}/suspend', 403, 'forbidden', await suspend(who.fan.token));
    check('POST /api/admin/users/{id}/restore', 403, 'forbidden', await api.post(`/api/admin/users/${target.user.id}/restore`, {}, { token: who.fan.token }));
    check('GET /api/admin/audit', 403, 'forbidden', await api.get('/api/admin/audit', { token: who.fan.token }));
    check('POST /api/admin/users/{id}/suspend', 404, 'not_found', await suspend(who.admin.token, randomUuid()));
    check('POST /api/admin/users/{id}/restore', 404, 'not_found', await api.post(`/api/admin/users/${randomUuid()}/restore`, {}, { token: who.admin.token }));
    check('POST /api/admin/users/{id}/suspend', 409, 'cannot_suspend_self', await suspend(who.admin.token, who.admin.user.id));
    documented('POST /api/admin/users/{id}/suspend', 200, await suspend(who.admin.token, target.user.id, { reason: 'test' }));
    check('POST /api/auth/login', 403, 'account_suspended', await api.post('/api/auth/login', { email: target.input.email, password: target.input.password }));
    documented('POST /api/admin/users/{id}/restore', 200, await api.post(`/api/admin/users/${target.user.id}/restore`, {}, { token: who.admin.token }));
    documented('GET /api/admin/audit', 200, await api.get(`/api/admin/audit?targetId=${target.user.id}&limit=1`, { token: who.admin.token }));
  });

  test('moderation: reports, the queue, hiding, flags, stats, users', async () => {
    const { fan, fan2, admin } = who;
    const reporter = await registerUser(api);
    const report = (token, body) => api.post('/api/reports', body, { token });
    check('POST /api/reports', 404, 'not_found', await report(fan.token, { targetType: 'user', targetId: randomUuid(), reason: 'spam' }));
    check('POST /api/reports', 422, 'cannot_report_own', await report(fan.token, { targetType: 'user', targetId: fan.user.id, reason: 'spam' }));
    documented('POST /api/reports', 202, await report(reporter.token, { targetType: 'user', targetId: fan2.user.id, reason: 'spam', note: 'bot' }));
    const open = who.openTrack;
    const c = expectStatus(await api.post(`/api/content/${open.id}/comments`, { body: 'reported' }, { token: fan2.token }), 201);
    check('POST /api/comments/{id}/report', 422, 'cannot_report_own', await api.post(`/api/comments/${c.id}/report`, { reason: 'spam' }, { token: fan2.token }));
    // Spend the reporter's hourly allowance in the database.
    await srv.pool.query("INSERT INTO reports (target_type, target_id, reporter_id, reason) SELECT 'user', gen_random_uuid(), $1, 'spam' FROM generate_series(1, 20)", [reporter.user.id]);
    check('POST /api/reports', 429, 'too_many_reports', await report(reporter.token, { targetType: 'user', targetId: fan.user.id, reason: 'spam' }));
    check('POST /api/comments/{id}/report', 429, 'too_many_reports', await api.post(`/api/comments/${c.id}/report`, { reason: 'spam' }, { token: reporter.token }));

    check('GET /api/admin/reports', 403, 'forbidden', await api.get('/api/admin/reports', { token: fan.token }));
    documented('GET /api/admin/reports', 200, await api.get('/api/admin/reports?type=user&limit=5', { token: admin.token }));
    for (const verb of ['resolve', 'dismiss']) {
      check(`POST /api/admin/reports/{type}/{id}/${verb}`, 403, 'forbidden', await api.post(`/api/admin/reports/user/${fan2.user.id}/${verb}`, {}, { token: fan.token }));
    }
    documented('POST /api/admin/reports/{type}/{id}/dismiss', 200, await api.post(`/api/admin/reports/user/${fan2.user.id}/dismiss`, { note: 'fine' }, { token: admin.token }));
    expectStatus(await report(fan.token, { targetType: 'comment', targetId: c.id, reason: 'spam' }), 202);
    documented('POST /api/admin/reports/{type}/{id}/resolve', 200, await api.post(`/api/admin/reports/comment/${c.id}/resolve`, {}, { token: admin.token }));
    for (const verb of ['hide', 'restore']) {
      check(`POST /api/admin/content/{type}/{id}/${verb}`, 403, 'forbidden', await api.post(`/api/admin/content/comment/${c.id}/${verb}`, {}, { token: fan.token }));
    }
    documented('POST /api/admin/content/{type}/{id}/hide', 200, await api.post(`/api/admin/content/comment/${c.id}/hide`, { reason: 'spam' }, { token: admin.token }));
    documented('POST /api/admin/content/{type}/{id}/restore', 200, await api.post(`/api/admin/content/comment/${c.id}/restore`, {}, { token: admin.token }));

    check('GET /api/admin/flags', 403, 'forbidden', await api.get('/api/admin/flags', { token: fan.token }));
    check('PUT /api/admin/flags/{key}', 403, 'forbidden', await api.json('PUT', '/api/admin/flags/errs', { token: fan.token, body: { enabled: true } }));
    check('DELETE /api/admin/flags/{key}', 403, 'forbidden', await api.json('DELETE', '/api/admin/flags/errs', { token: fan.token }));
    check('PUT /api/admin/flags/{key}', 422, 'unknown_users', await api.json('PUT', '/api/admin/flags/errs', { token: admin.token, body: { enabled: true, userIds: [randomUuid()] } }));
    documented('PUT /api/admin/flags/{key}', 200, await api.json('PUT', '/api/admin/flags/errs', { token: admin.token, body: { enabled: true, rolloutPercent: 30, userIds: [fan.user.id] } }));
    documented('GET /api/admin/flags', 200, await api.get('/api/admin/flags', { token: admin.token }));
    documented('GET /api/flags', 200, await api.get('/api/flags', { token: fan.token }));
    documented('GET /api/flags', 200, await api.get('/api/flags'));
    const deleted = await api.json('DELETE', '/api/admin/flags/errs', { token: admin.token });
    assert.equal(deleted.status, 204);
    expectDocumented('DELETE', '/api/admin/flags/{key}', deleted);
    check('DELETE /api/admin/flags/{key}', 404, 'not_found', await api.json('DELETE', '/api/admin/flags/errs', { token: admin.token }));

    check('GET /api/admin/stats', 403, 'forbidden', await api.get('/api/admin/stats', { token: fan.token }));
    documented('GET /api/admin/stats', 200, await api.get('/api/admin/stats', { token: admin.token }));
    check('GET /api/admin/users', 403, 'forbidden', await api.get('/api/admin/users', { token: fan.token }));
    documented('GET /api/admin/users', 200, await api.get('/api/admin/users?q=a&limit=5', { token: admin.token }));
  });

  test('every documented error is provoked, or NOT_PROVOKED says why', () => {
    const missing = [];
    for (const op of OPS) {
      for (const [status, raw] of Object.entries(op.op.responses)) {
        if (status === 'default' || Number(status) < 400) continue;
        const resp = documentedResponse(op.method, op.path, Number(status))[1];
        for (const code of documentedCodes(resp)) {
          const key = `${op.method} ${op.path}|${status}|${code}`;
          if (!covered.has(key) && !notProvokedReason(key)) missing.push(key);
        }
        void raw;
      }
    }
    assert.deepEqual(missing, [], `documented errors no test provoked:\n${missing.join('\n')}`);
  });
});
