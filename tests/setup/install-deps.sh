#!/usr/bin/env bash
# Installs the Debian 12 packages the named profiles need (tests/setup/packages/<profile>*.list),
# idempotently: silent when everything is already installed.
# Usage: tests/setup/install-deps.sh PROFILE...   (profiles: build test demo ...)
#
# A list entry is a package name, or NAME/SUITE for a package from another suite of the same
# archive; SUITE must be this machine's <codename>-backports (e.g. suricata/bookworm-backports).
# When such a package is wanted and missing, an apt source for that suite is added from the
# archive entry and keyring this machine's apt already uses (apt-mirror.sh), as
# /etc/apt/sources.list.d/virdomm-backports.list (rewritten only when it differs), and the
# package is installed with `apt-get install -t SUITE`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi
backports_list=${VIRDOMM_BACKPORTS_LIST:-/etc/apt/sources.list.d/virdomm-backports.list}

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

missing=() missing_backports=() backports_suite=""
for entry in "${wanted[@]}"; do
  pkg=${entry%%/*}
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [ "$status" = installed ] && continue
  if [ "$pkg" = "$entry" ]; then
    missing+=("$pkg")
    continue
  fi
  suite=${entry#*/}
  # shellcheck source=apt-mirror.sh
  . "$here/apt-mirror.sh"
  codename=$(virdomm_apt_codename)
  if [ "$suite" != "$codename-backports" ]; then
    echo "install-deps.sh: $entry: only $codename-backports can be named (this machine is" \
      "$codename)" >&2
    exit 1
  fi
  backports_suite=$suite
  missing_backports+=("$pkg")
done
[ ${#missing[@]} -gt 0 ] || [ ${#missing_backports[@]} -gt 0 ] || exit 0

export DEBIAN_FRONTEND=noninteractive
if [ ${#missing_backports[@]} -gt 0 ]; then
  # The archive that serves this release serves its backports too; the same keyring signs both.
  uri=$(virdomm_apt_mirror "$codename")
  keyring=$(virdomm_apt_keyring "$codename")
  line="deb [signed-by=$keyring] $uri $backports_suite main"
  if [ "$(cat "$backports_list" 2>/dev/null || true)" != "$line" ]; then
    echo "adding $backports_suite from $uri to $backports_list" >&2
    echo "$line" | $sudo tee "$backports_list" >/dev/null
  fi
fi
shown=("${missing[@]}")
for pkg in "${missing_backports[@]}"; do shown+=("$pkg/$backports_suite"); done
echo "installing: ${shown[*]}" >&2
$sudo apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ${#missing_backports[@]} -gt 0 ]; then
  $sudo apt-get install -y -qq --no-install-recommends -t "$backports_suite" \
    "${missing_backports[@]}" >/dev/null
fi
