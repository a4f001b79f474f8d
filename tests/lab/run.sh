#!/usr/bin/env bash
# The reduced multi-region lab of the test suite (docs/lab.md): two regions, etcd of one, one node
# per region, one drill of each kind, the guide's database commands, the failover script twice,
# a point-in-time restore, and `scripts/lab down` leaving no process and no listening port.
set -euo pipefail
cd "$(dirname "$0")/../.."
export LAB_DIR="${LAB_DIR:-/tmp/musicconnect-lab-ci}"
export LAB_PORT_BASE="${LAB_PORT_BASE:-28000}"
export MC_BINARY="${MC_BINARY:-$PWD/build/musicconnect}"
export MUSICCONNECT_BIN="${MUSICCONNECT_BIN:-$MC_BINARY}"  # the binary failover-automation.sh runs
fail() { echo "LAB TEST FAILED: $*" >&2; exit 1; }
cleanup() { scripts/lab down >/dev/null 2>&1 || true; }
trap cleanup EXIT

scripts/lab down >/dev/null 2>&1 || true
scripts/lab up --regions 2 --nodes 1 --etcd 1
eval "$(scripts/lab env)"

echo "== launch/validate.sh: edge /health, every node's /ready, ops status, replication lag, an API round trip"
launch/validate.sh || fail "launch/validate.sh found a failing check on the fresh lab"

echo "== the guide's database setup, again on the primary (idempotent), and the replication lag"
psql "$PRIMARY_URL" -X -q -v ON_ERROR_STOP=1 -f infrastructure/database/aurora-global-setup.sql
rows="$(psql "$PRIMARY_URL" -XAtc "SELECT count(*) FROM monitoring.get_replication_lag()")"
[ "$rows" = "1" ] || fail "get_replication_lag() on the primary returned $rows rows, expected one per replica (1)"
replica_url="$(jq -r --arg p "$PRIMARY_REGION_NOW" '.regions[] | select(.name != $p) | .database' "$LAB_DIR/topology.json" | head -1)"
replica_rows="$(psql "$replica_url" -XAtc "SELECT count(*) FROM monitoring.get_replication_lag() WHERE lag_seconds >= 0")"
[ "$replica_rows" = "1" ] || fail "get_replication_lag() on a replica returned $replica_rows rows, expected its own lag"
activity="$(psql "$PRIMARY_URL" -XAtc "SELECT datname, usename, application_name, client_addr, state FROM pg_stat_activity WHERE datname = 'musicconnect';")"
grep -q '^musicconnect|' <<<"$activity" || fail "the guide's pg_stat_activity query shows no connection of the application"

echo "== ops status"
scripts/lab status
scripts/lab status --format prometheus >/tmp/lab-status.prom
grep -q '^musicconnect_region_primary{region="'"$PRIMARY_REGION_NOW"'"} 1$' /tmp/lab-status.prom \
  || fail "the status metrics do not name $PRIMARY_REGION_NOW as primary"

echo "== failover-automation.sh twice: the first promotes a replica, the second does no harm"
infrastructure/database/failover-automation.sh "CI failover $(date +%s)" >/tmp/failover-1.out
reason="$(sed -n 's/.*failover requested: //p' /tmp/failover-1.out)"
eval "$(scripts/lab env)"
after_first="$PRIMARY_REGION_NOW"
[ "$after_first" != "us-east-1" ] || fail "the primary did not move"
infrastructure/database/failover-automation.sh "$reason" >/tmp/failover-2.out
grep -q "already done for this reason" /tmp/failover-2.out || fail "the re-run acted again: $(cat /tmp/failover-2.out)"
eval "$(scripts/lab env)"
[ "$PRIMARY_REGION_NOW" = "$after_first" ] || fail "the re-run moved the primary again"
curl -fsS "$EDGE/ready" >/dev/null || fail "the application does not serve after the failover"
launch/validate.sh --wait-s 60 || fail "launch/validate.sh found a failing check after the failover (the former primary rejoins as a replica)"
events="$(psql "$PRIMARY_URL" -XAtc "SELECT count(*) FROM monitoring.failover_events WHERE reason = '$reason'")"
[ "$events" = "1" ] || fail "$events failover events recorded for one failover"

echo "== drills: one of each kind (timings reported, correctness asserted)"
scripts/lab drill --repeat 1 --pairs 300 --timing-advisory

echo "== point-in-time restore"
scripts/lab restore-drill

echo "== down: nothing left behind"
scripts/lab down
trap - EXIT
left="$(pgrep -fa -- "$LAB_DIR" || true)"
[ -z "$left" ] || fail "processes left: $left"
ports="$(ss -Hltn | awk '{print $4}' | sed 's/.*://' | awk -v b="$LAB_PORT_BASE" '$1 > b && $1 < b + 400' | tr '\n' ' ')"
[ -z "${ports// /}" ] || fail "ports still listening: $ports"
echo "LAB TEST PASSED"
