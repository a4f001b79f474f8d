// Property-based fuzzing of the whole API, driven by docs/api/openapi.json: for every operation,
// fast-check builds requests from its path, query and header parameters and its request body schema
// — valid values, real ids, and hostile ones (NUL and control characters, lone surrogates, huge
// numbers and strings, impossible dates, wrong JSON types, unknown fields, non-UUID ids, garbage
// bodies) — and sends them (GET routes also as HEAD) anonymously, with real fan/artist tokens, with
// a garbage token and with validly signed tokens whose claims are wrong. Every answer must be as documented: no 5xx, the
// server still running, a JSON error envelope whose code the document lists for that status, and a
// body matching the documented schema.
//
// CI runs a bounded number of cases per operation (MC_API_FUZZ_RUNS, default 25: about 2000 requests, ~15 s);
// MC_API_FUZZ_SECONDS=N keeps fuzzing every operation in turn for N seconds (scripts/fuzz.sh).
// MC_API_FUZZ_SEED replays a run (the seed is printed on failure).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fc from 'fast-check';
import { startServer } from './helpers/server.mjs';
import { readyTrack } from './helpers/media.mjs';
import { expectStatus } from './helpers/http.mjs';
import { registerUser, uniqueName } from './helpers/fixtures.mjs';
import { grantTier } from './helpers/db.mjs';
import { decodeJwt, signJwt, nowSeconds } from './helpers/jwt.mjs';
import { operations, responseProblems } from './helpers/openapi.mjs';

const RUNS = Number(process.env.MC_API_FUZZ_RUNS || 25);
const SECONDS = Number(process.env.MC_API_FUZZ_SECONDS || 0);
const SEED = process.env.MC_API_FUZZ_SEED ? Number(process.env.MC_API_FUZZ_SEED) : undefined;

let srv;
let api;
const ids = { uuids: [], tokens: {} };

before(async () => {
  srv = await startServer({ name: 'fuzz' });
  api = srv.api;
  await freshIdentities();
});
after(async () => { await srv?.stop(); });

// A fan and an artist with a published release, a track, a comment, a conversation and a live
// listening party; called each round, since fuzzed logouts and password changes may end the
// previous ones' sessions.
async function freshIdentities() {
  const fan = await registerUser(api);
  const artist = await registerUser(api, { role: 'artist', artistName: `Fuzz ${uniqueName('a')}` });
  const rel = expectStatus(await api.json('POST', '/api/releases', { token: artist.token, body: { title: 'Fuzz EP', kind: 'ep' } }), 201);
  const track = await readyTrack(srv, artist.token, { releaseId: rel.id, title: 'Fuzz track' });
  expectStatus(await api.json('PATCH', `/api/releases/${rel.id}`, { token: artist.token, body: { published: true } }), 200);
  const comment = expectStatus(await api.json('POST', `/api/content/${track.id}/comments`,
    { token: fan.token, body: { body: 'first' } }), 201);
  // A conversation (the fan is the artist's superfan) and a live listening party, so the messaging
  // and party operations reach more than their 404. The party's track is marked ready in the
  // database (no transcode here); it stays out of the fuzzed ids, since it has no media.
  await grantTier(srv.pool, fan.user.id, artist.user.id, 'superfan');
  const conversation = expectStatus(await api.json('POST', '/api/messaging/send',
    { token: fan.token, body: { recipientId: artist.user.id, body: 'hello' } }), 201).conversation;
  const partyTrack = expectStatus(await api.json('POST', `/api/releases/${rel.id}/tracks`,
    { token: artist.token, body: { title: 'Party track' } }), 201);
  await srv.pool.query("UPDATE tracks SET status = 'ready' WHERE id = $1", [partyTrack.id]);
  const party = expectStatus(await api.json('POST', '/api/parties',
    { token: artist.token, body: { title: 'Fuzz party', trackIds: [partyTrack.id, partyTrack.id], startNow: true } }), 201);
  expectStatus(await api.json('POST', `/api/parties/${party.id}/messages`, { token: fan.token, body: { body: 'first' } }), 201);
  ids.uuids = [...ids.uuids, fan.user.id, artist.user.id, rel.id, track.id, comment.id, conversation.id, party.id].slice(-21);
  ids.slug = artist.user.artistSlug;
  const claims = decodeJwt(fan.token);
  const forge = (payload) => signJwt(claims.header, { ...claims.payload, iat: nowSeconds() - 5, exp: nowSeconds() + 600, ...payload },
    srv.jwtSecret());
  ids.tokens = {
    fan: fan.token,
    artist: artist.token,
    garbage: 'not.a.token',
    // Validly signed, wrong claims: a sub or sid that is not a UUID, another user's session.
    badSub: forge({ sub: 'not-a-uuid' }),
    badSid: forge({ sid: '\u0000x' }),
    otherSid: forge({ sub: artist.user.id }),
  };
}

