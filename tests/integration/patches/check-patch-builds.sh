#!/bin/bash
# Runs xen-patches/build.sh and linux-patches/build.sh (cached after the first run) and checks
# their products against Debian's own binaries of the same versions.
# Usage: SCRIPT REPO_ROOT [ABI]   with ABI (e.g. 6.1.0-57-amd64), only xen-privcmd, built for that
#   kernel (libxenguest does not depend on the kernel).
set -euo pipefail

root=${1:?usage: $0 REPO_ROOT [ABI]}
abi_arg=${2:-}
failures=0
pass() { printf 'PASS %s\n' "$*"; }
fail() { printf 'FAIL %s\n' "$*"; failures=$((failures + 1)); }
kv() { sed -n "s/^$1=//p" <<<"$2"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- libxenguest ---------------------------------------------------------------------------------
if [ -z "$abi_arg" ]; then
  t0=$(date +%s)
  xen_out=$("$root/xen-patches/build.sh") || { echo "FAIL xen-patches/build.sh"; exit 1; }
  echo "xen-patches/build.sh: $(($(date +%s) - t0)) s"
  xen_version=$(kv XEN_SOURCE_VERSION "$xen_out")
  lib=$(kv LIBXENGUEST "$xen_out")
  pass "xen-patches/series applies with --fuzz=0 and builds against xen $xen_version"

  # Debian's libxenguest of the very version the series was applied to.
  cache=${VIRDOMM_XEN_CACHE:-/var/cache/virdomm-xen}/dl
  deb=$(ls "$cache"/libxenmisc4.17_"${xen_version#*:}"_amd64.deb 2>/dev/null || true)
  if [ -z "$deb" ]; then
    (cd "$cache" && apt-get download -qq "libxenmisc4.17=$xen_version") >/dev/null 2>&1 ||
      { echo "FAIL cannot download libxenmisc4.17=$xen_version"; exit 1; }
    deb=$(ls "$cache"/libxenmisc4.17_"${xen_version#*:}"_amd64.deb)
  fi
  dpkg-deb -x "$deb" "$work/xenmisc"
  stock=$(ls "$work"/xenmisc/usr/lib/x86_64-linux-gnu/libxenguest.so.4.17.*)
  symbols() { nm -D --defined-only "$1" | awk '{print $3}' | sort; }
  if diff <(symbols "$stock") <(symbols "$lib") >"$work/sym.diff"; then
    pass "libxenguest exports the same $(symbols "$lib" | wc -l) symbols as Debian's $xen_version"
  else
    fail "libxenguest symbols differ from Debian's:"; cat "$work/sym.diff"
  fi
  dyn() { objdump -p "$1" | awk '$1 == "SONAME" || $1 == "NEEDED" {print $1, $2}' | sort; }
  if diff <(dyn "$stock") <(dyn "$lib") >"$work/dyn.diff"; then
    pass "libxenguest SONAME and NEEDED match Debian's"
  else
    fail "libxenguest SONAME/NEEDED differ:"; cat "$work/dyn.diff"
  fi
  strings "$lib" >"$work/lib.strings"
  strings "$stock" >"$work/stock.strings"
  if grep -q '^/run/virdomm/domubit' "$work/lib.strings" && grep -q 'Bad DomU-bit entry' "$work/lib.strings" &&
    ! grep -q 'virdomm' "$work/stock.strings"; then
    pass "the DomU-bit save and restore code is in the patched library (and not in Debian's)"
  else
    fail "the patched libxenguest lacks the DomU-bit code"
  fi
fi

# --- xen-privcmd ---------------------------------------------------------------------------------
t0=$(date +%s)
lin_out=$("$root/linux-patches/build.sh" ${abi_arg:+--abi "$abi_arg"}) || { echo "FAIL linux-patches/build.sh"; exit 1; }
echo "linux-patches/build.sh: $(($(date +%s) - t0)) s"
abi=$(kv KERNEL_ABI "$lin_out")
kver=$(kv KERNEL_VERSION "$lin_out")
ksrc=$(kv KERNEL_SOURCE "$lin_out")
module=$(kv MODULE "$lin_out")
build=$(kv BUILD_DIR "$lin_out")
pass "linux-patches/series applies with --fuzz=0 to $ksrc $kver and builds (-Werror) against linux-headers-$abi"

vermagic=$(modinfo -F vermagic "$module")
if [ "$vermagic" = "$abi SMP preempt mod_unload modversions " ] ||
  [ "$vermagic" = "$abi SMP preempt mod_unload modversions" ]; then
  pass "modinfo vermagic: $vermagic"
else
  fail "unexpected vermagic '$vermagic' for $abi"
fi
parms=$(modinfo -F parm "$module")
if grep -q '^fault_wait_ms:' <<<"$parms" && grep -q '^unrestricted:' <<<"$parms"; then
  pass "module parameters fault_wait_ms and unrestricted present"
else
  fail "module parameters missing"
fi

# The source really is Debian's: privcmd.c as extracted (before the series), built the same way,
# must give the same machine code as the xen-privcmd.ko in linux-image-$abi $kver.
lcache=${VIRDOMM_LINUX_CACHE:-/var/cache/virdomm-linux}/dl
img=$(ls "$lcache"/linux-image-"$abi"_"$kver"_amd64.deb 2>/dev/null || true)
if [ -z "$img" ]; then
  (cd "$lcache" && apt-get download -qq "linux-image-$abi=$kver") >/dev/null 2>&1 ||
    { echo "FAIL cannot download linux-image-$abi=$kver"; exit 1; }
  img=$(ls "$lcache"/linux-image-"$abi"_"$kver"_amd64.deb)
fi
dpkg-deb --fsys-tarfile "$img" | tar -x -C "$work" --wildcards '*/xen-privcmd.ko'
stock_ko=$(find "$work" -name xen-privcmd.ko | head -1)
mkdir "$work/unpatched"
cp "$build/module/privcmd-buf.c" "$build/module/privcmd.h" "$build/module/Kbuild" "$work/unpatched/"
cp "$build/privcmd.c.debian" "$work/unpatched/privcmd.c"
nice -n 10 make -s -C "/usr/src/linux-headers-$abi" M="$work/unpatched" modules >"$work/unpatched.log" 2>&1 ||
  { fail "the unpatched module does not build"; cat "$work/unpatched.log"; }
text() { objcopy -O binary --only-section=.text "$1" "$work/t.bin" && sha256sum <"$work/t.bin"; }
if [ -f "$work/unpatched/xen-privcmd.ko" ] && [ "$(text "$stock_ko")" = "$(text "$work/unpatched/xen-privcmd.ko")" ]; then
  pass "unpatched privcmd.c builds to the same .text as Debian's xen-privcmd.ko ($kver)"
else
  fail "privcmd.c does not match Debian's xen-privcmd.ko $kver"
fi
if [ "$(text "$module")" != "$(text "$stock_ko")" ]; then
  pass "the patched module's code differs from the stock one"
else
  fail "the patched module is identical to the stock one"
fi

echo "failures: $failures"
[ "$failures" = 0 ]
