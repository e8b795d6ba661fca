# One DomU-bit case (sourced by scenarios/domubit-*.sh, which set probe_stack and probe_via) on
# the emulated Xen rig, whose dom0s keep Debian's own libxenguest. A PV Domain M maps a page of a
# PVH DomU through xen-privcmd, next to a page of its own in the same L1 table, and is moved (xl
# save/restore, virsh save/restore, or virsh migrate of the pair to host2).
#   probe_stack=stock:   Debian's xen-privcmd in M. EXPECTED: the move "succeeds" and M is
#                        corrupted (own page lost, SIGBUS, stack smashing, bad rss-counter or a
#                        failed multicall). The case passes when that is observed.
#   probe_stack=virdomm: virdomm's xen-privcmd (linux-patches/) in M. EXPECTED: M drops its
#                        foreign mapping at suspend, and once bound again
#                        (tools/domubit_bind.cpp: the product's bind, the hook's decision) M re-makes the
#                        mapping itself: its probe waits through the gap and goes on with the
#                        same target hash and its own page.
# shellcheck shell=bash
here=$repo/tests/e2e/domubit
case "$probe_stack/$probe_via" in
  stock/xl | stock/virsh | stock/migrate | virdomm/xl | virdomm/virsh | virdomm/migrate) ;;
  *) fail "probe_stack must be stock|virdomm and probe_via xl|virsh|migrate" ;;
