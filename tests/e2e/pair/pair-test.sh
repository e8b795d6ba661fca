#!/usr/bin/env bash
# End-to-end test of a virdomm pair on the emulated Xen rig, with the project's own stack in
# both dom0s (patched libxenguest, the virdomm hook) and in Domain M (patched xen-privcmd,
# domm-monitor watching DomU's kernel through foreign mappings):
#   1. `virdomm pair` writes the pairing into both definitions; both start on host1; the hook
#      binds them; M takes a baseline of DomU's kernel and its checks are clean.
#   2. A kprobe set inside DomU (tracefs) is reported by M; removed, the checks are clean again.
#      A file written into DomU's /etc is reported by M's storage checks of DomU's disk.
#   3. `virsh migrate --p2p`: DomU (live) then M to host2, where M checks on without a new
#      baseline and without a false alert and catches a new kprobe and a new file; back to host1
#      M first. M moves live when the hypervisor has shadow paging, non-live when it has not.
#   4. `virsh save` / `virsh restore` of the pair on host1: M checks on.
#   5. libvirtd restarted on host1 while the pair runs: the binding holds.
#   6. host2 back on Debian's stock libxenguest: with on-grant-failure="abort" its hook refuses
#      either member at `prepare`; the migrations fail and the pair stays monitored on host1.
# Prints each step's wall time, the `started` hook's run times and the monitoring gaps.
# Usage: pair-test.sh --build-dir DIR [--run-dir DIR] [--keep] [--demo]
#                     [--hypervisor VERSION|newest] [--require-nonlive] [--through-migration]
#   --demo        narrates each step for a person watching (the README's main job)
#   --hypervisor  boots another Debian build of xen-hypervisor-4.17-amd64 (newest: the highest
#                 apt offers, bookworm-security's 4.17.7, which has no shadow paging, so M
#                 moves non-live); the dom0 tools stay the rig's 4.17.5
#   --require-nonlive  fails unless the hypervisor moves Domain M non-live (no shadow paging)
#   --through-migration  stops after scenario 3
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
build_dir="" keep=0 demo=0 through_migration=0 require_nonlive=0
usage() { sed -n '/^# Usage:/,/^#   --through-migration/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=$(cd "$2" && pwd); shift 2 ;;
    --run-dir) export VIRDOMM_RIG_RUN=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --demo) demo=1; shift ;;
    --hypervisor) export VIRDOMM_RIG_HYPERVISOR=$2; shift 2 ;;
    --through-migration) through_migration=1; shift ;;
    --require-nonlive) require_nonlive=1; shift ;;
    *) usage ;;
  esac
done
[ -n "$build_dir" ] || usage
export VIRDOMM_RIG_RUN=${VIRDOMM_RIG_RUN:-${VIRDOMM_RIG_CACHE:-/var/cache/virdomm-rig}/run-pair}
source "$repo/tests/e2e/rig/lib/common.sh"
source "$repo/tests/e2e/rig/lib/e2e-steps.sh"
rig="$repo/tests/e2e/rig/rig.sh"
e2e_preflight
trap 'finish 1' INT TERM

say() { [ "$demo" = 1 ] && printf '\n>>> %s\n' "$*"; return 0; }
source "$here/pair-steps.sh"

on_finish() {
  echo
  echo "--- started hook run times"
  for h in host1 host2; do "$rig" status >/dev/null 2>&1 && hook_times "$h" | sed "s/^/$h: /"; done
  echo "--- monitoring gaps (DomU running on the destination -> M's next clean check seen)"
  printf '%s\n' "${gaps[@]}"
}

