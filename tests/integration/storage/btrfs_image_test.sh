#!/usr/bin/env bash
# btrfs images, read without mounting, against the kernel's view of the same filesystem: the
# baseline of the image equals the tree-mode baseline of its read-only loop mount, attribute by
# attribute, for an image made by mkfs.btrfs --rootdir, for images the kernel wrote with zstd,
# lzo and zlib compression (inline and regular compressed extents, a cloned extent used in
# part), with a subvolume and a snapshot, inside a GPT partition, with SHA-256 checksums and with a default
# subvolume set by set-default. Changes made through a mount (a byte of a file, chmod, a new
# file) are reported exactly; xxhash64 checksums and a two-device filesystem are refused (exit
# 7); a copy taken with a log tree is warned about. Needs root (loop mounts).
# Usage: btrfs_image_test.sh DOMM_MONITOR WORKDIR
source "$(dirname "$0")/lib.sh"
bin=$1
work=$2
[ "$(id -u)" -eq 0 ] || { echo "needs root for loop mounts"; exit 77; }
rm -rf "$work" && mkdir -p "$work" && cd "$work"
mkdir mnt
trap 'mountpoint -q mnt && umount mnt; true' EXIT

make_tree tree
mkdir tree/many
for i in $(seq 1 700); do printf 'entry %d\n' "$i" >"tree/many/file-$i"; done
setfacl -m u:1234:rw,g:55:r tree/etc/motd
setfacl -d -m g:55:rx tree/var/log
setfattr -n user.big -v "$(head -c 3000 /dev/zero | tr '\0' x)" tree/etc/motd
# Compressible contents: a large text file, a small one that fits inline, a file with a hole.
seq 1 200000 >tree/usr/lib/numbers.txt
seq 1 300 >tree/etc/small-inline
{ seq 1 50000; head -c 2000000 /dev/zero; seq 1 1000; } >tree/usr/lib/zeros-and-text
truncate -s 5M tree/usr/lib/holey && seq 1 20000 | dd of=tree/usr/lib/holey bs=1M seek=2 \
  conv=notrunc status=none

"$bin" storage keygen --key key
printf '/ R+sha512\n' >rules

# same_view IMG [SUBVOLUME...]: baseline of IMG equals the baseline of its read-only mount; the
# tree walk does not cross into a subvolume (another st_dev), so each SUBVOLUME is walked on its
# own and its records are put at its path. The kernel dates the empty directory that stands for
# a subvolume a snapshot does not contain (inode 2) at lookup time: those times are left out.
same_view() {
  local img=$1 sub
  shift
  "$bin" storage init --image "$img" --db image.db --key key --rules rules --force 2>/dev/null
  mount -o ro,loop "$img" mnt
  "$bin" storage init --root mnt --db tree.db --key key --rules rules --force 2>/dev/null
  grep '^F' tree.db >want.txt
  for sub in "$@"; do
    "$bin" storage init --root "mnt/$sub" --db sub.db --key key --rules rules --force 2>/dev/null
    grep '^F' sub.db | grep -v $'^F /\t' | sed "s|^F /|F /$sub/|" >>want.txt
  done
  umount mnt
  grep '^F' image.db >got.txt
  for f in want.txt got.txt; do
    awk -F'\t' -v OFS='\t' '$2 == "directory" && $4 == 2 { $9 = "-"; $10 = "-" } 1' "$f" |
      LC_ALL=C sort >"$f.sorted"
  done
  diff -u want.txt.sorted got.txt.sorted >diff.txt ||
    { head -40 diff.txt >&2; die "$img: image and mount differ"; }
  grep -q "^source image%20$img%20(btrfs)" image.db || die "$img: source"
  echo "ok: $img equals its mount ($(wc -l <got.txt) files)"
}

# 1. mkfs.btrfs --rootdir.
truncate -s 128M rootdir.img
mkfs.btrfs -q -r tree rootdir.img >/dev/null 2>&1
same_view rootdir.img

# 2. Tampering through a mount: exactly the touched files (and the directory that gained one).
"$bin" storage init --image rootdir.img --db before.db --key key --rules rules 2>/dev/null
mount -o loop rootdir.img mnt
printf 'X' | dd of=mnt/usr/lib/libbig.so bs=1 seek=1000 conv=notrunc status=none
chmod 0644 mnt/etc/shadow
printf 'evil\n' >mnt/etc/evil
settle_umount mnt
set +e
"$bin" storage check --image rootdir.img --db before.db --key key --rules rules --json \
  >tamper.json 2>/dev/null
rc=$?
set -e
expect_report "btrfs tamper" 13 "$rc" tamper.json "changed /usr/lib/libbig.so mtime,ctime,sha256,sha512
changed /etc/shadow perm,ctime
changed /etc size,mtime,ctime
added /etc/evil"
same_view rootdir.img

