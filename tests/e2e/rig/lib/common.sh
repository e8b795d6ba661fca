# Shared settings of the emulated Xen rig: where the cache and the run state live, the recipe
# hash that keys the cached images, logging with wall times. Sourced by rig.sh and its helpers.

RIG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RIG_CACHE=${VIRDOMM_RIG_CACHE:-/var/cache/virdomm-rig}
RIG_RUN=${VIRDOMM_RIG_RUN:-$RIG_CACHE/run}
# The Debian release of the dom0s (and of the guests' kernel): bookworm or trixie, with its
# -updates and -security suites, as an installed host has them.
RIG_SUITE=${VIRDOMM_RIG_SUITE:-bookworm}
# Guest RAM of each emulated host; dom0 takes RIG_DOM0_MEM of it, the rest is for guests.
RIG_HOST_MEM=${VIRDOMM_RIG_HOST_MEM:-2048}
RIG_DOM0_MEM=${VIRDOMM_RIG_DOM0_MEM:-1024}
# QEMU's TCG threading: multi (one host thread per emulated CPU) or single (one for all).
RIG_TCG_THREAD=${VIRDOMM_RIG_TCG_THREAD:-multi}
RIG_HOSTS=(host1 host2)

rig_log() { printf '[rig %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
rig_die() { rig_log "error: $*"; exit 1; }

# The Debian archive the dom0 root is bootstrapped from: VIRDOMM_RIG_MIRROR, else the one this
# machine's apt uses for the suite (VIRDOMM_APT_MIRROR overrides that). Part of the cache key.
# shellcheck source=../../../setup/apt-mirror.sh
source "$RIG_DIR/../../setup/apt-mirror.sh"
RIG_MIRROR=${VIRDOMM_RIG_MIRROR:-$(virdomm_apt_mirror "$RIG_SUITE")} ||
  rig_die "no Debian mirror for the rig: set VIRDOMM_RIG_MIRROR or VIRDOMM_APT_MIRROR"
RIG_SECURITY_MIRROR=$(virdomm_apt_mirror "$RIG_SUITE-security") ||
  rig_die "no Debian security mirror for the rig: set VIRDOMM_APT_SECURITY_MIRROR"
RIG_PACKAGE_LIST=recipe/dom0-packages-$RIG_SUITE.list
[ -f "$RIG_DIR/$RIG_PACKAGE_LIST" ] || rig_die "no dom0 package list for $RIG_SUITE ($RIG_DIR/$RIG_PACKAGE_LIST)"

# Recipe hashes key the cache: a change to any file that shapes a stage rebuilds that stage (the
# package lists of other releases excepted). Stage 1 (the Debian root with the dom0 packages)
# depends on the package list only. Directory names carry the release.
rig_hash_files() {
  (cd "$RIG_DIR" && find "$@" -type f ! -name 'dom0-packages-*.list' -print0 |
    LC_ALL=C sort -z | xargs -0 sha256sum
    sha256sum "$RIG_PACKAGE_LIST"
    echo "$RIG_SUITE $RIG_MIRROR $RIG_SECURITY_MIRROR") | sha256sum | cut -c1-16
}
rig_rootfs_key() { rig_hash_files lib/build-rootfs.sh; }
rig_recipe_key() { rig_hash_files recipe lib/build-rootfs.sh lib/build-image.sh; }
rig_rootfs_dir() { echo "$RIG_CACHE/rootfs-$RIG_SUITE-$(rig_rootfs_key)"; }
rig_image_dir() { echo "$RIG_CACHE/images-$RIG_SUITE-$(rig_recipe_key)"; }

# Host number (1, 2) from a host name (host1, host2, 1, 2).
rig_host_index() {
  case "$1" in
    host1 | 1) echo 1 ;;
    host2 | 2) echo 2 ;;
    *) rig_die "unknown host '$1' (use host1 or host2)" ;;
  esac
}
