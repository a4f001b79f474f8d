// Access tokens (JWT checks), refresh-token rotation with reuse detection, and logout.
import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers/server.mjs';
import { expectConsistencyToken, expectError, expectErrorOneOf, expectStatus } from './helpers/http.mjs';
import { assertCountsChanged, assertNothingWritten, sessionRow, snapshot } from './helpers/db.mjs';
import { decodeJwt, nowSeconds, signJwt, unsignedJwt } from './helpers/jwt.mjs';
import { registerUser } from './helpers/fixtures.mjs';

let srv;
let api;
before(async () => {
  srv = await startServer({ name: 'tokens' });
  api = srv.api;
});
after(async () => { await srv?.stop(); });

const me = (token) => api.get('/api/auth/me', { token });
const refresh = (refreshToken) => api.post('/api/auth/refresh', { refreshToken });
const REFRESH_FAILURES = ['invalid_refresh_token', 'refresh_token_reused'];

// Ages every rotation of a session past the refresh-reuse grace period (REFRESH_REUSE_GRACE_S).
async function pastGrace(sid) {
  await srv.pool.query(
    "UPDATE refresh_tokens SET used_at = now() - interval '1 minute' WHERE session_id = $1 AND used_at IS NOT NULL", [sid]);
}

describe('access token checks', () => {
  test('a token re-signed by us with the server secret, kid and fresh times is accepted (control)', async () => {
    const { token, user } = await registerUser(api);
    const { header, payload } = decodeJwt(token);
    const now = nowSeconds();
    const crafted = signJwt(header, { ...payload, iat: now - 5, exp: now + 600 }, srv.jwtSecret());
    assert.equal(expectStatus(await me(crafted), 200).id, user.id);
  });

  test('a token signed with another secret (forged) → 401 invalid_token', async () => {
    const { token } = await registerUser(api);
    const { header, payload } = decodeJwt(token);
    const forged = signJwt(header, { ...payload, role: 'admin' }, Buffer.from('not-the-server-secret'));
    expectError(await me(forged), 401, 'invalid_token');
  });

  test('a token whose payload was altered after signing → 401 invalid_token', async () => {
    const { token } = await registerUser(api);
    const [h, , s] = token.split('.');
    const { payload } = decodeJwt(token);
    const altered = `${h}.${Buffer.from(JSON.stringify({ ...payload, role: 'admin' })).toString('base64url')}.${s}`;
    expectError(await me(altered), 401, 'invalid_token');
  });

  test('an expired but correctly signed token → 401 invalid_token', async () => {
    const { token } = await registerUser(api);
    const { header, payload } = decodeJwt(token);
    const now = nowSeconds();
    const expired = signJwt(header, { ...payload, iat: now - 3600, exp: now - 1800 }, srv.jwtSecret());
    expectError(await me(expired), 401, 'invalid_token');
  });

  test('a correctly signed token with an unknown kid → 401 invalid_token', async () => {
    const { token } = await registerUser(api);
    const { header, payload } = decodeJwt(token);
    const unknownKid = signJwt({ ...header, kid: `${header.kid}-unknown` }, payload, srv.jwtSecret());
    expectError(await me(unknownKid), 401, 'invalid_token');
  });

  test('a correctly signed token without kid → 401 invalid_token', async () => {
    const { token } = await registerUser(api);
    const { header, payload } = decodeJwt(token);
    const { kid, ...noKid } = header;
    assert.ok(kid);
    expectError(await me(signJwt(noKid, payload, srv.jwtSecret())), 401, 'invalid_token');
  });

  test('a correctly signed token from another issuer → 401 invalid_token', async () => {
    const { token } = await registerUser(api);
    const { header, payload } = decodeJwt(token);
    expectError(await me(signJwt(header, { ...payload, iss: 'someone-else' }, srv.jwtSecret())), 401, 'invalid_token');
  });

  test('an unsigned token (alg none) → 401 invalid_token', async () => {
    const { token } = await registerUser(api);
    const { header, payload } = decodeJwt(token);
    expectError(await me(unsignedJwt({ ...header, alg: 'none' }, payload)), 401, 'invalid_token');
  });

  test('malformed tokens → 401 invalid_token', async () => {
    for (const bad of ['garbage', 'a.b', 'a.b.c', 'e30.e30.', '...', `${'x'.repeat(64)}.${'y'.repeat(64)}.${'z'.repeat(43)}`]) {
      expectError(await me(bad), 401, 'invalid_token');
    }
  });
});

