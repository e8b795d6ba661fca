# stacks: debian12
# rig: reuse domubit
# DomU-bit probe, xl save/restore of a PV Domain M mapping a page of DomU, with
# the patched libxenguest and xen-privcmd: M's mapping is carried, its probe reads on (domubit/domubit-case.sh).
# shellcheck shell=bash
probe_stack=patched probe_via=xl
source "$repo/tests/e2e/domubit/domubit-case.sh"
