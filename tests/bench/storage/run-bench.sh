#!/usr/bin/env bash
# Storage checker benchmark: a ~10k-file tree copied from /usr (real file sizes), its ext4
# image, its XFS image (as root, through a loop mount) and its btrfs image (mkfs.btrfs --rootdir);
# Debian's AIDE --init/--check (same attributes, SHA-256, 2 workers) against
# domm-monitor storage init/check on the tree (--root) and on the images (--image), and a
# sequential read of the image's used blocks (e2image -ra, and a plain read of the image's
# allocated regions) as the I/O bound. All in one run.
# Usage: run-bench.sh DOMM_MONITOR [WORKDIR] [FILES] [REPEATS] [cold]
#   "cold" also measures every command after dropping the page cache (needs root).
set -euo pipefail
bin=$(readlink -f "$1")
here=$(cd "$(dirname "$0")" && pwd)
work=${2:-/tmp/virdomm-storage-bench}
files=${3:-10000}
repeats=${4:-3}
cold=${5:-}
command -v aide >/dev/null || { echo "needs Debian's aide (apt-get install aide)" >&2; exit 2; }
mkdir -p "$work" && cd "$work"

if [ ! -f tree.done ] || [ "$(cat tree.done)" != "$files" ]; then
  rm -rf tree image.img && mkdir tree
  find /usr -xdev -type f -size -16M 2>/dev/null | sort >all.txt || true
  # Every k-th file, so the sample spans /usr's mix of binaries, libraries, headers and data.
  total=$(wc -l <all.txt)
  awk -v k=$(( total / files > 0 ? total / files : 1 )) -v n="$files" \
    'NR % k == 0 && c < n { print; c++ }' all.txt >list.txt
  tar -C / -cf - --files-from=<(sed 's|^/||' list.txt) 2>/dev/null | tar -C tree -xf -
  echo "$files" >tree.done
fi
nfiles=$(find tree -type f | wc -l)
nentries=$(find tree | wc -l)
mbytes=$(du -sm --apparent-size tree | cut -f1)
if [ ! -f image.img ]; then
  size=$(( mbytes * 2 + 128 ))
  mkfs.ext4 -q -F -d tree -b 4096 image.img "${size}M" >/dev/null
fi
# The XFS image holds the same tree, copied in through a loop mount (needs root and xfsprogs).
xfs=no
if [ "$(id -u)" -eq 0 ] && command -v mkfs.xfs >/dev/null; then
  xfs=yes
  if [ ! -f xfs.img ]; then
    truncate -s "$(( mbytes * 2 + 400 ))M" xfs.img
    mkfs.xfs -q -f xfs.img
    mkdir -p xfs-mnt
    mount -o loop xfs.img xfs-mnt
    cp -a tree/. xfs-mnt/
    umount xfs-mnt
  fi
fi
if [ ! -f btrfs.img ] && command -v mkfs.btrfs >/dev/null; then
  truncate -s "$(( mbytes * 2 + 256 ))M" btrfs.img
  mkfs.btrfs -q -r tree btrfs.img >/dev/null 2>&1
fi

[ -f key ] || "$bin" storage keygen --key key
g++ -O2 -o read_allocated "$here/read_allocated.cpp"
printf '/ type+perm+inode+nlink+uid+gid+size+mtime+ctime+target+xattrs+sha256\n!/lost+found\n' \
  >rules
cat >aide.conf <<CONF
database_in=file:$work/aide.db
database_out=file:$work/aide.db.new
gzip_dbout=no
report_url=stdout
report_level=summary
log_level=warning
num_workers=2
root_prefix=$work/tree
TREE = p+ftype+i+l+n+u+g+s+m+c+acl+xattrs+sha256
/ TREE
CONF

