#!/usr/bin/env bash
# Domain M's network IDS against the real Suricata and the real kernel, as a Xen host would
# carry DomU's traffic: in network namespaces of this test's own, "dom0" holds vif7.0 (DomU's
# NIC, its peer eth0 in namespace "domu") and vif8.1 (Domain M's receive-only NIC, its peer
# eth1 in namespace "mon", no address); the project's own mirror copies vif7.0's traffic to
# vif8.1, and `domm-monitor network watch` runs Suricata on eth1 with the project's config and
# rules. Addresses are link-local (169.254.71.0/24) and exist only on these veths.
# Checks what a user would: an HTTP request for the marker URI and a DNS query for the marker
# name from DomU arrive as alerts in the spool with the right sid and fields; garbage appended
# to eve.json is warned about and skipped; eve.json rotated at --eve-max-bytes is followed into
# the new file; a Suricata killed with SIGKILL is restarted and alerts again; SIGTERM stops both cleanly; a Suricata that cannot start is given up on.
# Usage: ids_namespaces_test.sh DOMM_MONITOR TC_MIRROR_TOOL SOURCE_DIR
set -euo pipefail
monitor=$1 tool=$2 src=$3
config=$src/src/monitor-guest/network/suricata/virdomm-suricata.yaml
rules=$src/src/monitor-guest/network/suricata/virdomm.rules
if [ "$(id -u)" != 0 ]; then
  echo "skip: needs root to make network namespaces"
  exit 77
fi
for tool_name in suricata socat jq; do
  command -v "$tool_name" >/dev/null ||
    { echo "FAIL: $tool_name missing (tests/setup/install-deps.sh test)"; exit 1; }
done
# Debian 12's own Suricata is 6.0; the configuration is written for 7 (bookworm-backports).
suricata_version=$(suricata -V | sed -n 's/.*version \([0-9][0-9.]*\).*/\1/p')
[ "${suricata_version%%.*}" -ge 7 ] 2>/dev/null ||
  { echo "FAIL: Suricata '$suricata_version': 7.0 or later needed (tests/setup/install-deps.sh test)"; exit 1; }
