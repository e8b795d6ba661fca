#!/usr/bin/env bash
# A disk copied while its filesystem is mounted, as Domain M sees a running DomU's disk: a file
# written and fsynced is in the committed ext4 journal but not yet at its home blocks. The check
# replays the journal in memory and reports the file with its right digest; e2fsck's replay of
# a scratch copy is the oracle for the whole view. Each mkfs variant gives a different journal
# tag format (CSUM_V3 64-bit, plain 64-bit, plain 32-bit). Needs root and loop devices to
# mount; skipped (77) without them.
# Usage: journal_replay_test.sh DOMM_MONITOR WORKDIR
source "$(dirname "$0")/lib.sh"
bin=$1
work=$2
[ "$(id -u)" -eq 0 ] || { echo "needs root to mount a loop device"; exit 77; }
rm -rf "$work" && mkdir -p "$work" && cd "$work"
probe=$(losetup --find 2>/dev/null) || { echo "no free loop device"; exit 77; }
[ -b "$probe" ] || { echo "loop device $probe is not a block device here"; exit 77; }

make_tree tree
"$bin" storage keygen --key key
printf '/ R+sha512\n!/lost+found\n' >rules
printf 'ROOTKIT-PAYLOAD %s\n' "$(seq 1 300)" >payload
payload_sha=$(sha256sum <payload | cut -d' ' -f1)
dev=
mnt=$work/mnt
cleanup() {
  mountpoint -q "$mnt" && umount "$mnt"
  [ -z "$dev" ] || losetup -d "$dev" 2>/dev/null || true
}
trap cleanup EXIT

# live_copy NAME: mounts NAME.img; fills and removes a directory (its freed blocks get revoke
# records, and the log holds several transactions); writes the rootkit, changes /etc/motd and
# removes /etc/sshd_backup, with fsync (which commits the journal transaction but leaves the
# metadata blocks dirty in the page cache); copies the image while it is mounted, unmounts.
# Retries if ext4 checkpointed too early.
live_copy() {
  local name=$1 try
  for try in 1 2 3 4 5; do
    cp --sparse=always "$name.img" "$name.try.img"
    dev=$(losetup --find --show "$name.try.img")
    mkdir -p "$mnt"
    mount -t ext4 "$dev" "$mnt"
    mkdir "$mnt/var/spool"
    for i in $(seq 1 300); do echo "$i" >"$mnt/var/spool/queued-message-with-a-long-name-$i"; done
    sync "$mnt/var/spool/queued-message-with-a-long-name-1"
    rm -r "$mnt/var/spool"
    cp payload "$mnt/etc/rootkit.so"
    printf 'Welcome back\n' >"$mnt/etc/motd"
    rm "$mnt/etc/sshd_backup"
    sync "$mnt/etc/rootkit.so" "$mnt/etc/motd" "$mnt/etc"
    cp --sparse=always "$name.try.img" "$name.live.img"
    umount "$mnt"
    losetup -d "$dev"
    dev=
    if dumpe2fs -h "$name.live.img" 2>/dev/null | grep -q needs_recovery &&
      [ -z "$(debugfs -R 'stat /etc/rootkit.so' "$name.live.img" 2>/dev/null | head -1)" ]; then
      return 0
    fi
    echo "attempt $try: the copy's journal was already checkpointed; again"
  done
  die "$name: no copy with an unreplayed journal after 5 attempts"
}

# entries DB: the baseline's file lines (no header, no signature).
entries() { grep '^F ' "$1"; }

