#!/usr/bin/env bash
# Runs every fuzz target for a bounded time on its checked-in seed corpus (tests/fuzz/corpus/NAME).
# New inputs go to a temporary directory, so the checked-in corpus stays as it is.
set -u
seconds=$1; shift
status=0
for bin in "$@"; do
  name=$(basename "$bin")
  seeds="tests/fuzz/corpus/${name#fuzz_}"
  work=$(mktemp -d)
  if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       "$work" "$seeds" > "$work.log" 2>&1; then
    echo "fuzz $name: ok ($(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$work.log" | grep -Eo '[0-9]+$') runs)"
  else
    tail -n 60 "$work.log"; echo "fuzz $name: FAILED"; status=1
  fi
  rm -rf "$work" "$work.log"
done
exit $status
