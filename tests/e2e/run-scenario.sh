#!/usr/bin/env bash
# The one runner of the end-to-end scenarios (tests/e2e/scenarios/*.sh) on an emulated two-host
# Xen rig of a stack (tests/e2e/stacks/*.sh). A scenario starts from the stack's hosts as saved
# right after their boot (rig.sh up --fresh), so what one scenario leaves behind never reaches
# the next, except that a scenario marked `# rig: reuse GROUP` goes on with the hosts a passing
# scenario of the same GROUP just left (such scenarios leave the hosts as the next of their
# group expects them; it saves the resume and their DomU's boot). A scenario that fails after
# the emulated CPU triple-faulted a guest (exit 75, see finish() in rig/lib/e2e-steps.sh) runs
# once more, from the saved hosts.
# The hosts stay up after a scenario (for the next one, or to look at; not after --demo); --end
# stops them.
#
#   run-scenario.sh --stack STACK --build-dir DIR [--demo] SCENARIO
#   run-scenario.sh --stack STACK --begin     a new run: empties its summary, saves the hosts once
#   run-scenario.sh --stack STACK --end       prints the run's summary table, stops the hosts
#   run-scenario.sh --list                    every scenario with the stacks it runs on
# SCENARIO is a file name under scenarios/ (with or without .sh), or the path of a file in the
# same form elsewhere (a benchmark: tests/bench/network/network-bench.sh). Each step of a run is written
# to $VIRDOMM_RIG_CACHE/run-STACK/summary.tsv (scenario, step, result, seconds).
set -uo pipefail
e2e=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$e2e/../.." && pwd)
usage() { sed -n '13,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

stack="" build_dir="" demo=0 action=run scenario=""
while [ $# -gt 0 ]; do
  case "$1" in
    --stack) stack=$2; shift 2 ;;
    --build-dir) build_dir=$(cd "$2" && pwd) || exit 2; shift 2 ;;
    --demo) demo=1; shift ;;
    --begin) action=begin; shift ;;
    --end) action=end; shift ;;
    --list) action=list; shift ;;
    -*) usage ;;
    *) [ -z "$scenario" ] || usage; scenario=${1%.sh}; shift ;;
  esac
done

if [ "$action" = list ]; then
  for f in "$e2e"/scenarios/*.sh; do
    printf '%-36s %s\n' "$(basename "$f" .sh)" "$(sed -n 's/^# stacks: *//p' "$f")"
  done
  exit 0
fi
[ -n "$stack" ] && [ -f "$e2e/stacks/$stack.sh" ] || { echo "unknown stack '$stack' (tests/e2e/stacks/)" >&2; usage; }
source "$e2e/stacks/$stack.sh"
export VIRDOMM_RIG_RUN=${VIRDOMM_RIG_RUN:-${VIRDOMM_RIG_CACHE:-/var/cache/virdomm-rig}/run-$stack}
export VIRDOMM_RIG_SUITE=$stack_suite
if [ -n "$stack_hypervisor" ]; then export VIRDOMM_RIG_HYPERVISOR=$stack_hypervisor; else unset VIRDOMM_RIG_HYPERVISOR; fi
source "$repo/tests/e2e/rig/lib/common.sh"
rig="$repo/tests/e2e/rig/rig.sh"
summary="$VIRDOMM_RIG_RUN/summary.tsv"
mkdir -p "$VIRDOMM_RIG_RUN"

case "$action" in
  begin)
    source "$repo/tests/e2e/rig/lib/e2e-steps.sh"
    e2e_preflight
    : >"$summary"
    t0=$SECONDS
    "$rig" build || exit 1
    saved=$("$rig" save) || exit 1
    what="hosts saved already: no boot"
    [ "$saved" = booted ] && what="hosts booted once and saved"
    printf '%s\t%s\t%s\t%s\n' "(rig)" "$what" ok "$((SECONDS - t0))" >>"$summary"
    exit 0
    ;;
  end)
    "$rig" down >/dev/null 2>&1
    rm -f "$VIRDOMM_RIG_RUN/left-by-group"
    [ -s "$summary" ] || { echo "no steps recorded for stack $stack"; exit 0; }
    "$e2e/summary-table.sh" "$summary"
    exit 0
    ;;
esac

# A path (with a slash) names a file elsewhere, e.g. a benchmark under tests/bench/.
if [[ "$scenario" == */* ]]; then
  file=$(cd "$(dirname "$scenario")" 2>/dev/null && pwd)/$(basename "$scenario").sh
  scenario=$(basename "$scenario")
else
  file="$e2e/scenarios/$scenario.sh"
fi
[ -n "$scenario" ] && [ -f "$file" ] || { echo "no scenario '$scenario' ($file)" >&2; usage; }
grep -Eq "^# stacks:.*(^|[ ,])$stack([ ,]|$)" "$file" ||
  { echo "scenario $scenario does not run on stack $stack (its '# stacks:' line)" >&2; exit 2; }
# dom0s of another Debian release than this machine's get the project's binaries built for it.
if [ -n "$build_dir" ] && [ "$stack_suite" != "$(virdomm_apt_codename)" ]; then
  VIRDOMM_RIG_DOM0_BUILD_DIR=$("$repo/tests/e2e/rig/lib/build-dom0-binaries.sh" "$stack_suite" \
    "$build_dir/release-$stack_suite") || { echo "cannot build the dom0 binaries for $stack_suite" >&2; exit 1; }
  export VIRDOMM_RIG_DOM0_BUILD_DIR
fi
group=$(sed -n 's/^# rig: reuse *//p' "$file")
# Hosts a passing scenario of the same group left are taken as they are; else afresh.
fresh=1
[ -n "$group" ] && [ "$(cat "$VIRDOMM_RIG_RUN/left-by-group" 2>/dev/null)" = "$group" ] && fresh=""
rm -f "$VIRDOMM_RIG_RUN/left-by-group"

# One attempt: the scenario's steps in a process of their own.
attempt() {
  (
    export E2E_SUMMARY=$summary E2E_SCENARIO=$scenario E2E_FRESH=$fresh
    keep=1
    source "$repo/tests/e2e/rig/lib/e2e-steps.sh"
    say() { [ "$demo" = 1 ] && printf '\n>>> %s\n' "$*"; return 0; }
    e2e_preflight
    trap 'finish 1' INT TERM
    source "$file"
    finish 0
  )
}
attempt
rc=$?
if [ "$rc" = 75 ]; then
  echo
  echo "=== The emulated CPU faulted a guest in that run; running $scenario once more from the saved hosts"
  echo
  printf '%s\t%s\t%s\t%s\n' "$scenario" "(run again after an emulator fault)" - - >>"$summary"
  fresh=1
  attempt
  rc=$?
  [ "$rc" = 75 ] && rc=1
fi
[ "$rc" = 0 ] && [ -n "$group" ] && echo "$group" >"$VIRDOMM_RIG_RUN/left-by-group"
# The README's demo leaves nothing running; a test run leaves the hosts to the next scenario.
[ "$demo" = 1 ] && "$rig" down >/dev/null 2>&1
exit "$rc"
