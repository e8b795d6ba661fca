# stacks: debian12
# The pair's whole run: scenarios 1-3 (pair/pair-moves.sh: pair, tamper caught, migration both
# orders with monitoring going on), then
#   4. `virsh save` / `virsh restore` of the pair on host1: M checks on.
#   5. libvirtd restarted on host1 while the pair runs: the binding holds.
#   6. host2 back on Debian's stock libxenguest: with on-grant-failure="abort" its hook refuses
#      either member at `prepare`; the migrations fail and the pair stays monitored on host1.
# Prints the `started` hook's run times and the monitoring gaps. The README's demo
# (tests/demo.sh) narrates this scenario.
# shellcheck shell=bash
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
