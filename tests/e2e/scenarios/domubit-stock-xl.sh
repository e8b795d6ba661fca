# stacks: debian12
# suite: extra
# Kept out of the default suite: the control case (Debian's own xen-privcmd corrupts M at a
# move) shows what the module prevents; the module itself is in the default suite through
# domubit-virdomm-migrate and the pair scenarios.
# rig: reuse domubit
# DomU-bit probe, xl save/restore of a PV Domain M mapping a page of DomU, with
# Debian's libxenguest and Debian's xen-privcmd: the move "succeeds" and M is found corrupted (domubit/domubit-case.sh).
# shellcheck shell=bash
probe_stack=stock probe_via=xl
source "$repo/tests/e2e/domubit/domubit-case.sh"
