# Lifecycle of the two emulated hosts: build (cached images), up, down, status, put, logs.
# Needs common.sh and ctl.sh.

rig_build() {
  local img
  img=$(rig_image_dir)
  if [ -e "$img/dom0.raw" ]; then
    rig_log "images up to date: $img"
    return 0
  fi
  mkdir -p "$RIG_CACHE"
  exec {build_lock}>"$RIG_CACHE/build.lock"
  flock "$build_lock"
  if [ ! -e "$img/dom0.raw" ]; then
    local start=$SECONDS
    rig_log "building images for recipe $(rig_recipe_key) (cold cache: several minutes)"
    local rootfs
    rootfs=$(rig_rootfs_dir)
    [ -e "$rootfs" ] || "$RIG_DIR/lib/build-rootfs.sh" "$rootfs"
    "$RIG_DIR/lib/build-image.sh" "$rootfs" "$img"
    rig_log "build took $((SECONDS - start)) s"
    # What older recipes of this release left is dead weight (GBs each); the newest other one
    # stays, since a rig still running may use it as its disks' backing file.
    local old kind
    for kind in images rootfs; do
      for old in $(ls -dt "$RIG_CACHE/$kind-$RIG_SUITE"-* 2>/dev/null | grep -v '\.tmp$' | tail -n +3); do
        [ "$old" = "$img" ] || [ "$old" = "$rootfs" ] || rm -rf "$old"
      done
    done
  fi
  exec {build_lock}>&-
}

