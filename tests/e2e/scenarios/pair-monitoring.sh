# stacks: debian12-stock debian13
# The pair's whole run on a distribution's Xen exactly as installed (Debian 12's 4.17.7, Debian
# 13's 4.20.4: no shadow paging, so Domain M moves non-live): scenarios 1-3 (pair/pair-moves.sh:
# pair, tamper caught, migration both orders with monitoring going on), then
#   4. `virsh save` / `virsh restore` of the pair on host1: M checks on.
#   5. libvirtd restarted on host1 while the pair runs: the binding holds. A move whose
#      destination XML breaks the pairing is refused by host2's hook at `prepare`; DomU keeps
#      running on host1 and M keeps checking it.
#   6. A host that cannot keep the pair monitored refuses at `prepare`: Domain M redefined as a
#      PVH guest cannot map foreign pages before Xen 4.19, and from 4.19 on its mappings would
#      not survive a move, so with on-grant-failure="abort" the hook refuses its start, with
#      that reason.
# DomU has a NIC and Domain M a mirror NIC (network=1): scenarios 1-3 include the network
# monitor, Suricata in M reporting DomU's DNS marker on each host the pair runs on.
# Prints the `started` hook's run times and the monitoring gaps. The README's demo
# (tests/demo.sh) narrates this scenario.
# shellcheck shell=bash
network=1
# `virdomm migrate` interrupted on Debian 12, uninterrupted on Debian 13: both paths of the
# command run in the default suite at no extra move.
[ "$VIRDOMM_RIG_SUITE" = bookworm ] && interrupt_virdomm_migrate=1
source "$repo/tests/e2e/pair/pair-moves.sh"

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

