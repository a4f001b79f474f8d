// `musicconnect ops failover` with the aws provider (docs/operations.md): Aurora Global Database
// switchover or failover, the Route 53 writer record and every region's ConfigMap, against local
// doubles of the aws CLI and kubectl that check the exact arguments; the event is recorded in
// monitoring.failover_events of a real PostgreSQL, and a re-run changes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, BINARY, REPO_ROOT } from './helpers/server.mjs';

const DOUBLES = path.join(REPO_ROOT, 'tests', 'api', 'helpers', 'doubles');
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'ap-southeast-1'];
const arn = (r) => `arn:aws:rds:${r}:123456789012:cluster:musicconnect-${r}`;
const endpoint = (r) => `musicconnect-${r}.cluster-abc.${r}.rds.amazonaws.com`;
const UNREACHABLE = 'postgresql://nobody@127.0.0.1:1/none';

let srv;
let dir;

before(async () => {
  srv = await startServer({ name: 'ops-aws' });
  // as the guide runs it: psql -f (the file uses psql's \gexec)
  const setupSql = spawnSync('psql', [srv.dbUrl, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f',
    path.join(REPO_ROOT, 'infrastructure', 'database', 'aurora-global-setup.sql')], { encoding: 'utf8' });
  assert.equal(setupSql.status, 0, setupSql.stderr);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-ops-aws-'));
});

after(async () => {
  await srv?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function setup({ writer = 'us-east-1', databases = {} } = {}) {
  const state = {
    GlobalClusterIdentifier: 'musicconnect-global',
    Status: 'available',
    GlobalClusterMembers: REGIONS.map((r) => ({ DBClusterArn: arn(r), IsWriter: r === writer })),
    configmaps: Object.fromEntries(REGIONS.map((r) => [`musicconnect-${r}/musicconnect/musicconnect-config`, { PRIMARY_REGION: writer }])),
  };
  fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify(state));
  fs.writeFileSync(path.join(dir, 'calls.log'), '');
  const topology = {
    provider: 'aws',
    aws: { global_cluster: 'musicconnect-global', hosted_zone_id: 'Z0LAB', writer_record: 'writer.db.musicconnect.internal' },
    regions: REGIONS.map((r) => ({
      name: r, db_cluster_arn: arn(r), writer_endpoint: endpoint(r), kube_context: `musicconnect-${r}`,
      database: databases[r] ?? srv.dbUrl,
    })),
  };
  fs.writeFileSync(path.join(dir, 'topology.json'), JSON.stringify(topology));
}

function failover(...args) {
  const r = spawnSync(BINARY, ['ops', 'failover', ...args], {
    encoding: 'utf8',
    env: {
      PATH: `${DOUBLES}:${process.env.PATH}`,
      OPS_TOPOLOGY: path.join(dir, 'topology.json'),
      OPS_POLL_MS: '10',
      AWS_DOUBLE_STATE: path.join(dir, 'state.json'),
      AWS_DOUBLE_LOG: path.join(dir, 'calls.log'),
    },
  });
  const calls = fs.readFileSync(path.join(dir, 'calls.log'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8'));
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls, state };
}

const describeCall = ['aws', 'rds', 'describe-global-clusters', '--global-cluster-identifier', 'musicconnect-global', '--output', 'json'];
const route53Call = (r, reason) => ['aws', 'route53', 'change-resource-record-sets', '--hosted-zone-id', 'Z0LAB', '--change-batch',
  JSON.stringify({
    Comment: `musicconnect ops failover: ${reason}`,
    Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: 'writer.db.musicconnect.internal', Type: 'CNAME', TTL: 30, ResourceRecords: [{ Value: endpoint(r) }] } }],
  }), '--output', 'json'];
const kubectlCalls = (r) => REGIONS.map((k) => ['kubectl', '--context', `musicconnect-${k}`, '-n', 'musicconnect', 'patch', 'configmap',
  'musicconnect-config', '--type', 'merge', '-p', JSON.stringify({ data: { PRIMARY_REGION: r } })]);

async function events(reason) {
  const { rows } = await srv.pool.query(
    'SELECT kind, from_region, to_region, completed_at IS NOT NULL AS completed FROM monitoring.failover_events WHERE reason = $1 ORDER BY id', [reason]);
  return rows;
}

