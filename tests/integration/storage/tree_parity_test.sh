#!/usr/bin/env bash
# --root parity: the same tree checked as a directory and as an ext4 image made from it with
# mkfs.ext4 -d gives the same report (kinds, paths, attributes, old and new values). mkfs.ext4
# -d keeps whole seconds only, so nanoseconds are dropped before comparing; inode numbers differ
# between the two and are left out by the rules.
# Usage: tree_parity_test.sh DOMM_MONITOR WORKDIR
source "$(dirname "$0")/lib.sh"
bin=$1
work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work"

make_tree tree
"$bin" storage keygen --key key
printf '/ R-inode+sha512\n!=/\n!/lost+found\n' >rules
mkfs.ext4 -q -F -d tree -b 4096 -I 256 before.img 64M >/dev/null
"$bin" storage init --root tree --db tree.db --key key --rules rules 2>/dev/null
"$bin" storage init --image before.img --db image.db --key key --rules rules 2>/dev/null

# The tamper cases of the image test, done the way an intruder inside DomU would, in a later
# second than the tree's creation so the whole-second image ctimes change too.
sleep 1.1
printf 'root:x:0:0:EVIL:/root:/bin/bash\n' | head -c "$(stat -c %s tree/etc/passwd)" >new-passwd
touch -r tree/etc/passwd ref && cat new-passwd >tree/etc/passwd && touch -r ref tree/etc/passwd
chmod 0644 tree/etc/shadow
cp tree/bin/ping tree/bin/evil && chmod 4755 tree/bin/evil
rm tree/etc/sshd_backup
rm tree/bin/link && ln -s ../etc/shadow tree/bin/link
setfattr -n user.note -v changed tree/etc/passwd
ln tree/bin/tool tree/bin/tool-second-link
rm tree/etc/motd && mkdir tree/etc/motd
sleep 1.1  # a different second for the ctime of everything touched above
touch -r ref tree/etc/passwd

mkfs.ext4 -q -F -d tree -b 4096 -I 256 after.img 64M >/dev/null
set +e
"$bin" storage check --root tree --db tree.db --key key --rules rules --json >tree.json 2>/dev/null
rc_tree=$?
"$bin" storage check --image after.img --db image.db --key key --rules rules --json >image.json \
  2>/dev/null
rc_image=$?
set -e
detail() {
  jq -r '.differences[] | . as $d | if (.changes | length) == 0 then "\(.kind) \(.path)"
         else .changes[] | "\($d.kind) \($d.path) \(.attribute) \(.old) -> \(.new)" end' "$1" |
    sed -E 's/\.[0-9]{9}\b//g' | sort
}
detail tree.json >tree.txt
detail image.json >image.txt
if ! diff -u tree.txt image.txt; then
  die "tree and image reports differ"
fi
[ "$rc_tree" = "$rc_image" ] && [ "$rc_tree" = 15 ] || die "exit codes: tree $rc_tree image $rc_image"
for want in "added /bin/evil" "removed /etc/sshd_backup" "changed /etc/passwd sha256" \
  "changed /etc/shadow perm 0600 -> 0644" "changed /bin/link target ../etc/passwd -> ../etc/shadow" \
  "changed /etc/passwd xattrs[user.note]" "added /bin/tool-second-link" \
  "changed /etc/motd type file -> directory"; do
  grep -qF -- "$want" tree.txt || die "missing: $want"
done
grep -q '^changed /etc/passwd mtime' tree.txt && die "mtime reported although restored"
echo "ok: tree and image reports agree ($(wc -l <tree.txt) lines, rc $rc_tree)"
