#!/usr/bin/env bash
# Installs the Debian 12 packages the named profiles need (tests/setup/packages/<profile>*.list),
# idempotently: silent when everything is already installed.
# Usage: tests/setup/install-deps.sh PROFILE...   (profiles: build test demo ...)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi

wanted=()
for profile in "$@"; do
  for list in "$here"/packages/"$profile"*.list; do
    [ -e "$list" ] || continue
    while read -r pkg _; do
      case "$pkg" in ''|'#'*) continue ;; esac
      wanted+=("$pkg")
    done <"$list"
  done
done
[ ${#wanted[@]} -gt 0 ] || exit 0

missing=()
for pkg in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = installed ] || missing+=("$pkg")
done
[ ${#missing[@]} -gt 0 ] || exit 0

echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
