# Stack debian12: Debian 12 dom0s as updated (Xen tools 4.17.7, libvirt 9.0, Linux 6.1 from
# bookworm and bookworm-security) booting bookworm main's hypervisor build, 4.17.5, the last one
# with shadow paging: a PV Domain M moves live.
stack_label=debian12
stack_suite=bookworm
stack_hypervisor=main
