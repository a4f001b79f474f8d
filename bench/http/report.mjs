// Turns the raw outputs of one bench/http/run.sh run into the results table.
// Usage: node report.mjs WORK_DIR RESULTS_DIR
//   WORK_DIR holds meta.json and raw/{health,me,node}.txt (wrk), raw/pgbench.txt, raw/pgbench-log/*.
// Writes RESULTS_DIR/http-<stamp>.md, http-<stamp>.json and http-latest.md; prints the summary.
// Exit: 0 when every target is met, 1 otherwise.
import fs from 'node:fs';
import path from 'node:path';

const TARGETS = {
  healthRps: 60000, // GET /health req/s
  meVsNode: 3, // GET /api/auth/me req/s ÷ Node peer req/s
  meVsPgbench: 0.5, // GET /api/auth/me req/s ÷ pgbench tps
  meP99Ms: 10, // GET /api/auth/me p99
};

const [workDir, resultsDir] = process.argv.slice(2);
if (!workDir || !resultsDir) {
  console.error('usage: node report.mjs WORK_DIR RESULTS_DIR');
  process.exit(2);
}
const raw = (name) => {
  try {
    return fs.readFileSync(path.join(workDir, 'raw', name), 'utf8');
  } catch {
    return null;
  }
};
const meta = JSON.parse(fs.readFileSync(path.join(workDir, 'meta.json'), 'utf8'));

const UNIT_MS = { us: 0.001, ms: 1, s: 1000, m: 60000, h: 3600000 };
function toMs(value, unit) {
  return Number(value) * UNIT_MS[unit];
}

// wrk's text output: Requests/sec, the --latency distribution, errors.
function parseWrk(text) {
  if (text === null) return null;
  const m = {
    rps: null, p50Ms: null, p99Ms: null, requests: null, non2xx: 0,
    socketErrors: { connect: 0, read: 0, write: 0, timeout: 0 }, exact: null,
  };
  const rps = text.match(/^Requests\/sec:\s+([\d.]+)/m);
  if (rps) m.rps = Number(rps[1]);
  const dist = text.split(/Latency Distribution/)[1] || '';
  const p50 = dist.match(/^\s*50%\s+([\d.]+)(us|ms|s|m|h)\b/m);
  const p99 = dist.match(/^\s*99%\s+([\d.]+)(us|ms|s|m|h)\b/m);
  if (p50) m.p50Ms = toMs(p50[1], p50[2]);
  if (p99) m.p99Ms = toMs(p99[1], p99[2]);
  const reqs = text.match(/^\s*(\d+) requests in /m);
  if (reqs) m.requests = Number(reqs[1]);
  const non2xx = text.match(/Non-2xx or 3xx responses:\s+(\d+)/);
  if (non2xx) m.non2xx = Number(non2xx[1]);
  const sock = text.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  if (sock) m.socketErrors = { connect: +sock[1], read: +sock[2], write: +sock[3], timeout: +sock[4] };
  const exact = text.match(/^WRK_JSON (.*)$/m);
  if (exact) {
    try {
      m.exact = JSON.parse(exact[1]);
    } catch {
      /* the text numbers are enough */
    }
  }
  m.errors = m.non2xx + Object.values(m.socketErrors).reduce((a, b) => a + b, 0);
  m.valid = m.rps !== null && m.p50Ms !== null && m.p99Ms !== null && m.errors === 0;
  return m;
}

// pgbench's summary, plus p50/p99 from its sampled per-transaction log (latency in µs, 3rd field).
function parsePgbench(text) {
  if (text === null) return null;
  const m = { rps: null, p50Ms: null, p99Ms: null, avgMs: null, transactions: null, failed: null, sampled: 0 };
  const tps = text.match(/^tps = ([\d.]+) \(without initial connection time\)/m);
  if (tps) m.rps = Number(tps[1]);
  const avg = text.match(/^latency average = ([\d.]+) ms/m);
  if (avg) m.avgMs = Number(avg[1]);
  const tx = text.match(/^number of transactions actually processed: (\d+)/m);
  if (tx) m.transactions = Number(tx[1]);
  const failed = text.match(/^number of failed transactions: (\d+)/m);
  if (failed) m.failed = Number(failed[1]);
  const logDir = path.join(workDir, 'raw', 'pgbench-log');
  const lat = [];
  for (const f of fs.existsSync(logDir) ? fs.readdirSync(logDir) : []) {
    for (const line of fs.readFileSync(path.join(logDir, f), 'utf8').split('\n')) {
      const fields = line.split(' ');
      if (fields.length >= 6) lat.push(Number(fields[2]));
    }
  }
  if (lat.length > 0) {
    lat.sort((a, b) => a - b);
    const pct = (p) => lat[Math.min(lat.length - 1, Math.ceil((p / 100) * lat.length) - 1)] / 1000;
    m.p50Ms = pct(50);
    m.p99Ms = pct(99);
    m.sampled = lat.length;
  }
  m.errors = m.failed ?? 0;
  m.valid = m.rps !== null && m.errors === 0;
  return m;
}

