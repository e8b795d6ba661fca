#!/usr/bin/env bash
# virdomm-hook-reload: exits 0 with no daemon running, and sends SIGHUP to a daemon named by a
# pid file (a real process that records the signal). Usage: hook_reload.sh RELOAD_SCRIPT
set -euo pipefail
reload=$1
dir=$(mktemp -d)
daemon=""
cleanup() {
  if [ -n "$daemon" ]; then kill "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT

# 1. Nothing to reload: a pid file of a process that is gone, and one that is missing.
echo 999999999 >"$dir/stale.pid"
VIRDOMM_LIBVIRTD_PIDFILES="$dir/stale.pid $dir/missing.pid" timeout 60 "$reload" >/dev/null \
  || { echo "FAIL: reload failed with no daemon running" >&2; exit 1; }

# 2. A daemon stand-in that records SIGHUP.
bash -c "trap 'echo hup >\"$dir/got-hup\"' HUP; echo ready >\"$dir/ready\"; while :; do sleep 0.1; done" &
daemon=$!
for _ in $(seq 100); do [ -e "$dir/ready" ] && break; sleep 0.05; done
echo "$daemon" >"$dir/daemon.pid"
if [ -d /run/systemd/system ] && systemctl is-active --quiet libvirtd.service 2>/dev/null; then
  echo "libvirtd is active under systemd here; the pid-file path is not taken" >&2
  exit 77
fi
VIRDOMM_LIBVIRTD_PIDFILES="$dir/daemon.pid" timeout 60 "$reload" >"$dir/out"
for _ in $(seq 100); do [ -e "$dir/got-hup" ] && break; sleep 0.05; done
[ -e "$dir/got-hup" ] || { echo "FAIL: the daemon got no SIGHUP" >&2; exit 1; }
grep -q "sent SIGHUP to pid $daemon" "$dir/out" || { echo "FAIL: no report of the signal" >&2; exit 1; }
echo "ok"
