// POST /api/auth/login: credentials, uniform failures, per-account lockout.
import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers/server.mjs';
import { expectConsistencyToken, expectError, expectRetryAfter, expectStatus } from './helpers/http.mjs';
import { assertCountsChanged, assertNothingWritten, snapshot } from './helpers/db.mjs';
import { decodeJwt } from './helpers/jwt.mjs';
import { registerUser, strongPassword } from './helpers/fixtures.mjs';

let srv;
let api;
before(async () => {
  srv = await startServer({ name: 'login' });
  api = srv.api;
});
after(async () => { await srv?.stop(); });

const loginReq = (body, opts = {}) => api.json('POST', '/api/auth/login', { body, ...opts });

describe('login success', () => {
  test('the right email and password answer 200 with token, refreshToken and user, in a new session', async () => {
    const { input, user } = await registerUser(api);
    const before = await snapshot(srv.pool);
    const res = await loginReq({ email: input.email, password: input.password });
    const body = expectStatus(res, 200);
    assert.equal(typeof body.token, 'string');
    assert.equal(typeof body.refreshToken, 'string');
    assert.deepEqual(body.user, user);
    expectConsistencyToken(res);
    await assertCountsChanged(srv.pool, before, { sessions: 1, refresh_tokens: 1 });
    const { payload } = decodeJwt(body.token);
    assert.equal(payload.sub, user.id);
    const me = expectStatus(await api.get('/api/auth/me', { token: body.token }), 200);
    assert.equal(me.id, user.id);
  });

  test('the email matches case-insensitively', async () => {
    const { input, user } = await registerUser(api);
    const res = await loginReq({ email: input.email.toUpperCase(), password: input.password });
    assert.equal(expectStatus(res, 200).user.id, user.id);
  });

  test('each login is its own session (distinct sid)', async () => {
    const { input, token } = await registerUser(api);
    const a = expectStatus(await loginReq({ email: input.email, password: input.password }), 200);
    const sids = new Set([token, a.token].map((t) => decodeJwt(t).payload.sid));
    assert.equal(sids.size, 2);
  });
});

describe('login failures', () => {
  test('a wrong password → 401 invalid_credentials with exactly the body of an unknown email', async () => {
    const { input } = await registerUser(api);
    const before = await snapshot(srv.pool);
    const wrong = await loginReq({ email: input.email, password: strongPassword() });
    const err = expectError(wrong, 401, 'invalid_credentials');
    assert.equal(err.message, 'Invalid email or password');
    const unknown = await loginReq({ email: `nobody_${Date.now()}@example.com`, password: strongPassword() });
    expectError(unknown, 401, 'invalid_credentials');
    assert.deepEqual(unknown.body, wrong.body);
    assert.equal(unknown.text, wrong.text);
    // the failure counter is an UPDATE; a security event in the outbox would be legitimate
    await assertNothingWritten(srv.pool, before, { outbox: false });
  });

  test('missing password → 400 validation_failed naming password, nothing written', async () => {
    const { input } = await registerUser(api);
    const before = await snapshot(srv.pool);
    expectError(await loginReq({ email: input.email }), 400, 'validation_failed', { field: 'password' });
    expectError(await loginReq({ password: 'whatever-long' }), 400, 'validation_failed', { field: 'email' });
    await assertNothingWritten(srv.pool, before);
  });

  test('wrong types and unknown fields → 400 validation_failed naming the field', async () => {
    const { input } = await registerUser(api);
    const before = await snapshot(srv.pool);
    expectError(await loginReq({ email: 42, password: input.password }), 400, 'validation_failed', { field: 'email' });
    expectError(await loginReq({ email: input.email, password: [input.password] }), 400, 'validation_failed',
      { field: 'password' });
    expectError(await loginReq({ email: input.email, password: input.password, remember: true }), 400,
      'validation_failed', { field: 'remember' });
    await assertNothingWritten(srv.pool, before);
  });

  test('malformed JSON → 400 invalid_json; text/plain → 415; over 1 MiB → 413', async () => {
    const before = await snapshot(srv.pool);
    expectError(await api.json('POST', '/api/auth/login', { rawBody: '{"email":', contentType: 'application/json' }),
      400, 'invalid_json');
    expectError(await api.json('POST', '/api/auth/login',
      { rawBody: '{"email":"a@example.com","password":"x"}', contentType: 'text/plain' }), 415, 'unsupported_media_type');
    expectError(await loginReq({ email: 'a@example.com', password: 'p'.repeat(1024 * 1024 + 1) }), 413,
      'payload_too_large');
    await assertNothingWritten(srv.pool, before);
  });
});