// ---- value generators -------------------------------------------------------------------------
const HOSTILE_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', '\u0001\u0002\u001f\u007f', '\t\r\n', '\ud800', '\udfff\ud800', '💥',
  'é'.repeat(300), 'x'.repeat(5000), '../../../../etc/passwd', '%00', '%2e%2e%2f', "' OR 1=1 --", '"; DROP TABLE users; --',
  '<script>alert(1)</script>', '${7*7}', 'NaN', 'Infinity', '-1', '0', '1e400', '99999999999999999999999999',
  '2026-13-45T99:99:99Z', '0000-01-01T00:00:00Z', '2026-01-01T00:00:00+99:99', '9999-12-31T23:59:59Z',
  '1970-01-01T00:00:00Z', '2026-02-30T00:00:00Z', 'not-a-date', '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff', 'g0000000-0000-0000-0000-000000000000', 'free', 'supporter', 'superfan',
  'single', 'album', 'new', 'trending', 'USD', 'EUR', 'xx@example.com', '@', 'a@b',
];
const HOSTILE_NUMBERS = [0, -1, 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, 1e308, -1e308, 5e-324, 0.5, -0.0001, 1e21];

const hostileString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.uuid() },
);
const hostileNumber = fc.oneof(fc.constantFrom(...HOSTILE_NUMBERS), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));
const anyJson = fc.jsonValue({ maxDepth: 2 });

function stringFor(schema) {
  const options = [{ weight: 3, arbitrary: hostileString }];
  if (schema.enum) options.push({ weight: 4, arbitrary: fc.constantFrom(...schema.enum) });
  if (schema.format === 'uuid') options.push({ weight: 4, arbitrary: fc.constantFrom(...ids.uuids) });
  if (schema.format === 'date-time') options.push({ weight: 2, arbitrary: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()) });
  if (schema.format === 'email') options.push({ weight: 2, arbitrary: fc.emailAddress() });
  if (schema.pattern) {
    try { options.push({ weight: 2, arbitrary: fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length < 200) }); } catch { /* unsupported */ }
  }
  const minLength = Math.min(schema.minLength ?? 0, 60);
  options.push({ weight: 2, arbitrary: fc.string({ minLength, maxLength: Math.max(minLength, Math.min(schema.maxLength ?? 60, 60)) }) });
  return fc.oneof(...options);
}

function typeOf(schema) {
  const t = Array.isArray(schema.type) ? schema.type.find((x) => x !== 'null') : schema.type;
  if (t) return t;
  if (schema.properties) return 'object';
  if (schema.enum) return typeof schema.enum[0];
  return undefined;
}

/** Values for a schema: mostly of its type (valid or hostile), sometimes of any JSON type. */
function valueFor(schema, depth = 0) {
  schema = resolveSchema(schema ?? {});
  const wrong = { weight: 1, arbitrary: anyJson };
  let right;
  switch (typeOf(schema)) {
    case 'string': right = stringFor(schema); break;
    case 'integer': { const min = schema.minimum ?? -10; right = fc.oneof(fc.integer({ min, max: schema.maximum ?? min + 1000 }), hostileNumber); break; }
    case 'number': { const min = schema.minimum ?? -10; right = fc.oneof(fc.double({ min, max: schema.maximum ?? min + 1e6, noNaN: true }), hostileNumber); break; }
    case 'boolean': right = fc.boolean(); break;
    case 'array': right = depth > 2 ? fc.constant([]) : fc.array(valueFor(schema.items ?? {}, depth + 1), { maxLength: 6 }); break;
    case 'object': right = depth > 2 ? fc.constant({}) : objectFor(schema, depth + 1); break;
    default: right = anyJson;
  }
  return fc.oneof({ weight: 6, arbitrary: right }, wrong, { weight: 1, arbitrary: fc.constant(null) });
}

