#!/usr/bin/env bash
# bench/http/run.sh — HTTP benchmark of the musicconnect server, all in one run (see bench/README.md).
#
# Measures, one after another (never concurrently), with wrk -t2 -c64 against 127.0.0.1 only:
#   1. GET /health                  (our server)
#   2. GET /api/auth/me             (our server; JWT check + one DB read)
#   3. the same query in pgbench -M prepared -c 64 -j 2   (the database ceiling)
#   4. GET /api/auth/me             (Node.js Fastify + node-postgres peer, bench/peers/node-fastify)
# then prints a markdown table and saves bench/results/http-<UTC stamp>.{md,json} and http-latest.md.
#
# Builds nothing: expects build/musicconnect (or $MUSICCONNECT_BIN).
# Env: DURATION (s per measurement, default 15), WARMUP (s, default 3), READY_TIMEOUT (s, default 120),
#      KEEP_WORK=1 keeps the embedded database under bench/.work/ afterwards.
# Exit: 0 all targets met, 1 results saved but a target missed or a measurement failed, 2 setup error.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/bench/http"
PEER_DIR="$ROOT/bench/peers/node-fastify"
RESULTS_DIR="$ROOT/bench/results"
BIN=${MUSICCONNECT_BIN:-$ROOT/build/musicconnect}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
DURATION=${DURATION:-15}
WARMUP=${WARMUP:-3}
READY_TIMEOUT=${READY_TIMEOUT:-120}
THREADS=2
CONNECTIONS=64
HOST=127.0.0.1
PORT=18080
PEER_PORT=18081

die() { echo "bench/http: $*" >&2; exit 2; }
log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

[[ $DURATION =~ ^[0-9]+$ ]] && ((DURATION >= 1 && DURATION <= 600)) || die "DURATION must be 1..600 seconds"
[[ $WARMUP =~ ^[0-9]+$ ]] && ((WARMUP <= 60)) || die "WARMUP must be 0..60 seconds"
[[ $READY_TIMEOUT =~ ^[0-9]+$ ]] || die "READY_TIMEOUT must be a number of seconds"

if [[ ! -x $BIN ]]; then
  die "$BIN not found or not executable. This script builds nothing: build the server first
  (e.g. cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release && cmake --build build),
  or point MUSICCONNECT_BIN at a built binary."
fi
for tool in wrk curl jq node npm psql "$PG_BIN/pgbench" setsid timeout; do
  command -v "$tool" >/dev/null 2>&1 || die "missing tool: $tool"
done
for p in $PORT $PEER_PORT; do
  if curl -s -o /dev/null --max-time 1 "http://$HOST:$p/"; then die "port $p on $HOST is already in use"; fi
done

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
WORK_ROOT="$ROOT/bench/.work"
WORK="$WORK_ROOT/http-$STAMP"
VAR_DIR="$WORK/var"
RAW="$WORK/raw"
LOGS="$WORK/logs"
rm -rf "$WORK_ROOT"/http-*        # scratch of earlier runs (git-ignored)
mkdir -p "$VAR_DIR" "$RAW" "$LOGS" "$RESULTS_DIR"
chmod 755 "$WORK_ROOT" "$WORK" "$VAR_DIR"   # the embedded PostgreSQL may run as user postgres

SERVER_PID=""
PEER_PID=""
WATCHDOG_PID=""
NOTES=()                           # problems worth reporting next to the numbers
note() { NOTES+=("$*"); log "NOTE: $*"; }