# The Xen binary the hosts boot: the dom0 root's own (the release as updated: bookworm's 4.17.7,
# trixie's 4.20.4, both built without shadow paging), or with VIRDOMM_RIG_HYPERVISOR another
# Debian build of the same xen-hypervisor-4.X-amd64 package: VERSION, `main` (the one in the
# release's main suite: bookworm's 4.17.5, built with the shadow paging a live move of a PV guest
# needs) or `newest` (the highest apt offers). Only the hypervisor changes: the dom0 keeps its
# tools, which the stable branch's fixed domctl/sysctl interface versions allow. The versions
# are the ones this machine's apt knows.
rig_hypervisor() { # IMAGE_DIR -> path of the ELF to boot
  local img=$1 want=${VIRDOMM_RIG_HYPERVISOR:-} pkg
  if [ -z "$want" ]; then
    echo "$img/boot/xen"
    return 0
  fi
  pkg=$(awk '$1 ~ /^xen-hypervisor-4\.[0-9]+-amd64$/ {print $1}' "$img/dom0-packages.txt")
  [ -n "$pkg" ] || rig_die "no xen-hypervisor package in $img/dom0-packages.txt"
  case "$want" in
    newest) want=$(apt-cache madison "$pkg" | awk '{print $3}' | sort -rV | head -1) ;;
    main) want=$(apt-cache madison "$pkg" |
      awk -F'|' -v suite=" $RIG_SUITE/main " '$3 ~ suite {gsub(/ /, "", $2); print $2; exit}') ;;
  esac
  [ -n "$want" ] || rig_die "apt knows no $pkg ${VIRDOMM_RIG_HYPERVISOR} (run apt-get update)"
  local dir="$RIG_CACHE/hypervisor-${want//[:+~]/_}"
  if [ ! -s "$dir/xen" ]; then
    rig_log "fetching $pkg $want"
    rm -rf "$dir.tmp"
    mkdir -p "$dir.tmp"
    (cd "$dir.tmp" && apt-get download -q "$pkg=$want") >"$dir.tmp/fetch.log" 2>&1 ||
      { cat "$dir.tmp/fetch.log" >&2; rig_die "cannot download $pkg $want"; }
    dpkg-deb -x "$dir.tmp"/xen-hypervisor-*.deb "$dir.tmp/deb"
    zcat "$dir.tmp"/deb/boot/xen-4.*-amd64.gz >"$dir.tmp/xen"
    cp "$dir.tmp"/deb/boot/xen-4.*-amd64.config "$dir.tmp/config"
    echo "$want" >"$dir.tmp/version"
    rm -rf "$dir.tmp/deb" "$dir.tmp"/*.deb
    rm -rf "$dir"
    mv "$dir.tmp" "$dir"
  fi
  echo "$dir/xen"
}

rig_qemu_alive() {
  local pidfile="$RIG_RUN/host$1.pid"
  [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

# A TCP port on 127.0.0.1 nobody listens on, for the hosts' private link.
rig_free_port() {
  local port
  for port in $(shuf -i 20000-60000 -n 100); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  rig_die "no free TCP port on 127.0.0.1"
}

# The project's binaries (whatever of them the build dir has) and Domain M's initramfs.
rig_prepare_share() {
  local build_dir=$1 img=$2 share="$RIG_RUN/share"
  # The directory itself stays: the dom0s' 9p mounts hold on to it.
  mkdir -p "$share"
  find "$share" -mindepth 1 -delete
  mkdir -p "$share/bin" "$share/images" "$share/domains" "$share/put"
  cp "$RIG_DIR"/domains/*.xml "$share/domains/"
  if [ -n "$build_dir" ]; then
    # The dom0s' binaries come from VIRDOMM_RIG_DOM0_BUILD_DIR when the dom0s run another
    # Debian release than this machine (built there by build-dom0-binaries.sh); Domain M's
    # domm-monitor always from this machine's build, with its libraries beside it.
    local name path dir
    for name in virdomm virdomm-hook virdomm-hook-network.so domm-monitor rig-read-guest-page; do
      dir=$build_dir
      [ "$name" = domm-monitor ] || dir=${VIRDOMM_RIG_DOM0_BUILD_DIR:-$build_dir}
      path=$(find "$dir" -path "$dir/release-*" -prune -o -type f -name "$name" -perm -u+x \
        -print -quit 2>/dev/null)
      [ -n "$path" ] && cp "$path" "$share/bin/"
    done
    rig_log "project binaries for the dom0s: $(cd "$share/bin" && echo *)"
  fi
  # Domain M: the cached busybox initramfs with its init (domm/init, kept out of the recipe so
  # that a change to it rebuilds no image), domm-monitor and the shared libraries it loads added,
  # repacked as one archive (a second gzip member appended to the first was not unpacked). It
  # also gets DomU's kernel image (the memory checker's trusted image) and, when
  # VIRDOMM_RIG_DOMM_PRIVCMD names one, a xen-privcmd module to load instead of the kernel's.
  local stage
  stage=$(mktemp -d)
  (cd "$stage" && zcat "$img/guests/domm-base.cpio.gz" | cpio -id --quiet)
  install -m 755 "$RIG_DIR/domm/init" "$stage/init"
  if [ -e "$share/bin/domm-monitor" ]; then
    # Stripped: Domain M holds its whole system in RAM.
    install -D -m 755 -s "$share/bin/domm-monitor" "$stage/usr/bin/domm-monitor"
    install -D -m 644 "$img/boot/vmlinuz" "$stage/boot/vmlinuz"
    if [ -n "${VIRDOMM_RIG_DOMM_PRIVCMD:-}" ]; then
      install -D -m 644 "$VIRDOMM_RIG_DOMM_PRIVCMD" "$stage/lib/modules/xen-privcmd.ko"
      rig_log "Domain M gets xen-privcmd from $VIRDOMM_RIG_DOMM_PRIVCMD"
    fi
    rig_stage_libraries "$stage" "$share/bin/domm-monitor"
    # The virdomm-monitor package's unit and configuration, with the paths the RPM gives them
    # (prefix /usr: /usr/bin, /etc/virdomm, /var/lib/virdomm); domm/init runs the daemon from
    # them.
    local system=$RIG_DIR/../../../src/monitor-guest/daemon/system
    rig_configure_packaged "$system/domm-monitor.service.in" \
      "$stage/usr/lib/systemd/system/domm-monitor.service"
    rig_configure_packaged "$system/monitor.conf.in" "$stage/etc/virdomm/monitor.conf"
    # The network monitor's IDS: this machine's Suricata (Debian 12: bookworm-backports) with
    # the project's own configuration and rules, where the packaged unit would find them.
    if [ -x /usr/bin/suricata ]; then
      local conf=$RIG_DIR/../../../src/monitor-guest/network/suricata
      install -D -m 755 /usr/bin/suricata "$stage/usr/bin/suricata"
      rig_stage_libraries "$stage" /usr/bin/suricata
      install -D -m 644 "$conf/virdomm-suricata.yaml" "$stage/etc/virdomm/virdomm-suricata.yaml"
      install -D -m 644 "$conf/virdomm.rules" "$stage/etc/virdomm/virdomm.rules"
      install -D -m 644 -t "$stage/etc/suricata" /etc/suricata/classification.config \
        /etc/suricata/reference.config
    fi
  fi
  (cd "$stage" && find . -print0 | LC_ALL=C sort -z | cpio -o -0 -H newc -R 0:0 --quiet) |
    gzip -1 >"$share/images/domm-initrd.img"
  rm -rf "$stage"
  chmod -R a+rX "$share"
}

# rig_configure_packaged TEMPLATE OUT: a unit or configuration template of the monitor package
# filled in as CMake fills it for the RPM's paths.
rig_configure_packaged() {
  mkdir -p "$(dirname "$2")"
  sed -e 's|@VIRDOMM_MONITOR_BIN@|/usr/bin/domm-monitor|g' -e 's|@VIRDOMM_CONFIG_DIR@|/etc/virdomm|g' \
    -e 's|@VIRDOMM_STATE_DIR@|/var/lib/virdomm|g' "$1" >"$2"
  ! grep -q '@[A-Z_]*@' "$2" || { rig_log "unknown template variable in $1"; return 1; }
}

# rig_stage_libraries STAGE BINARY: the shared libraries BINARY loads (ldd), copied into STAGE
# at their paths.
rig_stage_libraries() {
  local lib
  for lib in $(ldd "$2" | grep -o '/[^ ]*'); do
    mkdir -p "$1$(dirname "$lib")"
    cp -L "$lib" "$1$lib"
  done
}

# rig_start_host IDX IMAGE_DIR PORT XEN [SNAPSHOT_DIR]: with SNAPSHOT_DIR, the host resumes from
# the machine state saved there (rig_snapshot_take) over the disk as it was then, instead of
# booting.
# How a dom0 mounts the runner's share (rig-init does the same at boot).
RIG_MOUNT_SHARE='mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=none rigshare /mnt/rig'

rig_start_host() {
  local idx=$1 img=$2 port=$3 xen=$4 snap=${5:-} link
  local -a resume=()
  if [ "$idx" = 1 ]; then link="listen=127.0.0.1:$port"; else link="connect=127.0.0.1:$port"; fi
  if [ -n "$snap" ]; then
    qemu-img create -q -f qcow2 -b "$snap/host$idx.qcow2" -F qcow2 "$RIG_RUN/host$idx.qcow2"
    resume=(-incoming "exec:cat $snap/host$idx.state")
  else
    qemu-img create -q -f qcow2 -b "$img/dom0.raw" -F raw "$RIG_RUN/host$idx.qcow2"
  fi
  : >"$RIG_RUN/host$idx.serial.log"
  # qemu64 with SSSE3, SSE4.1/4.2 and POPCNT, which every x86-64 server since 2008 has and
  # Debian's Hyperscan (in Domain M's Suricata) needs at load: without them it dies of SIGILL.
  qemu-system-x86_64 -name "rig-host$idx" -machine q35 \
    -accel "tcg,thread=$RIG_TCG_THREAD,tb-size=256" -cpu qemu64,+svm,+npt,+ssse3,+sse4.1,+sse4.2,+popcnt \
    -m "$RIG_HOST_MEM" -smp 2 -display none -no-reboot \
    -monitor "unix:$RIG_RUN/host$idx.mon,server=on,wait=off" \
    -serial "file:$RIG_RUN/host$idx.serial.log" \
    -kernel "$xen" \
    -append "console=com1 com1=115200,8n1 bootscrub=0 spec-ctrl=no dom0_mem=${RIG_DOM0_MEM}M,max:${RIG_DOM0_MEM}M dom0_max_vcpus=2 noreboot" \
    -initrd "$img/boot/vmlinuz root=/dev/vda rw init=/sbin/rig-init console=hvc0 mitigations=off rig.host=$idx,$img/boot/initrd.img" \
    -drive "file=$RIG_RUN/host$idx.qcow2,if=virtio,format=qcow2,cache=unsafe" \
    -netdev "socket,id=link,$link" -device "virtio-net-pci,netdev=link,mac=52:54:00:00:00:0$idx" \
    -device virtio-serial-pci \
    -chardev "socket,id=ctl,path=$RIG_RUN/host$idx.ctl,server=on,wait=off" \
    -device virtserialport,chardev=ctl,name=ctl \
    -virtfs "local,path=$RIG_RUN/share,mount_tag=rigshare,security_model=none,readonly=on" \
    "${resume[@]}" -daemonize -pidfile "$RIG_RUN/host$idx.pid"
}

# Waits for one host: agent, libvirtd answering on xen:///system, shared storage mounted.
rig_wait_host() {
  local idx=$1 start=$SECONDS
  rig_ctl_wait "$idx" "${VIRDOMM_RIG_BOOT_TIMEOUT:-900}" || { rig_log "host$idx: control agent never answered"; return 1; }
  rig_log "host$idx: control agent answers after $((SECONDS - start)) s"
  rig_ctl "$idx" 300 '
    for i in $(seq 1 100); do
      virsh -c xen:///system version >/dev/null 2>&1 && mountpoint -q /var/lib/virdomm/shared &&
        [ -e /var/lib/virdomm/shared/domu/root.img ] &&
        [ -e /var/lib/virdomm/shared-ro/domu/root.img ] && exit 0
      sleep 3
    done
    echo "libvirtd or the shared storage is not ready" >&2
    tail -5 /var/log/rig-init.log >&2; exit 1' ||
    { rig_log "host$idx: libvirtd/NFS not ready"; return 1; }
  rig_ctl "$idx" 60 'cp /mnt/rig/bin/* /usr/local/bin/ 2>/dev/null; true'
  rig_log "host$idx: libvirtd and shared storage ready after $((SECONDS - start)) s"
}

# --- Saved machine state ---------------------------------------------------------------------
# Both hosts are booted once per image recipe, hypervisor, memory sizes and host command line
# (the functions that start and wait for a host), and their machine state (RAM, devices, disk
# overlay) is saved right after libvirtd and NFS are ready: `up` then resumes from it in
# seconds instead of booting for minutes. QEMU's 9p device refuses
# to be saved while the share is mounted, so the dom0s unmount it first and mount it again on
# resume. Both hosts are stopped before either is saved, so the NFS and TCP state between them
# stays consistent; the dom0 clocks are set to the runner's on resume.
rig_snapshot_dir() { # XEN
  local key
  key=$( (printf '%s\n' "$(rig_recipe_key)" "$1" "$RIG_HOST_MEM" "$RIG_DOM0_MEM" "$RIG_TCG_THREAD"
    declare -f rig_start_host rig_wait_host) | sha256sum | cut -c1-16)
  echo "$RIG_CACHE/snapshot-$key"
}

# rig_monitor IDX CMD: one command on host IDX's QEMU monitor; prints its answer.
rig_monitor() {
  echo "$2" | timeout 30 socat - "UNIX-CONNECT:$RIG_RUN/host$1.mon" 2>/dev/null | tr -d '\r' |
    grep -av -e '^QEMU ' -e '^(qemu)'
}
rig_migration_done() { # IDX TIMEOUT_S: waits until the host's save or resume has completed
  local i
  for i in $(seq 1 "$2"); do
    case "$(rig_monitor "$1" 'info migrate' | grep -ao 'Migration status: [a-z-]*')" in
      *completed) return 0 ;;
      *failed | *cancelled) rig_log "host$1: $(rig_monitor "$1" 'info migrate' | head -5)"; return 1 ;;
    esac
    sleep 1
  done
  rig_log "host$1: save or resume did not complete in $2 s"
  return 1
}

# Saves both running hosts into DIR (host1.qcow2/.state, host2.qcow2/.state) and stops them.
rig_snapshot_take() { # DIR
  local dir=$1 idx
  rm -rf "$dir.tmp"
  mkdir -p "$dir.tmp"
  for idx in 1 2; do
    rig_ctl "$idx" 60 'umount /mnt/rig' || { rig_log "host$idx: cannot unmount the 9p share"; return 1; }
  done
  for idx in 1 2; do rig_monitor "$idx" stop >/dev/null; done
  for idx in 1 2; do rig_monitor "$idx" "migrate \"exec:cat >$dir.tmp/host$idx.state\"" >/dev/null; done
  for idx in 1 2; do rig_migration_done "$idx" 600 || return 1; done
  for idx in 1 2; do
    rig_stop_qemu "$idx"
    mv "$RIG_RUN/host$idx.qcow2" "$dir.tmp/"
    rm -f "$RIG_RUN/host$idx.pid" "$RIG_RUN/host$idx.ctl" "$RIG_RUN/host$idx.mon"
  done
  rm -rf "$dir"
  mv "$dir.tmp" "$dir"
  rig_log "both hosts saved in $dir ($(du -sh "$dir" | cut -f1))"
  # Older saved states are dead weight; the newest six stay (one per stack in use).
  local old
  for old in $(ls -dt "$RIG_CACHE"/snapshot-* 2>/dev/null | grep -v '\.tmp$' | tail -n +7); do
    [ "$old" = "$dir" ] || rm -rf "$old"
  done
}

# Boots both hosts from their disks and waits for libvirtd and NFS.
rig_boot() { # IMAGE_DIR XEN
  local img=$1 xen=$2 port ok=0 start=$SECONDS
  port=$(rig_free_port)
  rig_start_host 1 "$img" "$port" "$xen"
  rig_start_host 2 "$img" "$port" "$xen"
  rig_log "hosts started with $xen (private link on 127.0.0.1:$port), waiting for them to boot"
  rig_wait_host 1 & local w1=$!
  rig_wait_host 2 & local w2=$!
  wait "$w1" || ok=1
  wait "$w2" || ok=1
  if [ "$ok" != 0 ]; then
    rig_log "boot failed; serial logs: $RIG_RUN/host1.serial.log $RIG_RUN/host2.serial.log"
    return 1
  fi
  rig_log "both hosts booted in $((SECONDS - start)) s"
}

# Copies the share's project binaries into host IDX's /usr/local/bin and checks they all
# arrived: a copy cut short (a slow 9p read on a loaded machine) would otherwise surface later
# as a missing hook or CLI.
rig_install_binaries() { # IDX
  rig_ctl "$1" 300 'want=$(ls /mnt/rig/bin | wc -l)
    [ "$want" = 0 ] || cp /mnt/rig/bin/* /usr/local/bin/ || exit 1
    for f in /mnt/rig/bin/*; do
      [ -e "$f" ] || continue
      cmp -s "$f" "/usr/local/bin/${f##*/}" || { echo "/usr/local/bin/${f##*/} differs from the share" >&2; exit 1; }
    done' || { rig_log "host$1: the project binaries did not reach /usr/local/bin"; return 1; }
}

