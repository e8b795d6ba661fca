# stacks: debian12
# rig: reuse domubit
# DomU-bit probe, xl save/restore of a PV Domain M mapping a page of DomU, with
# Debian's libxenguest and Debian's xen-privcmd: the move "succeeds" and M is found corrupted (domubit/domubit-case.sh).
# shellcheck shell=bash
probe_stack=stock probe_via=xl
source "$repo/tests/e2e/domubit/domubit-case.sh"
