#!/usr/bin/env bash
# Builds the rig's small images from the dom0 root's own Debian kernel and busybox:
#   BOOT/initrd.img                                            (dom0's initramfs)
#   EXPORT/kernel/vmlinuz, EXPORT/domu/{initrd.img,root.img}  (the NFS-shared DomU, PVH)
#   GUESTS/domm-base.cpio.gz                                   (Domain M's initramfs, PV)
# Domain M's initramfs gets its init (../domm/init) and the project's binaries at `rig.sh up`
# time.
# Usage: build-small-images.sh ROOT KERNEL_VERSION BOOT EXPORT GUESTS
set -euo pipefail
root=$1 kver=$2 boot=$3 export=$4 guests=$5
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$boot" "$export/kernel" "$export/domu" "$guests"
cp "$root/boot/vmlinuz-$kver" "$export/kernel/vmlinuz"

# A busybox tree with the named kernel modules (and what they depend on) under /lib/modules.
busybox_tree() {
  local dir=$1
  shift
  mkdir -p "$dir"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,run,newroot,lib/modules,etc}
  cp "$root/bin/busybox" "$dir/bin/busybox"
  for applet in $("$dir/bin/busybox" --list-full); do
    [ -e "$dir/$applet" ] || ln -s /bin/busybox "$dir/$applet"
  done
  : >"$dir/lib/modules/load-order"
  [ $# -gt 0 ] || return 0
  modprobe -d "$root" -S "$kver" --show-depends -a "$@" | while read -r kind path _; do
    [ "$kind" = insmod ] || continue
    local name=${path##*/}
    case "$name" in
      *.xz) xz -dc "$path" >"$dir/lib/modules/${name%.xz}"; name=${name%.xz} ;;
      *.zst) zstd -qdc "$path" >"$dir/lib/modules/${name%.zst}"; name=${name%.zst} ;;
      *) cp "$path" "$dir/lib/modules/$name" ;;
    esac
    grep -qx "$name" "$dir/lib/modules/load-order" || echo "$name" >>"$dir/lib/modules/load-order"
  done
}

cpio_gz() { (cd "$1" && find . -print0 | LC_ALL=C sort -z | cpio -o -0 -H newc -R 0:0 --quiet) | gzip -9n; }

# dom0: virtio disk and ext4, then the root's /sbin/rig-init.
busybox_tree "$tmp/dom0-initrd" virtio_pci virtio_blk ext4
install -m 755 "$here/dom0-initrd-init" "$tmp/dom0-initrd/init"
cpio_gz "$tmp/dom0-initrd" >"$boot/initrd.img"

# DomU: an initramfs that mounts the NFS-held disk, and the disk's tiny root. The network front
# end is loaded there too, for a scenario that gives DomU a NIC (modules stay after switch_root).
busybox_tree "$tmp/domu-initrd" xen-blkfront ext4 xen-netfront
install -m 755 "$here/domu-initrd-init" "$tmp/domu-initrd/init"
cpio_gz "$tmp/domu-initrd" >"$export/domu/initrd.img"

busybox_tree "$tmp/domu-root"
install -m 755 "$here/domu-init" "$tmp/domu-root/sbin/init"
mkfs.ext4 -q -F -L domu-root -d "$tmp/domu-root" "$export/domu/root.img" 32M

# Domain M: everything in its initramfs; blkfront for its read-only view of DomU's disk,
# netfront for its mirror NIC.
busybox_tree "$tmp/domm" xen-blkfront xen-netfront
cpio_gz "$tmp/domm" >"$guests/domm-base.cpio.gz"
