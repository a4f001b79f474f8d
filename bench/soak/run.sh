#!/usr/bin/env bash
# bench/soak/run.sh — the soak run: a realistic mix at ~70 % of the measured peak for a long time.
#
#   bench/soak/run.sh                    # 30 minutes (plus ~2 minutes of setup and ramp)
#   bench/soak/run.sh --duration 3m      # a short validation run (also: DURATION=180)
#
# 1. Starts the deployment of bench/soak/stack.sh: an external PostgreSQL, `musicconnect serve`
#    (JOBS=false) and `musicconnect worker`, each under a restart loop, on 127.0.0.1 only.
# 2. The driver (driver.mjs, one Node process) registers artists and fans, uploads and publishes three
#    tracks, then measures the peak of the mix with a short closed-loop ramp (RAMP users, RAMP_STEP_S
#    each) and runs the same mix open-loop at LOAD_FRACTION (0.7) of that peak for DURATION seconds:
#    browse artists, artist pages and catalogs, discovery, search (GET /api/artists?search=), track
#    pages, /api/auth/me, comments (read and write), likes, refresh, sign-in, registration, playback
#    grants followed by their playlists and HLS segments, sandbox checkouts paid by the fan (tips and
#    subscriptions), and a 3-second FLAC upload every UPLOAD_INTERVAL_S seconds (processed by the worker).
# 3. Memory of the server, the worker and every PostgreSQL process is sampled from /proc every SAMPLE_S.
# 4. Every acknowledged write is checked in the database afterwards (uploads: processed too).
# Saves bench/results/soak-<UTC>.md, .json and .png (latency and memory over time) and soak-latest.md.
#
# Env: DURATION (s, default 1800), WINDOW_S (30), LOAD_FRACTION (0.7), RAMP ("4,16,48"), RAMP_STEP_S (10),
# UPLOAD_INTERVAL_S (20), SAMPLE_S (5), WARMUP_S (default min(300, DURATION/3): memory growth is judged
# after it), WORKERS (server event loops, 0 = one per core), ACCESS_LOG (true), LABEL (a note in the report).
# Needs: build/musicconnect, web/dist, node, curl, jq, ffmpeg, psql, postgresql-15, gnuplot (gnuplot-nox).
# Exit: 0 targets met (0 errors, every acknowledged write present, memory flat after warm-up),
# 1 results saved but a target missed, 2 setup failure.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/bench/soak"
RESULTS_DIR="$ROOT/bench/results"
BIN=${MUSICCONNECT_BIN:-$ROOT/build/musicconnect}
HOST=127.0.0.1
PORT=${PORT:-28195}
PG_PORT=${PG_PORT:-28196}

duration_arg() {  # 90 | 90s | 3m | 1h → seconds
  local v=$1
  case $v in *h) echo $(( ${v%h} * 3600 ));; *m) echo $(( ${v%m} * 60 ));; *s) echo "${v%s}";; *) echo "$v";; esac
}
DURATION=${DURATION:-1800}
while (($#)); do
  case $1 in
    --duration) DURATION=$(duration_arg "$2"); shift 2;;
    --label) LABEL=$2; shift 2;;
    *) echo "usage: $0 [--duration 30m|180s] [--label TEXT]" >&2; exit 2;;
  esac
done
WARMUP_S=${WARMUP_S:-$(( DURATION / 3 < 300 ? DURATION / 3 : 300 ))}

# shellcheck source=stack.sh
source "$HERE/stack.sh"
stack_preflight soak

trap 'stack_stop' EXIT
stack_log "soak $STAMP: ${DURATION}s at ${LOAD_FRACTION:-0.7} of the peak; work dir $WORK"
make_media
stack_prepare || die "PostgreSQL setup failed"
stack_start || die "the stack did not start"

BASE="http://$HOST:$PORT" DURATION_S=$DURATION WINDOW_S=${WINDOW_S:-30} \
  timeout $(( DURATION + 1200 )) node "$HERE/driver.mjs" "$WORK" 2> >(tee "$WORK/logs/driver.log" >&2) \
  || die "the driver failed (see $WORK/logs/driver.log)"

stack_log "checking every acknowledged write in the database"
verify_acked
stack_stop
trap - EXIT

git -C "$ROOT" rev-parse --short HEAD >"$WORK/commit" 2>/dev/null || echo unknown >"$WORK/commit"
rc=0
node "$HERE/report.mjs" soak "$WORK" "$RESULTS_DIR/soak-$STAMP" "$WARMUP_S" "${LABEL:-}" || rc=$?
[[ -f $RESULTS_DIR/soak-$STAMP.md ]] || die "no report written"
cp "$RESULTS_DIR/soak-$STAMP.md" "$RESULTS_DIR/soak-latest.md"
cat "$RESULTS_DIR/soak-$STAMP.md"
exit "$rc"
