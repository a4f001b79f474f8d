#!/usr/bin/env bash
# Ingest benchmark (bench/README.md): a 4-minute 44.1 kHz stereo FLAC, from "upload complete" to
# (a) the first HLS rung playable and (b) every rung ready with loudness and waveform, against ONE
# plain ffmpeg command making the same 3-rung ladder. Rounds alternate the order of the two.
#
# Exit status: 0 every target met; 1 results saved but a target missed; 2 setup failure.
set -euo pipefail
cd "$(dirname "$0")/../.."

BUILD_DIR="${BUILD_DIR:-build}"
BIN="${MEDIA_BENCH_BIN:-$BUILD_DIR/bench/ingest/media_bench}"
ROUNDS="${ROUNDS:-3}"
AUDIO_SECONDS="${AUDIO_SECONDS:-240}"
WAIT_FOR_LOAD="${WAIT_FOR_LOAD:-}"  # e.g. 0.5: wait (up to 5 min) for a 1-minute load below it
TARGET_A=0.40
TARGET_B=1.00
TOLERANCE_S=0.1
WORK=bench/.work/ingest
RESULTS=bench/results

die() {
  echo "ingest bench: $*" >&2
  exit 2
}
for tool in ffmpeg ffprobe jq cmake ninja; do
  command -v "$tool" >/dev/null || die "$tool is not installed (scripts/setup.sh)"
done
if [ ! -x "$BIN" ]; then
  echo "== building media_bench in $BUILD_DIR (-DMC_BUILD_BENCH=ON)"
  cmake -S . -B "$BUILD_DIR" -G Ninja -DMC_BUILD_BENCH=ON >/dev/null || die "cmake failed"
  ninja -C "$BUILD_DIR" media_bench || die "build failed"
fi

mkdir -p "$WORK" "$RESULTS"
SRC="$WORK/source-${AUDIO_SECONDS}s.flac"
if [ ! -s "$SRC" ]; then
  echo "== generating $SRC (${AUDIO_SECONDS} s, 44.1 kHz stereo 16-bit FLAC: pink noise under two tremolo tones)"
  ffmpeg -nostdin -v error -y \
    -f lavfi -i "anoisesrc=d=${AUDIO_SECONDS}:c=pink:r=44100:a=0.12:s=42" \
    -f lavfi -i "anoisesrc=d=${AUDIO_SECONDS}:c=pink:r=44100:a=0.12:s=43" \
    -f lavfi -i "sine=f=220:d=${AUDIO_SECONDS}:r=44100" \
    -f lavfi -i "sine=f=331:d=${AUDIO_SECONDS}:r=44100" \
    -filter_complex "[2][3]amix=inputs=2,volume=0.6,tremolo=f=2:d=0.5,asplit[t1][t2];[0][t1]amix=inputs=2:normalize=0[l];[1][t2]amix=inputs=2:normalize=0[r];[l][r]join=inputs=2:channel_layout=stereo" \
    -sample_fmt s16 -c:a flac "$SRC.tmp.flac" || die "could not generate the source"
  mv "$SRC.tmp.flac" "$SRC"
fi

if [ -n "$WAIT_FOR_LOAD" ]; then
  for _ in $(seq 60); do
    awk -v max="$WAIT_FOR_LOAD" '{ exit !($1 < max) }' /proc/loadavg && break
    sleep 5
  done
fi

# Warm the tools' shared libraries so the first timed run does not pay for loading them.
ffmpeg -nostdin -v error -i "$SRC" -t 1 -f null - || die "ffmpeg cannot decode the source"

measure() {  # mode round → JSON on stdout
  timeout 900 "$BIN" "$1" "$SRC" "$WORK/out-$1" >"$WORK/round-$2-$1.json" 2>"$WORK/round-$2-$1.log" ||
    die "media_bench $1 failed: $(tail -3 "$WORK/round-$2-$1.log")"
}

