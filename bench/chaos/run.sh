#!/usr/bin/env bash
# bench/chaos/run.sh — kill -9 the server, the worker and PostgreSQL at random moments during the soak
# mix; show that nothing acknowledged is lost and that service resumes on its own.
#
#   bench/chaos/run.sh                    # 30 minutes of load, a kill every 20–40 s
#   bench/chaos/run.sh --duration 4m      # a short validation run (also: DURATION=240)
#
# The deployment is bench/soak/stack.sh's: an external PostgreSQL 15 (not the server's embedded one,
# so it can be killed and restarted on its own), `musicconnect serve` (JOBS=false) and
# `musicconnect worker`, each under a supervisor loop that restarts it 0.2 s after it exits. The
# driver (bench/soak/driver.mjs with CHAOS=1) runs the soak mix open loop at RATE ops/s and, inside the
# same process, the killer of bench/soak/chaos.mjs (SIGKILL one target at a time, MIN_GAP_S–MAX_GAP_S
# apart, shuffled rounds of server/worker/postgres; recovery time measured by probes). Every
# acknowledged write (registrations, comments, paid tips, paid subscriptions, uploads) is logged with
# its id and looked up in PostgreSQL after the run; acknowledged uploads must also be processed.
# Saves bench/results/chaos-<UTC>.md, .json and .png and chaos-latest.md.
#
# Env: DURATION (s, default 1800), RATE (ops/s, default 60), WINDOW_S (30), MIN_GAP_S (20), MAX_GAP_S (40),
# UPLOAD_INTERVAL_S (20), JOBS_LEASE_S (10: how soon a job of a killed worker is taken over),
# RECOVERY_TIMEOUT_S (120), VERIFY_WAIT_S (180), LABEL.
# Exit: 0 nothing lost and every kill recovered, 1 results saved but a target missed, 2 setup failure.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SOAK="$ROOT/bench/soak"
RESULTS_DIR="$ROOT/bench/results"
BIN=${MUSICCONNECT_BIN:-$ROOT/build/musicconnect}
HOST=127.0.0.1
PORT=${PORT:-28197}
PG_PORT=${PG_PORT:-28198}

duration_arg() {
  local v=$1
  case $v in *h) echo $(( ${v%h} * 3600 ));; *m) echo $(( ${v%m} * 60 ));; *s) echo "${v%s}";; *) echo "$v";; esac
}
DURATION=${DURATION:-1800}
while (($#)); do
  case $1 in
    --duration) DURATION=$(duration_arg "$2"); shift 2;;
    --rate) RATE=$2; shift 2;;
    --label) LABEL=$2; shift 2;;
    *) echo "usage: $0 [--duration 30m|240s] [--rate OPS_PER_S] [--label TEXT]" >&2; exit 2;;
  esac
done

# shellcheck source=../soak/stack.sh
source "$SOAK/stack.sh"
stack_preflight chaos
# Tokens outlive a 30-minute run, so the probes never depend on a refresh; a killed worker's job is
# taken over after 10 s instead of a minute, so the run's uploads are all processed by its end.
export ACCESS_TOKEN_TTL_S=${ACCESS_TOKEN_TTL_S:-3600} JOBS_LEASE_S=${JOBS_LEASE_S:-10}

trap 'stack_stop' EXIT
stack_log "chaos $STAMP: ${DURATION}s at ${RATE:-60} ops/s; work dir $WORK"
make_media
stack_prepare || die "PostgreSQL setup failed"
stack_start || die "the stack did not start"

CHAOS=1 BASE="http://$HOST:$PORT" DURATION_S=$DURATION RATE=${RATE:-60} WINDOW_S=${WINDOW_S:-30} \
  timeout $(( DURATION + 1200 )) node "$SOAK/driver.mjs" "$WORK" 2> >(tee "$WORK/logs/driver.log" >&2) \
  || die "the driver failed (see $WORK/logs/driver.log)"

stack_log "checking every acknowledged write in the database"
verify_acked
stack_stop
trap - EXIT

git -C "$ROOT" rev-parse --short HEAD >"$WORK/commit" 2>/dev/null || echo unknown >"$WORK/commit"
cp "$WORK/events.log" "$WORK/supervisor-events.log"
rc=0
node "$SOAK/report.mjs" chaos "$WORK" "$RESULTS_DIR/chaos-$STAMP" 0 "${LABEL:-}" || rc=$?
[[ -f $RESULTS_DIR/chaos-$STAMP.md ]] || die "no report written"
cp "$RESULTS_DIR/chaos-$STAMP.md" "$RESULTS_DIR/chaos-latest.md"
cat "$RESULTS_DIR/chaos-$STAMP.md"
exit "$rc"
