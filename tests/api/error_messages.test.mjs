// Error messages for people (issue 13, item 4): a validation error's message names each field and
// says what to do, written from the per-field details the API keeps for clients; a wrong current
// password on change-password says so; the new password of a change follows the sign-up rule in full.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers/server.mjs';
import { expectError, expectStatus } from './helpers/http.mjs';
import { assertNothingWritten, snapshot } from './helpers/db.mjs';
import { login, registerUser, strongPassword, tokenFromMail, waitForMail } from './helpers/fixtures.mjs';

let srv;
let api;
before(async () => {
  srv = await startServer({ name: 'error-messages' });
  api = srv.api;
});
after(async () => { await srv?.stop(); });

describe('validation messages in words', () => {
  test('sign-up with several bad fields: one sentence per field, in words, and the details kept', async () => {
    const res = await api.post('/api/auth/register', { username: 'A!', email: 'not-an-email', password: 'short', role: 'fan' });
    const err = expectError(res, 400, 'validation_failed', { field: ['username', 'email', 'password'] });
    assert.equal(err.details.password, 'must be at least 10 characters');
    assert.match(err.message, /Username must be 3-30 characters of a-z, 0-9 and _\./);
    assert.match(err.message, /Email must be a valid email address\./);
    assert.match(err.message, /Password must be at least 10 characters\./);
    assert.doesNotMatch(err.message, /Request body is invalid/);
  });

  test('camelCase names read as words, a missing field says it is required, an unknown one says to leave it out', async () => {
    const res = await api.post('/api/auth/register', {
      username: 'new_artist_1', email: 'new_artist_1@example.com', password: strongPassword(), role: 'artist', colour: 'red',
    });
    const err = expectError(res, 400, 'validation_failed', { field: ['artistName', 'colour'] });
    assert.match(err.message, /Artist name is required for artists\./);
    assert.match(err.message, /Colour is not a known field; leave it out\./);
  });

  test('log in with empty fields names them instead of "invalid email or password"', async () => {
    const err = expectError(await api.post('/api/auth/login', { email: '', password: '' }), 400, 'validation_failed', { field: ['email', 'password'] });
    assert.equal(err.message, 'Email is required. Password is required.');
  });

  test('query parameters too: the parameter is named', async () => {
    const err = expectError(await api.get('/api/artists?limit=0'), 400, 'invalid_query', { field: 'limit' });
    assert.match(err.message, /^Limit /);
    assert.doesNotMatch(err.message, /Query parameters are invalid/);
  });

  test('beyond five fields the rest are counted', async () => {
    const body = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`extra${i}`, 1]));
    const err = expectError(await api.post('/api/auth/login', body), 400, 'validation_failed');
    const sentences = err.message.split(/(?<=\.) /);
    assert.ok(sentences.length >= 6, err.message);
    assert.match(err.message, /\d+ more fields need a change\.$/);
  });
});

describe('changing the password', () => {
  test('a wrong current password says so, names the field, and changes nothing', async () => {
    const u = await registerUser(api);
    const before = await snapshot(srv.pool);
    const res = await api.post('/api/auth/password/change', { currentPassword: 'not the password at all', newPassword: strongPassword() }, { token: u.token });
    const err = expectError(res, 401, 'invalid_credentials', { field: 'currentPassword' });
    assert.match(err.message, /current password is not right/i);
    assert.match(err.details.currentPassword, /not your current password/);
    await assertNothingWritten(srv.pool, before);
    // The old password still logs in.
    await login(api, u.input.email, u.input.password);
  });

  test('the new password may not be the username, as at sign-up', async () => {
    const u = await registerUser(api);
    // The username (16 characters of fan_ and random hex: long, and hard to guess on its own).
    assert.ok(u.input.username.length >= 10);
    const res = await api.post('/api/auth/password/change', { currentPassword: u.input.password, newPassword: u.input.username }, { token: u.token });
    const err = expectError(res, 400, 'validation_failed', { field: 'newPassword' });
    assert.equal(err.details.newPassword, 'must not be your username or email');
    assert.equal(err.message, 'New password must not be your username or email.');
    const ok = await api.post('/api/auth/password/change', { currentPassword: u.input.password, newPassword: strongPassword() }, { token: u.token });
    expectStatus(ok, 200);
  });

  test('a reset password may not be the username either, and the link still works after the refusal', async () => {
    const u = await registerUser(api);
    const verify = await waitForMail(api, u.input.email);
    expectStatus(await api.post('/api/auth/password/forgot', { email: u.input.email }), 202);
    const mail = await waitForMail(api, u.input.email, { seenIds: [verify.id], match: /Reset your MusicConnect password/ });
    const token = tokenFromMail(mail);
    const refused = expectError(await api.post('/api/auth/password/reset', { token, password: u.input.username }), 400, 'validation_failed', { field: 'password' });
    assert.equal(refused.details.password, 'must not be your username or email');
    await login(api, u.input.email, u.input.password); // unchanged
    expectStatus(await api.post('/api/auth/password/reset', { token, password: strongPassword() }), 200);
  });

  test('a wrong password on change-email names the password field', async () => {
    const u = await registerUser(api);
    const res = await api.post('/api/auth/email/change', { newEmail: `x_${Date.now()}@example.com`, password: 'not the password at all' }, { token: u.token });
    const err = expectError(res, 401, 'invalid_credentials', { field: 'password' });
    assert.match(err.message, /password is not right/i);
  });
});
