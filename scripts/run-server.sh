#!/usr/bin/env bash
# The one run command: installs missing packages, builds, and starts the server on the embedded
# store in ./data (plain HTTP on 127.0.0.1:8080 unless options say otherwise). Extra arguments go
# to `tokenzone serve` (e.g. --tls-cert F --tls-key F, --listen ADDR:PORT, --domain NAME).
# On the first start the admin user's password is generated and printed once (or taken from
# TOKENZONE_ADMIN_PASSWORD).
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh --build
make -j"$(nproc)" all >/dev/null
exec build/tokenzone serve --data "${TOKENZONE_DATA:-data}" "$@"
