# bench/soak/stack.sh — sourced by bench/soak/run.sh and bench/chaos/run.sh: the deployment under test.
#
# Three supervised processes, as systemd or Kubernetes would run them on one node:
#   postgres   an external PostgreSQL 15 (initdb'd here, run as the unprivileged `postgres` user when
#              we are root — the server binaries refuse root), unix socket + 127.0.0.1:$PG_PORT
#   server     musicconnect serve with JOBS=false (the API), DATABASE_URL pointing at it
#   worker     musicconnect worker (audio processing and the other background jobs)
# Each runs inside a supervisor loop that starts it again 0.2 s after it exits, whatever the cause,
# and appends "<epoch ms> start|exit <name> <pid> [rc]" to $WORK/events.log. The current pid of each is
# in $WORK/run/<name>.pid (for the chaos killer and the memory sampler).
#
# Needs: $ROOT, $RESULTS_DIR, $BIN (stack_preflight sets $WORK), $HOST, $PORT, $PG_PORT. Optional: ACCESS_LOG, JOBS_LEASE_S,
# ACCESS_TOKEN_TTL_S, WORKERS.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

stack_log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# Checks what a run needs and makes a fresh work directory: sets STAMP and WORK
# ($ROOT/bench/.work/<name>-<stamp>, removing older ones of the same name). $1: soak or chaos.
stack_preflight() {
  local name=$1
  die() { echo "bench/$name: $*" >&2; exit 2; }
  [[ -x $BIN ]] || die "$BIN not found: build the server first"
  [[ -f $ROOT/web/dist/index.html ]] || die "web/dist missing: (cd web && npm run build)"
  for tool in node curl jq ffmpeg psql gnuplot setpriv ss; do command -v "$tool" >/dev/null || die "missing tool: $tool"; done
  STAMP=$(date -u +%Y%m%dT%H%M%SZ)
  mkdir -p "$ROOT/bench/.work" "$RESULTS_DIR"
  rm -rf "$ROOT"/bench/.work/"$name"-*
  WORK="$ROOT/bench/.work/$name-$STAMP"
  mkdir -p "$WORK"
}
now_ms() { date +%s%3N; }

stack_prepare() {
  mkdir -p "$WORK/run" "$WORK/logs" "$WORK/var"
  chmod 755 "$ROOT/bench/.work" "$WORK"
  # A short socket directory: unix socket paths must fit in 107 bytes.
  PG_SOCK=$(mktemp -d /tmp/mc-soak-pg.XXXXXX)
  PG_DATA="$WORK/pg"
  AS_PG=()
  if [[ $(id -u) == 0 ]]; then
    AS_PG=(setpriv --reuid=postgres --regid=postgres --init-groups --)
    mkdir -p "$PG_DATA"
    chown postgres: "$PG_DATA" "$PG_SOCK" "$WORK/logs"
    chmod 700 "$PG_DATA"
    for p in "$ROOT" "$ROOT/bench" "$ROOT/bench/.work"; do chmod o+x "$p"; done
  fi
  "${AS_PG[@]}" "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    --no-instructions >"$WORK/logs/initdb.log" 2>&1 || { cat "$WORK/logs/initdb.log" >&2; return 1; }
  # Durability settings are PostgreSQL's defaults (fsync, synchronous_commit, full_page_writes on):
  # the chaos run checks that what the server acknowledged survives a kill -9.
  cat >>"$PG_DATA/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCK'
max_connections = 300
shared_buffers = '128MB'
logging_collector = off
CONF
  DATABASE_URL="postgresql:///musicconnect?host=$PG_SOCK&port=$PG_PORT&user=postgres"
  export PSQL_URL="postgresql:///musicconnect?host=$PG_SOCK&port=$PG_PORT&user=postgres"
  PSQL=(psql -X -q -v ON_ERROR_STOP=1 "$PSQL_URL")
  # Secrets are set explicitly (production-safe defaults may require them); the sandbox is the
  # payment provider (no STRIPE_SECRET_KEY).
  SERVER_ENV=(
    APP_ENV=development
    JWT_SECRET=soak-jwt-secret-0123456789abcdef0123456789abcdef
    MEDIA_URL_SECRET=soak-media-secret-0123456789abcdef0123456789abcd
    DATABASE_URL="$DATABASE_URL"
    VAR_DIR="$WORK/var" HOST="$HOST" PORT="$PORT" PUBLIC_URL="http://$HOST:$PORT"
    WORKERS="${WORKERS:-0}" JOBS=false ACCESS_LOG="${ACCESS_LOG:-true}"
    ACCESS_TOKEN_TTL_S="${ACCESS_TOKEN_TTL_S:-900}" JOBS_LEASE_S="${JOBS_LEASE_S:-60}"
    # One load-generating client IP stands for thousands of users: lift the per-IP and per-user
    # limits so the mix measures the server, not the rate limiter.
    RATE_LIMIT_API_PER_MIN=100000000 RATE_LIMIT_ANON_PER_MIN=100000000
    RATE_LIMIT_LOGIN_PER_MIN=100000000 RATE_LIMIT_UPLOADS_PER_HOUR=100000000
    # The driver's few playback grants stand for many listeners' grants too.
    RATE_LIMIT_MEDIA_PER_MIN_IP=100000000 RATE_LIMIT_MEDIA_PER_MIN_GRANT=100000000
    RATE_LIMIT_ORIGINALS_PER_MIN_IP=100000000 RATE_LIMIT_ORIGINALS_PER_MIN_GRANT=100000000
    WEB_DIR="$ROOT/web/dist"
  )
}

