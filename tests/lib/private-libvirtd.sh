# shellcheck shell=bash
# A libvirtd of our own for the pairing tests and demo: its own socket under WORK/run, no
# hypervisor driver modules, only the built-in test driver. A `virsh event` connection (the
# holder) keeps the test driver's in-memory state alive between commands.
# private_libvirtd_start WORK sets URI, daemon_pid and holder_pid, and returns 1 when the daemon
# dies (its log on stderr) or does not answer; private_libvirtd_stop ends both processes.
daemon_pid="" holder_pid=""

private_libvirtd_start() { # WORK
  local work=$1
  mkdir -p "$work/run" "$work/no-driver-modules"
  printf 'unix_sock_dir = "%s"\nunix_sock_rw_perms = "0700"\nauth_unix_rw = "none"\nauth_unix_ro = "none"\n' \
    "$work/run" >"$work/libvirtd.conf"
  LIBVIRT_DRIVER_DIR="$work/no-driver-modules" \
    libvirtd -f "$work/libvirtd.conf" -p "$work/run/libvirtd.pid" >"$work/libvirtd.log" 2>&1 &
  daemon_pid=$!
  for _ in $(seq 100); do
    [ -S "$work/run/libvirt-sock" ] && break
    kill -0 "$daemon_pid" 2>/dev/null || { cat "$work/libvirtd.log" >&2; echo "libvirtd died" >&2; return 1; }
    sleep 0.1
  done
  URI="test+unix:///default?socket=$work/run/libvirt-sock"
  # The holder lists the domains first, on the same connection, so its output shows when it is
  # connected: only then may other clients come and go without the test driver's state being
  # freed.
  virsh -c "$URI" "list --all; event --all --loop" >"$work/events.log" 2>&1 &
  holder_pid=$!
  for _ in $(seq 100); do grep -q Name "$work/events.log" 2>/dev/null && break; sleep 0.1; done
  grep -q Name "$work/events.log"
}

private_libvirtd_stop() {
  [ -n "$holder_pid" ] && kill "$holder_pid" 2>/dev/null || true
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null || true
  [ -n "$daemon_pid" ] && wait "$daemon_pid" 2>/dev/null || true
}