# Stop a process we started, politely and then not. It was started as `( exec setsid CMD ) &` from
# this non-interactive script, so setsid did not fork: $! is CMD itself, leader of its own group.
stop_group() {
  local pid=$1 name=$2 grace=$3
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name did not stop within ${grace}s after SIGTERM; killing its process group"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# An embedded PostgreSQL left behind by a server that died: stop it (it is ours, under $VAR_DIR).
stop_orphan_postgres() {
  local pidfile pgpid
  while IFS= read -r pidfile; do
    pgpid=$(head -1 "$pidfile" 2>/dev/null || true)
    if [[ $pgpid =~ ^[0-9]+$ ]] && kill -0 "$pgpid" 2>/dev/null; then
      log "embedded PostgreSQL (pid $pgpid) still running after the server stopped; stopping it"
      kill -INT "$pgpid" 2>/dev/null || true
      for ((i = 0; i < 100; i++)); do kill -0 "$pgpid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pgpid" 2>/dev/null && kill -KILL "$pgpid" 2>/dev/null || true
    fi
  done < <(find "$VAR_DIR" -name postmaster.pid 2>/dev/null)
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_group "$PEER_PID" "node peer" 10
  stop_group "$SERVER_PID" "musicconnect" 30
  stop_orphan_postgres
  [[ -n $WATCHDOG_PID ]] && kill "$WATCHDOG_PID" 2>/dev/null || true
  if [[ ${KEEP_WORK:-0} != 1 && $rc -le 1 ]]; then rm -rf "$VAR_DIR"; fi
  [[ $rc -gt 1 ]] && log "failed; logs kept in ${WORK#"$ROOT"/}/logs"
  exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 2' INT TERM

# The whole run is bounded: startup, four measurements with warm-ups, and slack.
MAX_TOTAL=$((2 * READY_TIMEOUT + 6 * (DURATION + WARMUP + 45) + 180))
(
  trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
  sleep "$MAX_TOTAL" & sleeper=$!
  wait "$sleeper"
  echo "bench/http: time limit of ${MAX_TOTAL}s reached; stopping" >&2
  kill -TERM $$
) &
WATCHDOG_PID=$!

# Other work on the machine skews every number: say so next to the results.
LOADAVG_START=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$LOADAVG_START" 'BEGIN { exit !(l > 0.5) }'; then
  note "the machine was busy before the run (1-minute load average $LOADAVG_START on $(nproc) cores): numbers may be low"
fi

# ---------------------------------------------------------------------------------------------
# start_server WORKERS: "" = the server's default (one event loop per core).
start_server() {
  local workers=$1
  log "starting $BIN serve (VAR_DIR=${VAR_DIR#"$ROOT"/}, port $PORT, WORKERS=${workers:-default})"
  (
    cd "$WORK"
    export APP_ENV=development HOST=$HOST PORT=$PORT VAR_DIR="$VAR_DIR" \
      RATE_LIMIT_API_PER_MIN=100000000 RATE_LIMIT_ANON_PER_MIN=100000000
    unset DATABASE_URL DATABASE_READ_URL REDIS_URL JWT_SECRET JWT_KID JWT_PREVIOUS_SECRET JWT_PREVIOUS_KID \
      ACCESS_LOG WORKERS DB_POOL_SIZE
    [[ -n $workers ]] && export WORKERS=$workers
    exec setsid "$BIN" serve
  ) >>"$LOGS/server.log" 2>&1 &
  SERVER_PID=$!
  local deadline=$((SECONDS + READY_TIMEOUT))
  until [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$HOST:$PORT/ready" || true) == 200 ]]; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      tail -n 40 "$LOGS/server.log" >&2 || true
      die "the server exited before /ready answered 200 (log: ${LOGS#"$ROOT"/}/server.log)"
    fi
    ((SECONDS < deadline)) || { tail -n 40 "$LOGS/server.log" >&2; die "/ready did not answer 200 within ${READY_TIMEOUT}s"; }
    sleep 0.5
  done
  log "server ready"
}
start_server ""

[[ -s $VAR_DIR/pg/url ]] || die "the server did not write $VAR_DIR/pg/url"
[[ -s $VAR_DIR/secrets/jwt_secret ]] || die "the server did not write $VAR_DIR/secrets/jwt_secret"
DB_URL=$(head -n 1 "$VAR_DIR/pg/url")
JWT_SECRET_VALUE=$(cat "$VAR_DIR/secrets/jwt_secret")   # $(...) drops a trailing newline
# The server's key id when JWT_KID is unset: the first 12 hex digits of SHA-256(secret).
JWT_KID_VALUE=$(printf '%s' "$JWT_SECRET_VALUE" | sha256sum | cut -c1-12)
psql_q() { PGCONNECT_TIMEOUT=5 timeout 30 psql "$DB_URL" -X -qAt -v ON_ERROR_STOP=1 "$@"; }
psql_q -c 'SELECT 1' >/dev/null || die "cannot connect to the embedded database at $DB_URL"

# ---------------------------------------------------------------------------------------------
SUFFIX=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
BENCH_USER="bench_$SUFFIX"
BENCH_EMAIL="bench_$SUFFIX@example.com"
BENCH_PASSWORD="bench-pass-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
log "registering $BENCH_USER"
body=$(jq -cn --arg u "$BENCH_USER" --arg e "$BENCH_EMAIL" --arg p "$BENCH_PASSWORD" \
  '{username: $u, email: $e, password: $p, role: "fan"}')
status=$(curl -s --max-time 30 -o "$RAW/register.json" -w '%{http_code}' -H 'Content-Type: application/json' \
  --data "$body" "http://$HOST:$PORT/api/auth/register")
[[ $status == 201 ]] || die "POST /api/auth/register answered $status: $(head -c 500 "$RAW/register.json")"
TOKEN=$(jq -er .token "$RAW/register.json") || die "register response has no token"
USER_ID=$(jq -er .user.id "$RAW/register.json") || die "register response has no user.id"

jwt_claim() { # jwt_claim TOKEN NAME
  node -e 'const c = JSON.parse(Buffer.from(process.argv[1].split(".")[1], "base64url"));
           process.stdout.write(String(c[process.argv[2]] ?? ""))' "$1" "$2"
}
# Access tokens live 15 minutes; log in again when the one we hold would expire during a run.
ensure_token() {
  local exp
  exp=$(jwt_claim "$TOKEN" exp)
  if [[ -z $exp ]] || ((exp - $(date +%s) < WARMUP + DURATION + 60)); then
    log "access token about to expire; logging in again"
    status=$(curl -s --max-time 30 -o "$RAW/login.json" -w '%{http_code}' -H 'Content-Type: application/json' \
      --data "$(jq -cn --arg e "$BENCH_EMAIL" --arg p "$BENCH_PASSWORD" '{email: $e, password: $p}')" \
      "http://$HOST:$PORT/api/auth/login")
    [[ $status == 200 ]] || die "POST /api/auth/login answered $status: $(head -c 500 "$RAW/login.json")"
    TOKEN=$(jq -er .token "$RAW/login.json")
  fi
}

# The session of that user, from the database (the one the token's sid names).
SESSION_ID=$(psql_q -v uid="$USER_ID" <<<"SELECT id FROM sessions WHERE user_id = :'uid'
  AND revoked_at IS NULL ORDER BY created_at DESC LIMIT 1")
[[ -n $SESSION_ID ]] || die "no live session found for user $USER_ID"
TOKEN_SID=$(jwt_claim "$TOKEN" sid)
[[ $TOKEN_SID == "$SESSION_ID" ]] || note "token sid ($TOKEN_SID) differs from the newest session ($SESSION_ID)"

# A response check before measuring: a fast 401 must never be mistaken for throughput.
check_me() { # check_me PORT OUTFILE
  local code
  code=$(curl -s --max-time 10 -o "$2" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    "http://$HOST:$1/api/auth/me" || true)
  [[ $code == 200 ]] && [[ $(jq -r .id "$2" 2>/dev/null) == "$USER_ID" ]]
}

# run_wrk NAME URL [auth]: a warm-up, then the measurement; raw output in $RAW/NAME.txt.
run_wrk() {
  local name=$1 url=$2 auth=${3:-} token=""
  [[ -n $auth ]] && token=$TOKEN
  if ((WARMUP > 0)); then
    BENCH_TOKEN=$token timeout $((WARMUP + 30)) wrk -t$THREADS -c$CONNECTIONS -d"${WARMUP}s" \
      -s "$HERE/wrk-report.lua" "$url" >"$LOGS/$name-warmup.txt" 2>&1 || true
  fi
  log "measuring $name: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency $url"
  local rc=0
  BENCH_TOKEN=$token timeout $((DURATION + 60)) wrk -t$THREADS -c$CONNECTIONS -d"${DURATION}s" --latency \
    -s "$HERE/wrk-report.lua" "$url" >"$RAW/$name.txt" 2>&1 || rc=$?
  ((rc == 0)) || note "$name: wrk failed (exit $rc)"
  sleep 1
}

# ---------------------------------------------------------------------------------------------
# 1. /health
[[ $(curl -s -o "$RAW/health-body.txt" -w '%{http_code}' --max-time 5 "http://$HOST:$PORT/health") == 200 ]] ||
  note "GET /health did not answer 200 before the run"
run_wrk health "http://$HOST:$PORT/health"

# 2. /api/auth/me on our server
ensure_token
if check_me $PORT "$RAW/me-body.json"; then
  run_wrk me "http://$HOST:$PORT/api/auth/me" auth
else
  note "GET /api/auth/me on our server did not answer 200 with the user: $(head -c 300 "$RAW/me-body.json")"
fi

# 2b. The same with one event loop: on this 2-core machine PostgreSQL and wrk share the cores with
# the server, and a single loop leaves one of them to the database. (The database stays up: the
# embedded PostgreSQL is restarted with the server, same data.)
stop_group "$SERVER_PID" "musicconnect" 30
start_server 1
if check_me $PORT "$RAW/me-1loop-body.json"; then
  run_wrk me-1loop "http://$HOST:$PORT/api/auth/me" auth
else
  note "GET /api/auth/me (WORKERS=1) did not answer 200 with the user: $(head -c 300 "$RAW/me-1loop-body.json")"
fi
DB_URL=$(head -n 1 "$VAR_DIR/pg/url")

# 3. pgbench -M prepared on the same query, same ids (the database ceiling)
PGBENCH_CLIENTS=$CONNECTIONS
max_conn=$(psql_q -c 'SHOW max_connections')
in_use=$(psql_q -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'")
if ((max_conn - in_use - 2 < PGBENCH_CLIENTS)); then
  PGBENCH_CLIENTS=$((max_conn - in_use - 2))
  note "the embedded PostgreSQL allows $max_conn connections and the server holds $in_use: pgbench runs with $PGBENCH_CLIENTS clients instead of $CONNECTIONS"
fi
pgbench_cmd=("$PG_BIN/pgbench" -M prepared -n -c "$PGBENCH_CLIENTS" -j "$THREADS" -f "$HERE/me-query.pgbench"
  -D "uid=$USER_ID" -D "sid=$SESSION_ID")
if ((PGBENCH_CLIENTS < 1)); then
  note "pgbench skipped: no free database connections"
else
  if ((WARMUP > 0)); then
    timeout $((WARMUP + 60)) "${pgbench_cmd[@]}" -T "$WARMUP" "$DB_URL" >"$LOGS/pgbench-warmup.txt" 2>&1 || true
  fi
  log "measuring pgbench: pgbench -M prepared -n -c $PGBENCH_CLIENTS -j $THREADS -T $DURATION (10 % of transactions logged for percentiles)"
  mkdir -p "$RAW/pgbench-log"
  rc=0
  timeout $((DURATION + 60)) "${pgbench_cmd[@]}" -T "$DURATION" -l --sampling-rate=0.1 \
    --log-prefix="$RAW/pgbench-log/tx" "$DB_URL" >"$RAW/pgbench.txt" 2>&1 || rc=$?
  ((rc == 0)) || note "pgbench failed (exit $rc): $(tail -n 3 "$RAW/pgbench.txt" | tr '\n' ' ')"
  sleep 1
fi

# 4. The Node.js peer against the same database
if [[ ! -d $PEER_DIR/node_modules ]]; then
  log "installing the Node peer's packages (npm ci)"
  (cd "$PEER_DIR" && timeout 300 npm ci --no-audit --no-fund --omit=dev) >"$LOGS/npm-ci.txt" 2>&1 ||
    note "npm ci failed in bench/peers/node-fastify (log: ${LOGS#"$ROOT"/}/npm-ci.txt)"
fi
# node-postgres parses libpq's unix-socket URLs (postgresql:///db?host=/dir&user=u) as they are.
# run_peer NAME WORKERS: "" = the peer's default (one node:cluster worker per core).
run_peer() {
  local name=$1 workers=$2
  (
    cd "$PEER_DIR"
    export PORT=$PEER_PORT HOST=$HOST DATABASE_URL="$DB_URL" JWT_SECRET="$JWT_SECRET_VALUE" JWT_KID="$JWT_KID_VALUE"
    unset WORKERS PG_POOL_MAX
    [[ -n $workers ]] && export WORKERS=$workers
    exec setsid node server.mjs
  ) >>"$LOGS/node-peer.log" 2>&1 &
  PEER_PID=$!
  local peer_up=0 i
  for ((i = 0; i < 300; i++)); do
    if [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "http://$HOST:$PEER_PORT/health" || true) == 200 ]]; then
      peer_up=1; break
    fi
    kill -0 "$PEER_PID" 2>/dev/null || break
    sleep 0.1
  done
  if ((peer_up == 0)); then
    note "the Node peer ($name) did not start: $(tail -n 5 "$LOGS/node-peer.log" | tr '\n' ' ')"
  else
    ensure_token
    if check_me $PEER_PORT "$RAW/$name-body.json"; then
      if [[ -s $RAW/me-body.json ]] && ! diff <(jq -S . "$RAW/me-body.json") <(jq -S . "$RAW/$name-body.json") >"$RAW/body-diff.txt"; then
        note "the Node peer's /api/auth/me body differs from ours (see the body diff below)"
      fi
      run_wrk "$name" "http://$HOST:$PEER_PORT/api/auth/me" auth
    else
      note "GET /api/auth/me on the Node peer ($name) did not answer 200 with the user: $(head -c 300 "$RAW/$name-body.json")"
    fi
  fi
  stop_group "$PEER_PID" "node peer" 10
  PEER_PID=""
}
run_peer node ""
run_peer node-1worker 1

# ---------------------------------------------------------------------------------------------
log "stopping the server"
stop_group "$SERVER_PID" "musicconnect" 30
SERVER_PID=""
stop_orphan_postgres
# The access log (on by default, as in production) writes a line per API request: keep its ends.
if (($(stat -c %s "$LOGS/server.log") > 20000000)); then
  { head -n 200 "$LOGS/server.log"; echo "… (trimmed by bench/http/run.sh) …"; tail -n 200 "$LOGS/server.log"; } \
    >"$LOGS/server.log.trimmed" && mv "$LOGS/server.log.trimmed" "$LOGS/server.log"
fi

jq -n \
  --arg stamp "$STAMP" --arg duration "$DURATION" --arg warmup "$WARMUP" \
  --arg threads "$THREADS" --arg connections "$CONNECTIONS" --arg pgbench_clients "$PGBENCH_CLIENTS" \
  --arg git "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo none)" \
  --arg dirty "$(git -C "$ROOT" status --porcelain -- src 2>/dev/null | head -c 1)" \
  --arg load "$LOADAVG_START" --arg cpus "$(nproc)" --arg cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')" \
  --arg kernel "$(uname -sr)" --arg wrk "$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)" \
  --arg pgbench "$("$PG_BIN/pgbench" --version)" --arg node "$(node --version)" \
  --arg server "$(timeout 5 "$BIN" version 2>/dev/null | head -1 || true)" \
  --arg user "$BENCH_USER" --arg user_id "$USER_ID" --arg session_id "$SESSION_ID" \
  '{stamp: $stamp, duration_s: ($duration | tonumber), warmup_s: ($warmup | tonumber),
    wrk_threads: ($threads | tonumber), connections: ($connections | tonumber),
    pgbench_clients: ($pgbench_clients | tonumber),
    git: $git, src_dirty: ($dirty != ""),
    machine: {cpus: ($cpus | tonumber), cpu: $cpu, kernel: $kernel, loadavg_1m_at_start: ($load | tonumber)},
    tools: {wrk: $wrk, pgbench: $pgbench, node: $node, server: $server},
    bench_user: {username: $user, id: $user_id, session_id: $session_id},
    notes: $ARGS.positional}' --args ${NOTES[@]+"${NOTES[@]}"} >"$WORK/meta.json"

node "$HERE/report.mjs" "$WORK" "$RESULTS_DIR"
