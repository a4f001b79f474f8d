// Traces (docs/observability.md): spans reach an OTLP/HTTP receiver (a small node server here,
// JSON encoding) with their parent links — the caller's W3C traceparent → the request's span →
// the job it enqueued (stored with the job, continued by the worker), the outbox event it
// appended (continued by the relay) and the outgoing Stripe call (which carries traceparent).
// Logs name the trace. Export is off unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { startStripeDouble } from '../stripe/double.mjs';
import { startServer } from './helpers/server.mjs';
import { expectStatus } from './helpers/http.mjs';
import { registerUser, uniqueName } from './helpers/fixtures.mjs';

const SECRET_KEY = 'sk_test_double_key';

// An OTLP/HTTP receiver: keeps every span of every POST /v1/traces, answers 200 {} (or `status`).
async function startReceiver() {
  const r = { spans: [], requests: [], status: 200 };
  r.server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      r.requests.push({ path: req.url, contentType: req.headers['content-type'] });
      if (req.method === 'POST' && req.url === '/v1/traces') {
        const doc = JSON.parse(body);
        for (const rs of doc.resourceSpans) {
          const resource = Object.fromEntries(rs.resource.attributes.map((a) => [a.key, a.value.stringValue]));
          for (const ss of rs.scopeSpans) for (const s of ss.spans) r.spans.push({ ...s, resource });
        }
      }
      res.writeHead(r.status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise((ok) => r.server.listen(0, '127.0.0.1', ok));
  r.url = `http://127.0.0.1:${r.server.address().port}`;
  r.close = () => new Promise((ok) => r.server.close(ok));
  return r;
}

const hex = (bytes) => crypto.randomBytes(bytes).toString('hex');
const attr = (span, key) => {
  const v = span.attributes.find((a) => a.key === key)?.value;
  return v?.stringValue ?? (v?.intValue !== undefined ? Number(v.intValue) : undefined);
};

async function spansUntil(receiver, predicate, what) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const found = predicate(receiver.spans);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`no ${what} among ${receiver.spans.length} spans: ${receiver.spans.map((s) => s.name).join(', ')}`);
}

let receiver;
let double;
let srv;
before(async () => {
  receiver = await startReceiver();
  double = await startStripeDouble({ secretKey: SECRET_KEY });
  srv = await startServer({
    name: 'tracing',
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: `${receiver.url}/`, OTEL_SERVICE_NAME: 'mc-test', STRIPE_SECRET_KEY: SECRET_KEY, STRIPE_API_BASE: double.url },
  });
});
after(async () => { await srv?.stop(); await double?.close(); await receiver?.close(); });

