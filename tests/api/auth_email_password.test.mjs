// Emailed tokens (verification, password reset) and changing password or email.
import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers/server.mjs';
import { expectConsistencyToken, expectError, expectErrorOneOf, expectStatus } from './helpers/http.mjs';
import { assertNothingWritten, sessionRow, sessionsOfUser, snapshot } from './helpers/db.mjs';
import { decodeJwt } from './helpers/jwt.mjs';
import {
  login, mailIds, mailTo, newUserInput, registerUser, strongPassword, tokenFromMail, waitForMail,
} from './helpers/fixtures.mjs';

let srv;
let api;
before(async () => {
  srv = await startServer({ name: 'email-password' });
  api = srv.api;
});
after(async () => { await srv?.stop(); });

const me = (token) => api.get('/api/auth/me', { token });
const loginRaw = (email, password) => api.post('/api/auth/login', { email, password });

/** Registers and returns the user plus the verification token mailed to them. */
async function registerWithVerificationMail(overrides) {
  const reg = await registerUser(api, overrides);
  const mail = await waitForMail(api, reg.input.email);
  return { ...reg, mail, verifyToken: tokenFromMail(mail) };
}

/** Asks for a reset mail and returns its token. Call only once earlier mail to `email` has arrived. */
async function requestReset(email) {
  const seen = await mailIds(api, email);
  const res = await api.post('/api/auth/password/forgot', { email });
  assert.deepEqual(expectStatus(res, 202), { status: 'sent' });
  return tokenFromMail(await waitForMail(api, email, { seenIds: seen }));
}

describe('dev mail sink', () => {
  test('GET /api/dev/mail lists sent messages with id, to, subject, body, createdAt, newest first', async () => {
    const a = await registerUser(api);
    await waitForMail(api, a.input.email);
    const b = await registerUser(api);
    await waitForMail(api, b.input.email);
    const { messages } = expectStatus(await api.get('/api/dev/mail'), 200);
    assert.ok(messages.length >= 2);
    for (const m of messages) {
      for (const k of ['id', 'to', 'subject', 'body', 'createdAt']) assert.ok(k in m, `message has ${k}`);
    }
    const times = messages.map((m) => Date.parse(m.createdAt));
    for (let i = 1; i < times.length; i++) assert.ok(times[i - 1] >= times[i], 'newest first');
    const ia = messages.findIndex((m) => m.to.includes(a.input.email));
    const ib = messages.findIndex((m) => m.to.includes(b.input.email));
    assert.ok(ib >= 0 && ia > ib, 'the later registration\'s mail comes first');
  });
});

describe('email verification', () => {
  test('the token mailed at registration verifies the email: 200 user with emailVerified true', async () => {
    const { verifyToken, user, token } = await registerWithVerificationMail();
    const res = await api.post('/api/auth/verify-email', { token: verifyToken });
    const body = expectStatus(res, 200);
    assert.equal(body.id, user.id);
    assert.equal(body.emailVerified, true);
    expectConsistencyToken(res);
    assert.equal(expectStatus(await me(token), 200).emailVerified, true);
  });

  test('a verification token used twice → 400 invalid_or_expired_token', async () => {
    const { verifyToken } = await registerWithVerificationMail();
    expectStatus(await api.post('/api/auth/verify-email', { token: verifyToken }), 200);
    const before = await snapshot(srv.pool);
    expectError(await api.post('/api/auth/verify-email', { token: verifyToken }), 400, 'invalid_or_expired_token');
    await assertNothingWritten(srv.pool, before);
  });

  test('an unknown verification token → 400 invalid_or_expired_token, nothing written', async () => {
    const before = await snapshot(srv.pool);
    expectError(await api.post('/api/auth/verify-email', { token: 'no-such-token-0123456789' }), 400,
      'invalid_or_expired_token');
    await assertNothingWritten(srv.pool, before);
  });

  test('a bad verify-email body → 400 validation_failed / invalid_json, nothing written', async () => {
    const before = await snapshot(srv.pool);
    expectError(await api.post('/api/auth/verify-email', {}), 400, 'validation_failed', { field: 'token' });
    expectError(await api.post('/api/auth/verify-email', { token: 5 }), 400, 'validation_failed', { field: 'token' });
    expectError(await api.post('/api/auth/verify-email', { token: 'x', userId: 'y' }), 400, 'validation_failed',
      { field: 'userId' });
    expectError(await api.json('POST', '/api/auth/verify-email', { rawBody: 'token=x', contentType: 'application/json' }),
      400, 'invalid_json');
    await assertNothingWritten(srv.pool, before);
  });

  test('a reset token cannot be used to verify an email', async () => {
    const { input } = await registerWithVerificationMail();
    const resetToken = await requestReset(input.email);
    expectError(await api.post('/api/auth/verify-email', { token: resetToken }), 400, 'invalid_or_expired_token');
  });

  test('resend mails a new verification token that works: 202 {"status":"sent"}', async () => {
    const { input, token } = await registerWithVerificationMail();
    const seen = await mailIds(api, input.email);
    const res = await api.post('/api/auth/verify-email/resend', undefined, { token });
    assert.deepEqual(expectStatus(res, 202), { status: 'sent' });
    const fresh = tokenFromMail(await waitForMail(api, input.email, { seenIds: seen }));
    assert.equal(expectStatus(await api.post('/api/auth/verify-email', { token: fresh }), 200).emailVerified, true);
  });

  test('resend without a bearer token → 401 unauthorized, nothing written', async () => {
    const before = await snapshot(srv.pool);
    expectError(await api.post('/api/auth/verify-email/resend'), 401, 'unauthorized');
    await assertNothingWritten(srv.pool, before);
  });
});

