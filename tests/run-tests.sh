#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: installs what it needs, builds, runs
# every ctest (unit, integration, e2e) but those labelled `extra`. Extra arguments go to ctest
# instead of that selection (e.g. -L unit, or -L extra).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tests/setup/install-deps.sh" build test
build=${VIRDOMM_BUILD_DIR:-$root/build}
# One compiler cache for every build the suite makes (this one, rpmbuild's in rpm_packages, the
# fuzzers'): unchanged sources cost a lookup. Paths under a build's base directory are hashed
# relative to it and the working directory is left out, so clones elsewhere share entries (an
# object's debug info may then name another clone's directory).
if command -v ccache >/dev/null; then
  export CCACHE_DIR=${CCACHE_DIR:-/var/cache/virdomm-ccache} CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=true
  export CMAKE_C_COMPILER_LAUNCHER=ccache CMAKE_CXX_COMPILER_LAUNCHER=ccache
fi
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)"
# The default suite leaves out the tests labelled `extra` (ctest -L extra runs them); extra
# arguments replace that selection.
[ $# -gt 0 ] || set -- -LE extra
status=0
ctest --test-dir "$build" --output-on-failure --timeout 3600 "$@" || status=$?
# A test's exit 77 is a skip only where it is declared (tests/cmake/allow_skip.cmake); ctest's
# summary names the tests it skipped, and this says why each of them may.
if [ -s "$build/declared-skips.txt" ]; then
  echo "Tests allowed to skip (exit 77), and when:"
  sed 's/^/  /' "$build/declared-skips.txt"
fi
exit "$status"
