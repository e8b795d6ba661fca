# Scenarios 1-3 of the pair on the emulated hosts: Debian's own Xen and libvirt in both dom0s
# plus the virdomm hook, and in Domain M the project's xen-privcmd (linux-patches/: drops its
# foreign mappings at suspend, re-makes them once bound) and domm-monitor watching DomU's kernel
# through foreign mappings:
#   1. `virdomm pair` writes the pairing into both definitions; both start on host1; the hook
#      binds them; M takes a baseline of DomU's kernel and its checks are clean.
#   2. A kprobe set inside DomU (tracefs) is reported by M; removed, the checks are clean again.
#      A file written into DomU's /etc is reported by M's storage checks of DomU's disk.
#   3. `virsh migrate --p2p`: DomU (live) then M to host2, where M checks on without a new
#      baseline and without a false alert and catches a new kprobe and a new file; back to host1
#      M first. M moves live when the hypervisor has shadow paging, non-live when it has not
#      (m_moves=live or m_moves=nonlive: a hypervisor that moves M otherwise fails the run).
#      The way back is `virdomm migrate`; with interrupt_virdomm_migrate=1 the admin sends it
#      SIGTERM during the first move, and the pair must still end together on host1.
# With network=1 (pair-steps.sh: DomU's NIC, M's mirror NIC) also the network monitor: the copy
# of DomU's traffic made by the hook that binds, Suricata in M reporting DomU's DNS marker on
# host1 and on host2, the alert in each dom0's log, nothing of the pair left on the host it left.
# Sourced by the pair scenarios (scenarios/pair-*.sh) under run-scenario.sh; defines shut_down.
# shellcheck shell=bash
m_moves=${m_moves:-either}
source "$repo/tests/e2e/pair/pair-steps.sh"

on_finish() {
  echo
  echo "--- started hook run times"
  for h in host1 host2; do "$rig" status >/dev/null 2>&1 && hook_times "$h" | sed "s/^/$h: /"; done
  echo "--- monitoring gaps (DomU running on the destination -> M's next clean check seen)"
  printf '%s\n' "${gaps[@]}"
  echo "--- blind windows (M's last clean check of DomU on the source -> first on the destination)"
  printf '%s\n' "${blinds[@]}"
}

# --- 1. Pair and start on host1 --------------------------------------------------------------
say "Two emulated Xen hosts resume as saved after boot, with Debian's own Xen packages; each dom0 gets the virdomm hook."
step "both hosts up" e2e_hosts_up
# Which Xen runs, and whether it can move the PV Domain M live (shadow paging). When another
# hypervisor was asked for, it must be the one running.
hypervisor_is() {
  local info
  info=$(on host1 'xl info | grep -E "^(xen_version|xen_extra)"') || return 1
  echo "$info"
  if [ -n "${VIRDOMM_RIG_HYPERVISOR:-}" ]; then
    local want release
    want=$(cat "$(dirname "$(cat "$VIRDOMM_RIG_RUN/hypervisor")")/version")
    release=${want%%[^0-9.]*}
    grep -Eq "^xen_version *: *${release//./\\.}([^0-9]|$)" <<<"$info" ||
      { echo "host1 does not run the Debian hypervisor build $want" >&2; return 1; }
  fi
  if e2e_pv_moves_live host1; then
    echo "Domain M (PV) moves live"
    [ "$m_moves" != nonlive ] || { echo "this Xen has shadow paging: M would not move non-live" >&2; return 1; }
  else
    echo "Domain M (PV) moves non-live: no shadow paging in this Xen"
    [ "$m_moves" != live ] || { echo "this Xen has no shadow paging: M cannot move live" >&2; return 1; }
  fi
}
step "the hypervisor the hosts run" hypervisor_is
step "install the hook on host1 (Debian's libxenguest)" install_stack host1
step "  ... host2" install_stack host2

say "virdomm pair writes <virdomm:pairing> into both domains' libvirt metadata."
step "define DomU and Domain M, virdomm pair" define_pair
say "DomU (PVH) and Domain M (PV) start; the hook binds M to DomU when the second one starts."
step "start DomU and Domain M on host1" start_pair
step "the hook bound M to DomU on host1" bound_on host1
say "Domain M takes a baseline of DomU's kernel text and rodata through read-only foreign mappings."
step "M took a baseline of DomU's kernel" baseline_taken host1 "$mark_m" 'virdomm-domm: baseline ' 600
step "M's checks are clean on host1" clean_checks host1 "$mark_m" 3
say "Domain M also reads DomU's disk (attached read-only) and keeps a signed baseline of its files."
step "M took a baseline of DomU's disk" baseline_taken host1 "$mark_m" 'virdomm-domm: storage baseline ' 300
step "M's storage checks are clean on host1" storage_checks_name host1 "$mark_m" 2
if [ "$network" = 1 ]; then
  say "With a mirror NIC in the pairing, the binding hook copies DomU's traffic to M, where Suricata reads it."
  step "the hook copies DomU's traffic to M's vif on host1" mirror_on host1
  step "M's IDS captures on its mirror NIC" ids_running host1 "$mark_m"