# Resumes both hosts from the saved state in DIR and waits for libvirtd and NFS.
rig_resume() { # IMAGE_DIR XEN DIR
  local img=$1 xen=$2 dir=$3 port idx start=$SECONDS
  port=$(rig_free_port)
  rig_start_host 1 "$img" "$port" "$xen" "$dir"
  rig_start_host 2 "$img" "$port" "$xen" "$dir"
  for idx in 1 2; do rig_migration_done "$idx" 300 || return 1; done
  # Saved while stopped, so resumed stopped: both go on together.
  for idx in 1 2; do rig_monitor "$idx" cont >/dev/null; done
  for idx in 1 2; do
    rig_ctl_wait "$idx" 120 || { rig_log "host$idx: control agent silent after resuming"; return 1; }
    rig_ctl "$idx" 60 "date -s @$(date +%s) >/dev/null && $RIG_MOUNT_SHARE" ||
      { rig_log "host$idx: clock or 9p share not set up after resuming"; return 1; }
  done
  rig_wait_host 1 && rig_wait_host 2 || return 1
  rig_install_binaries 1 && rig_install_binaries 2 || return 1
  rig_log "both hosts resumed in $((SECONDS - start)) s from $dir"
}

rig_boot_and_save() { # IMAGE_DIR XEN DIR
  rig_log "no saved state for these hosts yet: booting once and saving it"
  rig_boot "$1" "$2" && rig_snapshot_take "$3" || { rig_down; return 1; }
}

