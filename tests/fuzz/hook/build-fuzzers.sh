#!/usr/bin/env bash
# Builds the hook's libFuzzer targets with clang++-14 (ASan + UBSan) into OUTDIR; each source
# is compiled once, two at a time (through ccache when CMAKE_CXX_COMPILER_LAUNCHER names it), then
# both fuzzers are linked.
# Usage: build-fuzzers.sh SOURCE_ROOT OUTDIR
set -euo pipefail
root=$1 out=$2
mkdir -p "$out/obj"
cxx=${CXX_FUZZ:-clang++-14}
sanitize=(-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined)
cflags="-std=c++20 -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
-I$root/src/virdomm -I$root/libvirt-hooks $(pkg-config --cflags libxml-2.0)"
shared=(src/virdomm/common/xml_doc.cpp src/virdomm/common/unique_handle.cpp
        src/virdomm/pairing/pairing.cpp src/virdomm/pairing/pairing_xml.cpp
        src/virdomm/domain/domain_xml.cpp src/virdomm/common/protocol/binding_state.cpp
        src/virdomm/common/protocol/key_values.cpp src/virdomm/common/protocol/xenstore_keys.cpp
        src/virdomm/common/protocol/monitor_settings.cpp
        libvirt-hooks/pair_registry.cpp libvirt-hooks/hook_event.cpp libvirt-hooks/hook_facts.cpp
        libvirt-hooks/hook_decision.cpp src/virdomm/network/domain_nics.cpp
        tests/fuzz/hook/fuzz_pair_registration.cpp tests/fuzz/hook/fuzz_hook_event.cpp)
obj() { echo "$out/obj/$(echo "$1" | tr / _).o"; }
for src in "${shared[@]}"; do
  echo "$root/$src $(obj "$src")"
done | nice -n 10 xargs -P 2 -L 1 sh -c "${CMAKE_CXX_COMPILER_LAUNCHER:-} $cxx $cflags -c \"\$0\" -o \"\$1\""
objs=()
# Every source but the two fuzzers' own mains (the last two).
for src in "${shared[@]:0:${#shared[@]}-2}"; do objs+=("$(obj "$src")"); done
for target in pair_registration hook_event; do
  "$cxx" "${sanitize[@]}" -o "$out/fuzz_$target" "$(obj tests/fuzz/hook/fuzz_$target.cpp)" \
    "${objs[@]}" $(pkg-config --libs libxml-2.0)
done
