// A server with low limits and custom settings: per-IP login limit, JSON body limit, CORS_ORIGINS.
import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BINARY, freePort, startServer } from './helpers/server.mjs';
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
      TRUST_PROXY: '1',
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

describe('TRUST_PROXY=1: the client address is the right-most X-Forwarded-For entry', () => {
  const PROXY_SAW = '198.51.100.23';
  const via = (clientPart) => ({ 'X-Forwarded-For': `${clientPart}, ${PROXY_SAW}` });

  test('a client rotating the left-most entry (which it controls) still meets its login limit', async () => {
    let last;
    for (let i = 0; i <= LOGIN_LIMIT; i++) {
      last = await api.json('POST', '/api/auth/login',
        { body: { email: `nobody-${i}@example.com`, password: 'not-the-password' }, headers: via(`203.0.113.${i}`) });
    }
    expectError(last, 429, 'rate_limited');
  });

  test('the session records the address the proxy saw', async () => {
    const res = await api.json('POST', '/api/auth/register', { body: newUserInput(), headers: via('10.9.8.7') });
    const { token } = expectStatus(res, 201);
    const { sessions } = expectStatus(await api.get('/api/auth/sessions', { token }), 200);
    assert.equal(sessions[0].ip, PROXY_SAW);
  });
});

describe('APP_ENV defaults to production', () => {
  test('with no configuration serve refuses to start, names what is missing, and invents no secret', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'mc-noenv-'));
    try {
      const env = { PATH: process.env.PATH, VAR_DIR: dir, HOST: '127.0.0.1', PORT: String(await freePort()) };
      const r = await new Promise((resolve) => {
        execFile(BINARY, ['serve'], { env, timeout: 20_000, killSignal: 'SIGTERM' }, (err, stdout, stderr) =>
          resolve({ code: err ? err.code : 0, killed: Boolean(err?.killed), stderr }));
      });
      assert.equal(r.killed, false, `serve should refuse to start, not run:\n${r.stderr}`);
      assert.notEqual(r.code, 0);
      for (const v of ['JWT_SECRET', 'DATABASE_URL', 'MEDIA_URL_SECRET', 'STRIPE_SECRET_KEY', 'APP_ENV']) {
        assert.match(r.stderr, new RegExp(v), `the refusal names ${v}:\n${r.stderr}`);
      }
      assert.equal(fs.existsSync(path.join(dir, 'secrets')), false, 'no secret was generated');
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });

  test('GET /api/dev/mail exists only with APP_ENV=development (here: test) → 404', async () => {
    const other = await startServer({ name: 'appenv-test', env: { APP_ENV: 'test' } });
    try {
      expectError(await other.api.get('/api/dev/mail'), 404, 'not_found');
    } finally {
      await other.stop();
    }
  });
});
