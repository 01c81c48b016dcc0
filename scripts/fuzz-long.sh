#!/usr/bin/env bash
# Long fuzzing run (not in CI): every fuzz target, one after the other, at the lowest CPU priority,
# until it has made FUZZ_LONG_RUNS executions or FUZZ_LONG_SECONDS seconds have passed, whichever
# comes first. Starts from the checked-in seed corpus (tests/fuzz/corpus/NAME); new inputs go to a
# temporary directory. Prints one line per target: executions, exec/s, coverage, crashes; logs
# of failing targets are kept in FUZZ_LONG_LOGS (default build/fuzz-long) for the crash input.
set -u
seconds=${FUZZ_LONG_SECONDS:-3600}
runs=${FUZZ_LONG_RUNS:-10000000}
logs=${FUZZ_LONG_LOGS:-build/fuzz-long}
mkdir -p "$logs"
status=0
for bin in "$@"; do
  name=$(basename "$bin")
  seeds="tests/fuzz/corpus/${name#fuzz_}"
  work=$(mktemp -d)
  log="$logs/$name.log"
  start=$(date +%s)
  nice -n 19 "$bin" -runs="$runs" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$logs/$name-" "$work" "$seeds" > "$log" 2>&1
  rc=$?
  execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -Eo '[0-9]+$')
  rate=$(grep -Eo 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -Eo '[0-9]+$')
  cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1)
  crashes=0
  if [ $rc -ne 0 ]; then crashes=1; status=1; fi
  echo "fuzz $name: ${execs:-?} executions in $(( $(date +%s) - start )) s (${rate:-?} exec/s), ${cov:-cov ?}, crashes: $crashes"
  [ $rc -ne 0 ] && tail -n 60 "$log"
  rm -rf "$work"
done
exit $status
