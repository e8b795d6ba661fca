#!/usr/bin/env bash
# The traffic mirror against the real kernel, as a Xen host would carry it: in network
# namespaces of this test's own, "dom0" holds vif7.0 (DomU's NIC; its peer in namespace "domu")
# and vif8.1 (Domain M's receive-only NIC; its peer in namespace "monitor"). Addresses are
# link-local (169.254.7.0/24) and exist only on these veths; IPv6 is off on them.
# A fourth namespace, "watch", holds the peer of tap9.0, the target of another user's filter on
# vif7.0 (this kernel build has mirred but no gact, so that filter mirrors too).
# Checks what a user would: DomU's traffic in both directions arrives as copies on M's side and
# still reaches its peer; installing twice leaves one filter per hook; teardown removes ours
# and only ours; with M's vif gone DomU's traffic flows and the orphan sweep removes the rules.
# Usage: mirror_namespaces_test.sh TC_MIRROR_TOOL
set -euo pipefail
tool=$1
if [ "$(id -u)" != 0 ]; then
  echo "skip: needs root to make network namespaces"
  exit 77
fi
tag=vdm$$
dom0=$tag-dom0 domu=$tag-domu mon=$tag-mon watch=$tag-watch
work=$(mktemp -d)
cleanup() {
  for ns in "$dom0" "$domu" "$mon" "$watch"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
if ! ip netns add "$dom0" 2>"$work/netns.err"; then
  echo "skip: cannot create a network namespace: $(cat "$work/netns.err")"
  exit 77
fi
ip netns add "$domu"
ip netns add "$mon"
ip netns add "$watch"

failures=0
pass() { echo "PASS: $*"; }
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
in_ns() { ip netns exec "$@"; }

for ns in "$dom0" "$domu" "$mon" "$watch"; do
  in_ns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$ns" link set lo up
done
ip -n "$dom0" link add vif7.0 type veth peer name eth0 netns "$domu"
ip -n "$dom0" link add vif8.1 type veth peer name eth1 netns "$mon"
ip -n "$dom0" link add tap9.0 type veth peer name eth9 netns "$watch"
ip -n "$dom0" addr add 169.254.7.1/24 dev vif7.0
ip -n "$domu" addr add 169.254.7.2/24 dev eth0
for dev in vif7.0 vif8.1 tap9.0; do ip -n "$dom0" link set "$dev" up; done
ip -n "$domu" link set eth0 up
ip -n "$mon" link set eth1 up
ip -n "$watch" link set eth9 up

# One exchange: COUNT datagrams each way between DomU and dom0, a listener at each end and a
# packet counter on M's NIC and on the other filter's target. Sets delivered_up (DomU -> dom0),
# delivered_down (dom0 -> DomU), copied_up, copied_down (at M), other_up (at the other target).
exchange() { # COUNT ROUND [no-monitor]
  local count=$1 round=$2 i
  local up=up-$round-$tag down=down-$round-$tag
  rm -f "$work"/ready.*
  in_ns "$dom0" "$tool" listen 169.254.7.1 9999 2500 "$work/ready.dom0" "$up" >"$work/dom0.out" &
  local l1=$!
  in_ns "$domu" "$tool" listen 169.254.7.2 9999 2500 "$work/ready.domu" "$down" >"$work/domu.out" &
  local l2=$!
  local l3=
  if [ "${3:-}" = no-monitor ]; then
    : >"$work/ready.mon"
    printf '%s 0\n%s 0\n' "$up" "$down" >"$work/mon.out"
  else
    in_ns "$mon" "$tool" count eth1 2500 "$work/ready.mon" "$up" "$down" >"$work/mon.out" &
    l3=$!
  fi
  in_ns "$watch" "$tool" count eth9 2500 "$work/ready.watch" "$up" >"$work/watch.out" &
  local l4=$!
  for _ in $(seq 50); do
    [ -e "$work/ready.dom0" ] && [ -e "$work/ready.domu" ] && [ -e "$work/ready.mon" ] &&
      [ -e "$work/ready.watch" ] && break
    sleep 0.05
  done
  for i in $(seq "$count"); do
    in_ns "$domu" bash -c "echo $up-$i >/dev/udp/169.254.7.1/9999"
    in_ns "$dom0" bash -c "echo $down-$i >/dev/udp/169.254.7.2/9999"
  done
  wait "$l1"
  wait "$l2"
  [ -z "$l3" ] || wait "$l3"
  wait "$l4"
  delivered_up=$(awk -v m="$up" '$1 == m {print $2}' "$work/dom0.out")
  delivered_down=$(awk -v m="$down" '$1 == m {print $2}' "$work/domu.out")
  copied_up=$(awk -v m="$up" '$1 == m {print $2}' "$work/mon.out")
  copied_down=$(awk -v m="$down" '$1 == m {print $2}' "$work/mon.out")
  other_up=$(awk -v m="$up" '$1 == m {print $2}' "$work/watch.out")
  echo "  round $round: delivered up $delivered_up down $delivered_down," \
    "copied to M up $copied_up down $copied_down, other filter's copies $other_up"
}
expect_flow() { # ROUND
  if [ "$delivered_up" = 5 ] && [ "$delivered_down" = 5 ]; then
    pass "$1: DomU's traffic flows both ways (5 + 5 datagrams delivered)"
  else
    fail "$1: DomU's traffic does not flow (up $delivered_up, down $delivered_down of 5)"
  fi
}
ours() { in_ns "$dom0" "$tool" show vif7.0; }
# Filters at our priorities as tc lists them, and M's vif named in mirred actions.
tc_ours() {
  local listing
  listing=$(tc -n "$dom0" filter show dev vif7.0 "$1")
  # u32 names a filter "fh 800::d0d" (its tables "fh 800:"), matchall "handle 0xd0d".
  grep -c -E 'pref (3341|3342) .*(fh [0-9a-f]+::|handle 0x[0-9a-f]+)' <<<"$listing" || true
}
# True when tc lists something at priority PREF on HOOK of vif7.0 (read whole: with pipefail,
# grep -q closing the pipe early would fail the pipeline).
tc_has() { # HOOK PREF
  local listing
  listing=$(tc -n "$dom0" filter show dev vif7.0 "$1")
  grep -q "pref $2 " <<<"$listing"
}
has_clsact() {
  local listing
  listing=$(tc -n "$dom0" qdisc show dev vif7.0)
  grep -q clsact <<<"$listing"
}

exchange 5 before
expect_flow "no mirror"
[ "$copied_up" = 0 ] && [ "$copied_down" = 0 ] && pass "no mirror: M sees no copy" ||
  fail "no mirror: M saw copies ($copied_up, $copied_down) before any was installed"

has_clsact && fail "vif7.0 has a clsact qdisc already"
in_ns "$dom0" "$tool" install vif7.0 vif8.1
has_clsact && pass "install adds a clsact qdisc" ||
  fail "install added no clsact qdisc"
# Another user's filter on the same hook, after ours (a higher priority number): our copy
# continues the classification, so it must still see every packet.
tc -n "$dom0" filter add dev vif7.0 ingress prio 20000 protocol all u32 match u32 0 0 \
  action mirred egress mirror dev tap9.0
in_ns "$dom0" "$tool" install vif7.0 vif8.1
mirror_ifindex=$(in_ns "$dom0" cat /sys/class/net/vif8.1/ifindex)
listing=$(ours)
echo "$listing" | sed 's/^/  ours: /'
if [ "$(grep -c . <<<"$listing")" = 2 ] && grep -q "^ingress .* $mirror_ifindex\$" <<<"$listing" &&
  grep -q "^egress .* $mirror_ifindex\$" <<<"$listing"; then
  pass "install twice: one filter per hook, both mirroring to vif8.1 (ifindex $mirror_ifindex)"
else
  fail "install twice: expected one filter on each hook mirroring to ifindex $mirror_ifindex"
fi
[ "$(tc_ours ingress)" = 1 ] && [ "$(tc_ours egress)" = 1 ] &&
  pass "tc lists one filter of ours on ingress and one on egress" ||
  fail "tc lists $(tc_ours ingress) filter(s) of ours on ingress, $(tc_ours egress) on egress"
egress_listing=$(tc -n "$dom0" -s filter show dev vif7.0 egress)
grep -q "Egress Mirror to device vif8.1" <<<"$egress_listing" &&
  pass "tc names vif8.1 as the egress hook's mirror target" || fail "tc shows no mirror to vif8.1"

exchange 5 mirrored
expect_flow "mirrored"
if [ "$copied_up" = 5 ] && [ "$copied_down" = 5 ]; then
  pass "mirrored: M receives a copy of each datagram DomU sends (5) and receives (5)"
else
  fail "mirrored: M got $copied_up of 5 sent and $copied_down of 5 received datagrams"
fi
if [ "$other_up" = 5 ]; then
  pass "the other filter on the ingress hook, after ours, still sees every packet (5)"
else
  fail "the other filter on the ingress hook saw $other_up of 5 packets"
fi

removed=$(in_ns "$dom0" "$tool" remove vif7.0)
[ "$removed" = 2 ] && pass "teardown removes our 2 filters" || fail "teardown removed '$removed'"
[ -z "$(ours)" ] && [ "$(tc_ours ingress)" = 0 ] && [ "$(tc_ours egress)" = 0 ] &&
  ! tc_has ingress 3341 && ! tc_has egress 3342 &&
  pass "teardown leaves nothing at our priorities" || fail "teardown left filters of ours"
tc_has ingress 20000 &&
  pass "teardown leaves the other filter alone" || fail "teardown removed the other filter"
has_clsact &&
  pass "teardown keeps the clsact qdisc (the other filter hangs on it)" ||
  fail "teardown removed the clsact qdisc"
exchange 5 torn-down
expect_flow "after teardown"
[ "$copied_up" = 0 ] && [ "$copied_down" = 0 ] && pass "after teardown: M sees no copy" ||
  fail "after teardown: M still got copies ($copied_up, $copied_down)"
again=$(in_ns "$dom0" "$tool" remove vif7.0)
[ "$again" = 0 ] && pass "a second teardown finds nothing to remove" || fail "second teardown: $again"

in_ns "$dom0" "$tool" install vif7.0 vif8.1
ip -n "$dom0" link del vif8.1
exchange 5 orphaned no-monitor
expect_flow "M's vif deleted"
listing=$(ours)
echo "$listing" | sed 's/^/  ours: /'
[ "$(grep -c . <<<"$listing")" = 2 ] && pass "the stale rules are still there before the sweep" ||
  fail "expected 2 stale rules before the sweep"
orphans=$(in_ns "$dom0" "$tool" orphans vif7.0)
[ "$orphans" = 2 ] && [ -z "$(ours)" ] && pass "remove orphans finds and removes the 2 stale rules" ||
  fail "remove orphans removed '$orphans', left: $(ours)"
tc_has ingress 20000 &&
  pass "the orphan sweep leaves the other filter alone" || fail "the orphan sweep removed it"

# Orphans are only rules whose target is gone: a live mirror stays.
ip -n "$dom0" link add vif8.1 type veth peer name eth1 netns "$mon"
ip -n "$dom0" link set vif8.1 up
ip -n "$mon" link set eth1 up
in_ns "$dom0" "$tool" install vif7.0 vif8.1
kept=$(in_ns "$dom0" "$tool" orphans vif7.0)
[ "$kept" = 0 ] && [ "$(ours | wc -l)" = 2 ] && pass "remove orphans keeps a live mirror" ||
  fail "remove orphans removed $kept live rule(s)"

gone=$(in_ns "$dom0" "$tool" remove vif99.0) && [ "$gone" = 0 ] &&
  pass "teardown on a vanished device is no error" || fail "teardown on a vanished device failed"
if in_ns "$dom0" "$tool" install vif99.0 vif8.1 2>"$work/err"; then
  fail "install on a missing device succeeded"
else
  pass "install on a missing device fails: $(cat "$work/err")"
fi

# What the hook runs: every vif of DomU (here 7) found by name, M's vif (8) as its XML names it.
ip -n "$dom0" link add vif7.1 type veth peer name eth1 netns "$domu"
ip -n "$dom0" link set vif7.1 up
ip -n "$domu" link set eth1 up
in_ns "$dom0" "$tool" remove vif7.0 >/dev/null
started=$(in_ns "$dom0" "$tool" domain-start 8 7 52:54:00:5d:ea:22 vif8.1)
echo "  $started"
n0=$(in_ns "$dom0" "$tool" show vif7.0 | wc -l)
n1=$(in_ns "$dom0" "$tool" show vif7.1 | wc -l)
nm=$(in_ns "$dom0" "$tool" show vif8.1 | wc -l)
[ "$n0" = 2 ] && [ "$n1" = 2 ] && [ "$nm" = 0 ] &&
  pass "the hook's start mirrors both of DomU's vifs and nothing else" ||
  fail "the hook's start: vif7.0 $n0, vif7.1 $n1, vif8.1 $nm filter(s) (want 2, 2, 0)"
exchange 5 hook-started
[ "$copied_up" = 5 ] && [ "$copied_down" = 5 ] && pass "the hook's start: M gets the copies" ||
  fail "the hook's start: M got $copied_up and $copied_down of 5"
stopped=$(in_ns "$dom0" "$tool" domain-stop 7)
echo "  $stopped"
[ -z "$(ours)" ] && [ "$(in_ns "$dom0" "$tool" show vif7.1 | wc -l)" = 0 ] &&
  tc_has ingress 20000 && pass "the hook's stop removes ours from every vif of DomU, only ours" ||
  fail "the hook's stop left filters: $stopped"
if in_ns "$dom0" "$tool" domain-start 8 7 52:54:00:5d:ea:22 vif9.9 2>"$work/err"; then
  fail "the hook's start with no vif for M's NIC succeeded"
else
  pass "the hook's start without M's vif fails with: $(cat "$work/err")"
fi

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
