# Stack debian12-stockxen: the same Debian 12 dom0s booting Debian's newest stock hypervisor
# (bookworm-security's 4.17.7), built without shadow paging: a PV Domain M moves non-live.
stack_label=debian12
stack_hypervisor=newest
