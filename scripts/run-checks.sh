#!/usr/bin/env bash
# Runs the unit tests and the black-box API tests of one build directory (build or build-san):
# the API suite once on SQLite and once on PostgreSQL.
set -u
build=${1:-build}
status=0
scripts/run-unit-tests.sh "$build"/tests/test_* || status=1
bin="$(cd "$build" && pwd)/tokenzone"
# Modules that do not depend on the binary's build or on the store run in the first pass only:
# the Debian package is built from the tree with the distribution's flags, and the web page's
# browser test writes its fixtures into an SQLite file (it is pinned to SQLite).
first_pass_only=(--exclude test_packaging)
[ "$(basename "$build")" = build-san ] || first_pass_only=()
TOKENZONE_BIN="$bin" /usr/bin/python3 tests/api/run.py "${first_pass_only[@]}" || status=1
# The API suite again with every server on PostgreSQL (a throwaway cluster the run starts and
# removes). The sanitizer build runs the modules that exercise the store most, to stay in time.
pg_args=(--exclude test_packaging --exclude test_web)
if [ "$(basename "$build")" = build-san ]; then
  pg_args=(test_named_tokens test_temporary_tokens test_persistence test_lifecycle
           test_concurrency test_auth test_crash_consistency test_sealed_secrets test_invites)
fi
TOKENZONE_BIN="$bin" /usr/bin/python3 tests/api/run.py --store postgres "${pg_args[@]}" || status=1
exit $status
