# stacks: debian12
# suite: extra
# Kept out of the default suite: virsh save/restore of a PV M with virdomm's xen-privcmd is in
# pair-monitoring on both stock stacks, there with the product's own bind and checks.
# rig: reuse domubit
# DomU-bit probe, virsh save/restore of a PV Domain M mapping a page of DomU, with
# Debian's libxenguest and virdomm's xen-privcmd: M drops and re-makes its mapping, its probe reads on (domubit/domubit-case.sh).
# shellcheck shell=bash
probe_stack=virdomm probe_via=virsh
source "$repo/tests/e2e/domubit/domubit-case.sh"
