#!/bin/bash
# Builds a patched libxenguest (xen-patches/series applied to Debian 12's xen 4.17 source) as a
# drop-in libxenguest.so.4.17.0 for a Debian dom0. Sources and build live outside the checkout.
#
# Usage: xen-patches/build.sh [--force] [--version DEBIAN_VERSION]
#   Prints KEY=VALUE lines on stdout (XEN_SOURCE_VERSION, LIBXENGUEST, BUILD_DIR) for scripts.
# Environment: VIRDOMM_XEN_CACHE (default /var/cache/virdomm-xen); for the deb-src entries
#   VIRDOMM_APT_MIRROR, VIRDOMM_APT_SECURITY_MIRROR, VIRDOMM_APT_KEYRING (default: what apt's
#   sources name, see tests/setup/apt-mirror.sh).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${VIRDOMM_XEN_CACHE:-/var/cache/virdomm-xen}
force=0
want_version=""
while [ $# -gt 0 ]; do
  case "$1" in
    --force) force=1 ;;
    --version) want_version=$2; shift ;;
    -h | --help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

# shellcheck source=../tests/setup/apt-mirror.sh
source "$here/../tests/setup/apt-mirror.sh"
log() { printf '[xen-patches %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (installs build dependencies, writes $cache)"
mkdir -p "$cache/dl"

# 1. A deb-src entry for bookworm (main and security), unless apt already has one.
src_list=/etc/apt/sources.list.d/virdomm-src.list
if ! apt-cache showsrc xen >/dev/null 2>&1 || [ -z "$(apt-cache showsrc xen 2>/dev/null)" ]; then
  log "adding deb-src entries for bookworm to $src_list"
  # From the mirror apt already uses (or VIRDOMM_APT_MIRROR / VIRDOMM_APT_SECURITY_MIRROR).
  entries=$(virdomm_apt_deb_src main bookworm bookworm-security) ||
    die "cannot tell which Debian mirror to take the source from (see above)"
  echo "$entries" >"$src_list"
  if ! apt-get update -qq >&2; then
    # Sources without Signed-By conflict with an entry that names the keyring: drop it.
    log "retrying without signed-by"
    sed -i 's/ \[signed-by=[^]]*\]//' "$src_list"
    apt-get update -qq >&2 || die "apt-get update failed"
  fi
fi

# 2. Only the build dependencies libxenguest needs (not xen's full Build-Depends).
deps=(gcc make dpkg-dev patch autoconf autotools-dev pkg-config python3-dev uuid-dev
  libncurses-dev libyajl-dev zlib1g-dev liblzma-dev libzstd-dev)
missing=()
for p in "${deps[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing build dependencies: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 ||
    die "apt-get install ${missing[*]} failed"
fi

# 3. The source: the requested version, else the newest one the mirror really serves
#    (bookworm-security's 4.17.7 is listed but may be absent; bookworm main has 4.17.5).
mapfile -t versions < <(apt-cache showsrc xen | sed -n 's/^Version: //p' | sort -rV | uniq)
[ -n "$want_version" ] && versions=("$want_version")
[ ${#versions[@]} -gt 0 ] || die "apt knows no source package 'xen'"
version=""
for v in "${versions[@]}"; do
  case "$v" in 4.17.*) ;; *) continue ;; esac
  dsc=$(ls "$cache/dl"/xen_"${v#*:}".dsc 2>/dev/null || true)
  if [ -z "$dsc" ]; then
    log "fetching xen source $v"
    if ! (cd "$cache/dl" && apt-get source --download-only -qq "xen=$v" >"$cache/dl/fetch-$v.log" 2>&1); then
      log "xen $v is listed but not downloadable here (see $cache/dl/fetch-$v.log); trying the next"
      continue
    fi
  fi
  version=$v
  break
done
[ -n "$version" ] || die "no xen 4.17 source could be downloaded"
log "using xen source $version"

# 4. A fresh tree per (version, series, this script): patches apply to pristine source only.
key=$( (echo "$version"; cat "$here/series"; while read -r p; do
  [ -n "$p" ] && cat "$here/$p"; done <"$here/series"; cat "$0") | sha256sum | cut -c1-12)
build="$cache/build-${version//[:+~]/_}-$key"
out="$build/out/libxenguest.so.4.17.0"
if [ $force = 0 ] && [ -f "$build/.built" ] && [ -f "$out" ]; then
  log "cached build: $out"
else
  rm -rf "$build"
  mkdir -p "$build"
  log "extracting into $build"
  dpkg-source -x "$cache/dl/xen_${version#*:}.dsc" "$build/src" >"$cache/dl/extract.log" 2>&1 ||
    die "dpkg-source -x failed (see $cache/dl/extract.log)"
  while read -r p; do
    [ -z "$p" ] && continue
    log "applying $p"
    patch -d "$build/src" -p1 --batch --forward --fuzz=0 <"$here/$p" >"$build/patch.log" 2>&1 ||
      { cat "$build/patch.log" >&2; die "$p does not apply cleanly to xen $version"; }
  done <"$here/series"

  # Debian's delta deletes the generated configure scripts: regenerate the tools' one only.
  src="$build/src"
  cp /usr/share/misc/config.sub /usr/share/misc/config.guess "$src/"
  (cd "$src/tools" && autoconf -f && autoheader) >"$build/autoconf.log" 2>&1 ||
    die "autoconf failed (see $build/autoconf.log)"
  # Options that keep configure from asking for what libxenguest does not use; bzip2 and lzo
  # are forced off so the library links the same compressors as Debian's (lzma, zstd, zlib).
  log "configuring tools"
  (cd "$src/tools" && IASL=/bin/false ac_cv_header_bzlib_h=no ac_cv_header_lzo_lzo1x_h=no \
    ./configure --prefix=/usr --libdir=/usr/lib/x86_64-linux-gnu --disable-qemu-traditional \
    --disable-rombios --disable-seabios --disable-ipxe --disable-ocamltools --disable-golang \
    --disable-xsmpolicy --disable-monitors --disable-pvshim --disable-systemd --disable-9pfs \
    --with-system-qemu=/usr/libexec/xen-qemu-system-i386) >"$build/configure.log" 2>&1 ||
    die "configure failed (see $build/configure.log)"

  # Debian's flags (debian/rules make_args_tools), then only the libraries libxenguest needs.
  mk=(nice -n 10 make -j2 XEN_TARGET_ARCH=x86_64 WGET=/bin/false GIT=/bin/false
    "EXTRA_CFLAGS_XEN_TOOLS=$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
    "PREPEND_LDFLAGS_XEN_TOOLS=$(dpkg-buildflags --get LDFLAGS)")
  log "building tools/include and tools/libs/{toolcore,...,guest}"
  "${mk[@]}" -C "$src/tools/include" >"$build/make.log" 2>&1 || die "make tools/include failed (see $build/make.log)"
  for lib in toolcore toollog evtchn gnttab call foreignmemory devicemodel ctrl guest; do
    "${mk[@]}" -C "$src/tools/libs/$lib" >>"$build/make.log" 2>&1 ||
      die "make tools/libs/$lib failed (see $build/make.log)"
  done
  mkdir -p "$build/out"
  cp "$src/tools/libs/guest/libxenguest.so.4.17.0" "$out"
  touch "$build/.built"
  log "built $out"
fi

echo "XEN_SOURCE_VERSION=$version"
echo "BUILD_DIR=$build"
echo "LIBXENGUEST=$out"