load_before=$(cut -d' ' -f1 /proc/loadavg)
echo "== $ROUNDS rounds (baseline and process_audio alternately first); 1-minute load before: $load_before"
: >"$WORK/rounds.jsonl"
for round in $(seq "$ROUNDS"); do
  load=$(cut -d' ' -f1 /proc/loadavg)
  if [ $((round % 2)) -eq 1 ]; then
    measure baseline "$round"
    measure ours "$round"
  else
    measure ours "$round"
    measure baseline "$round"
  fi
  jq -c -n --argjson round "$round" --argjson load "$load" \
    --slurpfile b "$WORK/round-$round-baseline.json" --slurpfile o "$WORK/round-$round-ours.json" \
    '{round: $round, load_1min: $load, baseline: $b[0], ours: $o[0],
      ratio_a: ($o[0].first_rung_s / $b[0].wall_s), ratio_b: ($o[0].all_ready_s / $b[0].wall_s)}' \
    >>"$WORK/rounds.jsonl"
  jq -r '"round \(.round) (load \(.load_1min)): baseline \(.baseline.wall_s * 100 | round / 100) s; first rung \(.ours.first_rung_s * 100 | round / 100) s (\(.ratio_a * 100 | round / 100)x); all ready \(.ours.all_ready_s * 100 | round / 100) s (\(.ratio_b * 100 | round / 100)x)"' \
    <(tail -1 "$WORK/rounds.jsonl")
done

# Through the server: the same file uploaded to a running musicconnect, timed from the moment the
# upload request has been answered (202) until the track lists the 128 kbps rung (a) and is ready
# (b); each round beside a fresh baseline run. Skipped with THROUGH_SERVER=0.
SERVER_BIN="${MUSICCONNECT_BIN:-$BUILD_DIR/musicconnect}"
: >"$WORK/server-rounds.jsonl"
if [ "${THROUGH_SERVER:-1}" = 1 ] && [ -x "$SERVER_BIN" ]; then
  SPORT=18095
  SVAR="$PWD/$WORK/server-var"
  rm -rf "$SVAR" && mkdir -p "$SVAR" && chmod 755 "$SVAR" "$PWD/$WORK" "$PWD/bench/.work"
  # MEDIA_JOBS_NICE=0: the tools at the baseline's priority (the default 10 yields to the API).
  APP_ENV=development VAR_DIR="$SVAR" PORT=$SPORT HOST=127.0.0.1 ACCESS_LOG=false RATE_LIMIT_API_PER_MIN=1000000 MEDIA_JOBS_NICE=0 \
    "$SERVER_BIN" serve >"$WORK/server.log" 2>&1 &
  server_pid=$!
  trap 'kill -TERM $server_pid 2>/dev/null || true; wait $server_pid 2>/dev/null || true' EXIT
  for _ in $(seq 240); do curl -sf "http://127.0.0.1:$SPORT/health" >/dev/null && break; sleep 0.5; done
  api() { curl -sf -X "$1" "http://127.0.0.1:$SPORT$2" -H "authorization: Bearer ${TOKEN:-}" ${3:+-H 'content-type: application/json' -d "$3"}; }
  TOKEN=$(api POST /api/auth/register '{"username":"ingestbench","email":"ingest@example.com","password":"ingest-bench-123","role":"artist","artistName":"Ingest"}' | jq -r .token)
  RELEASE=$(api POST /api/releases '{"title":"Ingest","kind":"album"}' | jq -r .id)
  for round in $(seq "$ROUNDS"); do
    measure baseline "s$round"
    node bench/ingest/through_server.mjs "http://127.0.0.1:$SPORT" "$TOKEN" "$RELEASE" "$SRC" "Round $round" \
      >"$WORK/round-s$round-server.json" || die "through the server, round $round failed"
    jq -c -n --argjson round "$round" --slurpfile b "$WORK/round-s$round-baseline.json" \
      --slurpfile o "$WORK/round-s$round-server.json" \
      '$o[0].first_rung_s as $a | $o[0].all_ready_s as $all | {round: $round, baseline_s: $b[0].wall_s, first_rung_s: $a, all_ready_s: $all,
        ratio_a: ($a / $b[0].wall_s), ratio_b: ($all / $b[0].wall_s)}' >>"$WORK/server-rounds.jsonl"
    jq -r '"server round \(.round): baseline \(.baseline_s * 100 | round / 100) s; first rung \(.first_rung_s * 100 | round / 100) s (\(.ratio_a * 100 | round / 100)x); ready \(.all_ready_s * 100 | round / 100) s (\(.ratio_b * 100 | round / 100)x)"' \
      <(tail -1 "$WORK/server-rounds.jsonl")
  done
