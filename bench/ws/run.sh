#!/usr/bin/env bash
# bench/ws/run.sh — the /ws gateway benchmark (issue 10), beside a Node.js Socket.IO server doing the
# same work, in the same run. Everything on loopback; every count and duration bounded.
#
#   bench/ws/run.sh                                  # every scenario (~10 minutes)
#   SCENARIOS=idle bench/ws/run.sh                   # one or more of: idle, idle-multi, fanout, redis
#
# Scenarios (each starts its servers fresh and stops them):
#   idle        19,000 authenticated sockets (auth, then sub user:<self>) on ONE server process, held
#               HOLD_S; server RSS per socket = (RSS with them - RSS before) / sockets. Same for the
#               Socket.IO peer (one Node process).
#   idle-multi  MULTI_PROCS server processes on one port (SO_REUSEPORT: src/http/server.cpp sets it
#               on every listener) and as many generator processes, MULTI_PER_PROC sockets each
#               (default 6 x 17,000 = 102,000); RSS per socket summed over the processes.
#   fanout      LISTENERS (10,000) sockets on one channel, one server process; RATE (10) messages/s
#               for FANOUT_S seconds, each stamped with the moment it was due (open loop); delivery
#               latency per message per socket, server CPU (utime+stime from /proc) per delivered
#               message. Then the same on the Socket.IO peer, and on ws_floor (one send() per
#               listener and nothing else: the floor of this machine).
#   redis       two nodes sharing a Redis (REDIS_URL): half the listeners on each, messages published
#               through node A; cross-node p99 (listeners on B) against the single-node p99 of fanout.
#               Then two Socket.IO peers with @socket.io/redis-adapter.
#
# The message source for our server (MESSAGE_SOURCE): `party` (default) — a real listening party
# (a track uploaded and processed through the API, POST /api/parties with startNow), its chat
# (POST /api/parties/<id>/messages through node A, SENDERS fans in turn: a party allows 5 messages
# per 10 s per fan) on `party:<id>`; `outbox` — the outbox row a feature writes, inserted directly,
# on `artist:<id>`. The Socket.IO peer's source is POST /publish. Every message carries
# "mcb:<unix µs>" taken just before the call, so latency is end to end: publish call, commit,
# relay, fan-out, client read. After publishing, the run waits (DRAIN_S at most) until servers and
# listeners are idle, so late deliveries are counted with their latency, not dropped.
#
# Env: SCENARIOS, IDLE_PER_PROC (19000), MULTI_PROCS (6), MULTI_PER_PROC (17000), LISTENERS (10000),
# RATE (10), FANOUT_S (30), HOLD_S (30), SIDES (mc,sio,floor), MESSAGE_SOURCE (party), SENDERS (40), DRAIN_S (60), DRAIN_QUIET_S (10), GEN_PROCS (2: generator processes for fanout), WORKERS, NODE_WORKERS
# (server event loops, 0 = one per core), BUILD_DIR (build), SKIP_BUILD=1, SKIP_INSTALL=1,
# KEEP_WORK=1, LABEL. Needs root (apt, and PostgreSQL runs as the postgres user).
# Exit: 0 every target met, 1 results saved but a target missed, 2 setup failure.
# Results: bench/results/ws-<UTC stamp>.md and .json, ws-latest.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/bench/ws"
PEER="$ROOT/bench/peers/node-socketio"
RESULTS_DIR="$ROOT/bench/results"
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
BIN=${MUSICCONNECT_BIN:-$BUILD_DIR/musicconnect}
GEN_BUILD="$ROOT/build-bench-ws"
GEN="$GEN_BUILD/ws_load"
FLOOR="$GEN_BUILD/ws_floor"
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