# --- 1. Pair and start on host1 --------------------------------------------------------------
say "Two emulated Xen 4.17 hosts boot; each dom0 gets the patched libxenguest and the virdomm hook."
step "build or reuse the rig's images" "$rig" build
step "boot both hosts" "$rig" up --build-dir "$build_dir"
# Which Xen runs, and whether it can move the PV Domain M live (shadow paging). When another
# hypervisor was asked for, it must be the one running.
hypervisor_is() {
  local info
  info=$(on host1 'xl info | grep -E "^(xen_version|xen_extra)"') || return 1
  echo "$info"
  if [ -n "${VIRDOMM_RIG_HYPERVISOR:-}" ]; then
    local want minor
    want=$(cat "$(dirname "$(cat "$VIRDOMM_RIG_RUN/hypervisor")")/version")
    minor=${want#4.17.}
    minor=${minor%%[^0-9]*}
    grep -Eq "^xen_version *: *4\.17\.$minor([^0-9]|$)" <<<"$info" ||
      { echo "host1 does not run xen-hypervisor-4.17-amd64 $want" >&2; return 1; }
  fi
  if e2e_pv_moves_live host1; then
    echo "Domain M (PV) moves live"
    [ "$require_nonlive" = 0 ] || { echo "this Xen has shadow paging: M would not move non-live" >&2; return 1; }
  else
    echo "Domain M (PV) moves non-live: no shadow paging in this Xen"
  fi
}
step "the hypervisor the hosts run" hypervisor_is
step "install libxenguest (patched) and the hook on host1" install_stack host1
step "  ... host2" install_stack host2

say "virdomm pair writes <virdomm:pairing> into both domains' libvirt metadata."
step "define DomU and Domain M, virdomm pair" define_pair
say "DomU (PVH) and Domain M (PV) start; the hook binds M to DomU when the second one starts."
step "start DomU and Domain M on host1" start_pair
step "the hook bound M to DomU on host1" bound_on host1
say "Domain M takes a baseline of DomU's kernel text and rodata through read-only foreign mappings."
step "M took a baseline of DomU's kernel" wait_line host1 rig-domm "$mark_m" 'virdomm-domm: baseline ' 600
step "M's checks are clean on host1" clean_checks host1 "$mark_m" 3
say "Domain M also reads DomU's disk (attached read-only) and keeps a signed baseline of its files."
step "M took a baseline of DomU's disk" wait_line host1 rig-domm "$mark_m" 'virdomm-domm: storage baseline ' 300
step "M's storage checks are clean on host1" storage_checks_name host1 "$mark_m" 2

# --- 2. Tamper on host1 ----------------------------------------------------------------------
say "Inside DomU, root sets a kprobe (INT3 in kernel text); M must report it."
step "kprobe inside DomU is reported by M on host1" kprobe_caught host1
step "kprobe removed, M clean again" kprobe_removed host1
say "Root in DomU writes a new file into /etc; M must report it from the disk."
step "a file written on DomU's disk is reported by M on host1" file_dropped_caught host1 planted-on-host1

# --- 3. Migrate the pair ---------------------------------------------------------------------
say "virsh migrate --p2p: DomU (live), then Domain M, to host2. M keeps its baseline."
step "migrate DomU, then M, host1 -> host2" move_pair domu-first host1 host2 monitored
step "the hook bound M to DomU on host2" bound_on host2
step "M's checks are clean on host2 (no new baseline)" clean_checks host2 "$mark" 3
step "kprobe inside DomU on host2 is reported by M on host2" kprobe_caught host2
step "kprobe removed on host2, M clean again" kprobe_removed host2
step "M's storage checks on host2 name only what changed on host1" storage_checks_name host2 "$mark" 2
step "a file written on DomU's disk on host2 is reported by M on host2" file_dropped_caught host2 planted-on-host2

say "Back to host1 in the other order: Domain M first, then DomU."
step "migrate M, then DomU, host2 -> host1" move_pair m-first host2 host1 monitored
step "the hook bound M to DomU on host1 again" bound_on host1
step "M's checks are clean on host1 after the round trip" clean_checks host1 "$mark" 3

shut_down() {
  virsh_on host1 destroy rig-domm && virsh_on host1 destroy rig-domu &&
    virsh_on host1 undefine rig-domm && virsh_on host1 undefine rig-domu
}
if [ "$through_migration" = 1 ]; then
  step "stop and undefine the pair" shut_down
  finish 0
fi

# --- 4. Save and restore on host1 ------------------------------------------------------------
save_restore() {
  local t0 from
  virsh_on host1 save rig-domm /var/lib/virdomm/domm.save &&
    virsh_on host1 save rig-domu /var/lib/virdomm/domu.save || return 1
  from=$(lines_of host1 rig-domm)
  virsh_on host1 restore /var/lib/virdomm/domm.save &&
    virsh_on host1 restore /var/lib/virdomm/domu.save || return 1
  t0=$(date +%s%N)
  on host1 'rm -f /var/lib/virdomm/domm.save /var/lib/virdomm/domu.save'
  measure_gap host1 "$t0" "$from" "virsh save + restore on host1"
}
step "virsh save and restore of the pair on host1" save_restore
step "the hook bound M to DomU after the restore" bound_on host1
step "M's checks are clean after the restore" clean_checks host1 "$mark" 3

# --- 5. libvirtd restart ---------------------------------------------------------------------
restart_libvirtd() {
  restart_libvirtd_on host1 && on host1 'for i in $(seq 1 30); do
      virsh -c xen:///system domstate rig-domm 2>/dev/null | grep -q running &&
        virsh -c xen:///system domstate rig-domu | grep -q running && exit 0
      sleep 1
    done; exit 1'
}
step "libvirtd restarted on host1, both still running" restart_libvirtd
step "the binding held through the restart" bound_on host1
step "M's checks are clean after the restart" clean_checks host1 "$(lines_of host1 rig-domm)" 3

# --- 6. A destination that cannot keep the pair monitored ------------------------------------
# host2 gets Debian's stock libxenguest back (and a libvirtd that loads it): a Domain M moved
# there would come back corrupted, so with on-grant-failure="abort" the hook on host2 refuses
# either member at `prepare`, and both stay on host1, bound and checked.
# libvirt does not relay a destination's hook failure over a p2p migration (the source only says
# "Failed to send migration data"): the reason is read from host2's log.
refused_by_stock_host() {
  local from g log_from
  use_libxenguest host2 debian || return 1
  from=$(lines_of host1 rig-domm)
  for g in rig-domu rig-domm; do
    log_from=$(on host2 'wc -l </var/log/messages')
    if virsh_on host1 migrate --live --p2p "$g" "xen+tcp://$(ip_of host2)/system" \
      --migrateuri "tcp://$(ip_of host2)"; then
      echo "$g migrated to host2, which cannot carry Domain M's mappings" >&2
      return 1
    fi
    libvirtd_back_if_gone host1 && libvirtd_back_if_gone host2 || return 1
    on host2 "tail -n +$((log_from + 1)) /var/log/messages |
      grep -a \"virdomm-hook.*'$g'.*this host cannot keep the pair monitored.*refused\"" ||
      { echo "$g: no refusal by the hook in host2's log" >&2; return 1; }
    [ "$(virsh_on host1 domstate "$g" | head -1)" = running ] ||
      { echo "$g does not run on host1 after the refused migration" >&2; return 1; }
    [ "$(virsh_on host2 domstate "$g" 2>/dev/null | head -1)" != running ] ||
      { echo "$g runs on host2" >&2; return 1; }
  done
  bound_on host1 && clean_checks host1 "$from" 3
}
say "host2 goes back to Debian's stock libxenguest: its hook refuses both members (policy abort)."
step "stock destination refuses both; pair stays monitored" \
  refused_by_stock_host
step "host2 gets the patched libxenguest back" use_libxenguest host2 patched

step "stop and undefine the pair" shut_down
finish 0
