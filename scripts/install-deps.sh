#!/usr/bin/env bash
# Installs every Debian 12 package that building, testing, fuzzing and benchmarking tokenzone needs.
# Packages already present are skipped; apt is only touched when something is missing.
# Usage: scripts/install-deps.sh [--build | --bench]
#   --build  only what building the binary needs (scripts/run-server.sh)
#   --bench  also the load generator, the nginx baseline and the OAuth peer
set -euo pipefail

build_packages=(
  build-essential pkg-config make
  libssl-dev          # SHA-256 / HMAC primitives, random source, constant-time compare
  libargon2-dev       # Argon2id password hashes
  libjansson-dev      # JSON
  libsqlite3-dev      # embedded store
  libpq-dev           # PostgreSQL store backend (libpq)
  libmaxminddb-dev    # GeoIP lookups for asn / geo caveats
  libmicrohttpd-dev   # HTTP(S) server
  libcurl4-openssl-dev  # command-line client
  xxd                 # compiles the web page's files into the binary (scripts/gen-web-assets.sh)
)
packages=(
  "${build_packages[@]}"
  libmacaroons-dev    # independent macaroon implementation, used as a test oracle
  postgresql          # PostgreSQL 15 server: the tests start throwaway clusters from its binaries
  clang libclang-rt-14-dev  # libFuzzer and sanitizer runtimes
  python3 python3-yaml python3-jsonschema  # black-box API tests
  curl openssl ca-certificates  # TLS test certificates, curl examples
  # real gateways in front of the integration endpoints (tests/api/test_gateways.py)
  apache2 libapache2-mod-auth-openidc libapache2-mod-oauth2 nginx-core libnginx-mod-http-js
  prometheus          # promtool: the metrics exposition test
  man-db groff-base   # man --warnings on the man pages
  debhelper dpkg-dev fakeroot lintian  # make deb and its test
  chromium chromium-driver python3-selenium python3-cryptography  # browser tests of the web page (tests/api/test_web.py; sealing copied rows)
)
if [ "${1:-}" = "--build" ]; then
  packages=("${build_packages[@]}")
fi
if [ "${1:-}" = "--bench" ]; then
  packages+=(wrk valgrind)  # nginx (the static baseline) comes with the gateway tests' nginx-core
  packages+=(nodejs)        # the introspection peer, node oidc-provider (bench/oidc_peer)
  # Debian's npm; a nodejs from elsewhere may bring its own npm, which Debian's would conflict with
  command -v npm >/dev/null 2>&1 || packages+=(npm)
fi

# The introspection peer of the bench: oidc-provider at the version pinned in
# bench/oidc_peer/package.json and package-lock.json, from the npm registry.
install_bench_peer() {
  if [ "${1:-}" = "--bench" ] && [ ! -d bench/oidc_peer/node_modules/oidc-provider ]; then
    (cd bench/oidc_peer && npm ci --no-audit --no-fund --loglevel=error)
  fi
}
cd "$(dirname "$0")/.."

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  install_bench_peer "${1:-}"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]} (run as root or install them)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
install_bench_peer "${1:-}"