describe('forgot and reset password', () => {
  test('forgot for an unknown email also answers 202 {"status":"sent"}, writes nothing and sends no mail', async () => {
    const unknown = `ghost_${Date.now()}@example.com`;
    const before = await snapshot(srv.pool);
    const res = await api.post('/api/auth/password/forgot', { email: unknown });
    assert.deepEqual(expectStatus(res, 202), { status: 'sent' });
    await assertNothingWritten(srv.pool, before);
    // mail goes out in order: once a later mail for a known address arrived, none for the ghost can be pending
    const { input } = await registerWithVerificationMail();
    await requestReset(input.email);
    assert.deepEqual(await mailTo(api, unknown), []);
  });

  test('forgot answers the same for known and unknown emails', async () => {
    const { input } = await registerUser(api);
    const known = await api.post('/api/auth/password/forgot', { email: input.email });
    const unknown = await api.post('/api/auth/password/forgot', { email: `ghost2_${Date.now()}@example.com` });
    assert.equal(known.status, 202);
    assert.equal(unknown.status, known.status);
    assert.equal(unknown.text, known.text);
  });

  test('reset with the mailed token sets the new password, the old one fails, every session is revoked', async () => {
    const reg = await registerWithVerificationMail();
    const second = await login(api, reg.input.email, reg.input.password);
    const resetToken = await requestReset(reg.input.email);
    const newPassword = strongPassword();

    const res = await api.post('/api/auth/password/reset', { token: resetToken, password: newPassword });
    assert.deepEqual(expectStatus(res, 200), { status: 'ok' });
    expectConsistencyToken(res);

    expectError(await loginRaw(reg.input.email, reg.input.password), 401, 'invalid_credentials');
    expectStatus(await loginRaw(reg.input.email, newPassword), 200);

    for (const t of [reg.token, second.token]) expectError(await me(t), 401, 'invalid_token');
    for (const rt of [reg.refreshToken, second.refreshToken]) {
      expectErrorOneOf(await api.post('/api/auth/refresh', { refreshToken: rt }), 401,
        ['invalid_refresh_token', 'refresh_token_reused']);
    }
    for (const sid of [reg.token, second.token].map((t) => decodeJwt(t).payload.sid)) {
      assert.notEqual((await sessionRow(srv.pool, sid)).revoked_at, null, `session ${sid} revoked`);
    }
  });

  test('a reset token used twice → 400 invalid_or_expired_token', async () => {
    const { input } = await registerWithVerificationMail();
    const resetToken = await requestReset(input.email);
    expectStatus(await api.post('/api/auth/password/reset', { token: resetToken, password: strongPassword() }), 200);
    const before = await snapshot(srv.pool);
    expectError(await api.post('/api/auth/password/reset', { token: resetToken, password: strongPassword() }), 400,
      'invalid_or_expired_token');
    await assertNothingWritten(srv.pool, before);
  });

  test('a verification token cannot be used to reset a password', async () => {
    const { verifyToken } = await registerWithVerificationMail();
    expectError(await api.post('/api/auth/password/reset', { token: verifyToken, password: strongPassword() }), 400,
      'invalid_or_expired_token');
  });

  test('reset with a weak password → 400 validation_failed naming password; the token stays usable', async () => {
    const { input } = await registerWithVerificationMail();
    const resetToken = await requestReset(input.email);
    const before = await snapshot(srv.pool);
    for (const password of ['password123', 'short', 'password12']) {
      expectError(await api.post('/api/auth/password/reset', { token: resetToken, password }), 400,
        'validation_failed', { field: 'password' });
    }
    await assertNothingWritten(srv.pool, before);
    expectError(await loginRaw(input.email, 'password123'), 401, 'invalid_credentials');
    expectStatus(await api.post('/api/auth/password/reset', { token: resetToken, password: strongPassword() }), 200);
  });

  test('bad forgot/reset bodies → 400 validation_failed naming the field, nothing written', async () => {
    const before = await snapshot(srv.pool);
    expectError(await api.post('/api/auth/password/forgot', {}), 400, 'validation_failed', { field: 'email' });
    expectError(await api.post('/api/auth/password/forgot', { email: ['a@example.com'] }), 400, 'validation_failed',
      { field: 'email' });
    expectError(await api.post('/api/auth/password/forgot', { email: 'a@example.com', username: 'a' }), 400,
      'validation_failed', { field: 'username' });
    expectError(await api.post('/api/auth/password/reset', { password: strongPassword() }), 400, 'validation_failed',
      { field: 'token' });
    expectError(await api.post('/api/auth/password/reset', { token: 'x' }), 400, 'validation_failed',
      { field: 'password' });
    expectError(await api.json('POST', '/api/auth/password/reset', { rawBody: '{"token":', contentType: 'application/json' }),
      400, 'invalid_json');
    expectError(await api.json('POST', '/api/auth/password/forgot', { rawBody: 'email=a', contentType: 'text/plain' }),
      415, 'unsupported_media_type');
    await assertNothingWritten(srv.pool, before);
  });
});

