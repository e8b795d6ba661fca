# Stack debian13: Debian 13 dom0s exactly as installed and updated: Xen 4.20.4 (hypervisor and
# tools, built without shadow paging: a PV Domain M moves non-live), libvirt 11.3, Linux 6.12 in
# the dom0s and both guests. The project's dom0 binaries are built for Debian 13.
stack_label=debian13
stack_suite=trixie
stack_hypervisor=""
