# stacks: debian12-stock debian13
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

# The copy on HOST: DomU's vif has both the ingress and the egress filter, each mirroring to
# Domain M's vif (as tc lists them). The hook makes the copy right after it publishes the
# binding, so it is given a few seconds.
mirror_on() { # HOST
  on "$1" 'u=$(xl domid rig-domu) && m=$(xl domid rig-domm) || exit 1
    for i in $(seq 1 20); do
      missing=""
      for dir in ingress egress; do
        tc filter show dev "vif$u.0" "$dir" | grep -q "Egress Mirror to device vif$m.0" ||
          missing="$missing $dir"
      done
      [ -z "$missing" ] && { echo "vif$u.0 ingress and egress mirrored to vif$m.0"; exit 0; }
      sleep 0.5
    done
    echo "no mirror of vif$u.0 to vif$m.0 for:$missing" >&2
    tc filter show dev "vif$u.0" ingress >&2; grep -a "virdomm-hook.*mirror" /var/log/messages | tail -n 3 >&2
    exit 1'
}
# Nothing of the pair on HOST after it left: no vif, no clsact qdisc on any device.
no_mirror_left() { # HOST
  on "$1" 'vifs=$(ip -o link show | grep -o "vif[0-9]*\.[0-9]*" | sort -u)
    [ -z "$vifs" ] || { echo "vifs left on $(hostname): $vifs" >&2; exit 1; }
    q=$(tc qdisc show | grep clsact)
    [ -z "$q" ] || { echo "clsact qdiscs left: $q" >&2; exit 1; }
    echo "no vif and no clsact qdisc left on $(hostname)"'
}
ids_running() { # HOST FROM
  wait_line "$1" rig-domm "$2" 'virdomm-domm: network \{.*"event":"suricata-running"' 300 | cut -c1-240
}
# DomU sends one DNS query for the marker name; M's watch reports Suricata's alert for it.
dns_marker_caught() { # HOST
  local from_u from_m
  from_u=$(lines_of "$1" rig-domu) from_m=$(lines_of "$1" rig-domm)
  send_domu "$1" virdomm-dns || return 1
  wait_line "$1" rig-domu "$from_u" 'virdomm-domu: dns query for virdomm-marker.test sent' 60 >/dev/null ||
    return 1
  wait_line "$1" rig-domm "$from_m" 'virdomm-domm: network \{.*"event":"alert".*virdomm-marker\.test' 120 |
    cut -c1-300
}
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
