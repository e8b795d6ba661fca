#!/usr/bin/env bash
# Runs one fuzzer for a bounded number of inputs over the repository corpus. New inputs go to
# a scratch directory, never into the repository.
# Usage: run-fuzzer.sh FUZZER CORPUS_DIR RUNS
set -euo pipefail
fuzzer=$1 corpus=$2 runs=$3
if [ ! -x "$fuzzer" ]; then
  echo "fuzzer $fuzzer not built (is clang++-14 installed?)" >&2
  exit 77
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
nice -n 10 "$fuzzer" -runs="$runs" -max_total_time=120 -max_len=65536 -rss_limit_mb=1024 \
  -timeout=10 -print_final_stats=1 "$scratch" "$corpus"
