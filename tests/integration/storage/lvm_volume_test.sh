#!/usr/bin/env bash
# LVM2 logical volumes inside a disk image. A GPT image gets an ext4 partition and a PV made by
# pvcreate on a loop device over the second partition; vgcreate and lvcreate make an XFS LV
# "root" and an ext4 LV "var", and lvextend grows root and then var, so each has a second linear
# segment, with files across the seam. The metadata is LVM's own; the filesystems are built in files and copied to the
# extents that `lvs --segments` reports, because activating LVs needs device-mapper, which a
# test machine may lack (--driverloaded n keeps LVM away from it). Each LV read from the image
# must give the same baseline as its filesystem image read alone, also with an ext4 journal to
# replay through the pieces. A second volume group spread
# over two PVs, with a striped LV and an LV that continues on the other PV, is refused with
# warnings that name both.
# Usage: lvm_volume_test.sh DOMM_MONITOR WORKDIR
source "$(dirname "$0")/lib.sh"
bin=$1
work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work"
[ "$(id -u)" -eq 0 ] || die "needs root for loop devices"
export LVM_SUPPRESS_FD_WARNINGS=1
lvm_opts=(--driverloaded n -q)
# Test volume groups use names no real system has; never touch others. A private system
# directory keeps this test's metadata backups and locks out of /etc/lvm.
export LVM_SYSTEM_DIR=$work/lvm-etc
mkdir -p "$LVM_SYSTEM_DIR"
cat >"$LVM_SYSTEM_DIR/lvm.conf" <<EOF
devices { scan = [ "/dev" ] obtain_device_list_from_udev = 0 }
backup { backup = 0 archive = 0 }
global { locking_dir = "$work/lvm-lock" }
activation { udev_sync = 0 udev_rules = 0 }
EOF
loops=()
mnt=$work/mnt
mkdir -p "$mnt"
cleanup() {
  mountpoint -q "$mnt" && umount "$mnt"
  local l
  for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null; done
  true
}
trap cleanup EXIT
lvm() { command lvm "$1" "${lvm_opts[@]}" "${@:2}" 2>&1 | grep -v 'WARNING' || true; }
"$bin" storage keygen --key key
printf '/ R+sha512\n' >rules
M=$((1024 * 1024))

# The disk: GPT, partition 1 ext4 (32 MiB at 1 MiB), partition 2 an LVM PV (the rest).
truncate -s 1200M disk.img
printf 'label: gpt\nstart=2048, size=65536, type=L\nstart=67584, type=E6D6D379-F507-44C2-A23C-238F2A3DF928\n' |
  sfdisk -q disk.img
make_tree boot-tree
mkfs.ext4 -q -F -d boot-tree boot.fs 32M >/dev/null
dd if=boot.fs of=disk.img bs=$M seek=1 conv=notrunc status=none
part2=$((67584 * 512))
pv=$(losetup -f --show -o "$part2" --sizelimit $(($(stat -c %s disk.img) - part2 - 34 * 512)) disk.img)
loops+=("$pv")
lvm pvcreate "$pv"
lvm vgcreate vdtest0 "$pv"
lvm lvcreate -an -Zn -y -L 320M -n root vdtest0
lvm lvcreate -an -Zn -y -L 32M -n var vdtest0
lvm lvextend -L +40M vdtest0/root
lvm lvextend -L +16M vdtest0/var
extent=$(command lvm vgs "${lvm_opts[@]}" --noheadings --units b --nosuffix -o vg_extent_size vdtest0 2>/dev/null | tr -d ' ')
pe_start=$(command lvm pvs "${lvm_opts[@]}" --noheadings --units b --nosuffix -o pe_start "$pv" 2>/dev/null | tr -d ' ')
# segments LV: "start_extent count first_pe" per segment, from LVM itself.
segments() {
  command lvm lvs "${lvm_opts[@]}" --noheadings --segments -o seg_start_pe,seg_size_pe,seg_pe_ranges "vdtest0/$1" 2>/dev/null |
    awk '{split($3, r, ":"); split(r[2], p, "-"); print $1, $2, p[1]}'
}
segments root >root.segments
segments var >var.segments
[ "$(wc -l <root.segments)" -eq 2 ] || die "root should have two segments: $(cat root.segments)"
[ "$(wc -l <var.segments)" -eq 2 ] || die "var should have two segments: $(cat var.segments)"
losetup -d "$pv" && loops=()

