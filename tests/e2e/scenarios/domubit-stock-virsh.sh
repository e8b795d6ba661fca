# stacks: debian12
# rig: reuse domubit
# DomU-bit probe, virsh save/restore of a PV Domain M mapping a page of DomU, with
# Debian's libxenguest and xen-privcmd: the move "succeeds" and M is found corrupted (domubit/domubit-case.sh).
# shellcheck shell=bash
probe_stack=stock probe_via=virsh
source "$repo/tests/e2e/domubit/domubit-case.sh"