describe('account lockout', () => {
  test('the 6th failed login in a row → 429 account_locked with Retry-After, and no session is created', async () => {
    const { input } = await registerUser(api);
    const before = await snapshot(srv.pool);
    for (let i = 1; i <= 5; i++) {
      expectError(await loginReq({ email: input.email, password: `wrong-password-${i}` }), 401, 'invalid_credentials');
    }
    const sixth = await loginReq({ email: input.email, password: 'wrong-password-6' });
    expectError(sixth, 429, 'account_locked');
    expectRetryAfter(sixth, { max: 15 * 60 });
    // a lock notice may go through the outbox; no account rows may change
    await assertNothingWritten(srv.pool, before, { outbox: false });
  });

  test('while locked even the right password is refused with 429 account_locked', async () => {
    const { input } = await registerUser(api);
    for (let i = 1; i <= 5; i++) {
      expectError(await loginReq({ email: input.email, password: `wrong-password-${i}` }), 401, 'invalid_credentials');
    }
    const before = await snapshot(srv.pool);
    const res = await loginReq({ email: input.email, password: input.password });
    expectError(res, 429, 'account_locked');
    expectRetryAfter(res, { max: 15 * 60 });
    // in another letter case too: the lock is per account, not per spelling
    const upper = await loginReq({ email: input.email.toUpperCase(), password: input.password });
    expectError(upper, 429, 'account_locked');
    await assertNothingWritten(srv.pool, before, { outbox: false });
  });

  test('30 concurrent wrong guesses: exactly 5 are checked (401), the rest are refused (429), the count stays at the limit', async () => {
    const { input, user } = await registerUser(api);
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) =>
      loginReq({ email: input.email, password: `wrong-password-${i}` })));
    const statuses = answers.map((r) => r.status);
    assert.equal(statuses.filter((s) => s === 401).length, 5, `statuses: ${statuses.join(' ')}`);
    assert.equal(statuses.filter((s) => s === 429).length, 25, `statuses: ${statuses.join(' ')}`);
    for (const r of answers.filter((x) => x.status === 429)) expectError(r, 429, 'account_locked');
    const { rows } = await srv.pool.query(
      'SELECT failed_login_count, locked_until > now() + interval \'14 minutes\' AS locked FROM users WHERE id = $1', [user.id]);
    assert.equal(rows[0].failed_login_count, 5);
    assert.equal(rows[0].locked, true, 'locked for 15 minutes');
    expectError(await loginReq({ email: input.email, password: input.password }), 429, 'account_locked');
  });

  test('a lockout of one account does not affect another', async () => {
    const locked = await registerUser(api);
    for (let i = 1; i <= 6; i++) await loginReq({ email: locked.input.email, password: `wrong-password-${i}` });
    const other = await registerUser(api);
    expectStatus(await loginReq({ email: other.input.email, password: other.input.password }), 200);
  });
});

describe('GET /api/auth/me', () => {
  test('answers the caller\'s user object', async () => {
    const { token, user } = await registerUser(api);
    assert.deepEqual(expectStatus(await api.get('/api/auth/me', { token }), 200), user);
  });

  test('without a bearer token → 401 unauthorized', async () => {
    expectError(await api.get('/api/auth/me'), 401, 'unauthorized');
  });

  test('with a non-Bearer Authorization scheme → 401 unauthorized', async () => {
    const { input } = await registerUser(api);
    const basic = Buffer.from(`${input.email}:${input.password}`).toString('base64');
    expectError(await api.get('/api/auth/me', { headers: { authorization: `Basic ${basic}` } }), 401, 'unauthorized');
  });
});
