#!/usr/bin/env bash
# Makes the seed corpus of btrfs_fuzzer (btrfs-corpus/): small btrfs images with 4 KiB nodes,
# one from mkfs.btrfs --rootdir and one written by the kernel with zstd, lzo and zlib extents,
# each stored as the fuzzer's records of its non-zero blocks. Needs root (loop mounts).
# Usage: make-btrfs-corpus.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'mountpoint -q "$work/mnt" && umount "$work/mnt"; rm -rf "$work"' EXIT
cd "$work"
mkdir -p tree/dir empty mnt "$here/btrfs-corpus"
seq 1 300 >tree/dir/numbers
printf 'hello\n' >tree/file
ln -s file tree/link
setfattr -n user.note -v seed tree/file
truncate -s 100k tree/sparse && printf 'end' >>tree/sparse
truncate -s 16M rootdir.img
mkfs.btrfs -q -n 4096 -m single -d single -r tree rootdir.img >/dev/null
truncate -s 16M compressed.img
# --rootdir of an empty tree: mkfs.btrfs refuses 16 MiB otherwise.
mkfs.btrfs -q -n 4096 -m single -d single -r empty compressed.img >/dev/null
for method in zstd lzo zlib; do
  mount -o "loop,compress-force=$method" compressed.img mnt
  seq 1 6000 >"mnt/$method.txt"
  seq 1 100 >"mnt/$method-inline"
  umount mnt
done
# Records: u32 block number, u16 length, the block with its trailing zeros dropped.
for img in rootdir compressed; do
  python3 - "$img.img" "$here/btrfs-corpus/$img" <<'PY'
import struct, sys
data = open(sys.argv[1], 'rb').read()
out = bytearray()
for i in range(0, len(data), 4096):
    block = data[i:i + 4096].rstrip(b'\0')
    if block:
        out += struct.pack('<IH', i // 4096, len(block)) + block
open(sys.argv[2], 'wb').write(out)
PY
done
ls -l "$here/btrfs-corpus"
