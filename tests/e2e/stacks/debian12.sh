# Stack debian12: Debian 12 dom0s (Xen tools 4.17.5, libvirt 9.0, Linux 6.1) booting the dom0's
# own hypervisor, 4.17.5 from bookworm main, built with shadow paging: a PV Domain M moves live.
stack_label=debian12
stack_hypervisor=""
