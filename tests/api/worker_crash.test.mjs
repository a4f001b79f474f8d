// A worker killed with SIGKILL in the middle of a transcode, then started again: the job is
// taken over once its lease expires and completes exactly once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { BINARY, startServer } from './helpers/server.mjs';
import { expectStatus } from './helpers/http.mjs';
import { registerUser } from './helpers/fixtures.mjs';
import { LADDER, LOSSLESS, decodedDuration, downloadRung, makeAudio, parseMaster, fetchBytes, scratchDir, uploadMultipart, waitForTrack } from './helpers/media.mjs';

const LEASE_S = 3;
let srv;
let dir;
const workers = [];

before(async () => {
  // The server runs no jobs: only the separate worker processes do.
  srv = await startServer({ name: 'worker-crash', env: { JOBS: 'false', JOBS_LEASE_S: String(LEASE_S) } });
  dir = await scratchDir('worker-crash');
});
after(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  await srv?.stop();
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

function startWorker(n) {
  const log = fs.openSync(path.join(srv.runDir, `worker-${n}.log`), 'a');
  const env = { ...process.env, VAR_DIR: srv.varDir, JOBS_LEASE_S: String(LEASE_S), APP_ENV: 'development' };
  for (const k of ['DATABASE_URL', 'DATABASE_READ_URL', 'PORT']) delete env[k];
  const child = spawn(BINARY, ['worker'], { env, stdio: ['ignore', log, log] });
  workers.push(child);
  return child;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function job(trackId) {
  const { rows } = await srv.pool.query(
    "SELECT status, attempts, locked_by FROM jobs WHERE kind = 'media.process' AND payload->>'trackId' = $1", [trackId]);
  return rows[0];
}

test('kill -9 mid-transcode, restart: the job completes exactly once', async () => {
  const artist = await registerUser(srv.api, { role: 'artist', artistName: 'Crashy' });
  const release = expectStatus(await srv.api.json('POST', '/api/releases', { token: artist.token, body: { title: 'Crash', kind: 'single' } }), 201);
  // Long enough that the kill lands while ffmpeg is working.
  const seconds = 150;
  const file = await makeAudio(dir, 'flac', seconds, { frequency: 220 });
  const { track } = expectStatus(await uploadMultipart(srv, artist.token, file, { releaseId: release.id, title: 'Survivor' }), 202);

  const first = startWorker(1);
  // Wait until the first worker holds the job and has reported progress from the transcode.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const j = await job(track.id);
    const t = (await srv.api.get(`/api/content/${track.id}`, { token: artist.token })).body;
    if (j?.status === 'running' && t.progress >= 5) break;
    assert.ok(Date.now() < deadline, `the first worker never got going: ${JSON.stringify({ j, t })}`);
    await sleep(100);
  }
  const before = (await srv.api.get(`/api/content/${track.id}`, { token: artist.token })).body;
  assert.equal(before.status, 'processing');
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  const crashed = await job(track.id);
  assert.equal(crashed.status, 'running', 'the dead worker still holds the job until its lease runs out');
  assert.equal(crashed.attempts, 1);

  startWorker(2);
  const done = await waitForTrack(srv.api, artist.token, track.id, { timeoutMs: 240_000 });
  assert.equal(done.status, 'ready', JSON.stringify(done));
  assert.deepEqual(done.rungs, LADDER);

  const finished = await job(track.id);
  assert.equal(finished.status, 'succeeded');
  assert.equal(finished.attempts, 2, 'one interrupted attempt, one that finished');
  const { rows: events } = await srv.pool.query(
    "SELECT payload FROM outbox WHERE topic = 'track.processing' AND key = $1 AND payload->>'status' = 'ready'", [track.id]);
  assert.equal(events.length, 1, 'the track became ready exactly once');
  const { rows: jobs } = await srv.pool.query("SELECT count(*)::int AS n FROM jobs WHERE payload->>'trackId' = $1", [track.id]);
  assert.equal(jobs[0].n, 1);
  // No transcoder from the killed worker is left running.
  await sleep(500);
  const orphans = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try { return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(path.join(srv.varDir, 'tmp', 'jobs')); } catch { return false; }
  });
  assert.deepEqual(orphans, [], 'tools of the killed worker were left running');

  // What the second worker produced plays in full.
  const grant = expectStatus(await srv.api.json('POST', `/api/content/${track.id}/playback`, { token: artist.token }), 200);
  const master = await fetchBytes(srv, grant.masterUrl);
  const top = parseMaster(master.buf.toString()).find((v) => v.kbps === LOSSLESS);
  const rung = await downloadRung(srv, grant.masterUrl, top.uri, dir);
  assert.ok(Math.abs((await decodedDuration(rung.file)) - seconds) < 0.1);
});
