# Steps and helpers shared by the pair's end-to-end scenarios (pair-moves.sh, scenarios/pair-*.sh)
# and its benchmark (tests/bench/pair/run-bench.sh). Sourced after rig/lib/common.sh and
# rig/lib/e2e-steps.sh; needs $repo, $rig and $build_dir. Builds the project's patched stack
# when sourced.
# shellcheck shell=bash
# Domain M's check interval.
interval_ms=${interval_ms:-2000}
console=/var/log/xen/console

# --- The project's stack ---------------------------------------------------------------------
# Domain M's xen-privcmd (linux-patches/) for the kernel of the stack's images, which the guests
# run too; the dom0s keep Debian's own Xen packages.
guest_abi=$(cat "$(rig_image_dir)/boot/kernel-version") || fail "no kernel version in the rig's images"
lin=$("$repo/linux-patches/build.sh" --abi "$guest_abi") || fail "linux-patches/build.sh --abi $guest_abi"
export VIRDOMM_RIG_DOMM_PRIVCMD
VIRDOMM_RIG_DOMM_PRIVCMD=$(sed -n 's/^MODULE=//p' <<<"$lin")
[ -f "$VIRDOMM_RIG_DOMM_PRIVCMD" ] || fail "linux-patches/build.sh gave no module"

