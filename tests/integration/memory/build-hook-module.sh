#!/usr/bin/env bash
# Builds the rootkit-style test modules (hook-module/: virdomm_hook, virdomm_hidden) out of
# tree against Debian's
# linux-headers-ABI package, as linux-patches/build.sh builds xen-privcmd: the headers are
# installed with apt from the machine's own sources when missing. The result is cached under
# VIRDOMM_LINUX_CACHE (default /var/cache/virdomm-linux) by ABI and source hash.
# Usage: build-hook-module.sh ABI   (e.g. 6.1.0-57-amd64). Prints the path of virdomm_hook.ko;
# virdomm_hidden.ko is beside it.
set -euo pipefail
abi=$1
here=$(cd "$(dirname "$0")" && pwd)
cache=${VIRDOMM_LINUX_CACHE:-/var/cache/virdomm-linux}
die() { echo "build-hook-module: $*" >&2; exit 1; }
headers_pkg=linux-headers-$abi
kdir=/usr/src/$headers_pkg
if [ ! -f "$kdir/Module.symvers" ]; then
  [ "$(id -u)" = 0 ] || die "$headers_pkg is not installed and installing it needs root"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "$headers_pkg" gcc make >&2 || die "apt-get install $headers_pkg failed"
fi
sources=("$here/hook-module/virdomm_hook.c" "$here/hook-module/virdomm_hidden.c" "$here/hook-module/Kbuild")
hash=$(cat "${sources[@]}" | sha256sum | cut -c1-12)
out=$cache/hook-module-$abi-$hash
if [ ! -s "$out/virdomm_hook.ko" ] || [ ! -s "$out/virdomm_hidden.ko" ]; then
  mkdir -p "$cache"
  work=$(mktemp -d "$cache/hook-module.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  cp "${sources[@]}" "$work/"
  make -s -C "$kdir" M="$work" modules >"$work/build.log" 2>&1 ||
    { cat "$work/build.log" >&2; die "the module did not build against $kdir"; }
  rm -rf "$out"
  mkdir -p "$out"
  cp "$work/virdomm_hook.ko" "$work/virdomm_hidden.ko" "$out/"
fi
echo "$out/virdomm_hook.ko"
