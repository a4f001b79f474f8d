#!/usr/bin/env bash
# Fuzzes every parser of untrusted input with libFuzzer, AddressSanitizer and UBSan:
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]        # default 1800 (30 minutes per target)
#
# Builds the harnesses of tests/fuzz (clang, in build-fuzz), runs each target for that long on a
# working corpus kept outside the repository (var/fuzz/<target>/corpus, seeded from
# tests/fuzz/corpus/<target>/), prints a table and saves it as bench/results/fuzz-<UTC stamp>.md
# and bench/results/fuzz-latest.md. Exit status 1 when any run crashed (the input is kept in
# var/fuzz/<target>/artifacts-<stamp>/, the log in var/fuzz/<target>/log; turn the input into a
# unit test), 2 when the build failed.
#
# Environment: FUZZ_TARGETS (a space-separated subset of the libFuzzer targets), FUZZ_JOBS (runs at
# once; default 1), FUZZ_SAVE=0 (print the table only, as CI does), FUZZ_API=0 (skip the API fuzz;
# MC_BINARY names the server it starts, default build/musicconnect), FUZZ_BUILD_DIR, FUZZ_WORK_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET="${1:-1800}"
BUILD_DIR="${FUZZ_BUILD_DIR:-build-fuzz}"
WORK_DIR="${FUZZ_WORK_DIR:-var/fuzz}"
JOBS="${FUZZ_JOBS:-1}"
SAVE="${FUZZ_SAVE:-1}"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"

