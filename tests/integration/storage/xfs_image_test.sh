#!/usr/bin/env bash
# XFS images read without mounting them. For two mkfs.xfs variants (the Debian 12 default with
# bigtime and inobtcount, and nrext64 as Debian 13 makes it) a loop-mounted filesystem is filled with every kind of
# file: the lib.sh tree, a fragmented file whose extents need a bmap btree, directories in
# shortform, block, leaf and node form, short and long symlinks, hard links, xattrs in shortform,
# leaf and node form with remote values, and ACLs. The baseline of the image must equal, entry
# for entry, the baseline of the kernel's read-only mount of the same image in --root mode.
# Then a byte of a file, a mode and a new file are changed through the kernel, and a byte behind
# the filesystem's back; the reports name exactly those. A copy taken while the filesystem is
# mounted is reported with the dirty-log warning.
# Usage: xfs_image_test.sh DOMM_MONITOR WORKDIR
source "$(dirname "$0")/lib.sh"
bin=$1
work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work"
[ "$(id -u)" -eq 0 ] || die "needs root for loop mounts"
mnt=$work/mnt
mkdir -p "$mnt"
cleanup() { mountpoint -q "$mnt" && umount "$mnt"; true; }
trap cleanup EXIT
"$bin" storage keygen --key key
printf '/ R+sha512\n' >rules

# entries DB: the entry lines of a baseline (every recorded attribute of every file).
entries() { grep '^F ' "$1"; }

# inode_format IMG PATH: the data fork format of PATH (local, extents, btree) per xfs_db.
inode_format() {
  xfs_db -r -c "path $2" -c "print core.format" "$1" 2>/dev/null | sed -n 's/.*(\([a-z]*\)).*/\1/p'
}

fill() {
  local m=$1
  make_tree "$m"
  # A fragmented file: every other 4 KiB block written, 600 extents, more than an inode holds.
  local args=() i
  for i in $(seq 0 599); do args+=(-c "pwrite -q -S $((i % 250)) $((i * 8192)) 4096"); done
  xfs_io -f "${args[@]}" "$m/usr/lib/fragmented.bin"
  # Directories of every size: shortform, block, leaf, node.
  mkdir -p "$m/d/small" "$m/d/block" "$m/d/leaf" "$m/d/node"
  touch "$m/d/small/a" "$m/d/small/b"
  for i in $(seq 1 40); do touch "$m/d/block/entry-$i"; done
  for i in $(seq 1 400); do touch "$m/d/leaf/a-somewhat-longer-file-name-$i"; done
  for i in $(seq 1 6000); do : >"$m/d/node/$(printf 'n%0120d' "$i")"; done
  ln -s short "$m/d/short-link"
  ln -s "$(printf '/long/%0900d' 7)" "$m/d/long-link"
  ln "$m/d/small/a" "$m/d/small/a-hardlink"
  mkfifo "$m/d/fifo"
  # xattrs: shortform (one), leaf (many), node (very many), a remote value, ACLs.
  setfattr -n user.one -v 1 "$m/d/small/a"
  for i in $(seq 1 60); do setfattr -n "user.leaf$i" -v "$(printf 'v%080d' "$i")" "$m/d/small/b"; done
  for i in $(seq 1 600); do setfattr -n "user.node$i" -v "value-$i" "$m/d/block/entry-1"; done
  setfattr -n user.big -v "0x$(head -c 6000 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
    "$m/d/block/entry-2"
  setfattr -n trusted.admin -v yes "$m/d/block/entry-3"
  setfacl -m u:1000:rw,g:100:r "$m/etc/motd"
  setfacl -d -m u:1000:rwx "$m/d/leaf"
}

