// Memory of the processes under test, sampled from /proc every few seconds: the server, the worker
// and every PostgreSQL process (the postmaster of $run/postgres.pid and its children). The pids are
// re-read at each sample, so processes restarted by the supervisor (chaos) are followed.
// RSS counts shared pages (PostgreSQL's shared_buffers) once per process; PSS divides them among the
// processes that map them, so the PostgreSQL total is reported as the sum of PSS (and of RSS beside it).
// USS (private pages only) leaves shared_buffers out: they fill up to their configured size as the
// data is read, which is a cache warming, not growth, so PostgreSQL's flatness is judged on USS.
import fs from 'node:fs';
import path from 'node:path';

function readPid(file) {
  try { const pid = Number(fs.readFileSync(file, 'utf8').trim()); return pid > 0 ? pid : null; } catch { return null; }
}

function mem(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    let pss = rss;
    let uss = rss;
    try {
      const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? 0);
      pss = field('Pss') || rss;
      uss = field('Private_Clean') + field('Private_Dirty');
    } catch { /* older kernels */ }
    return { rss_kb: rss, pss_kb: pss, uss_kb: uss };
  } catch { return null; } // gone (killed, restarting)
}

function children(ppid) {
  const out = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      // pid (comm) state ppid … — comm may contain spaces, so parse after the last ')'.
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === ppid) out.push(Number(d));
    } catch { /* exited meanwhile */ }
  }
  return out;
}

export class MemorySampler {
  constructor(runDir, everyS) { this.runDir = runDir; this.everyMs = everyS * 1000; this.samples = []; }
  sample() {
    const s = { t_s: (Date.now() - this.t0) / 1000 };
    for (const name of ['server', 'worker']) {
      const pid = readPid(path.join(this.runDir, `${name}.pid`));
      s[name] = pid ? mem(pid) : null;
    }
    const pm = readPid(path.join(this.runDir, 'postgres.pid'));
    const pids = pm ? [pm, ...children(pm)] : [];
    const ms = pids.map(mem).filter(Boolean);
    const sum = (k) => ms.reduce((a, m) => a + m[k], 0);
    s.postgres = ms.length ? { procs: ms.length, rss_kb: sum('rss_kb'), pss_kb: sum('pss_kb'), uss_kb: sum('uss_kb') } : null;
    this.samples.push(s);
  }
  start(t0) { this.t0 = t0; this.sample(); this.timer = setInterval(() => this.sample(), this.everyMs); }
  stop() { clearInterval(this.timer); this.sample(); }
}
