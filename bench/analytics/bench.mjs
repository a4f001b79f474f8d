// The measurement of bench/analytics/run.sh: for each period, the busiest artist's dashboard from the
// API (median of RUNS after one warm-up) and the naive SQL over raw events (median of NAIVE_RUNS after
// one warm-up), after checking that both give the same figures. Prints a table; writes
// analytics-<stamp>.md/.json and analytics-latest.md under RESULTS_DIR.
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.resolve(here, '../../tests/api/package.json'));
const pg = require('pg');
const { naiveDashboard } = await import(path.resolve(here, '../../tests/api/helpers/analytics_naive.mjs'));

const BASE = process.env.BASE_URL;
const RUNS = Number(process.env.RUNS || 7);
const NAIVE_RUNS = Number(process.env.NAIVE_RUNS || 3);
const TARGET = 50;
const PERIODS = ['365d', '30d'];
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 2 });

async function http(pathname, { token, body } = {}) {
  const res = await fetch(new URL(pathname, BASE), {
    method: body ? 'POST' : 'GET',
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${pathname} → ${res.status} ${text}`);
  return JSON.parse(text);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function time(fn) {
  const t = process.hrtime.bigint();
  const v = await fn();
  return [Number(process.hrtime.bigint() - t) / 1e6, v];
}

// The dashboard of the busiest artist. On the large catalogue that is a generated artist whose
// password nobody knows: in this throwaway database it gets the demo artist's, to sign in as it.
const DEMO = { email: 'artist@demo.musicconnect.local', password: 'demo-password-1' };
const { rows: [busiest] } = await pool.query(
  `SELECT d.artist_id, u.email, sum(d.plays)::bigint AS plays FROM analytics_daily d JOIN users u ON u.id = d.artist_id
    GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 1`);
assert.ok(busiest, 'the rollups hold plays (run on a database seeded by run.sh)');
if (busiest.email !== DEMO.email) {
  await pool.query('UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE email = $1) WHERE id = $2',
    [DEMO.email, busiest.artist_id]);
}
const login = await http('/api/auth/login', { body: { email: busiest.email, password: DEMO.password } });
assert.equal(login.user.id, busiest.artist_id);
const { rows: [totals] } = await pool.query(`SELECT (SELECT count(*) FROM play_events)::bigint AS plays,
  (SELECT count(*) FROM follow_events)::bigint AS follows, (SELECT count(*) FROM subscription_events)::bigint AS subs,
  (SELECT count(*) FROM analytics_daily)::bigint AS daily, (SELECT count(*) FROM analytics_fan_windows)::bigint AS fans,
  (SELECT count(DISTINCT artist_id) FROM play_events)::bigint AS artists,
  pg_size_pretty(pg_total_relation_size('play_events') + coalesce((SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'play_events'::regclass), 0)) AS size`);

const results = [];
for (const period of PERIODS) {
  const get = () => http(`/api/artists/analytics?period=${period}`, { token: login.token });
  const [, warm] = await time(get);
  const [, naiveWarm] = await time(() => naiveDashboard(pool, login.user.id, period));
  const { rolledUntil, metric, ...figures } = warm;
  assert.deepEqual(figures, naiveWarm, `the API and the naive SQL agree on every figure of ${period}`);
  const api = [];
  for (let i = 0; i < RUNS; i++) api.push((await time(get))[0]);
  const naive = [];
  for (let i = 0; i < NAIVE_RUNS; i++) naive.push((await time(() => naiveDashboard(pool, login.user.id, period)))[0]);
  results.push({ period, artistPlays: warm.plays, listeners: warm.listeners, apiMs: api, naiveMs: naive,
    apiMedianMs: median(api), naiveMedianMs: median(naive), speedup: median(naive) / median(api) });
}
await pool.end();

const target = results.find((r) => r.period === '365d');
const met = target.speedup >= TARGET;
const fmt = (n) => n.toFixed(1);
const table = [
  '| period | artist plays | unique listeners | API median (ms) | API runs (ms) | naive median (ms) | naive runs (ms) | speed-up |',
  '|---|---:|---:|---:|---|---:|---|---:|',
  ...results.map((r) => `| ${r.period} | ${r.artistPlays.toLocaleString('en-US')} | ${r.listeners.toLocaleString('en-US')} | ${fmt(r.apiMedianMs)} | ${r.apiMs.map(fmt).join(', ')} | ${fmt(r.naiveMedianMs)} | ${r.naiveMs.map(fmt).join(', ')} | ${fmt(r.speedup)}× |`),
].join('\n');
const seedLog = fs.existsSync(process.env.SEED_LOG || '') ? fs.readFileSync(process.env.SEED_LOG, 'utf8') : '';
const rollup = seedLog.split('\n').filter((l) => l.includes('analytics rollup done')).pop() ?? '';
const md = `# Analytics benchmark — ${process.env.STAMP}

A one-year (and a 30-day) dashboard of the busiest artist: \`GET /api/artists/analytics\` (daily
rollups, per-fan windows and today's raw events) against the same figures from naive SQL over the raw
events (\`tests/api/helpers/analytics_naive.mjs\`), same database, same run. Both were checked equal
before timing. Target: ≥ ${TARGET}× at the median for 365d — **${met ? 'met' : 'missed'}** (${fmt(target.speedup)}×).

${table}

Data: ${Number(totals.plays).toLocaleString('en-US')} play events (${totals.size} with indexes) of ${totals.artists} artist(s),
${Number(totals.follows).toLocaleString('en-US')} follow events, ${Number(totals.subs).toLocaleString('en-US')} subscription events;
rollups: ${Number(totals.daily).toLocaleString('en-US')} artist-day rows, ${Number(totals.fans).toLocaleString('en-US')} fan-window rows.
Seeding (\`seed-demo --history-plays ${process.env.PLAYS}\`, including the rollup rebuild): ${fmt(Number(process.env.SEED_SECONDS))} s.
Rollup rebuild: \`${rollup.slice(0, 300)}\`

Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, shared with other work; embedded PostgreSQL 15, default settings.
API times are end to end over HTTP (client to JSON parsed); naive times are the SQL round trips from Node.
`;
console.log(md);
fs.mkdirSync(process.env.RESULTS_DIR, { recursive: true });
fs.writeFileSync(path.join(process.env.RESULTS_DIR, `analytics-${process.env.STAMP}.md`), md);
fs.writeFileSync(path.join(process.env.RESULTS_DIR, 'analytics-latest.md'), md);
fs.writeFileSync(path.join(process.env.RESULTS_DIR, `analytics-${process.env.STAMP}.json`),
  JSON.stringify({ stamp: process.env.STAMP, target: TARGET, met, plays: Number(process.env.PLAYS), seedSeconds: Number(process.env.SEED_SECONDS), totals, results }, null, 2));
process.exit(met ? 0 : 1);
