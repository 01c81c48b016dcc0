#!/usr/bin/env bash
# The one test command: installs missing packages, builds, then runs the unit and API tests, the
# same under ASan+UBSan, and every fuzz target briefly. Prints a total "N passed, N failed" line.
set -u
cd "$(dirname "$0")/.."
scripts/install-deps.sh || exit 1
export TZ_COUNTS; TZ_COUNTS=$(mktemp)
trap 'rm -f "$TZ_COUNTS"' EXIT
status=0
make -j"$(nproc)" all || exit 1
make check || status=1
make -j"$(nproc)" check-sanitize || status=1
make fuzz-smoke || status=1
read -r p f < <(awk '{p+=$1; f+=$2} END {print p+0, f+0}' "$TZ_COUNTS")
[ $status -ne 0 ] && [ "$f" -eq 0 ] && f=1   # a crash or build failure counts as a failure
echo "$p passed, $f failed"
exit $status
