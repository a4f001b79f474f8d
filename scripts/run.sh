#!/usr/bin/env bash
# Sets up, builds and runs MusicConnect with the embedded defaults on http://localhost:8080.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
build/musicconnect seed-demo
exec build/musicconnect serve "$@"
