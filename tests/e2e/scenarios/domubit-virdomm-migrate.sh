# stacks: debian12
# suite: extra
# rig: reuse domubit
# DomU-bit probe, virsh migrate of DomU and M to host2 of a PV Domain M mapping a page of DomU, with
# Debian's libxenguest and virdomm's xen-privcmd: M drops and re-makes its mapping, its probe reads on (domubit/domubit-case.sh).
# Extra: the debian12 stack boots bookworm main's 4.17.5 hypervisor, which an updated Debian 12
# no longer runs; the distribution's own Xen (no shadow paging) moves a PV Domain M non-live, and
# pair-monitoring proves that move on Debian 12 and 13 in the default suite.
# shellcheck shell=bash
probe_stack=virdomm probe_via=migrate
source "$repo/tests/e2e/domubit/domubit-case.sh"
