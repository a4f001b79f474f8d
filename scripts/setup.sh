#!/usr/bin/env bash
# Installs every Debian and npm package the project needs, then builds. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  cmake ninja-build pkg-config g++ ccache git curl jq zip
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libpq-dev libsodium-dev libssl-dev libcurl4-openssl-dev libjemalloc-dev libzxcvbn-dev
  libcmark-dev libgumbo-dev
  postgresql-15 postgresql-client-15
  redis-server libhiredis-dev
  prometheus-cpp-dev prometheus
  googletest libgtest-dev
  wrk procps ffmpeg nginx libvips-dev gnuplot-nox
  chromium
  clang-14 clang libclang-rt-14-dev
  patroni python3-etcd etcd-server etcd-client haproxy pgbackrest
  yamllint
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ! command -v node >/dev/null 2>&1; then missing+=(nodejs npm); fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

for dir in tests/api tests/s3 tests/e2e web bench/peers/node-fastify; do
  if [ -f "$dir/package.json" ]; then
    if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; then
      echo "== npm ci in $dir"
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    fi
  fi
done

echo "== building the web app (web/dist)"
(cd web && npm run build --silent)

echo "== building"
BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" >/dev/null
ninja -C build -j"$(nproc)"
echo "== build ready: build/musicconnect"
