#!/usr/bin/env bash
# Real ext4 images made with mkfs.ext4 -d, tampered with debugfs -w and raw writes: every
# tamper case must be reported exactly (files, attributes, exit bits); a clean re-check is silent.
# Usage: image_tamper_test.sh DOMM_MONITOR WORKDIR
source "$(dirname "$0")/lib.sh"
bin=$1
work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work"

make_tree tree
mkfs.ext4 -q -F -d tree -b 4096 base.img 64M >/dev/null
"$bin" storage keygen --key key
printf '/ R+sha512+blake2b\n!/lost+found\n' >rules
"$bin" storage init --image base.img --db base.db --key key --rules rules 2>/dev/null

check() {  # check IMAGE JSON -> sets rc
  set +e
  "$bin" storage check --image "$1" --db base.db --key key --rules rules --json >"$2" 2>check.err
  rc=$?
  set -e
}

cp base.img clean.img
check clean.img clean.json
expect_report "clean re-check" 0 "$rc" clean.json ""
# The baseline holds what the tree holds.
[ "$(grep -c '^F ' base.db)" -ge 18 ] || die "baseline has too few entries"
grep -q 'security.capability=' base.db || [ "$(id -u)" -ne 0 ] || die "capability not recorded"
grep -P '^F /dev/null\tchar-device\t' base.db >/dev/null || [ "$(id -u)" -ne 0 ] ||
  die "device node not recorded"

# Content changed in place on disk, no metadata touched (as a raw write or touch -r would).
cp base.img content.img
block=$(debugfs -R "blocks /etc/passwd" content.img 2>/dev/null | awk '{print $1}')
printf 'root:x:0:0:EVIL:/root:/bin/bash\n' | head -c 33 >new-passwd
dd if=new-passwd of=content.img bs=4096 seek="$block" conv=notrunc status=none
check content.img content.json
expect_report "content changed, times kept" 12 "$rc" content.json \
  "changed /etc/passwd sha256,sha512,blake2b"
jq -e '.differences[0].changes[0] | .old != .new and (.old | length) == 64' content.json >/dev/null ||
  die "old/new sha256 values missing"

# Permission change.
cp base.img perm.img
debugfs -w -R "sif /etc/shadow mode 0100644" perm.img 2>/dev/null
check perm.img perm.json
expect_report "permission change" 12 "$rc" perm.json "changed /etc/shadow perm"
jq -e '.differences[0].changes[0] | .old == "0600" and .new == "0644"' perm.json >/dev/null ||
  die "perm old/new values"

# A new setuid file.
cp base.img setuid.img
debugfs -w -f - setuid.img >/dev/null 2>&1 <<CMDS
write $work/tree/bin/ping /bin/evil
sif /bin/evil mode 0104755
CMDS
check setuid.img setuid.json
expect_report "new setuid file" 9 "$rc" setuid.json "added /bin/evil"

# A deleted file.
cp base.img deleted.img
debugfs -w -R "rm /etc/sshd_backup" deleted.img 2>/dev/null
check deleted.img deleted.json
expect_report "deleted file" 10 "$rc" deleted.json "removed /etc/sshd_backup"

# A symlink pointed elsewhere (same length, so only the target differs besides the inode).
cp base.img symlink.img
debugfs -w -f - symlink.img >/dev/null 2>&1 <<CMDS
rm /bin/link
symlink /bin/link ../etc/shadow
CMDS
check symlink.img symlink.json
jq -e '.differences[] | select(.path == "/bin/link") | .changes[] |
       select(.attribute == "target" and .old == "../etc/passwd" and .new == "../etc/shadow")' \
  symlink.json >/dev/null || die "symlink retarget not reported with old/new target"
[ "$(compact symlink.json | cut -d' ' -f1,2)" = "changed /bin/link" ] || die "symlink: other files"
[ "$rc" = 12 ] || die "symlink rc $rc"
echo "ok: symlink retargeted"

# An xattr changed (a user xattr and, as root, the SELinux label).
cp base.img xattr.img
debugfs -w -R "ea_set /etc/passwd user.note changed" xattr.img 2>/dev/null
want="changed /etc/passwd xattrs[user.note]"
if [ "$(id -u)" -eq 0 ]; then
  debugfs -w -R "ea_set /etc/shadow security.selinux system_u:object_r:etc_t:s0" xattr.img 2>/dev/null
  want+=$'\n'"changed /etc/shadow selinux"
fi
check xattr.img xattr.json
expect_report "xattr changed" 12 "$rc" xattr.json "$want"

# A hard link added (debugfs ln does not count links; the kernel would).
cp base.img hardlink.img
debugfs -w -f - hardlink.img >/dev/null 2>&1 <<CMDS
ln /etc/passwd /bin/passwd-copy
sif /etc/passwd links_count 2
CMDS
check hardlink.img hardlink.json
expect_report "hard link added" 13 "$rc" hardlink.json \
  "added /bin/passwd-copy
changed /etc/passwd nlink"

# A file replaced by a directory.
cp base.img replaced.img
debugfs -w -f - replaced.img >/dev/null 2>&1 <<CMDS
rm /etc/motd
mkdir /etc/motd
CMDS
check replaced.img replaced.json
jq -e '.differences[] | select(.path == "/etc/motd") | .changes[] |
       select(.attribute == "type" and .old == "file" and .new == "directory")' replaced.json \
  >/dev/null || die "type change not reported"
[ "$(compact replaced.json | cut -d' ' -f1,2 | tr '\n' ' ')" = "changed /etc changed /etc/motd " ] ||
  die "replaced: unexpected files: $(compact replaced.json)"
echo "ok: file replaced by a directory"

# The text report names the same things.
set +e
"$bin" storage check --image perm.img --db base.db --key key --rules rules >perm.txt 2>/dev/null
rc=$?
set -e
[ "$rc" = 12 ] && grep -q '^changed  file         /etc/shadow$' perm.txt &&
  grep -q '^    perm: 0600 -> 0644$' perm.txt || { cat perm.txt; die "text report"; }
echo "ok: text report"

# update accepts the current state: the next check is clean; the old baseline is replaced.
cp base.db update.db
set +e
"$bin" storage update --image perm.img --db update.db --key key --rules rules >/dev/null 2>&1
rc=$?
"$bin" storage check --image perm.img --db update.db --key key --rules rules --json >upd.json 2>/dev/null
rc2=$?
set -e
[ "$rc" = 12 ] || die "update rc $rc"
expect_report "check after update" 0 "$rc2" upd.json ""
ls update.db.tmp.* >/dev/null 2>&1 && die "temporary baseline left behind"

# The image is never written: its bytes are unchanged after all of the above.
cmp -s base.img clean.img || die "image modified by the checker"
echo "all image tamper cases passed"
