#!/usr/bin/env bash
# Moves the writable database to another region (the operator guide's "Manual database failover"):
#   ./infrastructure/database/failover-automation.sh "Manual failover initiated" [--to REGION]
# It runs `musicconnect ops failover`, which asks the engine that owns failover — Aurora Global
# Database (provider aws: switchover or failover-global-cluster, Route 53, ConfigMaps) or Patroni
# (provider patroni: the lab and self-hosted) — picks the least-lagged healthy replica unless --to
# names one, waits until it accepts writes and records the event in monitoring.failover_events.
# Safe to re-run: the same reason within 30 minutes finds the work done and changes nothing.
#
# Settings: OPS_TOPOLOGY (default /etc/musicconnect/topology.json, or the running lab's),
# MUSICCONNECT_BIN (default: musicconnect on PATH, else this checkout's build).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

if [ $# -lt 1 ] || [ -z "$1" ] || [ "${1#-}" != "$1" ]; then
  echo "usage: $0 \"reason\" [--to REGION] [--force] [--unplanned]" >&2
  exit 2
fi
reason="$1"
shift

if [ -z "${OPS_TOPOLOGY:-}" ]; then
  for candidate in /etc/musicconnect/topology.json "${LAB_DIR:-/tmp/musicconnect-lab}/topology.json"; do
    if [ -f "$candidate" ]; then OPS_TOPOLOGY="$candidate"; break; fi
  done
fi
[ -n "${OPS_TOPOLOGY:-}" ] || { echo "OPS_TOPOLOGY is not set and no topology file was found" >&2; exit 2; }
export OPS_TOPOLOGY

bin="${MUSICCONNECT_BIN:-}"
if [ -z "$bin" ]; then
  if command -v musicconnect >/dev/null 2>&1; then bin="$(command -v musicconnect)"; else bin="$root/build/musicconnect"; fi
fi
[ -x "$bin" ] || { echo "no musicconnect binary at $bin (set MUSICCONNECT_BIN)" >&2; exit 2; }

echo "== $(date -u +%FT%TZ) failover requested: $reason"
"$bin" ops failover --reason "$reason" "$@"
echo "== regions now"
"$bin" ops status || true
