// bench/ws/report.mjs — turns run.sh's measurements (one JSON line per scenario and side) into
// the results table, checks the targets of issue 10, and writes <prefix>.md and <prefix>.json.
//   node report.mjs measurements.jsonl bench/results/ws-<stamp> <commit> [label]
// Exit: 0 every measured target met, 1 a target missed or a scenario had failures.
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';

const [file, prefix, commit, label = ''] = process.argv.slice(2);
const rows = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const kib = (n) => `${n.toFixed(2)} KiB`;
const ms = (us) => `${(us / 1000).toFixed(1)} ms`;
const int = (n) => Math.round(n).toLocaleString('en-US');

// Merges the generators' log-linear histograms and reads percentiles from the merged one.
function merge(gens) {
  const buckets = new Map();
  let count = 0, max = 0, total = 0;
  for (const g of gens) {
    const h = g.latency;
    count += h.count;
    max = Math.max(max, h.max_us);
    total += h.mean_us * h.count;
    for (const [b, n] of h.buckets) buckets.set(b, (buckets.get(b) ?? 0) + n);
  }
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  const pct = (p) => {
    if (!count) return 0;
    const rank = Math.ceil((p / 100) * count);
    let seen = 0;
    for (const [b, n] of sorted) {
      seen += n;
      if (seen >= rank) return Math.min(b, max);
    }
    return max;
  };
  return { count, mean_us: count ? total / count : 0, p50_us: pct(50), p90_us: pct(90), p99_us: pct(99), p999_us: pct(99.9), max_us: max };
}
const failuresOf = (gens) => {
  const out = {};
  for (const g of gens) {
    for (const [k, v] of Object.entries(g.failures)) out[k] = (out[k] ?? 0) + v;
    for (const [k, v] of Object.entries(g.drops)) out[`dropped: ${k}`] = (out[`dropped: ${k}`] ?? 0) + v;
  }
  return out;
};

const sideName = { mc: 'musicconnect', sio: 'Socket.IO', floor: 'floor: one send() per listener (ws_floor)' };
const results = { idle: [], fanout: [], redis: [] };
for (const r of rows) {
  const ready = sum(r.gens.map((g) => g.ready));
  const open = sum(r.gens.map((g) => g.open_at_end));
  const failures = failuresOf(r.gens);
  if (r.scenario === 'idle' || r.scenario === 'idle-multi') {
    const perSocket = (r.rss_kib - r.base_rss_kib) / Math.max(open, 1);
    results.idle.push({
      scenario: r.scenario, side: r.side, processes: r.processes, requested: sum(r.gens.map((g) => g.requested)),
      ready, open_at_end: open, server_sockets: r.server_sockets ?? null, open_files: r.open_files ?? null,
      connect_s: Math.max(...r.gens.map((g) => g.connect_seconds)),
      base_rss_kib: r.base_rss_kib, rss_kib: r.rss_kib, peak_rss_kib: r.peak_rss_kib, kib_per_socket: perSocket,
      kib_per_socket_peak: (r.peak_rss_kib - r.base_rss_kib) / Math.max(open, 1), failures,
    });
  } else {
    const sent = r.publish?.ok ?? 0;
    const all = merge(r.gens);
    const nodeB = r.node_b_port ? r.gens.filter((g) => g.target.endsWith(`:${r.node_b_port}`)) : [];
    const nodeA = r.node_b_port ? r.gens.filter((g) => !g.target.endsWith(`:${r.node_b_port}`)) : r.gens;
    const first = Math.min(...r.gens.map((g) => g.first_delivery_us).filter(Boolean));
    const last = Math.max(...r.gens.map((g) => g.last_delivery_us));
    const expected = sent * ready;
    results[r.scenario].push({
      scenario: r.scenario, side: r.side, listeners: r.listeners, ready, open_at_end: open, rate: r.rate,
      seconds: r.seconds, published: sent, publish_errors: r.publish?.errors ?? {},
      deliveries: all.count, expected, delivered_fraction: expected ? all.count / expected : 0,
      // messages per second each listener actually received (10 when the server keeps up)
      per_listener_msg_s: ready && last > first ? all.count / ready / ((last - first) / 1e6) : 0,
      latency: all, node_a: merge(nodeA), node_b: nodeB.length ? merge(nodeB) : null,
      server_cpu_s: r.server_cpu_s, postgres_cpu_s: r.postgres_cpu_s,
      cpu_us_per_delivery: all.count ? (r.server_cpu_s * 1e6) / all.count : null,
      cpu_us_per_delivery_with_pg: all.count && r.postgres_cpu_s != null ? ((r.server_cpu_s + r.postgres_cpu_s) * 1e6) / all.count : null,
      rss_kib: r.rss_kib, listener_cpu_s: r.listener_cpu_s, source: r.source, channel: r.channel, failures,
    });
  }
}

