// A server with low limits and custom settings: per-IP login limit, JSON body limit, CORS_ORIGINS.
import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers/server.mjs';
import {
  describeResponse, expectError, expectRateLimitHeaders, expectRetryAfter, expectStatus,
} from './helpers/http.mjs';
import { assertNothingWritten, snapshot } from './helpers/db.mjs';
import { newUserInput, registerUser } from './helpers/fixtures.mjs';

const LOGIN_LIMIT = 3;
const BODY_LIMIT = 2048;
const APP_ORIGIN = 'https://app.musicconnect.test';

let srv;
let api;
before(async () => {
  srv = await startServer({
    name: 'limits',
    env: {
      RATE_LIMIT_LOGIN_PER_MIN: String(LOGIN_LIMIT),
      HTTP_JSON_BODY_LIMIT: String(BODY_LIMIT),
      CORS_ORIGINS: `${APP_ORIGIN},http://localhost:3000`,
    },
  });
  api = srv.api;
});
after(async () => { await srv?.stop(); });

describe('HTTP_JSON_BODY_LIMIT', () => {
  test('a body over the configured limit → 413 payload_too_large, nothing written', async () => {
    const before = await snapshot(srv.pool);
    const body = { ...newUserInput(), padding: 'x'.repeat(BODY_LIMIT) };
    expectError(await api.post('/api/auth/register', body), 413, 'payload_too_large');
    await assertNothingWritten(srv.pool, before);
  });

  test('a body just under the limit is parsed (and here refused for its unknown field, not its size)', async () => {
    const body = { ...newUserInput(), padding: '' };
    body.padding = 'x'.repeat(BODY_LIMIT - 100 - JSON.stringify(body).length);
    assert.ok(JSON.stringify(body).length < BODY_LIMIT);
    expectError(await api.post('/api/auth/register', body), 400, 'validation_failed', { field: 'padding' });
  });
});

describe('CORS_ORIGINS', () => {
  test('a configured origin is allowed in a preflight', async () => {
    const res = await api.json('OPTIONS', '/api/auth/register', {
      headers: { origin: APP_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    assert.equal(res.status, 204, describeResponse(res));
    assert.equal(res.headers.get('access-control-allow-origin'), APP_ORIGIN, describeResponse(res));
  });

  test('a default origin is no longer allowed once CORS_ORIGINS is set', async () => {
    const res = await api.json('OPTIONS', '/api/auth/register', {
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' },
    });
    assert.equal(res.headers.get('access-control-allow-origin'), null, describeResponse(res));
  });
});

describe('per-IP login limit (RATE_LIMIT_LOGIN_PER_MIN=3)', () => {
  test(`the ${LOGIN_LIMIT + 1}th login in a minute → 429 rate_limited with Retry-After, even with the right password`, async () => {
    const user = await registerUser(api);
    const before = await snapshot(srv.pool);
    for (let i = 1; i <= LOGIN_LIMIT; i++) {
      const res = await api.post('/api/auth/login', { email: `nobody_${i}_${Date.now()}@example.com`, password: 'wrong-password-x' });
      expectError(res, 401, 'invalid_credentials');
      expectRateLimitHeaders(res);
    }
    const limited = await api.post('/api/auth/login', { email: user.input.email, password: user.input.password });
    expectError(limited, 429, 'rate_limited');
    expectRetryAfter(limited, { max: 60 });
    expectRateLimitHeaders(limited);
    assert.equal(Number.parseInt(limited.headers.get('ratelimit-remaining'), 10), 0, describeResponse(limited));
    await assertNothingWritten(srv.pool, before);

    // the login limit is not a global slow-down: other API calls go on
    expectStatus(await api.get('/api/auth/me', { token: user.token }), 200);
  });
});
