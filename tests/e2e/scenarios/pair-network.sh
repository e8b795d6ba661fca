# stacks: debian12-stock debian13
# suite: extra
# Kept out of the default suite: pair-monitoring runs the same network steps among its own
# (network=1); this shorter run is for working on the network monitor alone.
# The pair's network monitor on a distribution's own Xen: DomU has a NIC on a host bridge
# (virdomm-br0, dom0's end 169.254.77.1), Domain M a receive-only NIC on an empty bridge whose
# MAC the pairing names (`virdomm pair --mirror-mac`). When the pair binds, the hook copies both
# directions of DomU's vif onto M's vif (tc clsact + mirred); Suricata in M, supervised by
# `domm-monitor network watch`, reports DomU's DNS query for the marker name, and the alert
# reaches dom0's alert log naming the pair. The pair moves to host2 (DomU live, then M): the
# copy is made there by the hook that binds, the next marker is reported on host2, and no copy
# and no vif of the pair remain on host1.
# shellcheck shell=bash
network=1
source "$repo/tests/e2e/pair/pair-steps.sh"

shut_down() {
  local g
  for g in rig-domm rig-domu; do
    virsh_on host2 destroy "$g" >/dev/null 2>&1
    virsh_on host2 undefine "$g" >/dev/null 2>&1
    virsh_on host1 undefine "$g" >/dev/null 2>&1
  done
  true
}

say "Two emulated Xen hosts with Debian's own Xen; each dom0 gets the virdomm hook and two bridges."
step "both hosts up" e2e_hosts_up
step "install the hook on host1 (Debian's libxenguest)" install_stack host1
step "  ... host2" install_stack host2
step "define DomU (NIC on virdomm-br0) and Domain M (mirror NIC), virdomm pair --mirror-mac" define_pair
step "start DomU and Domain M on host1" start_pair
step "the hook bound M to DomU on host1" bound_on host1
step "M took a baseline of DomU's kernel" baseline_taken host1 "$mark_m" 'virdomm-domm: baseline ' 600
step "the hook copies DomU's traffic to M's vif on host1" mirror_on host1
step "M's IDS captures on its mirror NIC" ids_running host1 "$mark_m"
step "dom0's alert collectors run on host1 and host2" start_collectors
say "DomU sends a DNS query for the marker name to its peer; Suricata in M must report it."
step "DomU's DNS marker is reported by M's IDS on host1" dns_marker_caught host1
step "M's network alert reaches host1's dom0, naming the pair" alert_delivered host1 network 'virdomm-marker\.test'
say "virsh migrate --p2p: DomU (live), then Domain M, to host2; the hook there makes the copy."
step "migrate DomU, then M, host1 -> host2" move_pair domu-first host1 host2 monitored
step "the hook bound M to DomU on host2" bound_on host2
step "the hook copies DomU's traffic to M's vif on host2" mirror_on host2
step "no copy and no vif of the pair remain on host1" no_mirror_left host1
step "DomU's DNS marker is reported by M's IDS on host2" dns_marker_caught host2
step "M's network alert raised on host2 reaches host2's dom0" alert_delivered host2 network 'virdomm-marker\.test'
step "stop and undefine the pair" shut_down