const health = parseWrk(raw('health.txt'));
const me = parseWrk(raw('me.txt'));
const pgbench = parsePgbench(raw('pgbench.txt'));
const node = parseWrk(raw('node.txt'));
// Each side's best configuration (default vs one event loop / one worker) is what gets compared.
const meOneLoop = parseWrk(raw('me-1loop.txt'));
const nodeOneWorker = parseWrk(raw('node-1worker.txt'));
const ok = (m) => m !== null && m.valid;
const best = (a, b) => (!ok(a) ? b : !ok(b) ? a : b.rps > a.rps ? b : a);
const meBest = best(me, meOneLoop);
const nodeBest = best(node, nodeOneWorker);
const ratio = (a, b) => (ok(a) && ok(b) && b.rps > 0 ? a.rps / b.rps : null);
const meVsNode = ratio(meBest, nodeBest);
const meVsPgbench = ratio(meBest, pgbench);

const checks = [
  { name: 'GET /health req/s', value: ok(health) ? health.rps : null, target: `≥ ${TARGETS.healthRps}`,
    pass: ok(health) && health.rps >= TARGETS.healthRps },
  { name: 'GET /api/auth/me ÷ Node peer', value: meVsNode, target: `≥ ${TARGETS.meVsNode}×`,
    pass: meVsNode !== null && meVsNode >= TARGETS.meVsNode },
  { name: 'GET /api/auth/me ÷ pgbench ceiling', value: meVsPgbench, target: `≥ ${TARGETS.meVsPgbench * 100} %`,
    pass: meVsPgbench !== null && meVsPgbench >= TARGETS.meVsPgbench },
  { name: 'GET /api/auth/me p99 (ms)', value: ok(meBest) ? meBest.p99Ms : null, target: `≤ ${TARGETS.meP99Ms} ms`,
    pass: ok(meBest) && meBest.p99Ms <= TARGETS.meP99Ms },
];
const allPass = checks.every((c) => c.pass);

// ---- formatting -------------------------------------------------------------------------------
const fmtRps = (v) => (v === null || v === undefined ? 'n/a' : Math.round(v).toLocaleString('en-US'));
const fmtMs = (v) => (v === null || v === undefined ? 'n/a' : v < 10 ? `${v.toFixed(2)} ms` : `${v.toFixed(1)} ms`);
const fmtX = (v) => (v === null ? 'n/a' : `${v.toFixed(2)}×`);
const fmtPct = (v) => (v === null ? 'n/a' : `${(v * 100).toFixed(1)} %`);
const verdict = (b) => (b ? 'PASS' : 'FAIL');
const errNote = (m) => (m !== null && m.errors > 0 ? ` (${m.errors.toLocaleString('en-US')} errors)` : '');

const row = (name, m, target, result) =>
  `| ${name} | ${m === null ? 'not run' : fmtRps(m.rps)}${errNote(m)} | ${fmtMs(m?.p50Ms)} | ${fmtMs(m?.p99Ms)} | ${target} | ${result} |`;

