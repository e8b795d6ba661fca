#!/usr/bin/env bash
# Checks tests/setup/apt-mirror.sh against fake apt sources: deb822 and one-line entries with
# comments, disabled stanzas, deb-src lines, a third-party repository and signed-by options;
# the overrides; and the error when no entry fits.
# Usage: apt-mirror-test.sh PATH/TO/apt-mirror.sh
set -euo pipefail
helper=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset VIRDOMM_APT_MIRROR VIRDOMM_APT_SECURITY_MIRROR VIRDOMM_APT_KEYRING
export VIRDOMM_APT_SOURCES_DIR=$tmp/apt
# shellcheck source-path=SCRIPTDIR source=../../setup/apt-mirror.sh
source "$helper"

failures=0
expect() { # NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then
    echo "ok   $1"
  else
    echo "FAIL $1: expected '$2', got '$3'"
    failures=$((failures + 1))
  fi
}

mkdir -p "$VIRDOMM_APT_SOURCES_DIR/sources.list.d"
d=$VIRDOMM_APT_SOURCES_DIR/sources.list.d

# A third-party deb822 file sorted before Debian's, a disabled stanza, comments inside stanzas,
# a continuation line and lower-case field names.
cat >"$d/00-nodesource.sources" <<'SRC'
Types: deb
URIs: https://deb.nodesource.com/node_20.x
Suites: nodistro
Components: main
Signed-By: /usr/share/keyrings/nodesource.gpg
SRC
cat >"$d/debian.sources" <<'SRC'
# Debian's archive, as the installer writes it.
Types: deb
URIs: http://disabled.example/debian
Suites: bookworm trixie
Components: main
Enabled: no

Types: deb deb-src
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://mirror.example/debian/
Suites: bookworm
 bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

types: deb
uris: https://security.example/debian-security
suites: bookworm-security
components: main
signed-by: /etc/apt/keyrings/security.gpg, /usr/share/keyrings/other.gpg
SRC
# An embedded key is no file a one-line entry could name.
cat >"$d/trixie.sources" <<'SRC'
Types: deb
URIs: http://trixie.example/debian
Suites: trixie
Components: main
Signed-By:
 -----BEGIN PGP PUBLIC KEY BLOCK-----
 .
 mQINBGPL0BUBEADmW5NdOOHwPIJlgPu6JDcKw/NZJPR8lsD9K7pgJLsA7Bd6xHEa
 -----END PGP PUBLIC KEY BLOCK-----
SRC
# One-line files: deb-src, a commented-out entry, a cdrom entry, and names apt ignores.
cat >"$d/virdomm-src.list" <<'SRC'
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://src.example/debian bookworm main
SRC
cat >"$d/google.list.disabled-by-farm" <<'SRC'
deb https://packages.cloud.google.com/apt bookworm main
SRC
cat >"$d/backports.sources.save" <<'SRC'
Types: deb
URIs: http://saved.example/debian
Suites: bookworm-backports
Components: main
SRC
cat >"$d/zz-backports.list" <<'SRC'
# deb http://commented.example/debian bookworm-backports main
deb cdrom:[Debian GNU/Linux 12.5.0 _Bookworm_ - Official amd64 DVD Binary-1]/ bookworm-backports main
  deb [ arch=amd64 signed-by=/etc/apt/keyrings/bpo.gpg ] http://bpo.example/debian// bookworm-backports main # trailing comment
SRC

expect "archive from deb822, trailing slash dropped" http://mirror.example/debian "$(virdomm_apt_mirror bookworm)"
expect "continuation line of Suites" http://mirror.example/debian "$(virdomm_apt_mirror bookworm-updates)"
expect "archive keyring" /usr/share/keyrings/debian-archive-keyring.gpg "$(virdomm_apt_keyring bookworm)"
expect "security from a lower-case stanza" https://security.example/debian-security "$(virdomm_apt_mirror bookworm-security)"
expect "first keyring of a list" /etc/apt/keyrings/security.gpg "$(virdomm_apt_keyring bookworm-security)"
expect "disabled stanza skipped" http://trixie.example/debian "$(virdomm_apt_mirror trixie)"
expect "embedded key: default keyring" /usr/share/keyrings/debian-archive-keyring.gpg "$(virdomm_apt_keyring trixie)"
expect "one-line entry with options, cdrom and comments skipped" http://bpo.example/debian "$(virdomm_apt_mirror bookworm-backports)"
expect "one-line signed-by" /etc/apt/keyrings/bpo.gpg "$(virdomm_apt_keyring bookworm-backports)"

expect "deb-src entries" "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://mirror.example/debian bookworm main
deb-src [signed-by=/etc/apt/keyrings/security.gpg] https://security.example/debian-security bookworm-security main" \
  "$(virdomm_apt_deb_src main bookworm bookworm-security)"

