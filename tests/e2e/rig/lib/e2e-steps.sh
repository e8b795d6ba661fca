# What the rig's end-to-end tests share: skip/fail, the checks of what cannot be installed, timed
# steps with a summary, commands on the hosts. Sourced after common.sh; the test sets `rig` (path
# of rig.sh) and `keep` (1: leave the hosts up), and may define `on_finish` (called first).

skip() { echo "SKIP: $*"; exit 77; }
# A failure ends the scenario through finish(): its table, logs, the emulator-fault verdict.
fail() { echo "FAIL: $*"; finish 1; }

# Exit 77 (skip) only for what cannot be installed: root, memory, disk, the archive for a cold
# build; what can be installed is installed.
e2e_preflight() {
  [ "$(id -u)" = 0 ] || skip "needs root (debootstrap, mounts)"
  local avail_mb need_mb
  avail_mb=$(($(awk '/MemAvailable/ {print $2}' /proc/meminfo) / 1024))
  need_mb=$((2 * (RIG_HOST_MEM + 700) + 512))
  [ "$avail_mb" -ge "$need_mb" ] || skip "needs ${need_mb} MiB of free memory, has ${avail_mb} MiB"
  mkdir -p "$RIG_CACHE" "$RIG_RUN"
  if [ ! -e "$(rig_image_dir)/dom0.raw" ]; then
    local free_mb mirror_host mirror_port
    free_mb=$(df -Pm "$RIG_CACHE" | awk 'NR == 2 {print $4}')
    [ "$free_mb" -ge 8000 ] || skip "a cold build needs 8 GB free in $RIG_CACHE, has ${free_mb} MB"
    # Host ([IPv6] too) and port of the archive's URL: an explicit :port, else its scheme's; a
    # file: or other local mirror is not probed.
    local url_re='^[a-zA-Z]+://([^/]*@)?(\[[^]/]*\]|[^]/:]*)(:([0-9]+))?([/?].*)?$'
    mirror_host=$(echo "$RIG_MIRROR" | sed -nE "s#$url_re#\\2#p")
    mirror_port=$(echo "$RIG_MIRROR" | sed -nE "s#$url_re#\\4#p")
    case "$RIG_MIRROR" in
      http://*) : "${mirror_port:=80}" ;;
      https://*) : "${mirror_port:=443}" ;;
      *) mirror_port="" ;;
    esac
    mirror_host=${mirror_host#[} mirror_host=${mirror_host%]}
    [ -z "$mirror_port" ] ||
      timeout 15 bash -c "exec 3<>/dev/tcp/$mirror_host/$mirror_port" 2>/dev/null ||
      skip "cold cache and the Debian archive ($mirror_host, port $mirror_port) is unreachable"
  fi
  local tool
  for tool in qemu-system-x86_64 qemu-img debootstrap socat modprobe cpio mkfs.ext4; do
    if ! command -v "$tool" >/dev/null; then
      "$RIG_DIR/../../setup/install-deps.sh" test || fail "installing the rig's packages failed"
      break
    fi
  done
}

# --- Timed steps -----------------------------------------------------------------------------
e2e_summary=()
# The step's own variables are globals with an e2e_ prefix, not locals: bash scopes locals
# dynamically, so a local `name` here would be the `name` the step's command reads.
step() {
  e2e_step_name=$1
  shift
  echo "=== $e2e_step_name"
  e2e_open_step=$e2e_step_name e2e_open_t0=$(date +%s%N)
  "$@"
  e2e_step_rc=$?
  e2e_open_step=""
  e2e_step_secs=$(awk -v a="$e2e_open_t0" -v b="$(date +%s%N)" 'BEGIN {printf "%.1f", (b - a) / 1e9}')
  e2e_step_result=ok
  [ "$e2e_step_rc" = 0 ] || e2e_step_result=FAILED
  e2e_record_row "$e2e_step_name" "$e2e_step_secs" "$e2e_step_result"
  echo "=== $e2e_step_name: $e2e_step_secs s, $e2e_step_result$([ "$e2e_step_rc" = 0 ] || echo " (exit $e2e_step_rc)")"
  [ "$e2e_step_rc" = 0 ] || finish 1
}

# Triple faults of guests that the helpers retried (e2e_start_domu); any beyond these, found
# when a run fails, mark the failure as the emulator's (exit 75: run-scenario.sh runs it again).
e2e_faults_handled=0
# Triple faults Xen has logged on HOST since it booted.
e2e_triple_faults_on() { "$rig" sh --timeout 30 "$1" 'xl dmesg | grep -c "Triple fault"'; }
e2e_triple_faults() {
  local h n total=0
  for h in host1 host2; do
    n=$(e2e_triple_faults_on "$h" 2>/dev/null) || n=0
    total=$((total + n))
  done
  echo "$total"
}