variant() {
  local name=$1
  shift
  mkfs.ext4 -q -F -d tree "$@" "$name.img" 64M >/dev/null
  "$bin" storage init --image "$name.img" --db "$name.db" --key key --rules rules 2>/dev/null
  live_copy "$name"
  if debugfs -R logdump "$name.live.img" 2>/dev/null | grep -q 'revoke table'; then
    echo "ok: $name: the journal holds revoke records"
  else
    echo "note: $name: this kernel wrote no revoke block; revoke is covered by the unit tests"
  fi
  local before after rc
  before=$(sha256sum <"$name.live.img")
  set +e
  "$bin" storage check --image "$name.live.img" --db "$name.db" --key key --rules rules \
    --json >"$name.json" 2>"$name.err"
  rc=$?
  set -e
  expect_report "$name: the journal's changes are seen" 15 "$rc" "$name.json" \
    "added /etc/rootkit.so
removed /etc/sshd_backup
changed /etc/motd size,mtime,ctime,sha256,sha512
changed /etc mtime,ctime
changed /var mtime,ctime"
  jq -e '.journal.transactions >= 1 and .journal.blocks >= 1' "$name.json" >/dev/null ||
    die "$name: no journal replay in the report: $(jq -c .journal "$name.json")"
  if grep -q unreplayed "$name.json" "$name.err"; then die "$name: unreplayed-journal warning"; fi
  [ "$(jq '.warnings | length' "$name.json")" -eq 1 ] ||
    die "$name: unexpected warnings: $(jq -c .warnings "$name.json")"
  "$bin" storage check --image "$name.live.img" --db "$name.db" --key key --rules rules \
    >"$name.txt" 2>/dev/null || true
  grep -q '^journal: replayed [1-9][0-9]* committed transactions, [1-9][0-9]* blocks$' \
    "$name.txt" || die "$name: text report lacks the journal line"
  after=$(sha256sum <"$name.live.img")
  [ "$before" = "$after" ] || die "$name: the image changed during the check"
  echo "ok: $name: image untouched"

  # The replayed view equals e2fsck's replay, file by file, and the digest is the payload's.
  "$bin" storage init --image "$name.live.img" --db "$name.live.db" --key key --rules rules \
    2>/dev/null
  cp --sparse=always "$name.live.img" "$name.fsck.img"
  e2fsck -fy "$name.fsck.img" >/dev/null 2>&1 || [ $? -le 1 ] || die "$name: e2fsck failed"
  e2fsck -fn "$name.fsck.img" >/dev/null 2>&1 || die "$name: e2fsck -fn after replay not clean"
  "$bin" storage init --image "$name.fsck.img" --db "$name.fsck.db" --key key --rules rules \
    2>/dev/null
  diff <(entries "$name.live.db") <(entries "$name.fsck.db") ||
    die "$name: the replayed view differs from e2fsck's replay"
  debugfs -R 'cat /etc/rootkit.so' "$name.fsck.img" 2>/dev/null | cmp - payload ||
    die "$name: e2fsck's replay lacks the payload"
  grep -P "^F /etc/rootkit.so\t" "$name.live.db" | grep -q "sha256=$payload_sha" ||
    die "$name: the replayed /etc/rootkit.so has the wrong sha256"
  echo "ok: $name: replayed view equals e2fsck's, payload sha256 $payload_sha"
}

# damaged NAME JOURNAL_BLOCK WHAT: the 4 KiB live copy with one byte of a journal block flipped
# (0: the journal superblock; 2: the first copied block of the first transaction). The check
# still reports, with a warning saying why the journal was not (fully) replayed.
damaged() {
  local name=$1 jblock=$2 want=$3 physical rc
  cp --sparse=always csum-v3-4k.live.img "$name.img"
  physical=$(debugfs -R "bmap <8> $jblock" "$name.img" 2>/dev/null)
  printf '\x5a' | dd of="$name.img" bs=1 seek=$((physical * 4096 + 100)) conv=notrunc status=none
  set +e
  "$bin" storage check --image "$name.img" --db csum-v3-4k.db --key key --rules rules \
    --json >"$name.json" 2>/dev/null
  rc=$?
  set -e
  { [ "$rc" = 0 ] || { [ "$rc" -ge 9 ] && [ "$rc" -le 15 ]; }; } || die "$name: exit code $rc"
  jq -e --arg want "$want" '[.warnings[] | select(contains($want))] | length == 1' "$name.json" \
    >/dev/null || die "$name: no warning about '$want': $(jq -c .warnings "$name.json")"
  if jq -e '.differences[] | select(.path == "/etc/rootkit.so")' "$name.json" >/dev/null; then
    die "$name: a change from a damaged transaction was applied"
  fi
  echo "ok: $name: reported without the damaged transaction ($want)"
}

variant csum-v3-4k -b 4096
damaged bad-block-checksum 2 "transaction 2: checksum mismatch of the copy of block"
damaged bad-journal-superblock 0 "journal: superblock checksum mismatch"
variant csum-v3-1k -b 1024
variant plain-64bit -b 4096 -O ^metadata_csum
variant plain-32bit -b 1024 -O ^metadata_csum,^64bit
echo "PASS"
