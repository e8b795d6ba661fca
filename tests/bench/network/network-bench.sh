# stacks: debian12-stock debian13
# What the network monitor costs DomU, on the emulated Xen hosts. A benchmark, not a test: ctest
# runs none of it. Run with the e2e runner (hosts, stack, step table and logs as for a scenario):
#   tests/e2e/run-scenario.sh --stack debian12-stock --build-dir build tests/bench/network/network-bench.sh
# then `run-scenario.sh --stack debian12-stock --end` stops the hosts. BENCH_ROUNDS (3),
# BENCH_PINGS (50), BENCH_MIB (16), BENCH_MOVES (1; 0: the arms only).
# The pair runs as in pair-monitoring (network=1: DomU's NIC on virdomm-br0, M's mirror NIC). In
# one run, round by round, two arms alternate on the same bound pair on host1:
#   - mirrored: the hook's copy of DomU's vif (tc clsact + mirred) to M's vif, Suricata reading it;
#   - unmirrored: the copy removed (`tc qdisc del ... clsact`); Suricata idles, M stays.
# The copy is put back by the hook itself (`reconnect`, as after a libvirtd restart).
# Each arm: DomU pings its peer (dom0's end of the bridge) BENCH_PINGS times 0.2 s apart
# (latency: ping's average round trip), then sends BENCH_MIB MiB over TCP to a listener on dom0
# (throughput: first byte to end, timed by the receiver). Packets: DomU's vif counters (sent
# and received by DomU) against the packets the copy put on M's vif, netback's drops on M's vif,
# and the drops Suricata reported (its `drops` events). Then the pair moves host1 -> host2 DomU
# first and back M first while DomU pings 5 times a second; on the destination a poller records
# when DomU's vif first carried a packet from DomU and when the copy's mirred action first
# counted one (polled every 0.1 s or so): the time DomU's traffic went unseen there.
# Figures are printed at the end, ratios mirrored/unmirrored with each arm's median.
# shellcheck shell=bash
network=1
rounds=${BENCH_ROUNDS:-3}
moves=${BENCH_MOVES:-1} # 0: no moves, only the arms
send_mib=${BENCH_MIB:-16}
pings=${BENCH_PINGS:-50}
source "$repo/tests/e2e/pair/pair-steps.sh"