describe('refresh', () => {
  test('a refresh token is exchanged once for a new access and refresh token of the same session', async () => {
    const { token, refreshToken } = await registerUser(api);
    const before = await snapshot(srv.pool);
    const res = await refresh(refreshToken);
    const body = expectStatus(res, 200);
    assert.equal(typeof body.token, 'string');
    assert.equal(typeof body.refreshToken, 'string');
    assert.notEqual(body.refreshToken, refreshToken);
    assert.equal(decodeJwt(body.token).payload.sid, decodeJwt(token).payload.sid);
    expectConsistencyToken(res);
    await assertCountsChanged(srv.pool, before, { refresh_tokens: 1 });
    expectStatus(await me(body.token), 200);
  });

  test('refresh tokens are stored hashed, not as the token itself', async () => {
    const { token, refreshToken } = await registerUser(api);
    const sid = decodeJwt(token).payload.sid;
    const { rows } = await srv.pool.query('SELECT token_hash FROM refresh_tokens WHERE session_id = $1', [sid]);
    assert.equal(rows.length, 1);
    const stored = rows[0].token_hash;
    for (const raw of [Buffer.from(refreshToken), Buffer.from(refreshToken, 'base64url'), Buffer.from(refreshToken, 'hex')]) {
      assert.ok(raw.length === 0 || !stored.equals(raw), 'token_hash must not be the token bytes');
    }
  });

  test('an unknown refresh token → 401 invalid_refresh_token, nothing written', async () => {
    const before = await snapshot(srv.pool);
    expectError(await refresh('definitely-not-a-refresh-token-0123456789abcdef'), 401, 'invalid_refresh_token');
    await assertNothingWritten(srv.pool, before);
  });

  test('missing or mistyped refreshToken → 400 validation_failed naming it, nothing written', async () => {
    const before = await snapshot(srv.pool);
    expectError(await api.post('/api/auth/refresh', {}), 400, 'validation_failed', { field: 'refreshToken' });
    expectError(await api.post('/api/auth/refresh', { refreshToken: 123 }), 400, 'validation_failed',
      { field: 'refreshToken' });
    expectError(await api.post('/api/auth/refresh', { refreshToken: 'x', extra: 1 }), 400, 'validation_failed',
      { field: 'extra' });
    expectError(await api.json('POST', '/api/auth/refresh', { rawBody: '{', contentType: 'application/json' }),
      400, 'invalid_json');
    expectError(await api.json('POST', '/api/auth/refresh', { rawBody: '{}', contentType: 'text/plain' }),
      415, 'unsupported_media_type');
    await assertNothingWritten(srv.pool, before);
  });

  test('a reused refresh token → 401 refresh_token_reused, revokes the session, and the newer token is refused too', async () => {
    const { token, refreshToken: first } = await registerUser(api);
    const sid = decodeJwt(token).payload.sid;
    const second = expectStatus(await refresh(first), 200);
    await pastGrace(sid);

    expectError(await refresh(first), 401, 'refresh_token_reused');

    expectErrorOneOf(await refresh(second.refreshToken), 401, REFRESH_FAILURES);
    const row = await sessionRow(srv.pool, sid);
    assert.ok(row, 'session row exists');
    assert.notEqual(row.revoked_at, null, 'the session is revoked in the sessions table');
    // access tokens of the revoked session stop working
    expectError(await me(second.token), 401, 'invalid_token');
    expectError(await me(token), 401, 'invalid_token');
  });

  test('a retry within the grace period (a client that lost the answer) gets the same successor; the session lives', async () => {
    const { token, refreshToken: first } = await registerUser(api);
    const sid = decodeJwt(token).payload.sid;
    const second = expectStatus(await refresh(first), 200);
    const retried = expectStatus(await refresh(first), 200);
    assert.equal(retried.refreshToken, second.refreshToken, 'one successor per rotation: no parallel chain');
    const { rows } = await srv.pool.query('SELECT count(*)::int AS n FROM refresh_tokens WHERE session_id = $1', [sid]);
    assert.equal(rows[0].n, 2, 'the retry stored no token of its own');
    expectStatus(await me(retried.token), 200);
    const third = expectStatus(await refresh(retried.refreshToken), 200);
    expectStatus(await me(third.token), 200);
    assert.equal((await sessionRow(srv.pool, sid)).revoked_at, null);
    // Once the grace period is over, the same replay is theft.
    await pastGrace(sid);
    expectError(await refresh(first), 401, 'refresh_token_reused');
    assert.notEqual((await sessionRow(srv.pool, sid)).revoked_at, null);
  });

  test('concurrent presentations of one token all get the same successor', async () => {
    const { refreshToken: first } = await registerUser(api);
    const answers = await Promise.all(Array.from({ length: 4 }, () => refresh(first)));
    const tokens = new Set(answers.map((r) => expectStatus(r, 200).refreshToken));
    assert.equal(tokens.size, 1, `one successor: ${[...tokens].join(', ')}`);
  });

  test('a replay within the grace period after the successor was used (a thief behind the owner) revokes the family', async () => {
    const { token, refreshToken: first } = await registerUser(api);
    const sid = decodeJwt(token).payload.sid;
    const second = expectStatus(await refresh(first), 200);
    const third = expectStatus(await refresh(second.refreshToken), 200);
    expectError(await refresh(first), 401, 'refresh_token_reused');
    assert.notEqual((await sessionRow(srv.pool, sid)).revoked_at, null);
    expectErrorOneOf(await refresh(third.refreshToken), 401, REFRESH_FAILURES);
  });

  test('reuse in one session leaves the user\'s other sessions alone', async () => {
    const { input, refreshToken: first } = await registerUser(api);
    const other = expectStatus(await api.post('/api/auth/login', { email: input.email, password: input.password }), 200);
    expectStatus(await refresh(first), 200);
    await srv.pool.query("UPDATE refresh_tokens SET used_at = now() - interval '1 minute' WHERE used_at IS NOT NULL");
    expectError(await refresh(first), 401, 'refresh_token_reused');
    expectStatus(await me(other.token), 200);
    expectStatus(await refresh(other.refreshToken), 200);
  });
});

