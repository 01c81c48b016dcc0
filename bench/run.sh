#!/usr/bin/env bash
# `make bench`: builds the benchmark helpers next to the tokenzone build, then runs bench/driver.py,
# which starts the real server on the loopback and prints one table (see bench/README.md).
# Environment: BUILD (build directory, default build), BENCH_ARGS (extra driver options, e.g.
# "--no-scale" or "--keep"), BENCH_BUDGET (seconds for the driver, default 900).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}

missing=()
for tool in wrk nginx python3 pkg-config cc; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || missing+=("$tool")
done
pkg-config --exists libmacaroons || missing+=("libmacaroons-dev")
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench: missing ${missing[*]}; run scripts/install-deps.sh --bench" >&2
  exit 1
fi

# The server and the static library the helpers link against (no-op when up to date).
make -s BUILD="$BUILD" "$BUILD/tokenzone" "$BUILD/libtokenzone.a"

out="$BUILD/bench"
mkdir -p "$out"
pkgs="jansson libcrypto sqlite3 libmaxminddb libmicrohttpd libargon2 libcurl"
cflags="-O2 -g -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2
        -D_GNU_SOURCE -DOPENSSL_API_COMPAT=0x10100000L -Isrc $(pkg-config --cflags $pkgs)"
libs="$BUILD/libtokenzone.a $(pkg-config --libs $pkgs libpq) -lpthread"
# shellcheck disable=SC2086
cc $cflags bench/core_bench.c $libs $(pkg-config --libs libmacaroons) -o "$out/core_bench"
# shellcheck disable=SC2086
cc $cflags $(pkg-config --cflags libpq) bench/populate.c $libs $(pkg-config --libs libpq) -o "$out/populate"

# The driver bounds itself by its budget; `timeout` is the last resort if it hangs.
budget=${BENCH_BUDGET:-900}
py=/usr/bin/python3
[ -x "$py" ] || py=python3
# shellcheck disable=SC2086
exec timeout --signal=TERM --kill-after=20 "$((budget + 40))" \
  "$py" bench/driver.py --tokenzone "$BUILD/tokenzone" --populate "$out/populate" \
  --core-bench "$out/core_bench" --out-dir "$out" --budget "$budget" ${BENCH_ARGS:-}
