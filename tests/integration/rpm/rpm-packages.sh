#!/usr/bin/env bash
# Builds virdomm's SRPM and binary RPMs with rpmbuild from the `dist` tarball, then checks them as
# a user would: files and modes, dependencies, rpmlint, and install/upgrade/erase with scriptlets
# in scratch roots (no systemd, a recording systemctl, a libvirtd found by its pid file).
# Usage: rpm-packages.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
src=$1 build=$2
work=$build/rpm-test
spec=$build/packaging/rpm/virdomm.spec
checks=0

fail() {
  echo "FAIL: $*" >&2
  exit 1
}
pass() {
  checks=$((checks + 1))
  echo "ok: $*"
}
# No stand-in daemon may outlive the test (ctest would wait for its output pipe).
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT

if [ "$(id -u)" -ne 0 ]; then
  # rpm --root chroots to run the scriptlets; that needs root.
  echo "SKIP: installing into scratch roots needs root"
  exit 77
fi

spec_value() { sed -n "s/^$1[[:space:]]*//p" "$spec" | head -n1; }
version=$(spec_value 'Version:')
with_cli=$(spec_value '%global with_cli')
with_hook=$(spec_value '%global with_hook')
with_hook_reload=$(spec_value '%global with_hook_reload')
with_schema=$(spec_value '%global with_schema')
with_examples=$(spec_value '%global with_examples')
with_man=$(spec_value '%global with_man')
echo "packaging virdomm $version: cli=$with_cli hook=$with_hook hook-reload=$with_hook_reload" \
  "schema=$with_schema examples=$with_examples man=$with_man"

# --- build: the tarball, then SRPM and binary RPMs in a private _topdir ------------------------
# VIRDOMM_RPM_TEST_REUSE=1 keeps the RPMs of the previous run (for work on the checks only).
if [ "${VIRDOMM_RPM_TEST_REUSE:-0}" = 1 ] && [ -d "$work/top/RPMS" ]; then
  find "$work" -mindepth 1 -maxdepth 1 ! -name top -exec rm -rf {} +
else
  rm -rf "$work"
fi
mkdir -p "$work/top"
cmake --build "$build" --target dist >"$work/dist.log"
tarball=$build/virdomm-$version.tar.gz
[ -s "$tarball" ] || fail "dist did not produce $tarball"
tar -xzOf "$tarball" "virdomm-$version/virdomm.spec" | cmp -s - "$spec" ||
  fail "the tarball's virdomm.spec differs from the configured one"
pass "dist: $(basename "$tarball") holds the configured spec"

started=$(date +%s)
if [ "${VIRDOMM_RPM_TEST_REUSE:-0}" = 1 ] && [ -d "$work/top/RPMS" ]; then
  echo "reusing the RPMs under $work/top"
else
  # --nodeps: BuildRequires carry Fedora names (libvirt-devel ...), which Debian's rpm database
  # does not know; the Debian packages of tests/setup/packages/build.list provide them here.
  if ! nice -n 10 rpmbuild --define "_topdir $work/top" --define "_smp_build_ncpus 2" \
    --nodeps --without check -ta "$tarball" >"$work/rpmbuild.log" 2>&1; then
    tail -n 40 "$work/rpmbuild.log" >&2
    fail "rpmbuild -ta (log: $work/rpmbuild.log)"
  fi
  echo "rpmbuild -ta took $(($(date +%s) - started)) s"
fi

arch=$(rpm --eval '%{_arch}')
srpm=$work/top/SRPMS/virdomm-$version-1.src.rpm
dom0_rpm=$work/top/RPMS/$arch/virdomm-$version-1.$arch.rpm
monitor_rpm=$work/top/RPMS/$arch/virdomm-monitor-$version-1.$arch.rpm
binary_rpms=("$dom0_rpm" "$monitor_rpm")
for f in "$srpm" "${binary_rpms[@]}"; do [ -f "$f" ] || fail "rpmbuild made no $f"; done
pass "rpmbuild made the SRPM and ${#binary_rpms[@]} binary RPMs"