// Polls `request` until it answers 401 invalid_token or `ms` pass; returns the last answer.
async function until401(request, ms = 15_000) {
  const deadline = Date.now() + ms;
  let res;
  do {
    res = await request();
    if (res.status === 401) return res;
    await new Promise((r) => setTimeout(r, 200));
  } while (Date.now() < deadline);
  return res;
}

describe('revoked sessions (SESSION_CHECK_TTL_S)', () => {
  // Routes that check only the token: the per-process session check is what refuses them.
  const routes = ['/api/subscriptions/active', '/api/me/following', '/api/me/likes'];

  test('after logout the old access token gets 401 invalid_token on every signed-in route within seconds', async () => {
    const { token } = await registerUser(api);
    for (const path of routes) expectStatus(await api.get(path, { token }), 200);
    expectStatus(await api.json('POST', '/api/auth/logout', { token }), 204);
    for (const path of routes) {
      expectError(await until401(() => api.get(path, { token })), 401, 'invalid_token');
    }
  });

  test('a session revoked elsewhere (the database, as another node would) stops within seconds too', async () => {
    const { token } = await registerUser(api);
    expectStatus(await api.get(routes[0], { token }), 200);  // now cached as live
    await srv.pool.query("UPDATE sessions SET revoked_at = now(), revoke_reason = 'test' WHERE id = $1",
      [decodeJwt(token).payload.sid]);
    expectError(await until401(() => api.get(routes[0], { token })), 401, 'invalid_token');
  });

  test('a validly signed token whose session belongs to another user is refused', async () => {
    const a = await registerUser(api);
    const b = await registerUser(api);
    const { header, payload } = decodeJwt(a.token);
    const crafted = signJwt(header, { ...payload, sid: decodeJwt(b.token).payload.sid }, srv.jwtSecret());
    expectError(await api.get(routes[0], { token: crafted }), 401, 'invalid_token');
  });
});

describe('logout', () => {
  test('logout answers 204 and revokes the session: its refresh token and access token stop working', async () => {
    const { token, refreshToken } = await registerUser(api);
    const sid = decodeJwt(token).payload.sid;
    const res = await api.json('POST', '/api/auth/logout', { token });
    expectStatus(res, 204);
    assert.equal(res.text, '');
    expectConsistencyToken(res);
    assert.notEqual((await sessionRow(srv.pool, sid)).revoked_at, null);
    expectErrorOneOf(await refresh(refreshToken), 401, REFRESH_FAILURES);
    expectError(await me(token), 401, 'invalid_token');
  });

  test('logout accepts an empty JSON object as body', async () => {
    const { token } = await registerUser(api);
    expectStatus(await api.post('/api/auth/logout', {}, { token }), 204);
    expectError(await me(token), 401, 'invalid_token');
  });

  test('logout revokes only the calling session', async () => {
    const { input, token } = await registerUser(api);
    const other = expectStatus(await api.post('/api/auth/login', { email: input.email, password: input.password }), 200);
    expectStatus(await api.post('/api/auth/logout', {}, { token }), 204);
    expectStatus(await me(other.token), 200);
  });

  test('logout without a bearer token → 401 unauthorized, nothing written', async () => {
    const before = await snapshot(srv.pool);
    expectError(await api.post('/api/auth/logout', {}), 401, 'unauthorized');
    await assertNothingWritten(srv.pool, before);
  });

  test('logout with an invalid token → 401 invalid_token', async () => {
    expectError(await api.post('/api/auth/logout', {}, { token: 'a.b.c' }), 401, 'invalid_token');
  });

  test('logout with an unknown field in the body → 400 validation_failed, session kept', async () => {
    const { token } = await registerUser(api);
    const before = await snapshot(srv.pool);
    expectError(await api.post('/api/auth/logout', { everywhere: true }, { token }), 400, 'validation_failed',
      { field: 'everywhere' });
    await assertNothingWritten(srv.pool, before);
    expectStatus(await me(token), 200);
  });
});
