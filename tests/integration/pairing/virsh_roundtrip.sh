#!/usr/bin/env bash
# The real `virdomm` and the real `virsh` against one libvirt test driver.
#
# Why a private libvirtd: the test driver keeps its state inside the process that opened it,
# so `virdomm` and `virsh`, run one after the other, would each see a fresh copy. libvirtd
# serves the same test driver over a socket (test+unix:///default); all clients then share
# one state for as long as one connection stays open. So this script starts libvirtd with
# its own socket directory and no hypervisor driver modules (LIBVIRT_DRIVER_DIR points at an
# empty folder: the test driver is built into libvirt itself), keeps a `virsh event`
# connection open, defines Xen-type domains from tests/data/pairing/domains, and then
# checks what each tool writes with the other.
#
# Usage: virsh_roundtrip.sh VIRDOMM_BINARY DOMAINS_DIR SCHEMA_DIR     (root; ~5 s)
set -euo pipefail
virdomm_bin=$1
domains=$2
export VIRDOMM_SCHEMA_DIR=$3
NS=urn:virdomm:pairing:1

for tool in libvirtd virsh; do
  command -v "$tool" >/dev/null || { echo "SKIP-FAIL: $tool missing (tests/setup/install-deps.sh test)"; exit 1; }
done

work=$(mktemp -d /tmp/virdomm-roundtrip.XXXXXX)
source "$(dirname "$0")/../../lib/private-libvirtd.sh"
cleanup() {
  private_libvirtd_stop
  rm -rf "$work"
}
trap cleanup EXIT
private_libvirtd_start "$work" || { echo "FAIL: the private libvirtd did not answer"; exit 1; }

failures=0
trap 'echo "FAIL: unexpected error at line $LINENO: $BASH_COMMAND"' ERR
step() { echo; echo "== $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
vd() { "$virdomm_bin" -c "$URI" "$@"; }
# vd_expect STATUS ARGS...: run virdomm, keep its output in $out, check its exit status.
vd_expect() {
  local want=$1; shift
  set +e; out=$(vd "$@" 2>&1); local got=$?; set -e
  echo "$out" | sed 's/^/    /'
  [ "$got" -eq "$want" ] || fail "virdomm $* exited $got, expected $want"
}
expect_in() { grep -qF -- "$1" <<<"$2" || fail "expected to see: $1"; }
meta() { virsh -c "$URI" metadata "$1" "$NS" "${@:2}" 2>&1 || true; }

step "define Xen-type domains with virsh; start web1 (PVH) and web1-ids (PV)"
for d in web1 web1-ids db1 db1-ids pvh-ids; do virsh -c "$URI" define "$domains/$d.xml" >/dev/null; done
virsh -c "$URI" start web1 >/dev/null
virsh -c "$URI" start web1-ids >/dev/null
virsh -c "$URI" list --all

step "virdomm pair, then read both sides back with virsh metadata (live and config)"
vd_expect 0 pair --monitor web1-ids --target web1 --storage /srv/nfs/web1.img --interval 500
for scope in --live --config; do
  m=$(meta web1-ids "$scope"); u=$(meta web1 "$scope")
  echo "$m"; echo "$u"
  expect_in '<target uuid="4dea22b3-1d52-d8f3-2516-782e98ab3fa0" name="web1"/>' "$m"
  expect_in '<storage source="/srv/nfs/web1.img" format="raw"/>' "$m"
  expect_in 'interval-ms="500"' "$m"
  expect_in 'role="target"' "$u"
  expect_in '<monitor uuid="5dea22b3-1d52-d8f3-2516-782e98ab3fa0" name="web1-ids"/>' "$u"
done
expect_in '<virdomm:pairing xmlns:virdomm="urn:virdomm:pairing:1" role="monitor">' \
  "$(virsh -c "$URI" dumpxml web1-ids)"

step "show / list / check agree it is a working pair; domains named by id and UUID"
vd_expect 0 show web1-ids
expect_in "pair:       mutual" "$out"
vd_expect 0 show 4dea22b3-1d52-d8f3-2516-782e98ab3fa0 --json
expect_in '"state":"mutual"' "$out"
id=$(virsh -c "$URI" domid web1 | sed -n 1p)  # not head: SIGPIPE would fail the pipeline
vd_expect 0 show "$id"
expect_in "Domain 'web1'" "$out"
vd_expect 0 list --json
expect_in '"monitor":{"name":"web1-ids"' "$out"
vd_expect 0 check

step "the pairing's move order: virdomm pair --move-order writes it on both sides; show says it"
vd_expect 0 pair --force --monitor web1-ids --target web1 --storage /srv/nfs/web1.img \
  --interval 500 --move-order domu-first
for d in web1 web1-ids; do expect_in 'order="domu-first"' "$(meta "$d" --live)"; done
vd_expect 0 show web1
expect_in "move order: domu-first" "$out"
vd_expect 2 pair --force --monitor web1-ids --target web1 --move-order sideways
expect_in "--move-order must be 'domu-first' or 'monitor-first'" "$out"

step "the mirror NIC: virdomm pair --mirror-mac writes it on Domain M's side only, in lower case"
vd_expect 0 pair --force --monitor web1-ids --target web1 --storage /srv/nfs/web1.img \
  --mirror-mac 52:54:00:5D:EA:22
expect_in '<network mirror-mac="52:54:00:5d:ea:22"/>' "$(meta web1-ids --live)"
case "$(meta web1 --live)" in *network*) fail "DomU's side names a mirror NIC" ;; esac
vd_expect 0 show web1-ids
expect_in "mirror NIC: 52:54:00:5d:ea:22" "$out"
vd_expect 0 show web1-ids --json
expect_in '"network":{"mirror_mac":"52:54:00:5d:ea:22"}' "$out"
vd_expect 2 pair --force --monitor web1-ids --target web1 --mirror-mac 01:00:5e:00:00:01
expect_in "--mirror-mac '01:00:5e:00:00:01' is a multicast address" "$out"
vd_expect 2 pair --force --monitor web1-ids --target web1 --mirror-mac 52:54:00:5d:ea
expect_in "is not a MAC address" "$out"
vd_expect 0 pair --force --monitor web1-ids --target web1 --storage /srv/nfs/web1.img \
  --interval 500 --move-order domu-first