SCENARIOS=${SCENARIOS:-idle,idle-multi,fanout,redis}
SIDES=${SIDES:-mc,sio,floor}  # mc: our server; sio: the Socket.IO peer; floor: ws_floor (fanout only)
IDLE_PER_PROC=${IDLE_PER_PROC:-19000}
MULTI_PROCS=${MULTI_PROCS:-6}
MULTI_PER_PROC=${MULTI_PER_PROC:-17000}
LISTENERS=${LISTENERS:-10000}
RATE=${RATE:-10}
FANOUT_S=${FANOUT_S:-30}
HOLD_S=${HOLD_S:-30}
GEN_PROCS=${GEN_PROCS:-2}
WORKERS=${WORKERS:-0}
# Event loops per node in the two-node scenario: the machine's cores shared by the nodes (two nodes
# on one box each with a loop per core would oversubscribe it twice; on separate hosts each node
# has its own cores). Socket.IO runs one loop per process whatever this is.
NODE_WORKERS=${NODE_WORKERS:-$(( $(nproc) / 2 > 0 ? $(nproc) / 2 : 1 ))}
MESSAGE_SOURCE=${MESSAGE_SOURCE:-party}  # party (chat through the API) | outbox (rows written directly)
SENDERS=${SENDERS:-40}    # fans who chat in turn (a party allows 5 messages per 10 s per fan)
DRAIN_S=${DRAIN_S:-60}    # after publishing, wait at most this long for the deliveries still queued
DRAIN_QUIET_S=${DRAIN_QUIET_S:-10}  # ... and stop waiting once none came for this long
PORT=${PORT:-28300}       # our server(s); node B of the redis scenario: PORT+2
SIO_PORT=${SIO_PORT:-28301}  # the Socket.IO peer(s); node B: SIO_PORT+2
FLOOR_PORT=${FLOOR_PORT:-28307}  # ws_floor
PG_PORT=${PG_PORT:-28305}
REDIS_PORT=${REDIS_PORT:-28306}
JWT_SECRET=ws-bench-jwt-secret-0123456789abcdef0123456789abcdef

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "bench/ws: $*"; exit 2; }
has() { [[ ",$SCENARIOS," == *",$1,"* ]]; }
side() { [[ ",$SIDES," == *",$1,"* ]]; }

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$ROOT/bench/.work" "$RESULTS_DIR"
rm -rf "$ROOT"/bench/.work/ws-*
WORK="$ROOT/bench/.work/ws-$STAMP"
mkdir -p "$WORK/logs" "$WORK/out" "$WORK/run"
MEASURE="$WORK/measurements.jsonl"
: >"$MEASURE"

# ---- install and build -----------------------------------------------------------------------

