#!/usr/bin/env bash
# Builds one libFuzzer binary with clang++-14 (libFuzzer, AddressSanitizer, UBSan): each source
# compiled on its own, as many at a time as there are cores, then linked. With
# CMAKE_CXX_COMPILER_LAUNCHER=ccache (tests/run-tests.sh sets it) each compile goes through the
# compiler cache, so the storage library that three fuzzers share, and any source unchanged since
# an earlier run, costs a lookup.
# Usage: build-fuzz-binary.sh OUTPUT SOURCE... [-- COMPILE-FLAG... [-- LINK-ARG...]]
set -euo pipefail
out=$1
shift
sources=() cflags=() link=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do sources+=("$1"); shift; done
[ $# -eq 0 ] || shift
while [ $# -gt 0 ] && [ "$1" != -- ]; do cflags+=("$1"); shift; done
[ $# -eq 0 ] || shift
link=("$@")
[ ${#sources[@]} -gt 0 ] || { echo "usage: $0 OUTPUT SOURCE... [-- CFLAGS... [-- LINK...]]" >&2; exit 2; }

cxx=clang++-14
launcher=${CMAKE_CXX_COMPILER_LAUNCHER:-}
objdir=$(dirname "$out")/obj-$(basename "$out")
mkdir -p "$objdir"
compile_flags=(-std=c++20 -O1 -g -fno-omit-frame-pointer
  -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined "${cflags[@]}")

objects=()
for src in "${sources[@]}"; do
  objects+=("$objdir/$(basename "$src" .cpp)-$(printf '%s' "$src" | sha256sum | cut -c1-8).o")
done
# One line per source, "SOURCE OBJECT", appended by xargs to the compiler's command line; the
# compiles run side by side and xargs fails when one fails (its diagnostics on stderr).
compile_one='a=("$@"); n=${#a[@]}; "${a[@]:0:n-2}" -c "${a[n-2]}" -o "${a[n-1]}"'
for i in "${!sources[@]}"; do printf '%s %s\n' "${sources[$i]}" "${objects[$i]}"; done |
  xargs -P"$(nproc)" -L1 bash -c "$compile_one" compile ${launcher:+"$launcher"} "$cxx" \
    "${compile_flags[@]}"
"$cxx" -fsanitize=fuzzer,address,undefined -o "$out" "${objects[@]}" "${link[@]}"