step "virdomm migrate: refused before anything moves when it cannot move the pair"
vd_expect 3 migrate db1 test:///default
expect_in "'db1' is not in a pair; \`virsh migrate\` moves it alone" "$out"
vd_expect 2 migrate web1
expect_in "needs DOMAIN and DEST-URI" "$out"
vd_expect 2 migrate web1 test:///default --order sideways
expect_in "--order must be 'domu-first' or 'monitor-first'" "$out"
# The test driver moves no domain: the first move fails, and both members stay here, running.
vd_expect 3 migrate web1-ids test+unix:///nowhere --order monitor-first
expect_in "Moving the pair to test+unix:///nowhere: Domain M 'web1-ids' (non-live), then DomU 'web1' (live) (monitor-first: --order)" "$out"
expect_in "nothing moved: 'web1-ids' and 'web1' stay on this host, monitored as before" "$out"
vd_expect 3 migrate web1 test+unix:///nowhere
expect_in "DomU 'web1' (live), then Domain M 'web1-ids' (non-live) (domu-first: the pairing's policy)" "$out"
for d in web1 web1-ids; do
  [ "$(virsh -c "$URI" domstate "$d" | sed -n 1p)" = running ] || fail "$d is not running after the failed move"
done
virsh -c "$URI" shutdown web1-ids >/dev/null
vd_expect 3 migrate web1 test+unix:///nowhere
expect_in "Domain M 'web1-ids' does not run here" "$out"
virsh -c "$URI" start web1-ids >/dev/null

step "pairing someone else with web1 is refused; nothing is written"
vd_expect 3 pair --monitor db1-ids --target web1
expect_in "virdomm unpair" "$out"
grep -q "not present" <<<"$(meta db1-ids --config)" || fail "refused pair wrote db1-ids metadata"
expect_in 'name="web1-ids"' "$(meta web1 --live)"

step "virsh removes DomU's side: one-sided, check fails and says why"
virsh -c "$URI" metadata web1 "$NS" --remove --live --config >/dev/null
vd_expect 1 check
expect_in "'web1' has no pairing metadata; it does not consent to 'web1-ids'" "$out"
vd_expect 0 list
expect_in "one-sided" "$out"

step "virsh writes a malformed element: check names the fault"
virsh -c "$URI" metadata web1 "$NS" --key virdomm --live --config \
  --set '<pairing role="target" owner="me"><monitor uuid="5dea22b3-1d52-d8f3-2516-782e98ab3fa0"/></pairing>' >/dev/null
vd_expect 1 check web1
expect_in "unknown attribute 'owner'" "$out"

step "virsh writes the live definition only: check reports live/config drift"
virsh -c "$URI" metadata web1 "$NS" --key virdomm --live \
  --set '<pairing role="target"><monitor uuid="5dea22b3-1d52-d8f3-2516-782e98ab3fa0" name="web1-ids"/></pairing>' >/dev/null
vd_expect 1 check
expect_in "live and saved definitions disagree" "$out"

step "virdomm unpair removes both sides (virsh confirms)"
vd_expect 0 unpair web1
for d in web1 web1-ids; do
  for scope in --live --config; do
    grep -q "not present" <<<"$(meta "$d" "$scope")" || fail "$d $scope still has metadata"
  done
done
vd_expect 0 check

step "unpair works when only one side is left (partner undefined)"
vd_expect 0 pair --monitor db1-ids --target db1
virsh -c "$URI" undefine db1 >/dev/null
vd_expect 1 check db1-ids
expect_in "no domain with that UUID is defined here" "$out"
vd_expect 0 unpair db1-ids
expect_in "not defined on this connection" "$out"
grep -q "not present" <<<"$(meta db1-ids --config)" || fail "db1-ids still has metadata"

step "the pairing persists across undefine/define of a shut-off domain"
virsh -c "$URI" define "$domains/db1.xml" >/dev/null
vd_expect 0 pair -m db1-ids -t db1
virsh -c "$URI" dumpxml --inactive db1 >"$work/db1-saved.xml"
virsh -c "$URI" undefine db1 >/dev/null
virsh -c "$URI" define "$work/db1-saved.xml" >/dev/null
expect_in 'role="target"' "$(meta db1 --config)"
virsh -c "$URI" start db1 >/dev/null
expect_in 'role="target"' "$(meta db1 --live)"
vd_expect 0 check db1

step "a PVH Domain M is refused by check, with the reason"
vd_expect 0 pair --monitor pvh-ids --target web1
vd_expect 1 check pvh-ids
expect_in "must be a PV guest" "$out"

echo
if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"; exit 1
fi
echo "all round-trip checks passed"