esac
via=$probe_via
log() { printf '[domubit %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

work=$(mktemp -d)
name=rig-domm-probe
# The control channel can drop a connection (exit 255, nothing run): try again, a few times.
retry255() {
  local n rc
  for n in 1 2 3 4; do
    "$@"
    rc=$?
    [ $rc = 255 ] || return $rc
    sleep 20
  done
  return $rc
}
on() { retry255 "$rig" sh --timeout "${3:-120}" "$1" "$2"; }
virsh_on() { local h=$1; shift; retry255 "$rig" exec --timeout 300 "$h" -- virsh -c xen:///system "$@"; }
put_on() { retry255 "$rig" put "$@"; }


# --- What goes into the hosts ----------------------------------------------------------------
domubit_build() {
  g++ -std=c++20 -O2 -Wall -Wextra -Werror -static -fstack-protector-strong \
    -o "$work/domubit-probe" "$here/tools/domubit_probe.cpp" || fail "building domubit-probe"
  # The bind: the project's build of tools/domubit_bind.cpp (the product's Xen backend), for
  # the dom0s' Debian release.
  local dom0_build=${VIRDOMM_RIG_DOM0_BUILD_DIR:-${build_dir:-}} bind
  bind=$([ -n "$dom0_build" ] && find "$dom0_build" -path "$dom0_build/release-*" -prune -o \
    -type f -name domubit-bind -perm -u+x -print -quit 2>/dev/null)
  [ -n "$bind" ] && cp "$bind" "$work/domubit-bind" ||
    fail "no domubit-bind in the build directory (run with --build-dir)"
  local guest_abi
  guest_abi=$(cat "$(rig_image_dir)/boot/kernel-version") || fail "no kernel version in the rig's images"
  lin=$("$repo/linux-patches/build.sh" --abi "$guest_abi") || fail "linux-patches/build.sh --abi $guest_abi"
  abi=$(sed -n 's/^KERNEL_ABI=//p' <<<"$lin")
  kver=$(sed -n 's/^KERNEL_VERSION=//p' <<<"$lin")
  mkdir -p "$work/overlay/bin" "$work/overlay/lib/modules/probe"
  if [ "$probe_stack" = virdomm ]; then
    cp "$(sed -n 's/^MODULE=//p' <<<"$lin")" "$work/overlay/lib/modules/probe/xen-privcmd.ko"
  else
    dl=${VIRDOMM_LINUX_CACHE:-/var/cache/virdomm-linux}/dl
    img=$(ls "$dl"/linux-image-"$abi"_"$kver"_amd64.deb 2>/dev/null) ||
      { (cd "$dl" && apt-get download -qq "linux-image-$abi=$kver") && img=$(ls "$dl"/linux-image-"$abi"_"$kver"_amd64.deb); } ||
      fail "cannot get linux-image-$abi $kver for Debian's xen-privcmd.ko"
    dpkg-deb --fsys-tarfile "$img" | tar -x -C "$work" --wildcards '*/xen-privcmd.ko'
    cp "$(find "$work/lib" -name xen-privcmd.ko | head -1)" "$work/overlay/lib/modules/probe/"
  fi
  cp "$work/domubit-probe" "$work/overlay/bin/"
  install -m 755 "$here/guest/probe-init" "$work/overlay/init"
}

hosts=(host1)
[ "$via" = migrate ] && hosts+=(host2)
domubit_prepare_hosts() {
  # The probe's initramfs: the rig's busybox Domain M with the overlay on top, packed as one
  # archive (the kernel did not unpack a second gzip member appended to the first).
  (cd "$work/overlay" && zcat "$(rig_image_dir)/guests/domm-base.cpio.gz" | cpio -id --quiet 2>/dev/null &&
    install -m 755 "$here/guest/probe-init" init &&
    find . -print0 | LC_ALL=C sort -z | cpio -o -0 -H newc -R 0:0 --quiet) | gzip -1 >"$work/probe-initrd.img" ||
    fail "packing the probe's initramfs"

  for h in "${hosts[@]}"; do
    put_on "$h" "$work/probe-initrd.img" /var/lib/virdomm/probe-initrd.img || fail "put on $h"
    put_on "$h" "$work/domubit-bind" /usr/local/bin/domubit-bind || fail "put on $h"
    on "$h" "chmod 755 /usr/local/bin/domubit-bind" || fail "preparing $h"
    on "$h" "xl destroy $name 2>/dev/null; virsh -c xen:///system destroy $name 2>/dev/null; true"
  done

  console=/var/log/xen/console/guest-$name.log
}

# Console lines of the probe's M on HOST after line FROM.
console_after() { on "$1" "tail -n +$(($2 + 1)) $console 2>/dev/null | tr -d '\r'"; }
console_lines() { on "$1" "cat $console 2>/dev/null | wc -l"; }
wait_for_line() { # HOST FROM REGEX SECONDS
  on "$1" "for i in \$(seq 1 $4); do tail -n +$(($2 + 1)) $console 2>/dev/null | grep -aqE '$3' && exit 0; sleep 1; done; exit 1" $(($4 + 30))
}

# From here on a failure shows what the hosts say about the guests; finish() turns it into exit
# 75 when a guest triple-faulted under the emulated CPU meanwhile (beyond the boots retried).
fail() {
  echo "FAIL: $*"
  "$rig" status >/dev/null 2>&1 && e2e_move_diagnostics rig-domu "${hosts[@]}"
  finish 1
}

# --- Start the pair on host1 -----------------------------------------------------------------
domubit_start() {
  if [ "$via" = xl ]; then
    # All through xl: the same PVH DomU as the rig's domu.xml (native TSC too).
    on host1 "printf '%s\n' 'name = \"rig-domu\"' 'type = \"pvh\"' 'memory = 128' 'vcpus = 1' \
        'kernel = \"/var/lib/virdomm/shared/kernel/vmlinuz\"' \
        'ramdisk = \"/var/lib/virdomm/shared/domu/initrd.img\"' 'extra = \"console=hvc0 loglevel=4\"' \
        'disk = [ \"format=raw,vdev=xvda,access=rw,target=/var/lib/virdomm/shared/domu/root.img\" ]' \
        'on_reboot = \"destroy\"' 'tsc_mode = \"native\"' >/var/lib/virdomm/domu.cfg" || fail "DomU's xl config"
    on host1 "xl domid rig-domu" >/dev/null 2>&1 || e2e_start_domu host1 --xl /var/lib/virdomm/domu.cfg ||
      fail "DomU (xl)"
    U=$(on host1 "xl domid rig-domu")
  else
    virsh_on host1 domid rig-domu >/dev/null 2>&1 || e2e_start_domu host1 create /mnt/rig/domains/domu.xml ||
      fail "DomU"
    U=$(virsh_on host1 domid rig-domu | head -1)
  fi
  on host1 "for i in \$(seq 1 60); do
      xl list $U 2>/dev/null | grep -q rig-domu && tail -n 2 /var/log/xen/console/guest-rig-domu.log |
        grep -aq 'virdomm-domu: tick' && exit 0
      sleep 1
    done
    echo 'DomU ($U) does not run:' >&2; xl list >&2; tail -n 5 /var/log/xen/xl-rig-domu.log >&2; exit 1" 90 ||
    fail "DomU did not come up"
  cmdline="console=hvc0 loglevel=4 rdinit=/init virdomm.target=$U virdomm.gfn=1000"
  from=$(console_lines host1)
  if [ "$via" = xl ]; then
    on host1 "printf '%s\n' 'name = \"$name\"' 'type = \"pv\"' 'memory = 128' 'vcpus = 1' \
      'kernel = \"/var/lib/virdomm/shared/kernel/vmlinuz\"' 'ramdisk = \"/var/lib/virdomm/probe-initrd.img\"' \
      'extra = \"$cmdline\"' 'on_reboot = \"destroy\"' 'tsc_mode = \"native\"' >/var/lib/virdomm/probe.cfg &&
      xl create -p /var/lib/virdomm/probe.cfg" || fail "xl create"
    M=$(on host1 "xl domid $name")
  else
    on host1 "sed -e 's|<name>rig-domm</name>|<name>$name</name>|' \
      -e 's|<initrd>.*</initrd>|<initrd>/var/lib/virdomm/probe-initrd.img</initrd>|' \
      -e 's|<cmdline>.*</cmdline>|<cmdline>$cmdline</cmdline>|' /mnt/rig/domains/domm.xml >/var/lib/virdomm/probe.xml" ||
      fail "domain XML"
    virsh_on host1 create --paused /var/lib/virdomm/probe.xml || fail "virsh create"
    M=$(virsh_on host1 domid $name | head -1)
  fi
  on host1 "domubit-bind target $M $U" || fail "binding M=$M to U=$U"
  if [ "$via" = xl ]; then on host1 "xl unpause $M"; else virsh_on host1 resume $name; fi || fail "unpause M"
  wait_for_line host1 "$from" 'domubit-probe: tick 3 target' 90 || {
    console_after host1 "$from"
    fail "the probe did not map DomU's page"
}
before=$(console_after host1 "$from")
echo "$before"
hash0=$(grep -aoE 'tick [0-9]+ target [0-9a-f]+' <<<"$before" | tail -1 | awk '{print $4}')
[ -n "$hash0" ] || fail "no target hash before the move"
}

# --- The move --------------------------------------------------------------------------------
domubit_move() {
  dest=host1
  [ "$via" = migrate ] && dest=host2
  # Counted before the move: the restored M writes its first lines at once.
  from2=$(console_lines "$dest")
  log "moving M via $via"
  case "$via" in
    xl)
      on host1 "xl save $M /var/lib/virdomm/probe.save && xl restore /var/lib/virdomm/probe.save" 600 ||
        fail "xl save/restore failed (stock expectation: it succeeds)"
      ;;
    virsh)
      virsh_on host1 save $name /var/lib/virdomm/probe.save && virsh_on host1 restore /var/lib/virdomm/probe.save ||
        fail "virsh save/restore failed"
      ;;
    migrate)
      live_m=""
      e2e_pv_moves_live host1 && live_m=--live
      e2e_migrate rig-domu host1 host2 --live || fail "migrating DomU"
      e2e_migrate $name host1 host2 $live_m || fail "migrating M ${live_m:-non-live} (stock expectation: it succeeds)"
      ;;
  esac
  M2=$(on "$dest" "xl domid $name") || fail "no $name on $dest after the move"
  U2=$(on "$dest" "xl domid rig-domu") || fail "no rig-domu on $dest"
  log "M is now $M2 on $dest, DomU $U2"
}

