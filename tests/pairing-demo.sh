#!/usr/bin/env bash
# A short pairing demo of `virdomm` against libvirt's test
# driver (served by a private libvirtd, so virdomm and virsh see the same domains), without Xen.
# Installs what it needs, builds, then: pair, show, list --json, check, break the metadata
# with virsh, check fails with a clear message, unpair. Runs as root (or with sudo).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tests/setup/install-deps.sh" build test
build=${VIRDOMM_BUILD_DIR:-$root/build}
echo "Building virdomm in $build ..."
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target virdomm >/dev/null
virdomm_bin="$build/src/virdomm/virdomm"
export VIRDOMM_SCHEMA_DIR="$root/xml-schemas"
NS=urn:virdomm:pairing:1

work=$(mktemp -d /tmp/virdomm-demo.XXXXXX)
daemon_pid="" holder_pid=""
cleanup() {
  [ -n "$holder_pid" ] && kill "$holder_pid" 2>/dev/null || true
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null || true
  [ -n "$daemon_pid" ] && wait "$daemon_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# A libvirtd of our own: own socket, no hypervisor driver modules, only the built-in test
# driver; a `virsh event` connection keeps its in-memory state alive between commands.
mkdir -p "$work/run" "$work/no-driver-modules"
printf 'unix_sock_dir = "%s"\nunix_sock_rw_perms = "0700"\nauth_unix_rw = "none"\nauth_unix_ro = "none"\n' \
  "$work/run" >"$work/libvirtd.conf"
LIBVIRT_DRIVER_DIR="$work/no-driver-modules" \
  libvirtd -f "$work/libvirtd.conf" -p "$work/run/libvirtd.pid" >"$work/libvirtd.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 100); do [ -S "$work/run/libvirt-sock" ] && break; sleep 0.1; done
URI="test+unix:///default?socket=$work/run/libvirt-sock"
# The holder lists the domains first, on the same connection, so its output shows when it is
# connected: only then may other clients come and go without the test driver's state being freed.
virsh -c "$URI" "list --all; event --all --loop" >"$work/holder.log" 2>&1 &
holder_pid=$!
for _ in $(seq 100); do grep -q Name "$work/holder.log" 2>/dev/null && break; sleep 0.1; done
grep -q Name "$work/holder.log" || { echo "demo: the private libvirtd did not answer" >&2; exit 1; }

if [ -t 1 ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold="" plain=""; fi
show() { local cmd="$*"; cmd=${cmd/#virsh_/virsh}; printf '\n%s$ %s%s\n' "$bold" "$cmd" "$plain"; }
run() { show "$*"; set +e; "$@"; local rc=$?; set -e; echo "(exit status $rc)"; return 0; }
virdomm() { "$virdomm_bin" -c "$URI" "$@"; }
virsh_() { virsh -c "$URI" "$@"; }

echo
echo "Two Xen guests on a libvirt test-driver host: web1 (PVH, the service DomU) and"
echo "web1-ids (PV, the IDS Domain M)."
for d in web1 web1-ids; do virsh_ define "$root/tests/data/pairing/domains/$d.xml" >/dev/null; done
virsh_ start web1 >/dev/null
virsh_ start web1-ids >/dev/null
run virsh_ list --all

echo; echo "1. Pair them: both domains' metadata is written (live and saved definitions)."
run virdomm pair --monitor web1-ids --target web1 --storage /srv/nfs/web1.img --interval 1000
run virsh_ metadata web1-ids "$NS"
run virsh_ metadata web1 "$NS"

echo; echo "2. What virdomm sees."
run virdomm show web1-ids
run virdomm list --json
run virdomm check

echo; echo "3. Someone edits DomU's metadata with virsh: it now names another monitor."
run virsh_ metadata web1 "$NS" --key virdomm --live --config \
  --set '<pairing role="target"><monitor uuid="0a1b2c3d-0000-4000-8000-000000000099"/></pairing>'
run virdomm check
run virdomm list

echo; echo "4. Unpair: both sides are cleaned up."
run virdomm unpair web1-ids
run virdomm unpair web1
run virdomm list
run virdomm check
echo
echo "Demo finished. (The end-to-end demo on emulated Xen hosts will replace this one.)"