# 3. The kernel's compressed extents, one image per method; a subvolume and a device node too.
for method in zstd lzo zlib; do
  img=$method.img
  truncate -s 160M "$img"
  mkfs.btrfs -q "$img" >/dev/null 2>&1
  mount -o "loop,compress-force=$method" "$img" mnt
  cp -a tree/. mnt/
  btrfs subvolume create mnt/sub >/dev/null
  cp -a tree/etc mnt/sub/
  seq 1 100000 >mnt/sub/counted
  # A clone of part of a compressed extent: the file uses decoded bytes from an offset.
  cp --reflink=always mnt/usr/lib/numbers.txt mnt/usr/lib/clone.txt
  printf 'middle' | dd of=mnt/usr/lib/clone.txt bs=1 seek=300000 conv=notrunc status=none
  mknod mnt/dev/tty0 c 4 0
  mknod mnt/dev/sda b 8 0
  # A snapshot of the top level: its "sub" is the kernel's empty stand-in directory.
  btrfs subvolume snapshot mnt mnt/snap >/dev/null
  settle_umount mnt
  compressed=$(btrfs inspect-internal dump-tree -t 5 "$img" | grep -c "compression [123]")
  [ "$compressed" -gt 10 ] || die "$img: only $compressed compressed extents"
  same_view "$img" sub snap
  grep -q $'^F /snap/sub\tdirectory\t755\t2\t1\t' image.db || die "$img: snapshot stand-in"
done
# The device numbers the kernel wrote decode as it reads them.
grep -q $'^F /dev/tty0\tchar-device\t644\t[0-9]*\t1\t0\t0\t0\t[0-9.]*\t[0-9.]*\t4:0\t' image.db ||
  die "device number of /dev/tty0"

# The same filesystem inside a GPT partition gives the same records.
truncate -s 200M gpt.img
printf 'label: gpt\nstart=2048, size=350000\n' | sfdisk -q gpt.img
dd if=zlib.img of=gpt.img bs=1M seek=1 conv=notrunc,sparse status=none
"$bin" storage init --image zlib.img --db whole.db --key key --rules rules --force 2>/dev/null
"$bin" storage init --image gpt.img --db gpt.db --key key --rules rules --force 2>/dev/null
diff <(grep '^F' whole.db) <(grep '^F' gpt.db) >/dev/null || die "GPT partition differs"
grep -q '^source image%20gpt.img%20(gpt%20partition%201%2C%20btrfs)$' gpt.db || die "GPT source"
echo "ok: btrfs in a GPT partition"

# 4. SHA-256 node checksums are verified like crc32c; xxhash64 is refused with exit 7.
truncate -s 128M sha256.img
mkfs.btrfs -q --csum sha256 -r tree sha256.img >/dev/null 2>&1
same_view sha256.img
truncate -s 128M xxhash.img
mkfs.btrfs -q --csum xxhash -r tree xxhash.img >/dev/null 2>&1
set +e
"$bin" storage init --image xxhash.img --db xx.db --key key --rules rules 2>xx.err
rc=$?
set -e
[ "$rc" = 7 ] && grep -q "checksum type xxhash64 (1) not supported" xx.err ||
  { cat xx.err >&2; die "xxhash image: rc $rc"; }
echo "ok: xxhash64 refused"
truncate -s 128M raid-a.img raid-b.img
mkfs.btrfs -q -d raid1 -m raid1 raid-a.img raid-b.img >/dev/null 2>&1
set +e
"$bin" storage init --image raid-a.img --db raid.db --key key --rules rules 2>raid.err
rc=$?
set -e
[ "$rc" = 7 ] && grep -q "spans 2 devices; only single-device" raid.err ||
  { cat raid.err >&2; die "two-device image: rc $rc"; }
echo "ok: a two-device filesystem refused"

# 5. A default subvolume set with set-default is what a plain mount shows, and is read as /.
truncate -s 128M default.img
mkfs.btrfs -q -r tree default.img >/dev/null 2>&1
mount -o loop default.img mnt
btrfs subvolume create mnt/inner >/dev/null
cp -a tree/etc mnt/inner/
btrfs subvolume set-default mnt/inner
settle_umount mnt
same_view default.img
grep -q $'^F /etc/passwd\t' image.db && ! grep -q '^F /inner' image.db || die "default subvolume"

# 6. A copy taken while mounted, after an fsync: the log tree is reported, not replayed.
truncate -s 128M live.img
mkfs.btrfs -q live.img >/dev/null 2>&1
mount -o loop live.img mnt
sync -f mnt
printf 'fsynced\n' >mnt/fresh && dd if=mnt/fresh of=mnt/fresh2 conv=fsync status=none
cp --sparse=always live.img copy.img
settle_umount mnt
if btrfs inspect-internal dump-super copy.img | grep -qE '^log_root[[:space:]]+[1-9]'; then
  "$bin" storage init --image copy.img --db live.db --key key --rules rules 2>warn.txt
  grep -q "log tree" warn.txt || { cat warn.txt >&2; die "no log-tree warning"; }
  echo "ok: log tree reported"
else
  echo "note: the copy has no log tree (committed already); warning not exercised"
fi
echo "ok: btrfs images"
