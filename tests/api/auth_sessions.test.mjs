// GET /api/auth/sessions and DELETE /api/auth/sessions/{id}: list and revoke my own sessions only.
import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers/server.mjs';
import { expectConsistencyToken, expectError, expectErrorOneOf, expectStatus } from './helpers/http.mjs';
import { assertNothingWritten, sessionRow, snapshot } from './helpers/db.mjs';
import { decodeJwt } from './helpers/jwt.mjs';
import { login, registerUser, UUID_RE } from './helpers/fixtures.mjs';

let srv;
let api;
before(async () => {
  srv = await startServer({ name: 'sessions' });
  api = srv.api;
});
after(async () => { await srv?.stop(); });

const sidOf = (token) => decodeJwt(token).payload.sid;
const listSessions = async (token) => expectStatus(await api.get('/api/auth/sessions', { token }), 200).sessions;

describe('list sessions', () => {
  test('lists every live session of the caller with current:true only for the calling one', async () => {
    const reg = await registerUser(api);
    const phone = await login(api, reg.input.email, reg.input.password, { userAgent: 'MusicConnectTest/phone' });
    const laptop = await login(api, reg.input.email, reg.input.password, { userAgent: 'MusicConnectTest/laptop' });

    const sessions = await listSessions(phone.token);
    assert.ok(Array.isArray(sessions));
    const ids = sessions.map((s) => s.id).sort();
    assert.deepEqual(ids, [sidOf(reg.token), sidOf(phone.token), sidOf(laptop.token)].sort());
    for (const s of sessions) {
      assert.match(s.id, UUID_RE);
      for (const k of ['createdAt', 'lastUsedAt', 'expiresAt']) {
        assert.ok(!Number.isNaN(Date.parse(s[k])), `${k} is a timestamp: ${s[k]}`);
      }
      assert.ok('userAgent' in s && 'ip' in s && 'current' in s, `session fields: ${JSON.stringify(s)}`);
      assert.equal(typeof s.current, 'boolean');
    }
    const current = sessions.filter((s) => s.current);
    assert.equal(current.length, 1, 'exactly one current session');
    assert.equal(current[0].id, sidOf(phone.token));
    assert.equal(current[0].userAgent, 'MusicConnectTest/phone');
    assert.match(String(current[0].ip), /127\.0\.0\.1$/);
    const exp = Date.parse(current[0].expiresAt) - Date.parse(current[0].createdAt);
    assert.ok(Math.abs(exp - 30 * 24 * 3600 * 1000) < 3600 * 1000, 'sessions last 30 days');

    const fromLaptop = await listSessions(laptop.token);
    assert.equal(fromLaptop.find((s) => s.current).id, sidOf(laptop.token));
  });

  test('lists no session of another user', async () => {
    const a = await registerUser(api);
    const b = await registerUser(api);
    const ids = (await listSessions(a.token)).map((s) => s.id);
    assert.ok(!ids.includes(sidOf(b.token)));
  });

  test('without a bearer token → 401 unauthorized', async () => {
    expectError(await api.get('/api/auth/sessions'), 401, 'unauthorized');
  });
});

describe('revoke a session', () => {
  test('DELETE of another own session answers 204 and revokes it', async () => {
    const reg = await registerUser(api);
    const other = await login(api, reg.input.email, reg.input.password);
    const otherSid = sidOf(other.token);

    const res = await api.del(`/api/auth/sessions/${otherSid}`, { token: reg.token });
    expectStatus(res, 204);
    expectConsistencyToken(res);

    assert.notEqual((await sessionRow(srv.pool, otherSid)).revoked_at, null);
    expectError(await api.get('/api/auth/me', { token: other.token }), 401, 'invalid_token');
    expectErrorOneOf(await api.post('/api/auth/refresh', { refreshToken: other.refreshToken }), 401,
      ['invalid_refresh_token', 'refresh_token_reused']);
    const ids = (await listSessions(reg.token)).map((s) => s.id);
    assert.ok(!ids.includes(otherSid), 'a revoked session is no longer listed');
    expectStatus(await api.get('/api/auth/me', { token: reg.token }), 200);
  });

  test('a revoked session\'s access token gets 401 on routes that check only the token, within seconds', async () => {
    const reg = await registerUser(api);
    const other = await login(api, reg.input.email, reg.input.password);
    expectStatus(await api.get('/api/subscriptions/active', { token: other.token }), 200);
    expectStatus(await api.del(`/api/auth/sessions/${sidOf(other.token)}`, { token: reg.token }), 204);
    const deadline = Date.now() + 15_000;
    let res;
    do {
      res = await api.get('/api/subscriptions/active', { token: other.token });
      if (res.status === 401) break;
      await new Promise((r) => setTimeout(r, 200));
    } while (Date.now() < deadline);
    expectError(res, 401, 'invalid_token');
    expectStatus(await api.get('/api/subscriptions/active', { token: reg.token }), 200);
  });

  test('DELETE of the calling session revokes it too', async () => {
    const reg = await registerUser(api);
    expectStatus(await api.del(`/api/auth/sessions/${sidOf(reg.token)}`, { token: reg.token }), 204);
    expectError(await api.get('/api/auth/me', { token: reg.token }), 401, 'invalid_token');
  });

  test('DELETE of someone else\'s session → 404 not_found and it keeps working', async () => {
    const mallory = await registerUser(api);
    const victim = await registerUser(api);
    const victimSid = sidOf(victim.token);
    const before = await snapshot(srv.pool);
    expectError(await api.del(`/api/auth/sessions/${victimSid}`, { token: mallory.token }), 404, 'not_found');
    await assertNothingWritten(srv.pool, before);
    assert.equal((await sessionRow(srv.pool, victimSid)).revoked_at, null);
    expectStatus(await api.get('/api/auth/me', { token: victim.token }), 200);
  });

  test('DELETE of an unknown session id → 404 not_found', async () => {
    const reg = await registerUser(api);
    expectError(await api.del('/api/auth/sessions/00000000-0000-4000-8000-000000000000', { token: reg.token }),
      404, 'not_found');
  });

  test('DELETE of a session id that is not a UUID → 404 not_found (or 400 validation_failed), not a 500', async () => {
    const reg = await registerUser(api);
    const res = await api.del('/api/auth/sessions/not-a-uuid', { token: reg.token });
    if (res.status === 400) expectError(res, 400, 'validation_failed');
    else expectError(res, 404, 'not_found');
  });

  test('DELETE without a bearer token → 401 unauthorized, nothing written', async () => {
    const reg = await registerUser(api);
    const before = await snapshot(srv.pool);
    expectError(await api.del(`/api/auth/sessions/${sidOf(reg.token)}`), 401, 'unauthorized');
    await assertNothingWritten(srv.pool, before);
  });
});
