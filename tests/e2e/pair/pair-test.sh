#!/usr/bin/env bash
# End-to-end test of a virdomm pair on the emulated Xen rig, with the project's own stack in
# both dom0s (patched libxenguest, the virdomm hook) and in Domain M (patched xen-privcmd,
# domm-monitor watching DomU's kernel through foreign mappings):
#   1. `virdomm pair` writes the pairing into both definitions; both start on host1; the hook
#      binds them; M takes a baseline of DomU's kernel and its checks are clean.
#   2. A kprobe set inside DomU (tracefs) is reported by M; removed, the checks are clean again.
#   3. `virsh migrate --live --p2p`: DomU then M to host2, where M checks on without a new
#      baseline and without a false alert and catches a new kprobe; back to host1 M first.
#   4. `virsh save` / `virsh restore` of the pair on host1: M checks on.
#   5. libvirtd restarted on host1 while the pair runs: the binding holds.
# Prints each step's wall time, the `started` hook's run times and the monitoring gaps.
# Usage: pair-test.sh --build-dir DIR [--run-dir DIR] [--keep] [--demo]
#   --demo  narrates each step for a person watching (the README's main job)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
build_dir="" keep=0 demo=0
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir=$(cd "$2" && pwd); shift 2 ;;
    --run-dir) export VIRDOMM_RIG_RUN=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --demo) demo=1; shift ;;
    *) echo "usage: $0 --build-dir DIR [--run-dir DIR] [--keep] [--demo]" >&2; exit 2 ;;
  esac
done
[ -n "$build_dir" ] || { echo "usage: $0 --build-dir DIR [--run-dir DIR] [--keep] [--demo]" >&2; exit 2; }
export VIRDOMM_RIG_RUN=${VIRDOMM_RIG_RUN:-${VIRDOMM_RIG_CACHE:-/var/cache/virdomm-rig}/run-pair}
source "$repo/tests/e2e/rig/lib/common.sh"
source "$repo/tests/e2e/rig/lib/e2e-steps.sh"
rig="$repo/tests/e2e/rig/rig.sh"
e2e_preflight
trap 'finish 1' INT TERM

say() { [ "$demo" = 1 ] && printf '\n>>> %s\n' "$*"; return 0; }
interval_ms=2000
console=/var/log/xen/console
xenlib=/usr/lib/x86_64-linux-gnu/libxenguest.so.4.17.0

# --- The project's stack ---------------------------------------------------------------------
lin=$("$repo/linux-patches/build.sh") || fail "linux-patches/build.sh"
xen=$("$repo/xen-patches/build.sh") || fail "xen-patches/build.sh"
export VIRDOMM_RIG_DOMM_PRIVCMD
VIRDOMM_RIG_DOMM_PRIVCMD=$(sed -n 's/^MODULE=//p' <<<"$lin")
libxenguest=$(sed -n 's/^LIBXENGUEST=//p' <<<"$xen")
[ -f "$VIRDOMM_RIG_DOMM_PRIVCMD" ] && [ -f "$libxenguest" ] || fail "patch builds gave no outputs"

# The library is replaced with `install` (a new file), never `cp` over it: libvirtd has it
# mapped, and rewriting that inode in place crashes libvirtd.
install_stack() {
  local h=$1
  "$rig" put "$h" "$libxenguest" /var/lib/virdomm/libxenguest.patched &&
    "$rig" put "$h" "$repo/libvirt-hooks/virdomm-hook-reload" /usr/local/sbin/virdomm-hook-reload &&
    "$rig" put "$h" "$repo/xml-schemas/pairing.rng" /usr/local/share/virdomm/pairing.rng &&
    on "$h" "{ [ -f /var/lib/virdomm/libxenguest.debian ] || cp $xenlib /var/lib/virdomm/libxenguest.debian; } &&
      install -m 644 /var/lib/virdomm/libxenguest.patched $xenlib &&
      install -D -m 755 /usr/local/bin/virdomm-hook /etc/libvirt/hooks/libxl.d/virdomm &&
      virdomm-hook-reload && sleep 2 && virsh -c xen:///system version >/dev/null"
}