# One step's row: in the scenario's table, and in the run's across scenarios (run-scenario.sh).
e2e_record_row() { # NAME SECONDS RESULT
  e2e_summary+=("$(printf '%-52s %7s s  %s' "$1" "$2" "$3")")
  [ -z "${E2E_SUMMARY:-}" ] ||
    printf '%s\t%s\t%s\t%s\n' "${E2E_SCENARIO:-?}" "$1" "$3" "$2" >>"$E2E_SUMMARY"
}

e2e_open_step=""
e2e_record_open_step() { # a step that ended the scenario from inside (fail, a signal)
  [ -n "$e2e_open_step" ] || return 0
  e2e_record_row "$e2e_open_step" \
    "$(awk -v a="$e2e_open_t0" -v b="$(date +%s%N)" 'BEGIN {printf "%.1f", (b - a) / 1e9}')" FAILED
  e2e_open_step=""
}

# Kernel panics of the rig's DomU on both hosts since they booted. The DomU runs Debian's own
# kernel, unchanged, and nothing of the project writes its memory: under the emulator it has
# died with a lost GS base or entry stack (CR2 in cpu_entry_area) while booting and after moves.
e2e_domu_panics() {
  local h n total=0
  for h in host1 host2; do
    n=$(on "$h" 'cat /var/log/xen/console/guest-rig-domu.log 2>/dev/null | grep -ac "Kernel panic"' 30 2>/dev/null) || n=0
    total=$((total + ${n:-0}))
  done
  echo "$total"
}
e2e_panics_handled=0

finish() {
  local rc=$1 faults panics
  trap - INT TERM
  [ "$rc" = 0 ] || e2e_record_open_step
  if [ "$rc" != 0 ] && "$rig" status >/dev/null 2>&1; then
    faults=$(e2e_triple_faults)
    panics=$(e2e_domu_panics)
    if [ "$panics" -gt "$e2e_panics_handled" ]; then
      echo "DomU's kernel panicked under the emulated CPU ($((panics - e2e_panics_handled)) time(s) beyond"
      echo "those retried; its console says 'Kernel panic'). Exit 75: run-scenario.sh runs the scenario once more."
      rc=75
    elif [ "$faults" -gt "$e2e_faults_handled" ]; then
      echo "The emulated CPU triple-faulted a guest ($((faults - e2e_faults_handled)) time(s) beyond" \
        "those retried; Xen logs 'dN Triple fault'): QEMU TCG's SVM emulation, which the rig's"
      echo "PVH DomU now and then hits while booting or resuming. Exit 75: run-scenario.sh runs the scenario once more."
      rc=75
    fi
  fi
  if declare -F on_finish >/dev/null; then on_finish "$rc"; fi
  echo
  echo "--- step wall times"
  printf '%s\n' "${e2e_summary[@]}"
  if [ "$rc" != 0 ]; then
    "$rig" logs "$RIG_RUN/logs" || true
    echo "logs of both hosts kept in $RIG_RUN/logs"
  fi
  if [ "$keep" = 0 ]; then "$rig" down || true; fi
  [ "$rc" = 0 ] && echo "PASS" || echo "FAIL"
  exit "$rc"
}

# The first step of every scenario: both hosts as saved right after their boot, or, when
# run-scenario.sh says so (E2E_FRESH empty), as the previous scenario of its group left them;
# with the project binaries of $build_dir.
e2e_hosts_up() {
  local fresh=--fresh
  if [ -n "${E2E_FRESH-1}" ]; then
    echo "resuming both hosts from their saved state"
  else
    echo "going on with the hosts the previous scenario of this group left"
    fresh=""
  fi
  "$rig" up $fresh ${build_dir:+--build-dir "$build_dir"}
}