if [[ ${SKIP_INSTALL:-} != 1 ]]; then
  need=()
  for p in postgresql-15 redis-server jq cmake ninja-build g++ ccache libboost1.81-dev \
    libboost-json1.81-dev libpq-dev libssl-dev procps iproute2 curl ffmpeg; do
    dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
  done
  # Node may come from another packaging than Debian's (npm is then part of nodejs).
  command -v node >/dev/null || need+=(nodejs)
  command -v npm >/dev/null || need+=(npm)
  if ((${#need[@]})); then
    log "installing ${need[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >"$WORK/logs/apt.log" 2>&1 \
      || die "apt-get install failed (see $WORK/logs/apt.log)"
  fi
  # The repo's redis-server service is not ours: the bench starts its own on REDIS_PORT.
  [[ -d $PEER/node_modules/socket.io ]] || (cd "$PEER" && npm ci --no-audit --no-fund >"$WORK/logs/npm.log" 2>&1) \
    || die "npm ci of the Socket.IO peer failed (see $WORK/logs/npm.log)"
fi
if [[ ${SKIP_BUILD:-} != 1 ]]; then
  log "building the server ($BUILD_DIR) and ws_load ($GEN_BUILD), niced"
  [[ -f $BUILD_DIR/build.ninja ]] || nice -n 15 cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja >"$WORK/logs/cmake.log" 2>&1
  nice -n 15 ninja -C "$BUILD_DIR" musicconnect >"$WORK/logs/build.log" 2>&1 || die "server build failed (see $WORK/logs/build.log)"
  [[ -f $GEN_BUILD/build.ninja ]] || nice -n 15 cmake -S "$HERE" -B "$GEN_BUILD" -G Ninja >>"$WORK/logs/cmake.log" 2>&1
  nice -n 15 ninja -C "$GEN_BUILD" >"$WORK/logs/build-gen.log" 2>&1 || die "ws_load build failed (see $WORK/logs/build-gen.log)"
fi
[[ -x $BIN ]] || die "$BIN not found"
[[ -x $GEN ]] || die "$GEN not found"
[[ -x $FLOOR ]] || die "$FLOOR not found"
for tool in node jq curl psql ss ffmpeg redis-server; do command -v "$tool" >/dev/null || die "missing tool: $tool"; done
[[ $(ulimit -Hn) -ge 20000 ]] || log "warning: the open-files hard limit is $(ulimit -Hn)"
ulimit -n "$(ulimit -Hn)"

# ---- processes -------------------------------------------------------------------------------

STARTED=()  # every pid this script started, stopped on exit
track() { STARTED+=("$1"); }
stop_pid() {  # SIGTERM, then SIGKILL after 10 s
  local pid=$1 sig=${2:-TERM}
  kill -"$sig" "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local pid
  for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do
    pid=${STARTED[$i]}
    kill -0 "$pid" 2>/dev/null && stop_pid "$pid"
  done
  [[ -n ${PG_DATA:-} && -f $PG_DATA/postmaster.pid ]] && stop_pid "$(head -1 "$PG_DATA/postmaster.pid")" INT
  [[ -n ${PG_SOCK:-} ]] && rm -rf "$PG_SOCK"
  [[ ${KEEP_WORK:-} == 1 ]] || rm -rf "$WORK/pg" "$WORK/var"
}
trap cleanup EXIT
# Anything still bound to our ports would share the SO_REUSEPORT listeners and spoil the counts.
for p in "$PORT" "$((PORT + 2))" "$SIO_PORT" "$((SIO_PORT + 2))" "$FLOOR_PORT" "$PG_PORT" "$REDIS_PORT"; do
  [[ -z $(ss -ltnH "sport = :$p") ]] || die "port $p is in use: set PORT / SIO_PORT / PG_PORT / REDIS_PORT"
done

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }  # utime + stime
CLK_TCK=$(getconf CLK_TCK)
sum_ticks() { local t=0 p; for p in "$@"; do t=$((t + $(cpu_ticks "$p"))); done; echo "$t"; }
pg_cpu_ticks() {  # the postmaster and all its children
  local pm total=0 c
  pm=$(head -1 "$PG_DATA/postmaster.pid")
  for c in "$pm" $(pgrep -P "$pm"); do total=$((total + $(cpu_ticks "$c"))); done
  echo "$total"
}

# PostgreSQL 15, external (initdb'd here, run as the postgres user: it refuses root).
PG_SOCK=$(mktemp -d /tmp/mc-ws-pg.XXXXXX)
PG_DATA="$WORK/pg"
AS_PG=()
if [[ $(id -u) == 0 ]]; then
  AS_PG=(setpriv --reuid=postgres --regid=postgres --init-groups --)
  mkdir -p "$PG_DATA"
  chown postgres: "$PG_DATA" "$PG_SOCK" "$WORK/logs"
  chmod 700 "$PG_DATA"
  for p in "$ROOT" "$ROOT/bench" "$ROOT/bench/.work" "$WORK"; do chmod o+x "$p"; done
fi
"${AS_PG[@]}" "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-instructions \
  >"$WORK/logs/initdb.log" 2>&1 || die "initdb failed (see $WORK/logs/initdb.log)"
cat >>"$PG_DATA/postgresql.conf" <<CONF
listen_addresses = ''
port = $PG_PORT
unix_socket_directories = '$PG_SOCK'
max_connections = 300
shared_buffers = '128MB'
logging_collector = off
CONF
"${AS_PG[@]}" "$PG_BIN/postgres" -D "$PG_DATA" >"$WORK/logs/postgres.log" 2>&1 &
track $!
for _ in $(seq 1 100); do "$PG_BIN/pg_isready" -q -h "$PG_SOCK" -p "$PG_PORT" && break; sleep 0.1; done
psql -X -q "postgresql:///postgres?host=$PG_SOCK&port=$PG_PORT&user=postgres" -c 'CREATE DATABASE musicconnect' \
  || die "PostgreSQL did not start (see $WORK/logs/postgres.log)"
DATABASE_URL="postgresql:///musicconnect?host=$PG_SOCK&port=$PG_PORT&user=postgres"
PSQL=(psql -X -q -v ON_ERROR_STOP=1 "$DATABASE_URL")

SERVER_ENV=(
  APP_ENV=development JWT_SECRET="$JWT_SECRET"
  MEDIA_URL_SECRET=ws-bench-media-secret-0123456789abcdef0123456789
  DATABASE_URL="$DATABASE_URL" VAR_DIR="$WORK/var" HOST=127.0.0.1 WORKERS="$WORKERS"
  JOBS=false ACCESS_LOG=false WEB_DIR= DB_POOL_SIZE=4
  # Registration of the template users comes from one IP.
  RATE_LIMIT_ANON_PER_MIN=100000000 RATE_LIMIT_LOGIN_PER_MIN=100000000
)
# start_server NAME PORT ROLES [ENV=...]: starts `serve`, waits for /ready; sets SERVER_PID.
start_server() {
  local name=$1 port=$2 roles=$3; shift 3
  # SERVER_EXTRA_ENV: e.g. MALLOC_CONF=prof:true,... to profile the server under the bench.
  # shellcheck disable=SC2086
  env "${SERVER_ENV[@]}" PORT="$port" PUBLIC_URL="http://127.0.0.1:$port" "$@" ${SERVER_EXTRA_ENV:-} "$BIN" serve --roles "$roles" \
    >"$WORK/logs/$name.log" 2>&1 &
  SERVER_PID=$!
  track "$SERVER_PID"
  # With SO_REUSEPORT another process on the port may answer /ready: wait for this one's listener too.
  for _ in $(seq 1 300); do
    ss -ltnpH "sport = :$port" | grep -q "pid=$SERVER_PID," && curl -sf -o /dev/null "http://127.0.0.1:$port/ready" && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.2
  done
  die "$name did not become ready (see $WORK/logs/$name.log)"
}
start_peer() {  # start_peer NAME PORT [ENV=...]; sets PEER_PID
  local name=$1 port=$2; shift 2
  env PORT="$port" JWT_SECRET="$JWT_SECRET" "$@" node "$PEER/server.mjs" >"$WORK/logs/$name.log" 2>&1 &
  PEER_PID=$!
  track "$PEER_PID"
  for _ in $(seq 1 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/health" && return 0; sleep 0.2; done
  die "$name did not start (see $WORK/logs/$name.log)"
}
# start_floor NAME PORT SIZE: ws_floor, one sender thread per server event loop; sets PEER_PID.
start_floor() {
  local name=$1 port=$2 size=$3
  "$FLOOR" --port "$port" --threads "$WORKERS" --size "$size" >"$WORK/logs/$name.log" 2>&1 &
  PEER_PID=$!
  track "$PEER_PID"
  for _ in $(seq 1 100); do
    ss -ltnpH "sport = :$port" | grep -q "pid=$PEER_PID," && return 0
    sleep 0.1
  done
  die "$name did not start (see $WORK/logs/$name.log)"
}
ws_connections() { curl -sf "http://127.0.0.1:$1/metrics" | awk '$1 == "ws_connections" {print $2}'; }

# ---- users -----------------------------------------------------------------------------------

need_users=$IDLE_PER_PROC
has idle-multi && ((MULTI_PROCS * MULTI_PER_PROC > need_users)) && need_users=$((MULTI_PROCS * MULTI_PER_PROC))
((LISTENERS > need_users)) && need_users=$LISTENERS
log "work dir $WORK; registering the template fan and an artist through the API, then $need_users fans"
start_server setup "$PORT" api,worker JOBS=true
register() {  # register ROLE NAME → the user's id
  local extra=
  [[ $1 == artist ]] && extra=',"artistName":"WS Bench Artist","genre":"electronic"'
  curl -sf -X POST "http://127.0.0.1:$PORT/api/auth/register" -H 'content-type: application/json' \
    -d "{\"username\":\"$2\",\"email\":\"$2@bench.invalid\",\"password\":\"correct horse battery staple 42\",\"role\":\"$1\"$extra}" \
    | jq -c .
}
register fan wsbtemplate >/dev/null || die "registering the template fan failed (see $WORK/logs/setup.log)"
ARTIST_JSON=$(register artist wsbartist) || die "registering the artist failed"
ARTIST_ID=$(jq -r '.user.id' <<<"$ARTIST_JSON")
ARTIST_TOKEN=$(jq -r '.token' <<<"$ARTIST_JSON")
[[ $ARTIST_ID =~ ^[0-9a-f-]{36}$ ]] || die "no artist id from the API: $ARTIST_JSON"
CHANNEL="artist:$ARTIST_ID"
if [[ $MESSAGE_SOURCE == party ]]; then
  # A real listening party: a track uploaded and processed through the API, then a party that
  # starts now. Its chat (POST /api/parties/<id>/messages) is the message source.
  as_artist() { curl -sf -H "authorization: Bearer $ARTIST_TOKEN" "$@"; }
  RELEASE_ID=$(as_artist -X POST "http://127.0.0.1:$PORT/api/releases" -H 'content-type: application/json' \
    -d '{"title":"WS bench","kind":"album"}' | jq -r .id) || die "creating a release failed"
  ffmpeg -nostdin -v error -y -f lavfi -i "sine=frequency=440:sample_rate=44100:duration=20" -ac 2 -c:a flac "$WORK/track.flac"
  TRACK_ID=$(as_artist -F "releaseId=$RELEASE_ID" -F 'title=WS bench' -F "file=@$WORK/track.flac;type=audio/flac" \
    "http://127.0.0.1:$PORT/api/uploads/content" | jq -r .track.id) || die "uploading the track failed"
  for _ in $(seq 1 180); do
    status=$(as_artist "http://127.0.0.1:$PORT/api/content/$TRACK_ID" | jq -r .status)
    [[ $status == ready || $status == failed ]] && break
    sleep 1
  done
  [[ $status == ready ]] || die "the track was not processed (status $status; see $WORK/logs/setup.log)"
  PARTY_ID=$(as_artist -X POST "http://127.0.0.1:$PORT/api/parties" -H 'content-type: application/json' \
    -d "{\"title\":\"WS bench party\",\"trackIds\":[\"$TRACK_ID\"],\"capacity\":100000,\"startNow\":true}" \
    | jq -r .id) || die "creating the party failed"
  [[ $PARTY_ID =~ ^[0-9a-f-]{36}$ ]] || die "no party id from the API"
  CHANNEL="party:$PARTY_ID"
fi
stop_pid "$SERVER_PID"
"${PSQL[@]}" -v n="$need_users" -v template=wsbtemplate -f "$HERE/users.sql" >"$WORK/out/users.txt" \
  || die "creating the bench fans failed"
[[ $(wc -l <"$WORK/out/users.txt") -eq $need_users ]] || die "expected $need_users fans in users.txt"

# ---- generators ------------------------------------------------------------------------------

GEN_PIDS=()
# gen NAME PROTO PORT FROM COUNT CHANNEL SOURCES: a listener process in the background.
gen() {
  local name=$1 proto=$2 port=$3 from=$4 count=$5 channel=$6 sources=$7
  rm -f "$WORK/out/$name.ready"
  "$GEN" listen --proto "$proto" --port "$port" --src "$sources" --users "$WORK/out/users.txt" \
    --secret "$JWT_SECRET" --from "$from" --count "$count" --channel "$channel" --hold 3600 \
    --concurrency 64 --ready-file "$WORK/out/$name.ready" --out "$WORK/out/$name.json" \
    --progress-file "$WORK/out/$name.progress" \
    >/dev/null 2>>"$WORK/logs/gen.log" &
  GEN_PIDS+=($!)
  track $!
}
wait_gens() {  # wait_gens NAME...: until each has written its ready file (10 minutes at most)
  local name deadline=$(($(date +%s) + 600))
  for name in "$@"; do
    until [[ -s $WORK/out/$name.ready ]]; do
      (($(date +%s) < deadline)) || die "generator $name never got its sockets up (see $WORK/logs/gen.log)"
      sleep 0.5
    done
  done
}
end_gens() {  # SIGTERM: each writes its JSON and exits
  local pid
  for pid in "${GEN_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${GEN_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  GEN_PIDS=()
}
# Source addresses: 127.<scenario>.<generator>.1-2, never reused between scenarios (no TIME_WAIT
# clash), two per generator (28,000 ephemeral ports each).
srcs() { echo "127.$1.$2.1,127.$1.$2.2"; }
# hold_rss PID...: RSS (KiB, summed over the pids) every 2 s for HOLD_S seconds; prints "peak last".
# The last sample is the steady state (the connect storm's garbage returned to the system by then);
# the peak includes it.
hold_rss() {
  local best=0 sum=0 pid end=$(($(date +%s) + HOLD_S))
  while (($(date +%s) < end)); do
    sum=0
    for pid in "$@"; do sum=$((sum + $(rss_kib "$pid"))); done
    ((sum > best)) && best=$sum
    sleep 2
  done
  echo "$best $sum"
}
record() { echo "$1" >>"$MEASURE"; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
gen_json() { jq -s '.' "$@"; }

# ---- scenario: idle --------------------------------------------------------------------------

idle_one() {  # idle_one SIDE (mc|sio) SCENARIO_INDEX
  local side=$1 si=$2 pid port base rss peak n
  if [[ $side == mc ]]; then
    start_server idle-mc "$PORT" ws; pid=$SERVER_PID; port=$PORT
  else
    start_peer idle-sio "$SIO_PORT"; pid=$PEER_PID; port=$SIO_PORT
  fi
  sleep 3
  base=$(rss_kib "$pid")
  gen "idle-$side" "$side" "$port" 0 "$IDLE_PER_PROC" 'user:{user}' "$(srcs "$si" 1)"
  wait_gens "idle-$side"
  sleep 3
  read -r peak rss < <(hold_rss "$pid")
  n=$([[ $side == mc ]] && ws_connections "$port" || curl -sf "http://127.0.0.1:$port/health" | jq .sockets)
  end_gens
  stop_pid "$pid"
  record "$(jq -c -n --arg side "$side" --argjson base "$base" --argjson rss "$rss" --argjson peak "$peak" --argjson n "${n:-0}" \
    --slurpfile g "$WORK/out/idle-$side.json" \
    '{scenario:"idle", side:$side, processes:1, base_rss_kib:$base, rss_kib:$rss, peak_rss_kib:$peak, server_sockets:$n, gens:$g}')"
  log "idle $side: $(jq -r '.ready' "$WORK/out/idle-$side.json") sockets, RSS ${base} → ${rss} KiB"
}

idle_multi() {
  local si=3 k pids=() base=0 rss peak names=()
  for ((k = 0; k < MULTI_PROCS; k++)); do
    start_server "multi-$k" "$PORT" ws
    pids+=("$SERVER_PID")
  done
  # Every process answers on the one port: /metrics reaches one at random, so count through each.
  sleep 3
  for k in "${pids[@]}"; do base=$((base + $(rss_kib "$k"))); done
  for ((k = 0; k < MULTI_PROCS; k++)); do
    gen "multi-$k" mc "$PORT" $((k * MULTI_PER_PROC)) "$MULTI_PER_PROC" 'user:{user}' "$(srcs "$si" $((k + 1)))"
    names+=("multi-$k")
  done
  wait_gens "${names[@]}"
  sleep 3
  read -r peak rss < <(hold_rss "${pids[@]}")
  local per=()
  for k in "${pids[@]}"; do
    per+=("$(ls "/proc/$k/fd" 2>/dev/null | wc -l)")
  done
  end_gens
  for k in "${pids[@]}"; do stop_pid "$k"; done
  local files=("${names[@]/#/$WORK/out/}")
  record "$(jq -c -n --argjson procs "$MULTI_PROCS" --argjson base "$base" --argjson rss "$rss" --argjson peak "$peak" \
    --argjson fds "$(printf '%s\n' "${per[@]}" | jq -s .)" --argjson g "$(gen_json "${files[@]/%/.json}")" \
    '{scenario:"idle-multi", side:"mc", processes:$procs, base_rss_kib:$base, rss_kib:$rss, peak_rss_kib:$peak, open_files:$fds, gens:$g}')"
  log "idle-multi: $(jq -s 'map(.ready) | add' "${files[@]/%/.json}") sockets on $MULTI_PROCS processes, RSS ${base} → ${rss} KiB"
}

# ---- scenario: fanout (and redis) ------------------------------------------------------------

publish() {  # publish SIDE PORT NAME: RATE/s for FANOUT_S s, stamped; writes out/NAME-pub.json
  local side=$1 port=$2 name=$3
  if [[ $side == mc && $MESSAGE_SOURCE == party ]]; then
    # The party's chat, through the API of node A, as SENDERS fans in turn.
    "$GEN" publish --url "http://127.0.0.1:$port/api/parties/$PARTY_ID/messages" --rate "$RATE" --duration "$FANOUT_S" \
      --header 'authorization: Bearer {token}' --users "$WORK/out/users.txt" --secret "$JWT_SECRET" --count "$SENDERS" \
      --body '{"body":"mcb:{t}"}' --out "$WORK/out/$name-pub.json" >/dev/null 2>>"$WORK/logs/gen.log" || true
  elif [[ $side == mc ]]; then
    # The row a feature writes in its transaction (events::append): a channel message in the outbox.
    "$GEN" publish --pg "$DATABASE_URL" --rate "$RATE" --duration "$FANOUT_S" --out "$WORK/out/$name-pub.json" \
      --sql "INSERT INTO outbox (topic, key, payload, channel) VALUES ('bench.message', '$CHANNEL', jsonb_build_object('text', 'mcb:{t}'), '$CHANNEL')" \
      >/dev/null 2>>"$WORK/logs/gen.log" || true
  else
    "$GEN" publish --url "http://127.0.0.1:$port/publish" --rate "$RATE" --duration "$FANOUT_S" \
      --body "{\"ch\":\"$CHANNEL\",\"type\":\"bench.message\",\"payload\":{\"text\":\"mcb:{t}\"}}" \
      --out "$WORK/out/$name-pub.json" >/dev/null 2>>"$WORK/logs/gen.log" || true
  fi
}

# fanout_run SCENARIO SIDE SI PORT_A [PORT_B]: LISTENERS split over GEN_PROCS generators (over the
# two nodes when PORT_B is given), one publish run; CPU of SERVER_PIDS over the publish window.
fanout_run() {
  local scenario=$1 side=$2 si=$3 port_a=$4 port_b=${5:-} k names=() per port from proto=$2
  [[ $side == floor ]] && proto=raw
  per=$((LISTENERS / GEN_PROCS))
  for ((k = 0; k < GEN_PROCS; k++)); do
    port=$port_a
    [[ -n $port_b && $((k % 2)) == 1 ]] && port=$port_b
    gen "$scenario-$side-$k" "$proto" "$port" $((k * per)) "$per" "$CHANNEL" "$(srcs "$si" $((k + 1)))"
    names+=("$scenario-$side-$k")
  done
  wait_gens "${names[@]}"
  sleep 3
  local cpu0 cpu1 pg0 pg1 g0 g1 t0 t1 pid rss=0 before
  cpu0=$(sum_ticks "${SERVER_PIDS[@]}"); g0=$(sum_ticks "${GEN_PIDS[@]}")
  pg0=$(pg_cpu_ticks); t0=$(date +%s%N)
  publish "$side" "$port_a" "$scenario-$side"
  # Messages still queued are delivered late, not lost: wait until every listener has every
  # message published, or until no delivery came for DRAIN_QUIET_S, DRAIN_S at most.
  local expected got=-1 still=0 ready_total=0 f
  for f in "${names[@]}"; do ready_total=$((ready_total + $(cat "$WORK/out/$f.ready"))); done
  expected=$(( $(jq -r .ok "$WORK/out/$scenario-$side-pub.json" 2>/dev/null || echo 0) * ready_total ))
  for _ in $(seq 1 "$((DRAIN_S * 2))"); do
    before=$got; got=0
    for f in "${names[@]}"; do got=$((got + $(cat "$WORK/out/$f.progress" 2>/dev/null || echo 0))); done
    ((got >= expected)) && break
    if ((got == before)); then ((++still >= DRAIN_QUIET_S * 2)) && break; else still=0; fi
    sleep 0.5
  done
  cpu1=$(sum_ticks "${SERVER_PIDS[@]}"); g1=$(sum_ticks "${GEN_PIDS[@]}")
  for pid in "${SERVER_PIDS[@]}"; do rss=$((rss + $(rss_kib "$pid"))); done
  pg1=$(pg_cpu_ticks); t1=$(date +%s%N)
  end_gens
  local files=("${names[@]/#/$WORK/out/}")
  record "$(jq -c -n --arg scenario "$scenario" --arg side "$side" \
    --argjson cpu "$(div "$((cpu1 - cpu0))" "$CLK_TCK")" --argjson pg "$(div "$((pg1 - pg0))" "$CLK_TCK")" \
    --argjson wall "$(div "$((t1 - t0))" 1000000000)" --argjson rss "$rss" \
    --argjson gen_cpu "$(div "$((g1 - g0))" "$CLK_TCK")" --arg source "$([[ $side == mc ]] && echo "$MESSAGE_SOURCE" || echo publish)" \
    --arg port_b "$port_b" --argjson listeners "$LISTENERS" --argjson rate "$RATE" --argjson seconds "$FANOUT_S" \
    --arg channel "$CHANNEL" --slurpfile pub "$WORK/out/$scenario-$side-pub.json" --argjson g "$(gen_json "${files[@]/%/.json}")" \
    '{scenario:$scenario, side:$side, listeners:$listeners, rate:$rate, seconds:$seconds, server_cpu_s:$cpu,
      postgres_cpu_s:(if $side == "mc" then $pg else null end), window_s:$wall, rss_kib:$rss,
      listener_cpu_s:$gen_cpu, source:$source, channel:$channel,
      node_b_port:$port_b, publish:$pub[0], gens:$g}')"
  log "$scenario $side: $(jq -s 'map(.latency.count) | add' "${files[@]/%/.json}") deliveries, server CPU $(div "$((cpu1 - cpu0))" "$CLK_TCK") s"
}

REDIS_PID=
start_redis() {
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
    >"$WORK/logs/redis.log" 2>&1 &
  REDIS_PID=$!
  track "$REDIS_PID"
  for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  die "redis-server did not start (see $WORK/logs/redis.log)"
}

# ---- run -------------------------------------------------------------------------------------

if has idle; then
  log "idle: $IDLE_PER_PROC sockets on one process, each side"
  side mc && idle_one mc 1
  side sio && idle_one sio 2
fi
if has idle-multi; then
  log "idle-multi: $MULTI_PROCS processes x $MULTI_PER_PROC sockets"
  idle_multi
fi
if has fanout; then
  log "fanout: $LISTENERS listeners on $CHANNEL, $RATE msg/s for ${FANOUT_S}s"
  if side mc; then
    start_server fanout-mc "$PORT" api,ws
    SERVER_PIDS=("$SERVER_PID")
    fanout_run fanout mc 4 "$PORT"
    stop_pid "$SERVER_PID"
  fi
  if side sio; then
    start_peer fanout-sio "$SIO_PORT"
    SERVER_PIDS=("$PEER_PID")
    fanout_run fanout sio 5 "$SIO_PORT"
    stop_pid "$PEER_PID"
  fi
  if side floor; then
    # Frames as large as our server's (stamped bytes per delivery in its run), else 300 bytes.
    size=$(jq -s 'map(select(.proto == "mc" and .latency.count > 0)) | if length > 0 then ((map(.stamped_bytes) | add) / (map(.latency.count) | add) | floor) else 300 end' \
      "$WORK"/out/fanout-mc-*.json 2>/dev/null || echo 300)
    start_floor fanout-floor "$FLOOR_PORT" "$size"
    SERVER_PIDS=("$PEER_PID")
    fanout_run fanout floor 8 "$FLOOR_PORT"
    stop_pid "$PEER_PID"
  fi
fi
if has redis; then
  log "redis: two nodes, $LISTENERS listeners split over them"
  start_redis
  ((GEN_PROCS % 2 == 0)) || GEN_PROCS=$((GEN_PROCS + 1))  # as many generators on each node
  if side mc; then
    start_server redis-mc-a "$PORT" api,ws REDIS_URL="redis://127.0.0.1:$REDIS_PORT" WORKERS="$NODE_WORKERS"
    a=$SERVER_PID
    start_server redis-mc-b "$((PORT + 2))" ws REDIS_URL="redis://127.0.0.1:$REDIS_PORT" WORKERS="$NODE_WORKERS"
    SERVER_PIDS=("$a" "$SERVER_PID")
    fanout_run redis mc 6 "$PORT" "$((PORT + 2))"
    for pid in "${SERVER_PIDS[@]}"; do stop_pid "$pid"; done
  fi
  if side sio; then
    start_peer redis-sio-a "$SIO_PORT" REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
    a=$PEER_PID
    start_peer redis-sio-b "$((SIO_PORT + 2))" REDIS_URL="redis://127.0.0.1:$REDIS_PORT"
    SERVER_PIDS=("$a" "$PEER_PID")
    fanout_run redis sio 7 "$SIO_PORT" "$((SIO_PORT + 2))"
    for pid in "${SERVER_PIDS[@]}"; do stop_pid "$pid"; done
  fi
  stop_pid "$REDIS_PID"
fi

# ---- report ----------------------------------------------------------------------------------

git -C "$ROOT" rev-parse --short HEAD >"$WORK/commit" 2>/dev/null || echo unknown >"$WORK/commit"
rc=0
node "$HERE/report.mjs" "$MEASURE" "$RESULTS_DIR/ws-$STAMP" "$(cat "$WORK/commit")" "${LABEL:-}" || rc=$?
[[ -f $RESULTS_DIR/ws-$STAMP.md ]] || die "no report written"
cp "$RESULTS_DIR/ws-$STAMP.md" "$RESULTS_DIR/ws-latest.md"
cat "$RESULTS_DIR/ws-$STAMP.md"
exit "$rc"