# copy_in FS SEGMENTS: writes a filesystem image onto its LV's extents inside disk.img.
copy_in() {
  local fs=$1 start count pe
  while read -r start count pe; do
    dd if="$fs" of=disk.img bs="$extent" skip="$start" count="$count" conv=notrunc status=none \
      oflag=seek_bytes seek=$((part2 + pe_start + pe * extent))
  done <"$2"
}

# root: XFS filled past the seam of its two segments (at 320 MiB).
truncate -s 360M root.fs
mkfs.xfs -q -f root.fs
mount -o loop root.fs "$mnt"
make_tree "$mnt"
mkdir -p "$mnt/fill"
i=0
while [ "$(df -B1M --output=avail "$mnt" | tail -1)" -gt 24 ]; do
  i=$((i + 1))
  head -c 20M /dev/urandom >"$mnt/fill/chunk-$i"
done
settle_umount "$mnt"
copy_in root.fs root.segments
# var: ext4 from a tree, a 36 MiB file reaching past the seam at 32 MiB.
mkdir -p var-tree/log && printf 'var log\n' >var-tree/log/messages
head -c 36M /dev/urandom >var-tree/log/big
mkfs.ext4 -q -F -d var-tree var.fs 48M >/dev/null
copy_in var.fs var.segments

"$bin" storage init --image root.fs --db root-alone.db --key key --rules rules 2>/dev/null
"$bin" storage init --image disk.img --partition vdtest0/root --db root-lv.db --key key \
  --rules rules 2>/dev/null
diff <(grep '^F ' root-alone.db) <(grep '^F ' root-lv.db) >/dev/null ||
  die "LV vdtest0/root reads differently from its filesystem image"
echo "ok: the two-segment XFS LV equals its filesystem image ($(grep -c '^F ' root-lv.db) entries)"
"$bin" storage init --image var.fs --db var-alone.db --key key --rules rules 2>/dev/null
"$bin" storage init --image disk.img --partition vdtest0/var --db var-lv.db --key key \
  --rules rules 2>/dev/null
diff <(grep '^F ' var-alone.db) <(grep '^F ' var-lv.db) >/dev/null ||
  die "LV vdtest0/var reads differently from its filesystem image"
echo "ok: the two-segment ext4 LV equals its filesystem image"

# The ext4 LV copied while mounted: its journal holds a committed transaction whose blocks the
# replay must place through the LV's pieces. The LV's report equals that of the copy alone.
for try in 1 2 3 4 5; do
  cp --sparse=always var.fs var.try.fs
  mount -o loop var.try.fs "$mnt"
  printf 'appeared\n' >"$mnt/log/new-file"
  printf 'changed\n' >"$mnt/log/messages"
  sync "$mnt/log/new-file" "$mnt/log/messages" "$mnt/log"
  cp --sparse=always var.try.fs var.live.fs
  umount "$mnt"
  if dumpe2fs -h var.live.fs 2>/dev/null | grep -q needs_recovery &&
    [ -z "$(debugfs -R 'stat /log/new-file' var.live.fs 2>/dev/null | head -1)" ]; then
    break
  fi
  [ "$try" -lt 5 ] || die "no copy of var with an unreplayed journal after 5 attempts"
done
copy_in var.live.fs var.segments
set +e
"$bin" storage check --image var.live.fs --db var-alone.db --key key --rules rules --json \
  >var-alone.json 2>/dev/null
