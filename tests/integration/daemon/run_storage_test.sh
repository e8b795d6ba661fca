#!/usr/bin/env bash
# `domm-monitor run` with the storage monitor over a real ext4 image (mkfs.ext4 -d): the first
# look makes the baseline, a file changed in the image between checks is named by the next
# check's report (and raised into the spool), and SIGTERM gives one final check and exit 0.
# Usage: run_storage_test.sh DOMM_MONITOR WORKDIR
set -euo pipefail
bin=$1
work=$2
die() {
  echo "FAIL: $*" >&2
  [ -f out ] && { echo "--- stdout" >&2; cat out >&2; }
  [ -f err ] && { echo "--- stderr" >&2; cat err >&2; }
  exit 1
}
rm -rf "$work" && mkdir -p "$work" && cd "$work"

mkdir -p tree/etc tree/bin
printf 'root:x:0:0:root:/root:/bin/bash\n' >tree/etc/passwd
printf 'Welcome\n' >tree/etc/motd
head -c 100000 /dev/urandom >tree/bin/tool
mkfs.ext4 -q -F -d tree -b 4096 disk.img 16M >/dev/null

cat >monitor.conf <<CONF
# The storage monitor alone, no host to publish the pairing's settings.
monitors = storage
pairing-settings = none
state-dir = $work/state
alert-spool = $work/alerts
storage.image = $work/disk.img
storage.interval-ms = 500
CONF

# count PATTERN: lines of stdout matching PATTERN.
count() { grep -c -- "$1" out || true; }
# wait_for N PATTERN: until stdout has N lines matching PATTERN (10 s at most).
wait_for() {
  for _ in $(seq 1 100); do
    [ "$(count "$2")" -ge "$1" ] && return 0
    sleep 0.1
  done
  die "no $1 line(s) matching '$2'"
}

"$bin" run --config monitor.conf --json >out 2>err &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT

wait_for 1 '^storage baseline of [0-9]* files written to '"$work"'/state/storage-'
wait_for 2 '^storage {'
grep '^storage {' out | head -2 | grep -q '"differences":\[\]' || die "first checks not clean"

# Change a file inside the image (debugfs writes the filesystem, nothing is mounted).
printf 'root:x:0:0:root:/root:/bin/sh\nmallory:x:0:0::/:/bin/sh\n' >passwd.new
debugfs -w -R "rm /etc/passwd" disk.img >/dev/null 2>&1
debugfs -w -R "write passwd.new /etc/passwd" disk.img >/dev/null 2>&1
before=$(count '^storage {')
wait_for $((before + 1)) '"/etc/passwd"'
report=$(grep '^storage {.*"/etc/passwd"' out | tail -1)
jq -e '.differences[] | select(.path == "/etc/passwd" and .kind == "changed")' \
  <<<"${report#storage }" >/dev/null || die "the report does not name /etc/passwd as changed"
grep -rq '/etc/passwd' alerts || die "no alert about /etc/passwd in the spool"

checks=$(count '^storage {')
kill -TERM $pid
set +e
wait $pid
rc=$?
set -e
trap - EXIT
[ "$rc" = 0 ] || die "exit status $rc after SIGTERM"
[ "$(count '^storage {')" -gt "$checks" ] || die "no final check after SIGTERM"
grep -q '^storage stopped$' err || die "no 'storage stopped' on stderr"
echo "ok: baseline, $(count '^storage {') checks, /etc/passwd reported, final check at SIGTERM"