declare -A rtt=([mirrored]="" [unmirrored]="") mbps=([mirrored]="" [unmirrored]="")
packets=() first_seen=()
on_finish() {
  echo
  echo "--- DomU -> peer, per round (${pings} pings; ${send_mib} MiB over TCP)"
  local arm
  for arm in mirrored unmirrored; do
    printf '%-11s rtt avg ms: %-30s MB/s: %s\n' "$arm" "${rtt[$arm]}" "${mbps[$arm]}"
  done
  printf '%s\n%s\n%s\n%s\n' "${rtt[mirrored]}" "${rtt[unmirrored]}" "${mbps[mirrored]}" "${mbps[unmirrored]}" | awk '
    function median(s,   a, n, i, j, t) {
      n = split(s, a, " ")
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    { m[NR] = median($0) }
    END {
      if (m[1] > 0 && m[2] > 0) printf "latency: median %.3f ms mirrored, %.3f ms unmirrored: %.3fx (goal <= 1.05x)\n", m[1], m[2], m[1] / m[2]
      if (m[3] > 0 && m[4] > 0) printf "throughput: median %.2f MB/s mirrored, %.2f MB/s unmirrored: %.3fx (goal >= 0.95x)\n", m[3], m[4], m[3] / m[4]
    }'
  echo "--- packets of the mirrored arms"
  printf '%s\n' "${packets[@]}"
  echo "--- on the destination: DomU's first packet -> the copy's first packet for M"
  printf '%s\n' "${first_seen[@]}"
}

# The vif numbers of the pair on HOST: sets u and m (domids).
u="" m=""
pair_domids() { # HOST
  local ids
  ids=$(on "$1" 'echo "$(xl domid rig-domu) $(xl domid rig-domm)"') || return 1
  read -r u m <<<"$ids"
  [ -n "$u" ] && [ -n "$m" ]
}
# Counters on HOST: DomU's vif rx (from DomU) and tx (to DomU), M's vif tx (to M) and tx_dropped.
counters() { # HOST
  on "$1" "d=/sys/class/net; echo \$(cat \$d/vif$u.0/statistics/rx_packets \$d/vif$u.0/statistics/tx_packets \
    \$d/vif$m.0/statistics/tx_packets \$d/vif$m.0/statistics/tx_dropped)"
}
mirror_off() { # HOST
  on "$1" "tc qdisc del dev vif$u.0 clsact && ! tc filter show dev vif$u.0 ingress | grep -q Mirror &&
    echo 'copy of vif$u.0 removed'"
}
# The hook itself puts the copy back: its `reconnect` of DomU, as libvirtd runs it after a restart.
mirror_back() { # HOST
  on "$1" 'virsh -c xen:///system dumpxml rig-domu |
      /etc/libvirt/hooks/libxl.d/virdomm rig-domu reconnect begin - && echo "hook reconnect of rig-domu: exit 0"' &&
    mirror_on "$1"
}

# DomU pings the peer; prints the average round trip in ms (and fails on packet loss).
ping_rtt() { # HOST
  local from out
  from=$(lines_of "$1" rig-domu)
  send_domu "$1" "virdomm-ping $pings" || return 1
  out=$(wait_line "$1" rig-domu "$from" 'virdomm-domu: ping: round-trip' $((pings / 5 + 60))) || return 1
  on "$1" "tail -n +$((from + 1)) $console/guest-rig-domu.log | grep -a 'virdomm-domu: ping: [0-9]* packets'"
  echo "$out" | sed -E 's|.*= [0-9.]+/([0-9.]+)/.*|\1|'
}
# DomU sends send_mib MiB to a listener on HOST's dom0, which times first byte to end of stream;
# prints MB/s (10^6 bytes).
tcp_mbps() { # HOST
  on "$1" 'rm -f /tmp/bench-recv && cat >/tmp/bench-listen <<"EOF"
sleep 600 | timeout 600 busybox nc -l -p 5001 | {
  dd bs=1 count=1 of=/dev/null 2>/dev/null; t0=$(date +%s%N); n=$(wc -c); t1=$(date +%s%N)
  echo "$((n + 1)) $t0 $t1" >/tmp/bench-recv.part && mv /tmp/bench-recv.part /tmp/bench-recv; }
pkill -f "^sleep 600$"
EOF
    setsid sh /tmp/bench-listen </dev/null >/dev/null 2>&1 &
    for i in $(seq 1 50); do [ -n "$(ss -Hltn "sport = :5001")" ] && exit 0; sleep 0.2; done; exit 1' ||
    { echo "no listener on port 5001" >&2; return 1; }
  send_domu "$1" "virdomm-send $send_mib" || return 1
  on "$1" "for i in \$(seq 1 600); do [ -s /tmp/bench-recv ] && break; sleep 0.5; done
    read -r n t0 t1 </tmp/bench-recv || exit 1
    [ \"\$n\" = $((send_mib * 1048576)) ] || { echo \"received \$n bytes of $((send_mib * 1048576))\" >&2; exit 1; }
    awk -v n=\$n -v a=\$t0 -v b=\$t1 'BEGIN {printf \"%.2f\n\", n / ((b - a) / 1e3)}'" 320
}

# One arm on host1: latency, then throughput; for the mirrored arm also the packet counts.
measure_arm() { # mirrored|unmirrored
  local arm=$1 before after r t
  before=$(counters host1) || return 1
  r=$(ping_rtt host1) || return 1
  t=$(tcp_mbps host1) || return 1
  after=$(counters host1) || return 1
  rtt[$arm]+="$(tail -n 1 <<<"$r") " mbps[$arm]+="$t "
  echo "$r" | head -n -1
  echo "$arm: rtt avg $(tail -n 1 <<<"$r") ms, $t MB/s"
  read -r -a b <<<"$before"
  read -r -a a <<<"$after"
  local sent=$(((a[0] - b[0]) + (a[1] - b[1]))) copied=$((a[2] - b[2])) dropped=$((a[3] - b[3]))
  echo "$arm: DomU's vif carried $sent packets (from DomU $((a[0] - b[0])), to DomU $((a[1] - b[1]))); M's vif got $copied, netback dropped $dropped"
  if [ "$arm" = mirrored ]; then
    packets+=("round: DomU's vif $sent packets, copied to M's vif $copied, dropped there $dropped")
  elif [ "$copied" -gt $((sent / 100)) ]; then
    echo "the unmirrored arm copied $copied packets to M: the copy was not off" >&2
    return 1
  fi
}
run_round() { # N
  local arm order=(mirrored unmirrored)
  [ $(($1 % 2)) = 0 ] && order=(unmirrored mirrored)
  for arm in "${order[@]}"; do
    if [ "$arm" = mirrored ]; then mirror_back host1 || return 1; else mirror_off host1 || return 1; fi
    measure_arm "$arm" || return 1
  done
  mirror_back host1
}

# Poller on HOST's dom0, detached: for each vif, the first time it carried a packet from its
# domain (rx), and the first time a mirred action on it counted a packet.
poller_start() { # HOST
  on "$1" 'rm -f /tmp/bench-first && cat >/tmp/bench-poll <<"EOF"
end=$(($(date +%s) + 900)) rx_seen="" mirred_seen=""
while [ "$(date +%s)" -lt "$end" ] && [ ! -e /tmp/bench-poll.stop ]; do
  for d in /sys/class/net/vif*; do
    [ -e "$d" ] || continue
    v=${d##*/}
    case " $rx_seen " in *" $v "*) ;; *)
      [ "$(cat "$d/statistics/rx_packets")" != 0 ] && echo "$(date +%s%N) rx $v" && rx_seen="$rx_seen $v" ;;
    esac
    case " $mirred_seen " in *" $v "*) ;; *)
      tc -s filter show dev "$v" ingress 2>/dev/null | grep -A3 "Mirror" | grep -q "Sent [0-9]* bytes [1-9]" &&
        echo "$(date +%s%N) mirred $v" && mirred_seen="$mirred_seen $v" ;;
    esac
  done
  sleep 0.05
