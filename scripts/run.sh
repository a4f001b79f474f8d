#!/usr/bin/env bash
# Sets up, builds and runs MusicConnect with the embedded defaults on http://localhost:8080.
set -euo pipefail
cd "$(dirname "$0")/.."
# A local run: generated secrets, embedded PostgreSQL, the payments sandbox and the mail sink. The
# binary's own default is APP_ENV=production, which requires real secrets (docs/operations.md).
export APP_ENV=development
scripts/setup.sh
build/musicconnect seed-demo
exec build/musicconnect serve "$@"