# supervise NAME CMD... — run CMD again whenever it exits, until $WORK/stop exists.
supervise() {
  local name=$1; shift
  local pid rc
  while [[ ! -e $WORK/stop ]]; do
    "$@" >>"$WORK/logs/$name.log" 2>&1 &
    pid=$!
    echo "$pid" >"$WORK/run/$name.pid"
    echo "$(now_ms) start $name $pid" >>"$WORK/events.log"
    rc=0; wait "$pid" || rc=$?
    echo "$(now_ms) exit $name $pid $rc" >>"$WORK/events.log"
    [[ -e $WORK/stop ]] && break
    sleep 0.2
  done
}

# Listeners on a TCP port, as "pid" lines.
port_pids() { ss -ltnpH "sport = :$1" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u; }

SUPERVISORS=()
stack_start() {
  rm -f "$WORK/stop"
  # The server listens with SO_REUSEPORT: another process on the same port would silently share the
  # connections (and answer /ready for us). Refuse to start next to one, and check again once up.
  local port
  for port in "$PORT" "$PG_PORT"; do
    [[ -z $(port_pids "$port") ]] || { stack_log "port $port is in use (pids $(port_pids "$port" | tr '\n' ' ')): set PORT / PG_PORT"; return 1; }
  done
  supervise postgres "${AS_PG[@]}" "$PG_BIN/postgres" -D "$PG_DATA" &
  SUPERVISORS+=($!)
  for _ in $(seq 1 300); do "$PG_BIN/pg_isready" -q -h "$PG_SOCK" -p "$PG_PORT" && break; sleep 0.1; done
  "$PG_BIN/pg_isready" -q -h "$PG_SOCK" -p "$PG_PORT" || { stack_log "PostgreSQL did not start"; return 1; }
  psql -X -q "postgresql:///postgres?host=$PG_SOCK&port=$PG_PORT&user=postgres" -c 'CREATE DATABASE musicconnect'
  supervise server env "${SERVER_ENV[@]}" "$BIN" serve &
  SUPERVISORS+=($!)
  for _ in $(seq 1 600); do curl -sf -o /dev/null "http://$HOST:$PORT/ready" && break; sleep 0.2; done
  curl -sf -o /dev/null "http://$HOST:$PORT/ready" || { stack_log "server not ready (see $WORK/logs/server.log)"; return 1; }
  [[ $(port_pids "$PORT") == "$(cat "$WORK/run/server.pid")" ]] || { stack_log "port $PORT is shared with another process: $(port_pids "$PORT" | tr '\n' ' ')"; return 1; }
  # The worker starts after the server has applied the migrations.
  supervise worker env "${SERVER_ENV[@]}" "$BIN" worker &
  SUPERVISORS+=($!)
}

