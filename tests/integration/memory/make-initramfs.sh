#!/usr/bin/env bash
# Builds the test guest's initramfs: busybox-static and an /init that mounts proc/sys/tracefs,
# prints a ready marker with `uname -r` on the serial console, then runs commands it reads
# from the console (kprobe on/off, function tracer on/off, the hook module in and out, the
# self-hiding module in, unlinked, listed again and out, a BPF fentry program attached and
# detached), each answered by a done marker. The BPF loader (bpf-fentry/) is compiled here,
# static, with the machine's gcc.
# Usage: make-initramfs.sh OUTPUT.cpio [HOOK_MODULE.ko]   (the module: build-hook-module.sh;
# virdomm_hidden.ko is taken from beside it)
set -euo pipefail
out=$1
hook_module=${2:-}
busybox=/bin/busybox
[ -x "$busybox" ] && "$busybox" --list >/dev/null 2>&1 || {
  echo "make-initramfs: busybox-static is not installed" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{bin,dev,proc,sys,tmp}
cp "$busybox" "$work/bin/busybox"
if [ -n "$hook_module" ]; then
  cp "$hook_module" "$work/virdomm_hook.ko"
  hidden_module=$(dirname "$hook_module")/virdomm_hidden.ko
  [ ! -f "$hidden_module" ] || cp "$hidden_module" "$work/virdomm_hidden.ko"
fi
gcc -static -O2 -o "$work/virdomm_fentry" "$(dirname "$0")/bpf-fentry/virdomm_fentry.c" || {
  echo "make-initramfs: the BPF loader did not build (gcc and libc6-dev are needed)" >&2; exit 1; }
cat >"$work/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
# The shell gives background jobs /dev/null as stdin (the BPF loader runs in the background).
mount -t devtmpfs devtmpfs /dev
mount -t tracefs tracefs /sys/kernel/tracing
# Keep kprobes as INT3: an optimised kprobe becomes a JMP into a detour buffer.
echo 0 > /proc/sys/debug/kprobes-optimization
t=/sys/kernel/tracing
echo "VIRDOMM-READY $(uname -r)"
while read -r command; do
  case "$command" in
    kprobe-on)
      # The first instruction after the __fentry__ NOP of __x64_sys_getpid (IBT is off).
      echo 'p:virdomm_probe __x64_sys_getpid+5' > $t/kprobe_events &&
        echo 1 > $t/events/kprobes/virdomm_probe/enable
      echo "VIRDOMM-DONE kprobe-on $?" ;;
    kprobe-off)
      echo 0 > $t/events/kprobes/virdomm_probe/enable && echo > $t/kprobe_events
      echo "VIRDOMM-DONE kprobe-off $?" ;;
    ftrace-on)
      echo __do_sys_getppid > $t/set_ftrace_filter && echo function > $t/current_tracer
      echo "VIRDOMM-DONE ftrace-on $?" ;;
    ftrace-off)
      echo nop > $t/current_tracer && echo > $t/set_ftrace_filter
      echo "VIRDOMM-DONE ftrace-off $?" ;;
    hook-on)
      # A rootkit-style CALL over __do_sys_getppid's __fentry__ NOP (hook-module/).
      insmod /virdomm_hook.ko target=__do_sys_getppid &&
        echo "VIRDOMM-HOOK $(dmesg | grep 'virdomm_hook: call at' | tail -n1)"
      echo "VIRDOMM-DONE hook-on $?" ;;
    hook-off)
      rmmod virdomm_hook
      echo "VIRDOMM-DONE hook-off $?" ;;
    hidden-load)
      # A module that can take itself off the module list (hook-module/virdomm_hidden.c).
      insmod /virdomm_hidden.ko &&
        echo "VIRDOMM-HIDDEN $(dmesg | grep 'virdomm_hidden: text' | tail -n1)"
      echo "VIRDOMM-DONE hidden-load $?" ;;
    hidden-on)
      echo 1 > /sys/module/virdomm_hidden/parameters/hidden && ! grep -q virdomm_hidden /proc/modules
      echo "VIRDOMM-DONE hidden-on $?" ;;
    hidden-off)
      echo 0 > /sys/module/virdomm_hidden/parameters/hidden && grep -q virdomm_hidden /proc/modules
      echo "VIRDOMM-DONE hidden-off $?" ;;
    hidden-unload)
      rmmod virdomm_hidden
      echo "VIRDOMM-DONE hidden-unload $?" ;;
    fentry-on)
      # A BPF fentry program on __do_sys_getppid: a BPF trampoline called from its fentry site.
      /virdomm_fentry __do_sys_getppid > /tmp/fentry.out 2>&1 &
      echo $! > /tmp/fentry.pid
      while kill -0 "$(cat /tmp/fentry.pid)" 2>/dev/null && ! grep -q attached /tmp/fentry.out; do
        sleep 0.2
      done
      cat /tmp/fentry.out
      grep -q attached /tmp/fentry.out
      echo "VIRDOMM-DONE fentry-on $?" ;;
    fentry-off)
      kill "$(cat /tmp/fentry.pid)" && wait "$(cat /tmp/fentry.pid)"
      echo "VIRDOMM-DONE fentry-off 0" ;;
    tracepoint-on)
      # A static key the kernel flips on request: the sched_switch tracepoint's.
      echo 1 > $t/events/sched/sched_switch/enable
      echo "VIRDOMM-DONE tracepoint-on $?" ;;
    tracepoint-off)
      echo 0 > $t/events/sched/sched_switch/enable
      echo "VIRDOMM-DONE tracepoint-off $?" ;;
    run\ *)
      # Diagnostics: run a shell command line in the guest.
      eval "${command#run }"
      echo "VIRDOMM-DONE run $?" ;;
    *) echo "VIRDOMM-DONE $command unknown" ;;
  esac
done
poweroff -f
INIT
chmod +x "$work/init"
(cd "$work" && find . | cpio -o -H newc --quiet) >"$out"
