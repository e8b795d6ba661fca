#!/usr/bin/env bash
# The project's dom0 binaries (virdomm, virdomm-hook and its network plugin, rig-read-guest-page) built for another
# Debian release than this machine's, in a build root of that release (tests/setup/build-root.sh)
# with the build packages of tests/setup/packages/build*.list, so that they link that release's
# own libvirt, libxenctrl and Boost. Incremental: OUTDIR is a CMake build directory.
# Usage: build-dom0-binaries.sh SUITE OUTDIR   (prints OUTDIR)
set -euo pipefail
suite=$1 out=$2
repo=$(cd "$(dirname "$0")/../../../.." && pwd)
log() { printf '[dom0-binaries %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

mapfile -t pkgs < <(awk '$1 !~ /^#/ && NF {print $1}' "$repo"/tests/setup/packages/build*.list | sort -u)
# ccache: when the suite runs with its compiler cache (tests/run-tests.sh), so does this build,
# in a cache of its own for the other release's compiler.
root=$("$repo/tests/setup/build-root.sh" "$suite" "${pkgs[@]}" ccache)
mkdir -p "$out"
cache=()
if [ "${CMAKE_CXX_COMPILER_LAUNCHER:-}" = ccache ] && [ -n "${CCACHE_DIR:-}" ]; then
  mkdir -p "$CCACHE_DIR-$suite"
  cache=(--bind "$CCACHE_DIR-$suite")
  launch="CCACHE_DIR=$CCACHE_DIR-$suite CCACHE_BASEDIR=$repo CCACHE_NOHASHDIR=true CMAKE_CXX_COMPILER_LAUNCHER=ccache CMAKE_C_COMPILER_LAUNCHER=ccache"
fi
log "building virdomm, virdomm-hook, its network plugin and rig-read-guest-page for $suite in $out"
"$repo/tests/setup/build-root.sh" --run "$root" --bind "$repo" --bind "$out" "${cache[@]}" -- \
  nice -n 10 env ${launch:-} sh -c 'cmake -S "$1" -B "$2" -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$2/configure.log" 2>&1 ||
      { tail -20 "$2/configure.log" >&2; exit 1; }
    cmake --build "$2" -j"$3" --target virdomm virdomm-hook virdomm-hook-network rig-read-guest-page >"$2/build.log" 2>&1 ||
      { tail -40 "$2/build.log" >&2; exit 1; }' sh "$repo" "$out" "$(nproc)" ||
  { log "error: the $suite build failed (logs: $out/configure.log, $out/build.log)"; exit 1; }
echo "$out"
