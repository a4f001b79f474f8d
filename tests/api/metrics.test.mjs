// The live /metrics output (issue 14 acceptance): `promtool check metrics` reports nothing on it,
// and every metric an alert rule or a Grafana dashboard in infrastructure/monitoring reads is in
// it — or is listed in external-metrics.yaml as exported by something else (postgres-exporter,
// kube-state-metrics, cert-manager). Needs promtool (Debian package `prometheus`).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import { REPO_ROOT, startServer } from './helpers/server.mjs';
import { registerUser } from './helpers/fixtures.mjs';
import { WsClient } from './helpers/ws.mjs';
import { metricNames, substituteGrafanaVars } from '../infra/lib/metric_names.mjs';

const monitoring = path.join(REPO_ROOT, 'infrastructure', 'monitoring');
let srv;
before(async () => { srv = await startServer({ name: 'metrics' }); });
after(async () => { if (srv?.running) await srv.stop(); });

async function scrape() {
  const res = await fetch(`${srv.baseUrl}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  return res.text();
}

// Families in the exposition: names from TYPE lines, and every sample's name (histogram series
// carry _bucket, _sum, _count).
function exposedNames(text) {
  const names = new Set();
  for (const line of text.split('\n')) {
    const type = line.match(/^# TYPE (\S+) (\S+)/);
    if (type) names.add(type[1]);
    else if (line && !line.startsWith('#')) names.add(line.match(/^[a-zA-Z_:][a-zA-Z0-9_:]*/)[0]);
  }
  return names;
}

// Traffic that gives the labelled families samples: API requests (an error among them), a
// registration (argon2id), a data export (a job the worker runs) and an open WebSocket.
async function exercise() {
  const user = await registerUser(srv.api);
  assert.equal((await srv.api.json('POST', '/api/me/exports', { token: user.token })).status, 202);
  assert.equal((await srv.api.get('/api/artists/not-a-uuid')).status >= 400, true);
  const ws = await WsClient.open(srv);
  const deadline = Date.now() + 30_000;
  let text = await scrape();
  while (!/^jobs_processed_total\{kind="privacy\.export",outcome="succeeded"\} [1-9]/m.test(text) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    text = await scrape();
  }
  ws.close();
  return text;
}

test('promtool check metrics reports nothing on the live /metrics', async () => {
  const text = await exercise();
  const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (check.error?.code === 'ENOENT') assert.fail('promtool is not installed (apt-get install prometheus)');
  assert.equal(`${check.stdout}${check.stderr}`.trim(), '', 'promtool check metrics found problems');
  assert.equal(check.status, 0);
  // The request histogram is per route template, not per raw path.
  assert.match(text, /^http_request_duration_seconds_bucket\{.*route="\/api\/artists\/\{id\}"/m);
  assert.match(text, /^jobs_processed_total\{kind="privacy\.export",outcome="succeeded"\} [1-9]/m);
  assert.match(text, /^ws_connections 1$/m);
});

test('every metric an alert, a recording rule or a dashboard reads is in the live output or exported elsewhere', async () => {
  const live = exposedNames(await scrape());
  assert.ok(live.has('http_requests_total') && live.has('musicconnect_build_info'), 'the scrape found the server families');
  const external = parse(fs.readFileSync(path.join(monitoring, 'external-metrics.yaml'), 'utf8'));
  const rules = parse(fs.readFileSync(path.join(monitoring, 'rules', 'musicconnect-rules.yaml'), 'utf8'))
    .spec.groups.flatMap((g) => g.rules);
  const recorded = new Set(rules.filter((r) => r.record).map((r) => r.record));
  const exprs = rules.map((r) => [`rule ${r.alert ?? r.record}`, r.expr]);
  const dashboards = path.join(monitoring, 'dashboards');
  for (const file of fs.readdirSync(dashboards).filter((f) => f.endsWith('.json'))) {
    const json = JSON.parse(fs.readFileSync(path.join(dashboards, file), 'utf8'));
    for (const p of json.panels ?? []) for (const t of p.targets ?? []) exprs.push([`${file} panel ${p.id}`, substituteGrafanaVars(t.expr ?? '')]);
  }
  assert.ok(exprs.length > 20, 'read the rules and dashboards');
  const missing = [];
  for (const [where, expr] of exprs) {
    for (const name of metricNames(expr)) {
      if (!live.has(name) && !recorded.has(name) && !external[name]) missing.push(`${where}: ${name}`);
    }
  }
  assert.deepEqual(missing, []);
  // What external-metrics.yaml claims others export, the server must not (one source per name).
  assert.deepEqual(Object.keys(external).filter((n) => live.has(n)), []);
});
