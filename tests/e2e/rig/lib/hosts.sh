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
    # What older recipes left is dead weight (GBs each); the newest other one stays, since a
    # rig still running may use it as its disks' backing file.
    local old
    for old in $(ls -dt "$RIG_CACHE"/images-* "$RIG_CACHE"/rootfs-* 2>/dev/null | tail -n +5); do
      [ "$old" = "$img" ] || [ "$old" = "$rootfs" ] || rm -rf "$old"
    done
  fi
  exec {build_lock}>&-
}

# The Xen binary the hosts boot: the dom0 root's own (bookworm main, 4.17.5, built with shadow
# paging), or with VIRDOMM_RIG_HYPERVISOR=VERSION|newest another Debian build of
# xen-hypervisor-4.17-amd64 (newest: the highest version apt offers, bookworm-security's 4.17.7,
# built without shadow paging). Only the hypervisor changes: the dom0 keeps its 4.17.5 tools,
# which the 4.17 stable branch's fixed domctl/sysctl interface versions allow.
rig_hypervisor() { # IMAGE_DIR -> path of the ELF to boot
  local img=$1 want=${VIRDOMM_RIG_HYPERVISOR:-}
  if [ -z "$want" ]; then
    echo "$img/boot/xen"
    return 0
  fi
  if [ "$want" = newest ]; then
    want=$(apt-cache madison xen-hypervisor-4.17-amd64 | awk '{print $3}' | sort -rV | head -1)
    [ -n "$want" ] || rig_die "apt knows no xen-hypervisor-4.17-amd64 (run apt-get update)"
  fi
  local dir="$RIG_CACHE/hypervisor-${want//[:+~]/_}"
  if [ ! -s "$dir/xen" ]; then
    rig_log "fetching xen-hypervisor-4.17-amd64 $want"
    rm -rf "$dir.tmp"
    mkdir -p "$dir.tmp"
    (cd "$dir.tmp" && apt-get download -q "xen-hypervisor-4.17-amd64=$want") >"$dir.tmp/fetch.log" 2>&1 ||
      { cat "$dir.tmp/fetch.log" >&2; rig_die "cannot download xen-hypervisor-4.17-amd64 $want"; }
    dpkg-deb -x "$dir.tmp"/xen-hypervisor-*.deb "$dir.tmp/deb"
    zcat "$dir.tmp/deb/boot/xen-4.17-amd64.gz" >"$dir.tmp/xen"
    cp "$dir.tmp/deb/boot/xen-4.17-amd64.config" "$dir.tmp/config"
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
    local name path
    for name in virdomm virdomm-hook domm-monitor rig-read-guest-page; do
      path=$(find "$build_dir" -type f -name "$name" -perm -u+x -print -quit 2>/dev/null)
      [ -n "$path" ] && cp "$path" "$share/bin/"
    done
    rig_log "project binaries for the dom0s: $(cd "$share/bin" && echo *)"
  fi
  # Domain M: the cached busybox initramfs with domm-monitor and the shared libraries it loads
  # added, repacked as one archive (a second gzip member appended to the first was not unpacked).
  # It also gets DomU's kernel image (the memory checker's trusted image) and, when
  # VIRDOMM_RIG_DOMM_PRIVCMD names one, a xen-privcmd module to load instead of the kernel's.
  if [ -e "$share/bin/domm-monitor" ]; then
    local stage lib
    stage=$(mktemp -d)
    (cd "$stage" && zcat "$img/guests/domm-base.cpio.gz" | cpio -id --quiet)
    install -D -m 755 "$share/bin/domm-monitor" "$stage/usr/bin/domm-monitor"
    install -D -m 644 "$img/boot/vmlinuz" "$stage/boot/vmlinuz"
    if [ -n "${VIRDOMM_RIG_DOMM_PRIVCMD:-}" ]; then
      install -D -m 644 "$VIRDOMM_RIG_DOMM_PRIVCMD" "$stage/lib/modules/xen-privcmd.ko"
      rig_log "Domain M gets xen-privcmd from $VIRDOMM_RIG_DOMM_PRIVCMD"
    fi
    for lib in $(ldd "$share/bin/domm-monitor" | grep -o '/[^ ]*'); do
      mkdir -p "$stage$(dirname "$lib")"
      cp -L "$lib" "$stage$lib"
    done
    (cd "$stage" && find . -print0 | LC_ALL=C sort -z | cpio -o -0 -H newc -R 0:0 --quiet) |
      gzip -1 >"$share/images/domm-initrd.img"
    rm -rf "$stage"
  else
    cp "$img/guests/domm-base.cpio.gz" "$share/images/domm-initrd.img"
  fi
  chmod -R a+rX "$share"
}

