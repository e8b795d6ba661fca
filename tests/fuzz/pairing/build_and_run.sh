#!/usr/bin/env bash
# Builds the pairing fuzzer (parser, round trip, and parser/pairing.rng agreement) with
# tests/fuzz/build-fuzz-binary.sh and runs a bounded
# number of inputs from the committed corpus (tests/fuzz/pairing/corpus). New inputs found go
# to a scratch folder, not into the repository. About 30 s (build) + 10 s (20000 runs).
# Usage: build_and_run.sh SOURCE_ROOT BUILD_DIR [RUNS]
set -euo pipefail
src=$1
out=$2/fuzz-pairing
runs=${3:-20000}
mkdir -p "$out/new-inputs"
here="$src/tests/fuzz/pairing"
core="$src/src/virdomm"
# shellcheck disable=SC2046  # pkg-config output is meant to split into flags
"$src/tests/fuzz/build-fuzz-binary.sh" "$out/pairing_fuzzer" "$here/pairing_fuzzer.cpp" \
  "$core/common/xml_doc.cpp" "$core/common/unique_handle.cpp" \
  "$core/pairing/pairing.cpp" "$core/pairing/pairing_xml.cpp" "$core/pairing/pairing_schema.cpp" \
  "$core/domain/domain_xml.cpp" \
  -- -I"$core" $(pkg-config --cflags libxml-2.0) \
  -DVIRDOMM_INSTALLED_SCHEMA_DIR='"/nonexistent"' \
  -DVIRDOMM_FUZZ_SCHEMA='"'"$src/xml-schemas/pairing.rng"'"' \
  -- $(pkg-config --libs libxml-2.0)
"$out/pairing_fuzzer" -runs="$runs" -max_len=8192 -timeout=10 -rss_limit_mb=1024 \
  -print_final_stats=1 "$out/new-inputs" "$here/corpus"
