#!/usr/bin/env bash
# virdomm-hook-reload: exits 0 with no daemon running, leaves alone a live process that is not
# libvirtd, and sends SIGHUP to a daemon named by a pid file (real processes that record it). Usage: hook_reload.sh RELOAD_SCRIPT
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

if [ -d /run/systemd/system ] && systemctl is-active --quiet libvirtd.service 2>/dev/null; then
  echo "libvirtd is active under systemd here; the pid-file path is not taken" >&2
  exit 77
fi

# A stand-in process that records SIGHUP in $dir/got-hup-NAME; the kernel names it after its
# executable (/proc/PID/comm), so a copy of bash called libvirtd passes for the daemon.
start_stand_in() { # NAME -> pid in $stand_in
  cp "$(command -v bash)" "$dir/$1"
  "$dir/$1" -c "trap 'echo hup >\"$dir/got-hup-$1\"' HUP; echo ready >\"$dir/ready-$1\"; while :; do sleep 0.1; done" &
  stand_in=$!
  for _ in $(seq 100); do [ -e "$dir/ready-$1" ] && break; sleep 0.05; done
}

# 2. A live process that is not libvirtd (a pid reused after the daemon died) is not signalled.
start_stand_in editor
other=$stand_in
echo "$other" >"$dir/reused.pid"
VIRDOMM_LIBVIRTD_PIDFILES="$dir/reused.pid" timeout 60 "$reload" >"$dir/out" 2>"$dir/err" ||
  { echo "FAIL: reload failed on a pid file naming another program" >&2; kill "$other"; exit 1; }
sleep 0.5
kill "$other" 2>/dev/null; wait "$other" 2>/dev/null || true
[ ! -e "$dir/got-hup-editor" ] || { echo "FAIL: a process that is not libvirtd got SIGHUP" >&2; exit 1; }
grep -q "is 'editor', not libvirtd" "$dir/err" || { echo "FAIL: no warning about the other program" >&2; exit 1; }

# 3. The daemon gets SIGHUP.
start_stand_in libvirtd
daemon=$stand_in
echo "$daemon" >"$dir/daemon.pid"
VIRDOMM_LIBVIRTD_PIDFILES="$dir/daemon.pid" timeout 60 "$reload" >"$dir/out"
for _ in $(seq 100); do [ -e "$dir/got-hup-libvirtd" ] && break; sleep 0.05; done
[ -e "$dir/got-hup-libvirtd" ] || { echo "FAIL: the daemon got no SIGHUP" >&2; exit 1; }
grep -q "sent SIGHUP to pid $daemon" "$dir/out" || { echo "FAIL: no report of the signal" >&2; exit 1; }
echo "ok"
