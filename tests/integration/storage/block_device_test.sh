#!/usr/bin/env bash
# A disk seen as a block device, as Domain M sees DomU's (a read-only loop device here): the
# check reads it past the page cache, so a change written to the disk behind the device is
# seen, and no page of the disk is left cached (in Domain M, cached pages are memory that a
# live migration of M copies again after every check). Needs root (losetup); skipped (77)
# without it.
# Usage: block_device_test.sh DOMM_MONITOR WORKDIR
source "$(dirname "$0")/lib.sh"
bin=$1
work=$2
[ "$(id -u)" -eq 0 ] || { echo "needs root for a loop device"; exit 77; }
rm -rf "$work" && mkdir -p "$work" && cd "$work"

make_tree tree
mkfs.ext4 -q -F -d tree -b 4096 disk.img 64M >/dev/null
dev=$(losetup --find --show --read-only disk.img)
trap 'exec 9<&-; losetup -d "$dev"' EXIT
"$bin" storage keygen --key key
printf '/ R+sha512\n!/lost+found\n' >rules

# Pages of the block device in this kernel's page cache (mincore over a mapping of it).
cached_pages() {
  python3 - "$1" <<'PY'
import ctypes, mmap, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
size = os.lseek(fd, 0, os.SEEK_END)
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
addr = libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
if addr in (None, ctypes.c_void_p(-1).value):
    sys.exit("mmap: " + os.strerror(ctypes.get_errno()))
pages = (size + mmap.PAGESIZE - 1) // mmap.PAGESIZE
vec = (ctypes.c_ubyte * pages)()
if libc.mincore(ctypes.c_void_p(addr), ctypes.c_size_t(size), vec) != 0:
    sys.exit("mincore: " + os.strerror(ctypes.get_errno()))
print(sum(v & 1 for v in vec))
PY
}

# The kernel drops a block device's page cache at its last close: another opener (as a
# mounted or attached disk has) keeps it, so that pages a check leaves cached can be counted.
exec 9<"$dev"
blockdev --flushbufs "$dev"
"$bin" storage init --image "$dev" --db disk.db --key key --rules rules 2>/dev/null
check() {  # check JSON -> sets rc
  set +e
  "$bin" storage check --image "$dev" --db disk.db --key key --rules rules --json >"$1" 2>check.err
  rc=$?
  set -e
}
check clean.json
expect_report "clean check of the block device" 0 "$rc" clean.json ""
cached=$(cached_pages "$dev")
[ "$cached" -eq 0 ] || die "$cached pages of $dev cached after the check: it read through the page cache"
echo "ok: no page of the device cached after a check"

# The disk changes behind the device (as DomU writes its disk behind Domain M's kernel).
block=$(debugfs -R "blocks /etc/passwd" disk.img 2>/dev/null | awk '{print $1}')
printf 'root:x:0:0:EVIL:/root:/bin/bash\n' | head -c 33 |
  dd of=disk.img bs=4096 seek="$block" conv=notrunc status=none
check changed.json
expect_report "a change behind the device is seen" 12 "$rc" changed.json \
  "changed /etc/passwd sha256,sha512"

# The same image read as a file gives the same report.
set +e
"$bin" storage check --image disk.img --db disk.db --key key --rules rules --json >file.json 2>/dev/null
file_rc=$?
set -e
expect_report "the image file reads the same" 12 "$file_rc" file.json "changed /etc/passwd sha256,sha512"
echo "PASS"