rpm -qlp "$srpm" >"$work/srpm.list"
grep -qx "virdomm-$version.tar.gz" "$work/srpm.list" && grep -qx virdomm.spec "$work/srpm.list" ||
  fail "the SRPM lacks the tarball or the spec: $(tr '\n' ' ' <"$work/srpm.list")"
pass "SRPM carries virdomm-$version.tar.gz and virdomm.spec"

# --- files and modes, as rpm lists them -----------------------------------------------------------
listing() { rpm -qp --qf '[%{FILEMODES:perms}|%{FILEFLAGS:fflags}|%{FILENAMES}\n]' "$1"; }
listing "$dom0_rpm" >"$work/dom0.files"
listing "$monitor_rpm" >"$work/monitor.files"
expect_file() { # LISTING MODE FLAGS PATH
  grep -qxF -e "$2|$3|$4" "$1" || fail "$(basename "$1" .files): no '$2 $4' (flags '$3'); got:
$(cat "$1")"
  pass "$(basename "$1" .files): $2 $4${3:+ [$3]}"
}
expect_only() { # LISTING REGEX: every packaged path matches REGEX
  local stray
  stray=$(cut -d'|' -f3 "$1" | grep -Ev "$2" || true)
  [ -z "$stray" ] || fail "$(basename "$1" .files) carries unexpected files: $stray"
  pass "$(basename "$1" .files): nothing outside its layout"
}

expect_file "$work/dom0.files" drwxr-xr-x "" /etc/libvirt/hooks
expect_file "$work/dom0.files" drwxr-xr-x "" /etc/libvirt/hooks/libxl.d
if [ "$with_hook" = 1 ]; then
  expect_file "$work/dom0.files" -rwxr-xr-x "" /etc/libvirt/hooks/libxl.d/virdomm
fi
if [ "$with_hook" = 1 ]; then
  # The mirror's kernel modules, loaded at boot by systemd-modules-load.
  expect_file "$work/dom0.files" -rw-r--r-- "" /usr/lib/modules-load.d/virdomm.conf
fi
if [ "$with_hook_reload" = 1 ]; then
  expect_file "$work/dom0.files" -rwxr-xr-x "" /usr/sbin/virdomm-hook-reload
fi
if [ "$with_cli" = 1 ]; then
  expect_file "$work/dom0.files" -rwxr-xr-x "" /usr/bin/virdomm
  expect_file "$work/dom0.files" -rw-r--r-- "" /usr/lib/systemd/system/virdomm-alerts.service
fi
expect_file "$work/dom0.files" -rw-r--r-- l /usr/share/licenses/virdomm/LICENSE
if [ "$with_man" = 1 ]; then
  # Compressed by rpm's brp-compress where it works (Fedora); Debian's runs under dash and
  # leaves man pages as they are.
  grep -qE '^-rw-r--r--\|d\|/usr/share/man/man1/virdomm\.1(\.gz)?$' "$work/dom0.files" ||
    fail "dom0: no man page /usr/share/man/man1/virdomm.1"
  pass "dom0: man page virdomm(1)"
fi
if [ "$with_schema" = 1 ]; then
  grep -qE '^-rw-r--r--\|\|/usr/share/virdomm/[^/]+\.rng$' "$work/dom0.files" ||
    fail "dom0: no schema /usr/share/virdomm/*.rng"
  pass "dom0: schema under /usr/share/virdomm"
fi
if [ "$with_examples" = 1 ]; then
  grep -qE '^-rw-r--r--\|d?\|/usr/share/doc/virdomm/examples/[^/]+\.xml$' "$work/dom0.files" ||
    fail "dom0: no example domain XML under /usr/share/doc/virdomm/examples"
  pass "dom0: example domain XML under /usr/share/doc/virdomm/examples"
