#!/usr/bin/env bash
# bench/stream/run.sh — HLS segment serving through the server, beside nginx, in one run.
#
# 1. Starts musicconnect (embedded PostgreSQL), uploads a generated 4-minute track, waits until it
#    is processed, takes a playback grant and lists the signed URLs of every 320 kbps segment.
# 2. nginx (Debian's package) serves the same segment files from the media directory.
# 3. wrk -t2 -c64 cycles through the segments: our server with the signed URLs (with WORKERS=2
#    and WORKERS=1), then nginx (worker_processes 2 and 1). During our runs every PostgreSQL
#    process is stopped (SIGSTOP): a request that needed the database could not complete, so zero
#    errors and timeouts prove segments are served without a query.
# Prints a markdown table; saves bench/results/stream-<UTC stamp>.{md,json} and stream-latest.md.
# Env: DURATION (s per measurement, default 15), WARMUP (s, default 2).
# Exit: 0 target met (best ours ≥ 0.7 × best nginx in requests/s and bytes/s, no errors), 1 missed, 2 setup error.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/bench/stream"
RESULTS_DIR="$ROOT/bench/results"
BIN=${MUSICCONNECT_BIN:-$ROOT/build/musicconnect}
DURATION=${DURATION:-15}
WARMUP=${WARMUP:-2}
HOST=127.0.0.1
PORT=18090
NGINX_PORT=18091
TARGET=0.7

die() { echo "bench/stream: $*" >&2; exit 2; }
log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

[[ -x $BIN ]] || die "$BIN not found: build the server first (scripts/setup.sh)"
for tool in wrk curl jq ffmpeg nginx node; do command -v "$tool" >/dev/null || die "missing tool: $tool"; done

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
WORK="$ROOT/bench/.work/stream-$STAMP"
rm -rf "$ROOT"/bench/.work/stream-*
VAR_DIR="$WORK/var"
mkdir -p "$VAR_DIR" "$WORK/nginx" "$RESULTS_DIR"
chmod 755 "$ROOT/bench/.work" "$WORK" "$VAR_DIR"