fi

stamp=$(date -u +%Y%m%dT%H%M%SZ)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain 2>/dev/null | grep -q . && echo " (uncommitted changes)" || true)
cpu_model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
ffmpeg_version=$(ffmpeg -version | head -1 | cut -d' ' -f3)

jq -s --arg stamp "$stamp" --arg commit "$commit$dirty" --arg cpu "$cpu_model" --arg cores "$(nproc)" \
  --arg kernel "$(uname -r)" --arg ffmpeg "$ffmpeg_version" --argjson seconds "$AUDIO_SECONDS" \
  --argjson load_before "$load_before" --argjson ta "$TARGET_A" --argjson tb "$TARGET_B" --argjson tol "$TOLERANCE_S" \
  --slurpfile server "$WORK/server-rounds.jsonl" '
  def median: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  . as $rounds
  | ([$rounds[] | .ours as $o | $o.rungs[] | (.duration_s - $o.source_duration_s) | fabs] | max) as $drift_ours
  | ([$rounds[] | .ours.source_duration_s as $d | .baseline.rungs[] | (.duration_s - $d) | fabs] | max) as $drift_base
  | {
      stamp: $stamp, commit: $commit,
      machine: {cpu: $cpu, cores: ($cores | tonumber), kernel: $kernel}, ffmpeg: $ffmpeg,
      input: {seconds: $seconds, format: "FLAC 44.1 kHz stereo s16"},
      load_1min_before: $load_before,
      baseline_command: $rounds[0].baseline.command,
      rounds: $rounds,
      median: {
        baseline_s: ([$rounds[].baseline.wall_s] | median),
        probe_s: ([$rounds[].ours.probe_s] | median),
        first_rung_s: ([$rounds[].ours.first_rung_s] | median),
        all_ready_s: ([$rounds[].ours.all_ready_s] | median),
        baseline_cpu_s: ([$rounds[].baseline.cpu_s] | median),
        ours_cpu_s: ([$rounds[].ours.cpu_s] | median),
        ratio_a: ([$rounds[].ratio_a] | median),
        ratio_b: ([$rounds[].ratio_b] | median),
        load_1min: ([$rounds[].load_1min] | median)
      },
      hls_drift_s: {ours: $drift_ours, baseline: $drift_base},
      targets: {ratio_a: $ta, ratio_b: $tb, hls_drift_s: $tol}
    }
  | .server = (if ($server | length) > 0 then {rounds: $server,
      ratio_a: ([$server[].ratio_a] | median), ratio_b: ([$server[].ratio_b] | median),
      first_rung_s: ([$server[].first_rung_s] | median), all_ready_s: ([$server[].all_ready_s] | median),
      baseline_s: ([$server[].baseline_s] | median)} else null end)
  | .pass = {ratio_a: (.median.ratio_a <= $ta), ratio_b: (.median.ratio_b <= $tb), hls: ($drift_ours <= $tol),
             server_a: (.server == null or .server.ratio_a <= $ta), server_b: (.server == null or .server.ratio_b <= $tb)}
  | .overall = (.pass.ratio_a and .pass.ratio_b and .pass.hls and .pass.server_a and .pass.server_b)
' "$WORK/rounds.jsonl" >"$RESULTS/ingest-$stamp.json"

