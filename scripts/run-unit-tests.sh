#!/usr/bin/env bash
# Runs unit-test binaries, each printing "FILE: N passed, N failed", and prints the sum as
# "unit: N passed, N failed". Exits non-zero if any test failed or any binary crashed.
set -u
passed=0; failed=0; status=0
for bin in "$@"; do
  out=$("$bin" 2>&1); rc=$?
  line=$(printf '%s\n' "$out" | grep -E '[0-9]+ passed, [0-9]+ failed' | tail -n 1)
  if [ $rc -ne 0 ] || [ -z "$line" ]; then
    printf '%s\n' "$out"
    status=1
    [ -z "$line" ] && { echo "$bin: crashed or printed no summary (exit $rc)"; failed=$((failed + 1)); }
  else
    printf '%s\n' "$line"
  fi
  if [ -n "$line" ]; then
    p=$(printf '%s' "$line" | sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed.*/\1/')
    f=$(printf '%s' "$line" | sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed.*/\2/')
    passed=$((passed + p)); failed=$((failed + f))
  fi
done
# the C harness has no skips: a test that cannot run fails
echo "unit: $passed passed, $failed failed, 0 skipped"
[ -n "${TZ_COUNTS:-}" ] && echo "$passed $failed 0" >> "$TZ_COUNTS"
[ $failed -eq 0 ] || status=1
exit $status