# rig_save: makes sure the saved hosts exist (boots and saves them once); leaves no host running.
# Prints "booted" or "saved-already".
rig_save() {
  rig_build
  local img xen snap
  img=$(rig_image_dir)
  xen=$(rig_hypervisor "$img") || return 1
  snap=$(rig_snapshot_dir "$xen")
  if [ -e "$snap/host2.state" ]; then
    rig_log "hosts saved already: $snap"
    echo saved-already
    return 0
  fi
  mkdir -p "$RIG_RUN"
  rig_down
  rig_prepare_share "" "$img"
  rig_boot_and_save "$img" "$xen" "$snap" && echo booted
}

# rig_up [--build-dir DIR] [--fresh]: both hosts up with DIR's binaries. A rig that runs the
# hypervisor asked for is reused, unless --fresh: then the hosts start over from the saved
# state (made by one boot when there is none yet). VIRDOMM_RIG_SNAPSHOT=0 boots every time.
rig_up() {
  local build_dir=${VIRDOMM_BUILD_DIR:-} fresh=0
  while [ $# -gt 0 ]; do
    case "$1" in
      --build-dir) build_dir=$2; shift 2 ;;
      --fresh) fresh=1; shift ;;
      *) rig_die "up: unexpected arguments: $*" ;;
    esac
  done
  rig_build
  local img xen start=$SECONDS
  img=$(rig_image_dir)
  xen=$(rig_hypervisor "$img") || return 1
  mkdir -p "$RIG_RUN"
  if [ "$fresh" = 0 ] && [ "$(cat "$RIG_RUN/hypervisor" 2>/dev/null)" = "$xen" ] && rig_qemu_alive 1 &&
    rig_qemu_alive 2 && rig_ctl_wait 1 10 && rig_ctl_wait 2 10; then
    rig_log "both hosts already up; refreshing the project binaries"
    rig_prepare_share "$build_dir" "$img"
    local idx
    for idx in 1 2; do
      rig_ctl "$idx" 60 "umount /mnt/rig 2>/dev/null; $RIG_MOUNT_SHARE" &&
        rig_install_binaries "$idx" || return 1
    done
    return 0
  fi
  rig_down
  rig_prepare_share "$build_dir" "$img"
  if [ "${VIRDOMM_RIG_SNAPSHOT:-1}" = 0 ]; then
    rig_boot "$img" "$xen" && rig_install_binaries 1 && rig_install_binaries 2 || return 1
  else
    local snap
    snap=$(rig_snapshot_dir "$xen")
    if [ ! -e "$snap/host2.state" ]; then
      rig_boot_and_save "$img" "$xen" "$snap" || return 1
      rig_prepare_share "$build_dir" "$img"
    fi
    rig_resume "$img" "$xen" "$snap" || { rig_down; return 1; }
  fi
  echo "$xen" >"$RIG_RUN/hypervisor"
  rig_log "both hosts up in $((SECONDS - start)) s"
}

