#!/usr/bin/env bash
# The one test command: installs missing packages, builds, then runs the unit and API tests, the
# same under ASan+UBSan, and every fuzz target briefly. Prints a total "N passed, N failed, N skipped"
# line; a skip not allowed in docs/testing.md ("Allowed skips") counts as a failure.
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
read -r p f s < <(awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}' "$TZ_COUNTS")
[ $status -ne 0 ] && [ "$f" -eq 0 ] && f=1   # a crash or build failure counts as a failure
echo "$p passed, $f failed, $s skipped"
exit $status