done
EOF
    rm -f /tmp/bench-poll.stop; setsid sh /tmp/bench-poll </dev/null >/tmp/bench-first 2>/dev/null &
    echo "poller on $(hostname)"'
}
# After the move: DomU's vif on HOST, its first packet and the copy's first packet.
poller_report() { # HOST WHAT
  pair_domids "$1" || return 1
  local line
  line=$(on "$1" "touch /tmp/bench-poll.stop; sleep 0.5
    a=\$(awk '\$2 == \"rx\" && \$3 == \"vif$u.0\" {print \$1; exit}' /tmp/bench-first)
    b=\$(awk '\$2 == \"mirred\" && \$3 == \"vif$u.0\" {print \$1; exit}' /tmp/bench-first)
    [ -n \"\$a\" ] && [ -n \"\$b\" ] || { echo \"no first packet recorded for vif$u.0:\" >&2; cat /tmp/bench-first >&2; exit 1; }
    awk -v a=\$a -v b=\$b 'BEGIN {d = (b - a) / 1e9; if (d < 0) d = 0; printf \"%.2f s\", d}'") || return 1
  first_seen+=("$(printf '%-34s %s' "$2" "$line")")
  echo "$2: DomU's first packet on $1 -> first copied to M: $line"
}
moved_watched() { # ORDER FROM TO
  send_domu "$2" "virdomm-ping 2500" && poller_start "$3" &&
    move_pair "$1" "$2" "$3" monitored && mirror_on "$3" && poller_report "$3" "$2->$3, ${1/-/ }"
}

step "both hosts up" e2e_hosts_up
step "install the hook on host1 (Debian's libxenguest)" install_stack host1
step "  ... host2" install_stack host2
step "define DomU and Domain M, virdomm pair" define_pair
step "start DomU and Domain M on host1" start_pair
step "the hook bound M to DomU on host1" bound_on host1
step "M took a baseline of DomU's kernel" baseline_taken host1 "$mark_m" 'virdomm-domm: baseline ' 600
step "M's checks are clean on host1" clean_checks host1 "$mark_m" 2
step "M's IDS captures on its mirror NIC" ids_running host1 "$mark_m"
step "the hook copies DomU's traffic to M's vif on host1" mirror_on host1
step "the pair's domain ids on host1" pair_domids host1
step "DomU's HTTP marker is reported by M's IDS (the arms' traffic is seen)" http_marker_caught host1
for r in $(seq 1 "$rounds"); do
  step "round $r: both arms on host1" run_round "$r"
done
suricata_drops() {
  local n
  n=$(on host1 "tail -n +$((mark_m + 1)) $console/guest-rig-domm.log | grep -ac 'virdomm-domm: network {.*\"event\":\"drops\"'")
  packets+=("Suricata's drop reports on host1: ${n:-?}")
  echo "Suricata's drop reports on host1: $n"
}
step "Suricata's drop reports" suricata_drops
[ "$moves" = 1 ] || finish 0
step "DomU-first move host1 -> host2 while DomU pings" moved_watched domu-first host1 host2
step "M-first move host2 -> host1 while DomU pings" moved_watched m-first host2 host1
