#!/usr/bin/env bash
# Stage 2 of the rig's image build: the cached Debian root (stage 1) made into the dom0 disk,
# the Xen hypervisor and kernel taken out of it, dom0's initramfs and the small guests' images.
# Usage: build-image.sh ROOTFS_DIR OUTDIR   (OUTDIR appears only when everything succeeded)
set -euo pipefail
source "$(dirname "$0")/common.sh"

rootfs=$1 out=$2
work="$out.tmp"
root="$work/root"
rm -rf "$work"
mkdir -p "$work/boot"
cp -a "$rootfs" "$root"

rig_log "configuring the dom0 root"
"$RIG_DIR/recipe/configure-dom0.sh" "$root"

xen_gz=("$root"/boot/xen-4.*-amd64.gz)
[ ${#xen_gz[@]} = 1 ] && [ -f "${xen_gz[0]}" ] || rig_die "expected one Xen hypervisor in $root/boot: ${xen_gz[*]}"
zcat "${xen_gz[0]}" >"$work/boot/xen"
kver=$(ls "$root/lib/modules" | sort -V | tail -1)
cp "$root/boot/vmlinuz-$kver" "$work/boot/vmlinuz"
echo "$kver" >"$work/boot/kernel-version"
chroot "$root" dpkg-query -W -f='${Package} ${Version}\n' >"$work/dom0-packages.txt"

rig_log "building dom0's initramfs and the guests' images"
"$RIG_DIR/recipe/build-small-images.sh" "$root" "$kver" "$work/boot" "$root/srv/virdomm-export" \
  "$work/guests"

rig_log "making the dom0 disk image"
size_mb=$(($(du -sm "$root" | cut -f1) + 1536))
mkfs.ext4 -q -F -L rig-dom0 -d "$root" "$work/dom0.raw" "${size_mb}M"
rm -rf "$root"
mv "$work" "$out"
rig_log "images ready in $out"