# The libFuzzer targets: tests/fuzz/<target>.cpp with seeds in tests/fuzz/corpus/<target>/ (a new
# target needs both, nothing else).
LIBFUZZER_TARGETS=()
for seeds in tests/fuzz/corpus/*/; do LIBFUZZER_TARGETS+=("$(basename "$seeds")"); done
read -r -a SELECTED <<<"${FUZZ_TARGETS:-${LIBFUZZER_TARGETS[*]}}"
# Extra libFuzzer flags per target (inputs longer than the 4 KiB default where the parser's
# limits are larger: the sniffer's Ogg tail search and ID3 skipping).
declare -A TARGET_FLAGS=([sniff]="-max_len=140000")

ROWS="$WORK_DIR/rows-$STAMP"
mkdir -p "$ROWS"

# One row of the table: NAME SECONDS EXECS EXEC_PER_S CORPUS COVERAGE CRASHES ("-": not applicable).
record() {
  echo "$*" >"$ROWS/$1"
}

echo "== building the fuzz targets ($BUILD_DIR: clang, libFuzzer, ASan + UBSan)"
if ! CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -G Ninja -DMC_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  >"$ROWS/build.log" 2>&1 || ! ninja -C "$BUILD_DIR" -j"$(nproc)" >>"$ROWS/build.log" 2>&1; then
  tail -50 "$ROWS/build.log"
  echo "fuzz build failed"
  exit 2
fi

export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

run_libfuzzer() {
  local target="$1"
  local dir="$WORK_DIR/$target"
  local artifacts="$dir/artifacts-$STAMP"
  mkdir -p "$dir/corpus" "$artifacts"
  local started=$SECONDS rc=0
  # shellcheck disable=SC2086  # TARGET_FLAGS holds several words
  "$BUILD_DIR/tests/fuzz/fuzz_$target" -max_total_time="$SECONDS_PER_TARGET" -print_final_stats=1 \
    -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$artifacts/" ${TARGET_FLAGS[$target]:-} \
    "$dir/corpus" "tests/fuzz/corpus/$target" >"$dir/log" 2>&1 || rc=$?
  local took=$((SECONDS - started))
  local execs rate corpus coverage crashes
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log" | tail -1)
  corpus=$(grep -o 'corp: [0-9]*' "$dir/log" | tail -1 | grep -o '[0-9]*$' || true)
  coverage=$(grep -o 'cov: [0-9]*' "$dir/log" | tail -1 | grep -o '[0-9]*$' || true)
  crashes=$(find "$artifacts" -type f | wc -l)
  if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes=1; fi
  if [ "$crashes" -eq 0 ]; then rmdir "$artifacts" 2>/dev/null || true; fi
  record "$target" "$took" "${execs:--}" "${rate:--}" "${corpus:--}" "${coverage:--}" "$crashes"
  echo "   $target: ${execs:-?} runs in ${took} s, $crashes crash(es)"
  return 0
}

echo "== fuzzing ${#SELECTED[@]} target(s), ${SECONDS_PER_TARGET} s each, $JOBS at a time"
running=0
for target in "${SELECTED[@]}"; do
  [ -x "$BUILD_DIR/tests/fuzz/fuzz_$target" ] || { echo "no fuzz target $target"; exit 2; }
  run_libfuzzer "$target" &
  running=$((running + 1))
  if [ "$running" -ge "$JOBS" ]; then
    wait -n
    running=$((running - 1))
  fi
done
wait

# ---- Extra runs --------------------------------------------------------------------------------
# Fuzzers that are not libFuzzer targets: each runs for $SECONDS_PER_TARGET seconds and calls
# `record NAME SECONDS EXECS EXEC_PER_S CORPUS COVERAGE CRASHES` ("-" where a column does not apply).
# They run one after another, after the libFuzzer targets.

# The property-based API fuzz (tests/api/openapi_fuzz.test.mjs, fast-check driven by
# docs/api/openapi.json) against the release server binary: any 5xx, crash or answer outside the
# document counts as a crash (the log names the operation and the seed that replays it).
# FUZZ_API=0 skips it (the CI smoke does: the API suite runs its bounded form).
api_openapi() {
  local dir="$WORK_DIR/api_openapi" started=$SECONDS rc=0
  mkdir -p "$dir"
  (cd tests/api && MC_BINARY="${MC_BINARY:-$PWD/../../build/musicconnect}" \
    MC_API_FUZZ_SECONDS="$SECONDS_PER_TARGET" node --test openapi_fuzz.test.mjs) >"$dir/log" 2>&1 || rc=$?
  local took=$((SECONDS - started)) requests rate
  requests=$(sed -n 's/.*answers by status: //p' "$dir/log" | tail -1 | grep -o '×[0-9]*' | tr -d '×' |
    awk '{ n += $1 } END { if (NR) print n }')
  rate=$([ -n "$requests" ] && [ "$took" -gt 0 ] && echo $((requests / took)) || echo -)
  record api_openapi "$took" "${requests:--}" "$rate" - - "$((rc != 0))"
  echo "   api_openapi: ${requests:-?} requests in ${took} s, rc $rc"
}
EXTRA_RUNS=()
if [ "${FUZZ_API:-1}" = "1" ] && [ -z "${FUZZ_TARGETS:-}" ]; then EXTRA_RUNS+=(api_openapi); fi
for run in "${EXTRA_RUNS[@]}"; do
  "$run"
done
# ---- End of extra runs -------------------------------------------------------------------------

total_crashes=0
table="| target | seconds | execs | exec/s | corpus | coverage | crashes |
|---|---:|---:|---:|---:|---:|---:|"
for target in "${SELECTED[@]}" "${EXTRA_RUNS[@]}"; do
  read -r name took execs rate corpus coverage crashes <"$ROWS/$target"
  table+=$'\n'"| $name | $took | $execs | $rate | $corpus | $coverage | $crashes |"
  total_crashes=$((total_crashes + crashes))
done

commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
git diff --quiet HEAD 2>/dev/null || commit+=" (uncommitted changes)"
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
report="# Fuzzing — $(date -u '+%Y-%m-%d %H:%M:%S') UTC

libFuzzer ($(clang --version | head -1 | sed 's/^Debian //')) with AddressSanitizer and
UndefinedBehaviorSanitizer, ${SECONDS_PER_TARGET} s per target, ${JOBS} at a time. Commit ${commit}.
Machine: $(nproc) × ${cpu}. Working corpora in ${WORK_DIR}/<target>/corpus, seeded from
tests/fuzz/corpus/<target>/. *corpus*: inputs kept (libFuzzer's \`corp\`); *coverage*: edges
reached (\`cov\`).

${table}

Crashes: **${total_crashes}**"

echo
echo "$report"
if [ "$SAVE" = "1" ]; then
  mkdir -p bench/results
  echo "$report" >"bench/results/fuzz-$STAMP.md"
  cp "bench/results/fuzz-$STAMP.md" bench/results/fuzz-latest.md
  echo
  echo "saved bench/results/fuzz-$STAMP.md and bench/results/fuzz-latest.md"
fi
rm -rf "$ROWS"

if [ "$total_crashes" -ne 0 ]; then
  echo "FUZZING FOUND CRASHES: inputs in $WORK_DIR/<target>/artifacts-$STAMP/, logs in $WORK_DIR/<target>/log"
  exit 1
fi
