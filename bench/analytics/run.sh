#!/usr/bin/env bash
# bench/analytics/run.sh — the artist analytics benchmark (issue 12): a one-year dashboard of the
# busiest artist from GET /api/artists/analytics (daily rollups + today's raw events) beside the same
# numbers computed by naive SQL over the raw event tables (tests/api/helpers/analytics_naive.mjs), in
# the same run, on the same database. Target: the API ≥ 50x faster at the median. The figures of both
# are compared first; a difference voids the run.
#
#   bench/analytics/run.sh                       # the large catalogue and 10,000,000 plays over a year
#   CATALOG=demo PLAYS=1000000 bench/analytics/run.sh   # a quicker look, on the demo EP alone
#
# Env: CATALOG (large: seed-demo --size large, 10,000 artists; demo: the demo accounts and EP),
# PLAYS (10000000), DAYS (365), RUNS (API runs per period, 7), NAIVE_RUNS (3), PORT (18090),
# MUSICCONNECT_BIN (build/musicconnect), KEEP_WORK=1 (keep the embedded database under bench/.work/).
# It starts `serve` with an embedded PostgreSQL, runs `seed-demo --history-plays $PLAYS` (the demo
# accounts and EP, then src/app/seed_history over the published tracks and a rollup rebuild), and
# runs bench/analytics/bench.mjs. Exit: 0 target met, 1 results saved but target missed or figures
# differ, 2 setup failure. Results: bench/results/analytics-<UTC stamp>.md and .json,
# analytics-latest.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${MUSICCONNECT_BIN:-$ROOT/build/musicconnect}
PLAYS=${PLAYS:-10000000}
CATALOG=${CATALOG:-large}
case "$CATALOG" in
  large) CATALOG_ARGS=(--size large) ;;
  demo) CATALOG_ARGS=() ;;
  *) echo "CATALOG must be large or demo" >&2; exit 2 ;;
esac
DAYS=${DAYS:-365}
PORT=${PORT:-18090}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
WORK="$ROOT/bench/.work/analytics-$STAMP"
VAR_DIR="$WORK/var"
mkdir -p "$WORK/logs" "$VAR_DIR"
[ -x "$BIN" ] || { echo "no $BIN (build first)" >&2; exit 2; }

SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.5; done
  fi
  [ "${KEEP_WORK:-0}" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT

export APP_ENV=development HOST=127.0.0.1 PORT VAR_DIR LOG_LEVEL=warn
export RATE_LIMIT_API_PER_MIN=100000000 RATE_LIMIT_ANON_PER_MIN=100000000
"$BIN" serve >"$WORK/logs/server.out" 2>"$WORK/logs/server.err" &
SERVER_PID=$!
for _ in $(seq 1 240); do
  curl -fsS "http://127.0.0.1:$PORT/ready" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { echo "server exited; see $WORK/logs" >&2; KEEP_WORK=1; exit 2; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$PORT/ready" >/dev/null || { echo "server not ready" >&2; KEEP_WORK=1; exit 2; }
DATABASE_URL=$(cat "$VAR_DIR/pg/url")

echo "seeding the $CATALOG catalogue and $PLAYS plays over $DAYS days…"
SEED_START=$(date +%s.%N)
DATABASE_URL="$DATABASE_URL" LOG_LEVEL=info "$BIN" seed-demo "${CATALOG_ARGS[@]}" --history-plays "$PLAYS" --history-days "$DAYS" \
  >"$WORK/logs/seed.out" 2>"$WORK/logs/seed.err" || { echo "seed failed; see $WORK/logs/seed.err" >&2; KEEP_WORK=1; exit 2; }
SEED_S=$(echo "$(date +%s.%N) - $SEED_START" | bc)
echo "seeded in ${SEED_S}s"

set +e
BASE_URL="http://127.0.0.1:$PORT" DATABASE_URL="$DATABASE_URL" SEED_SECONDS="$SEED_S" PLAYS="$PLAYS" STAMP="$STAMP" \
  RESULTS_DIR="$ROOT/bench/results" SEED_LOG="$WORK/logs/seed.err" node "$ROOT/bench/analytics/bench.mjs"
RC=$?
set -e
exit $RC