rig_start_host() {
  local idx=$1 img=$2 port=$3 xen=$4 link
  if [ "$idx" = 1 ]; then link="listen=127.0.0.1:$port"; else link="connect=127.0.0.1:$port"; fi
  qemu-img create -q -f qcow2 -b "$img/dom0.raw" -F raw "$RIG_RUN/host$idx.qcow2"
  : >"$RIG_RUN/host$idx.serial.log"
  qemu-system-x86_64 -name "rig-host$idx" -machine q35 \
    -accel "tcg,thread=$RIG_TCG_THREAD,tb-size=256" -cpu qemu64,+svm,+npt \
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
    -daemonize -pidfile "$RIG_RUN/host$idx.pid"
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

rig_up() {
  local build_dir=${VIRDOMM_BUILD_DIR:-}
  if [ "${1:-}" = --build-dir ]; then build_dir=$2; shift 2; fi
  [ $# -eq 0 ] || rig_die "up: unexpected arguments: $*"
  rig_build
  local img xen start=$SECONDS
  img=$(rig_image_dir)
  xen=$(rig_hypervisor "$img") || return 1
  mkdir -p "$RIG_RUN"
  # A rig that runs is reused only when it booted the hypervisor asked for now.
  if [ "$(cat "$RIG_RUN/hypervisor" 2>/dev/null)" = "$xen" ] && rig_qemu_alive 1 &&
    rig_qemu_alive 2 && rig_ctl_wait 1 10 && rig_ctl_wait 2 10; then
    rig_log "both hosts already up; refreshing the project binaries"
    rig_prepare_share "$build_dir" "$img"
    local idx
    for idx in 1 2; do
      rig_ctl "$idx" 60 'umount /mnt/rig 2>/dev/null
        mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=none rigshare /mnt/rig &&
        { cp /mnt/rig/bin/* /usr/local/bin/ 2>/dev/null; true; }'
    done
    return 0
  fi
  rig_down
  rig_prepare_share "$build_dir" "$img"
  local port
  port=$(rig_free_port)
  rig_start_host 1 "$img" "$port" "$xen"
  rig_start_host 2 "$img" "$port" "$xen"
  echo "$xen" >"$RIG_RUN/hypervisor"
  rig_log "hosts started with $xen (private link on 127.0.0.1:$port), waiting for them to boot"
  local ok=0
  rig_wait_host 1 & local w1=$!
  rig_wait_host 2 & local w2=$!
  wait "$w1" || ok=1
  wait "$w2" || ok=1
  if [ "$ok" != 0 ]; then
    rig_log "boot failed; serial logs: $RIG_RUN/host1.serial.log $RIG_RUN/host2.serial.log"
    return 1
  fi
  rig_log "both hosts up in $((SECONDS - start)) s"
}

rig_down() {
  local idx pid
  for idx in 1 2; do
    if rig_qemu_alive "$idx"; then
      pid=$(cat "$RIG_RUN/host$idx.pid")
      echo quit | timeout 5 socat - "UNIX-CONNECT:$RIG_RUN/host$idx.mon" >/dev/null 2>&1 || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -9 "$pid" 2>/dev/null || true
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
    fi
  done
  rig_log "logs in $dir"
}