echo "Suricata $suricata_version"
tag=vdi$$
dom0=$tag-dom0 domu=$tag-domu mon=$tag-mon
work=$(mktemp -d)
# VIRDOMM_TEST_KEEP=1 keeps the work directory (spool, eve.json, the watch's output).
keep=${VIRDOMM_TEST_KEEP:-0}
watch_pid=
cleanup() {
  [ -z "$watch_pid" ] || kill -KILL "$watch_pid" 2>/dev/null || true
  # Anything left in our namespaces (Suricata, socat) goes with them.
  for ns in "$dom0" "$domu" "$mon"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  if [ "$keep" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
if ! ip netns add "$dom0" 2>"$work/netns.err"; then
  echo "skip: cannot create a network namespace: $(cat "$work/netns.err")"
  exit 77
fi
ip netns add "$domu"
ip netns add "$mon"

failures=0
pass() { echo "PASS: $*"; }
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
in_ns() { ip netns exec "$@"; }

for ns in "$dom0" "$domu" "$mon"; do
  in_ns "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  ip -n "$ns" link set lo up
done
ip -n "$dom0" link add vif7.0 type veth peer name eth0 netns "$domu"
ip -n "$dom0" link add vif8.1 type veth peer name eth1 netns "$mon"
ip -n "$dom0" addr add 169.254.71.1/24 dev vif7.0
ip -n "$domu" addr add 169.254.71.2/24 dev eth0
ip -n "$dom0" link set vif7.0 up
ip -n "$dom0" link set vif8.1 up
ip -n "$domu" link set eth0 up
ip -n "$mon" link set eth1 up
in_ns "$dom0" "$tool" install vif7.0 vif8.1

# A web server on dom0's side of DomU's link: answers every request with a short page.
cat >"$work/respond.sh" <<'RESPOND'
#!/usr/bin/env bash
read -r _
printf 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok'
RESPOND
chmod +x "$work/respond.sh"
in_ns "$dom0" socat TCP-LISTEN:80,bind=169.254.71.1,reuseaddr,fork EXEC:"$work/respond.sh" \
  >"$work/socat.log" 2>&1 &

spool=$work/spool log=$work/log out=$work/watch.out err=$work/watch.err
# Not through in_ns: $! must be the watch itself (ip netns exec execs it), not a subshell.
ip netns exec "$mon" "$monitor" network watch --interface eth1 --alert-spool "$spool" --json \
  --config "$config" --rules "$rules" --log-dir "$log" --max-restarts 3 --restart-window 120 \
  --eve-max-bytes 20000 >"$out" 2>"$err" &
watch_pid=$!

# Waits until the watch has printed COUNT lines of EVENT (up to SECONDS).
wait_event() { # EVENT COUNT SECONDS
  local i
  for i in $(seq $(($3 * 10))); do
    [ "$(jq -c "select(.event == \"$1\")" "$out" 2>/dev/null | wc -l)" -ge "$2" ] && return 0
    kill -0 "$watch_pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}
# The spool's alerts of monitor "network" whose rule finding names SID, one JSON object a line.
spooled_sid() { # SID
  "$monitor" alerts list --spool "$spool" |
    jq -c "select(.monitor == \"network\") | select(any(.findings[]; startswith(\"rule: sid $1 \")))"
}
# Waits until an alert of SID whose findings include TEXT is in the spool; prints it.
wait_alert() { # SID TEXT SECONDS
  local i found
  for i in $(seq $(($3 * 10))); do
    found=$(spooled_sid "$1" | jq -c --arg t "$2" 'select(any(.findings[]; contains($t)))' | sed -n 1p)
    if [ -n "$found" ]; then
      echo "$found"
      return 0
    fi
    sleep 0.1
  done
  return 1
}
http_get() { # PATH
  in_ns "$domu" bash -c 'exec 3<>/dev/tcp/169.254.71.1/80 &&
    printf "GET %s HTTP/1.1\r\nHost: web1\r\nUser-Agent: virdomm-ids-test\r\n\r\n" "$1" >&3 &&
    timeout 5 cat <&3' _ "$1"
}
# A DNS query (id 0x2a17, recursion desired) for virdomm-marker.test, type A, to port 53 of
# DomU's peer; nobody answers, which does not matter to the IDS.
dns_query() {
  in_ns "$domu" bash -c 'printf "\x2a\x17\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x0evirdomm-marker\x04test\x00\x00\x01\x00\x01" >/dev/udp/169.254.71.1/53'
}
suricata_pid() { # Nth start (1 = the first)
  jq -r 'select(.event == "suricata-start" or .event == "suricata-restart") | .pid' "$out" |
    sed -n "${1}p"
}

if wait_event suricata-running 1 90; then
  first=$(suricata_pid 1)
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$first/status")
  pass "Suricata (pid $first) runs on eth1: $(jq -r 'select(.event == "suricata-running") | .message' "$out" | sed -n 1p); resident $((rss / 1024)) MiB"
  # Domain M has 384 MiB: Suricata must leave room for the kernel and the other checkers.
  [ "$rss" -lt $((160 * 1024)) ] && pass "Suricata's resident size ($((rss / 1024)) MiB) is within the 160 MiB budget" ||
    fail "Suricata's resident size is $((rss / 1024)) MiB, over the 160 MiB budget of a 384 MiB Domain M"
else
  fail "Suricata never reported running"; cat "$err"; cat "$out"
  exit 1
fi

page=$(http_get "/virdomm-marker-$tag-one")
[ "$page" != "${page%ok}" ] && pass "DomU's HTTP request was answered (the mirror leaves traffic alone)" ||
  fail "DomU's HTTP request got '$page'"
if alert=$(wait_alert 3341001 "/virdomm-marker-$tag-one" 30); then
  pass "HTTP marker alert in the spool: $(jq -r .summary <<<"$alert")"
  # Suricata logs the Host header's name only once it has parsed it: the URL is what is sure.
  jq -e '.severity == "info" and any(.findings[]; startswith("http: GET ") and endswith("/virdomm-marker-'"$tag"'-one"))
    and any(.findings[]; startswith("flow: TCP 169.254.71.2:") and contains("-> 169.254.71.1:80"))' \
    <<<"$alert" >/dev/null && pass "HTTP alert: severity info, method and URL, the flow from DomU to port 80" ||
    fail "HTTP alert lacks its fields: $alert"
else
  fail "no alert of sid 3341001 for /virdomm-marker-$tag-one in the spool"
fi
# -s and any(): jq -e alone judges by the last line only.
jq -s -e 'any(.[]; .event == "alert" and .sid == "3341001" and .http_url == "/virdomm-marker-'"$tag"'-one")' \
  "$out" >/dev/null && pass "--json prints the alert with sid and http_url" ||
  fail "no JSON alert line with sid 3341001 and the URL"

dns_query
if alert=$(wait_alert 3341002 "dns: query virdomm-marker.test" 30); then
  pass "DNS marker alert in the spool: $(jq -r .summary <<<"$alert")"
  jq -e 'any(.findings[]; startswith("flow: UDP 169.254.71.2:") and endswith("-> 169.254.71.1:53 app dns"))' \
    <<<"$alert" >/dev/null && pass "DNS alert: the UDP flow to port 53" || fail "DNS alert lacks its flow: $alert"
else
  fail "no alert of sid 3341002 for virdomm-marker.test in the spool"
fi

# Garbage in eve.json: each line warned about, none an alert, the watch goes on.
before=$("$monitor" alerts list --spool "$spool" | wc -l)
{
  echo 'this is not JSON'
  echo '{"event_type":"alert","src_ip":"169.254.71.9"}'
  echo '["an", "array"]'
  head -c 70000 /dev/zero | tr '\0' 'x'
  echo
} >>"$log/eve.json"
if wait_event eve-warning 4 10; then
  pass "4 malformed eve lines, 4 warnings: $(jq -r 'select(.event == "eve-warning") | .message' "$out" | sed -n 2p)"
else
  fail "malformed eve lines gave $(jq -c 'select(.event == "eve-warning")' "$out" | wc -l) warning(s), not 4"
fi
after=$("$monitor" alerts list --spool "$spool" | wc -l)
[ "$after" = "$before" ] && kill -0 "$watch_pid" && pass "garbage raises no alert and the watch goes on" ||
  fail "after garbage: $before -> $after alerts, watch alive: $(kill -0 "$watch_pid" && echo yes || echo no)"

# The garbage made eve.json larger than --eve-max-bytes: the watch renamed it to eve.json.1 and
# told Suricata (SIGHUP), which writes a new one; the follower reads on in the new file.
http_get "/virdomm-marker-$tag-rotated" >/dev/null
if alert=$(wait_alert 3341001 "/virdomm-marker-$tag-rotated" 30); then
  [ -s "$log/eve.json.1" ] && [ "$(stat -c %i "$log/eve.json")" != "$(stat -c %i "$log/eve.json.1")" ] &&
    jq -s -e 'any(.[]; .event == "eve-notice" and (.message | contains("rotated")))' "$out" >/dev/null &&
    pass "eve.json rotated at --eve-max-bytes, and the next marker is read from the new file" ||
    fail "the marker arrived, but eve.json was not rotated (no eve.json.1 or no notice)"
else
  fail "no alert for /virdomm-marker-$tag-rotated after eve.json's rotation"
fi

# Suricata killed: restarted, and it alerts again.
echo "  Suricata's peak resident size after the markers: $(($(awk '/^VmHWM/ {print $2}' "/proc/$first/status") / 1024)) MiB"
kill -KILL "$first"
if wait_event suricata-exited 1 10 &&
  jq -s -e 'any(.[]; .event == "suricata-exited" and .status == "killed by SIGKILL")' "$out" >/dev/null; then
  pass "the watch saw Suricata die: $(jq -r 'select(.event == "suricata-exited") | .message' "$out")"
else
  fail "no suricata-exited line saying SIGKILL"
fi
if wait_event suricata-running 2 90; then
  second=$(suricata_pid 2)
  [ -n "$second" ] && [ "$second" != "$first" ] && kill -0 "$second" &&
    pass "Suricata restarted as pid $second" || fail "the restart has pid '$second' (first $first)"
else
  fail "Suricata did not run again after SIGKILL"; tail -5 "$err"
fi
"$monitor" alerts list --spool "$spool" |
  jq -s -e 'any(.[]; .monitor == "network" and .severity == "warning" and (.summary | contains("killed by SIGKILL")))' >/dev/null &&
  pass "the death is an alert of its own in the spool" || fail "no spool alert about Suricata's death"
http_get "/virdomm-marker-$tag-two" >/dev/null
if alert=$(wait_alert 3341001 "/virdomm-marker-$tag-two" 30); then
  pass "after the restart, the next marker is an alert again"
else
  fail "no alert for /virdomm-marker-$tag-two after the restart"
fi

# SIGTERM: Suricata stopped, the watch exits 0.
current=$(suricata_pid 2)
kill -TERM "$watch_pid"
status=0
wait "$watch_pid" || status=$?
watch_pid=
if [ "$status" = 0 ] && ! kill -0 "$current" 2>/dev/null; then
  pass "SIGTERM: the watch exits 0 and Suricata (pid $current) is gone: $(jq -r 'select(.event == "stopped") | .message' "$out")"
else
  fail "SIGTERM: exit $status, Suricata alive: $(kill -0 "$current" 2>/dev/null && echo yes || echo no)"
fi

# A Suricata that cannot start (its config is missing) is restarted twice, then given up on.
out=$work/broken.out
status=0
in_ns "$mon" "$monitor" network watch --interface eth1 --alert-spool "$spool" --json \
  --config "$work/missing.yaml" --rules "$rules" --log-dir "$work/log2" --max-restarts 2 \
  --restart-window 60 >"$out" 2>"$work/broken.err" || status=$?
restarts=$(jq -c 'select(.event == "suricata-restart")' "$out" | wc -l)
if [ "$status" = 1 ] && [ "$restarts" = 2 ] && jq -s -e 'any(.[]; .event == "gave-up")' "$out" >/dev/null; then
  pass "a Suricata that cannot start: 2 restarts, then: $(jq -r 'select(.event == "gave-up") | .message' "$out")"
else
  fail "broken Suricata: exit $status, $restarts restart(s), gave-up line: $(jq -c 'select(.event == "gave-up")' "$out")"
fi

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  echo "--- watch stderr"; tail -20 "$err"
  echo "--- eve.json: $(grep -c '"event_type":"alert"' "$log/eve.json") alert record(s); last capture counters:"
  grep '"event_type":"stats"' "$log/eve.json" | tail -1 | jq -c '.stats.capture' || true
  echo "--- watch stdout"; cat "$work/watch.out"
  exit 1
fi
echo "all checks passed"