function objectFor(schema, depth) {
  const props = Object.entries(schema.properties ?? {});
  const record = {};
  for (const [k, s] of props) record[k] = valueFor(s, depth);
  const base = props.length ? fc.record(record, { requiredKeys: [] }) : fc.constant({});
  return fc.tuple(base, fc.option(fc.dictionary(fc.constantFrom('zz', 'unknownField', '__proto__', 'constructor', ''), anyJson, { maxKeys: 2 }), { freq: 5 }))
    .map(([o, extra]) => (extra ? { ...o, ...extra } : o));
}

function resolveSchema(schema) {
  let s = schema;
  while (s && s.$ref) s = refTarget(s.$ref);
  if (s?.allOf) s = Object.assign({}, ...s.allOf.map(resolveSchema), { ...s, allOf: undefined });
  if (s?.anyOf || s?.oneOf) s = resolveSchema((s.anyOf ?? s.oneOf).find((x) => x.type !== 'null') ?? {});
  return s ?? {};
}
let docRef;
function refTarget(ref) { return ref.slice(2).split('/').reduce((acc, k) => acc[k.replaceAll('~1', '/')], docRef); }

// ---- requests -----------------------------------------------------------------------------------
function pathValue(param) {
  const schema = resolveSchema(param.schema ?? {});
  const valid = schema.format === 'uuid' ? fc.oneof(fc.constantFrom(...ids.uuids), fc.uuid())
    : param.name === 'id' ? fc.oneof(fc.constantFrom(...ids.uuids), fc.constant(ids.slug))
      : schema.type === 'integer' ? fc.integer({ min: -1, max: 5 }).map(String)
        : schema.enum ? fc.constantFrom(...schema.enum) : fc.string({ minLength: 1, maxLength: 20 });
  // A URL cannot carry a lone surrogate (encodeURIComponent throws), and fetch resolves dot segments
  // before sending, so path values are well formed and never `.` or `..`.
  const sendable = (s) => s.length > 0 && s.isWellFormed() && s !== '.' && s !== '..';
  return fc.oneof({ weight: 4, arbitrary: valid.filter(sendable) }, { weight: 1, arbitrary: hostileString.filter(sendable) });
}

const visibleAscii = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 });

function requestFor(operation) {
  const pathParams = operation.params.filter((p) => p.in === 'path');
  const queryParams = operation.params.filter((p) => p.in === 'query');
  const headerParams = operation.params.filter((p) => p.in === 'header');
  const pathArb = fc.record(Object.fromEntries(pathParams.map((p) => [p.name, pathValue(p)])));
  const queryArb = fc.record(Object.fromEntries(queryParams.map((p) => [p.name, fc.oneof(
    valueFor(p.schema).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))), hostileString)])), { requiredKeys: [] });
  const headerArb = fc.record(Object.fromEntries(headerParams.map((p) => [p.name, fc.oneof(
    visibleAscii, fc.constantFrom('bytes=abc', 'bytes=0-', 'bytes=-1', 'bytes=5-1', 'bytes=0-0,1-1', `bytes=0-${2 ** 40}`, '0/0', 'FFFFFFFF/FFFFFFFF'))])),
  { requiredKeys: [] });
  const content = operation.body?.content ?? {};
  const bodyArbs = [];
  if (content['application/json']) {
    bodyArbs.push({ weight: 6, arbitrary: valueFor(content['application/json'].schema).map((v) => ({ json: v })) });
    bodyArbs.push({ weight: 1, arbitrary: fc.constantFrom('', '{', '[]', 'null', '{"a":', '\u0000', '{"a":1,"a":2}', '{"x":"\\ud800"}', '1'.repeat(400))
      .map((raw) => ({ raw, contentType: 'application/json' })) });
  }
  for (const ct of Object.keys(content).filter((c) => c !== 'application/json')) {
    bodyArbs.push({ weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => ({ raw: Buffer.from(b), contentType: ct === 'image/*' ? 'image/png' : ct })) });
    bodyArbs.push({ weight: 1, arbitrary: fc.constant({ raw: '--x\r\n\r\n', contentType: 'multipart/form-data; boundary=x' }) });
  }
  bodyArbs.push({ weight: 1, arbitrary: fc.constant(null) });
  bodyArbs.push({ weight: 1, arbitrary: fc.string({ maxLength: 50 }).map((raw) => ({ raw, contentType: 'text/plain' })) });
  const tokenArb = fc.constantFrom(undefined, undefined, 'fan', 'fan', 'artist', 'artist', 'garbage', 'badSub', 'badSid', 'otherSid');
  // GET routes also answer HEAD (RFC 9110): the same status, never a body.
  const headArb = operation.method === 'GET' ? fc.boolean() : fc.constant(false);
  return fc.record({ path: pathArb, query: queryArb, headers: headerArb, body: fc.oneof(...bodyArbs), token: tokenArb, head: headArb });
}

