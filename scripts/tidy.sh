#!/usr/bin/env bash
# clang-tidy over the given C++ files (default: those changed against origin/main or HEAD~1),
# using a compile database configured without the GCC precompiled header.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-tidy -G Ninja -DMC_PCH=OFF -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
ninja -C build-tidy generated/embedded_migrations.cpp generated/embedded_docs.cpp >/dev/null
if [ $# -eq 0 ]; then
  base=$(git rev-parse --verify -q origin/main || git rev-parse HEAD~1)
  mapfile -t files < <(git diff --name-only "$base" -- 'src/*.cpp' 'tests/*.cpp')
else
  files=("$@")
fi
[ ${#files[@]} -eq 0 ] && { echo "no C++ files to check"; exit 0; }
status=0
for f in "${files[@]}"; do
  [ -f "$f" ] || continue
  out=$(clang-tidy -p build-tidy --quiet "$f" 2>&1) || status=1
  grep -v "warnings generated" <<<"$out" || true
done
exit $status
