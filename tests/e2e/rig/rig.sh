#!/usr/bin/env bash
# The emulated two-host Xen rig: two QEMU (TCG) machines running Xen with a Debian dom0 each,
# libvirtd's libxl driver, one private link (169.254.0.1/.2) and NFS shared storage.
#
#   rig.sh build                  build the cached images (once per recipe change)
#   rig.sh up [--build-dir DIR] [--fresh]   both hosts up (DIR's virdomm binaries go into
#                                 /usr/local/bin); resumed from the hosts saved after one boot;
#                                 a running rig is reused unless --fresh
#   rig.sh save                   boot once and save both hosts, unless saved already
#   rig.sh exec [--timeout S] HOST -- CMD...   run CMD in HOST's dom0, return its exit code
#   rig.sh put HOST SRC DST       copy a file into HOST's dom0
#   rig.sh logs [DIR]             collect both hosts' logs (serial, xen, libvirt) into DIR
#   rig.sh status | down
# HOST is host1 or host2. Environment: VIRDOMM_RIG_CACHE (default /var/cache/virdomm-rig),
# VIRDOMM_RIG_RUN (run state, default $VIRDOMM_RIG_CACHE/run), VIRDOMM_RIG_MIRROR,
# VIRDOMM_RIG_SUITE (the dom0s' Debian release: bookworm, the default, or trixie),
# VIRDOMM_RIG_HYPERVISOR (another Debian build of the dom0's hypervisor package to boot: a
# version, "main" for the release's main suite's, "newest"; the dom0 tools stay as installed),
# VIRDOMM_RIG_SNAPSHOT=0 (boot at every `up`, never resume saved hosts).
set -euo pipefail
trap '' PIPE
source "$(dirname "$0")/lib/common.sh"
source "$RIG_DIR/lib/ctl.sh"
source "$RIG_DIR/lib/hosts.sh"

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

cmd=${1:-}
[ -n "$cmd" ] || usage
shift
case "$cmd" in
  build) rig_build ;;
  up) rig_up "$@" ;;
  save) rig_save ;;
  down) rig_down ;;
  status) rig_status ;;
  exec)
    limit=120
    if [ "${1:-}" = --timeout ]; then limit=$2; shift 2; fi
    [ $# -ge 3 ] && [ "$2" = -- ] || usage
    idx=$(rig_host_index "$1")
    shift 2
    set +e
    rig_ctl "$idx" "$limit" "$(printf '%q ' "$@")"
    exit $?
    ;;
  sh)
    # rig.sh sh [--timeout S] HOST 'SCRIPT' — like exec, for a shell script given as one string.
    limit=120
    if [ "${1:-}" = --timeout ]; then limit=$2; shift 2; fi
    [ $# -eq 2 ] || usage
    idx=$(rig_host_index "$1")
    set +e
    rig_ctl "$idx" "$limit" "$2"
    exit $?
    ;;
  put)
    [ $# -eq 3 ] || usage
    rig_put "$(rig_host_index "$1")" "$2" "$3"
    ;;
  logs) rig_logs "${1:-$RIG_RUN/logs}" ;;
  *) usage ;;
esac