fi
expect_only "$work/dom0.files" '^(/etc/libvirt/hooks(/libxl\.d(/virdomm)?)?|/usr/lib(64)?/virdomm(/virdomm-hook-network\.so)?|/usr/lib/modules-load\.d/virdomm\.conf|/usr/bin/virdomm|/usr/sbin/virdomm-hook-reload|/usr/lib/systemd/system/virdomm-alerts\.service|/usr/share/virdomm(/.*)?|/usr/share/man/man1/virdomm\.1(\.gz)?|/usr/share/doc/virdomm(/.*)?|/usr/share/licenses/virdomm(/.*)?|/usr/lib/\.build-id(/.*)?)$'

expect_file "$work/monitor.files" -rwxr-xr-x "" /usr/bin/domm-monitor
for unit in domm-monitor.service domm-monitor-alerts.service; do
  expect_file "$work/monitor.files" -rw-r--r-- "" "/usr/lib/systemd/system/$unit"
done
expect_file "$work/monitor.files" drwxr-xr-x "" /etc/virdomm
expect_file "$work/monitor.files" -rw-r--r-- cn /etc/virdomm/monitor.conf
expect_file "$work/monitor.files" -rw-r--r-- cn /etc/virdomm/storage.rules
expect_file "$work/monitor.files" -rw-r--r-- cn /etc/virdomm/virdomm-suricata.yaml
expect_file "$work/monitor.files" -rw-r--r-- cn /etc/virdomm/virdomm.rules
expect_file "$work/monitor.files" drwx------ "" /var/lib/virdomm
expect_file "$work/monitor.files" -rw-r--r-- l /usr/share/licenses/virdomm-monitor/LICENSE
expect_only "$work/monitor.files" '^(/usr/bin/domm-monitor|/usr/lib/systemd/system/domm-monitor(-alerts)?\.service|/etc/virdomm(/(monitor\.conf|storage\.rules|virdomm-suricata\.yaml|virdomm\.rules))?|/var/lib/virdomm|/usr/share/doc/virdomm-monitor(/.*)?|/usr/share/licenses/virdomm-monitor(/.*)?|/usr/lib/\.build-id(/.*)?)$'

# --- rpmlint, with Fedora's policy (Debian's rpmlint has only generic defaults) ------------------
lint_configs=(-c "$src/packaging/rpm/rpmlint.toml")
if [ "$with_cli" = 0 ] && [ "$with_hook" = 0 ]; then
  # Until the CLI or the hook is in the tree the dom0 package carries no binary at all.
  # (An rpmlintrc adds to the config's filters; a second -c config would replace them.)
  printf 'addFilter("virdomm.%s: E: no-binary")\n' "$arch" >"$work/partial-tree.rpmlintrc"
  lint_configs+=(-r "$work/partial-tree.rpmlintrc")
fi
lint_status=0
rpmlint "${lint_configs[@]}" "$srpm" "${binary_rpms[@]}" "$spec" >"$work/rpmlint.log" 2>&1 ||
  lint_status=$?
grep -E ': [EW]: ' "$work/rpmlint.log" | sort -u || true
summary=$(grep -E '[0-9]+ errors, [0-9]+ warnings' "$work/rpmlint.log" || true)
[ "$lint_status" -eq 0 ] && [[ "$summary" == *" 0 errors,"* ]] ||
  fail "rpmlint reports errors (exit $lint_status): $summary"
pass "rpmlint: no errors (${summary# })"

