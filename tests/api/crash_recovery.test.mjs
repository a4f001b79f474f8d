// kill -9 during a register load test: every acknowledged registration survives, and the restarted
// server ends up with exactly one PostgreSQL on its data dir (the orphan is adopted or replaced).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { isAlive, processesMatching, readPostmasterPid, startServer } from './helpers/server.mjs';
import { expectStatus } from './helpers/http.mjs';
import { newUserInput } from './helpers/fixtures.mjs';

const TOTAL = 300;
const CONCURRENCY = 16;
const KILL_AFTER = 100;

let srv;
after(async () => {
  if (srv?.running) await srv.stop();
  else if (srv) await srv.forceCleanup();
});

test('kill -9 during a register load test loses no acknowledged registration and leaves one postmaster', async (t) => {
  srv = await startServer({ name: 'crash' });
  const { api } = srv;

  const acknowledged = [];
  const outcomes = { created: 0, otherStatus: 0, failed: 0 };
  let issued = 0;
  let answered = 0;
  let killed = null;

  async function worker() {
    while (issued < TOTAL && !killed) {
      issued++;
      const input = newUserInput();
      try {
        const res = await api.post('/api/auth/register', input);
        if (res.status === 201) {
          acknowledged.push(input.username);
          outcomes.created++;
        } else {
          outcomes.otherStatus++;
        }
      } catch {
        outcomes.failed++; // connection cut by the kill
      }
      answered++;
      if (answered >= KILL_AFTER && !killed) killed = srv.kill9();
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  assert.ok(killed, `the server was killed (answered ${answered})`);
  await killed;
  t.diagnostic(`before kill -9: ${JSON.stringify(outcomes)}, issued ${issued}`);
  assert.ok(outcomes.created >= KILL_AFTER / 2,
    `most requests before the kill succeeded: ${JSON.stringify(outcomes)} (log: ${srv.logPath})`);

  // Before the restart the embedded PostgreSQL is expected to be running, orphaned.
  const orphanPid = readPostmasterPid(srv.dataDir);
  assert.ok(orphanPid, 'postmaster.pid is present after kill -9');
  assert.ok(isAlive(orphanPid), `the orphaned postmaster ${orphanPid} is still running`);

  await srv.restart();

  const pmPid = readPostmasterPid(srv.dataDir);
  assert.ok(pmPid && isAlive(pmPid), `postmaster.pid names a live process after restart (${pmPid})`);
  const postmasters = srv.postmasters();
  assert.equal(postmasters.length, 1,
    `exactly one postmaster for ${srv.dataDir}: ${JSON.stringify(postmasters)}`);
  assert.equal(postmasters[0].pid, pmPid, 'the running postmaster is the one in postmaster.pid');
  // as `pgrep -f <data dir>` sees it: one postgres process names the data dir on its command line
  const named = processesMatching(srv.dataDir, { comm: 'postgres' });
  assert.ok(named.length <= 1, `at most one postgres mentions ${srv.dataDir}: ${JSON.stringify(named)}`);

  const { rows } = await srv.pool.query('SELECT username FROM users WHERE username = ANY($1)', [acknowledged]);
  const present = new Set(rows.map((r) => r.username));
  const lost = acknowledged.filter((u) => !present.has(u));
  assert.deepEqual(lost, [], `${lost.length} of ${acknowledged.length} acknowledged registrations were lost`);

  // the restarted server is fully usable
  expectStatus(await api.post('/api/auth/register', newUserInput()), 201);

  await srv.stop(); // asserts exit code 0 and that no PostgreSQL for the data dir is left
  assert.deepEqual(srv.postgresProcesses(), []);
});
