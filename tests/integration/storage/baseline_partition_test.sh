#!/usr/bin/env bash
# Baseline tampering is refused (exit 5); ext2 images; MBR and GPT partitioned images give the
# same records as the bare filesystem; hostile images (bad superblock, directory loop, broken
# partition table) give clear errors, never a crash or a hang.
# Usage: baseline_partition_test.sh DOMM_MONITOR WORKDIR
source "$(dirname "$0")/lib.sh"
bin=$1
work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work"

make_tree tree
mkfs.ext4 -q -F -d tree root.img 48M >/dev/null
"$bin" storage keygen --key key
"$bin" storage keygen --key other-key
printf '/ R\n!/lost+found\n' >rules
"$bin" storage init --image root.img --db base.db --key key --rules rules 2>/dev/null

run() {  # run ARGS... -> rc, output in out.txt / err.txt
  set +e
  timeout 120 "$bin" storage "$@" >out.txt 2>err.txt
  rc=$?
  set -e
}
expect_rc() {  # expect_rc NAME WANT [PATTERN-IN-STDERR]
  if [ "$rc" != "$2" ] || { [ -n "${3:-}" ] && ! grep -q -- "$3" err.txt; }; then
    cat out.txt err.txt >&2
    die "$1: rc=$rc, wanted $2 ${3:+and '$3' in the error}"
  fi
  echo "ok: $1"
}

# --- baseline tampering
size=$(stat -c %s base.db)
cp base.db flip.db
byte=$(dd if=flip.db bs=1 skip=$((size / 2)) count=1 status=none | od -An -tu1 | tr -d ' ')
printf "$(printf '\\%03o' $(( (byte ^ 1) )))" | dd of=flip.db bs=1 seek=$((size / 2)) conv=notrunc status=none
run check --image root.img --db flip.db --key key --rules rules
expect_rc "one flipped byte refused" 5 "signature mismatch"
head -c $((size - 100)) base.db >trunc.db
run check --image root.img --db trunc.db --key key --rules rules
expect_rc "truncated baseline refused" 5 "refused"
head -c $((size - 1)) base.db >trunc1.db
run check --image root.img --db trunc1.db --key key --rules rules
expect_rc "baseline missing its last byte refused" 5 "refused"
cp base.db appended.db && printf 'F /evil\n' >>appended.db
run check --image root.img --db appended.db --key key --rules rules
expect_rc "appended baseline refused" 5 "refused"
run check --image root.img --db base.db --key other-key --rules rules
expect_rc "wrong key refused" 5 "signature mismatch"
: >empty.db
run check --image root.img --db empty.db --key key --rules rules
expect_rc "empty baseline refused" 5 "refused"
run check --image root.img --db missing.db --key key --rules rules
expect_rc "missing baseline" 1 "missing.db"
run check --image root.img --db base.db --key key --rules rules
expect_rc "intact baseline accepted" 0
run init --image root.img --db base.db --key key --rules rules
expect_rc "init refuses to overwrite" 1 "exists"
printf '/ R+nonsense\n' >bad-rules
run check --image root.img --db base.db --key key --rules bad-rules
expect_rc "bad rules" 6 "bad-rules:1: unknown attribute or group 'nonsense'"

# --- rules explained: a path rule is component-wise (no AIDE-style /etc/ssh -> /etc/sshd_x)
printf '/etc/ssh R\n' >ssh-rules
run explain --rules ssh-rules --path /etc/ssh/sshd_config --path /etc/sshd_config
grep -q '^/etc/ssh/sshd_config: line 1: ' out.txt && grep -q '^/etc/sshd_config: no rule matches' out.txt ||
  { cat out.txt; die "explain"; }
run rules
[ "$rc" = 0 ] && grep -q '^/  *R$' out.txt || die "default rules"
cp out.txt default-rules
run explain --rules default-rules --path /var/cache/apt/x
grep -q 'excluded' out.txt || die "default rules exclude /var/cache"
echo "ok: explain and default rules"

# --- ext2
mkfs.ext2 -q -F -d tree ext2.img 32M >/dev/null
run init --image ext2.img --db ext2.db --key key --rules rules
expect_rc "ext2 init" 0
cp ext2.img ext2-t.img
debugfs -w -R "sif /bin/ping uid 1000" ext2-t.img 2>/dev/null
run check --image ext2-t.img --db ext2.db --key key --rules rules --json
[ "$rc" = 12 ] && [ "$(compact out.txt)" = "changed /bin/ping uid" ] || { cat out.txt; die "ext2 uid"; }
echo "ok: ext2 uid change"