now() { date +%s.%N; }
# timed NAME COMMAND...: best of $repeats runs by wall time; its CPU time (user+sys, children
# included) is kept too, because on a shared machine the wall time includes waiting for a core.
declare -A best cpu
timed() {
  local name=$1; shift
  local b="" c=""
  for _ in $(seq "$repeats"); do
    [ "$mode" = cold ] && { sync; echo 3 >/proc/sys/vm/drop_caches; }
    # A check that finds differences is a timed run too: AIDE's exit bits are 1..7, ours 9..15.
    /usr/bin/time -f '%e %U %S' -o time.out "$@" >/dev/null 2>&1 || {
      local rc=$?
      case $name in
        ours*) [ "$rc" -ge 9 ] && [ "$rc" -le 15 ] ;;
        *) [ "$rc" -lt 8 ] ;;
      esac
    }
    local wall user sys
    read -r wall user sys < <(grep -E '^[0-9.]+ [0-9.]+ [0-9.]+$' time.out | tail -1)
    if [ -z "$b" ] || [ "$(echo "$wall < $b" | bc -l)" = 1 ]; then
      b=$wall
      c=$(echo "$user + $sys" | bc -l)
    fi
  done
  best[$mode.$name]=$b
  cpu[$mode.$name]=$c
  printf '  %-30s %7.2f s wall %7.2f s cpu  %7.0f files/s (wall)\n' "$name" "$b" "$c" \
    "$(echo "$nentries / $b" | bc -l)"
}
ratio() {  # ratio LABEL A B: A/B in wall and CPU time
  printf '    %-46s wall %5.2fx   cpu %5.2fx\n' "$1" \
    "$(echo "${best[$mode.$2]} / ${best[$mode.$3]}" | bc -l)" \
    "$(echo "${cpu[$mode.$2]} / ${cpu[$mode.$3]}" | bc -l)"
}

run_all() {
  echo "== $mode page cache ($nentries entries, $nfiles files, $mbytes MB; load $(cut -d" " -f1 /proc/loadavg)) =="
  timed "aide --init" aide -c aide.conf --init
  cp aide.db.new aide.db
  timed "aide --check" aide -c aide.conf --check
  timed "ours init --root" "$bin" storage init --force --root tree --db root.db --key key --rules rules --progress never --workers 2
  timed "ours check --root" "$bin" storage check --root tree --db root.db --key key --rules rules --progress never --workers 2
  timed "ours init --image" "$bin" storage init --force --image image.img --db image.db --key key --rules rules --progress never --workers 2
  timed "ours check --image" "$bin" storage check --image image.img --db image.db --key key --rules rules --progress never --workers 2
  if [ "$xfs" = yes ]; then
    timed "ours init --image (xfs)" "$bin" storage init --force --image xfs.img --db xfs.db --key key --rules rules --progress never --workers 2
    timed "ours check --image (xfs)" "$bin" storage check --image xfs.img --db xfs.db --key key --rules rules --progress never --workers 2
  fi
  if [ -f btrfs.img ]; then
    timed "ours init --image (btrfs)" "$bin" storage init --force --image btrfs.img --db btrfs.db --key key --rules rules --progress never --workers 2
    timed "ours check --image (btrfs)" "$bin" storage check --image btrfs.img --db btrfs.db --key key --rules rules --progress never --workers 2
  fi
  timed "e2image -ra (used blocks)" sh -c "e2image -ra image.img - | cat >/dev/null"
  timed "read allocated (SEEK_DATA)" ./read_allocated image.img
  timed "dd whole image" dd if=image.img of=/dev/null bs=4M
  echo "  ratios:"
  ratio "AIDE --check / ours check --root" "aide --check" "ours check --root"
  ratio "AIDE --check / ours check --image" "aide --check" "ours check --image"
  if [ "$xfs" = yes ]; then
    ratio "AIDE --check / ours check --image (xfs)" "aide --check" "ours check --image (xfs)"
    ratio "AIDE --init / ours init --image (xfs)" "aide --init" "ours init --image (xfs)"
  fi
  if [ -f btrfs.img ]; then
    ratio "AIDE --check / ours check --image (btrfs)" "aide --check" "ours check --image (btrfs)"
    ratio "AIDE --init / ours init --image (btrfs)" "aide --init" "ours init --image (btrfs)"
  fi
  ratio "AIDE --init / ours init --root" "aide --init" "ours init --root"
  ratio "ours check --image / e2image used-block read" "ours check --image" "e2image -ra (used blocks)"
  ratio "ours check --image / read of allocated data" "ours check --image" "read allocated (SEEK_DATA)"
  ratio "ours check --image / dd of the whole image" "ours check --image" "dd whole image"
}

# Sanity: both tools agree there is nothing to report on an unchanged tree.
mode=warm
run_all
set +e
aide -c aide.conf --check >/dev/null 2>&1; aide_rc=$?
"$bin" storage check --image image.img --db image.db --key key --rules rules --progress never >/dev/null 2>&1; ours_rc=$?
set -e
xfs_rc=-
if [ "$xfs" = yes ]; then
  xfs_rc=0
  "$bin" storage check --image xfs.img --db xfs.db --key key --rules rules --progress never \
    >/dev/null 2>&1 || xfs_rc=$?
fi
echo "  unchanged-tree exit codes: aide $aide_rc, ours $ours_rc, ours on xfs $xfs_rc"
if [ "$cold" = cold ]; then
  mode=cold
  repeats=1  # each cold run drops the whole machine's page cache: keep it to one
  run_all
fi
