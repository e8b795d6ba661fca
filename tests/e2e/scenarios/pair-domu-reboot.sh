# stacks: debian12-stock debian13
# extra on: debian13
# A DomU reboot on a distribution's own Xen: the pair is defined with on_reboot=restart, starts
# on host1 and is checked clean; then `virsh reboot` of DomU. In the default suite on Debian 12;
# on Debian 13 (where it passes too) in the extra tier, to keep the suite within its time. It was
# kept out while the guests ran on Xen's emulated TSC, where a rebooted DomU triple-faulted
# under TCG (domains/domu.xml: native TSC).
# shellcheck shell=bash
on_reboot=restart
source "$repo/tests/e2e/pair/pair-steps.sh"

step "both hosts up" e2e_hosts_up
step "install the hook on host1 (Debian's libxenguest)" install_stack host1
step "define DomU and Domain M (on_reboot=restart), virdomm pair" define_pair
step "start DomU and Domain M on host1" start_pair
step "the hook bound M to DomU on host1" bound_on host1
step "M took a baseline of DomU's kernel" baseline_taken host1 "$mark_m" 'virdomm-domm: baseline ' 600
step "M's checks are clean on host1" clean_checks host1 "$mark_m" 3

# `virsh reboot` makes libvirt start DomU again as a new domain. Xen keeps M's target at the old
# one (a domain's target is set once), so DomU's `started` hook tells M "restart"; M reboots
# itself, libvirt recreates it (<on_reboot>restart</on_reboot>) and the new M's `started` binds
# it to the new DomU. Nobody touches M; its checks resume on DomU's new boot.
domu_reboot() {
  local old_m old_u new_m new_u from_m t0 line
  old_m=$(on host1 'xl domid rig-domm') && old_u=$(on host1 'xl domid rig-domu') || return 1
  from_m=$(lines_of host1 rig-domm)
  t0=$(date +%s%N)
  virsh_on host1 reboot rig-domu || return 1
  line=$(wait_line host1 rig-domm "$from_m" '"binding":"restart",.*"action":"restarting' 180) ||
    { echo "M was not told to follow DomU's new domain" >&2; return 1; }
  echo "${line#*virdomm-domm: check }" | cut -c1-200
  wait_line host1 rig-domm "$from_m" 'virdomm-domm: up ' 300 >/dev/null ||
    { echo "Domain M did not come back as a new domain" >&2; return 1; }
  baseline_taken host1 "$from_m" 'virdomm-domm: baseline ' 600 || return 1
  new_m=$(on host1 'xl domid rig-domm') && new_u=$(on host1 'xl domid rig-domu') || return 1
  echo "DomU $old_u -> $new_u, Domain M $old_m -> $new_m"
  [ "$new_u" != "$old_u" ] && [ "$new_m" != "$old_m" ] ||
    { echo "a member kept its domain: nothing was rebooted" >&2; return 1; }
  # Judged from the new M's baseline on: the lines before it are the old M's checks of the old DomU.
  bound_on host1 && clean_checks host1 "$(lines_of host1 rig-domm)" 3 || return 1
  awk -v a="$t0" -v b="$(date +%s%N)" \
    'BEGIN {printf "virsh reboot of DomU -> 3 clean checks of its new boot by the new M: %.1f s\n", (b - a) / 1e9}'
}
step "DomU reboots; Domain M follows it and checks the new boot" domu_reboot
step "a kprobe set in DomU's new boot is reported by the new M" kprobe_caught host1

shut_down() { virsh_on host1 destroy rig-domm; virsh_on host1 destroy rig-domu; virsh_on host1 undefine rig-domm && virsh_on host1 undefine rig-domu; }
step "stop and undefine the pair" shut_down