# --- scratch roots: a shell for the scriptlets, an empty rpm database -----------------------------
make_root() { # DIR
  local root=$1 lib
  mkdir -p "$root"/{dev,proc,tmp,var/tmp,run,etc,usr/bin}
  ln -s usr/bin "$root/bin"
  cp /usr/bin/dash "$root/usr/bin/sh"
  for lib in $(ldd /usr/bin/dash | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
  echo 'root:x:0:' >"$root/etc/group"
  : >"$root/dev/null"
  rpm --root "$root" --dbpath /var/lib/rpm --initdb
}
# Runs rpm on ROOT in a private mount namespace: /dev/null bound in, /proc mounted if asked.
root_rpm() { # ROOT WITH_PROC RPM-ARGS...
  unshare --mount --propagation private -- bash -euc '
    root=$1 with_proc=$2; shift 2
    mount --bind /dev/null "$root/dev/null"
    if [ "$with_proc" = 1 ]; then mount -t proc proc "$root/proc"; fi
    exec rpm --root "$root" --dbpath /var/lib/rpm "$@"' _ "$@"
}
installed_paths() { cut -d'|' -f3 "$work/dom0.files" "$work/monitor.files"; }

# A: no systemd and no libvirtd: scriptlets succeed and do nothing; files land where libvirtd and
# systemd look; an upgrade keeps an edited config; erase removes everything it installed.
rootA=$work/root-plain
make_root "$rootA"
root_rpm "$rootA" 0 -i --nodeps "$dom0_rpm" "$monitor_rpm" >"$work/A-install.log" 2>&1 ||
  fail "install into a bare root: $(cat "$work/A-install.log")"
pass "A: install with scriptlets, no systemd, no libvirtd"
if [ "$with_hook" = 1 ]; then
  hook=$rootA/etc/libvirt/hooks/libxl.d/virdomm
  [ -f "$hook" ] && [ ! -L "$hook" ] && [ "$(stat -c %a "$hook")" = 755 ] ||
    fail "A: the hook is not a regular 0755 file at /etc/libvirt/hooks/libxl.d/virdomm"
  pass "A: hook is a real 0755 executable where libvirtd's libxl driver looks"
fi
[ "$(stat -c %a "$rootA/var/lib/virdomm")" = 700 ] || fail "A: /var/lib/virdomm is not 0700"
"$rootA/usr/bin/domm-monitor" --help | grep -q '^Usage: domm-monitor' ||
  fail "A: the installed domm-monitor does not run"
pass "A: installed domm-monitor runs; state directory is 0700"
grep -q "^ExecStart=/usr/bin/domm-monitor run --config /etc/virdomm/monitor.conf$" \
  "$rootA/usr/lib/systemd/system/domm-monitor.service" &&
  grep -q "^ExecStart=/usr/bin/domm-monitor alerts publish --spool /var/lib/virdomm/alerts$" \
    "$rootA/usr/lib/systemd/system/domm-monitor-alerts.service" ||
  fail "A: the units do not point at the installed binary and config"
pass "A: units name /usr/bin/domm-monitor and /etc/virdomm/monitor.conf"

# The units as systemd reads them in the installed root (with the host's units for targets
# such as multi-user.target): a missing binary fails, a bad setting prints a warning.
mkdir -p "$rootA/lib/systemd"
cp -a /lib/systemd/system "$rootA/lib/systemd/"
verify_out=$(systemd-analyze verify --root="$rootA" \
  "$rootA"/usr/lib/systemd/system/domm-monitor{.service,-alerts.service} \
  $([ "$with_cli" = 1 ] && echo "$rootA/usr/lib/systemd/system/virdomm-alerts.service") 2>&1) ||
  fail "A: systemd-analyze verify: $verify_out"
[ -z "$verify_out" ] || fail "A: systemd-analyze verify warns: $verify_out"
rm -rf "$rootA/lib/systemd"
pass "A: systemd-analyze verify accepts the installed units"

# Requires: rpm's ELF dependency generator turned every library a packaged binary needs into a
# requirement, as found on the installed files.
check_requires() { # NAME RPM LISTING
  local name=$1 path file lib libs=0
  rpm -qp --requires "$2" >"$work/$name.requires"
  for path in $(cut -d'|' -f3 "$3"); do
    file=$rootA$path
    [ -f "$file" ] && [ ! -L "$file" ] && [ "$(head -c4 "$file" | tail -c3)" = ELF ] || continue
    for lib in $(readelf -d "$file" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'); do
      grep -qxF -e "$lib()(64bit)" "$work/$name.requires" ||
        fail "$name: $path needs $lib, but the package does not require $lib()(64bit)"
      libs=$((libs + 1))
    done
  done
  [ "$libs" -gt 0 ] || fail "$name: no ELF binary with NEEDED libraries found"
  pass "$name: requires every library its binaries need ($libs NEEDED entries):" \
    "$(grep -o '^[^(]*\.so[.0-9]*' "$work/$name.requires" | sort -u | tr '\n' ' ')"
}
if [ "$with_cli" = 1 ] || [ "$with_hook" = 1 ]; then
  check_requires dom0 "$dom0_rpm" "$work/dom0.files"
fi
if [ "$with_cli" = 1 ]; then
  grep -qxF -e 'libvirt.so.0()(64bit)' "$work/dom0.requires" ||
    fail "dom0: virdomm does not require libvirt.so.0"
  pass "dom0: requires libvirt.so.0"
fi
rpm -qp --requires "$dom0_rpm" | grep -qx libvirt-daemon-driver-libxl ||
  fail "dom0: no Requires on libvirt-daemon-driver-libxl"
pass "dom0: requires libvirt-daemon-driver-libxl (the hook runs only under the libxl driver)"
check_requires monitor "$monitor_rpm" "$work/monitor.files"
# Domain M links only Xen's stable libraries; libxenctrl (unstable ABI, dom0 only) stays out.
if grep -q '^libxenctrl' "$work/monitor.requires"; then
  fail "monitor: domm-monitor links libxenctrl"
fi
pass "monitor: no libxenctrl dependency"
rpm -qp --requires "$monitor_rpm" | grep -qx 'suricata >= 7.0' ||
  fail "monitor: no Requires on suricata >= 7.0"
pass "monitor: requires suricata >= 7.0 (the network IDS runs it)"

echo '#memory.kernel = /edited-by-admin' >>"$rootA/etc/virdomm/monitor.conf"
root_rpm "$rootA" 0 -U --replacepkgs --nodeps "$dom0_rpm" "$monitor_rpm" \
  >"$work/A-upgrade.log" 2>&1 || fail "A: upgrade: $(cat "$work/A-upgrade.log")"
grep -q -- /edited-by-admin "$rootA/etc/virdomm/monitor.conf" ||
  fail "A: the upgrade replaced the admin's monitor.conf"
pass "A: upgrade keeps the admin's monitor.conf (noreplace)"

root_rpm "$rootA" 0 -e virdomm virdomm-monitor >"$work/A-erase.log" 2>&1 ||
  fail "A: erase: $(cat "$work/A-erase.log")"
[ -z "$(root_rpm "$rootA" 0 -qa)" ] || fail "A: packages still registered after erase"
left=""
while read -r path; do
  [ -e "$rootA$path" ] || [ -L "$rootA$path" ] || continue
  # rpm keeps an edited config as .rpmsave, so its directory stays.
  [ "$path" = /etc/virdomm ] && continue
  left="$left $path"
done < <(installed_paths)
[ -z "$left" ] || fail "A: erase left:$left"
[ -f "$rootA/etc/virdomm/monitor.conf.rpmsave" ] || fail "A: the edited config was not saved"
pass "A: erase removes every packaged file; the edited config is kept as .rpmsave"

# B: systemd running (as the scriptlets see it): a recording systemctl reports libvirtd active
# and virtxend inactive, and fails every reload: the transaction must still succeed.
rootB=$work/root-systemd
make_root "$rootB"
mkdir -p "$rootB/run/systemd/system"
cat >"$rootB/usr/bin/systemctl" <<'EOF'
#!/bin/sh
echo "$*" >>/systemctl.log
case "$*" in
  "is-active --quiet libvirtd.service") exit 0 ;;
  "is-active --quiet "*) exit 3 ;;
  reload*) exit 1 ;;
