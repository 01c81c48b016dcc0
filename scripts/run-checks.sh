#!/usr/bin/env bash
# Runs the unit tests and the black-box API tests of one build directory (build or build-san):
# the API suite once on SQLite and once on PostgreSQL.
set -u
build=${1:-build}
status=0
scripts/run-unit-tests.sh "$build"/tests/test_* || status=1
bin="$(cd "$build" && pwd)/tokenzone"
TOKENZONE_BIN="$bin" /usr/bin/python3 tests/api/run.py || status=1
# The API suite again with every server on PostgreSQL (a throwaway cluster the run starts and
# removes). The sanitizer build runs the modules that exercise the store most, to stay in time.
pg_modules=()
if [ "$(basename "$build")" = build-san ]; then
  pg_modules=(test_named_tokens test_temporary_tokens test_persistence test_lifecycle
              test_concurrency test_auth test_crash_consistency)
fi
TOKENZONE_BIN="$bin" /usr/bin/python3 tests/api/run.py --store postgres "${pg_modules[@]}" || status=1
exit $status