function urlOf(operation, req) {
  let p = operation.path;
  for (const [k, v] of Object.entries(req.path)) p = p.replace(`{${k}}`, encodeURIComponent(v));
  const qs = new URLSearchParams(req.query).toString();
  return qs ? `${p}?${qs}` : p;
}

async function send(operation, req) {
  const url = urlOf(operation, req);
  const opts = { headers: { ...req.headers } };
  if (req.token) opts.token = ids.tokens[req.token];
  if (operation.method === 'GET') { /* fetch sends no body with GET */ } else if (req.body?.json !== undefined) opts.body = req.body.json;
  else if (req.body?.raw !== undefined) { opts.rawBody = req.body.raw; opts.contentType = req.body.contentType; }
  const res = await api.json(req.head ? 'HEAD' : operation.method, url, opts);
  if (srv.proc.exitCode !== null || srv.proc.signalCode !== null) {
    throw new Error(`the server exited (code ${srv.proc.exitCode}, signal ${srv.proc.signalCode}) after ${operation.method} ${url}`);
  }
  return res;
}

const statuses = new Map(); // status → how many answers, reported at the end

function property(operation) {
  return fc.asyncProperty(requestFor(operation), async (req) => {
    const res = await send(operation, req);
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    const problems = responseProblems(req.head ? 'HEAD' : operation.method, operation.path, res);
    if (problems.length) {
      throw new Error(`${problems.join('; ')}\nrequest: ${JSON.stringify({ ...req, token: req.token })}\n` +
        `${res.method} ${res.path} → ${res.status} ${res.text.slice(0, 500)}\nserver log: ${res.logPath}`);
    }
  });
}

test('every operation answers generated and hostile requests as documented', { timeout: SECONDS ? (SECONDS + 600) * 1000 : 600_000 }, async (t) => {
  const { doc } = await import('./helpers/openapi.mjs');
  docRef = doc;
  // Operations that can end the fuzzer's own sessions go last in each round.
  const last = new Set(['POST /api/auth/logout', 'DELETE /api/auth/sessions/{id}', 'POST /api/auth/password/change', 'POST /api/auth/email/change']);
  const all = operations();
  const ops = [...all.filter((o) => !last.has(`${o.method} ${o.path}`)), ...all.filter((o) => last.has(`${o.method} ${o.path}`))];
  const deadline = SECONDS ? Date.now() + SECONDS * 1000 : 0;
  let round = 0;
  const failures = [];
  do {
    for (const operation of ops) {
      const seed = SEED ?? crypto.randomInt(2 ** 31);
      try {
        await fc.assert(property(operation), { numRuns: RUNS, seed, endOnFailure: false, verbose: 0 });
      } catch (err) {
        // Keep going: one run reports every operation that fails, each with the seed that replays it.
        failures.push(`${operation.method} ${operation.path} (MC_API_FUZZ_SEED=${seed}):\n${err.message.slice(0, 2000)}\n` +
          `${String(err.cause?.message ?? err.cause ?? '').slice(0, 2000)}`);
        if (srv.proc.exitCode !== null || srv.proc.signalCode !== null) break;
      }
      if (deadline && Date.now() > deadline) break;
    }
    round += 1;
    if (deadline && Date.now() < deadline) await freshIdentities();
  } while (deadline && Date.now() < deadline && srv.proc.exitCode === null && srv.proc.signalCode === null);
  assert.deepEqual(failures, [], `${failures.length} operation(s) answered outside the document:\n\n${failures.join('\n\n')}`);
  t.diagnostic(`${round} round(s) of ${ops.length} operations × ${RUNS} cases; answers by status: ` +
    [...statuses].sort(([a], [b]) => a - b).map(([k, v]) => `${k}×${v}`).join(' '));
});