# Stops host IDX's QEMU: `quit` on its monitor, then SIGKILL after 10 s.
rig_stop_qemu() {
  local pid
  pid=$(cat "$RIG_RUN/host$1.pid")
  echo quit | timeout 5 socat - "UNIX-CONNECT:$RIG_RUN/host$1.mon" >/dev/null 2>&1 || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  kill -9 "$pid" 2>/dev/null || true
}

rig_down() {
  local idx
  for idx in 1 2; do
    if rig_qemu_alive "$idx"; then
      rig_stop_qemu "$idx"
      rig_log "host$idx stopped"
    fi
    rm -f "$RIG_RUN/host$idx.pid" "$RIG_RUN/host$idx.qcow2" "$RIG_RUN/host$idx.ctl" \
      "$RIG_RUN/host$idx.mon"
  done
  rm -f "$RIG_RUN/hypervisor"
}

rig_status() {
  local idx rc=0
  echo "images: $(rig_image_dir) $([ -e "$(rig_image_dir)/dom0.raw" ] && echo ready || echo missing)"
  [ -s "$RIG_RUN/hypervisor" ] && echo "hypervisor: $(cat "$RIG_RUN/hypervisor")"
  for idx in 1 2; do
    if rig_qemu_alive "$idx"; then
      echo "host$idx: qemu pid $(cat "$RIG_RUN/host$idx.pid"), rss $(($(awk '/VmRSS/ {print $2}' \
        "/proc/$(cat "$RIG_RUN/host$idx.pid")/status") / 1024)) MiB"
    else
      echo "host$idx: down"
      rc=1
    fi
  done
  return $rc
}