# --- 5b. A destination that refuses the move ----------------------------------------------------
# The admin migrates DomU with a destination XML (`virsh migrate --xml`) whose pairing names no
# valid monitor: the destination's hook refuses it at `prepare`, before anything moves, and the
# pair stays where it is, DomU running and M checking it.
refused_destination() {
  local out from
  on host1 'virsh -c xen:///system dumpxml --migratable rig-domu >/tmp/domu-bad.xml &&
    sed -E -i "s|(<[A-Za-z0-9_]+:monitor uuid=.)[0-9a-f-]{36}|\1not-a-uuid|" /tmp/domu-bad.xml &&
    grep -q "not-a-uuid" /tmp/domu-bad.xml' || { echo "cannot make the destination XML" >&2; return 1; }
  local log2 refusal
  from=$(lines_of host1 rig-domm)
  log2=$(on host2 'wc -l </var/log/messages') || return 1
  if out=$(virsh_on host1 migrate --live --p2p rig-domu "xen+tcp://$(ip_of host2)/system" \
    --migrateuri "tcp://$(ip_of host2)" --xml /tmp/domu-bad.xml 2>&1); then
    echo "DomU moved with a broken pairing: $out" >&2
    return 1
  fi
  echo "source: $(echo "$out" | tail -1)"
  # libvirt 9.0 relays the destination hook's message to the source; 11.3 says only "Failed to
  # send migration data to destination host". The refusal is in the destination's log either way.
  refusal=$(on host2 "tail -n +$((log2 + 1)) /var/log/messages |
    grep -a 'virdomm-hook.*rig-domu.*malformed pairing metadata.*(refused' | tail -1") ||
    { echo "host2's hook logged no refusal of the move" >&2; return 1; }
  echo "host2: ${refusal#*virdomm-hook}" | cut -c1-240
  local state
  state=$(virsh_on host1 domstate rig-domu | head -1)
  echo "DomU on host1 after the refused move: $state"
  [ "$state" = running ] || { echo "libvirt left DomU $state on host1" >&2; return 1; }
  if on host2 'virsh -c xen:///system domstate rig-domu' >/dev/null 2>&1; then
    echo "a rig-domu exists on host2 after the refused move" >&2
    return 1
  fi
  clean_checks host1 "$from" 3
}
say "A move of DomU whose destination XML breaks the pairing: host2's hook refuses it; the pair stays monitored on host1."
step "a destination refuses a move that breaks the pairing; the pair stays monitored" refused_destination

# --- 5c. The pairing's move order ----------------------------------------------------------------
# With <policy order="domu-first">, host2's hook refuses Domain M arriving before its DomU: the
# admin's `virsh migrate` of M alone is stopped at `prepare` with the member to move first, and
# the pair stays monitored on host1.
move_order_refused() {
  local out from log2 refusal
  on host1 "virdomm -c xen:///system pair --force --monitor rig-domm --target rig-domu \
      --interval $interval_ms --storage /dev/xvdb --move-order domu-first &&
    virdomm -c xen:///system show rig-domm | grep 'move order'" || return 1
  from=$(lines_of host1 rig-domm)
  log2=$(on host2 'wc -l </var/log/messages') || return 1
  # Live: the refusal at host2's `prepare` comes while the source still copies, and M keeps
  # running. A non-live move would have been suspended before its first page, and libvirt's
  # libxl driver does not resume a source copy after the stream breaks (libvirt-hooks/README.md).
  if out=$(virsh_on host1 migrate --live --p2p rig-domm "xen+tcp://$(ip_of host2)/system" \
    --migrateuri "tcp://$(ip_of host2)" 2>&1); then
    echo "Domain M moved ahead of its DomU against the pairing's policy: $out" >&2
    return 1
  fi
  echo "source: $(echo "$out" | tail -1)"
  refusal=$(on host2 "tail -n +$((log2 + 1)) /var/log/messages |
    grep -a 'virdomm-hook.*rig-domm.*policy order=domu-first wants DomU .rig-domu. moved to this host first' | tail -1") ||
    { echo "host2's hook logged no refusal of M's move" >&2; return 1; }
  echo "host2: ${refusal#*virdomm-hook}" | cut -c1-260
  libvirtd_back_if_gone host1 || return 1
  [ "$(virsh_on host1 domstate rig-domm | head -1)" = running ] ||
    { echo "Domain M does not run on host1 after the refused move" >&2; return 1; }
  # libvirt says "running" for a copy Xen holds suspended (shutdown reason suspend, "ss").
  local xen_state
  xen_state=$(on host1 "xl list rig-domm | awk 'NR == 2 {print \$5}'") || return 1
  case "$xen_state" in
    *s*) echo "Domain M is suspended on host1 after the refused move (xl state $xen_state)" >&2; return 1 ;;
  esac
  clean_checks host1 "$from" 3
}
say "The pairing asks for DomU to move first: host2's hook refuses Domain M arriving alone, saying so."
step "a live move of M ahead of its DomU is refused by the pairing's order" move_order_refused

# --- 6. A host that cannot keep the pair monitored ---------------------------------------------
# Any Debian toolstack carries a PV Domain M; a PVH one the hook refuses at `prepare`, with the
# reason of the host's Xen (before 4.19 it cannot map; from 4.19 its p2m mappings do not survive
# a move).
pvh_monitor_refused() {
  local out
  virsh_on host1 destroy rig-domm &&
    on host1 'virsh -c xen:///system dumpxml --inactive rig-domm |
      sed "s|machine=.xenpv.>linux</type>|machine=\"xenpvh\">xenpvh</type>|" >/tmp/domm-pvh.xml &&
      grep -q xenpvh /tmp/domm-pvh.xml && virsh -c xen:///system define /tmp/domm-pvh.xml' || return 1
  if out=$(virsh_on host1 start rig-domm 2>&1); then
    echo "a PVH Domain M started: $out" >&2
    return 1
  fi
  echo "$out" | tail -2
  grep -q "this host cannot keep the pair monitored" <<<"$out" &&
    grep -q "PVH Domain M .*run Domain M as a PV guest" <<<"$out" ||
    { echo "the start failed, but not with the hook's reason" >&2; return 1; }
  [ "$(virsh_on host1 domstate rig-domm | head -1)" = "shut off" ]
}
say "Domain M redefined as PVH: the hook refuses its start, with the reason of this host's Xen."
step "a PVH Domain M is refused, with the reason" pvh_monitor_refused

step "stop and undefine the pair" shut_down
