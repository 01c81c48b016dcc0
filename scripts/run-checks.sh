#!/usr/bin/env bash
# Runs the unit tests and the black-box API tests of one build directory (build or build-san).
set -u
build=${1:-build}
status=0
scripts/run-unit-tests.sh "$build"/tests/test_* || status=1
TOKENZONE_BIN="$(cd "$build" && pwd)/tokenzone" /usr/bin/python3 tests/api/run.py || status=1
exit $status
