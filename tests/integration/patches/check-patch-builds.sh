#!/bin/bash
# Runs linux-patches/build.sh (cached after the first run) and checks its product against
# Debian's own binaries of the same version.
# Usage: SCRIPT REPO_ROOT [ABI]   with ABI (e.g. 6.1.0-57-amd64, 6.12.118+deb13-amd64), xen-privcmd
#   built for that kernel. A kernel of another Debian release than this machine's is built (by
#   build.sh, and the unpatched module here) in that release's build root (BUILD_ROOT=).
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
broot=$(kv BUILD_ROOT "$lin_out")
# Where a command runs: here, or in the build root (with the scratch and cache directories).
lcache=${VIRDOMM_LINUX_CACHE:-/var/cache/virdomm-linux}/dl
here_or_root() {
  if [ -n "$broot" ]; then
    "$root/tests/setup/build-root.sh" --run "$broot" --bind "$work" --bind "$lcache" -- "$@"
  else
    "$@"
  fi
}
pass "the linux-patches series applies with --fuzz=0 to $ksrc $kver and builds (-Werror) against linux-headers-$abi${broot:+ (in $broot)}"

vermagic=$(modinfo -F vermagic "$module")
if [ "$vermagic" = "$abi SMP preempt mod_unload modversions " ] ||
  [ "$vermagic" = "$abi SMP preempt mod_unload modversions" ]; then
  pass "modinfo vermagic: $vermagic"
else
  fail "unexpected vermagic '$vermagic' for $abi"
fi
parms=$(modinfo -F parm "$module")
if grep -q '^fault_wait_ms:' <<<"$parms" && grep -q '^unrestricted:' <<<"$parms" &&
  grep -q '^drop_on_suspend:' <<<"$parms"; then
  pass "module parameters fault_wait_ms, unrestricted and drop_on_suspend present"
else
  fail "module parameters missing"
fi

# The source really is Debian's: privcmd.c as extracted (before the series), built the same way,
# must give the same machine code as the xen-privcmd.ko in linux-image-$abi $kver.
# (For another release, the build root's package cache has it already: the headers depend on it.)
img_name=linux-image-${abi}_${kver}_amd64.deb
img=""
dirs=("$lcache")
if [ -n "$broot" ]; then
  suite=$(sed -n 's/^suite=//p' "$broot/.virdomm-build-root")
  dirs+=("${VIRDOMM_BUILD_ROOT_CACHE:-/var/cache/virdomm-buildroot}/debs-$suite")
fi
for d in "${dirs[@]}"; do
  [ -f "$d/$img_name" ] && { img=$d/$img_name; break; }
done
if [ -z "$img" ]; then
  # shellcheck disable=SC2016 # expanded by that sh
  here_or_root sh -c 'cd "$1" && exec apt-get download -qq "$2"' sh "$lcache" "linux-image-$abi=$kver" \
    >/dev/null 2>&1 || { echo "FAIL cannot download linux-image-$abi=$kver"; exit 1; }
  img=$lcache/$img_name
fi
echo "stock module from $img"
# Debian 13 ships its modules xz-compressed (xen-privcmd.ko.xz).
dpkg-deb --fsys-tarfile "$img" | tar -x -C "$work" --wildcards '*/xen-privcmd.ko*'
stock_ko=$(find "$work" -name 'xen-privcmd.ko*' | head -1)
case "$stock_ko" in
  *.ko.xz) xz -dc "$stock_ko" >"$work/stock.ko" ;;
  *.ko.zst) zstd -qdc "$stock_ko" >"$work/stock.ko" ;;
  *.ko.gz) gzip -dc "$stock_ko" >"$work/stock.ko" ;;
  *) cp "$stock_ko" "$work/stock.ko" ;;
esac
stock_ko=$work/stock.ko
mkdir "$work/unpatched"
cp "$build/module/privcmd-buf.c" "$build/module/privcmd.h" "$build/module/Kbuild" "$work/unpatched/"
cp "$build/privcmd.c.debian" "$work/unpatched/privcmd.c"
here_or_root nice -n 10 make -s -C "/usr/src/linux-headers-$abi" M="$work/unpatched" modules \
  >"$work/unpatched.log" 2>&1 ||
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
