#!/usr/bin/env bash
# Benchmark of the pair's migration on the emulated Xen rig, monitored against unmonitored in
# one rig run:
#   - monitored: DomU and Domain M paired (`virdomm pair`), the hook installed, M watching
#     DomU's kernel every 2 s through its carried mappings;
#   - unmonitored: the same two domains with the same sizes, no pairing, no monitor in M.
# Each arm moves the pair ROUNDS times host1 -> host2 (DomU first) and back (M first); the
# figure is the wall time of moving both members (`virsh migrate --live --p2p` of each), and
# the ratio of the arms' medians. The arms alternate, round by round, each round with a freshly
# started pair, so that a rig that gets faster or slower over the run favours neither arm. Also printed: the `started` hook's run times (the destination
# copy is paused meanwhile: downtime) and the monitoring gaps (DomU running on the
# destination -> M's next clean check seen there, polled about once a second).
# Under TCG a single migration varies by several seconds; read the spread before the ratio.
# Usage: run-bench.sh --build-dir DIR [--rounds N] [--keep]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
build_dir="" keep=0 rounds=2
usage() { echo "usage: $0 --build-dir DIR [--rounds N] [--keep]" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=$(cd "$2" && pwd); shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) usage ;;
  esac
done
[ -n "$build_dir" ] && [[ "$rounds" =~ ^[1-9][0-9]*$ ]] || usage
export VIRDOMM_RIG_RUN=${VIRDOMM_RIG_RUN:-${VIRDOMM_RIG_CACHE:-/var/cache/virdomm-rig}/run-bench-pair}
source "$repo/tests/e2e/rig/lib/common.sh"
source "$repo/tests/e2e/rig/lib/e2e-steps.sh"
rig="$repo/tests/e2e/rig/rig.sh"
e2e_preflight
trap 'finish 1' INT TERM
source "$repo/tests/e2e/pair/pair-steps.sh"

declare -A times=([monitored]="" [unmonitored]="")
on_finish() {
  echo
  echo "--- pair migration wall time (both members), s"
  local arm
  for arm in monitored unmonitored; do printf '%-12s %s\n' "$arm" "${times[$arm]}"; done
  printf '%s\n%s\n' "${times[monitored]}" "${times[unmonitored]}" | awk '
    function median(s,   a, n, i, j, t) {
      n = split(s, a, " ")
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    NR == 1 { m = median($0) } NR == 2 { u = median($0) }
    END { if (m > 0 && u > 0) printf "median monitored %.1f s, unmonitored %.1f s, ratio %.3f (target <= 1.02)\n", m, u, m / u }'
  echo "--- started hook run times (monitored arm)"
  local h
  for h in host1 host2; do "$rig" status >/dev/null 2>&1 && hook_times "$h" | sed "s/^/$h: /"; done
  echo "--- monitoring gaps"
  printf '%s\n' "${gaps[@]}"
}

# The monitored arm must really be monitoring after each move: M's next checks on the
# destination are clean and name DomU there (outside the timed moves).
round_trip() { # monitored|unmonitored
  local arm=$1
  move_pair domu-first host1 host2 "$arm" || return 1
  times[$arm]+="$pair_move_s "
  if [ "$arm" = monitored ]; then clean_checks host2 "$mark" 1 || return 1; fi
  move_pair m-first host2 host1 "$arm" || return 1
  times[$arm]+="$pair_move_s "
  if [ "$arm" = monitored ]; then clean_checks host1 "$mark" 1 || return 1; fi
}
start_monitored() {
  define_pair && start_pair && bound_on host1 &&
    wait_line host1 rig-domm "$mark_m" 'virdomm-domm: baseline ' 600 >/dev/null &&
    clean_checks host1 "$mark_m" 2
}
start_unmonitored() { define_pair --unmonitored && start_pair; }

step "build or reuse the rig's images" "$rig" build
step "boot both hosts" "$rig" up --build-dir "$build_dir"
step "install the hook on host1 (Debian's libxenguest)" install_stack host1
step "  ... host2" install_stack host2
for r in $(seq 1 "$rounds"); do
  step "round $r: monitored pair started on host1, baseline taken" start_monitored
  step "round $r: monitored round trip" round_trip monitored
  step "round $r: unmonitored pair started on host1" start_unmonitored
  step "round $r: unmonitored round trip" round_trip unmonitored
done
finish 0