const targets = [];
const target = (what, goal, value, ok, floor = '') => targets.push({ what, goal, value, ok, floor });
const find = (list, pred) => list.find(pred);
const idleMc = find(results.idle, (r) => r.scenario === 'idle' && r.side === 'mc');
const idleSio = find(results.idle, (r) => r.scenario === 'idle' && r.side === 'sio');
const multi = find(results.idle, (r) => r.scenario === 'idle-multi');
if (idleMc) target('idle, one process: RSS per socket', '≤ 8 KiB', kib(idleMc.kib_per_socket), idleMc.kib_per_socket <= 8 && idleMc.open_at_end === idleMc.requested);
if (multi) {
  target('idle, several processes: sockets on the box', '≥ 100,000', int(multi.open_at_end), multi.open_at_end >= 100000);
  target('idle, several processes: RSS per socket', '≤ 8 KiB', kib(multi.kib_per_socket), multi.kib_per_socket <= 8);
}
const fanMc = find(results.fanout, (r) => r.side === 'mc');
const fanSio = find(results.fanout, (r) => r.side === 'sio');
// ws_floor: one send() per listener and nothing else, in the same run: what no server that writes
// one TCP segment per listener per message can beat on this machine.
const fanFloor = find(results.fanout, (r) => r.side === 'floor');
if (fanMc) {
  target('fan-out: p99 delivery', '≤ 50 ms', ms(fanMc.latency.p99_us), fanMc.latency.p99_us <= 50000 && fanMc.delivered_fraction >= 0.999,
    fanFloor ? `${ms(fanFloor.latency.p99_us)}` : '');
}
if (fanMc && fanSio) {
  const ratio = fanSio.cpu_us_per_delivery / fanMc.cpu_us_per_delivery;
  target('fan-out: server CPU per delivery vs Socket.IO', '≤ 1/10 (ratio ≥ 10)', `${fanMc.cpu_us_per_delivery.toFixed(2)} µs vs ${fanSio.cpu_us_per_delivery.toFixed(2)} µs (÷${ratio.toFixed(1)})`, ratio >= 10,
    fanFloor ? `${fanFloor.cpu_us_per_delivery.toFixed(2)} µs (÷${(fanSio.cpu_us_per_delivery / fanFloor.cpu_us_per_delivery).toFixed(1)})` : '');
}
const redisMc = find(results.redis, (r) => r.side === 'mc');
if (redisMc && fanMc && redisMc.node_b) {
  target('two nodes + Redis: cross-node p99 vs single node', '≤ 2 ×', `${ms(redisMc.node_b.p99_us)} vs ${ms(fanMc.latency.p99_us)} (×${(redisMc.node_b.p99_us / fanMc.latency.p99_us).toFixed(2)})`,
    redisMc.node_b.p99_us <= 2 * fanMc.latency.p99_us && redisMc.delivered_fraction >= 0.999);
}

