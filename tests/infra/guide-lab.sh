#!/usr/bin/env bash
# The operator guide's commands that can run here, run against a running lab (scripts/lab up;
# LAB_DIR names it): the lab's edge stands in for CloudFront, its Patroni primary for the Aurora
# writer ($PRIMARY_ENDPOINT), `ops failover` behind the guide's failover script for Aurora's.
#   2.      psql -h $PRIMARY_ENDPOINT -U musicconnect -d musicconnect
#   2.      psql -f infrastructure/database/aurora-global-setup.sql          (again: idempotent)
#   2./HC.  SELECT * FROM monitoring.get_replication_lag();                  (primary and a replica)
#   Appx.   SELECT datname, usename, application_name, client_addr, state FROM pg_stat_activity ...
#   HC.     curl -I https://musicconnect.com/health                          (the lab's edge)
#   FO.     ./infrastructure/database/failover-automation.sh "<reason>"       (twice: moves, then no-op)
# Prints one "ok - ..." or "not ok - ..." line per check and exits 1 on any failure.
# Run by scripts/check-infra.sh (its lab stage) and, inside the CI lab, by tests/lab/run.sh.
# The failover moves the lab's primary: run it on a lab of its own or the test suite's.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
export LAB_DIR="${LAB_DIR:-/tmp/musicconnect-lab}"
export MUSICCONNECT_BIN="${MUSICCONNECT_BIN:-${MC_BINARY:-$PWD/build/musicconnect}}"

failed=0
expect() { # description, expected, actual
  if [ "$2" = "$3" ]; then echo "ok - $1"; else echo "not ok - $1: expected [$2], got [$(tr '\n' ' ' <<<"$3" | cut -c1-300)]"; failed=1; fi
}

lab_env="$(scripts/lab env 2>&1)" || { echo "not ok - a lab is running at $LAB_DIR: $lab_env"; exit 1; }
eval "$lab_env"
# shellcheck disable=SC1091
. "$LAB_DIR/lab.env"  # LAB_APP_PASSWORD: the application's role, the guide's -U musicconnect
regions="$(jq '.regions | length' "$LAB_DIR/topology.json")"
replica_url="$(jq -r --arg p "$PRIMARY_REGION_NOW" '.regions[] | select(.name != $p) | .database' "$LAB_DIR/topology.json" | head -1)"
# The lab's superuser stands in for Aurora's master user where the guide's commands need one.
q() { psql "$1" -X -A -t -v ON_ERROR_STOP=1 -c "$2" 2>&1; }

# guide step 2: the connection exactly as written, the writer's host and port from the lab
PRIMARY_ENDPOINT="$(sed -E 's|.*@([^:/]+):([0-9]+)/.*|\1|' <<<"$PRIMARY_URL")"
expect "guide 2: psql -h \$PRIMARY_ENDPOINT -U musicconnect -d musicconnect reaches the writer" "musicconnect|musicconnect|false" \
  "$(PGPORT="$(sed -E 's|.*@[^:/]+:([0-9]+)/.*|\1|' <<<"$PRIMARY_URL")" PGPASSWORD="$LAB_APP_PASSWORD" PGCONNECT_TIMEOUT=3 \
    psql -h "$PRIMARY_ENDPOINT" -U musicconnect -d musicconnect -X -A -t -c "SELECT current_user || '|' || current_database() || '|' || pg_is_in_recovery()" 2>&1)"
expect "guide 2: psql -f infrastructure/database/aurora-global-setup.sql (again on the primary: idempotent)" "" \
  "$(PGOPTIONS='-c client_min_messages=warning' psql "$PRIMARY_URL" -X -q -v ON_ERROR_STOP=1 -f infrastructure/database/aurora-global-setup.sql 2>&1)"
expect "guide 2: SELECT * FROM monitoring.get_replication_lag() on the primary: one row per replica" "$((regions - 1))" \
  "$(q "$PRIMARY_URL" "SELECT count(*) FROM monitoring.get_replication_lag()")"
expect "health checks: get_replication_lag() on a replica reports its own lag" "1" \
  "$(q "$replica_url" "SELECT count(*) FROM monitoring.get_replication_lag() WHERE lag_seconds >= 0")"
expect "appendix: the pg_stat_activity query shows the application's connections" "yes" \
  "$(q "$PRIMARY_URL" "SELECT datname, usename, application_name, client_addr, state FROM pg_stat_activity WHERE datname = 'musicconnect';" | grep -q '^musicconnect|musicconnect|' && echo yes)"

# health checks: curl -I through the edge (CloudFront's stand-in)
expect "health checks: curl -I <edge>/health answers 200" "200" \
  "$(curl -sS -I "$EDGE/health" 2>&1 | sed -nE 's|^HTTP/[0-9.]+ ([0-9]+).*|\1|p' | head -1)"

# failover procedures: the guide's script, twice with one reason
before="$PRIMARY_REGION_NOW"
reason="guide failover $(date +%s)-$$"
out="$(infrastructure/database/failover-automation.sh "$reason" 2>&1)"
status=$?
eval "$(scripts/lab env 2>/dev/null)"
expect "failover: failover-automation.sh \"<reason>\" exits 0 and moves the writer away from $before" "0 moved" \
  "$status $(if [ "$PRIMARY_REGION_NOW" != "$before" ]; then echo moved; else echo "stayed: $(tail -3 <<<"$out")"; fi)"
after="$PRIMARY_REGION_NOW"
out="$(infrastructure/database/failover-automation.sh "$reason" 2>&1)"
status=$?
eval "$(scripts/lab env 2>/dev/null)"
expect "failover: the same reason again changes nothing" "0 $after noop" \
  "$status $PRIMARY_REGION_NOW $(if grep -q "already done for this reason" <<<"$out"; then echo noop; else tail -3 <<<"$out"; fi)"
expect "failover: one monitoring.failover_events row for the reason" "1" \
  "$(q "$PRIMARY_URL" "SELECT count(*) FROM monitoring.failover_events WHERE reason = '$reason'")"
ready=""
for _ in $(seq 30); do ready="$(curl -s -o /dev/null -w '%{http_code}' "$EDGE/ready")"; [ "$ready" = 200 ] && break; sleep 1; done
expect "failover: the edge serves /ready after it" "200" "$ready"
exit "$failed"
