#!/usr/bin/env bash
# The reduced multi-region lab of the test suite (docs/lab.md): two regions, etcd of one, one node
# per region, one drill of each kind, the guide's commands that run here (scripts/check-infra.sh
# --lab-only: database setup and queries, curl -I through the edge, the failover script twice),
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

echo "== ops status"
scripts/lab status
scripts/lab status --format prometheus >/tmp/lab-status.prom
grep -q '^musicconnect_region_primary{region="'"$PRIMARY_REGION_NOW"'"} 1$' /tmp/lab-status.prom \
  || fail "the status metrics do not name $PRIMARY_REGION_NOW as primary"

# The guide's commands that run here (one place, tests/infra/guide-lab.sh, also scripts/check-infra.sh's
# lab stage): psql -h $PRIMARY_ENDPOINT, the database setup again, the replication lag on the primary
# and a replica, the pg_stat_activity query, curl -I through the edge, failover-automation.sh twice.
echo "== scripts/check-infra.sh --lab-only: the guide's commands in this lab (the failover moves the primary)"
scripts/check-infra.sh --lab-only || fail "a guide command failed in the lab (above)"
eval "$(scripts/lab env)"
[ "$PRIMARY_REGION_NOW" != "us-east-1" ] || fail "the primary did not move"
launch/validate.sh --wait-s 60 || fail "launch/validate.sh found a failing check after the failover (the former primary rejoins as a replica)"

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
