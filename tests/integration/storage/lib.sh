# Helpers shared by the storage checker's integration scripts: a sample tree, images, and a
# compact form of the JSON report ("kind path attr,attr" per line) for exact comparisons.
set -euo pipefail

die() { echo "FAIL: $*" >&2; exit 1; }

# make_tree DIR: a small system-like tree with a setuid file, a capability, an SELinux label,
# a user xattr, a symlink, a hard link, a device node, a sparse file and a larger binary.
# settle_umount MNT: unmounts a filesystem the test wrote through the kernel after a freeze has
# written its metadata home. A copy of the mount in another mount namespace (any process started
# under `ip netns exec` holds one) keeps the filesystem alive past umount, its newest metadata
# only in its log, which the readers under test do not replay for XFS and btrfs.
settle_umount() {
  fsfreeze -f "$1" && fsfreeze -u "$1"
  umount "$1"
}

make_tree() {
  local t=$1
  mkdir -p "$t"/{etc/ssh,bin,usr/lib,var/log,root,dev}
  printf 'root:x:0:0:root:/root:/bin/bash\n' >"$t/etc/passwd"
  printf 'root:*:19000:0:99999:7:::\n' >"$t/etc/shadow"
  printf 'Welcome\n' >"$t/etc/motd"
  printf 'PermitRootLogin no\n' >"$t/etc/ssh/sshd_config"
  printf 'backup\n' >"$t/etc/sshd_backup"
  head -c 200000 /dev/urandom >"$t/bin/tool"
  head -c 70000 /dev/urandom >"$t/bin/ping"
  head -c 1500000 /dev/urandom >"$t/usr/lib/libbig.so"
  printf 'log line\n' >"$t/var/log/messages"
  ln -s ../etc/passwd "$t/bin/link"
  ln "$t/bin/tool" "$t/bin/tool-hardlink"
  truncate -s 3M "$t/usr/lib/sparse.db" && printf 'tail' >>"$t/usr/lib/sparse.db"
  chmod 4755 "$t/bin/tool"
  chmod 0600 "$t/etc/shadow"
  chmod 0700 "$t/root"
  setfattr -n user.note -v original "$t/etc/passwd"
  if [ "$(id -u)" -eq 0 ]; then
    setcap cap_net_raw+ep "$t/bin/ping"
    setfattr -n security.selinux -v system_u:object_r:shadow_t:s0 "$t/etc/shadow" 2>/dev/null || true
    mknod "$t/dev/null" c 1 3
  fi
}

# compact REPORT.json: one sorted line per difference, "kind path attr,attr,...".
compact() {
  jq -r '.differences[] | "\(.kind) \(.path) \([.changes[].attribute] | join(","))"' "$1" |
    sed 's/ $//' | sort
}

# expect_report NAME RC_WANTED RC_GOT JSON EXPECTED_LINES
expect_report() {
  local name=$1 want_rc=$2 got_rc=$3 json=$4 want=$5
  local got
  got=$(compact "$json")
  if [ "$got" != "$(printf '%s\n' "$want" | sed '/^$/d' | sort)" ] || [ "$got_rc" != "$want_rc" ]; then
    echo "--- $name: expected (rc=$want_rc)" >&2
    printf '%s\n' "$want" >&2
    echo "--- $name: got (rc=$got_rc)" >&2
    printf '%s\n' "$got" >&2
    jq . "$json" >&2 || cat "$json" >&2
    die "$name"
  fi
  echo "ok: $name"
}