describe('change password', () => {
  test('the right current password changes it: 200 {"status":"ok"}, other sessions revoked, this one kept', async () => {
    const reg = await registerUser(api);
    const other = await login(api, reg.input.email, reg.input.password);
    const newPassword = strongPassword();
    const res = await api.post('/api/auth/password/change',
      { currentPassword: reg.input.password, newPassword }, { token: reg.token });
    assert.deepEqual(expectStatus(res, 200), { status: 'ok' });
    expectConsistencyToken(res);

    expectStatus(await me(reg.token), 200);
    expectError(await me(other.token), 401, 'invalid_token');
    const rows = await sessionsOfUser(srv.pool, reg.user.id);
    const bySid = Object.fromEntries(rows.map((r) => [r.id, r]));
    assert.equal(bySid[decodeJwt(reg.token).payload.sid].revoked_at, null, 'calling session kept');
    assert.notEqual(bySid[decodeJwt(other.token).payload.sid].revoked_at, null, 'other session revoked');

    expectError(await loginRaw(reg.input.email, reg.input.password), 401, 'invalid_credentials');
    expectStatus(await loginRaw(reg.input.email, newPassword), 200);
  });

  test('a wrong current password → 401 invalid_credentials, nothing changes', async () => {
    const reg = await registerUser(api);
    const other = await login(api, reg.input.email, reg.input.password);
    const before = await snapshot(srv.pool);
    expectError(await api.post('/api/auth/password/change',
      { currentPassword: 'not-my-password-123', newPassword: strongPassword() }, { token: reg.token }),
    401, 'invalid_credentials');
    await assertNothingWritten(srv.pool, before, { outbox: false });
    expectStatus(await me(other.token), 200);
    expectStatus(await loginRaw(reg.input.email, reg.input.password), 200);
  });

  test('a weak new password → 400 validation_failed naming newPassword', async () => {
    const reg = await registerUser(api);
    const before = await snapshot(srv.pool);
    expectError(await api.post('/api/auth/password/change',
      { currentPassword: reg.input.password, newPassword: '1234567890' }, { token: reg.token }),
    400, 'validation_failed', { field: 'newPassword' });
    const guessable = await api.post('/api/auth/password/change',
      { currentPassword: reg.input.password, newPassword: 'password12' }, { token: reg.token });
    expectError(guessable, 400, 'validation_failed', { field: 'newPassword' });
    assert.match(guessable.body.error.details.newPassword, /too easy to guess/);
    await assertNothingWritten(srv.pool, before);
  });

  test('missing fields, unknown fields and no bearer token are refused, nothing written', async () => {
    const reg = await registerUser(api);
    const before = await snapshot(srv.pool);
    expectError(await api.post('/api/auth/password/change', { newPassword: strongPassword() }, { token: reg.token }),
      400, 'validation_failed', { field: 'currentPassword' });
    expectError(await api.post('/api/auth/password/change', { currentPassword: reg.input.password }, { token: reg.token }),
      400, 'validation_failed', { field: 'newPassword' });
    expectError(await api.post('/api/auth/password/change',
      { currentPassword: reg.input.password, newPassword: strongPassword(), logoutOthers: false }, { token: reg.token }),
    400, 'validation_failed', { field: 'logoutOthers' });
    expectError(await api.post('/api/auth/password/change',
      { currentPassword: reg.input.password, newPassword: strongPassword() }), 401, 'unauthorized');
    await assertNothingWritten(srv.pool, before);
  });
});

