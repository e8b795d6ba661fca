#!/usr/bin/env bash
# A short pairing demo of `virdomm` against libvirt's test
# driver (served by a private libvirtd, so virdomm and virsh see the same domains), without Xen.
# Installs what it needs, builds, then: pair, show, list --json, check, break the metadata
# with virsh, check fails with a clear message, unpair. Runs as root (or with sudo).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/tests/lib/install-and-build.sh"
install_and_build "$root" virdomm
virdomm_bin="$build/src/virdomm/virdomm"
export VIRDOMM_SCHEMA_DIR="$root/xml-schemas"
NS=urn:virdomm:pairing:1

work=$(mktemp -d /tmp/virdomm-demo.XXXXXX)
source "$root/tests/lib/private-libvirtd.sh"
cleanup() {
  private_libvirtd_stop
  rm -rf "$work"
}
trap cleanup EXIT
private_libvirtd_start "$work" || { echo "demo: the private libvirtd did not answer" >&2; exit 1; }

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
echo "Demo finished. (The demo on emulated Xen hosts is tests/demo.sh.)"
