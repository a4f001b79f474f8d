#!/usr/bin/env bash
# Runs the whole test suite: unit and integration tests (ctest, real PostgreSQL started by the
# harness), then black-box API tests against the real binary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

failed=0
echo "== unit and integration tests (ctest)"
if ! ctest --test-dir build --output-on-failure -j1 --timeout 900; then failed=1; fi

echo "== API tests (node --test, real binary, embedded PostgreSQL)"
if ! (cd tests/api && MC_BINARY="$PWD/../../build/musicconnect" npm test --silent); then failed=1; fi

if [ "$failed" -ne 0 ]; then
  echo "TEST SUITE FAILED"
  exit 1
fi
echo "TEST SUITE PASSED"
