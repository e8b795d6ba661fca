#!/usr/bin/env bash
# Builds a fuzzer and runs a bounded number of mutations from the repository corpus (ctest).
# New inputs go to a scratch directory, never into the repository. TARGET is image_reader
# (default: corpus/, regressions/), volume (volume-corpus/, volume-regressions/), btrfs
# (btrfs-corpus/, btrfs-regressions/), journal (journal-corpus/, journal-regressions/) or
# lvm_metadata (lvm-corpus/, lvm-regressions/).
# Usage: run-fuzzer.sh SOURCE_DIR WORK_DIR RUNS [TARGET]
set -euo pipefail
src=$1
work=$2
runs=$3
target=${4:-image_reader}
here=$src/tests/fuzz/storage
if [ "$target" = journal ]; then
  mkdir -p "$work/journal-new"
  "$here/build-fuzzer.sh" "$src" "$work/journal_fuzzer" journal
  "$work/journal_fuzzer" -runs=0 "$here/journal-corpus" "$here/journal-regressions"
  exec "$work/journal_fuzzer" -runs="$runs" -max_len=65536 -timeout=10 -rss_limit_mb=1024 \
    -seed=1 "$work/journal-new" "$here/journal-corpus"
fi
if [ "$target" = btrfs ]; then
  mkdir -p "$work/btrfs-new"
  "$here/build-fuzzer.sh" "$src" "$work/btrfs_fuzzer" btrfs
  "$work/btrfs_fuzzer" -runs=0 "$here/btrfs-corpus" "$here/btrfs-regressions"
  exec "$work/btrfs_fuzzer" -runs="$runs" -max_len=400000 -timeout=20 -rss_limit_mb=1536 \
    -seed=1 "$work/btrfs-new" "$here/btrfs-corpus"
fi
if [ "$target" = lvm_metadata ]; then
  mkdir -p "$work/lvm-new"
  "$here/build-fuzzer.sh" "$src" "$work/lvm_metadata_fuzzer" lvm_metadata
  "$work/lvm_metadata_fuzzer" -runs=0 "$here/lvm-corpus" "$here/lvm-regressions"
  exec "$work/lvm_metadata_fuzzer" -runs="$runs" -max_len=65536 -timeout=10 -rss_limit_mb=1024 \
    -seed=1 "$work/lvm-new" "$here/lvm-corpus"
fi
if [ "$target" = volume ]; then
  mkdir -p "$work/volume-new"
  "$here/build-fuzzer.sh" "$src" "$work/volume_fuzzer" volume
  "$work/volume_fuzzer" -runs=0 "$here/volume-corpus" "$here/volume-regressions"
  exec "$work/volume_fuzzer" -runs="$runs" -max_len=400000 -timeout=20 -rss_limit_mb=1536 \
    -seed=1 "$work/volume-new" "$here/volume-corpus"
fi
mkdir -p "$work/new"
"$here/build-fuzzer.sh" "$src" "$work/image_reader_fuzzer"
# Regression inputs first (each must pass on its own), then mutation from the seeds.
"$work/image_reader_fuzzer" -runs=0 "$here/corpus" "$here/regressions"
exec "$work/image_reader_fuzzer" -runs="$runs" -max_len=400000 -timeout=20 -rss_limit_mb=1536 \
  -seed=1 "$work/new" "$here/corpus"
