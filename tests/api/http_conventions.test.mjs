// Conventions every response follows: error envelope for 404/405, security and rate-limit headers,
// request ids, CORS, health/readiness/metrics, read-your-writes tokens.
import { before, after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './helpers/server.mjs';
import {
  describeResponse, expectConsistencyToken, expectError, expectRateLimitHeaders, expectStatus,
} from './helpers/http.mjs';
import { registerUser } from './helpers/fixtures.mjs';

let srv;
let api;
before(async () => {
  srv = await startServer({ name: 'conventions' });
  api = srv.api;
});
after(async () => { await srv?.stop(); });

const header = (res, name) => res.headers.get(name);

describe('routing errors', () => {
  test('an unknown route → 404 not_found envelope', async () => {
    expectError(await api.get('/api/no-such-route'), 404, 'not_found');
    expectError(await api.post('/api/auth/no-such-thing', {}), 404, 'not_found');
  });

  test('a known path with another method → 405 method_not_allowed with an Allow header', async () => {
    const cases = [
      ['GET', '/api/auth/register', 'POST'],
      ['PUT', '/api/auth/login', 'POST'],
      ['DELETE', '/api/auth/me', 'GET'],
      ['POST', '/api/auth/sessions', 'GET'],
      ['GET', '/api/auth/password/reset', 'POST'],
    ];
    for (const [method, path, allowed] of cases) {
      const res = await api.json(method, path);
      expectError(res, 405, 'method_not_allowed');
      const allow = (header(res, 'allow') ?? '').split(',').map((s) => s.trim().toUpperCase());
      assert.ok(allow.includes(allowed), `Allow lists ${allowed}\n${describeResponse(res)}`);
      assert.ok(!allow.includes(method), `Allow must not list ${method}\n${describeResponse(res)}`);
    }
  });
});

describe('headers on every response', () => {
  test('security headers: nosniff, frame protection, referrer policy', async () => {
    for (const res of [await api.get('/api/auth/me'), await api.get('/health'), await api.get('/api/no-such-route')]) {
      const ctx = describeResponse(res);
      assert.equal(header(res, 'x-content-type-options'), 'nosniff', ctx);
      const frameOk = /^(deny|sameorigin)$/i.test(header(res, 'x-frame-options') ?? '') ||
        /frame-ancestors/i.test(header(res, 'content-security-policy') ?? '');
      assert.ok(frameOk, `X-Frame-Options or CSP frame-ancestors\n${ctx}`);
      assert.ok(header(res, 'referrer-policy'), `Referrer-Policy\n${ctx}`);
    }
  });

  test('responses that carry tokens are not cacheable (Cache-Control: no-store)', async () => {
    const { res, input } = await registerUser(api);
    assert.match(header(res, 'cache-control') ?? '', /no-store/, describeResponse(res));
    const login = await api.post('/api/auth/login', { email: input.email, password: input.password });
    assert.match(header(login, 'cache-control') ?? '', /no-store/, describeResponse(login));
  });

  test('JSON responses say Content-Type: application/json', async () => {
    for (const res of [await api.get('/api/auth/me'), await api.get('/api/no-such-route')]) {
      assert.match(header(res, 'content-type') ?? '', /^application\/json/, describeResponse(res));
    }
  });

  test('every response carries a distinct X-Request-Id', async () => {
    const ids = [];
    for (const res of [await api.get('/health'), await api.get('/health'), await api.get('/api/auth/me'),
      await api.get('/api/no-such-route')]) {
      const id = header(res, 'x-request-id');
      assert.ok(id && id.length >= 8, `X-Request-Id\n${describeResponse(res)}`);
      ids.push(id);
    }
    assert.equal(new Set(ids).size, ids.length);
  });

  test('every API response carries RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset', async () => {
    const { token, input } = await registerUser(api);
    const responses = [
      await api.get('/api/auth/me', { token }),
      await api.get('/api/auth/me'),
      await api.post('/api/auth/login', { email: input.email, password: 'wrong-password-1' }),
      await api.post('/api/auth/register', {}),
      await api.get('/api/auth/sessions', { token }),
      await api.get('/api/no-such-route'),
      await api.get('/api/auth/register'),
    ];
    for (const res of responses) expectRateLimitHeaders(res);
    const r1 = await api.get('/api/auth/me', { token });
    const r2 = await api.get('/api/auth/me', { token });
    assert.ok(Number.parseInt(header(r2, 'ratelimit-remaining'), 10) <= Number.parseInt(header(r1, 'ratelimit-remaining'), 10),
      'RateLimit-Remaining does not grow between two immediate requests');
  });
});

describe('CORS (default CORS_ORIGINS)', () => {
  for (const origin of ['http://localhost:8080', 'http://localhost:5173']) {
    test(`a preflight from ${origin} answers 204 with Access-Control-Allow-Origin`, async () => {
      const res = await api.json('OPTIONS', '/api/auth/login', {
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type, authorization',
        },
      });
      const ctx = describeResponse(res);
      assert.equal(res.status, 204, ctx);
      assert.equal(header(res, 'access-control-allow-origin'), origin, ctx);
      assert.match(header(res, 'access-control-allow-methods') ?? '', /POST/i, ctx);
      const allowHeaders = (header(res, 'access-control-allow-headers') ?? '').toLowerCase();
      assert.ok(allowHeaders.includes('content-type') && allowHeaders.includes('authorization'), ctx);
    });
  }

  test('a simple request from an allowed origin gets Access-Control-Allow-Origin and Vary: Origin', async () => {
    const res = await api.get('/api/auth/me', { headers: { origin: 'http://localhost:5173' } });
    assert.equal(header(res, 'access-control-allow-origin'), 'http://localhost:5173', describeResponse(res));
    assert.match(header(res, 'vary') ?? '', /origin/i, describeResponse(res));
  });

  test('a preflight from an origin not allowed gets no Access-Control-Allow-Origin', async () => {
    const res = await api.json('OPTIONS', '/api/auth/login', {
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    const acao = header(res, 'access-control-allow-origin');
    assert.ok(acao === null, `no ACAO for a foreign origin\n${describeResponse(res)}`);
  });
});

describe('health, readiness and metrics', () => {
  test('GET /health → 200 {"status":"ok"}', async () => {
    const body = expectStatus(await api.get('/health'), 200);
    assert.equal(body.status, 'ok');
  });

  test('GET /ready → 200', async () => {
    expectStatus(await api.get('/ready'), 200);
  });

  // A release's migration lands before every pod runs it (canary, rolling deploy, rollback): the
  // previous binary stays ready on a schema ahead of it when the newer migrations declare it
  // compatible, and leaves the endpoints when one does not.
  test('GET /ready on a schema ahead of the binary: ready when declared compatible, 503 when not', async () => {
    const before = expectStatus(await api.get('/ready'), 200);
    const known = before.checks.expectedSchemaVersion;
    assert.equal(before.checks.schemaVersion, known);
    try {
      await srv.pool.query(
        "INSERT INTO schema_migrations (version, name, oldest_compatible) VALUES ($1, 'future_additive.sql', $2)",
        [known + 1, known]);
      const ahead = expectStatus(await api.get('/ready'), 200);
      assert.equal(ahead.checks.schemaVersion, known + 1);
      assert.equal(ahead.checks.schemaCompatible, true);

      await srv.pool.query(
        "INSERT INTO schema_migrations (version, name, oldest_compatible) VALUES ($1, 'future_contract.sql', $1)",
        [known + 2]);
      const res = await api.get('/ready');
      const broken = expectStatus(res, 503);
      assert.equal(broken.status, 'not_ready');
      assert.equal(broken.checks.schemaCompatible, false);
    } finally {
      await srv.pool.query('DELETE FROM schema_migrations WHERE version > $1', [known]);
    }
    expectStatus(await api.get('/ready'), 200);
  });

  test('GET /metrics exposes request, latency, DB pool and build metrics in Prometheus text format', async () => {
    await api.get('/api/auth/me');
    await api.get('/api/no-such-route');
    const res = await api.get('/metrics');
    expectStatus(res, 200);
    assert.match(header(res, 'content-type') ?? '', /^text\/plain/);
    for (const name of ['http_requests_total', 'http_request_duration_seconds_bucket', 'db_pool_in_use',
      'musicconnect_build_info']) {
      assert.match(res.text, new RegExp(`^${name}[{ ]`, 'm'), `metrics contain ${name}`);
    }
    assert.match(res.text, /^# TYPE http_requests_total counter$/m);
    assert.match(res.text, /^# TYPE http_request_duration_seconds histogram$/m);
  });
});

describe('read-your-writes', () => {
  test('a write answers X-Consistency-Token, and a read sending it back is served', async () => {
    const { res, token, user } = await registerUser(api);
    const lsn = expectConsistencyToken(res);
    const me = await api.get('/api/auth/me', { token, headers: { 'x-consistency-token': lsn } });
    assert.equal(expectStatus(me, 200).id, user.id);
  });

  test('a garbage X-Consistency-Token on a read is not a server error', async () => {
    const { token } = await registerUser(api);
    const me = await api.get('/api/auth/me', { token, headers: { 'x-consistency-token': 'garbage' } });
    assert.ok(me.status === 200 || me.status === 400, describeResponse(me));
  });
});
