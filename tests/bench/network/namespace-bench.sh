#!/usr/bin/env bash
# What the copy of DomU's traffic and Suricata cost DomU on this machine's real kernel and CPUs
# (a benchmark, not a test; needs root). The topology of tests/integration/network: namespace
# "dom0" holds vif7.0 (DomU's NIC, peer eth0 in "domu") and vif8.1 (Domain M's receive-only NIC,
# peer eth1 in "mon"); `domm-monitor network watch` runs Suricata on eth1 with the project's
# config and rules throughout. Two arms alternate round by round in one run:
#   - mirrored: the project's tc mirror (tc_mirror_tool install: the hook's own code) on vif7.0;
#   - unmirrored: the mirror removed (Suricata idles).
# Each arm: ping from DomU to dom0 (COUNT pings, 10 ms apart: average round trip) and one TCP
# stream of MIB MiB from DomU to a listener in dom0 (throughput, timed by the receiver from its
# first byte to the end). Packets: vif7.0's counters against vif8.1's (copied to M), and
# Suricata's capture drops (its `drops` events).
# Usage: namespace-bench.sh BUILD_DIR [ROUNDS] [MIB] [COUNT]
set -euo pipefail
build=$(cd "${1:?usage: $0 BUILD_DIR [ROUNDS] [MIB] [COUNT]}" && pwd)
rounds=${2:-5} mib=${3:-512} count=${4:-200}
src=$(cd "$(dirname "$0")/../../.." && pwd)
monitor=$build/src/monitor-guest/domm-monitor
tool=$build/tests/integration/network/tc_mirror_tool
config=$src/src/monitor-guest/network/suricata/virdomm-suricata.yaml
rules=$src/src/monitor-guest/network/suricata/virdomm.rules
[ "$(id -u)" = 0 ] || { echo "needs root (network namespaces)" >&2; exit 2; }
for f in "$monitor" "$tool"; do [ -x "$f" ] || { echo "no $f: build first" >&2; exit 2; }; done
for t in suricata socat python3 busybox; do command -v "$t" >/dev/null || { echo "$t missing" >&2; exit 2; }; done

tag=vdb$$
dom0=$tag-dom0 domu=$tag-domu mon=$tag-mon
work=$(mktemp -d)
watch_pid=
cleanup() {
  if [ -n "$watch_pid" ]; then kill "$watch_pid" 2>/dev/null && wait "$watch_pid" 2>/dev/null || true; fi
  for ns in "$dom0" "$domu" "$mon"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
in_ns() { ip netns exec "$@"; }
for ns in "$dom0" "$domu" "$mon"; do
  ip netns add "$ns"
  in_ns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$ns" link set lo up
done
ip -n "$dom0" link add vif7.0 type veth peer name eth0 netns "$domu"
ip -n "$dom0" link add vif8.1 type veth peer name eth1 netns "$mon"
ip -n "$dom0" addr add 169.254.71.1/24 dev vif7.0
ip -n "$domu" addr add 169.254.71.2/24 dev eth0
for l in "$dom0 vif7.0" "$dom0 vif8.1" "$domu eth0" "$mon eth1"; do
  read -r ns dev <<<"$l"
  ip -n "$ns" link set "$dev" up
done
ip netns exec "$mon" "$monitor" network watch --interface eth1 --alert-spool "$work/spool" --json \
  --config "$config" --rules "$rules" --log-dir "$work/log" >"$work/watch.out" 2>"$work/watch.err" &
watch_pid=$!
for _ in $(seq 300); do grep -q '"suricata-running"' "$work/watch.out" 2>/dev/null && break; sleep 0.1; done
grep -q '"suricata-running"' "$work/watch.out" || { echo "Suricata did not start" >&2; cat "$work/watch.err" >&2; exit 1; }

rtt_ms() {
  in_ns "$domu" busybox ping -q -c "$count" -i 0.01 169.254.71.1 |
    sed -nE 's|^round-trip [^=]*= [0-9.]+/([0-9.]+)/.*|\1|p'
}
# Receiver in dom0: first byte to end of stream, in MB/s (10^6 bytes).
tcp_mbps() {
  rm -f "$work/recv"
  in_ns "$dom0" socat -u TCP-LISTEN:5001,bind=169.254.71.1,reuseaddr STDOUT 2>/dev/null | python3 -c '
import sys, time
f = sys.stdin.buffer
first = f.read(1); t0 = time.monotonic(); n = len(first)
while True:
    b = f.read1(1 << 20)
    if not b: break
    n += len(b)
print(n, n / (time.monotonic() - t0) / 1e6)' >"$work/recv" &
  local reader=$!
  for _ in $(seq 50); do in_ns "$dom0" ss -Hltn "sport = :5001" | grep -q . && break; sleep 0.05; done
  in_ns "$domu" sh -c "head -c $((mib * 1048576)) /dev/zero | socat -u STDIN TCP:169.254.71.1:5001"
  wait "$reader"
  read -r n rate <"$work/recv"
  [ "$n" = $((mib * 1048576)) ] || { echo "received $n of $((mib * 1048576)) bytes" >&2; exit 1; }
  printf '%.1f' "$rate"
}
declare -A rtt=() mbps=()
for r in $(seq 1 "$rounds"); do
  order="mirrored unmirrored"
  [ $((r % 2)) = 0 ] && order="unmirrored mirrored"
  for arm in $order; do
    if [ "$arm" = mirrored ]; then in_ns "$dom0" "$tool" install vif7.0 vif8.1 >/dev/null
    else in_ns "$dom0" "$tool" remove vif7.0 >/dev/null; fi
    b_from=$(in_ns "$dom0" cat /sys/class/net/vif7.0/statistics/rx_packets)
    b_to=$(in_ns "$dom0" cat /sys/class/net/vif7.0/statistics/tx_packets)
    b_m=$(in_ns "$dom0" cat /sys/class/net/vif8.1/statistics/tx_packets)
    l=$(rtt_ms) t=$(tcp_mbps)
    a_from=$(in_ns "$dom0" cat /sys/class/net/vif7.0/statistics/rx_packets)
    a_to=$(in_ns "$dom0" cat /sys/class/net/vif7.0/statistics/tx_packets)
    a_m=$(in_ns "$dom0" cat /sys/class/net/vif8.1/statistics/tx_packets)
    rtt[$arm]+="$l " mbps[$arm]+="$t "
    printf 'round %d %-10s rtt avg %s ms, %s MB/s; DomU vif %d packets, copied to M %d\n' "$r" "$arm" \
      "$l" "$t" $(((a_from - b_from) + (a_to - b_to))) $((a_m - b_m))
  done
done
in_ns "$dom0" "$tool" remove vif7.0 >/dev/null
drops=$(grep -c '"event":"drops"' "$work/watch.out" || true)
echo "Suricata drop reports: $drops ($(grep '"event":"drops"' "$work/watch.out" | tail -n 1 | grep -o '"message":"[^"]*"' || echo none))"
printf '%s\n%s\n%s\n%s\n' "${rtt[mirrored]}" "${rtt[unmirrored]}" "${mbps[mirrored]}" "${mbps[unmirrored]}" | awk '
  function median(s,   a, n, i, j, t) {
    n = split(s, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  { m[NR] = median($0) }
  END {
    printf "latency: median %.3f ms mirrored, %.3f ms unmirrored: %.3fx (goal <= 1.05x)\n", m[1], m[2], m[1] / m[2]
    printf "throughput: median %.1f MB/s mirrored, %.1f MB/s unmirrored: %.3fx (goal >= 0.95x)\n", m[3], m[4], m[3] / m[4]
  }'