test('a planned switchover moves the writer, the DNS record and every ConfigMap, records the event, and a re-run does nothing', async () => {
  setup({ writer: 'us-east-1' });
  const reason = 'Manual failover initiated (planned)';
  const first = failover('--reason', reason, '--to', 'eu-west-1');
  assert.equal(first.status, 0, first.stderr);
  assert.deepEqual(first.calls, [
    describeCall,
    ['aws', 'rds', 'switchover-global-cluster', '--global-cluster-identifier', 'musicconnect-global',
      '--target-db-cluster-identifier', arn('eu-west-1'), '--output', 'json'],
    describeCall,
    route53Call('eu-west-1', reason),
    ...kubectlCalls('eu-west-1'),
  ]);
  assert.equal(first.state.GlobalClusterMembers.find((m) => m.IsWriter).DBClusterArn, arn('eu-west-1'));
  assert.equal(first.state.records['Z0LAB writer.db.musicconnect.internal'].ResourceRecords[0].Value, endpoint('eu-west-1'));
  for (const cm of Object.values(first.state.configmaps)) assert.equal(cm.PRIMARY_REGION, 'eu-west-1');
  assert.deepEqual(await events(reason), [{ kind: 'switchover', from_region: 'us-east-1', to_region: 'eu-west-1', completed: true }]);
  assert.match(first.stdout, /primary is now eu-west-1/);

  const again = failover('--reason', reason, '--to', 'eu-west-1');
  assert.equal(again.status, 0, again.stderr);
  assert.deepEqual(again.calls.slice(first.calls.length), [describeCall], 'only looked, changed nothing');
  assert.match(again.stdout, /already done for this reason/);
  assert.equal((await events(reason)).length, 1);
});

test('without --to, the least-lagged reader is chosen from the writer\'s own measurement', async () => {
  setup({ writer: 'us-east-1' });
  // aurora_global_db_status() does not exist on plain PostgreSQL; a stand-in gives the lags the
  // real function reports, so the choice is made from the writer's numbers
  await srv.pool.query(`CREATE OR REPLACE FUNCTION pg_catalog.aurora_global_db_status()
    RETURNS TABLE (aws_region text, rpo_lag_in_msec bigint, durability_lag_in_msec bigint) LANGUAGE sql AS $$
      VALUES ('us-west-2', 900::bigint, 900::bigint), ('eu-west-1', 40::bigint, 40::bigint), ('ap-southeast-1', 300::bigint, 300::bigint)
    $$`);
  try {
    const reason = 'least lag';
    const r = failover('--reason', reason);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.calls[1].slice(0, 3), ['aws', 'rds', 'switchover-global-cluster']);
    assert.equal(r.calls[1][6], arn('eu-west-1'));
    const { rows } = await srv.pool.query('SELECT to_region, lag_seconds FROM monitoring.failover_events WHERE reason = $1', [reason]);
    assert.deepEqual(rows, [{ to_region: 'eu-west-1', lag_seconds: 0.04 }]);
  } finally {
    await srv.pool.query('DROP FUNCTION pg_catalog.aurora_global_db_status()');
  }
});

test('a writer region that does not answer gets an unplanned failover that allows data loss', async () => {
  setup({ writer: 'us-west-2', databases: { 'us-west-2': UNREACHABLE } });
  const reason = 'us-west-2 is down';
  const r = failover('--reason', reason, '--to', 'ap-southeast-1');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.calls.slice(0, 3), [
    describeCall,
    ['aws', 'rds', 'failover-global-cluster', '--global-cluster-identifier', 'musicconnect-global',
      '--target-db-cluster-identifier', arn('ap-southeast-1'), '--allow-data-loss', '--output', 'json'],
    describeCall,
  ]);
  assert.deepEqual(await events(reason), [{ kind: 'failover', from_region: 'us-west-2', to_region: 'ap-southeast-1', completed: true }]);
});

test('naming the current writer changes no database, re-applies DNS and ConfigMaps, records nothing', async () => {
  setup({ writer: 'us-east-1' });
  const reason = 'already there';
  const r = failover('--reason', reason, '--to', 'us-east-1');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.calls, [describeCall, route53Call('us-east-1', reason), ...kubectlCalls('us-east-1')]);
  assert.deepEqual(await events(reason), []);
});

test('bad input is refused before anything runs', async () => {
  setup();
  const unknown = failover('--to', 'mars-north-1', '--reason', 'x');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /mars-north-1: no such region/);
  assert.deepEqual(unknown.calls, []);
  const badOption = failover('--bogus');
  assert.equal(badOption.status, 2);
  assert.deepEqual(badOption.calls, []);
});
