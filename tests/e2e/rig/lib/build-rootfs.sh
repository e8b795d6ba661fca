#!/usr/bin/env bash
# Stage 1 of the rig's image build: a Debian root (RIG_SUITE with its -updates and -security
# suites) with the dom0 packages (debootstrap + apt),
# kept as the directory OUT; cached apart from the images so that changing the rig's own files does
# not download and install the packages again.
# Usage: build-rootfs.sh OUTDIR
set -euo pipefail
source "$(dirname "$0")/common.sh"

out=$1
work="$out.tmp"
root="$work/root"
debs="$RIG_CACHE/debs-$RIG_SUITE"

cleanup() {
  for m in dev/pts dev sys proc; do
    mountpoint -q "$root/$m" 2>/dev/null && umount -l "$root/$m"
  done
  return 0
}
trap cleanup EXIT

in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
  DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"; }

rm -rf "$work"
mkdir -p "$root/var/cache/apt/archives" "$debs"

# Debs of an earlier build are reused (debootstrap and apt skip what is already there).
cp -l "$debs"/*.deb "$root/var/cache/apt/archives/" 2>/dev/null || true
rig_log "debootstrap $RIG_SUITE (minbase) from $RIG_MIRROR"
debootstrap --variant=minbase "$RIG_SUITE" "$root" "$RIG_MIRROR" >"$work/debootstrap.log" 2>&1 ||
  { tail -30 "$work/debootstrap.log" >&2; rig_die "debootstrap failed (log: $work/debootstrap.log)"; }

# Daemons must not start inside the chroot while packages install.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
printf 'deb %s %s main\n' "$RIG_MIRROR" "$RIG_SUITE" "$RIG_MIRROR" "$RIG_SUITE-updates" \
  "$RIG_SECURITY_MIRROR" "$RIG_SUITE-security" >"$root/etc/apt/sources.list"
mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"

# The rig boots dom0 with its own small initramfs: keep initramfs-tools from building one
# (twice, minutes each) while the kernel installs.
in_root dpkg-divert --local --rename --divert /usr/sbin/update-initramfs.rig-disabled \
  --add /usr/sbin/update-initramfs >/dev/null
printf '#!/bin/sh\nexit 0\n' >"$root/usr/sbin/update-initramfs"
chmod 755 "$root/usr/sbin/update-initramfs"

mapfile -t pkgs < <(grep -v '^\s*\(#\|$\)' "$RIG_DIR/$RIG_PACKAGE_LIST")
rig_log "apt-get install ${#pkgs[@]} packages into the dom0 root"
cp -l "$debs"/*.deb "$root/var/cache/apt/archives/" 2>/dev/null || true
in_root apt-get update -qq >"$work/apt.log" 2>&1
# What debootstrap took from the release itself gets the updates a host installs.
in_root apt-get dist-upgrade -y -q >>"$work/apt.log" 2>&1 ||
  { tail -30 "$work/apt.log" >&2; rig_die "apt-get dist-upgrade failed (log: $work/apt.log)"; }
in_root apt-get install -y -q --no-install-recommends "${pkgs[@]}" >>"$work/apt.log" 2>&1 ||
  { tail -30 "$work/apt.log" >&2; rig_die "apt-get install failed (log: $work/apt.log)"; }
for deb in "$root"/var/cache/apt/archives/*.deb; do
  [ -e "$debs/${deb##*/}" ] || cp "$deb" "$debs/"
done
in_root apt-get clean
cleanup
rm -f "$root/usr/sbin/policy-rc.d"

rm -rf "$root/tmp/"* "$root/var/lib/apt/lists/"*_Packages
mv "$root" "$out"
rm -rf "$work"
rig_log "dom0 root ready in $out"
