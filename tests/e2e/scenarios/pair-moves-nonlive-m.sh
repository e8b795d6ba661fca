# stacks: debian12-stockxen
# Scenarios 1-3 of the pair (pair/pair-moves.sh) on Debian's stock 4.17.7 hypervisor, which has
# no shadow paging: Domain M moves non-live there, its mappings carried by the save stream's
# one round, sent while M is suspended. Fails if the hypervisor could move M live.
# shellcheck shell=bash
require_nonlive=1
source "$repo/tests/e2e/pair/pair-moves.sh"
step "stop and undefine the pair" shut_down
