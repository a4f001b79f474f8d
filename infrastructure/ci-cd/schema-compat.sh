#!/usr/bin/env bash
# Whether a release's migrations let the release running now keep serving (docs/operations.md,
# "Schema changes"): the new release's first pod migrates the one global database, and until every
# pod runs the new release — and after a rollback — the running binary serves on that schema.
#
#   infrastructure/ci-cd/schema-compat.sh RUNNING_COMMIT NEW_COMMIT [REPO]
#
# A migration runs with the previous release's binary unless it declares otherwise on a line
# `-- oldest-compatible-binary: <version>` (src/db/migrations.hpp). Prints one line per migration
# the new release adds and exits 0 when all of them run with RUNNING's binary; 1 when one does not
# (or a migration RUNNING already has was changed, which must never happen); 2 when the commits
# cannot be compared.
set -euo pipefail
running="${1:?running commit}" new="${2:?new commit}" repo="${3:-$(cd "$(dirname "$0")/../.." && pwd)}"
g() { git -C "$repo" "$@"; }
for c in "$running" "$new"; do
  g cat-file -e "$c^{commit}" 2>/dev/null || { echo "schema-compat: $c is not a commit of $repo" >&2; exit 2; }
done
version_of() { local b; b="$(basename "$1")"; echo "$((10#${b%%_*}))"; }

# The binary of RUNNING knows migrations up to its highest version.
known=0
while IFS= read -r f; do
  [ -n "$f" ] || continue
  v="$(version_of "$f")"
  if [ "$v" -gt "$known" ]; then known="$v"; fi
done < <(g ls-tree --name-only "$running" -- migrations/ | grep -E '^migrations/[0-9]+_.*\.sql$' || true)

status=0
changed="$(g diff --name-only --diff-filter=MDR "$running" "$new" -- migrations/)"
if [ -n "$changed" ]; then
  echo "changed or removed after release: $(tr '\n' ' ' <<<"$changed")— a migration is never edited once released"
  status=1
fi
while IFS= read -r f; do
  [ -n "$f" ] || continue
  v="$(version_of "$f")"
  declared="$(g show "$new:$f" | sed -n 's/^-- oldest-compatible-binary:[[:space:]]*\([0-9][0-9]*\).*/\1/p' | head -1)"
  if [ -z "$declared" ]; then
    echo "$f: additive (runs with the release before it)"
    # Undeclared means "the release before it": with several releases skipped, that may be newer
    # than the running one.
    previous="$(g ls-tree --name-only "$new" -- migrations/ | grep -E '^migrations/[0-9]+_.*\.sql$' |
      while IFS= read -r p; do pv="$(version_of "$p")"; if [ "$pv" -lt "$v" ]; then echo "$pv"; fi; done | sort -n | tail -1)"
    declared="${previous:-0}"
  else
    echo "$f: declares oldest-compatible-binary $declared"
  fi
  if [ "$((10#$declared))" -gt "$known" ]; then
    echo "  → the running release knows migrations up to $known, and $f needs a binary of $((10#$declared)) or later"
    status=1
  fi
done < <(g diff --name-only --diff-filter=A "$running" "$new" -- migrations/ | grep -E '^migrations/[0-9]+_.*\.sql$' || true)
exit "$status"