# The hook where libvirtd looks for it (its network plugin where the hook looks for that, and the
# modules-load.d file of the mirror's kernel modules, as the package installs them),
# then a reload so libvirtd notices it. The host's Xen packages stay Debian's: the step checks
# that its libxenguest is the one dpkg installed.
install_stack() {
  local h=$1
  "$rig" put "$h" "$repo/libvirt-hooks/virdomm-hook-reload" /usr/local/sbin/virdomm-hook-reload &&
    "$rig" put "$h" "$repo/libvirt-hooks/virdomm-modules.conf" /usr/lib/modules-load.d/virdomm.conf &&
    on "$h" 'lib=$(readlink -f "$(ls /usr/lib/x86_64-linux-gnu/libxenguest.so.4.* | head -1)") &&
      pkg=$(dpkg -S "$lib" | cut -d: -f1) && changed=$(dpkg --verify "$pkg") &&
      { [ -z "$changed" ] || { echo "$pkg is not as Debian installed it: $changed" >&2; exit 1; }; } &&
      echo "libxenguest: $lib of $pkg $(dpkg-query -W -f="\${Version}" "$pkg"), as Debian installed it" &&
      install -D -m 755 /usr/local/bin/virdomm-hook /etc/libvirt/hooks/libxl.d/virdomm &&
      plugin=$(grep -ao "/[[:alnum:]/._-]*/virdomm-hook-network.so" /usr/local/bin/virdomm-hook | head -1) &&
      install -D -m 755 /usr/local/bin/virdomm-hook-network.so "$plugin" &&
      virdomm-hook-reload && sleep 2 && virsh -c xen:///system version >/dev/null'
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
# baseline_taken HOST FROM PREFIX SECONDS: M's first line PREFIX... after line FROM reports a
# baseline taken, not "PREFIX FAILED: why".
baseline_taken() {
  local line
  line=$(wait_line "$1" rig-domm "$2" "$3" "$4") || return 1
  echo "$line" | cut -c1-300
  if grep -q "$3FAILED" <<<"$line"; then
    echo "M could not take the baseline on $1" >&2
    return 1
  fi
}
# checks_after HOST FROM: M's complete check reports after line FROM (not its lines about the
# binding: "checks paused" / "checks resumed"). A report is complete when its JSON object is
# closed: the console log is read while M may be half-way through writing a line.
complete_checks="grep -aE 'virdomm-domm: check \\{.*\\}[[:space:]]*\$' | grep -av '\"binding\":'"
checks_after() { on "$1" "tail -n +$(($2 + 1)) $console/guest-rig-domm.log | $complete_checks"; }

# Waits for N clean checks of M on HOST after line FROM and fails on any check that is not clean
# (a false alert) among them.
clean_checks() {
  local host=$1 from=$2 n=$3
  wait_line "$host" rig-domm "$from" "virdomm-domm: check .*" 300 >/dev/null || return 1
  on "$host" "for i in \$(seq 1 $((n * interval_ms / 1000 * 3 + 60))); do
      c=\$(tail -n +$((from + 1)) $console/guest-rig-domm.log | $complete_checks | grep -c .)
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
  # The report names the DomU M checks as it runs here (a move gives it a new domid).
  local u named
  u=$(on "$host" 'xl domid rig-domu') || return 1
  named=$(tail -n 1 <<<"$checks" | grep -o '"memory":"[^"]*"')
  grep -Eq "^\"memory\":\"Xen domain $u( |\")" <<<"$named" ||
    { echo "M's last check on $host reports $named, but DomU is domain $u there" >&2; return 1; }
  echo "$count clean checks of M on $host, of Xen domain $u"
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
# A kprobe set in DomU is reported by M's next check, with at most one clean check between
# (the one that may have been reading as the kprobe went in): M reads the live DomU, not a copy
# left over from before a move.
kprobe_caught_by_next_check() {
  local host=$1 from_u from_set between
  from_u=$(lines_of "$host" rig-domu)
  send_domu "$host" virdomm-kprobe || return 1
  wait_line "$host" rig-domu "$from_u" 'virdomm-domu: kprobe set' 60 || return 1
  from_set=$(lines_of "$host" rig-domm)
  wait_line "$host" rig-domm "$from_set" '"kind":"kprobe"' 60 | cut -c1-300 || return 1
  between=$(checks_after "$host" "$from_set" | sed '/"kind":"kprobe"/q' | grep -c '"severity":"none"')
  echo "clean checks between the kprobe and M's report: $between"
  [ "$between" -le 1 ] ||
    { echo "M checked DomU clean $between times after the kprobe was set: not the live DomU" >&2; return 1; }
}
# Once DomU says the kprobe is out, M's checks must turn clean and stay clean. The consoles of
# DomU and M reach the host's logs each at its own pace, so a check M made before the removal
# can appear after DomU's line: M's checks are judged from its first clean one on.
kprobe_removed() {
  local host=$1 from_u from_m first
  from_u=$(lines_of "$host" rig-domu)
  send_domu "$host" virdomm-kprobe-off || return 1
  wait_line "$host" rig-domu "$from_u" 'virdomm-domu: kprobe removed' 60 || return 1
  from_m=$(lines_of "$host" rig-domm)
  wait_line "$host" rig-domm "$from_m" 'virdomm-domm: check .*"severity":"none"' 120 >/dev/null || return 1
  first=$(on "$host" "tail -n +$((from_m + 1)) $console/guest-rig-domm.log |
    grep -an 'virdomm-domm: check .*\"severity\":\"none\"' | head -1 | cut -d: -f1") || return 1
  [ "$first" -gt 1 ] && echo "$((first - 1)) console line(s) of M before its first clean check"
  clean_checks "$host" "$((from_m + first - 1))" 2
}
send_domu() {
  on "$1" "u=\$(xl domid rig-domu) && tty=\$(xenstore-read /local/domain/\$u/console/tty) &&
    printf '%s\n' '$2' >\"\$tty\""
}

# The hook's view on HOST: M bound to the DomU running there.
bound_on() {
  on "$1" 'm=$(xl domid rig-domm) && u=$(xl domid rig-domu) || exit 1
    state=$(xenstore-read /local/domain/$m/virdomm/state) target=$(xenstore-read /local/domain/$m/virdomm/target-domid)
    gen=$(xenstore-read /local/domain/$m/virdomm/generation)
    echo "M=$m U=$u state=$state target-domid=$target generation=$gen"
    [ "$state" = bound ] && [ "$target" = "$u" ]'
}

# started-hook run times logged on HOST since the test began, with where the time went.
hook_times() { on "$1" "grep -ao 'started begin of [^ ]* ([^)]*) took .*' /var/log/messages 2>/dev/null | sed -E 's/ \\([0-9a-f-]{36}\\)//'"; }

# DomU (PVH, HAP log-dirty) always moves live. Domain M (PV) needs shadow paging for the
# log-dirty tracking of a live move: on a Xen built without it (Debian's 4.17.7) M moves
# non-live, so its save stream has only the final round, sent while M is suspended.
pv_live=""
pv_live_known=0
migrate() { # NAME FROM TO
  if [ "$1" = rig-domu ]; then
    e2e_migrate "$1" "$2" "$3" --live
    return
  fi
  if [ "$pv_live_known" = 0 ]; then
    e2e_pv_moves_live "$2" && pv_live=--live
    pv_live_known=1
  fi
  e2e_migrate "$1" "$2" "$3" $pv_live
}

gaps=()
# Monitoring gap after a move: from the moment DomU runs on HOST (the command that moved it
# returned, at T0 in ns) until the runner sees M's next check there. An upper bound: the runner
# polls the console log about once a second.
# Also sets `mark`, the console line from which M's checks must be clean: the line before the
# move, so that every check M makes on HOST counts, the first after DomU resumed included (no
# false alert), and shows what M printed during the move (pauses, and what was held back).
mark=0
measure_gap() {
  local host=$1 t0=$2 from=$3 what=$4
  wait_line "$host" rig-domm "$from" '"severity":"none"' 300 >/dev/null || return 1
  local t1 upto
  t1=$(date +%s%N)
  gaps+=("$(awk -v a="$t0" -v b="$t1" -v w="$what" 'BEGIN {printf "%-44s %5.1f s", w, (b - a) / 1e9}')")
  mark=$from
  upto=$(lines_of "$host" rig-domm)
  echo "M on $host during the move:"
  on "$host" "tail -n +$((from + 1)) $console/guest-rig-domm.log | head -n $((upto - from)) |
    grep -a -e binding -e 'virdomm-domm: check' | sed -E 's/\"baseline_sha256\":\"[0-9a-f]*\",//; s/(.{220}).*/\1 .../'"
}

# Every check M made on HOST after line FROM is clean: M's view of DomU on the source while
# DomU froze its tasks and suspended for the move.
no_alert_since() { # HOST FROM
  local bad
  bad=$(checks_after "$1" "$2" | grep -v '"severity":"none"')
  [ -z "$bad" ] || { echo "alert from M on $1 during the move:" >&2; echo "$bad" | cut -c1-600 >&2; return 1; }
}

# Defines DomU and Domain M on host1 from a clean slate (a kept rig may still hold the pair of
# an earlier run). Domain M gets DomU's disk read-only as xvdb (the rig's read-only NFS view of
# the image). Monitored (default): M watches DomU's kernel and checks that disk, and `virdomm
# pair` writes the pairing. With --unmonitored: the same two domains, same sizes and devices,
# no pairing and no monitor.
domm_disk="<disk type='file' device='disk'><driver name='phy' type='raw'/>\
<source file='/var/lib/virdomm/shared-ro/domu/root.img'/><target dev='xvdb' bus='xen'/>\
<readonly/></disk>"
on_reboot=${on_reboot:-destroy}
# With network=1 DomU gets a NIC on the bridge virdomm-br0, whose dom0 end 169.254.77.1 is the
# peer DomU sends to, and Domain M a NIC on the empty bridge virdomm-mir0 (no uplink, nothing else
# on it) with the MAC the pairing names: the mirror NIC, where M runs its IDS beside the memory
# and storage checks. Both bridges are made on both hosts, as an admin makes them once.
network=${network:-0}
mirror_mac=00:16:3e:4d:00:01
domu_mac=00:16:3e:55:00:01
domm_nic="<interface type='bridge'><source bridge='virdomm-mir0'/><mac address='$mirror_mac'/></interface>"
domu_nic="<interface type='bridge'><source bridge='virdomm-br0'/><mac address='$domu_mac'/></interface>"
network_bridges() { # HOST
  # The vif back end and the mirror's modules: an installed dom0 loads them at boot (Xen's and
  # virdomm's modules-load.d); the rig's dom0s load only what every scenario needs.
  on "$1" 'set -e
    modprobe -a xen-netback $(grep -v "^#" /usr/lib/modules-load.d/virdomm.conf)
    if ! ip link show virdomm-br0 >/dev/null 2>&1; then
      ip link add virdomm-br0 type bridge
      ip addr add 169.254.77.1/24 dev virdomm-br0
      ip link set virdomm-br0 up
    fi
    if ! ip link show virdomm-mir0 >/dev/null 2>&1; then
      ip link add virdomm-mir0 type bridge
      ip link set virdomm-mir0 up
    fi
    # The peer'"'"'s web server, for the HTTP marker (it answers 404: the request is what counts).
    if [ -z "$(ss -Hltn "sport = :80")" ]; then
      mkdir -p /var/lib/virdomm/www && busybox httpd -p 169.254.77.1:80 -h /var/lib/virdomm/www
    fi'
}
define_pair() {
  local h monitors=memory,storage m_devices=$domm_disk u_devices="" pair_network=() m_mib=384
  if [ "$network" = 1 ]; then
    # M's whole system is in its RAM: with Suricata (about 27 MiB resident, 40 MiB of files)
    # beside the memory baseline of Linux 6.12 (180 MiB at its peak), 384 MiB ran out.
    m_mib=512 monitors+=,network m_devices+=$domm_nic u_devices=$domu_nic
    pair_network=(--mirror-mac "$mirror_mac")
    network_bridges host1 && network_bridges host2 || return 1
  fi
  local monitor="virdomm.monitor=$monitors virdomm.interval=$interval_ms"
  [ "${1:-}" = --unmonitored ] && monitor=""
  for h in host1 host2; do
    on "$h" 'for d in rig-domm rig-domu; do
        virsh -c xen:///system destroy $d; virsh -c xen:///system undefine $d; done >/dev/null 2>&1
      true'
  done
  # With on_reboot=restart a reboot of either member makes libvirt start it again as a new
  # domain, as on a server; by default the rig's guests are destroyed instead, so that a TCG
  # triple fault of a guest (which Xen turns into a reboot) ends it and the runner sees it.
  on host1 "sed -e 's|<memory unit=.MiB.>[0-9]*</memory>|<memory unit=\"MiB\">$m_mib</memory>|' \
      -e 's|rdinit=/init|rdinit=/init $monitor|' -e \"s|</devices>|$m_devices</devices>|\" \
      -e 's|<on_reboot>destroy</on_reboot>|<on_reboot>$on_reboot</on_reboot>|' \
      /mnt/rig/domains/domm.xml >/var/lib/virdomm/domm-pair.xml &&
    sed -e 's|<on_reboot>destroy</on_reboot>|<on_reboot>$on_reboot</on_reboot>|' \
      -e \"s|</devices>|$u_devices</devices>|\" \
      /mnt/rig/domains/domu.xml >/var/lib/virdomm/domu-pair.xml &&
    virsh -c xen:///system define /var/lib/virdomm/domm-pair.xml &&
    virsh -c xen:///system define /var/lib/virdomm/domu-pair.xml" || return 1
  [ -n "$monitor" ] || return 0
  on host1 "virdomm -c xen:///system pair --monitor rig-domm --target rig-domu \
      --interval $interval_ms --storage /dev/xvdb ${pair_network[*]} &&
    virdomm -c xen:///system check"
}

# Storage: DomU writes /etc/NAME (console command), and M on HOST reports it; every storage
# check from then on must name exactly the paths in `dropped` (no false alert).
dropped=()
storage_checks_name() { # HOST FROM COUNT: COUNT storage checks after line FROM name only $dropped
  local host=$1 from=$2 n=$3 want got lines
  want=$(printf '%s\n' "${dropped[@]}" | sed '/^$/d' | sort -u | tr '\n' ' ')
  wait_line "$host" rig-domm "$from" 'virdomm-domm: storage \{' 300 >/dev/null || return 1
  on "$host" "for i in \$(seq 1 120); do
      [ \$(tail -n +$((from + 1)) $console/guest-rig-domm.log | grep -ac 'virdomm-domm: storage {') -ge $n ] && exit 0
      sleep 1; done; exit 1" 200 || { echo "fewer than $n storage checks on $host" >&2; return 1; }
  lines=$(on "$host" "tail -n +$((from + 1)) $console/guest-rig-domm.log | grep -a 'virdomm-domm: storage {' | head -n $n")
  echo "$lines" | tail -n 1 | cut -c1-300
  while read -r line; do
    got=$(grep -o '"path":"[^"]*"' <<<"$line" | cut -d'"' -f4 | sort -u | tr '\n' ' ')
    [ "$got" = "$want" ] || { echo "storage check on $host names '$got', expected '$want'" >&2; return 1; }
  done <<<"$lines"
  echo "$n storage checks on $host name exactly: ${want:-nothing}"
}
# DomU's write is synced into ext4's journal, not checkpointed: M sees it by replaying the
# journal. Prints the time from the write being on disk to M's first report naming the file.
file_dropped_caught() { # HOST NAME
  local host=$1 name=$2 from_u from_m t_written report
  from_u=$(lines_of "$host" rig-domu) from_m=$(lines_of "$host" rig-domm)
  send_domu "$host" "virdomm-drop $name" || return 1
  wait_line "$host" rig-domu "$from_u" "virdomm-domu: file /etc/$name written" 60 || return 1
  t_written=$(date +%s%N)
  dropped+=("/etc/$name" /etc) # the new file, and /etc whose entries and times changed
  # The check running while DomU wrote may or may not have seen the file: judge the next ones.
  from_m=$(($(lines_of "$host" rig-domm)))
  report=$(wait_line "$host" rig-domm "$from_m" "virdomm-domm: storage .*\"/etc/$name\"" 120) ||
    return 1
  echo "$report" | cut -c1-300
  awk -v a="$t_written" -v b="$(date +%s%N)" -v n="$name" \
    -v j="$(grep -o '"journal":{[^}]*}' <<<"$report" || echo 'no journal replayed')" \
    'BEGIN {printf "write of /etc/%s to M'"'"'s report: %.1f s (%s)\n", n, (b - a) / 1e9, j}'
  storage_checks_name "$host" "$(lines_of "$host" rig-domm)" 2
}

# --- Network: the copy of DomU's traffic and M's IDS (network=1) ----------------------------
# The copy on HOST: DomU's vif has both the ingress and the egress filter, each mirroring to
# Domain M's vif (as tc lists them). The hook makes the copy right after it publishes the
# binding, so it is given a few seconds.
mirror_on() { # HOST
  on "$1" 'u=$(xl domid rig-domu) && m=$(xl domid rig-domm) || exit 1
    for i in $(seq 1 20); do
      missing=""
      for dir in ingress egress; do
        tc filter show dev "vif$u.0" "$dir" | grep -q "Egress Mirror to device vif$m.0" ||
          missing="$missing $dir"
      done
      [ -z "$missing" ] && { echo "vif$u.0 ingress and egress mirrored to vif$m.0"; exit 0; }
      sleep 0.5
    done
    echo "no mirror of vif$u.0 to vif$m.0 for:$missing" >&2
    tc filter show dev "vif$u.0" ingress >&2; grep -a "virdomm-hook.*mirror" /var/log/messages | tail -n 3 >&2
    exit 1'
}
# Nothing of the pair on HOST after it left: no vif, no clsact qdisc on any device.
no_mirror_left() { # HOST
  on "$1" 'vifs=$(ip -o link show | grep -o "vif[0-9]*\.[0-9]*" | sort -u)
    [ -z "$vifs" ] || { echo "vifs left on $(hostname): $vifs" >&2; exit 1; }
    q=$(tc qdisc show | grep clsact)
    [ -z "$q" ] || { echo "clsact qdiscs left: $q" >&2; exit 1; }
    echo "no vif and no clsact qdisc left on $(hostname)"'
}
mirror_followed() { mirror_on "$1" && no_mirror_left "$2"; } # TO FROM
ids_running() { # HOST FROM
  wait_line "$1" rig-domm "$2" 'virdomm-domm: network \{.*"event":"suricata-running"' 300 | cut -c1-240
}
# DomU runs the console COMMAND, says SENT on its console, and M's watch reports Suricata's
# alert whose line matches MARKER.
marker_caught() { # HOST COMMAND SENT MARKER
  local from_u from_m
  from_u=$(lines_of "$1" rig-domu) from_m=$(lines_of "$1" rig-domm)
  send_domu "$1" "$2" || return 1
  wait_line "$1" rig-domu "$from_u" "$3" 60 >/dev/null || return 1
  wait_line "$1" rig-domm "$from_m" "virdomm-domm: network \\{.*\"event\":\"alert\".*$4" 120 | cut -c1-300
}
# One DNS query for the marker name (no answer needed: the query matches the rule).
dns_marker_caught() { # HOST
  marker_caught "$1" virdomm-dns 'virdomm-domu: dns query for virdomm-marker.test sent' 'virdomm-marker\.test'
}
# A request for the marker URI to the peer's web server.
http_marker_caught() { # HOST
  marker_caught "$1" virdomm-http 'virdomm-domu: http request for /virdomm-marker-http sent' 'virdomm-marker-http'
}
# --- Alerts: Domain M -> dom0 ----------------------------------------------------------------
# dom0's end of the alert channel, `virdomm collect-alerts` (the virdomm-alerts service of an
# installed host), run detached on HOST with its own output in a file.
alert_log=/var/log/virdomm/alerts.jsonl
collector_start() { # HOST
  on "$1" "mkdir -p /var/log/virdomm && { setsid virdomm collect-alerts --log $alert_log \
      </dev/null >>/var/log/virdomm/collector.out 2>&1 & echo \$! >/run/virdomm-collector.pid; } &&
    sleep 1 && pid=\$(cat /run/virdomm-collector.pid) && kill -0 \$pid &&
    echo \"collector on $1: pid \$pid, log $alert_log\""
}
collector_stop() { # HOST
  on "$1" 'pid=$(cat /run/virdomm-collector.pid) && kill "$pid" || exit 1
    for i in $(seq 1 20); do
      kill -0 "$pid" 2>/dev/null || { rm -f /run/virdomm-collector.pid; echo "collector on $(hostname) stopped"; exit 0; }
      sleep 0.5
    done; exit 1'
}
start_collectors() { collector_start host1 && collector_start host2; }
# alert_delivered HOST MONITOR REGEX [SECONDS]: an alert of MONITOR (memory, storage) whose log
# line matches REGEX reaches HOST's alert log, naming DomU and Domain M by name and UUID as
# libvirt knows them, and `virdomm alerts rig-domu` prints it. Sets `alert_id` (spool:seq).
alert_id=""
alert_delivered() {
  local host=$1 monitor=$2 regex=$3 seconds=${4:-90} line u m
  line=$(on "$host" "for i in \$(seq 1 $seconds); do
      grep -a '\"monitor\":\"$monitor\"' $alert_log 2>/dev/null | grep -aE '$regex' | tail -1 | grep . && exit 0
      sleep 1
    done
    echo 'no $monitor alert matching $regex in $alert_log on $host within $seconds s; the collector said:' >&2
    tail -n 3 /var/log/virdomm/collector.out >&2; exit 1" $((seconds + 30))) || return 1
  u=$(virsh_on "$host" domuuid rig-domu | head -1) m=$(virsh_on "$host" domuuid rig-domm | head -1)
  grep -q "\"domu\":{\"name\":\"rig-domu\",\"uuid\":\"$u\"" <<<"$line" &&
    grep -q "\"domm\":{\"name\":\"rig-domm\",\"uuid\":\"$m\"" <<<"$line" ||
    { echo "the alert does not name the pair as libvirt does (DomU $u, M $m): $line" >&2; return 1; }
  alert_id=$(grep -o '"id":"[^"]*"' <<<"$line" | cut -d'"' -f4)
  echo "$line" | cut -c1-300
  on "$host" "virdomm alerts rig-domu --log $alert_log | grep -aE '$monitor: ' | tail -n 1" | cut -c1-200
}
# After a restart of HOST's collector, the alert raised while it was stopped is in the log
# exactly once, and the log holds each spool's alerts once and in order.
alert_delivered_once_in_order() { # HOST MONITOR REGEX
  alert_delivered "$@" || return 1
  on "$1" "n=\$(grep -ac '\"id\":\"$alert_id\"' $alert_log) && [ \"\$n\" = 1 ] ||
      { echo \"alert $alert_id is in the log \$n times\" >&2; exit 1; }
    grep -ao '\"spool\":\"[0-9a-f]*\",\"seq\":[0-9]*' $alert_log | tr -d '\"' | tr ',:' '  ' |
      awk '{ if (\$2 in last && \$4 <= last[\$2]) { print \"seq \" \$4 \" after \" last[\$2] \" in spool \" \$2; bad = 1 }
             last[\$2] = \$4; n++ } END { if (!bad) print n \" alerts in the log, each spool in order\"; exit bad }'"
}
# `virdomm show` on HOST gives the pair's live state: bound to the DomU running there, each
# monitor's last check as Domain M published it, and the pair's last alert from the log.
live_state_shown() { # HOST LAST_ALERT_MONITOR
  local out u
  u=$(on "$1" 'xl domid rig-domu') || return 1
  out=$(on "$1" 'virdomm -c xen:///system show rig-domu; echo "exit $?"') || return 1
  sed -n '/live (Domain M/,$p' <<<"$out"
  grep -q "binding:    bound, target domain $u," <<<"$out" ||
    { echo "show does not say the pair is bound to domain $u" >&2; return 1; }
  grep -Eq "memory: +(clean|warning|critical) at 20" <<<"$out" &&
    grep -Eq "storage: +(clean|warning|critical) at 20" <<<"$out" ||
    { echo "show lacks a monitor's last check" >&2; return 1; }
  grep -Eq "last alert: 20[^ ]* [a-z]+ $2: " <<<"$out" ||
    { echo "show's last alert is not the $2 alert" >&2; return 1; }
}
collector_restarted_delivers() { # HOST MONITOR REGEX
  collector_start "$1" && alert_delivered_once_in_order "$@"
}

# Starts DomU, then Domain M, on host1; `mark_m` is M's console line count before.
mark_m=0
start_pair() {
  mark_m=$(lines_of host1 rig-domm)
  e2e_start_domu host1 start rig-domu && virsh_on host1 start rig-domm
}

# Moves the pair FROM -> TO, DomU first (then M) or M first (then DomU). With monitoring, also
# measures the gap on TO (see measure_gap). Sets `pair_move_s`: wall seconds of both moves.
pair_move_s=0
move_pair() { # domu-first|m-first FROM TO monitored|unmonitored
  local order=$1 from=$2 to=$3 monitored=$4 t_start t0 lines src_lines first second
  lines=$(lines_of "$to" rig-domm) src_lines=$(lines_of "$from" rig-domm)
  if [ "$order" = domu-first ]; then first=rig-domu second=rig-domm; else first=rig-domm second=rig-domu; fi
  t_start=$(date +%s%N)
  migrate "$first" "$from" "$to" || return 1
  [ "$first" = rig-domu ] && t0=$(date +%s%N)
  migrate "$second" "$from" "$to" || return 1
  [ "$second" = rig-domu ] && t0=$(date +%s%N)
  pair_move_s=$(awk -v a="$t_start" -v b="$(date +%s%N)" 'BEGIN {printf "%.1f", (b - a) / 1e9}')
  echo "pair moved $from -> $to ($order) in $pair_move_s s"
  [ "$monitored" = monitored ] || return 0
  no_alert_since "$from" "$src_lines" && measure_gap "$to" "$t0" "$lines" "$from->$to, ${order/-/ }" &&
    blind_window "$from" "$src_lines" "$to" "$lines" "$from->$to, ${order/-/ }"
}

# The same move through `virdomm migrate` on FROM, which moves both members itself in ORDER
# (domu-first | monitor-first) and prints each member's time and DomU's time without M beside it.
move_pair_virdomm() { # ORDER FROM TO [interrupted]
  local order=$1 from=$2 to=$3 interrupt=${4:-} t0 lines src_lines out live="" run
  lines=$(lines_of "$to" rig-domm) src_lines=$(lines_of "$from" rig-domm)
  if [ "$pv_live_known" = 0 ]; then
    e2e_pv_moves_live "$from" && pv_live=--live
    pv_live_known=1
  fi
  [ -n "$pv_live" ] && live=--live-monitor
  run="virdomm -c xen:///system migrate rig-domu xen+tcp://$(ip_of "$to")/system --migrateuri tcp://$(ip_of "$to") --order $order $live"
  # interrupted: the admin's SIGTERM 5 s into the first move (SIGINT would be ignored by a
  # background job of a non-interactive shell). libvirt's libxl driver has no job abort, so the
  # first move runs to its end and the command moves the second member too: the pair is never
  # left apart, and the command says so and exits 3.
  [ -z "$interrupt" ] || run="$run & p=\$!; sleep 5; kill -TERM \$p; wait \$p"
  out=$("$rig" sh --timeout 900 "$from" "$run" 2>&1)
  local rc=$?
  t0=$(date +%s%N)
  echo "$out" | grep -v '^virdomm migrate: rig-d[a-z]*: [0-9]* s'
  if [ -n "$interrupt" ]; then
    [ "$rc" = 3 ] || { echo "interrupted virdomm migrate exited $rc, not 3" >&2; e2e_move_diagnostics rig-domu "$from" "$to"; return 1; }
    grep -q "^virdomm migrate: interrupted (libvirt could not abort: .*); moving 'rig-d[a-z]*' too, so that the pair is not left apart" <<<"$out" &&
      grep -q "^virdomm migrate: interrupted; the pair was moved together first" <<<"$out" ||
      { echo "virdomm migrate did not say how it handled the interruption" >&2; return 1; }
  else
    [ "$rc" = 0 ] || { echo "virdomm migrate exited $rc" >&2; e2e_move_diagnostics rig-domu "$from" "$to"; return 1; }
  fi
  grep -q "^Pair moved in .* s; DomU ran without Domain M beside it for at most .* s" <<<"$out" ||
    { echo "virdomm migrate printed no blind window" >&2; return 1; }
  local g
  for g in rig-domu rig-domm; do
    [ "$(virsh_on "$to" domstate "$g" 2>/dev/null | head -1)" = running ] ||
      { echo "$g does not run on $to after virdomm migrate" >&2; return 1; }
  done
  no_alert_since "$from" "$src_lines" && measure_gap "$to" "$t0" "$lines" "$from->$to, virdomm migrate ${order/-/ }" &&
    blind_window "$from" "$src_lines" "$to" "$lines" "$from->$to, virdomm migrate ${order/-/ }"
}

# M's clean checks on HOST after line FROM, as the epoch seconds M stamped them with (M keeps
# its clock across moves: Xen's wallclock).
clean_check_times() { # HOST FROM
  checks_after "$1" "$2" | grep -a '"severity":"none"' | grep -ao '"time":"[^"]*"' | cut -d'"' -f4 |
    while read -r t; do date -d "$t" +%s; done
}
# The blind window of a move: from M's last clean check of DomU on the source to its first on
# the destination. DomU ran unwatched for all of it but its own downtime (paused while its
# last round was sent), so this is an upper bound of the time DomU executed unwatched.
blinds=()
blind_window() { # FROM FROM_LINE TO TO_LINE WHAT
  local last first
  last=$(clean_check_times "$1" "$2" | tail -1) first=$(clean_check_times "$3" "$4" | head -1)
  # A measurement, not an assertion: the steps around it check the monitoring itself.
  [ -n "$last" ] && [ -n "$first" ] || { echo "no clean check on $1 or $3 around the move to measure" >&2; return 0; }
  blinds+=("$(printf '%-44s %5d s' "$5" $((first - last)))")
  echo "blind window: $((first - last)) s (last clean check on $1, first on $3)"
}

# libvirtd restarted on HOST (guests keep running); waits until it answers again.
restart_libvirtd_on() { # HOST
  on "$1" 'pid=$(cat /run/libvirtd.pid) && kill "$pid" &&
    for i in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done &&
    libvirtd --listen --daemon && for i in $(seq 1 30); do
      virsh -c xen:///system version >/dev/null 2>&1 && exit 0; sleep 1; done; exit 1'
}
# Starts libvirtd on HOST again if it is gone, and says so. libvirt 9.0's libxl driver has
# segfaulted on the source of a p2p migration that the destination refused (`rpc-libvirtd:
# segfault at 0 ip 0`, once in several runs); the guests run on in Xen meanwhile and the hook's
# `reconnect` finds the pair bound, which is what the callers then check.
libvirtd_back_if_gone() { # HOST
  on "$1" 'pidof libvirtd >/dev/null' && return 0
  echo "WARNING: libvirtd on $1 is gone: $(on "$1" 'dmesg | grep -a "libvirtd.*segfault" | tail -1')"
  on "$1" 'libvirtd --listen --daemon && for i in $(seq 1 30); do
      virsh -c xen:///system version >/dev/null 2>&1 && exit 0; sleep 1; done; exit 1'
}
