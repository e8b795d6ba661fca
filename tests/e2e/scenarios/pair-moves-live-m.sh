# stacks: debian12
# suite: extra
# Scenarios 1-3 of the pair (pair/pair-moves.sh) on bookworm main's 4.17.5 hypervisor, built with
# shadow paging: Domain M moves live, its mappings dropped at the last round's suspend and re-made
# once the destination's hook binds it. Fails if the hypervisor cannot move M live. Not in the
# default suite (ctest -L extra): Debian's stock hypervisors have no shadow paging.
# shellcheck shell=bash
m_moves=live
source "$repo/tests/e2e/pair/pair-moves.sh"
step "stop and undefine the pair" shut_down
