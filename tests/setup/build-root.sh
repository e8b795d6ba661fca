#!/bin/bash
# A cached Debian build root for a suite this machine does not run (e.g. trixie's gcc-14 on a
# bookworm machine), and a way to run commands in it.
#
# Usage: build-root.sh SUITE PKG...
#          Prints (stdout, one line) the path of a directory holding a Debian SUITE root
#          (debootstrap --variant=minbase) with PKG... installed (--no-install-recommends). Its
#          apt sources list SUITE, SUITE-updates and SUITE-security main. Built once, then reused:
#          $VIRDOMM_BUILD_ROOT_CACHE/SUITE-<16 hex of sha256 of suite, mirrors, sorted PKGs and
#          this script>, built in <dir>.tmp and renamed only on success; concurrent calls wait
#          on a lock. Downloaded .debs stay in $VIRDOMM_BUILD_ROOT_CACHE/debs-SUITE (seeded by
#          hard links from $VIRDOMM_BUILD_ROOT_SEED, default /var/cache/virdomm-rig/debs-SUITE,
#          when that exists), so a rebuild downloads nothing again. No daemon starts in the root
#          (policy-rc.d exits 101).
#        build-root.sh --run ROOT [--bind DIR]... -- CMD...
#          Runs CMD in ROOT (chroot, in a mount namespace of its own) with /proc, /sys, /dev and
#          /dev/pts mounted and each DIR bind-mounted at the same path inside (created, outside
#          and inside, if missing); the environment is reset to PATH, LC_ALL=C and HOME=/root. Everything is
#          unmounted afterwards, also when CMD fails. Exits with CMD's status.
#        build-root.sh --help
# Mirrors: `virdomm_apt_mirror SUITE` and `virdomm_apt_mirror SUITE-security` of
#   tests/setup/apt-mirror.sh (VIRDOMM_APT_MIRROR / VIRDOMM_APT_SECURITY_MIRROR override); when
#   apt's sources have no entry for SUITE, the archive apt uses for this machine's own release
#   (and its -security archive), which serves every suite. Keyring: virdomm_apt_keyring SUITE.
# Environment: VIRDOMM_BUILD_ROOT_CACHE (default /var/cache/virdomm-buildroot),
#   VIRDOMM_BUILD_ROOT_SEED. Needs root, debootstrap, flock, unshare. Progress goes to stderr,
#   debootstrap's and apt's output to DIR.log beside the root.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
self="$here/$(basename "$0")"
log() { printf '[build-root %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$self"; }

# --- --run ROOT [--bind DIR]... -- CMD... ---------------------------------------------------------
run_in_root() {
  local root=$1 dir rc=0
  shift
  local -a binds=() mounted=()
  while [ $# -gt 0 ] && [ "$1" = --bind ]; do
    [ $# -ge 2 ] || die "--bind needs a directory"
    binds+=("$2")
    shift 2
  done
  [ "${1:-}" = -- ] || die "--run ROOT [--bind DIR]... -- CMD...: '--' missing"
  shift
  [ $# -gt 0 ] || die "--run: no command"
  [ -x "$root/bin/sh" ] || die "$root is no Debian root (no bin/sh)"
  root=$(cd "$root" && pwd -P)
  # Everything below happens in a private mount namespace: nothing mounted here is seen outside,
  # and the namespace takes the mounts with it even if this script is killed.
  if [ "${VIRDOMM_BUILD_ROOT_NS:-}" != "$root" ]; then
    local -a again=()
    for dir in "${binds[@]}"; do again+=(--bind "$dir"); done
    VIRDOMM_BUILD_ROOT_NS=$root exec unshare --mount --propagation private \
      "$self" --run "$root" "${again[@]}" -- "$@"
  fi
  undo() {
    local i
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
      umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}" ||
        log "warning: cannot unmount ${mounted[i]}"
    done
    mounted=()
  }
  trap undo EXIT
  mount -t proc proc "$root/proc" || die "cannot mount $root/proc"
  mounted+=("$root/proc")
  mount -t sysfs sysfs "$root/sys" || die "cannot mount $root/sys"
  mounted+=("$root/sys")
  mount --bind /dev "$root/dev" || die "cannot mount $root/dev"
  mounted+=("$root/dev")
  mount --bind /dev/pts "$root/dev/pts" || die "cannot mount $root/dev/pts"
  mounted+=("$root/dev/pts")
  for dir in "${binds[@]}"; do
    mkdir -p "$dir" || die "--bind $dir: cannot create it"
    dir=$(cd "$dir" && pwd -P)
    mkdir -p "$root$dir"
    mount --bind "$dir" "$root$dir" || die "cannot bind $dir into $root"
    mounted+=("$root$dir")
  done
  env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C HOME=/root \
    chroot "$root" "$@" || rc=$?
  undo
  trap - EXIT
  return $rc
}

case "${1:-}" in
  -h | --help) usage; exit 0 ;;
  --run)
    shift
    [ $# -ge 1 ] || die "--run needs ROOT"
    root=$1
    shift
    rc=0
    run_in_root "$root" "$@" || rc=$?
    exit $rc
    ;;
  "" | -*) usage >&2; exit 2 ;;
esac

# --- SUITE PKG... -----------------------------------------------------------------------------------
suite=$1
shift
[ "$(id -u)" = 0 ] || die "run as root (debootstrap, chroot)"
for tool in debootstrap flock unshare chroot; do
  command -v "$tool" >/dev/null || die "$tool is not installed"
done
mapfile -t pkgs < <(printf '%s\n' "$@" | sed '/^$/d' | LC_ALL=C sort -u)

# shellcheck source=apt-mirror.sh source-path=SCRIPTDIR
source "$here/apt-mirror.sh"
# The archive apt's sources name for SUITE (or for this machine's own release, which serves
# every suite: apt-mirror.sh), so no host is ever written down here.
mirror=$(virdomm_apt_mirror "$suite") || die "no Debian mirror for $suite (set VIRDOMM_APT_MIRROR)"
security=$(virdomm_apt_mirror "$suite-security") ||
  die "no Debian security mirror for $suite-security (set VIRDOMM_APT_SECURITY_MIRROR)"
keyring=$(virdomm_apt_keyring "$suite")

cache=${VIRDOMM_BUILD_ROOT_CACHE:-/var/cache/virdomm-buildroot}
key=$( (echo "$suite"; echo "$mirror"; echo "$security"; printf '%s\n' "${pkgs[@]}"; cat "$self") |
  sha256sum | cut -c1-16)
dir="$cache/$suite-$key"
debs="$cache/debs-$suite"
mkdir -p "$cache" "$debs"
debs=$(cd "$debs" && pwd -P)

# One build at a time per suite: the roots of a suite share the debs cache.
exec 9>"$cache/$suite.lock"
if ! flock -n 9; then
  log "waiting for another build of a $suite root ($cache/$suite.lock)"
  flock 9
fi
if [ -f "$dir/.virdomm-build-root" ]; then
  log "cached: $dir"
  echo "$dir"
  exit 0
fi

tmp="$dir.tmp"
for stale in "$tmp" "$dir"; do
  [ -e "$stale" ] || continue
  # A leftover of a run that was killed (or a root without its stamp). Never delete through a
  # mount point.
  if findmnt -rn -o TARGET | grep -F "$stale" >/dev/null; then
    die "$stale has something mounted in it; unmount it first"
  fi
  log "removing the unfinished $stale"
  rm -rf --one-file-system "$stale"
done

seed=${VIRDOMM_BUILD_ROOT_SEED:-/var/cache/virdomm-rig/debs-$suite}
if [ -d "$seed" ] && [ -z "$(find "$debs" -maxdepth 1 -name '*.deb' -print -quit)" ]; then
  n=0
  for f in "$seed"/*.deb; do
    [ -f "$f" ] || continue
    ln "$f" "$debs/" 2>/dev/null && n=$((n + 1))
  done
  log "seeded $debs with $n .debs from $seed (hard links)"
fi

log "debootstrap $suite from $mirror into $tmp (minbase, keyring $keyring)"
mkdir -p "$tmp"
t0=$(date +%s)
# In a mount namespace of its own: the /proc and /sys debootstrap mounts in the target go away
# with it even if it dies half-way.
unshare --mount --propagation private \
  nice -n 10 debootstrap --variant=minbase --cache-dir="$debs" --keyring="$keyring" \
  "$suite" "$tmp" "$mirror" >"$tmp.log" 2>&1 ||
  { tail -20 "$tmp.log" >&2; die "debootstrap $suite failed (log: $tmp.log)"; }
log "debootstrap took $(($(date +%s) - t0)) s"

printf '%s\n' "deb $mirror $suite main" "deb $mirror $suite-updates main" \
  "deb $security $suite-security main" >"$tmp/etc/apt/sources.list"
rm -f "$tmp/etc/apt/sources.list.d/"*.sources 2>/dev/null || true
printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
chmod 755 "$tmp/usr/sbin/policy-rc.d"
# Downloads go to (and are taken from) the per-suite cache, bind-mounted at its own path.
printf 'Dir::Cache::Archives "%s/";\nAPT::Keep-Downloaded-Packages "true";\n' "$debs" \
  >"$tmp/etc/apt/apt.conf.d/90virdomm-debs"
cp -L /etc/resolv.conf "$tmp/etc/resolv.conf" 2>/dev/null || true

in_tmp() { "$self" --run "$tmp" --bind "$debs" -- "$@"; }
log "apt-get update in the $suite root"
in_tmp apt-get update -qq >>"$tmp.log" 2>&1 ||
  { tail -20 "$tmp.log" >&2; die "apt-get update in $tmp failed (log: $tmp.log)"; }
if [ ${#pkgs[@]} -gt 0 ]; then
  log "installing ${pkgs[*]}"
  t0=$(date +%s)
  in_tmp env DEBIAN_FRONTEND=noninteractive nice -n 10 apt-get install -y -q \
    --no-install-recommends "${pkgs[@]}" >>"$tmp.log" 2>&1 ||
    { tail -20 "$tmp.log" >&2; die "apt-get install in $tmp failed (log: $tmp.log)"; }
  log "install took $(($(date +%s) - t0)) s"
fi
rm -rf "${tmp:?}/var/cache/apt/archives/"*.deb

printf 'suite=%s\nmirror=%s\nsecurity=%s\npackages=%s\nbuilt=%s\n' "$suite" "$mirror" "$security" \
  "${pkgs[*]}" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$tmp/.virdomm-build-root"
mv "$tmp" "$dir"
mv "$tmp.log" "$dir.log"
log "built $dir (log: $dir.log)"
echo "$dir"
