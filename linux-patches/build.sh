#!/bin/bash
# Builds the patched xen-privcmd module (the series for the kernel's major.minor applied to the
# privcmd.c of the Debian kernel Domain M runs: linux-patches/series for 6.1,
# linux-patches/6.12/series for 6.12) out of tree against that kernel's linux-headers package.
#
# Usage: linux-patches/build.sh [--force] [--abi ABI]   (ABI e.g. 6.1.0-50-amd64 or
#   6.12.118+deb13-amd64; default: the one bookworm main's linux-headers-amd64 depends on, which
#   is the kernel the rig's images run)
#   Prints KEY=VALUE lines on stdout (KERNEL_ABI, KERNEL_VERSION, KERNEL_SOURCE, MODULE,
#   BUILD_DIR, and BUILD_ROOT when the build ran in another suite's build root).
# The ABI names the Debian release: 6.1.0-N is bookworm, +deb13 trixie. A kernel of this
#   machine's release is built with this machine's apt and compiler; one of another release in
#   that release's build root (tests/setup/build-root.sh: its headers, its gcc, its apt).
# Environment: VIRDOMM_LINUX_CACHE (default /var/cache/virdomm-linux); for the deb-src entries
#   VIRDOMM_APT_MIRROR, VIRDOMM_APT_SECURITY_MIRROR, VIRDOMM_APT_KEYRING (default: what apt's
#   sources name, see tests/setup/apt-mirror.sh); VIRDOMM_BUILD_ROOT_CACHE (build-root.sh).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${VIRDOMM_LINUX_CACHE:-/var/cache/virdomm-linux}
force=0
abi=""
while [ $# -gt 0 ]; do
  case "$1" in
    --force) force=1 ;;
    --abi) abi=$2; shift ;;
    -h | --help) sed -n '2,17p' "$0"; exit 0 ;;
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
# The Debian release the ABI belongs to: a kernel of another release than this machine's is built
# in that release's build root (its headers need its compiler: trixie's need gcc-14).
host_suite=$(virdomm_apt_codename 2>/dev/null) || host_suite=""   # none: everything is built here
case "$abi" in
  6.1.0-*) suite=bookworm ;;
  *+deb12-*) suite=bookworm ;;
  *+deb13-*) suite=trixie ;;
  *+deb14-*) suite=forky ;;
  *) suite=$host_suite ;;
esac
headers_pkg=linux-headers-$abi
root=""
if [ -n "$host_suite" ] && [ "$suite" != "$host_suite" ]; then
  case "$suite" in
    bookworm) compiler=gcc-12 ;;
    trixie) compiler=gcc-14 ;;
    *) die "no compiler known for $suite's kernel headers" ;;
  esac
  log "kernel $abi is $suite's: building in a $suite build root"
  root=$("$here/../tests/setup/build-root.sh" "$suite" "$headers_pkg" make "$compiler" xz-utils patch) ||
    die "no $suite build root with $headers_pkg (tests/setup/build-root.sh)"
  # The cache is bind-mounted at its own path: downloads and builds land where they do outside.
  in_root() { "$here/../tests/setup/build-root.sh" --run "$root" --bind "$cache" -- "$@"; }
elif ! dpkg-query -W -f='${Status}' "$headers_pkg" 2>/dev/null | grep -q 'install ok installed'; then
  # A security kernel's headers are only in <codename>-security: say so rather than let apt-get
  # fail with "unable to locate".
  candidate=$(apt-cache policy "$headers_pkg" 2>/dev/null | sed -n 's/^ *Candidate: //p')
  if [ -z "$candidate" ] || [ "$candidate" = "(none)" ]; then
    die "apt offers no $headers_pkg; a security kernel's headers come from" \
      "$(virdomm_apt_codename 2>/dev/null || echo '<codename>')-security, which apt's sources must list"
  fi
  log "installing $headers_pkg $candidate"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$headers_pkg" gcc make >&2 ||
    die "apt-get install $headers_pkg failed"
fi
kdir=/usr/src/$headers_pkg
[ -f "$root$kdir/Module.symvers" ] || die "$root$kdir has no Module.symvers"
if [ -n "$root" ]; then
  # shellcheck disable=SC2016 # a dpkg-query format, not the shell's
  debver=$(in_root dpkg-query -W -f='${Version}' "$headers_pkg")   # e.g. 6.12.118-1