# --- Commands on the hosts -------------------------------------------------------------------
on() { "$rig" sh --timeout "${3:-120}" "$1" "$2"; }
# No keepalive (-k 0): an emulated dom0 starved of CPU by the machine around it can leave
# libvirtd silent for longer than virsh's 30 s, which would drop the connection mid-command.
virsh_on() { local h=$1; shift; "$rig" exec --timeout 600 "$h" -- virsh -k 0 -c xen:///system "$@"; }
ip_of() { [ "$1" = host1 ] && echo 169.254.0.1 || echo 169.254.0.2; }
# Whether HOST's Xen can move a PV guest live: log-dirty tracking of a PV guest needs shadow
# paging, which Debian's 4.17.7 build leaves out (then `virt_caps` lacks "shadow").
e2e_pv_moves_live() { on "$1" 'xl info | grep "^virt_caps" | grep -qw shadow'; }

# What a failed move leaves behind, from both hosts: libvirt's and Xen's view of GUEST, the
# hypervisor's last words about it, its console and libxl's log of it.
e2e_move_diagnostics() { # GUEST HOST...
  local guest=$1 h
  shift
  for h in "$@"; do
    echo "--- $h: state of $guest" >&2
    on "$h" "virsh -c xen:///system domstate --reason $guest 2>&1; xl list 2>&1
      xl dmesg | tail -n 8; tail -n 4 /var/log/xen/console/guest-$guest.log 2>/dev/null
      tail -n 12 /var/log/libvirt/libxl/$guest.log 2>/dev/null" 60 >&2 || true
  done
}

# Moves GUEST from host FROM to host TO with `virsh migrate --p2p [--live]` and checks it runs
# there and is gone from FROM. Under TCG a guest now and then misses the suspend request of a
# migration (libxl: "save callback suspend() failed"); libvirt then keeps it running on the
# source, and that one case is retried once, and said so. Anything else fails with what both
# hosts say about the guest.
e2e_migrate() { # GUEST FROM TO [--live]
  local guest=$1 from=$2 to=$3 live=${4:-} i
  local uri="xen+tcp://$(ip_of "$to")/system" muri="tcp://$(ip_of "$to")"
  if ! virsh_on "$from" migrate $live --p2p --verbose "$guest" "$uri" --migrateuri "$muri"; then
    if [ "$(virsh_on "$from" domstate "$guest" 2>/dev/null | head -1)" != running ]; then
      echo "$guest: migration to $to failed and $guest does not run on $from" >&2
      e2e_move_diagnostics "$guest" "$from" "$to"
      return 1
    fi
    echo "$guest: migration to $to failed and $guest still runs on $from; retrying once"
    e2e_move_diagnostics "$guest" "$from" 2>&1
    sleep 10
    virsh_on "$from" migrate $live --p2p --verbose "$guest" "$uri" --migrateuri "$muri" ||
      { e2e_move_diagnostics "$guest" "$from" "$to"; return 1; }
  fi
  for i in 1 2 3 4 5; do
    [ "$(virsh_on "$to" domstate "$guest" 2>/dev/null | head -1)" = running ] && break
    [ "$i" = 5 ] && {
      echo "$guest does not run on $to after its migration" >&2
      e2e_move_diagnostics "$guest" "$to" "$from"
      return 1
    }
    sleep 2
  done
  # A transient guest must be gone from the source; a persistent one stays defined, shut off.
  case "$(virsh_on "$from" domstate "$guest" 2>/dev/null | head -1)" in
    "") ;;
    "shut off")
      virsh_on "$from" dominfo "$guest" | grep -q '^Persistent: *yes' ||
        { echo "$guest is still on $from after its migration" >&2; return 1; } ;;
    *) echo "$guest still runs on $from after its migration" >&2; return 1 ;;
  esac
}

# Starts the rig's DomU on HOST with `virsh ARGS` (or `--xl CFG`: `xl create CFG`, for a DomU
# libvirt does not manage) and waits for its first console tick. Under QEMU's emulated SVM a PVH
# DomU now and then triple-faults while booting (Xen logs "d<N>v0 Triple fault", the domain is
# gone before its first console line), or its kernel dies with an oops before its first tick;
# those cases are retried, at most twice, and said so. Any other failure fails.
e2e_start_domu() {
  local host=$1 attempt faults_before from
  local oops='Kernel panic|BUG: unable to handle|general protection fault'
  shift
  for attempt in 1 2 3; do
    faults_before=$(e2e_triple_faults_on "$host")
    from=$(on "$host" 'cat /var/log/xen/console/guest-rig-domu.log 2>/dev/null | wc -l')
    if [ "$1" = --xl ]; then
      on "$host" "xl create $2" || return 1
    else
      virsh_on "$host" "$@" || return 1
    fi
    on "$host" "for i in \$(seq 1 90); do
        tail -n +$((from + 1)) /var/log/xen/console/guest-rig-domu.log 2>/dev/null |
          grep -aq 'virdomm-domu: tick' && exit 0
        xl domid rig-domu >/dev/null 2>&1 || exit 1
        sleep 1
      done; exit 1" 150 && return 0
    if [ "$(e2e_triple_faults_on "$host")" -gt "$faults_before" ]; then
      echo "DomU triple-faulted while booting on $host (emulated SVM, attempt $attempt); again"
      e2e_faults_handled=$((e2e_faults_handled + 1))
      on "$host" 'virsh -c xen:///system destroy rig-domu || xl destroy rig-domu; true' >/dev/null 2>&1
      continue
    fi
    # The same kernel and initramfs boot every other time: a DomU kernel that died with an oops
    # before its first tick lost CPU state under the emulator (seen with single-threaded TCG:
    # recursive page faults on a GS-relative read).
    if on "$host" "tail -n +$((from + 1)) /var/log/xen/console/guest-rig-domu.log 2>/dev/null |
        grep -aE '$oops' | head -3 | grep ."; then
      echo "DomU's kernel died while booting on $host (emulated CPU, attempt $attempt); again"
      e2e_panics_handled=$((e2e_panics_handled + 1))
      on "$host" 'virsh -c xen:///system destroy rig-domu || xl destroy rig-domu; true' >/dev/null 2>&1
      continue
    fi
    echo "DomU did not come up on $host" >&2
    on "$host" 'tail -n 5 /var/log/xen/console/guest-rig-domu.log' >&2
    return 1
  done
  return 1
}
