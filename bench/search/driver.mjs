// bench/search driver (see bench/README.md): against one running server, measures
//   1. recall — the typo list of tests/api/helpers/search_typos.mjs: is the intended artist in the top 3?
//   2. load — CONCURRENCY closed-loop clients cycling through the typo and prefix queries for
//      DURATION seconds (after WARMUP seconds unrecorded): every latency, status and error.
// Usage: node driver.mjs <base URL> <artists.json> <label>; prints one JSON object on stdout.
import fs from 'node:fs';
import http from 'node:http';
import { typoQueries, prefixQueries } from '../../tests/api/helpers/search_typos.mjs';

const [base, artistsFile, label] = process.argv.slice(2);
const CONCURRENCY = Number(process.env.CONCURRENCY || 32);
const DURATION = Number(process.env.DURATION || 30);
const WARMUP = Number(process.env.WARMUP || 5);
const TYPOS = Number(process.env.TYPOS || 60);
const artists = JSON.parse(fs.readFileSync(artistsFile, 'utf8'));
const typos = typoQueries(artists, { count: TYPOS, seed: 7 });
const prefixes = prefixQueries(artists, { count: 20, seed: 11 });
const url = new URL(base);
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function get(path) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const req = http.get({ host: url.hostname, port: url.port, path, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks), ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
      res.on('error', reject);
    });
    req.setTimeout(30000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}
const path = (q, extra = '') => `/api/search?q=${encodeURIComponent(q)}&limit=10${extra}`;

// 1. Recall over the typo list (one request at a time).
let found = 0;
const misses = [];
for (const t of typos) {
  const r = await get(path(t.q));
  if (r.status !== 200) throw new Error(`${label}: ${t.q} → ${r.status} ${r.body}`);
  const top = JSON.parse(r.body).results.slice(0, 3).map((x) => x.artist?.id);
  if (top.includes(t.artistId)) found++;
  else misses.push(`${t.q} (${t.stageName})`);
}

// 2. Load: the typo and prefix queries, shuffled deterministically, CONCURRENCY clients.
const mix = [...typos.map((t) => path(t.q)), ...prefixes.map((p) => path(p.q))];
async function load(seconds, record) {
  const lat = [];
  let errors = 0;
  const statuses = {};
  const end = Date.now() + seconds * 1000;
  let next = 0;
  async function client() {
    while (Date.now() < end) {
      const p = mix[next++ % mix.length];
      try {
        const r = await get(p);
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        if (r.status !== 200) errors++;
        if (record) lat.push(r.ms);
      } catch {
        errors++;
      }
    }
  }
  const t0 = Date.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, client));
  return { lat, errors, statuses, seconds: (Date.now() - t0) / 1000 };
}
if (WARMUP > 0) await load(WARMUP, false);
const { lat, errors, statuses, seconds } = await load(DURATION, true);
lat.sort((a, b) => a - b);
const pct = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.ceil((p / 100) * lat.length) - 1)] : null);
agent.destroy();
process.stdout.write(JSON.stringify({
  label, concurrency: CONCURRENCY, duration_s: seconds, requests: lat.length, rps: lat.length / seconds, errors, statuses,
  p50_ms: pct(50), p90_ms: pct(90), p99_ms: pct(99), max_ms: lat.at(-1) ?? null,
  recall: { queries: typos.length, top3: found, misses }, mix: { typo: typos.length, prefix: prefixes.length },
}) + '\n');