test('a request continues the caller\'s trace into its job, its outbox event and the logs', async () => {
  const user = await registerUser(srv.api);
  const traceId = hex(16);
  const callerSpan = hex(8);
  const res = await srv.api.json('POST', '/api/me/exports', { token: user.token, headers: { traceparent: `00-${traceId}-${callerSpan}-01` } });
  const exp = expectStatus(res, 202);

  const server = await spansUntil(receiver, (all) => all.find((s) => s.traceId === traceId && s.kind === 2), 'server span');
  assert.equal(server.name, 'POST /api/me/exports');
  assert.equal(server.parentSpanId, callerSpan, 'the request span is a child of the caller\'s');
  assert.equal(attr(server, 'http.route'), '/api/me/exports');
  assert.equal(attr(server, 'http.response.status_code'), 202);
  assert.equal(server.resource['service.name'], 'mc-test');
  assert.ok(BigInt(server.endTimeUnixNano) >= BigInt(server.startTimeUnixNano));

  // The job row holds the context it was enqueued in; the worker's span continues it.
  const row = (await srv.pool.query("SELECT traceparent FROM jobs WHERE kind = 'privacy.export' AND payload->>'export_id' = $1", [exp.id])).rows[0];
  assert.equal(row?.traceparent, `00-${traceId}-${server.spanId}-01`, 'the job stores the request span\'s context');
  const job = await spansUntil(receiver, (all) => all.find((s) => s.traceId === traceId && s.name === 'job privacy.export'), 'job span');
  assert.equal(job.kind, 5);
  assert.equal(job.parentSpanId, server.spanId, 'the job span is a child of the request span');
  assert.equal(attr(job, 'musicconnect.job.kind'), 'privacy.export');
  assert.equal(job.status.code, 0);

  // The outbox event appended in the request's transaction, delivered by the relay.
  const event = (await srv.pool.query("SELECT traceparent FROM outbox WHERE topic = 'privacy.export_requested' AND key = $1", [user.user.id])).rows[0];
  assert.equal(event?.traceparent, `00-${traceId}-${server.spanId}-01`);
  const relay = await spansUntil(receiver, (all) => all.find((s) => s.traceId === traceId && s.name === 'outbox privacy.export_requested'), 'relay span');
  assert.equal(relay.parentSpanId, server.spanId);

  // JSON logs name the trace: the access log line of the request carries its span.
  const lines = fs.readFileSync(srv.logPath, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const access = lines.find((l) => l.msg === 'http' && l.trace_id === traceId);
  assert.ok(access, 'an access log line with the trace id');
  assert.equal(access.span_id, server.spanId);
  assert.equal(access.route, '/api/me/exports');
});

test('an outgoing Stripe call carries traceparent and is a client span of the request', async () => {
  const artist = await registerUser(srv.api, { role: 'artist', artistName: `Traced ${uniqueName('a')}` });
  const fan = await registerUser(srv.api);
  const traceId = hex(16);
  const res = await srv.api.json('POST', '/api/subscriptions/create', {
    token: fan.token, body: { artistId: artist.user.id, tier: 'supporter' }, headers: { traceparent: `00-${traceId}-${hex(8)}-01` },
  });
  expectStatus(res, 201);
  const sent = [...double.requests].filter((r) => r.headers.traceparent?.split('-')[1] === traceId);
  assert.ok(sent.some((r) => r.path.startsWith('/v1/customers')), 'the Stripe calls of the request carry its trace');
  const server = await spansUntil(receiver, (all) => all.find((s) => s.traceId === traceId && s.kind === 2), 'server span');
  const clients = await spansUntil(receiver, (all) => {
    const found = all.filter((s) => s.traceId === traceId && s.kind === 3);
    return found.length >= sent.length ? found : null;
  }, 'Stripe client spans');
  for (const r of sent) {
    const spanId = r.headers.traceparent.split('-')[2];
    const span = clients.find((s) => s.spanId === spanId);
    assert.ok(span, `the client span ${spanId} sent to Stripe was exported`);
    assert.equal(span.name, `Stripe ${r.method}`);
    assert.equal(span.parentSpanId, server.spanId);
  }
});

test('a malformed traceparent is ignored: the request starts a trace of its own', async () => {
  for (const bad of [`00-${'0'.repeat(32)}-${hex(8)}-01`, `00-${hex(16).toUpperCase()}-${hex(8)}-01`, `ff-${hex(16)}-${hex(8)}-01`, 'garbage']) {
    const requestId = hex(8);
    const res = await fetch(`${srv.baseUrl}/api/artists?limit=1`, { headers: { traceparent: bad, 'x-request-id': requestId } });
    assert.equal(res.status, 200);
    const span = await spansUntil(receiver, (all) => all.find((s) => attr(s, 'musicconnect.request_id') === requestId), `span of ${bad}`);
    assert.equal(span.parentSpanId, undefined, `${bad}: no parent`);
    assert.match(span.traceId, /^[0-9a-f]{32}$/);
    assert.notEqual(span.traceId, '0'.repeat(32));
  }
});

test('a collector that refuses spans does not hold up requests; the failures are counted', async () => {
  receiver.status = 503;
  try {
    const before = await exportCount('failed');
    for (let i = 0; i < 3; i++) assert.equal((await fetch(`${srv.baseUrl}/api/artists?limit=1`)).status, 200);
    const deadline = Date.now() + 30_000;
    while (await exportCount('failed') <= before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(await exportCount('failed') > before, 'mc_trace_spans_total{outcome="failed"} grew');
  } finally {
    receiver.status = 200;
  }
});

async function exportCount(outcome) {
  const text = await (await fetch(`${srv.baseUrl}/metrics`)).text();
  const m = text.match(new RegExp(`^mc_trace_spans_total\\{outcome="${outcome}"\\} (\\S+)$`, 'm'));
  return m ? Number(m[1]) : 0;
}