# --- partitioned images: the records equal those of the bare filesystem.
mkfs.ext4 -q -F -d tree/etc boot.img 8M >/dev/null
mib=$((1024 * 1024))
truncate -s 64M gpt.img
sfdisk -q gpt.img >/dev/null <<PARTS
label: gpt
start=2048, size=$((8 * 2048)), type=0FC63DAF-8483-4772-8E79-3D69D8477DE4
start=$((10 * 2048)), size=$((48 * 2048)), type=0FC63DAF-8483-4772-8E79-3D69D8477DE4
PARTS
dd if=boot.img of=gpt.img bs=1M seek=1 conv=notrunc status=none
dd if=root.img of=gpt.img bs=1M seek=10 conv=notrunc status=none
run check --image gpt.img --partition 2 --db base.db --key key --rules rules --json
[ "$rc" = 0 ] && [ -z "$(compact out.txt)" ] || { cat out.txt err.txt; die "gpt partition 2"; }
jq -e '.source | test("gpt partition 2")' out.txt >/dev/null || die "gpt source name"
echo "ok: GPT partition 2 equals the bare filesystem"
run init --image gpt.img --partition 2 --partition 1:/boot --db gpt.db --key key --rules rules
expect_rc "GPT two partitions with mount points" 0
grep -q '^F /boot/passwd	' gpt.db && grep -q '^F /etc/passwd	' gpt.db || die "mount prefixes"
run init --image gpt.img --db gpt-auto.db --key key --rules rules
expect_rc "GPT all ext partitions" 0 "several ext partitions"
grep -q '^F /partition1/passwd	' gpt-auto.db || die "auto prefixes"
run check --image gpt.img --partition 3 --db base.db --key key --rules rules
expect_rc "missing partition named" 7 "no gpt partition 3"

truncate -s 64M mbr.img
sfdisk -q mbr.img >/dev/null <<PARTS
label: dos
start=2048, size=$((60 * 2048)), type=83
PARTS
dd if=root.img of=mbr.img bs=1M seek=1 conv=notrunc status=none
run check --image mbr.img --db base.db --key key --rules rules --json
[ "$rc" = 0 ] && [ -z "$(compact out.txt)" ] || { cat out.txt err.txt; die "mbr"; }
echo "ok: MBR partition equals the bare filesystem"

# --- hostile images
cp gpt.img gpt-bad.img
printf 'X' | dd of=gpt-bad.img bs=1 seek=$((512 + 40)) conv=notrunc status=none
run check --image gpt-bad.img --db base.db --key key --rules rules
expect_rc "GPT header CRC mismatch" 7 "CRC mismatch"
cp root.img badsb.img
dd if=/dev/urandom of=badsb.img bs=1 seek=1024 count=80 conv=notrunc status=none
printf '\x53\xef' | dd of=badsb.img bs=1 seek=$((1024 + 56)) conv=notrunc status=none
run check --image badsb.img --db base.db --key key --rules rules
expect_rc "corrupt superblock" 7 "cannot open an ext2/3/4 filesystem"
head -c 1M /dev/zero >zeros.img
run check --image zeros.img --db base.db --key key --rules rules
expect_rc "no filesystem at all" 7 "neither"
cp root.img loop.img
debugfs -w -R "ln /etc /etc/ssh/loop" loop.img 2>/dev/null
run check --image loop.img --db base.db --key key --rules rules --json
[ "$rc" = 9 ] || die "loop rc $rc"
jq -e '.differences[] | select(.path == "/etc/ssh/loop") | .changes[] |
       select(.attribute == "error") | .new | test("directory loop: inode [0-9]+ already visited as /etc")' \
  out.txt >/dev/null || { cat out.txt; die "directory loop not named"; }
echo "ok: directory loop reported with inode and path"
cp root.img dangling.img
debugfs -w -R "sif /etc/motd links_count 0" dangling.img 2>/dev/null
run check --image dangling.img --db base.db --key key --rules rules --json
jq -e '.differences[] | select(.path == "/etc/motd") | .changes[] | select(.attribute == "error")
       | .new | test("inode [0-9]+ which is not in use")' out.txt >/dev/null ||
  { cat out.txt; die "unused inode not named"; }
echo "ok: entry naming an unused inode reported"
cmp -s root.img <(dd if=gpt.img bs=1M skip=10 count=48 status=none) || die "image modified"
echo "all baseline/partition/hostile cases passed"
