# stacks: debian12
# suite: extra
# Kept out of the default suite: every pair scenario starts a PVH DomU and a PV M through
# libvirt and moves both between the hosts, which is what this checks of the rig.
# The rig itself: a PVH DomU and a PV Domain M started through libvirt on host1, both moved to
# host2 and back (DomU live; Domain M live when the hypervisor has shadow paging, else
# non-live); both keep running (console ticks on the destination), a page of DomU's memory read
# through libxenforeignmemory is the same after every hop, and `virsh shutdown` powers both off.
# shellcheck shell=bash

# Highest console tick of guest NAME (domu/domm) logged on HOST; 0 when none.
last_tick() {
  on "$1" "grep -ao 'virdomm-$2: tick [0-9]*' /var/log/xen/console/guest-rig-$2.log 2>/dev/null |
    tail -1 | awk '{print \$3}' | grep . || echo 0"
}

# Waits until HOST's console log of guest NAME shows a tick above AFTER.
wait_tick_after() {
  local host=$1 name=$2 after=$3
  on "$host" "for i in \$(seq 1 90); do
      t=\$(grep -ao 'virdomm-$name: tick [0-9]*' /var/log/xen/console/guest-rig-$name.log 2>/dev/null |
        tail -1 | awk '{print \$3}')
      [ -n \"\$t\" ] && [ \"\$t\" -gt $after ] && { echo \"rig-$name on $host: tick \$t\"; exit 0; }
      sleep 1
    done
    echo 'no console tick above $after from rig-$name on $host' >&2
    tail -5 /var/log/xen/console/guest-rig-$name.log >&2; exit 1" 120
}

page_hash() {
  on "$1" 'id=$(virsh -c xen:///system domid rig-domu) || exit 1
    rig-read-guest-page "$id" 0x1000 >/tmp/page || exit 1
    [ "$(tr -d "\000" </tmp/page | wc -c)" -gt 0 ] || { echo "page is all zeros" >&2; exit 1; }
    sha256sum </tmp/page | cut -d" " -f1'
}

page_hashes=()
check_page() {
  local h
  h=$(page_hash "$1") || return 1
  echo "DomU gfn 0x1000 on $1: sha256 $h"
  page_hashes+=("$h")
  [ "${page_hashes[0]}" = "$h" ] || { echo "page differs from the first read" >&2; return 1; }
}

start_guests() {
  e2e_start_domu host1 create /mnt/rig/domains/domu.xml &&
    virsh_on host1 create /mnt/rig/domains/domm.xml &&
    wait_tick_after host1 domu 0 && wait_tick_after host1 domm 0 &&
    on host1 "grep -a 'virdomm-domm: domm-monitor' /var/log/xen/console/guest-rig-domm.log"
}

# migrate NAME FROM TO [--live]: the guest runs on TO afterwards and is gone from FROM.
migrate() {
  local name=$1 from=$2 to=$3 live=${4:-} before
  before=$(last_tick "$from" "${name#rig-}")
  e2e_migrate "$name" "$from" "$to" $live || return 1
  echo "$name: last tick on $from was $before"
  wait_tick_after "$to" "${name#rig-}" "$before"
}

# Both guests get `virsh shutdown`; each must power itself off (its kernel's poweroff_cmd) and
# be gone from libvirt and from Xen within 60 s.
shutdown_guests() {
  virsh_on host1 shutdown rig-domu && virsh_on host1 shutdown rig-domm &&
    on host1 'end=$((SECONDS + 60))
      while [ $SECONDS -lt $end ]; do
        # The Xen driver of libvirt lists dom0 as a running domain too.
        [ -z "$(virsh -c xen:///system list --name | grep -v -e "^Domain-0$" -e "^$")" ] &&
          [ "$(xl list | grep -vc -e "^Name" -e "^Domain-0")" = 0 ] && exit 0
        sleep 1
      done
      echo "still there after 60 s:" >&2; virsh -c xen:///system list >&2; xl list >&2
      for g in domu domm; do tail -n 3 /var/log/xen/console/guest-rig-$g.log >&2; done
      exit 1' 120
}

# --- The run ---------------------------------------------------------------------------------
step "both hosts up" e2e_hosts_up
step "libvirt libxl driver offers xenpvh on both" \
  on host1 'virsh -c xen:///system capabilities | grep -q xenpvh && [ -x /usr/local/bin/rig-read-guest-page ]'
step "  ... host2" on host2 'virsh -c xen:///system capabilities | grep -q xenpvh'
pv_live=""
if e2e_pv_moves_live host1; then pv_live=--live; fi
echo "hypervisor: $(on host1 'xl info | grep -E "^xen_(version|extra)" | tr -s " " | tr "\n" " "')"
if [ -n "$pv_live" ]; then
  echo "Domain M (PV) migrates live (this Xen has shadow paging)"
else
  echo "Domain M (PV) migrates non-live (no shadow paging in this Xen)"
fi
step "start PVH DomU and PV Domain M on host1" start_guests
step "read DomU page on host1" check_page host1
step "migrate DomU live host1 -> host2" migrate rig-domu host1 host2 --live
step "read DomU page on host2" check_page host2
step "migrate Domain M ${pv_live:-non-live} host1 -> host2" migrate rig-domm host1 host2 $pv_live
step "migrate DomU live host2 -> host1" migrate rig-domu host2 host1 --live
step "read DomU page on host1 again" check_page host1
step "migrate Domain M ${pv_live:-non-live} host2 -> host1" migrate rig-domm host2 host1 $pv_live
step "shut down both guests" shutdown_guests
for idx in 1 2; do
  pid=$(cat "$RIG_RUN/host$idx.pid" 2>/dev/null) &&
    echo "host$idx qemu RSS: $(($(awk '/VmRSS/ {print $2}' "/proc/$pid/status") / 1024)) MiB"
done
