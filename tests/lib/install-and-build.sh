# shellcheck shell=bash
# The start of both demos: install what building and running need, then build the named
# targets into $VIRDOMM_BUILD_DIR (default ROOT/build). Sets `build`.
install_and_build() { # ROOT TARGET...
  local root=$1
  shift
  "$root/tests/setup/install-deps.sh" build test
  build=${VIRDOMM_BUILD_DIR:-$root/build}
  echo "Building virdomm in $build ..."
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build" -j"$(nproc)" --target "$@" >/dev/null
}