fi

# --- 2. Tamper on host1 ----------------------------------------------------------------------
say "Each dom0 runs the collector that carries Domain M's alerts into its alert log and journal."
step "dom0's alert collectors run on host1 and host2" start_collectors
if [ "$network" = 1 ]; then
  say "DomU sends a DNS query for the marker name to its peer; Suricata in M must report it."
  step "DomU's DNS marker is reported by M's IDS on host1" dns_marker_caught host1
  step "DomU's HTTP marker is reported by M's IDS on host1" http_marker_caught host1
  step "M's network alert reaches host1's dom0, naming the pair" alert_delivered host1 network 'virdomm-marker\.test'
fi
say "Inside DomU, root sets a kprobe (INT3 in kernel text); M must report it, and dom0 get its alert."
step "kprobe inside DomU is reported by M on host1" kprobe_caught host1
step "M's alert about the kprobe reaches host1's dom0, naming the pair" alert_delivered host1 memory '"kprobe at '
step "kprobe removed, M clean again" kprobe_removed host1
say "Root in DomU writes a new file into /etc while host1's collector is stopped; M must report it"
say "from the disk, and its alert must reach dom0 once the collector runs again."
step "host1's alert collector stopped" collector_stop host1
step "a file written on DomU's disk is reported by M on host1" file_dropped_caught host1 planted-on-host1
step "collector restarted: the alert raised meanwhile arrives, once and in order" \
  collector_restarted_delivers host1 storage "added /etc/planted-on-host1"
step "virdomm show gives the pair's live state on host1" live_state_shown host1 storage

# --- 3. Migrate the pair ---------------------------------------------------------------------
say "virsh migrate --p2p: DomU (live), then Domain M, to host2. M keeps its baseline."
step "migrate DomU, then M, host1 -> host2" move_pair domu-first host1 host2 monitored
step "the hook bound M to DomU on host2" bound_on host2
step "M's checks are clean on host2 (no new baseline)" clean_checks host2 "$mark" 3
if [ "$network" = 1 ]; then
  step "the hook copies DomU's traffic to M's vif on host2" mirror_on host2
  step "no copy and no vif of the pair remain on host1" no_mirror_left host1
  step "DomU's DNS marker is reported by M's IDS on host2" dns_marker_caught host2
  step "M's network alert raised on host2 reaches host2's dom0" alert_delivered host2 network 'virdomm-marker\.test'
fi
step "kprobe inside DomU on host2 is reported by M on host2" kprobe_caught host2
step "kprobe removed on host2, M clean again" kprobe_removed host2
step "M's storage checks on host2 name only what changed on host1" storage_checks_name host2 "$mark" 2
step "a file written on DomU's disk on host2 is reported by M on host2" file_dropped_caught host2 planted-on-host2
step "M's alert raised on host2 reaches host2's dom0 (the spool moved with M)" \
  alert_delivered_once_in_order host2 storage "added /etc/planted-on-host2"

if [ -n "${interrupt_virdomm_migrate:-}" ]; then
  say "Back to host1 in the other order, Domain M first, then DomU: virdomm migrate moves both, and the admin interrupts it during M's move."
  step "virdomm migrate: M, then DomU, host2 -> host1, interrupted: the pair still moves together" \
    move_pair_virdomm monitor-first host2 host1 interrupted
else
  say "Back to host1 in the other order, Domain M first, then DomU: virdomm migrate moves both."
  step "virdomm migrate: M, then DomU, host2 -> host1" move_pair_virdomm monitor-first host2 host1
fi
step "the hook bound M to DomU on host1 again" bound_on host1
step "M's checks are clean on host1 after the round trip" clean_checks host1 "$mark" 3
if [ "$network" = 1 ]; then
  step "the copy follows the pair back: on host1, none left on host2" mirror_followed host1 host2
  step "DomU's DNS marker is reported by M's IDS on host1 after the round trip" dns_marker_caught host1
fi
say "Right after the pair lands, root in DomU sets a kprobe: M's next check must report it."
step "a kprobe set just after the move is caught by M's next check" kprobe_caught_by_next_check host1
step "kprobe removed, M clean again after the round trip" kprobe_removed host1

shut_down() {
  local g
  for g in rig-domm rig-domu; do
    [ "$(virsh_on host1 domstate "$g" | head -1)" = "shut off" ] || virsh_on host1 destroy "$g" ||
      return 1
  done
  virsh_on host1 undefine rig-domm && virsh_on host1 undefine rig-domu
}
