// bench/soak/chaos.mjs — the killer of bench/chaos, run inside the driver while the soak mix runs.
//
// At random moments (MIN_GAP_S..MAX_GAP_S apart) it sends SIGKILL to one of: the server, the worker,
// or PostgreSQL (the postmaster and every child at once, like the OOM killer taking the container),
// cycling through the three in shuffled rounds so each is hit. The supervisor loop of stack.sh restarts
// whatever died; this measures how long until service is back, by probes:
//   server     GET /ready answers 200
//   postgres   a write through the API succeeds (a comment by the probe fan; acknowledged like any other)
//   worker     the restarted worker process claims a job (jobs.locked_by names its pid; a FLAC is
//              uploaded right after the kill so there is one); the probe's processing time is noted
// One kill at a time: the next gap starts after the previous recovery. No kill in the last
// QUIET_TAIL_S seconds, so the run ends with every process up.
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { sleep } from './lib/http.mjs';

// One query through psql (PSQL_URL): the job table is where a worker's liveness shows.
const sql = (q) => new Promise((resolve) => {
  execFile('psql', ['-X', '-A', '-t', '-c', q, process.env.PSQL_URL], { timeout: 5000 }, (e, out) => resolve(e ? null : out.trim()));
});

const num = (k, d) => Number(process.env[k] ?? d);
const MIN_GAP_S = num('MIN_GAP_S', 20);
const MAX_GAP_S = num('MAX_GAP_S', 40);
const QUIET_TAIL_S = num('QUIET_TAIL_S', 20);
const RECOVERY_TIMEOUT_S = num('RECOVERY_TIMEOUT_S', 120);

function readPid(file) {
  try { return Number(fs.readFileSync(file, 'utf8').trim()) || null; } catch { return null; }
}
function childrenOf(ppid) {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
    try { const s = fs.readFileSync(`/proc/${d}/stat`, 'utf8'); return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]) === ppid; } catch { return false; }
  }).map(Number);
}
const shuffle = (a) => { for (let i = a.length - 1; i > 0; i--) { const j = Math.floor(Math.random() * (i + 1)); [a[i], a[j]] = [a[j], a[i]]; } return a; };

export class Chaos {
  constructor(o) { Object.assign(this, o); this.kills = []; this.stopped = false; this.pending = []; }

  start() { this.loop = this.run().catch((e) => { this.log(`chaos: ${e.stack ?? e}`); this.failure = String(e); }); }

  async run() {
    const end = this.t0 + (this.durationS - QUIET_TAIL_S) * 1000;
    let round = [];
    for (;;) {
      const gap = (MIN_GAP_S + Math.random() * (MAX_GAP_S - MIN_GAP_S)) * 1000;
      if (Date.now() + gap > end || this.stopped) return;
      await sleep(gap);
      if (!round.length) round = shuffle(['server', 'worker', 'postgres']);
      await this.killAndRecover(round.shift());
    }
  }

  async killAndRecover(target) {
    const run = path.join(this.work, 'run');
    const main = readPid(path.join(run, `${target}.pid`));
    if (!main) { this.log(`chaos: no pid for ${target}`); return; }
    const pids = target === 'postgres' ? [main, ...childrenOf(main)] : [main];
    const at = Date.now();
    for (const p of pids) { try { process.kill(p, 'SIGKILL'); } catch { /* already gone */ } }
    const kill = { target, pids: target === 'postgres' ? [main] : pids, processes: pids.length, at, at_s: (at - this.t0) / 1000, recovered_at: null, recovery_s: null };
    if (target === 'postgres') kill.note = `postmaster + ${pids.length - 1} children`;
    this.kills.push(kill);
    this.log(`chaos: SIGKILL ${target} (${pids.join(' ')}) at t=${kill.at_s.toFixed(1)}s`);
    const deadline = at + RECOVERY_TIMEOUT_S * 1000;
    const ok = await this[`probe_${target}`](deadline, kill);
    if (ok) {
      kill.recovered_at = Date.now();
      kill.recovery_s = (kill.recovered_at - at) / 1000;
      this.log(`chaos: ${target} recovered in ${kill.recovery_s.toFixed(2)} s`);
    } else {
      this.log(`chaos: ${target} NOT recovered within ${RECOVERY_TIMEOUT_S} s`);
    }
  }

  async probe_server(deadline) {
    while (Date.now() < deadline) {
      const r = await this.http.request('GET', '/ready', { timeout: 1000 });
      if (r.status === 200) return true;
      await sleep(50);
    }
    return false;
  }

  async probe_postgres(deadline) {
    const fan = this.state.probe;
    const track = this.state.tracks[0];
    while (Date.now() < deadline) {
      const r = await this.http.request('POST', `/api/content/${track.id}/comments`, { token: fan.token, json: { body: 'chaos probe' }, timeout: 2000 });
      if (r.ok) { this.ack('comment', r.json().id); return true; }
      await sleep(50);
    }
    return false;
  }

  async probe_worker(deadline, kill) {
    const artist = this.state.artists[0];
    const killed = kill.pids[0];
    let trackId = null;
    while (!trackId && Date.now() < deadline) {
      const r = await this.uploadTrack(artist, this.FLAC, 'chaos probe');
      if (r.ok) { trackId = r.json().track.id; this.ack('upload', trackId); } else await sleep(200);
    }
    if (!trackId) return false;
    const run = path.join(this.work, 'run');
    while (Date.now() < deadline) {
      const pid = readPid(path.join(run, 'worker.pid'));
      if (pid && pid !== killed && Number.isInteger(pid)) {
        const n = await sql(`SELECT count(*) FROM jobs WHERE locked_by LIKE '%:${pid}:%'`);
        if (n && Number(n) > 0) {
          // Processing resumed; note when the probe itself is done, without holding up the next kill.
          kill.note = `first job claimed by pid ${pid}`;
          const wait = this.t0 + this.durationS * 1000 + 60000 - Date.now();
          this.pending.push(this.waitReady(artist, trackId, wait).then((ok) => {
            kill.note += ok ? `; probe upload processed ${((Date.now() - kill.at) / 1000).toFixed(1)} s after the kill` : '; probe upload not processed by the end of the run';
          }).catch(() => {}));
          return true;
        }
      }
      await sleep(200);
    }
    return false;
  }

  // Stops scheduling kills, waits for a recovery in progress, and summarises.
  async finish(errorTimes) {
    this.stopped = true;
    await this.loop;
    await Promise.all(this.pending);
    for (const k of this.kills) {
      const until = k.recovered_at ?? Infinity;
      k.errors_during_outage = errorTimes.filter((t) => t >= k.at && t <= until + 1000).length;
    }
    return { min_gap_s: MIN_GAP_S, max_gap_s: MAX_GAP_S, kills: this.kills, failure: this.failure ?? null };
  }
}
