#!/bin/bash
# Runs linux-patches/build.sh (cached after the first run) and checks its product against
# Debian's own binaries of the same version.
# Usage: SCRIPT REPO_ROOT [ABI]   with ABI (e.g. 6.1.0-57-amd64), xen-privcmd built for that kernel.
set -euo pipefail

root=${1:?usage: $0 REPO_ROOT [ABI]}
abi_arg=${2:-}
failures=0
pass() { printf 'PASS %s\n' "$*"; }
fail() { printf 'FAIL %s\n' "$*"; failures=$((failures + 1)); }
kv() { sed -n "s/^$1=//p" <<<"$2"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

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
