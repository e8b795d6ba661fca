#!/usr/bin/env bash
# Makes the seeds of the volume fuzzer (volume-corpus/): small XFS filesystems (v5 with 1 KiB
# and 4 KiB blocks and nrext64, v4) with an external log so that all their metadata sits in the
# first few hundred KiB, filled through a loop mount with every kind of file, directory and
# xattr, and an LVM2 PV holding one of them as an LV; each cut after its last non-zero byte
# (the fuzzer pads inputs with zeros). Needs root, xfsprogs, lvm2, attr and acl.
# Usage: make-volume-corpus.sh OUTPUT_DIR
set -euo pipefail
out=$(realpath "$1")
work=$(mktemp -d)
trap 'mountpoint -q "$work/m" && umount "$work/m"; for l in $(losetup -j "$work/log.img" -O NAME -n); do losetup -d "$l"; done; rm -rf "$work"' EXIT
mkdir -p "$out" "$work/m"
cd "$work"
# mkfs.xfs refuses filesystems under 300 MB unless it is run the way fstests runs it.
export TEST_DIR=$work TEST_DEV=/dev/null QA_CHECK_FS=1

fill() {
  local m=$1 block=$2 i args=()
  mkdir -p "$m/d" "$m/e"
  echo hi >"$m/d/f"
  ln "$m/d/f" "$m/d/f-link"
  ln -s /x "$m/d/s"
  ln -s "$(printf 'y%.0s' $(seq 1 600))" "$m/d/long"
  for i in $(seq 1 80); do : >"$m/e/a-file-with-a-longer-name-$i"; done
  setfattr -n user.a -v b "$m/d/f"
  for i in $(seq 1 30); do setfattr -n "user.x$i" -v "$(printf 'v%060d' "$i")" "$m/d"; done
  : >"$m/d/big-xattr"
  setfattr -n user.big -v "$(printf 'z%.0s' $(seq 1 3000))" "$m/d/big-xattr"
  setfacl -m u:7:r "$m/d/f"
  # One byte every other block: 24 extents, more than a 512-byte inode holds (bmap btree).
  for i in $(seq 0 23); do args+=(-c "pwrite -q $((i * 2 * block)) 1"); done
  xfs_io -f "${args[@]}" "$m/d/frag"
  mknod "$m/d/c" c 4 5
}

# cut FILE NAME: the file up to its last non-zero KiB, as OUTPUT_DIR/NAME.
cut_to() {
  python3 - "$1" "$out/$2" <<'PY'
import sys
data = open(sys.argv[1], 'rb').read()
end = max((i + 1024 for i in range(0, len(data), 1024) if data[i:i + 1024].strip(b'\0')), default=0)
open(sys.argv[2], 'wb').write(data[:end])
PY
}

make_xfs() {
  local name=$1 block=$2
  shift 2
  rm -f fs.img log.img && truncate -s 24M fs.img && truncate -s 20M log.img
  mkfs.xfs -q -f -d agcount=1 -l logdev=log.img -b size="$block" -i size=512 "$@" fs.img
  local log
  log=$(losetup -f --show log.img)
  mount -o loop,logdev="$log" fs.img m
  fill m "$block"
  umount m
  losetup -d "$log"
  cut_to fs.img "$name"
}

make_xfs xfs-v5-1k.img 1024
make_xfs xfs-v5-4k-nrext64.img 4096 -i nrext64=1
# v4 (no crcs): kernels built without XFS v4 support cannot mount it, so mkfs.xfs fills it from
# a prototype file.
mkdir -p proto/d && echo hi >proto/d/f && ln -s /x proto/d/s
for i in $(seq 1 80); do : >"proto/d/a-file-with-a-longer-name-$i"; done
{
  echo "/ 0 0"
  echo "d--755 0 0"
  echo "d d--755 0 0"
  echo "f ---644 0 0 $work/proto/d/f"
  echo "s l--777 0 0 /x"
  echo "c c--600 0 0 4 5"
  for i in $(seq 1 80); do echo "a-file-with-a-longer-name-$i ---600 1 2 $work/proto/d/f"; done
  echo "$"
  echo "$"
} >proto.txt
rm -f fs.img && truncate -s 24M fs.img
mkfs.xfs -q -f -m crc=0 -d agcount=1 -b size=1024 -l logdev=log.img -p proto.txt fs.img 2>/dev/null
cut_to fs.img xfs-v4-1k.img

# An LVM2 PV with small metadata and data alignment, its one LV holding the 1 KiB XFS.
rm -f pv.img && truncate -s 40M pv.img
pvloop=$(losetup -f --show pv.img)
export LVM_SUPPRESS_FD_WARNINGS=1
# A private LVM configuration: no metadata backups or archives in the system's /etc/lvm.
export LVM_SYSTEM_DIR=$work/lvm-etc
mkdir -p "$LVM_SYSTEM_DIR"
printf 'backup { backup = 0 archive = 0 }\nglobal { locking_dir = "%s" }\n' "$work/lvm-lock" \
  >"$LVM_SYSTEM_DIR/lvm.conf"
lvm pvcreate --driverloaded n -q --metadatasize 8k --dataalignment 64k "$pvloop"
lvm vgcreate --driverloaded n -q -s 1m vdfuzz "$pvloop"
lvm lvcreate --driverloaded n -q -an -Zn -y -L 24M -n root vdfuzz 2>&1 | grep -v WARNING || true
pe_start=$(lvm pvs --driverloaded n --noheadings --units b --nosuffix -o pe_start "$pvloop" 2>/dev/null | tr -d ' ')
losetup -d "$pvloop"
make_xfs lv-root.tmp 1024
dd if=fs.img of=pv.img oflag=seek_bytes seek="$pe_start" bs=64k conv=notrunc status=none
rm -f "$out/lv-root.tmp"
cut_to pv.img lvm-pv-xfs.img
ls -l "$out"
