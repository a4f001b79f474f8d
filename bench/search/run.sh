#!/usr/bin/env bash
# bench/search/run.sh — GET /api/search on the large demo catalogue, ours beside the naive ILIKE
# baseline of the same endpoint, in one run (see bench/README.md and docs/search.md).
#
#   1. `musicconnect seed-demo --size large` into a fresh embedded PostgreSQL under bench/.work/
#      (10,000 artists, ~128,000 tracks; ARTISTS=… for another size), or reuses it with REUSE=1.
#   2. Starts `serve` on it and measures with bench/search/driver.mjs: top-3 recall over the 60
#      generated one-typo queries, then CONCURRENCY (32) closed-loop clients over the typo and
#      prefix queries for DURATION seconds.
#   3. Restarts `serve` on the same database with SEARCH_BASELINE=true (the naive ILIKE '%q%'
#      search, refused in production) and measures the same way.
#   4. Prints a table and saves bench/results/search-<UTC stamp>.{md,json} and search-latest.md.
#
# Builds nothing: expects build/musicconnect (or $MUSICCONNECT_BIN). Both servers run with JOBS=false, so
# the demo EP queued by seed-demo is not transcoded in the middle of a measurement.
# Env: DURATION (s, default 30), WARMUP (s, default 5), CONCURRENCY (default 32), ARTISTS (default
#      10000), SEED (default 1), REUSE=1 keeps and reuses the seeded database (bench/.work/search-db).
# Exit: 0 every target met, 1 results saved but a target missed, 2 setup failure.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/bench/search"
RESULTS_DIR="$ROOT/bench/results"
BIN=${MUSICCONNECT_BIN:-$ROOT/build/musicconnect}
DURATION=${DURATION:-30}
WARMUP=${WARMUP:-5}
CONCURRENCY=${CONCURRENCY:-32}
ARTISTS=${ARTISTS:-10000}
SEED=${SEED:-1}
HOST=127.0.0.1
PORT=18480

die() { echo "bench/search: $*" >&2; exit 2; }
log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

[[ -x $BIN ]] || die "$BIN not found: build the server first (this script builds nothing)"
for tool in curl node psql setsid timeout; do command -v "$tool" >/dev/null 2>&1 || die "missing tool: $tool"; done
[[ $DURATION =~ ^[0-9]+$ && $WARMUP =~ ^[0-9]+$ && $CONCURRENCY =~ ^[0-9]+$ && $ARTISTS =~ ^[0-9]+$ ]] ||
  die "DURATION, WARMUP, CONCURRENCY and ARTISTS must be whole numbers"
if curl -s -o /dev/null --max-time 1 "http://$HOST:$PORT/"; then die "port $PORT is already in use"; fi

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
WORK_ROOT="$ROOT/bench/.work"
DB_VAR="$WORK_ROOT/search-db"          # the seeded catalogue (embedded PostgreSQL); kept with REUSE=1
WORK="$WORK_ROOT/search-$STAMP"
rm -rf "$WORK_ROOT"/search-2*          # scratch of earlier runs (git-ignored)
mkdir -p "$WORK/logs" "$RESULTS_DIR"
chmod 755 "$WORK_ROOT" "$WORK"
SERVER_PID=""

stop_server() {
  [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null || { SERVER_PID=""; return 0; }
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for ((i = 0; i < 300; i++)); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$SERVER_PID" 2>/dev/null && kill -KILL -- "-$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_server
  [[ ${REUSE:-0} == 1 ]] || rm -rf "$DB_VAR"
  exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 2' INT TERM

LOADAVG_START=$(cut -d' ' -f1 /proc/loadavg)

# 1. The catalogue.
if [[ ${REUSE:-0} == 1 && -f $DB_VAR/seeded ]]; then
  log "reusing the seeded catalogue in ${DB_VAR#"$ROOT"/}"
else
  rm -rf "$DB_VAR"; mkdir -p "$DB_VAR"; chmod 755 "$DB_VAR"
  log "seeding the large demo catalogue ($ARTISTS artists, seed $SEED)"
  t0=$(date +%s.%N)
  (cd "$WORK" && APP_ENV=development VAR_DIR="$DB_VAR" timeout 1800 "$BIN" seed-demo --size large --artists "$ARTISTS" --seed "$SEED" --history-plays 0) \
    >"$WORK/logs/seed.log" 2>&1 || { tail -20 "$WORK/logs/seed.log" >&2; die "seed-demo failed"; }
  SEED_S=$(echo "$(date +%s.%N) - $t0" | bc)
  echo "$SEED_S" >"$DB_VAR/seeded"
fi
SEED_S=$(cat "$DB_VAR/seeded")

# start_server LABEL [ENV...]: serve on the seeded database, wait for /ready.
start_server() {
  local label=$1; shift
  log "starting serve ($label)"
  (
    cd "$WORK"
    unset DATABASE_URL DATABASE_READ_URL REDIS_URL JWT_SECRET WORKERS SEARCH_BASELINE
    export APP_ENV=development HOST=$HOST PORT=$PORT VAR_DIR="$DB_VAR" JOBS=false \
      RATE_LIMIT_API_PER_MIN=1000000000 RATE_LIMIT_ANON_PER_MIN=1000000000 "$@"
    exec setsid "$BIN" serve
  ) >>"$WORK/logs/server-$label.log" 2>&1 &
  SERVER_PID=$!
  for ((i = 0; i < 240; i++)); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$HOST:$PORT/ready" || true) == 200 ]] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$WORK/logs/server-$label.log" >&2; die "serve ($label) exited"; }
    sleep 0.5
  done
  die "serve ($label) was not ready within 120 s"
}

start_server ours
PGURL=$(cat "$DB_VAR/pg/url")
psql -At "$PGURL" -c "SELECT json_agg(json_build_object('id', a.user_id, 'stageName', a.stage_name) ORDER BY a.user_id)
  FROM artist_profiles a JOIN users u ON u.id = a.user_id WHERE u.email LIKE '%@large.demo.musicconnect.local'" \
  >"$WORK/artists.json"
COUNTS=$(psql -At "$PGURL" -c "SELECT json_build_object('artists', (SELECT count(*) FROM artist_profiles),
  'releases', (SELECT count(*) FROM releases), 'tracks', (SELECT count(*) FROM tracks),
  'posts', (SELECT count(*) FROM posts), 'dictionary_words', (SELECT count(*) FROM search_words))")

export DURATION WARMUP CONCURRENCY
node "$HERE/driver.mjs" "http://$HOST:$PORT" "$WORK/artists.json" ours >"$WORK/ours.json" || die "driver failed (ours)"
stop_server
start_server naive SEARCH_BASELINE=true
node "$HERE/driver.mjs" "http://$HOST:$PORT" "$WORK/artists.json" naive >"$WORK/naive.json" || die "driver failed (naive)"
stop_server

LOADAVG_END=$(cut -d' ' -f1 /proc/loadavg)
node "$HERE/report.mjs" "$WORK/ours.json" "$WORK/naive.json" "$RESULTS_DIR" "$STAMP" \
  "$(printf '{"seed_s":%s,"catalogue":%s,"loadavg_start":"%s","loadavg_end":"%s","commit":"%s","cores":%s,"artists_option":%s,"seed":%s}' \
    "$SEED_S" "$COUNTS" "$LOADAVG_START" "$LOADAVG_END" "$(git -C "$ROOT" rev-parse --short HEAD)" "$(nproc)" "$ARTISTS" "$SEED")"