rc_alone=$?
"$bin" storage check --image disk.img --partition vdtest0/var --db var-lv.db --key key \
  --rules rules --json >var-lv.json 2>/dev/null
rc_lv=$?
set -e
[ "$(jq '.journal.transactions // 0' var-lv.json)" -gt 0 ] || die "the LV's journal was not replayed"
expect_report "journal replayed through the LV's pieces" "$rc_alone" "$rc_lv" var-lv.json \
  "$(compact var-alone.json)"
copy_in var.fs var.segments

# Every filesystem at once: partitions under /partitionN, LVs under /lv/VG/LV.
"$bin" storage init --image disk.img --db all.db --key key --rules rules 2>all.err
grep -q 'logical volumes under /lv/VG/LV' all.err || die "no several-filesystems warning"
for p in /partition1/etc/passwd /lv/vdtest0/root/etc/passwd /lv/vdtest0/var/log/messages; do
  grep -q "^F $p"$'\t' all.db || die "all.db lacks $p"
done
grep -q '^source image%20disk.img%20(gpt%20partition%201%20at%20/partition1%2C%20LV%20vdtest0/root%2C%20xfs%20at%20/lv/vdtest0/root%2C%20LV%20vdtest0/var%20at%20/lv/vdtest0/var)$' all.db ||
  die "unexpected source line: $(grep ^source all.db)"
echo "ok: every filesystem under /partitionN and /lv/VG/LV"

# The whole system's view, and a change inside the second segment's filesystem.
view=(--partition vdtest0/root --partition vdtest0/var:/var --partition 1:/boot)
"$bin" storage init --image disk.img "${view[@]}" --db view.db --key key --rules rules 2>/dev/null
grep -q $'^F /var/log/messages\t' view.db && grep -q $'^F /boot/etc/motd\t' view.db ||
  die "the mounted view misses files"
mount -o loop root.fs "$mnt"
chmod 0600 "$mnt/etc/motd"
last=$(ls "$mnt/fill" | sort -t- -k2 -n | tail -1)
printf 'X' | dd of="$mnt/fill/$last" bs=1 seek=1000 conv=notrunc status=none
settle_umount "$mnt"
copy_in root.fs root.segments
set +e
"$bin" storage check --image disk.img "${view[@]}" --db view.db --key key --rules rules --json \
  >view.json 2>/dev/null
rc=$?
set -e
expect_report "changes in the XFS LV" 12 "$rc" view.json "changed /etc/motd perm,ctime
changed /fill/$last mtime,ctime,sha256,sha512"

# A second volume group over two PVs: a striped LV and a linear LV that continues on the other
# PV cannot be read from one PV; both are named, and with nothing readable the run fails.
truncate -s 64M pv-a.img pv-b.img
a=$(losetup -f --show pv-a.img) && loops+=("$a")
b=$(losetup -f --show pv-b.img) && loops+=("$b")
lvm pvcreate "$a" "$b"
lvm vgcreate vdtest1 "$a" "$b"
lvm lvcreate -an -Zn -y -i 2 -I 64k -L 16M -n striped vdtest1
lvm lvcreate -an -Zn -y -L 8M -n spanning vdtest1 "$a"
lvm lvextend -L +8M vdtest1/spanning "$b"
set +e
"$bin" storage init --image pv-a.img --db pv-a.db --key key --rules rules 2>pv-a.err
rc=$?
set -e
[ "$rc" -eq 7 ] || die "pv-a.img: expected exit 7, got $rc"
grep -q 'LV vdtest1/striped is skipped: striped segments are not supported' pv-a.err ||
  die "no striped warning: $(cat pv-a.err)"
grep -q 'LV vdtest1/spanning is skipped: it has extents on another physical volume' pv-a.err ||
  die "no spanning warning: $(cat pv-a.err)"
echo "ok: striped and PV-spanning LVs are refused by name"