# --- Console helpers -------------------------------------------------------------------------
lines_of() { on "$1" "cat $console/guest-$2.log 2>/dev/null | wc -l"; }
# wait_line HOST GUEST FROM REGEX SECONDS: a line matching REGEX after line FROM of GUEST's log.
wait_line() {
  on "$1" "for i in \$(seq 1 $5); do
      tail -n +$(($3 + 1)) $console/guest-$2.log 2>/dev/null | grep -aE '$4' | head -1 | grep . && exit 0
      sleep 1
    done
    echo 'no line matching $4 from $2 on $1 within $5 s; last lines:' >&2
    tail -n 5 $console/guest-$2.log >&2; exit 1" $(($5 + 30))
}
# checks_after HOST FROM: M's check lines after line FROM.
checks_after() { on "$1" "tail -n +$(($2 + 1)) $console/guest-rig-domm.log | grep -a 'virdomm-domm: check '"; }

# Waits for N clean checks of M on HOST after line FROM and fails on any check that is not clean
# (a false alert) among them.
clean_checks() {
  local host=$1 from=$2 n=$3
  wait_line "$host" rig-domm "$from" "virdomm-domm: check .*" 300 >/dev/null || return 1
  on "$host" "for i in \$(seq 1 $((n * interval_ms / 1000 * 3 + 60))); do
      c=\$(tail -n +$((from + 1)) $console/guest-rig-domm.log | grep -ac 'virdomm-domm: check ')
      [ \"\$c\" -ge $n ] && break
      sleep 1
    done" 600
  local checks
  checks=$(checks_after "$host" "$from") || return 1
  echo "$checks" | tail -n 2 | cut -c1-200
  local count bad
  count=$(grep -c . <<<"$checks")
  bad=$(grep -v '"severity":"none"' <<<"$checks")
  [ "$count" -ge "$n" ] || { echo "only $count checks of M on $host" >&2; return 1; }
  [ -z "$bad" ] || { echo "alert where none was expected on $host:" >&2; echo "$bad" >&2; return 1; }
  echo "$count clean checks of M on $host"
}

# Sets (or removes) a kprobe inside DomU through its console and waits for M on the same host
# to report it (or to be clean again).
kprobe_caught() {
  local host=$1 from_u from_m
  from_u=$(lines_of "$host" rig-domu) from_m=$(lines_of "$host" rig-domm)
  send_domu "$host" virdomm-kprobe || return 1
  wait_line "$host" rig-domu "$from_u" 'virdomm-domu: kprobe set' 60 || return 1
  wait_line "$host" rig-domm "$from_m" '"kind":"kprobe"' 120 | cut -c1-400 || return 1
}
kprobe_removed() {
  local host=$1 from_u from_m
  from_u=$(lines_of "$host" rig-domu)
  send_domu "$host" virdomm-kprobe-off || return 1
  wait_line "$host" rig-domu "$from_u" 'virdomm-domu: kprobe removed' 60 || return 1
  from_m=$(lines_of "$host" rig-domm)
  clean_checks "$host" "$from_m" 2
}
send_domu() {
  on "$1" "u=\$(xl domid rig-domu) && tty=\$(xenstore-read /local/domain/\$u/console/tty) &&
    printf '%s\n' '$2' >\"\$tty\""
}

# The hook's view on HOST: M bound to the DomU running there, no DomU-bit record left over.
bound_on() {
  on "$1" 'm=$(xl domid rig-domm) && u=$(xl domid rig-domu) || exit 1
    state=$(xenstore-read /local/domain/$m/virdomm/state) target=$(xenstore-read /local/domain/$m/virdomm/target-domid)
    gen=$(xenstore-read /local/domain/$m/virdomm/generation)
    echo "M=$m U=$u state=$state target-domid=$target generation=$gen"
    [ "$state" = bound ] && [ "$target" = "$u" ] || exit 1
    if ls /run/virdomm/domubit/ 2>/dev/null | grep -q .; then
      echo "DomU-bit records not installed: $(ls /run/virdomm/domubit/)" >&2; exit 1
    fi'
}

# started-hook run times logged on HOST since the test began.
hook_times() { on "$1" "grep -ao 'started begin of [^ ]* ([^)]*) took [0-9.]* ms[^,]*' /var/log/messages 2>/dev/null | sed 's/ (.*)//'"; }

migrate() { e2e_migrate "$1" "$2" "$3" --live; } # NAME FROM TO

gaps=()
# Monitoring gap after a move: from the moment DomU runs on HOST (the command that moved it
# returned, at T0 in ns) until the runner sees M's next check there. An upper bound: the runner
# polls the console log about once a second.
# Also sets `mark`, the console line from which M's checks must be clean after the move, and
# shows what M printed during the move (pauses, and any check that straddled it).
mark=0
measure_gap() {
  local host=$1 t0=$2 from=$3 what=$4
  wait_line "$host" rig-domm "$from" '"severity":"none"' 300 >/dev/null || return 1
  local t1
  t1=$(date +%s%N)
  gaps+=("$(awk -v a="$t0" -v b="$t1" -v w="$what" 'BEGIN {printf "%-44s %5.1f s", w, (b - a) / 1e9}')")
  mark=$(lines_of "$host" rig-domm)
  echo "M on $host during the move:"
  on "$host" "tail -n +$((from + 1)) $console/guest-rig-domm.log | head -n $((mark - from)) |
    grep -a -e binding -e 'virdomm-domm: check' | sed -E 's/\"baseline_sha256\":\"[0-9a-f]*\",//; s/(.{220}).*/\1 .../'"
}

on_finish() {
  echo
  echo "--- started hook run times"
  for h in host1 host2; do "$rig" status >/dev/null 2>&1 && hook_times "$h" | sed "s/^/$h: /"; done
  echo "--- monitoring gaps (DomU running on the destination -> M's next clean check seen)"
  printf '%s\n' "${gaps[@]}"
}

# --- 1. Pair and start on host1 --------------------------------------------------------------
say "Two emulated Xen 4.17 hosts boot; each dom0 gets the patched libxenguest and the virdomm hook."
step "build or reuse the rig's images" "$rig" build
step "boot both hosts" "$rig" up --build-dir "$build_dir"
step "install libxenguest (patched) and the hook on host1" install_stack host1
step "  ... host2" install_stack host2

define_pair() {
  # A clean slate: a kept rig may still hold the pair of an earlier run.
  local h
  for h in host1 host2; do
    on "$h" 'for d in rig-domm rig-domu; do
        virsh -c xen:///system destroy $d; virsh -c xen:///system undefine $d; done >/dev/null 2>&1
      rm -f /run/virdomm/domubit/*; true'
  done
  on host1 "sed -e 's|<memory unit=.MiB.>[0-9]*</memory>|<memory unit=\"MiB\">384</memory>|' \
      -e 's|rdinit=/init|rdinit=/init virdomm.monitor=memory virdomm.interval=$interval_ms|' \
      /mnt/rig/domains/domm.xml >/var/lib/virdomm/domm-pair.xml &&
    virsh -c xen:///system define /var/lib/virdomm/domm-pair.xml &&
    virsh -c xen:///system define /mnt/rig/domains/domu.xml &&
    virdomm -c xen:///system pair --monitor rig-domm --target rig-domu --interval $interval_ms &&
    virdomm -c xen:///system check"
}
say "virdomm pair writes <virdomm:pairing> into both domains' libvirt metadata."
step "define DomU and Domain M, virdomm pair" define_pair
mark_m=0
start_pair() {
  mark_m=$(lines_of host1 rig-domm)
  e2e_start_domu host1 start rig-domu && virsh_on host1 start rig-domm
}
say "DomU (PVH) and Domain M (PV) start; the hook binds M to DomU when the second one starts."
step "start DomU and Domain M on host1" start_pair
step "the hook bound M to DomU on host1" bound_on host1
say "Domain M takes a baseline of DomU's kernel text and rodata through read-only foreign mappings."
step "M took a baseline of DomU's kernel" wait_line host1 rig-domm "$mark_m" 'virdomm-domm: baseline ' 600
step "M's checks are clean on host1" clean_checks host1 "$mark_m" 3

# --- 2. Tamper on host1 ----------------------------------------------------------------------
say "Inside DomU, root sets a kprobe (INT3 in kernel text); M must report it."
step "kprobe inside DomU is reported by M on host1" kprobe_caught host1
step "kprobe removed, M clean again" kprobe_removed host1

# --- 3. Migrate the pair ---------------------------------------------------------------------
say "virsh migrate --live --p2p: DomU, then Domain M, to host2. M keeps its baseline."
move_domu_first() {
  local t0 from
  from=$(lines_of host2 rig-domm)
  migrate rig-domu host1 host2 || return 1
  t0=$(date +%s%N)
  migrate rig-domm host1 host2 || return 1
  measure_gap host2 "$t0" "$from" "host1->host2, DomU first"
}
step "migrate DomU, then M, host1 -> host2" move_domu_first
step "the hook bound M to DomU on host2" bound_on host2
step "M's checks are clean on host2 (no new baseline)" clean_checks host2 "$mark" 3
step "kprobe inside DomU on host2 is reported by M on host2" kprobe_caught host2
step "kprobe removed on host2, M clean again" kprobe_removed host2

say "Back to host1 in the other order: Domain M first, then DomU."
move_m_first() {
  local t0 from
  from=$(lines_of host1 rig-domm)
  migrate rig-domm host2 host1 || return 1
  migrate rig-domu host2 host1 || return 1
  t0=$(date +%s%N)
  measure_gap host1 "$t0" "$from" "host2->host1, M first"
}
step "migrate M, then DomU, host2 -> host1" move_m_first
step "the hook bound M to DomU on host1 again" bound_on host1
step "M's checks are clean on host1 after the round trip" clean_checks host1 "$mark" 3

# --- 4. Save and restore on host1 ------------------------------------------------------------
save_restore() {
  local t0 from
  virsh_on host1 save rig-domm /var/lib/virdomm/domm.save &&
    virsh_on host1 save rig-domu /var/lib/virdomm/domu.save || return 1
  from=$(lines_of host1 rig-domm)
  virsh_on host1 restore /var/lib/virdomm/domm.save &&
    virsh_on host1 restore /var/lib/virdomm/domu.save || return 1
  t0=$(date +%s%N)
  on host1 'rm -f /var/lib/virdomm/domm.save /var/lib/virdomm/domu.save'
  measure_gap host1 "$t0" "$from" "virsh save + restore on host1"
}
step "virsh save and restore of the pair on host1" save_restore
step "the hook bound M to DomU after the restore" bound_on host1
step "M's checks are clean after the restore" clean_checks host1 "$mark" 3

# --- 5. libvirtd restart ---------------------------------------------------------------------
restart_libvirtd() {
  on host1 'pid=$(cat /run/libvirtd.pid) && kill "$pid" &&
    for i in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done &&
    libvirtd --listen --daemon && for i in $(seq 1 30); do
      virsh -c xen:///system domstate rig-domm 2>/dev/null | grep -q running &&
        virsh -c xen:///system domstate rig-domu | grep -q running && exit 0
      sleep 1
    done; exit 1'
}
step "libvirtd restarted on host1, both still running" restart_libvirtd
step "the binding held through the restart" bound_on host1
step "M's checks are clean after the restart" clean_checks host1 "$(lines_of host1 rig-domm)" 3

# --- 6. A destination that cannot keep the pair monitored ------------------------------------
# host2 gets Debian's stock libxenguest back (and a libvirtd that loads it): a Domain M moved
# there would come back corrupted, so with on-grant-failure="abort" the hook on host2 refuses
# either member at `prepare`, and both stay on host1, bound and checked.
restart_libvirtd_on() { # HOST
  on "$1" 'pid=$(cat /run/libvirtd.pid) && kill "$pid" &&
    for i in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done &&
    libvirtd --listen --daemon && for i in $(seq 1 30); do
      virsh -c xen:///system version >/dev/null 2>&1 && exit 0; sleep 1; done; exit 1'
}
use_libxenguest() { # HOST debian|patched
  on "$1" "install -m 644 /var/lib/virdomm/libxenguest.$2 $xenlib" && restart_libvirtd_on "$1"
}
refused_by_stock_host() {
  local from g out
  use_libxenguest host2 debian || return 1
  from=$(lines_of host1 rig-domm)
  for g in rig-domu rig-domm; do
    if out=$(virsh_on host1 migrate --live --p2p "$g" "xen+tcp://$(ip_of host2)/system" \
      --migrateuri "tcp://$(ip_of host2)" 2>&1); then
      echo "$g migrated to host2, which cannot carry Domain M's mappings" >&2
      return 1
    fi
    echo "$out" | grep -a -e error -e virdomm | head -3
    echo "$out" | grep -q "this host cannot keep the pair monitored" ||
      { echo "$g: the refusal does not say why" >&2; return 1; }
    [ "$(virsh_on host1 domstate "$g" | head -1)" = running ] ||
      { echo "$g does not run on host1 after the refused migration" >&2; return 1; }
    ! virsh_on host2 domstate "$g" >/dev/null 2>&1 || { echo "$g is defined on host2" >&2; return 1; }
  done
  bound_on host1 && clean_checks host1 "$from" 3
}
say "host2 goes back to Debian's stock libxenguest: its hook refuses both members (policy abort)."
step "migrations to a host that cannot carry M's mappings are refused; the pair stays monitored" \
  refused_by_stock_host
step "host2 gets the patched libxenguest back" use_libxenguest host2 patched

shut_down() {
  virsh_on host1 destroy rig-domm && virsh_on host1 destroy rig-domu &&
    virsh_on host1 undefine rig-domm && virsh_on host1 undefine rig-domu
}
step "stop and undefine the pair" shut_down
finish 0