esac
exit 0
EOF
chmod 0755 "$rootB/usr/bin/systemctl"
units="domm-monitor.service domm-monitor-alerts.service"
log=$rootB/systemctl.log
count() { grep -cxF -e "$1" "$log" || true; }
expect_count() { # WHAT COUNT LINE
  [ "$(count "$3")" -eq "$2" ] || fail "B: $1: expected $2 x '$3'; systemctl saw:
$(cat "$log")"
}

root_rpm "$rootB" 0 -i --nodeps "$dom0_rpm" "$monitor_rpm" >"$work/B-install.log" 2>&1 ||
  fail "B: install: $(cat "$work/B-install.log")"
expect_count install 1 "reload libvirtd.service"
expect_count install 0 "reload virtxend.service"
expect_count install 1 "--no-reload preset $units"
expect_count install 1 "--no-reload preset virdomm-alerts.service"
pass "B: install reloads the active libvirtd once (reload failing), presets the monitor units and dom0's collector"

root_rpm "$rootB" 0 -U --replacepkgs --nodeps "$dom0_rpm" "$monitor_rpm" \
  >"$work/B-upgrade.log" 2>&1 || fail "B: upgrade: $(cat "$work/B-upgrade.log")"
expect_count upgrade 3 "reload libvirtd.service" # post of the new one, postun of the old one
expect_count upgrade 1 "--no-reload preset $units"
expect_count upgrade 1 "try-restart $units"
expect_count upgrade 1 "--no-reload preset virdomm-alerts.service"
expect_count upgrade 1 "try-restart virdomm-alerts.service"
pass "B: upgrade reloads libvirtd again, restarts running monitor units, presets nothing new"

