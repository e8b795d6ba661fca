#!/usr/bin/env bash
# Boots the Debian 6.1 test guest under QEMU TCG (as the integration test does), then runs the
# memory check benchmark against its live RAM file. Not part of ctest.
# Usage: run-bench.sh BUILD_DIR [ROUNDS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
build=$1 rounds=${2:-50}
kernel=$("$root/tests/integration/memory/fetch-kernel.sh")
work=$(mktemp -d)
ram=/dev/shm/virdomm-memory-bench-$$
qemu="" feeder=""
trap 'kill $qemu $feeder 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work" "$ram"' EXIT
"$root/tests/integration/memory/make-initramfs.sh" "$work/initramfs.cpio"
mkfifo "$work/console-in"
sleep 100000 >"$work/console-in" &
feeder=$!
qemu-system-x86_64 -accel tcg -machine q35,memory-backend=ram \
  -object memory-backend-file,id=ram,size=256M,mem-path="$ram",share=on -m 256M -smp 1 \
  -cpu max -kernel "$kernel" -initrd "$work/initramfs.cpio" -append "console=ttyS0 quiet" \
  -nic none -display none -monitor none -serial stdio -no-reboot \
  <"$work/console-in" >"$work/console.log" 2>&1 &
qemu=$!
for _ in $(seq 1 300); do
  grep -q VIRDOMM-READY "$work/console.log" && break
  sleep 1
done
grep -q VIRDOMM-READY "$work/console.log" || { echo "guest did not boot" >&2; exit 1; }
"$build/tests/bench/memory/memory_check_bench" "$ram" "$kernel" "$rounds"
