#!/usr/bin/env bash
# Installs the hook component into a scratch DESTDIR and checks what libvirtd will find: a
# regular executable file at <sysconfdir>/libvirt/hooks/libxl.d/virdomm, and the reload helper.
# Usage: hook_install_layout.sh BUILD_DIR FULL_SYSCONFDIR FULL_SBINDIR
set -euo pipefail
build=$1 sysconfdir=$2 sbindir=$3
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
DESTDIR=$dest cmake --install "$build" >/dev/null
hook=$dest$sysconfdir/libvirt/hooks/libxl.d/virdomm
[ -f "$hook" ] && [ ! -L "$hook" ] || { echo "FAIL: $hook is not a regular file" >&2; exit 1; }
[ -x "$hook" ] || { echo "FAIL: $hook is not executable" >&2; exit 1; }
[ -x "$dest$sbindir/virdomm-hook-reload" ] || { echo "FAIL: no reload helper" >&2; exit 1; }
# The installed file is the hook itself: it answers an unknown event with exit 0, silently.
out=$(env -i PATH=/usr/sbin:/usr/bin LC_ALL=C HOME=/ timeout 60 "$hook" x frobnicate now - </dev/null)
[ -z "$out" ] || { echo "FAIL: installed hook printed something" >&2; exit 1; }
echo "ok: $hook"