root_rpm "$rootB" 0 -e virdomm virdomm-monitor >"$work/B-erase.log" 2>&1 ||
  fail "B: erase: $(cat "$work/B-erase.log")"
expect_count erase 4 "reload libvirtd.service"
expect_count erase 1 "--no-reload disable $units"
expect_count erase 1 "stop $units"
expect_count erase 1 "--no-reload disable virdomm-alerts.service"
expect_count erase 1 "stop virdomm-alerts.service"
if grep -Eq '(^| )(restart|try-restart|reload-or-restart|try-reload-or-restart) libvirtd' "$log"
then
  fail "B: a scriptlet restarted libvirtd"
fi
pass "B: erase reloads libvirtd, disables and stops the monitor units; libvirtd never restarted"

# C: no systemd; libvirtd found through /run/libvirtd.pid gets SIGHUP; a pid file naming another
# program (a stale virtxend.pid) must not be signalled.
rootC=$work/root-pidfile
make_root "$rootC"
mkdir -p "$work/fake"
cp /usr/bin/sleep "$work/fake/libvirtd" # its comm is "libvirtd"; SIGHUP ends it with 129
hup_case() { # WHAT RPM-ARGS...
  local what=$1 daemon bystander status=0
  shift
  "$work/fake/libvirtd" 300 &
  daemon=$!
  sleep 300 &
  bystander=$!
  echo "$daemon" >"$rootC/run/libvirtd.pid"
  echo "$bystander" >"$rootC/run/virtxend.pid"
  root_rpm "$rootC" 1 "$@" >"$work/C-$what.log" 2>&1 || status=$?
  if [ "$status" -ne 0 ]; then
    kill "$daemon" "$bystander" 2>/dev/null || true
    fail "C: $what: $(cat "$work/C-$what.log")"
  fi
  for _ in $(seq 50); do kill -0 "$daemon" 2>/dev/null || break; sleep 0.1; done
  status=0
  kill -0 "$daemon" 2>/dev/null && kill "$daemon"
  wait "$daemon" || status=$?
  kill -0 "$bystander" 2>/dev/null || fail "C: $what signalled a process that is not libvirtd"
  kill "$bystander"
  wait "$bystander" || true
  [ "$status" -eq 129 ] || fail "C: $what: libvirtd got no SIGHUP (exit status $status)"
  pass "C: $what sends libvirtd (found by pid file) SIGHUP, and nothing else"
}
hup_case install -i --nodeps "$dom0_rpm"
hup_case erase -e virdomm

echo "$checks passed, 0 failed"
