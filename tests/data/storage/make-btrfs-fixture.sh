#!/usr/bin/env bash
# Makes btrfs-compressed.img.gz, the btrfs fixture of tests/unit/storage/btrfs_test.cpp: a
# single-device filesystem written by the kernel through a loop mount, with files compressed by
# zstd, lzo and zlib (regular extents and one inline extent), a hole, a symlink, an xattr and a
# small directory. The unit test knows every file's contents (seq output). Needs root.
# Usage: make-btrfs-fixture.sh [OUTPUT_DIR]
set -euo pipefail
out=$(readlink -f "${1:-$(dirname "$0")}")
work=$(mktemp -d)
trap 'mountpoint -q "$work/mnt" && umount "$work/mnt"; rm -rf "$work"' EXIT
cd "$work"
mkdir mnt
truncate -s 114M fixture.img
mkfs.btrfs -q -L fixture fixture.img >/dev/null
for method in zstd lzo zlib; do
  mount -o "loop,compress-force=$method" fixture.img mnt
  seq 1 30000 >"mnt/seq-$method.txt"
  [ "$method" = zstd ] && seq 1 200 >mnt/inline-zstd.txt
  umount mnt
done
mount -o loop fixture.img mnt
setfattr -n user.fixture -v value mnt/seq-zstd.txt
truncate -s 1M mnt/sparse && seq 1 1000 >>mnt/sparse
ln -s seq-lzo.txt mnt/link
mkdir mnt/dir
for i in 1 2 3; do printf 'file %d\n' "$i" >"mnt/dir/f$i"; done
chmod 0640 mnt/dir/f2
umount mnt
gzip -9 -n <fixture.img >"$out/btrfs-compressed.img.gz"
ls -l "$out/btrfs-compressed.img.gz"