domubit_rebind() {
  # Bind as the hook would, after a pause that M's probe must survive (it is reading meanwhile).
  sleep 5
  on "$dest" "domubit-bind target $M2 $U2" || fail "binding M'=$M2 to U'=$U2"
  sleep 15
  after=$(console_after "$dest" "$from2")
  # The console log is per name; after a restore on the same host the old lines stay above.
  echo "$after"

  # What the verdict looks for; no match is the patched stack's good case.
  bad=$(grep -aE 'CORRUPTED|SIGBUS|stack smashing|rss-counter|multicall|probe exited|BUG|Oops' <<<"$after")
  return 0
}

domubit_verdict() {
  ticks=$(grep -acE 'tick [0-9]+ target' <<<"$after")
  hash1=$(grep -aoE 'tick [0-9]+ target [0-9a-f]+' <<<"$after" | tail -1 | awk '{print $4}')
  if [ "$probe_stack" = stock ]; then
    if [ -n "$bad" ]; then
      echo "PASS: stock stack via $via: the move succeeded and M is corrupted, as expected:"
      echo "$bad"
      result=0
    else
      echo "FAIL: stock stack via $via: no corruption observed ($ticks ticks, hash $hash1)"
      result=1
    fi
  else
    remade=$(on "$dest" "xenstore-read /local/domain/$M2/data/virdomm-mappings 2>/dev/null")
    echo "M's re-made mappings (domid made refused): ${remade:-none}"
    if [ -z "$bad" ] && [ "$ticks" -ge 5 ] && [ "$hash1" = "$hash0" ] &&
      [[ "$remade" =~ ^$U2\ [1-9][0-9]*\ 0$ ]]; then
      echo "PASS: virdomm's xen-privcmd via $via: M kept reading DomU (hash $hash1, $ticks ticks) with its own page intact"
      result=0
    else
      echo "FAIL: virdomm's xen-privcmd via $via: bad='$bad' ticks=$ticks hash0=$hash0 hash1=$hash1 remade='$remade'"
      result=1
    fi
  fi
    return "$result"
}