describe('change email', () => {
  test('a new free email with the right password: 200 user with the new, unverified email; verification mailed', async () => {
    const { input, token, verifyToken } = await registerWithVerificationMail();
    expectStatus(await api.post('/api/auth/verify-email', { token: verifyToken }), 200);
    const newEmail = `${newUserInput().username}@example.org`;
    const res = await api.post('/api/auth/email/change', { newEmail, password: input.password }, { token });
    const user = expectStatus(res, 200);
    assert.equal(user.email, newEmail);
    assert.equal(user.emailVerified, false);
    expectConsistencyToken(res);

    const mail = await waitForMail(api, newEmail);
    const verified = expectStatus(await api.post('/api/auth/verify-email', { token: tokenFromMail(mail) }), 200);
    assert.equal(verified.email, newEmail);
    assert.equal(verified.emailVerified, true);

    expectStatus(await loginRaw(newEmail, input.password), 200);
    expectError(await loginRaw(input.email, input.password), 401, 'invalid_credentials');
  });

  test('an email taken by another user, in any letter case → 409 email_taken, nothing written', async () => {
    const me1 = await registerUser(api);
    const other = await registerUser(api);
    const before = await snapshot(srv.pool);
    expectError(await api.post('/api/auth/email/change',
      { newEmail: other.input.email.toUpperCase(), password: me1.input.password }, { token: me1.token }),
    409, 'email_taken');
    await assertNothingWritten(srv.pool, before);
    expectStatus(await loginRaw(me1.input.email, me1.input.password), 200);
  });

  test('a wrong password → 401 invalid_credentials, email unchanged', async () => {
    const reg = await registerUser(api);
    const before = await snapshot(srv.pool);
    expectError(await api.post('/api/auth/email/change',
      { newEmail: `${newUserInput().username}@example.org`, password: 'not-my-password-123' }, { token: reg.token }),
    401, 'invalid_credentials');
    await assertNothingWritten(srv.pool, before, { outbox: false });
    assert.equal(expectStatus(await me(reg.token), 200).email, reg.input.email);
  });

  test('an invalid new email, missing fields, unknown fields and no bearer token are refused', async () => {
    const reg = await registerUser(api);
    const before = await snapshot(srv.pool);
    expectError(await api.post('/api/auth/email/change', { newEmail: 'nope', password: reg.input.password },
      { token: reg.token }), 400, 'validation_failed', { field: 'newEmail' });
    expectError(await api.post('/api/auth/email/change', { password: reg.input.password }, { token: reg.token }),
      400, 'validation_failed', { field: 'newEmail' });
    expectError(await api.post('/api/auth/email/change', { newEmail: 'n@example.org' }, { token: reg.token }),
      400, 'validation_failed', { field: 'password' });
    expectError(await api.post('/api/auth/email/change',
      { newEmail: 'n@example.org', password: reg.input.password, email: 'x@example.org' }, { token: reg.token }),
    400, 'validation_failed', { field: 'email' });
    expectError(await api.post('/api/auth/email/change', { newEmail: 'n@example.org', password: reg.input.password }),
      401, 'unauthorized');
    await assertNothingWritten(srv.pool, before);
  });
});