const md = [];
md.push(`# bench/ws — ${new Date().toISOString()}`, '');
md.push(`Commit ${commit}; ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} at the end.${label ? ` ${label}` : ''}`, '');
md.push('## Targets (issue 10)', '', '| What | Target | Measured | | Floor of this machine |', '|---|---|---|---|---|');
for (const t of targets) md.push(`| ${t.what} | ${t.goal} | ${t.value} | ${t.ok ? 'met' : '**missed**'} | ${t.floor || '-'} |`);
if (fanFloor) {
  md.push('', 'Floor: `ws_floor` in the same run, with the same listeners, publisher and CPU accounting, writing each message to each listener with one `send()` and doing nothing else (no WebSocket handshake, authentication, channels, offsets or queues; frames as large as ours). No server that writes one TCP segment per listener per message does better on this machine; a target beyond the floor is out of reach here for any implementation.');
}
if (results.idle.length) {
  md.push('', '## Idle authenticated sockets', '', 'Each socket: WebSocket upgrade, sign-in with its own user\'s access token, a subscription to `user:<self>`. RSS per socket = (server RSS at the end of the hold − RSS before the sockets) ÷ sockets open at the end; "at peak" uses the highest sample of the hold instead (it includes what the connect storm freed but the allocator had not yet given back).', '');
  md.push('| Scenario | Server | Processes | Sockets up / asked | Open at end | Connect time | RSS before | RSS held (peak) | Per socket | at peak | Failures |', '|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results.idle) {
    const f = Object.entries(r.failures).map(([k, v]) => `${k} ×${v}`).join('; ') || '0';
    md.push(`| ${r.scenario} | ${r.side === 'mc' ? 'musicconnect' : 'Socket.IO'} | ${r.processes} | ${int(r.ready)} / ${int(r.requested)} | ${int(r.open_at_end)} | ${r.connect_s.toFixed(1)} s | ${int(r.base_rss_kib / 1024)} MiB | ${int(r.rss_kib / 1024)} (${int(r.peak_rss_kib / 1024)}) MiB | ${kib(r.kib_per_socket)} | ${kib(r.kib_per_socket_peak)} | ${f} |`);
  }
}
for (const key of ['fanout', 'redis']) {
  if (!results[key].length) continue;
  md.push('', key === 'fanout' ? '## One channel, many listeners' : '## Two nodes and Redis', '');
  md.push('| Server | Source | Listeners | Published | Delivered (of expected) | msg/s per listener | p50 | p90 | p99 | p99.9 | max | Server CPU | µs CPU per delivery | with PostgreSQL | Listeners\' CPU | Failures |', '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results[key]) {
    const f = Object.entries({ ...r.failures, ...r.publish_errors }).map(([k, v]) => `${k} ×${v}`).join('; ') || '0';
    const source = { party: 'party chat (API)', outbox: 'outbox rows', publish: 'POST /publish' }[r.source] ?? r.source;
    md.push(`| ${sideName[r.side] ?? r.side} | ${source} | ${int(r.ready)} | ${r.published} at ${r.rate}/s | ${int(r.deliveries)} (${(100 * r.delivered_fraction).toFixed(2)} %) | ${r.per_listener_msg_s.toFixed(2)} | ${ms(r.latency.p50_us)} | ${ms(r.latency.p90_us)} | ${ms(r.latency.p99_us)} | ${ms(r.latency.p999_us)} | ${ms(r.latency.max_us)} | ${r.server_cpu_s.toFixed(2)} s | ${r.cpu_us_per_delivery?.toFixed(2) ?? '-'} | ${r.cpu_us_per_delivery_with_pg?.toFixed(2) ?? '-'} | ${r.listener_cpu_s?.toFixed(2) ?? '-'} s | ${f} |`);
    if (r.node_b) md.push(`| ↳ node A / node B (p50, p99) | | | | ${int(r.node_a.count)} / ${int(r.node_b.count)} | | ${ms(r.node_a.p50_us)} / ${ms(r.node_b.p50_us)} | | ${ms(r.node_a.p99_us)} / ${ms(r.node_b.p99_us)} | | | | | | | |`);
  }
}
md.push('', 'How it is measured: bench/README.md (`bench/ws`). Raw numbers: the `.json` beside this file.', '');
const text = md.join('\n');
writeFileSync(`${prefix}.md`, text);
writeFileSync(`${prefix}.json`, JSON.stringify({ commit, label, machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, mem_gib: os.totalmem() / 2 ** 30 }, targets, results, raw: rows.map((r) => ({ ...r, gens: r.gens.map(({ latency, ...g }) => ({ ...g, latency: { ...latency, buckets: undefined } })) })) }, null, 2));
const failed = targets.some((t) => !t.ok);
process.exit(failed ? 1 : 0);
