#!/usr/bin/env bash
# The README's main job: a narrated run of a virdomm pair on two emulated Debian 12 Xen hosts
# (QEMU TCG, tests/e2e/rig/). Installs what it needs, builds the project and Domain M's
# patched xen-privcmd, boots the hosts, then: `virdomm pair`, both guests start, the
# hook binds them, Domain M watches DomU's kernel; a kprobe inside DomU is caught; the pair is
# migrated to the other host and back (both orders), saved and restored, and libvirtd is
# restarted, with M catching a tamper on the other host and staying clean otherwise.
# About 13 minutes on 2 cores (longer the first time: images, the module build, one boot of the
# hosts to save them). Runs as root.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/tests/lib/install-and-build.sh"
install_and_build "$root" virdomm virdomm-hook domm-monitor rig-read-guest-page
exec "$root/tests/e2e/run-scenario.sh" --stack debian12-stock --build-dir "$build" --demo pair-monitoring
