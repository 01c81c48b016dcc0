#!/usr/bin/env bash
# Installs every Debian 12 package that building, testing, fuzzing and benchmarking tokenzone needs.
# Packages already present are skipped; apt is only touched when something is missing.
# Usage: scripts/install-deps.sh [--bench]   (--bench adds the load generator and the nginx baseline)
set -euo pipefail

packages=(
  build-essential pkg-config make
  libssl-dev          # SHA-256 / HMAC primitives, random source, constant-time compare
  libargon2-dev       # Argon2id password hashes
  libjansson-dev      # JSON
  libsqlite3-dev      # embedded store
  libpq-dev           # PostgreSQL store backend (libpq)
  postgresql          # PostgreSQL 15 server: the tests start throwaway clusters from its binaries
  libmaxminddb-dev    # GeoIP lookups for asn / geo caveats
  libmicrohttpd-dev   # HTTP(S) server
  libcurl4-openssl-dev  # command-line client
  libmacaroons-dev    # independent macaroon implementation, used as a test oracle
  clang libclang-rt-14-dev  # libFuzzer and sanitizer runtimes
  python3 python3-yaml python3-jsonschema  # black-box API tests
  curl openssl ca-certificates  # TLS test certificates, curl examples
)
if [ "${1:-}" = "--bench" ]; then
  packages+=(wrk nginx-light valgrind)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]} (run as root or install them)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
