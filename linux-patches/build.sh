#!/bin/bash
# Builds the patched xen-privcmd module (linux-patches/series applied to the privcmd.c of the
# Debian 6.1 kernel Domain M runs) out of tree against that kernel's linux-headers package.
#
# Usage: linux-patches/build.sh [--force] [--abi ABI]   (ABI e.g. 6.1.0-50-amd64; default: the
#   one bookworm main's linux-headers-amd64 depends on, which is the kernel the rig's images run)
#   Prints KEY=VALUE lines on stdout (KERNEL_ABI, KERNEL_VERSION, MODULE, BUILD_DIR).
# Environment: VIRDOMM_LINUX_CACHE (default /var/cache/virdomm-linux); for the deb-src entries
#   VIRDOMM_APT_MIRROR, VIRDOMM_APT_SECURITY_MIRROR, VIRDOMM_APT_KEYRING (default: what apt's
#   sources name, see tests/setup/apt-mirror.sh).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${VIRDOMM_LINUX_CACHE:-/var/cache/virdomm-linux}
force=0
abi=""
while [ $# -gt 0 ]; do
  case "$1" in
    --force) force=1 ;;
    --abi) abi=$2; shift ;;
    -h | --help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

# shellcheck source=../tests/setup/apt-mirror.sh
source "$here/../tests/setup/apt-mirror.sh"
log() { printf '[linux-patches %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (installs linux-headers, writes $cache)"
mkdir -p "$cache/dl"

# 1. Which kernel: bookworm main's linux-headers-amd64 names the ABI package.
if [ -z "$abi" ]; then
  meta=$(apt-cache madison linux-headers-amd64 | awk -F'|' '$3 ~ /bookworm\/main/ {gsub(/ /,"",$2); print $2; exit}')
  [ -n "$meta" ] || die "apt knows no linux-headers-amd64 in bookworm main"
  abi=$(apt-cache show "linux-headers-amd64=$meta" | sed -n 's/^Depends: linux-headers-\([^ ]*\) .*/\1/p' | head -1)
  [ -n "$abi" ] || die "cannot tell which ABI linux-headers-amd64 $meta depends on"
fi
headers_pkg=linux-headers-$abi
if ! dpkg-query -W -f='${Status}' "$headers_pkg" 2>/dev/null | grep -q 'install ok installed'; then
  log "installing $headers_pkg"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$headers_pkg" gcc make >&2 ||
    die "apt-get install $headers_pkg failed"
fi
kdir=/usr/src/$headers_pkg
[ -f "$kdir/Module.symvers" ] || die "$kdir has no Module.symvers"
debver=$(dpkg-query -W -f='${Version}' "$headers_pkg")   # e.g. 6.1.176-1
upstream=${debver%-*}                                     # e.g. 6.1.176
log "kernel $abi, Debian linux $debver"

# 2. The exact source: Debian's linux $debver (deb-src entry added by xen-patches/build.sh or
#    here), but only drivers/xen/privcmd* out of the orig tarball plus Debian's own patches that
#    touch those files.
if [ -z "$(apt-cache showsrc linux 2>/dev/null | sed -n "s/^Version: $debver\$/x/p")" ]; then
  src_list=/etc/apt/sources.list.d/virdomm-src.list
  log "adding deb-src entries for bookworm to $src_list"
  # From the mirror apt already uses (or VIRDOMM_APT_MIRROR / VIRDOMM_APT_SECURITY_MIRROR).
  entries=$(virdomm_apt_deb_src main bookworm bookworm-security) ||
    die "cannot tell which Debian mirror to take the source from (see above)"
  echo "$entries" >"$src_list"
  apt-get update -qq >&2 || { sed -i 's/ \[signed-by=[^]]*\]//' "$src_list"; apt-get update -qq >&2; } ||
    die "apt-get update failed"
fi
orig="$cache/dl/linux_$upstream.orig.tar.xz"
debtar="$cache/dl/linux_$debver.debian.tar.xz"
if [ ! -f "$orig" ] || [ ! -f "$debtar" ]; then
  log "fetching linux $debver source (orig tarball ~140 MB, once)"
  (cd "$cache/dl" && apt-get source --download-only -qq "linux=$debver" >"$cache/dl/fetch.log" 2>&1) ||
    die "apt-get source linux=$debver failed (see $cache/dl/fetch.log)"
fi

key=$( (echo "$debver"; cat "$here/series"; while read -r p; do
  [ -n "$p" ] && cat "$here/$p"; done <"$here/series"; cat "$0") | sha256sum | cut -c1-12)
build="$cache/build-$debver-$key"
module="$build/module/xen-privcmd.ko"
if [ $force = 0 ] && [ -f "$build/.built" ] && [ -f "$module" ]; then
  log "cached build: $module"
else
  rm -rf "$build"
  mkdir -p "$build/tree" "$build/debian"
  tar -xJf "$debtar" -C "$build/debian"
  # Debian patches (in series order) that touch privcmd, and every file they touch.
  deb_patches=()
  while read -r p; do
    p=${p%%#*}; p=${p// /}
    [ -n "$p" ] || continue
    grep -qE '^\+\+\+ [^ ]*drivers/xen/privcmd' "$build/debian/debian/patches/$p" && deb_patches+=("$p")
  done <"$build/debian/debian/patches/series"
  files=(drivers/xen/privcmd.c drivers/xen/privcmd-buf.c drivers/xen/privcmd.h)
  for p in "${deb_patches[@]}"; do
    mapfile -t -O "${#files[@]}" files < <(sed -n 's|^+++ [^/]*/\([^ \t]*\).*|\1|p' "$build/debian/debian/patches/$p")
  done
  log "extracting ${files[*]} from linux_$upstream.orig.tar.xz"
  nice -n 10 tar -xJf "$orig" -C "$build/tree" --strip-components=1 \
    "${files[@]/#/linux-$upstream/}" || die "extracting from $orig failed"
  for p in "${deb_patches[@]}"; do
    log "applying Debian's $p"
    patch -d "$build/tree" -p1 --batch --forward <"$build/debian/debian/patches/$p" >&2 ||
      die "Debian patch $p does not apply"
  done
  cp "$build/tree/drivers/xen/privcmd.c" "$build/privcmd.c.debian"
  while read -r p; do
    [ -z "$p" ] && continue
    log "applying $p"
    patch -d "$build/tree" -p1 --batch --forward --fuzz=0 <"$here/$p" >"$build/patch.log" 2>&1 ||
      { cat "$build/patch.log" >&2; die "$p does not apply cleanly to linux $debver"; }
  done <"$here/series"

  mkdir -p "$build/module"
  cp "$build/tree/drivers/xen/privcmd.c" "$build/tree/drivers/xen/privcmd-buf.c" \
    "$build/tree/drivers/xen/privcmd.h" "$build/module/"
  printf '%s\n' 'obj-m := xen-privcmd.o' 'xen-privcmd-y := privcmd.o privcmd-buf.o' \
    'ccflags-y := -Werror' >"$build/module/Kbuild"
  log "building xen-privcmd.ko against $kdir"
  nice -n 10 make -C "$kdir" M="$build/module" modules >"$build/make.log" 2>&1 ||
    { tail -30 "$build/make.log" >&2; die "module build failed (see $build/make.log)"; }
  if grep -E 'warning:' "$build/make.log" | grep -v 'Skipping BTF' >&2; then
    die "the module build printed warnings (see $build/make.log)"
  fi
  touch "$build/.built"
  log "built $module"
fi

echo "KERNEL_ABI=$abi"
echo "KERNEL_VERSION=$debver"
echo "BUILD_DIR=$build"
echo "MODULE=$module"
