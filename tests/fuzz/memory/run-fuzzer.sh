#!/usr/bin/env bash
# Builds the memory parsers' libFuzzer target (tests/fuzz/build-fuzz-binary.sh) and runs
# it for a bounded number of iterations over the checked-in corpus.
# Usage: run-fuzzer.sh SOURCE_ROOT BUILD_DIR [RUNS]
set -euo pipefail
root=$1 out=$2 runs=${3:-20000}
mkdir -p "$out"
memory=$root/src/monitor-guest/memory
binary=$out/fuzz_kernel_parsers
sources=("$root/tests/fuzz/memory/fuzz_kernel_parsers.cpp" "$memory"/{baseline,elf_image,kallsyms_decoder,kernel_image_file,symbol_table,guest_memory,kernel_address_space,ftrace_trampoline,btf_types,module_list,kernel_list,executable_pages,kprobe_slots,bpf_code,code_owners,hidden_code_scan,its_thunks}.cpp
  "$root/src/monitor-guest/core/digest.cpp" "$root/src/virdomm/common/durable_file.cpp"
  "$root/src/virdomm/common/hex.cpp" "$root/src/virdomm/common/unique_handle.cpp"
  "$root/src/virdomm/common/utc_time.cpp")
"$root/tests/fuzz/build-fuzz-binary.sh" "$binary" "${sources[@]}" \
  -- -I"$root/src/monitor-guest" -I"$root/src/virdomm" -- -llzma -lzstd -lcrypto
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$root"/tests/fuzz/memory/corpus/* "$work"/
# -rss_limit_mb: the parsers must stay bounded on any input.
"$binary" -runs="$runs" -max_len=65536 -rss_limit_mb=1024 -timeout=20 "$work" 2>&1 | tail -n 3