const meChecks = checks.slice(1);
const when = meta.stamp.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3 $4:$5:$6 UTC');
const d = meta.duration_s;
const summary = [
  `# HTTP benchmark — ${when}`,
  '',
  `wrk -t${meta.wrk_threads} -c${meta.connections} -d${d}s --latency (each after a ${meta.warmup_s} s warm-up), ` +
    `pgbench -M prepared -n -c ${meta.pgbench_clients} -j ${meta.wrk_threads} -T ${d}; ` +
    'measured one after another on 127.0.0.1.',
  `Machine: ${meta.machine.cpus} × ${meta.machine.cpu}, ${meta.machine.kernel}. ` +
    `Commit ${meta.git}${meta.src_dirty ? ' (src/ has uncommitted changes)' : ''}. ` +
    `${meta.tools.wrk}; ${meta.tools.pgbench}; Node ${meta.tools.node}` +
    `${meta.tools.server ? `; ${meta.tools.server}` : ''}.`,
  '',
  '| name | req/s | p50 | p99 | target | pass/fail |',
  '|---|---:|---:|---:|---|---|',
  row('GET /health — musicconnect', health, `≥ ${fmtRps(TARGETS.healthRps)} req/s`, verdict(checks[0].pass)),
  row('GET /api/auth/me — musicconnect, one loop per core (default)', me,
    meBest === me ? 'compared (best)' : 'not compared', '–'),
  row('GET /api/auth/me — musicconnect, WORKERS=1', meOneLoop,
    meBest === meOneLoop ? 'compared (best)' : 'not compared', '–'),
  row('same query — pgbench -M prepared (ceiling)', pgbench, 'reference', '–'),
  row('GET /api/auth/me — Node.js Fastify + pg peer, one worker per core (default)', node,
    nodeBest === node ? 'compared (best)' : 'not compared', '–'),
  row('GET /api/auth/me — Node.js Fastify + pg peer, WORKERS=1', nodeOneWorker,
    nodeBest === nodeOneWorker ? 'compared (best)' : 'not compared', '–'),
  '',
  '| ratio / check | value | target | pass/fail |',
  '|---|---:|---|---|',
  `| /me ÷ Node peer | ${fmtX(meVsNode)} | ${checks[1].target} | ${verdict(checks[1].pass)} |`,
  `| /me ÷ pgbench | ${fmtPct(meVsPgbench)} | ${checks[2].target} | ${verdict(checks[2].pass)} |`,
  `| /me p99 | ${fmtMs(checks[3].value)} | ${checks[3].target} | ${verdict(checks[3].pass)} |`,
  '',
  `**Overall: ${allPass ? 'PASS' : 'FAIL'}**`,
];
const notes = [...meta.notes];
for (const [name, m] of [['/health', health], ['/me', me], ['/me WORKERS=1', meOneLoop], ['Node peer', node], ['Node peer WORKERS=1', nodeOneWorker]]) {
  if (m !== null && m.errors > 0) {
    notes.push(`${name}: ${m.non2xx} non-2xx/3xx responses, socket errors ${JSON.stringify(m.socketErrors)} — its numbers do not count`);
  }
}
if (pgbench !== null && pgbench.errors > 0) notes.push(`pgbench: ${pgbench.errors} failed transactions`);
if (pgbench !== null && pgbench.sampled > 0) {
  notes.push(`pgbench p50/p99 come from a 10 % sample of its per-transaction log (${pgbench.sampled.toLocaleString('en-US')} transactions); ` +
    `its own latency average is ${fmtMs(pgbench.avgMs)}.`);
}
if (notes.length > 0) summary.push('', 'Notes:', ...notes.map((n) => `- ${n}`));

const fence = (title, text) => (text === null ? [] : ['', `### ${title}`, '', '```text', text.trimEnd(), '```']);
const rawSection = [
  '',
  '## Raw output',
  ...fence('wrk GET /health — musicconnect', raw('health.txt')),
  ...fence('wrk GET /api/auth/me — musicconnect', raw('me.txt')),
  ...fence('pgbench', raw('pgbench.txt')),
  ...fence('wrk GET /api/auth/me — Node peer', raw('node.txt')),
  ...fence('wrk GET /api/auth/me — musicconnect WORKERS=1', raw('me-1loop.txt')),
  ...fence('wrk GET /api/auth/me — Node peer WORKERS=1', raw('node-1worker.txt')),
  ...fence('/api/auth/me response body — musicconnect', raw('me-body.json')),
  ...fence('/api/auth/me response body — Node peer', raw('node-body.json')),
  ...fence('body diff (musicconnect vs Node peer)', raw('body-diff.txt') || null),
];

const md = [...summary, ...rawSection, ''].join('\n');
const json = {
  ...meta,
  targets: TARGETS,
  measurements: { health, me, meOneLoop, pgbench, node, nodeOneWorker },
  ratios: { meVsNode, meVsPgbench },
  checks,
  pass: allPass,
  raw: {
    health: raw('health.txt'),
    me: raw('me.txt'),
    pgbench: raw('pgbench.txt'),
    node: raw('node.txt'),
  },
};

fs.mkdirSync(resultsDir, { recursive: true });
const base = path.join(resultsDir, `http-${meta.stamp}`);
fs.writeFileSync(`${base}.md`, md);
fs.writeFileSync(`${base}.json`, `${JSON.stringify(json, null, 2)}\n`);
fs.copyFileSync(`${base}.md`, path.join(resultsDir, 'http-latest.md'));

console.log(summary.join('\n'));
console.log(`\nSaved ${path.relative(process.cwd(), `${base}.md`)}, .json and http-latest.md`);
process.exit(allPass ? 0 : 1);
