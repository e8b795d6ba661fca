# stacks: debian12
# suite: extra
# Kept out of the default suite: xl is not how libvirt hosts move guests; the same module path
# runs under virsh save/restore in pair-monitoring.
# rig: reuse domubit
# DomU-bit probe, xl save/restore of a PV Domain M mapping a page of DomU, with
# Debian's libxenguest and virdomm's xen-privcmd: M drops and re-makes its mapping, its probe reads on (domubit/domubit-case.sh).
# shellcheck shell=bash
probe_stack=virdomm probe_via=xl
source "$repo/tests/e2e/domubit/domubit-case.sh"
