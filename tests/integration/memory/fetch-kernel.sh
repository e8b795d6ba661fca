#!/usr/bin/env bash
# Fetches Debian's current linux-image-amd64 kernel package of a release (the exact package
# that linux-image-amd64 depends on there) into a cache outside the checkout and unpacks it
# there. Prints the path of the unpacked vmlinuz.
# Usage: fetch-kernel.sh [CACHE_DIR] [SUITE]   SUITE: this machine's release (default) or
#   another one (e.g. trixie on a bookworm machine), whose package indexes are fetched into
#   CACHE_DIR/apt from the archive tests/setup/apt-mirror.sh names; /etc/apt is not touched.
set -euo pipefail
cache=${1:-/var/cache/virdomm-test/kernel}
suite=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../../setup/apt-mirror.sh source-path=SCRIPTDIR
source "$here/../../setup/apt-mirror.sh"
mkdir -p "$cache"
cd "$cache"

apt_opts=()
own=$(virdomm_apt_codename)
if [ -n "$suite" ] && [ "$suite" != "$own" ]; then
  mkdir -p apt/lists/partial apt/cache/archives/partial
  keyring=$(virdomm_apt_keyring "$suite")
  printf 'deb [signed-by=%s] %s %s main\n' "$keyring" "$(virdomm_apt_mirror "$suite")" "$suite" \
    "$keyring" "$(virdomm_apt_mirror "$suite-security")" "$suite-security" >apt/sources.list
  apt_opts=(-o "Dir::Etc::sourcelist=$cache/apt/sources.list" -o "Dir::Etc::sourceparts=-"
    -o "Dir::State::Lists=$cache/apt/lists" -o "Dir::Cache=$cache/apt/cache"
    -o "Dir::State::status=/dev/null")
  [ -n "$(find apt/lists -maxdepth 1 -name '*_Packages' -mmin -1440 -print -quit)" ] ||
    apt-get "${apt_opts[@]}" update -qq >/dev/null
fi
resolve() {
  apt-cache "${apt_opts[@]}" depends linux-image-amd64 2>/dev/null |
    sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n1
}
package=$(resolve)
if [ -z "$package" ]; then
  apt-get "${apt_opts[@]}" update -qq >/dev/null
  package=$(resolve)
fi
[ -n "$package" ] || { echo "fetch-kernel: cannot resolve the linux-image-amd64 package${suite:+ of $suite}" >&2; exit 1; }
release=${package#linux-image-}
if [ ! -s "unpacked/boot/vmlinuz-$release" ]; then
  rm -rf unpacked ./*.deb
  # apt's sandbox user cannot write into a root-owned cache; download as root is intended.
  apt-get "${apt_opts[@]}" download -q "$package" >/dev/null 2>&1 ||
    apt-get "${apt_opts[@]}" download "$package" >&2
  mkdir -p unpacked
  dpkg-deb -x ./"$package"_*.deb unpacked
  rm -f ./*.deb
fi
ln -sfn "vmlinuz-$release" unpacked/boot/vmlinuz
echo "$cache/unpacked/boot/vmlinuz-$release"
