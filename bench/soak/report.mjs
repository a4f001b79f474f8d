// bench/soak/report.mjs — turns a soak or chaos run's raw results into the saved report.
//
//   node report.mjs soak|chaos <work dir> <results prefix> <warm-up s> [label]
//
// Reads <work>/results.json (driver), <work>/verify.json (acknowledged writes checked in PostgreSQL)
// and <work>/events.log (supervisor starts/exits); writes <prefix>.json, <prefix>.md and, for the soak,
// <prefix>.png (gnuplot: p50/p99 per window, and memory of the server, worker and PostgreSQL).
// Exit status 0 when the targets are met, 1 otherwise.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';

const [mode, work, prefix, warmupArg, label = ''] = process.argv.slice(2);
const r = JSON.parse(fs.readFileSync(path.join(work, 'results.json'), 'utf8'));
const verify = JSON.parse(fs.readFileSync(path.join(work, 'verify.json'), 'utf8') || '[]');
const commit = fs.readFileSync(path.join(work, 'commit'), 'utf8').trim();
const stamp = path.basename(prefix).replace(/^(soak|chaos)-/, '');
const warmup = Number(warmupArg);
const MiB = (kb) => kb / 1024;
const f1 = (x) => (x == null ? '–' : x.toFixed(1));
const f2 = (x) => (x == null ? '–' : x.toFixed(2));
const machine = { cores: os.cpus().length, cpu: os.cpus()[0]?.model, mem_gib: +(os.totalmem() / 2 ** 30).toFixed(1),
  loadavg_at_report: os.loadavg().map((x) => +x.toFixed(2)), node: process.version };

const lost = verify.reduce((s, v) => s + (v.acked - v.present), 0);
const ackedTotal = verify.reduce((s, v) => s + v.acked, 0);
const uploads = verify.find((v) => v.kind === 'upload');
const unprocessed = uploads ? uploads.acked - uploads.processed : 0;

const writesTable = [
  '| write | acknowledged | present afterwards | lost |', '|---|---:|---:|---:|',
  ...verify.map((v) => `| ${v.kind}${v.kind === 'upload' ? ` (processed: ${v.processed})` : ''} | ${v.acked} | ${v.present} | ${v.acked - v.present} |`),
  `| **total** | **${ackedTotal}** | **${ackedTotal - lost}** | **${lost}** |`,
];

const kindsTable = [
  '| operation | requests | errors | p50 ms | p99 ms |', '|---|---:|---:|---:|---:|',
  ...Object.entries(r.kinds).sort((a, b) => b[1].requests - a[1].requests)
    .map(([k, v]) => `| ${k} | ${v.requests} | ${v.errors} | ${f1(v.p50_ms)} | ${f1(v.p99_ms)} |`),
];

const errorSamples = r.error_samples.length
  ? ['', 'First errors (at most 50 kept):', '', '| t s | operation | request | status | detail |', '|---:|---|---|---:|---|',
    ...r.error_samples.map((e) => `| ${((e.t - r.run_started_ms) / 1000).toFixed(1)} | ${e.kind} | ${e.method} ${e.url} | ${e.status} | ${String(e.detail ?? '').replace(/\|/g, '/').slice(0, 120)} |`)]
  : [];

function memorySeries(key, field) {
  return r.memory.filter((s) => s[key]).map((s) => [s.t_s, MiB(s[key][field])]);
}
const median = (a) => { if (!a.length) return null; const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; };

// Flat after warm-up: the floor (minimum) of the last minute is within max(10 %, 16 MiB) of the floor of
// the first minute after warm-up. Floors, because the server's RSS steps up by 64 MiB for every Argon2id
// hash in flight and straight back down: a leak raises the floor, a burst of sign-ins does not. The
// least-squares slope of the per-minute floors after warm-up is reported beside it.
function flatness(series) {
  const dur = r.duration_s;
  const min = (a) => (a.length ? Math.min(...a) : null);
  const after = series.filter(([t]) => t >= warmup);
  const base = min(after.filter(([t]) => t < warmup + 60).map(([, v]) => v));
  const last = min(series.filter(([t]) => t >= dur - 60).map(([, v]) => v));
  if (base == null || last == null || after.length < 3) return { base, last, growth: null, slope_mib_per_min: null, flat: null };
  const floors = [];
  for (let m = warmup; m < dur; m += 60) {
    const v = min(after.filter(([t]) => t >= m && t < m + 60).map(([, x]) => x));
    if (v != null) floors.push([m + 30, v]);
  }
  let slope = null;
  if (floors.length >= 2) {
    const n = floors.length;
    const mt = floors.reduce((a, [t]) => a + t, 0) / n;
    const mv = floors.reduce((a, [, v]) => a + v, 0) / n;
    slope = (60 * floors.reduce((a, [t, v]) => a + (t - mt) * (v - mv), 0)) / floors.reduce((a, [t]) => a + (t - mt) ** 2, 0);
  }
  const growth = last - base;
  return { base, last, growth, growth_pct: (100 * growth) / base, slope_mib_per_min: slope, minute_floors: floors, flat: growth <= Math.max(0.1 * base, 16) };
}

