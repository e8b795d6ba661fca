#!/usr/bin/env bash
# Fetches Debian's current linux-image-amd64 6.1 kernel package (the exact package that
# linux-image-amd64 depends on) into a cache outside the checkout and unpacks it there.
# Prints the path of the unpacked vmlinuz. Usage: fetch-kernel.sh [CACHE_DIR]
set -euo pipefail
cache=${1:-/var/cache/virdomm-test/kernel}
mkdir -p "$cache"
cd "$cache"
package=$(apt-cache depends linux-image-amd64 2>/dev/null |
  sed -n 's/^ *Depends: \(linux-image-6\.1\.[0-9]*-[0-9]*-amd64\)$/\1/p' | head -n1)
if [ -z "$package" ]; then
  apt-get update -qq >/dev/null
  package=$(apt-cache depends linux-image-amd64 |
    sed -n 's/^ *Depends: \(linux-image-6\.1\.[0-9]*-[0-9]*-amd64\)$/\1/p' | head -n1)
fi
[ -n "$package" ] || { echo "fetch-kernel: cannot resolve the linux-image-amd64 6.1 package" >&2; exit 1; }
release=${package#linux-image-}
if [ ! -s "unpacked/boot/vmlinuz-$release" ]; then
  rm -rf unpacked ./*.deb
  # apt's sandbox user cannot write into a root-owned cache; download as root is intended.
  apt-get download -q "$package" >/dev/null 2>&1 || apt-get download "$package" >&2
  mkdir -p unpacked
  dpkg-deb -x ./"$package"_*.deb unpacked
  rm -f ./*.deb
fi
ln -sfn "vmlinuz-$release" unpacked/boot/vmlinuz
echo "$cache/unpacked/boot/vmlinuz-$release"