rig_put() {
  local idx=$1 src=$2 dst=$3 name
  [ -f "$src" ] || rig_die "put: $src is not a file"
  name="put-$$-$RANDOM"
  cp "$src" "$RIG_RUN/share/put/$name"
  chmod a+r "$RIG_RUN/share/put/$name"
  local rc=0
  rig_ctl "$idx" 120 "install -D -m $(stat -c %a "$src") /mnt/rig/put/$name $(printf %q "$dst") &&
    cmp /mnt/rig/put/$name $(printf %q "$dst")" || rc=$?
  rm -f "$RIG_RUN/share/put/$name"
  return $rc
}

# Serial logs from the runner, /var/log of each dom0 that still answers (xen, libvirt, guest
# consoles, rig-init) as a tarball.
rig_logs() {
  local dir=$1 idx
  mkdir -p "$dir"
  for idx in 1 2; do
    [ -e "$RIG_RUN/host$idx.serial.log" ] && cp "$RIG_RUN/host$idx.serial.log" "$dir/"
    if rig_qemu_alive "$idx"; then
      rig_ctl "$idx" 60 'tar czf - -C / var/log 2>/dev/null; xl dmesg >&2' \
        >"$dir/host$idx-var-log.tar.gz" 2>"$dir/host$idx-xl-dmesg.txt" || true
      # Where each guest's vCPUs are, twice 2 s apart: a guest whose console went silent shows
      # whether it is stuck (same RIP), paused or gone.
      rig_ctl "$idx" 60 'xl list; xl vcpu-list; ctx=$(ls /usr/lib/xen-*/bin/xenctx 2>/dev/null | head -1)
        for pass in 1 2; do
          for id in $(xl list | awk "NR > 2 {print \$2}"); do
            echo "== pass $pass: domain $id"; [ -z "$ctx" ] || timeout 10 "$ctx" -a -C "$id" 2>&1 | head -60
          done
          sleep 2
        done' >"$dir/host$idx-xl-state.txt" 2>&1 || true
    fi
  done
  rig_log "logs in $dir"
}