# Hosts as the next DomU-bit case expects them (`# rig: reuse domubit`): no probe M, DomU
# running on host1 under libvirt (or none, after the xl case).
domubit_leave_hosts() {
  local h
  for h in "${hosts[@]}"; do
    on "$h" "xl destroy $name 2>/dev/null; virsh -c xen:///system destroy $name 2>/dev/null
      rm -f /var/lib/virdomm/probe.save; true" >/dev/null || return 1
    [ "$via" = xl ] && { on "$h" "xl destroy rig-domu 2>/dev/null; true" >/dev/null || return 1; }
  done
  if [ "$via" = migrate ]; then e2e_migrate rig-domu host2 host1 --live || return 1; fi
  # The next case takes this DomU as it is: it must still be alive and ticking on host1.
  [ "$via" = xl ] || on host1 'sleep 5; log=/var/log/xen/console/guest-rig-domu.log
    ! tail -n 20 $log | grep -aq "Kernel panic" && tail -n 2 $log | grep -aq "virdomm-domu: tick"' 30 ||
    { echo "DomU does not tick on host1 any more:" >&2; on host1 'tail -n 5 /var/log/xen/console/guest-rig-domu.log' >&2; return 1; }
}

step "the probe, the bind fixture and the $probe_stack module built" domubit_build
step "both hosts up" e2e_hosts_up
step "the probe on the hosts (Debian's libxenguest)" domubit_prepare_hosts
step "DomU and the probe's M started, M maps DomU's page" domubit_start
step "M moved via $probe_via" domubit_move
step "M bound again as the hook would, probe read on" domubit_rebind
step "verdict: $probe_stack stack via $probe_via" domubit_verdict
step "hosts left for the next DomU-bit case" domubit_leave_hosts