R="$RESULTS/ingest-$stamp.json"
pf() { [ "$(jq -r "$1" "$R")" = true ] && echo PASS || echo FAIL; }
f2() { jq -r "$1 * 100 | round / 100" "$R"; }
{
  echo "# Ingest benchmark — $(date -u -d "${stamp:0:8} ${stamp:9:2}:${stamp:11:2}:${stamp:13:2}" '+%Y-%m-%d %H:%M:%S') UTC"
  echo
  echo "Input: ${AUDIO_SECONDS} s 44.1 kHz stereo 16-bit FLAC (pink noise under two tremolo tones), $ROUNDS rounds,"
  echo "baseline and process_audio alternately first. Machine: $(nproc) × $cpu_model, Linux $(uname -r)."
  echo "Commit $commit$dirty; ffmpeg $ffmpeg_version. 1-minute load average before the run: $load_before (each"
  echo "round's figure includes the benchmark's own previous round)."
  echo
  echo "- **Baseline**: one ffmpeg, the same ladder (AAC-LC 128/256/320 kbps, fMP4 HLS, 6 s segments), no analysis:"
  echo "  \`$(jq -r .baseline_command "$R" | sed "s#$PWD/##g")\`"
  echo "- **Ours**: \`probe_audio\` (sniff, ffprobe, full decode check) then \`process_audio\` (3 rungs, EBU R128"
  echo "  loudness with true peak, 1000-point waveform, master playlist), timed from the start: (a) at"
  echo "  \`on_rung_ready(128)\`, (b) when \`process_audio\` returns."
  echo
  echo "| round | load (1 min) | baseline | probe | (a) first rung | (b) all ready | (a) ÷ baseline | (b) ÷ baseline |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
  jq -r '.rounds[] | "| \(.round) | \(.load_1min) | \(.baseline.wall_s * 100 | round / 100) s | \(.ours.probe_s * 100 | round / 100) s | \(.ours.first_rung_s * 100 | round / 100) s | \(.ours.all_ready_s * 100 | round / 100) s | \(.ratio_a * 100 | round / 100)× | \(.ratio_b * 100 | round / 100)× |"' "$R"
  echo "| **median** | $(f2 .median.load_1min) | $(f2 .median.baseline_s) s | $(f2 .median.probe_s) s | $(f2 .median.first_rung_s) s | $(f2 .median.all_ready_s) s | **$(f2 .median.ratio_a)×** | **$(f2 .median.ratio_b)×** |"
  echo
  echo "| check | value | target | pass/fail |"
  echo "|---|---:|---|---|"
  echo "| (a) first rung playable ÷ baseline (median of rounds) | $(f2 .median.ratio_a)× | ≤ ${TARGET_A}× | $(pf .pass.ratio_a) |"
  echo "| (b) all rungs + loudness + waveform ÷ baseline | $(f2 .median.ratio_b)× | ≤ ${TARGET_B}× | $(pf .pass.ratio_b) |"
  if [ "$(jq -r '.server != null' "$R")" = true ]; then
    echo "| through the server, upload answered → (a) 128 kbps listed ÷ baseline | $(f2 .server.ratio_a)× ($(f2 .server.first_rung_s) s) | ≤ ${TARGET_A}× | $(pf .pass.server_a) |"
    echo "| through the server, upload answered → (b) ready ÷ baseline | $(f2 .server.ratio_b)× ($(f2 .server.all_ready_s) s) | ≤ ${TARGET_B}× | $(pf .pass.server_b) |"
  fi
  echo "| HLS total duration vs source, worst rung | $(jq -r '.hls_drift_s.ours * 1000 | round' "$R") ms (baseline $(jq -r '.hls_drift_s.baseline * 1000 | round' "$R") ms) | ≤ $(jq -r '.targets.hls_drift_s * 1000' "$R") ms | $(pf .pass.hls) |"
  echo
  echo "CPU time (user + system, all processes): baseline $(f2 .median.baseline_cpu_s) s, ours $(f2 .median.ours_cpu_s) s"
  echo "(the probe's decode check, one decode per tool and the analysis)."
  echo
  if [ "$(jq -r .overall "$R")" = true ]; then echo "**Overall: PASS**"; else echo "**Overall: FAIL**"; fi
  if awk -v l="$load_before" 'BEGIN { exit !(l >= 0.5) }'; then
    echo
    echo "Note: the machine was busy before the run (1-minute load $load_before on $(nproc) cores): other"
    echo "processes took CPU from both sides; ratios are more trustworthy than absolute times."
  fi
  echo
  echo "## Raw results"
  echo
  echo '```json'
  jq -c '.rounds[]' "$R"
  echo '```'
} >"$RESULTS/ingest-$stamp.md"
cp "$RESULTS/ingest-$stamp.md" "$RESULTS/ingest-latest.md"

echo
sed -n '/^| round/,/^\*\*Overall/p' "$RESULTS/ingest-$stamp.md"
echo
echo "saved $RESULTS/ingest-$stamp.md and .json (and ingest-latest.md)"
[ "$(jq -r .overall "$R")" = true ] || exit 1
