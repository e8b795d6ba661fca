#!/usr/bin/env bash
# Turns a freshly installed Debian root into the rig's dom0: our init and control agent,
# libvirtd listening on the private link, guest console logs, the NFS export, and the cpu_map
# fixture that lets libvirt's libxl driver start on the emulated AMD-vendor CPU.
# Usage: configure-dom0.sh ROOT
set -euo pipefail
root=$1
here=$(cd "$(dirname "$0")" && pwd)

cp -a "$here/dom0-overlay/." "$root/"
chmod 755 "$root/usr/sbin/rig-init" "$root/usr/local/sbin/"*

# No root password: the only ways in are the serial console and the control channel.
sed -i 's/^root:[^:]*:/root::/' "$root/etc/shadow"
echo rig-dom0 >"$root/etc/hostname"

# Fixture of the emulated host, not a product change: Xen hides `sep` from a 64-bit PV dom0
# on an AMD-vendor CPU, and libvirt 9.0 finds no CPU model without it, so its libxl driver
# refuses to start ("Cannot find suitable CPU model for given data"). libvirt 11.3's qemu64
# model no longer lists `sep`.
cpu_map="$root/usr/share/libvirt/cpu_map/x86_qemu64.xml"
[ -f "$cpu_map" ] || { echo "configure-dom0.sh: no $cpu_map" >&2; exit 1; }
sed -i "/<feature name='sep'\/>/d" "$cpu_map"

# The dom0s run Xen guests only. libvirt-daemon pulls in the QEMU driver, which stops libvirtd
# from starting without the libvirt-qemu user of libvirt-daemon-system; the network-side drivers
# only add start-up time (and D-Bus errors) here.
for drv in qemu network nwfilter interface nodedev; do
  rm -f "$root/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_$drv.so"
done

# libvirtd on TCP without authentication: only the private 169.254.0.0/16 link reaches it.
cat >>"$root/etc/libvirt/libvirtd.conf" <<'CONF'
listen_tls = 0
listen_tcp = 1
auth_tcp = "none"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
CONF

# Guest consoles are logged to files (/var/log/xen/console/guest-NAME.log).
sed -i 's|^#\?XENCONSOLED_ARGS=.*|XENCONSOLED_ARGS="--log=guest --log-dir=/var/log/xen/console"|' \
  "$root/etc/default/xen"
grep -q '^XENCONSOLED_ARGS="--log=guest' "$root/etc/default/xen" ||
  echo 'XENCONSOLED_ARGS="--log=guest --log-dir=/var/log/xen/console"' >>"$root/etc/default/xen"
mkdir -p "$root/var/log/xen/console" "$root/srv/virdomm-export" "$root/var/lib/virdomm/shared" \
  "$root/mnt/rig"

# host1 exports the shared storage; host2 mounts it over NFS and host1 bind-mounts it, so the
# DomU's disk has the same path on both hosts, as a migration needs).
echo '/srv/virdomm-export 169.254.0.0/16(rw,sync,no_subtree_check,no_root_squash,fsid=0)' \
  >"$root/etc/exports"