variant() {
  local name=$1
  shift
  local img=$name.img
  rm -f "$img" && truncate -s 400M "$img"
  mkfs.xfs -q -f "$@" "$img"
  mount -o loop "$img" "$mnt"
  fill "$mnt"
  settle_umount "$mnt"
  # The forms this test is about, as xfs_db sees them.
  [ "$(inode_format "$img" /usr/lib/fragmented.bin)" = btree ] ||
    die "$name: fragmented.bin is not in btree format"
  [ "$(inode_format "$img" /d/small)" = local ] || die "$name: /d/small is not shortform"
  [ "$(inode_format "$img" /d/node)" = btree ] || die "$name: /d/node is not btree-mapped"
  [ "$(inode_format "$img" /d/short-link)" = local ] || die "$name: short link not local"
  [ "$(inode_format "$img" /d/long-link)" = extents ] || die "$name: long link not remote"
  "$bin" storage init --image "$img" --db "$name.image.db" --key key --rules rules 2>"$name.err"
  grep -q 'warning' "$name.err" && die "$name: unexpected warning: $(cat "$name.err")"
  mount -o ro,norecovery,loop "$img" "$mnt"
  "$bin" storage init --root "$mnt" --db "$name.tree.db" --key key --rules rules 2>/dev/null
  umount "$mnt"
  if ! diff <(entries "$name.image.db") <(entries "$name.tree.db") >"$name.diff"; then
    head -40 "$name.diff" >&2
    die "$name: image and tree baselines differ"
  fi
  grep -q $'^F /d/node/n0*6000\t' "$name.image.db" || die "$name: node directory incomplete"
  grep -q 'system.posix_acl_access=' "$name.image.db" || die "$name: ACL missing"
  echo "ok: $name: image baseline equals the mounted tree's ($(entries "$name.image.db" | wc -l) entries)"

  # Changes through the kernel: one byte of a file, a mode, a new file.
  mount -o loop "$img" "$mnt"
  printf 'X' | dd of="$mnt/etc/passwd" bs=1 seek=3 conv=notrunc status=none
  chmod 0640 "$mnt/bin/tool"
  printf 'new\n' >"$mnt/etc/added"
  settle_umount "$mnt"
  set +e
  "$bin" storage check --image "$img" --db "$name.image.db" --key key --rules rules --json \
    >"$name.json" 2>/dev/null
  local rc=$?
  set -e
  expect_report "$name: kernel changes" 13 "$rc" "$name.json" "added /etc/added
changed /bin/tool perm,ctime
changed /bin/tool-hardlink perm,ctime
changed /etc size,mtime,ctime
changed /etc/passwd mtime,ctime,sha256,sha512"

  # A byte changed behind the filesystem: only the digests can tell.
  "$bin" storage update --image "$img" --db "$name.image.db" --key key --rules rules \
    >/dev/null 2>&1 || true
  mount -o ro,norecovery,loop "$img" "$mnt"
  local sector
  sector=$(xfs_io -r -c "fiemap" "$mnt/bin/ping" | awk 'NR==2 {split($3, a, "."); print a[1]}')
  umount "$mnt"
  printf 'Z' | dd of="$img" bs=1 seek=$((sector * 512 + 100)) conv=notrunc status=none
  set +e
  "$bin" storage check --image "$img" --db "$name.image.db" --key key --rules rules --json \
    >"$name.raw.json" 2>/dev/null
  rc=$?
  set -e
  expect_report "$name: raw write" 12 "$rc" "$name.raw.json" "changed /bin/ping sha256,sha512"
}

variant default
variant nrext64 -i nrext64=1

# A copy of a mounted filesystem: its log holds changes, which the report says.
mount -o loop default.img "$mnt"
printf 'more\n' >"$mnt/etc/while-mounted"
sync
cp --sparse=always default.img mounted-copy.img
umount "$mnt"
set +e
"$bin" storage check --image mounted-copy.img --db default.image.db --key key --rules rules \
  --json >dirty.json 2>/dev/null
set -e
jq -e '.warnings | any(test("XFS log holds unreplayed changes"))' dirty.json >/dev/null ||
  die "no dirty-log warning: $(jq -c .warnings dirty.json)"
jq -e '.source | test("\\(xfs\\)$")' dirty.json >/dev/null || die "source does not name xfs"
echo "ok: a mounted copy is reported with the dirty-log warning"
