#!/usr/bin/env bash
# Builds the fuzzer and runs a bounded number of mutations from the repository corpus (ctest).
# New inputs go to a scratch directory, never into the repository.
# Usage: run-fuzzer.sh SOURCE_DIR WORK_DIR RUNS
set -euo pipefail
src=$1
work=$2
runs=$3
here=$src/tests/fuzz/storage
mkdir -p "$work/new"
"$here/build-fuzzer.sh" "$src" "$work/image_reader_fuzzer"
# Regression inputs first (each must pass on its own), then mutation from the seeds.
"$work/image_reader_fuzzer" -runs=0 "$here/corpus" "$here/regressions"
exec "$work/image_reader_fuzzer" -runs="$runs" -max_len=400000 -timeout=20 -rss_limit_mb=1536 \
  -seed=1 "$work/new" "$here/corpus"