# Stops the supervisors first (no restarts), then each process with SIGTERM, then SIGKILL.
stack_stop() {
  touch "$WORK/stop"
  local name pid
  for name in worker server postgres; do
    pid=$(cat "$WORK/run/$name.pid" 2>/dev/null) || continue
    # PostgreSQL: SIGINT is its "fast" shutdown (SIGTERM would wait for clients to leave).
    kill -"$([[ $name == postgres ]] && echo INT || echo TERM)" "$pid" 2>/dev/null || continue
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  for pid in "${SUPERVISORS[@]}"; do wait "$pid" 2>/dev/null || true; done
  SUPERVISORS=()
  [[ -n ${PG_SOCK:-} ]] && rm -rf "$PG_SOCK"
}

# Media for the mix: a 3-second FLAC uploaded during the run, a 12-second one the setup streams.
make_media() {
  [[ -f $WORK/small.flac ]] && return 0
  ffmpeg -nostdin -v error -y -f lavfi -i "anoisesrc=color=pink:amplitude=0.1:sample_rate=44100:duration=3" \
    -ac 2 -c:a flac "$WORK/small.flac"
  ffmpeg -nostdin -v error -y -f lavfi -i "sine=frequency=330:sample_rate=44100:duration=12" \
    -f lavfi -i "anoisesrc=color=pink:amplitude=0.1:sample_rate=44100:duration=12" \
    -filter_complex "[0][1]amix=inputs=2:duration=first,aformat=channel_layouts=stereo" -c:a flac "$WORK/setup.flac"
}

# verify_acked — checks every write the driver saw acknowledged ($WORK/acked.jsonl) in PostgreSQL, by
# the id the server returned, waiting up to VERIFY_WAIT_S for the worker to finish processing the
# uploads. Writes $WORK/verify.json: [{kind, acked, present, processed}] (processed: uploads only).
verify_acked() {
  jq -r '[.kind, .id] | @tsv' "$WORK/acked.jsonl" >"$WORK/acked.tsv"
  chmod 644 "$WORK/acked.tsv"
  local deadline=$(( $(date +%s) + ${VERIFY_WAIT_S:-180} )) out
  while :; do
    out=$("${PSQL[@]}" -A -t <<SQL
CREATE TEMP TABLE acked (kind text, id text);
\copy acked FROM '$WORK/acked.tsv'
SELECT coalesce(json_agg(row_to_json(v) ORDER BY v.kind), '[]') FROM (
  SELECT a.kind, count(*) AS acked,
    count(*) FILTER (WHERE CASE a.kind
      WHEN 'registration' THEN EXISTS (SELECT 1 FROM users u WHERE u.id::text = a.id)
      WHEN 'comment' THEN EXISTS (SELECT 1 FROM comments c WHERE c.id::text = a.id AND c.deleted_at IS NULL)
      WHEN 'tip_payment' THEN EXISTS (SELECT 1 FROM payments p WHERE p.provider_ref = a.id AND p.kind = 'tip')
      WHEN 'subscription' THEN EXISTS (SELECT 1 FROM subscriptions s WHERE s.id::text = a.id AND s.status = 'active')
      WHEN 'upload' THEN EXISTS (SELECT 1 FROM tracks t WHERE t.id::text = a.id)
      ELSE false END) AS present,
    count(*) FILTER (WHERE a.kind = 'upload' AND EXISTS (SELECT 1 FROM tracks t WHERE t.id::text = a.id AND t.status = 'ready')) AS processed
  FROM acked a GROUP BY a.kind) v;
SQL
) || out='[]'
    echo "$out" >"$WORK/verify.json"
    jq -e 'all(.[]; .present == .acked and (.kind != "upload" or .processed == .acked))' "$WORK/verify.json" >/dev/null && break
    (( $(date +%s) >= deadline )) && break
    sleep 2
  done
}
