#!/usr/bin/env bash
# Builds the eve.json parser's libFuzzer target (tests/fuzz/build-fuzz-binary.sh) and runs it
# for a bounded number of iterations over the checked-in corpus (real Suricata 7 lines).
# Usage: run-fuzzer.sh SOURCE_ROOT BUILD_DIR [RUNS]
set -euo pipefail
root=$1 out=$2 runs=${3:-20000}
mkdir -p "$out"
network=$root/src/monitor-guest/network
binary=$out/fuzz_eve_record
sources=("$root/tests/fuzz/network/fuzz_eve_record.cpp" "$network"/{eve_record,eve_follower,network_alert}.cpp
  "$root/src/monitor-guest/alerts/alert.cpp"
  "$root/src/virdomm/common/json_writer.cpp" "$root/src/virdomm/common/unique_handle.cpp")
"$root/tests/fuzz/build-fuzz-binary.sh" "$binary" "${sources[@]}" \
  -- -I"$root/src/monitor-guest" -I"$root/src/virdomm"
work=$(mktemp -d)
trap 'rm -rf "$work" /tmp/fuzz-eve-*.json' EXIT
cp "$root"/tests/fuzz/network/corpus/* "$work"/
# -rss_limit_mb: the parser must stay bounded on any input.
"$binary" -runs="$runs" -max_len=16384 -rss_limit_mb=1024 -timeout=20 "$work" 2>&1 | tail -n 3