# sources.list comes before sources.list.d; its entry without signed-by gets the default.
echo "deb http://first.example/debian bookworm main contrib" >"$VIRDOMM_APT_SOURCES_DIR/sources.list"
expect "sources.list first" http://first.example/debian "$(virdomm_apt_mirror bookworm)"
expect "no signed-by: default keyring" /usr/share/keyrings/debian-archive-keyring.gpg "$(virdomm_apt_keyring bookworm)"
rm "$VIRDOMM_APT_SOURCES_DIR/sources.list"

# Overrides: the archive one for any suite but -security, the security one for -security.
expect "archive override" http://override.example/debian "$(VIRDOMM_APT_MIRROR=http://override.example/debian/ virdomm_apt_mirror bookworm)"
expect "archive override leaves security alone" https://security.example/debian-security \
  "$(VIRDOMM_APT_MIRROR=http://override.example/debian virdomm_apt_mirror bookworm-security)"
expect "security override" http://sec.example/ds "$(VIRDOMM_APT_SECURITY_MIRROR=http://sec.example/ds virdomm_apt_mirror bookworm-security)"
expect "keyring override" /k.gpg "$(VIRDOMM_APT_KEYRING=/k.gpg virdomm_apt_keyring bookworm-security)"
expect "override when nothing is found" http://o.example/debian "$(VIRDOMM_APT_MIRROR=http://o.example/debian virdomm_apt_mirror sid)"

# The third-party file sorts first but lists no Debian suite: it is never the answer.
expect "third-party entry only for its own suite" https://deb.nodesource.com/node_20.x \
  "$(virdomm_apt_mirror nodistro)"

# No entry for the suite: an error naming the files read and the variable to set, nothing on
# stdout.
# A release no entry names (sid here) is served by the archive of this machine's own release;
# its -security suite by the own release's security archive. Without an entry for the own
# release either, the lookup fails and names the files and the variable.
own=$(virdomm_apt_codename)
own_uri=$(virdomm_apt_mirror "$own" 2>/dev/null) || own_uri=""
own_sec=$(virdomm_apt_mirror "$own-security" 2>/dev/null) || own_sec=""
if [ -n "$own_uri" ]; then
  expect "sid: the own release's archive" "$own_uri" "$(virdomm_apt_mirror sid)"
  expect "sid-security: the own release's security archive" "$own_sec" "$(virdomm_apt_mirror sid-security)"
fi
mkdir -p "$tmp/only/sources.list.d"
printf 'Types: deb\nURIs: http://only.example/debian\nSuites: trixie\nComponents: main\n' >"$tmp/only/sources.list.d/only.sources"
for suite in sid "$own-proposed-updates"; do
  [ "$own" != trixie ] || break
  rc=0
  out=$(VIRDOMM_APT_SOURCES_DIR=$tmp/only virdomm_apt_mirror "$suite" 2>"$tmp/err") || rc=$?
  err=$(cat "$tmp/err")
  expect "no $suite nor $own: fails" 1 "$rc"
  expect "no $suite nor $own: nothing printed" "" "$out"
  expect "no $suite nor $own: names only.sources" yes "$(grep -q "$tmp/only/sources.list.d/only.sources" <<<"$err" && echo yes)"
  expect "no $suite nor $own: names the variable" yes "$(grep -q VIRDOMM_APT_MIRROR <<<"$err" && echo yes)"
done
rc=0
VIRDOMM_APT_SOURCES_DIR=$tmp/only virdomm_apt_deb_src main trixie sid >/dev/null 2>&1 || rc=$?
expect "deb-src entries: a missing suite fails" 1 "$rc"
rc=0
err=$(VIRDOMM_APT_SOURCES_DIR=$tmp/only virdomm_apt_mirror sid-security 2>&1 >/dev/null) || rc=$?
expect "no sid-security: names the security variable" 1:yes "$rc:$(grep -q VIRDOMM_APT_SECURITY_MIRROR <<<"$err" && echo yes)"

# An empty folder: the error says which files were looked for.
rc=0
err=$(VIRDOMM_APT_SOURCES_DIR=$tmp/none virdomm_apt_mirror bookworm 2>&1 >/dev/null) || rc=$?
expect "no sources at all: fails" 1 "$rc"
expect "no sources at all: names what it looked for" yes "$(grep -q "$tmp/none/sources.list" <<<"$err" && echo yes)"

# Run as a program: KEY=VALUE lines, and a failing exit when a suite is missing.
expect "run: prints the values" "APT_MIRROR=http://mirror.example/debian
APT_SECURITY_MIRROR=https://security.example/debian-security
APT_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg" "$("$helper" bookworm)"
rc=0
VIRDOMM_APT_SOURCES_DIR=$tmp/only "$helper" sid >/dev/null 2>&1 || rc=$?
expect "run: missing suite fails" 1 "$rc"

[ "$failures" = 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "apt-mirror.sh: all checks passed"