SERVER_PID=""
NGINX_PID=""
FROZEN=()
cleanup() {
  for pid in "${FROZEN[@]}"; do kill -CONT "$pid" 2>/dev/null || true; done
  [[ -n $NGINX_PID ]] && kill "$NGINX_PID" 2>/dev/null || true
  if [[ -n $SERVER_PID ]]; then kill -TERM "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT

start_server() {  # $1 = WORKERS
  APP_ENV=development VAR_DIR="$VAR_DIR" PORT=$PORT HOST=$HOST WORKERS="$1" ACCESS_LOG=false JOBS="${2:-true}" \
    RATE_LIMIT_API_PER_MIN=100000 RATE_LIMIT_MEDIA_PER_MIN_IP=1000000000 RATE_LIMIT_MEDIA_PER_MIN_GRANT=1000000000 \
    "$BIN" serve >>"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 240); do
    curl -sf "http://$HOST:$PORT/health" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  die "server did not become ready (see $WORK/server.log)"
}
stop_server() {
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

api() {  # method path [json] — prints the body
  local method=$1 path=$2 body=${3:-}
  curl -sf -X "$method" "http://$HOST:$PORT$path" -H "authorization: Bearer ${TOKEN:-}" \
    ${body:+-H 'content-type: application/json' -d "$body"}
}

log "generating a 4-minute 44.1 kHz stereo FLAC"
ffmpeg -nostdin -v error -y -f lavfi -i "sine=frequency=330:sample_rate=44100:duration=240" \
  -f lavfi -i "anoisesrc=color=pink:amplitude=0.1:sample_rate=44100:duration=240" \
  -filter_complex "[0][1]amix=inputs=2:duration=first,aformat=channel_layouts=stereo" -c:a flac "$WORK/track.flac"

log "starting musicconnect and processing the track"
start_server 2
TOKEN=$(api POST /api/auth/register '{"username":"benchartist","email":"bench@example.com","password":"bench-password-123","role":"artist","artistName":"Bench"}' | jq -r .token)
RELEASE=$(api POST /api/releases '{"title":"Bench","kind":"single"}' | jq -r .id)
TRACK=$(curl -sf "http://$HOST:$PORT/api/uploads/content" -H "authorization: Bearer $TOKEN" \
  -F "releaseId=$RELEASE" -F "title=Bench track" -F "file=@$WORK/track.flac" | jq -r .track.id)
for _ in $(seq 1 600); do
  STATUS=$(api GET "/api/content/$TRACK" | jq -r .status)
  [[ $STATUS == ready || $STATUS == failed ]] && break
  sleep 1
done
[[ $STATUS == ready ]] || die "track processing ended as $STATUS"
MASTER=$(api POST "/api/content/$TRACK/playback" | jq -r .masterUrl)
QUERY=${MASTER#*\?}
VARIANT_PATH="${MASTER%%master.m3u8*}320/index.m3u8"
curl -sf "http://$HOST:$PORT$VARIANT_PATH?$QUERY" > "$WORK/variant.m3u8"
grep -v '^#' "$WORK/variant.m3u8" | sed '/^$/d' | sed "s|^|${MASTER%%master.m3u8*}320/|" > "$WORK/ours.txt"
grep -v '^#' "$WORK/variant.m3u8" | sed '/^$/d' | sed "s|^|${MASTER%%master.m3u8*}320/|; s|?.*$||" > "$WORK/nginx.txt"
SEGMENTS=$(wc -l < "$WORK/ours.txt")
SEGMENT_BYTES=$(du -cb "$VAR_DIR"/media/hls/"$TRACK"/v1/320/seg_*.m4s | tail -1 | cut -f1)
log "$SEGMENTS segments of the 320 kbps rung, $SEGMENT_BYTES bytes in all"
stop_server

cat > "$WORK/nginx/nginx.conf.in" <<CONF
daemon off;
worker_processes WORKERS;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  types { audio/mp4 m4s; }
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  server {
    listen $HOST:$NGINX_PORT;
    location /media/ {
      alias $VAR_DIR/media/;
      add_header Cache-Control "public, max-age=31536000, immutable";
    }
  }
}
CONF

RESULTS=()
measure() {  # name urls_file
  local name=$1 urls=$2 port=$3
  URLS_FILE="$urls" wrk -t2 -c64 -d"${WARMUP}s" -s "$HERE/segments.lua" "http://$HOST:$port" >/dev/null 2>&1 || true
  local out
  out=$(URLS_FILE="$urls" wrk -t2 -c64 -d"${DURATION}s" --timeout 5s -s "$HERE/segments.lua" "http://$HOST:$port")
  local json
  json=$(grep '^WRK_JSON ' <<<"$out" | sed 's/^WRK_JSON //')
  [[ -n $json ]] || die "wrk printed no summary for $name: $out"
  RESULTS+=("$(jq -c --arg name "$name" '. + {name: $name}' <<<"$json")")
  log "$name: $(jq -r '"\(.requests * 1000000 / .duration_us | floor) req/s, \(.bytes * 1000000 / .duration_us / 1048576 | floor) MiB/s, errors \(.errors)"' <<<"$json")"
}

for workers in 2 1; do
  log "musicconnect WORKERS=$workers (PostgreSQL frozen during the measurement)"
  start_server "$workers" false
  mapfile -t FROZEN < <(pgrep -f "postgres.*$VAR_DIR/pg" || true)
  mapfile -t FROZEN < <(for p in $(pgrep -x postgres); do
    [[ $(readlink "/proc/$p/cwd" 2>/dev/null) == "$VAR_DIR/pg/data" || $(tr '\0' ' ' < "/proc/$p/cmdline") == *"$VAR_DIR/pg"* ]] && echo "$p"; done)
  ((${#FROZEN[@]} > 0)) || die "found no PostgreSQL process to freeze"
  for pid in "${FROZEN[@]}"; do kill -STOP "$pid"; done
  measure "musicconnect (WORKERS=$workers)" "$WORK/ours.txt" $PORT
  for pid in "${FROZEN[@]}"; do kill -CONT "$pid"; done
  FROZEN=()
  stop_server
done

for workers in 2 1; do
  log "nginx worker_processes $workers"
  sed "s/WORKERS/$workers/" "$WORK/nginx/nginx.conf.in" > "$WORK/nginx/nginx.conf"
  nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" &
  NGINX_PID=$!
  for _ in $(seq 1 50); do curl -sf -o /dev/null "http://$HOST:$NGINX_PORT$(head -1 "$WORK/nginx.txt")" && break; sleep 0.1; done
  measure "nginx (worker_processes $workers)" "$WORK/nginx.txt" $NGINX_PORT
  kill "$NGINX_PID"; wait "$NGINX_PID" 2>/dev/null || true
  NGINX_PID=""
done

printf '%s\n' "${RESULTS[@]}" | jq -s --arg stamp "$STAMP" --argjson segments "$SEGMENTS" \
  --argjson segment_bytes "$SEGMENT_BYTES" --argjson target $TARGET --argjson duration "$DURATION" '
  def rps: .requests * 1000000 / .duration_us;
  def bps: .bytes * 1000000 / .duration_us;
  def errs: .errors.connect + .errors.read + .errors.write + .errors.status + .errors.timeout;
  (map(select(.name | startswith("musicconnect"))) | max_by(rps)) as $ours |
  (map(select(.name | startswith("nginx"))) | max_by(rps)) as $nginx |
  { stamp: $stamp, duration_s: $duration, segments: $segments, segment_bytes: $segment_bytes, runs: .,
    best_ours: $ours.name, best_nginx: $nginx.name,
    ratio_requests: (($ours | rps) / ($nginx | rps)), ratio_bytes: (($ours | bps) / ($nginx | bps)),
    ours_errors: (map(select(.name | startswith("musicconnect")) | errs) | add),
    target: $target }' > "$RESULTS_DIR/stream-$STAMP.json"

node - "$RESULTS_DIR/stream-$STAMP.json" > "$RESULTS_DIR/stream-$STAMP.md" <<'JS'
const r = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const rps = (x) => x.requests * 1e6 / x.duration_us;
const mib = (x) => x.bytes * 1e6 / x.duration_us / 1048576;
const errs = (x) => Object.values(x.errors).reduce((a, b) => a + b, 0);
const lines = [
  `# bench/stream — ${r.stamp}`, '',
  `HLS segments of one 4-minute track's 320 kbps rung (${r.segments} segments, ${(r.segment_bytes / 1048576).toFixed(1)} MiB), ` +
  `requested in turn by wrk -t2 -c64 for ${r.duration_s} s per row, on this machine (2 cores shared by server, wrk and nginx). ` +
  'Our server checks each URL\'s signature; nginx serves the same files from disk with sendfile. ' +
  'PostgreSQL is stopped (SIGSTOP) during our rows: no request could have waited on a query.', '',
  '| server | requests/s | MiB/s | p50 ms | p99 ms | errors |', '|---|---:|---:|---:|---:|---:|',
  ...r.runs.map((x) => `| ${x.name} | ${rps(x).toFixed(0)} | ${mib(x).toFixed(1)} | ${(x.latency_us.p50 / 1000).toFixed(2)} | ${(x.latency_us.p99 / 1000).toFixed(2)} | ${errs(x)} |`),
  '', `Best of each: ${r.best_ours} vs ${r.best_nginx}: **${r.ratio_requests.toFixed(2)}×** requests/s, **${r.ratio_bytes.toFixed(2)}×** bytes/s (target ≥ ${r.target}×).`,
  `Database: frozen during our runs; requests that failed or timed out: ${r.ours_errors}.`,
  '', (r.ratio_requests >= r.target && r.ratio_bytes >= r.target && r.ours_errors === 0) ? 'Result: **PASS**' : 'Result: **MISS**',
];
console.log(lines.join('\n'));
JS
cp "$RESULTS_DIR/stream-$STAMP.md" "$RESULTS_DIR/stream-latest.md"
cat "$RESULTS_DIR/stream-$STAMP.md"
grep -q 'Result: \*\*PASS\*\*' "$RESULTS_DIR/stream-$STAMP.md"