function plot(png) {
  const dat = path.join(work, 'plot');
  fs.mkdirSync(dat, { recursive: true });
  fs.writeFileSync(path.join(dat, 'latency.dat'), r.windows.map((w) => `${(w.start_s + r.window_s / 2) / 60} ${w.p50_ms ?? 'NaN'} ${w.p99_ms ?? 'NaN'} ${w.errors}`).join('\n') + '\n');
  fs.writeFileSync(path.join(dat, 'memory.dat'), r.memory.map((s) => [s.t_s / 60, s.server ? MiB(s.server.rss_kb) : 'NaN',
    s.worker ? MiB(s.worker.rss_kb) : 'NaN', s.postgres ? MiB(s.postgres.pss_kb) : 'NaN', s.postgres ? MiB(s.postgres.rss_kb) : 'NaN'].join(' ')).join('\n') + '\n');
  const kills = (r.chaos?.kills ?? []).map((k) => `set arrow from ${k.at_s / 60}, graph 0 to ${k.at_s / 60}, graph 1 nohead lc rgb '#cc0000' dt 2`).join('\n');
  const gp = `
set terminal pngcairo size 1100,760 font ',10'
set output '${png}'
set multiplot layout 2,1 title '${mode} ${stamp} — ${(r.rate_ops_per_s).toFixed(0)} ops/s, ${r.window_s} s windows${label ? ` (${label.replace(/'/g, '')})` : ''}'
set grid
set xlabel 'minutes'
set xrange [0:${r.duration_s / 60}]
set ylabel 'latency ms'
set logscale y
set key top left
${kills}
plot '${dat}/latency.dat' using 1:2 with linespoints title 'p50', '' using 1:3 with linespoints title 'p99'
unset logscale y
set ylabel 'MiB'
set yrange [0:*]
set key top left horizontal
${warmup ? `set arrow from ${warmup / 60}, graph 0 to ${warmup / 60}, graph 1 nohead lc rgb '#888888' dt 3` : ''}
plot '${dat}/memory.dat' using 1:2 with lines lw 2 title 'server RSS', '' using 1:3 with lines lw 2 title 'worker RSS', \\
     '' using 1:4 with lines lw 2 title 'PostgreSQL PSS (all processes)'
unset multiplot
`;
  fs.writeFileSync(path.join(dat, 'plot.gp'), gp);
  execFileSync('gnuplot', [path.join(dat, 'plot.gp')], { stdio: 'inherit' });
}

const windowsTable = [
  '| window (s) | ops started | not started | requests | errors | p50 ms | p99 ms | max ms | server RSS MiB | worker RSS MiB | PostgreSQL PSS MiB (procs) | PostgreSQL private (USS) MiB |',
  '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...r.windows.map((w) => {
    const s = [...r.memory].reverse().find((m) => m.t_s <= w.start_s + r.window_s) ?? r.memory[0];
    return `| ${w.start_s}–${w.start_s + r.window_s} | ${w.ops} | ${w.shed} | ${w.requests} | ${w.errors} | ${f1(w.p50_ms)} | ${f1(w.p99_ms)} | ${f1(w.max_ms)} | ` +
      `${s?.server ? f1(MiB(s.server.rss_kb)) : '–'} | ${s?.worker ? f1(MiB(s.worker.rss_kb)) : '–'} | ${s?.postgres ? `${f1(MiB(s.postgres.pss_kb))} (${s.postgres.procs})` : '–'} | ${s?.postgres?.uss_kb != null ? f1(MiB(s.postgres.uss_kb)) : '–'} |`;
  }),
];

const header = (title) => [
  `# ${title} — ${stamp}`, '',
  ...(label ? [`**${label}**`, ''] : []),
  `Commit ${commit}; ${machine.cores} cores (${machine.cpu}), shared with the other engineers' builds (load average at report time ${machine.loadavg_at_report.join(' / ')}). ` +
  'Server (`serve`, JOBS=false), worker and PostgreSQL 15 run as separate supervised processes; the driver is one Node process; loopback only.',
];

let out = {};
let md = [];
let pass;
if (mode === 'soak') {
  const mem = { server: flatness(memorySeries('server', 'rss_kb')), worker: flatness(memorySeries('worker', 'rss_kb')), postgres: flatness(memorySeries('postgres', r.memory.some((m) => m.postgres?.uss_kb != null) ? 'uss_kb' : 'pss_kb')) };
  plot(`${prefix}.png`);
  const flat = mem.server.flat !== false && mem.postgres.flat !== false;
  pass = r.errors === 0 && r.shed === 0 && lost === 0 && unprocessed === 0 && flat;
  out = { mode, stamp, commit, label, machine, warmup_s: warmup, memory_growth: mem, verify, lost, pass, ...r, error_times: undefined };
  md = [
    ...header('bench/soak'), '',
    (r.ramp ? `Peak of the mix (closed loop, ${r.ramp.map((s) => `${s.concurrency} users: ${s.ops_per_s.toFixed(0)} ops/s = ${s.requests_per_s.toFixed(0)} req/s, p99 ${f1(s.p99_ms)} ms`).join('; ')}): ` +
      `**${r.peak_ops_per_s.toFixed(0)} ops/s** (the median second of the plateau: the steps within 20 % of the best). Soak: open loop at **${r.rate_ops_per_s.toFixed(0)} ops/s** (${Math.round(100 * r.load_fraction)} % of the peak) for ${r.duration_s} s` : `Open loop at ${r.rate_ops_per_s.toFixed(0)} ops/s for ${r.duration_s} s`) +
    `, plus one 3-second FLAC upload every ${r.upload_interval_s} s. An operation is one user action (1–3 requests). ` +
    `The driver used ${f1(r.driver_cpu_s)} s of CPU during the run (${f1((100 * r.driver_cpu_s) / r.duration_s)} % of a core).`, '',
    '| target | result | |', '|---|---|---|',
    `| errors (non-2xx, network errors, timeouts > 10 s) = 0 | ${r.errors} of ${r.requests} requests${r.shed ? `; ${r.shed} operations not started (the server fell behind: ${r.max_inflight} were already in flight)` : ''} | ${r.errors === 0 && r.shed === 0 ? 'PASS' : 'MISS'} |`,
    `| acknowledged writes all present | ${ackedTotal - lost} of ${ackedTotal}${uploads ? `; uploads processed ${uploads.processed} of ${uploads.acked}` : ''} | ${lost === 0 && unprocessed === 0 ? 'PASS' : 'MISS'} |`,
    ...['server', 'postgres', 'worker'].map((k) => {
      const m = mem[k];
      return `| ${k}${k === 'postgres' ? ' private (USS)' : ''} memory flat after ${warmup} s warm-up (floor of the last minute ≤ first minute after warm-up + max(10 %, 16 MiB))${k === 'worker' ? ' — reported' : ''} | ${f1(m.base)} → ${f1(m.last)} MiB (${m.growth == null ? '–' : `${m.growth >= 0 ? '+' : ''}${f1(m.growth)} MiB, ${f1(m.growth_pct)} %`}; floors' slope ${f2(m.slope_mib_per_min)} MiB/min) | ${m.flat == null ? 'n/a (run too short)' : m.flat ? 'PASS' : k === 'worker' ? 'note' : 'MISS'} |`;
    }),
    `| overall p50 / p99 | ${f1(r.p50_ms)} / ${f1(r.p99_ms)} ms | |`, '',
    `![latency and memory over time](${path.basename(prefix)}.png)`, '',
    '## Over time', '', ...windowsTable, '',
    '## Per operation', '', ...kindsTable, '',
    '## Acknowledged writes, checked in PostgreSQL by id after the run', '', ...writesTable,
    ...errorSamples, '',
    'Memory: RSS of the server and worker processes from /proc/PID/status; PostgreSQL is the sum of PSS (/proc/PID/smaps_rollup) over the postmaster and all its children, so shared buffers count once; its flatness is judged on the sum of private pages (USS: Private_Clean + Private_Dirty), because shared buffers fill up to shared_buffers as the data is read (a cache warming, not growth). The server RSS includes the 64 MiB of Argon2id working memory per password hash in flight (sign-in, registration), so it steps by 64 MiB with their concurrency. Raw numbers: the `.json` beside this file.',
    '', pass ? 'Result: **PASS**' : 'Result: **MISS**',
  ];
} else {
  const c = r.chaos;
  const recovered = c.kills.every((k) => k.recovery_s != null);
  pass = lost === 0 && recovered && unprocessed === 0 && c.kills.length > 0;
  const outageErrors = c.kills.reduce((s, k) => s + k.errors_during_outage, 0);
  // Exits the supervisor saw that were not our kills: a process that died of a dependency's crash.
  const events = fs.existsSync(path.join(work, 'events.log')) ? fs.readFileSync(path.join(work, 'events.log'), 'utf8').trim().split('\n').map((l) => l.split(' ')) : [];
  const killedPids = new Set(c.kills.flatMap((k) => k.pids.map(String)));
  const runEnd = r.run_started_ms + r.duration_s * 1000;
  const collateral = events.filter(([t, what, , pid]) => what === 'exit' && !killedPids.has(pid) && Number(t) >= r.run_started_ms && Number(t) <= runEnd)
    .map(([t, , name, pid, rc]) => ({ at_s: (Number(t) - r.run_started_ms) / 1000, name, pid: Number(pid), rc: Number(rc) }));
  c.collateral_exits = collateral;
  out = { mode, stamp, commit, label, machine, verify, lost, pass, ...r, error_times: undefined };
  plot(`${prefix}.png`);
  md = [
    ...header('bench/chaos'), '',
    `The soak mix, open loop at ${r.rate_ops_per_s.toFixed(0)} ops/s for ${r.duration_s} s (plus an upload every ${r.upload_interval_s} s), while a killer sends SIGKILL ` +
    `to the server, the worker or PostgreSQL (postmaster and every backend at once) at random moments (${c.min_gap_s}–${c.max_gap_s} s apart). ` +
    'A supervisor loop restarts whatever exits after 0.2 s, as systemd or Kubernetes would. Recovery is measured from the kill to the first success of a probe: ' +
    'server — `GET /ready` 200; PostgreSQL — a write through the API (`POST /api/content/{id}/comments`) 2xx; worker — the restarted worker process claims a job (`jobs.locked_by` names its pid; a FLAC is uploaded right after the kill so there is one; when that probe upload was processed is in the note).', '',
    '| target | result | |', '|---|---|---|',
    `| acknowledged writes lost = 0 | ${lost} of ${ackedTotal} | ${lost === 0 ? 'PASS' : 'MISS'} |`,
    `| every acknowledged upload processed afterwards | ${uploads ? `${uploads.processed} of ${uploads.acked}` : 'none'} | ${unprocessed === 0 ? 'PASS' : 'MISS'} |`,
    `| service resumes on its own after every kill | ${c.kills.filter((k) => k.recovery_s != null).length} of ${c.kills.length} kills | ${recovered ? 'PASS' : 'MISS'} |`,
    `| errors (all requests) | ${r.errors} of ${r.requests}: ${outageErrors} during outages, ${r.errors - outageErrors} outside them | reported |`,
    `| other exits seen by the supervisor (a process dying because another was killed) | ${collateral.length ? collateral.map((e) => `${e.name} pid ${e.pid} rc ${e.rc} at ${e.at_s.toFixed(1)} s`).join('; ') : 'none'} | reported |`, '',
    `![latency and memory over time](${path.basename(prefix)}.png)`, '',
    '## Kills', '',
    '| # | at s | target | pid | recovery s | errors during the outage | note |', '|---:|---:|---|---:|---:|---:|---|',
    ...c.kills.map((k, i) => `| ${i + 1} | ${k.at_s.toFixed(1)} | ${k.target} | ${k.pids.join(' ')} | ${k.recovery_s == null ? '**not recovered**' : k.recovery_s.toFixed(2)} | ${k.errors_during_outage} | ${k.note ?? ''} |`), '',
    ...(() => {
      const by = {};
      for (const k of c.kills) (by[k.target] ??= []).push(k.recovery_s);
      return ['| target | kills | recovery min / median / max s |', '|---|---:|---|',
        ...Object.entries(by).map(([t, v]) => { const s = v.filter((x) => x != null).sort((a, b) => a - b); return `| ${t} | ${v.length} | ${s.length ? `${f2(s[0])} / ${f2(s[Math.floor(s.length / 2)])} / ${f2(s[s.length - 1])}` : '–'} |`; })];
    })(), '',
    '## Acknowledged writes, checked in PostgreSQL by id after the run', '',
    'Each write the driver saw answered 2xx is logged with the id from the response (user id, comment id, paid checkout session, subscription id, track id); ' +
    'after the run the ids are looked up in PostgreSQL (subscriptions must be `active`, tips must have their payment row, uploads must be processed).', '',
    ...writesTable, '', '## Over time', '', ...windowsTable, '', '## Per operation', '', ...kindsTable, ...errorSamples, '',
    pass ? 'Result: **PASS**' : 'Result: **MISS**',
  ];
}
fs.writeFileSync(`${prefix}.json`, JSON.stringify(out, null, 1));
fs.writeFileSync(`${prefix}.md`, md.join('\n') + '\n');
process.exit(pass ? 0 : 1);
