# Stack debian12-stock: Debian 12 dom0s exactly as installed and updated: Xen 4.17.7 (hypervisor
# and tools, bookworm-security, built without shadow paging: a PV Domain M moves non-live),
# libvirt 9.0, Linux 6.1.
stack_label=debian12
stack_suite=bookworm
stack_hypervisor=""