else
  debver=$(dpkg-query -W -f='${Version}' "$headers_pkg")   # e.g. 6.1.176-1
fi
upstream=${debver%-*}                                     # e.g. 6.1.176
log "kernel $abi, Debian linux $debver"

# 2. The exact source of linux $debver; only drivers/xen/privcmd* is needed. Preferably Debian's
#    source package (orig tarball plus the Debian patches that touch those files, applied here).
#    The archive does not always carry it: the security mirror lists linux 6.1.192-3 in its
#    Sources but answers 404 for the files. The linux-source-X.Y binary package of the very same
#    version comes from the same upload as the headers, and its tarball is that source with all
#    of Debian's patches already applied.
majmin=$(sed -n 's/^\([0-9]*\.[0-9]*\).*/\1/p' <<<"$upstream")   # e.g. 6.1
srcbin_pkg=linux-source-$majmin   # e.g. linux-source-6.1
# The series for this major.minor: 6.1's in linux-patches/ itself, any other in linux-patches/X.Y/.
if [ "$majmin" = 6.1 ]; then
  patches=$here
else
  patches=$here/$majmin
  [ -f "$patches/series" ] || die "no xen-privcmd series for linux $majmin (looked for $patches/series)"
fi
orig="$cache/dl/linux_$upstream.orig.tar.xz"
debtar="$cache/dl/linux_$debver.debian.tar.xz"
srcbin="$cache/dl/${srcbin_pkg}_${debver}_all.deb"
source_offered() { [ -n "$(apt-cache showsrc linux 2>/dev/null | sed -n "s/^Version: $debver\$/x/p")" ]; }
# Downloads go to a scratch directory first: a download cut short must not look cached.
fetch_tmp="$cache/dl/partial.$$"
fetch() {
  local tmp=$fetch_tmp rc=0
  rm -rf "$tmp"; mkdir -p "$tmp"
  (cd "$tmp" && "$@" >"$cache/dl/fetch.log" 2>&1) || rc=$?
  [ $rc = 0 ] && { mv -f "$tmp"/* "$cache/dl/" || rc=$?; }
  rm -rf "$tmp"
  return $rc
}
source_kind=""
if [ -f "$orig" ] && [ -f "$debtar" ]; then
  source_kind=package
elif [ -f "$srcbin" ]; then
  source_kind=binary
elif [ -n "$root" ]; then
  # Another release: its archive is known to the build root's apt only, and the binary package
  # of the headers' very version is what this port was verified against.
  log "fetching $srcbin_pkg $debver in the $suite build root (~150 MB, once)"
  # shellcheck disable=SC2016 # expanded by the root's sh
  fetch in_root sh -c 'cd "$1" && exec apt-get download -qq "$2"' sh "$fetch_tmp" "$srcbin_pkg=$debver" ||
    die "apt-get download $srcbin_pkg=$debver failed in $root (see $cache/dl/fetch.log)"
  [ -f "$srcbin" ] || die "apt-get download gave no $srcbin"
  source_kind=binary
else
  if ! source_offered; then
    src_list=/etc/apt/sources.list.d/virdomm-src.list
    suite=$(virdomm_apt_codename) || die "cannot tell this machine's Debian release"
    # From the mirror apt already uses (or VIRDOMM_APT_MIRROR / VIRDOMM_APT_SECURITY_MIRROR).
    if entries=$(virdomm_apt_deb_src main "$suite" "$suite-security"); then
      log "adding deb-src entries for $suite to $src_list"
      echo "$entries" >"$src_list"
      apt-get update -qq >&2 || { sed -i 's/ \[signed-by=[^]]*\]//' "$src_list"; apt-get update -qq >&2; } ||
        die "apt-get update failed"
    else
      log "no deb-src entry can be made (see above)"
    fi
  fi
  if source_offered; then
    log "fetching linux $debver source package (orig tarball ~140 MB, once)"
    if fetch apt-get source --download-only -qq "linux=$debver"; then
      source_kind=package
    else
      log "apt-get source linux=$debver failed: $(grep -m1 -E '^(E|Err):' "$cache/dl/fetch.log" || true)"
    fi
  else
    log "apt offers no source package linux $debver"
  fi
  if [ -z "$source_kind" ]; then
    log "fetching $srcbin_pkg $debver instead (~140 MB, once)"
    fetch apt-get download -qq "$srcbin_pkg=$debver" ||
      die "apt-get download $srcbin_pkg=$debver failed too (see $cache/dl/fetch.log)"
    [ -f "$srcbin" ] || die "apt-get download gave no $srcbin"
    source_kind=binary
  fi
fi
if [ $source_kind = package ]; then
  source_name=linux
  log "source: Debian's source package linux $debver (orig tarball + debian/patches)"
else
  source_name=$srcbin_pkg
  log "source: $srcbin_pkg $debver (binary package; its tarball has Debian's patches applied)"
fi

key=$( (echo "$debver"; [ $source_kind = package ] || echo "$source_name"; [ -z "$root" ] || basename "$root"
  cat "$patches/series"; while read -r p; do [ -n "$p" ] && cat "$patches/$p"; done <"$patches/series"
  cat "$0") | sha256sum | cut -c1-12)
build="$cache/build-$debver-$key"
module="$build/module/xen-privcmd.ko"
if [ $force = 0 ] && [ -f "$build/.built" ] && [ -f "$module" ]; then
  log "cached build: $module"
else
  rm -rf "$build"
  mkdir -p "$build/tree"
  files=(drivers/xen/privcmd.c drivers/xen/privcmd-buf.c drivers/xen/privcmd.h)
  if [ $source_kind = package ]; then
    mkdir -p "$build/debian"
    tar -xJf "$debtar" -C "$build/debian"
    # Debian patches (in series order) that touch privcmd, and every file they touch.
    deb_patches=()
    while read -r p; do
      p=${p%%#*}; p=${p// /}
      [ -n "$p" ] || continue
      grep -qE '^\+\+\+ [^ ]*drivers/xen/privcmd' "$build/debian/debian/patches/$p" && deb_patches+=("$p")
    done <"$build/debian/debian/patches/series"
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
  else
    # Streamed: only the tarball leaves the .deb, only privcmd* leaves the tarball.
    log "extracting ${files[*]} from $srcbin_pkg.tar.xz in $(basename "$srcbin")"
    dpkg-deb --fsys-tarfile "$srcbin" | tar -xO "./usr/src/$srcbin_pkg.tar.xz" |
      nice -n 10 tar -xJ -C "$build/tree" --strip-components=1 "${files[@]/#/$srcbin_pkg/}" ||
      die "extracting from $srcbin failed"
  fi
  cp "$build/tree/drivers/xen/privcmd.c" "$build/privcmd.c.debian"
  while read -r p; do
    [ -z "$p" ] && continue
    log "applying $p"
    patch -d "$build/tree" -p1 --batch --forward --fuzz=0 <"$patches/$p" >"$build/patch.log" 2>&1 ||
      { cat "$build/patch.log" >&2; die "$p does not apply cleanly to linux $debver"; }
  done <"$patches/series"

  mkdir -p "$build/module"
  cp "$build/tree/drivers/xen/privcmd.c" "$build/tree/drivers/xen/privcmd-buf.c" \
    "$build/tree/drivers/xen/privcmd.h" "$build/module/"
  printf '%s\n' 'obj-m := xen-privcmd.o' 'xen-privcmd-y := privcmd.o privcmd-buf.o' \
    'ccflags-y := -Werror' >"$build/module/Kbuild"
  log "building xen-privcmd.ko against $kdir${root:+ in $root}"
  if [ -n "$root" ]; then
    in_root nice -n 10 make -C "$kdir" M="$build/module" modules >"$build/make.log" 2>&1
  else
    nice -n 10 make -C "$kdir" M="$build/module" modules >"$build/make.log" 2>&1
  fi || { tail -30 "$build/make.log" >&2; die "module build failed (see $build/make.log)"; }
  if grep -E 'warning:' "$build/make.log" | grep -v 'Skipping BTF' >&2; then
    die "the module build printed warnings (see $build/make.log)"
  fi
  touch "$build/.built"
  log "built $module"
fi

echo "KERNEL_ABI=$abi"
echo "KERNEL_VERSION=$debver"
echo "KERNEL_SOURCE=$source_name"
echo "BUILD_DIR=$build"
echo "MODULE=$module"
[ -z "$root" ] || echo "BUILD_ROOT=$root"
