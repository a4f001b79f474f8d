#!/usr/bin/env bash
# Runs the whole test suite:
#   1. unit and integration tests (ctest; the harness starts real PostgreSQL, including a replica)
#   2. the unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer
#   3. black-box API tests (node --test, two files at a time) against the sanitizer build: every
#      request path under ASan + UBSan. The release build serves the browser journeys and the lab,
#      which go through the same paths; running the API files against it as well cost five minutes
#      of a CI budget of forty for little more.
#   4. browser journeys (tests/e2e: playwright-core driving Debian's chromium) against the release build
#   5. the fuzz smoke: every libFuzzer target of tests/fuzz for 30 s (scripts/fuzz.sh), failing on any crash
#   6. the reduced multi-region lab (tests/lab/run.sh: Patroni, etcd, HAProxy, drills, restore), in
#      which check-infra's lab stage runs (`scripts/check-infra.sh --lab-only`: the guide's commands)
#   7. the infrastructure checks (scripts/check-infra.sh --no-lab: Terraform, Kubernetes, images,
#      monitoring; its lab stage ran in 6, so no second lab)
set -euo pipefail
cd "$(dirname "$0")/.."

# Each stage's wall time, printed again at the end (CI shows the tail of the log).
timings=()
stage_start=$SECONDS
stage_name="setup and release build"
stage() {
  timings+=("$(printf '%5ds  %s' $((SECONDS - stage_start)) "$stage_name")")
  stage_name="$1"
  stage_start=$SECONDS
  echo "== $1"
}

scripts/setup.sh

stage "sanitizer build (ASan + UBSan)"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DMC_SANITIZE=ON >/dev/null
ninja -C build-asan -j"$(nproc)"

export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
failed=()

stage "unit and integration tests (ctest, release build)"
ctest --test-dir build --output-on-failure -j1 --timeout 900 || failed+=("ctest")

stage "unit tests (sanitizer build)"
build-asan/tests/unit_tests --gtest_brief=1 || failed+=("unit-asan")

stage "integration tests (sanitizer build)"
build-asan/tests/integration_tests --gtest_brief=1 || failed+=("integration-asan")

stage "API tests against the sanitizer build"
(cd tests/api && MC_BINARY="$PWD/../../build-asan/musicconnect" npm test --silent) || failed+=("api-asan")

stage "browser journeys (release build, web/dist)"
(cd tests/e2e && MC_BINARY="$PWD/../../build/musicconnect" npm test --silent) || failed+=("e2e")

stage "fuzz smoke: every parser of untrusted input, 30 s per target (libFuzzer, ASan + UBSan)"
FUZZ_SAVE=0 FUZZ_API=0 FUZZ_JOBS="$(nproc)" scripts/fuzz.sh 30 || failed+=("fuzz")

stage "multi-region lab, reduced (two regions, one drill of each kind, restore, clean shutdown)"
MC_BINARY="$PWD/build/musicconnect" tests/lab/run.sh || failed+=("lab")

stage "infrastructure checks (terraform, kustomize overlays, images, alerts, dashboards, database setup)"
scripts/check-infra.sh --no-lab || failed+=("infra")

stage "done"
echo "== wall time per stage (total ${SECONDS}s)"
printf '%s\n' "${timings[@]}"

if [ ${#failed[@]} -ne 0 ]; then
  echo "TEST SUITE FAILED: ${failed[*]}"
  exit 1
fi
echo "TEST SUITE PASSED"
