#!/usr/bin/env bash
# The Debian archive this machine's apt already uses, so that the patch builds and the rig fetch
# from the same mirror (and with the same keyring) as apt does instead of a fixed host.
#
# Sourced:  virdomm_apt_mirror [SUITE]    the URI of a `deb` entry for SUITE (bookworm,
#                                         bookworm-security, trixie...; default: this machine's
#                                         VERSION_CODENAME), without a trailing slash; for
#                                         another release than this machine's, the URI of
#                                         this release's entry (the same archive serves both)
#           virdomm_apt_keyring [SUITE]   that entry's Signed-By keyring file
#           virdomm_apt_deb_src COMPONENT SUITE...   one-line deb-src entries for those suites
# Run:      tests/setup/apt-mirror.sh [SUITE]   prints APT_MIRROR=, APT_SECURITY_MIRROR= and
#                                               APT_KEYRING= for SUITE
# Reads $VIRDOMM_APT_SOURCES_DIR/sources.list and sources.list.d/*.list and *.sources (one-line
# and deb822 entries), VIRDOMM_APT_SOURCES_DIR defaulting to /etc/apt. Overrides:
# VIRDOMM_APT_MIRROR (the archive, any suite not ending in -security),
# VIRDOMM_APT_SECURITY_MIRROR (suites ending in -security), VIRDOMM_APT_KEYRING.

# Used when an entry names no keyring: where debian-archive-keyring puts Debian's keys.
VIRDOMM_APT_DEFAULT_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

# The files apt reads, in apt's order: sources.list, then sources.list.d by name. Other names
# (*.disabled, *.save, ...) are ignored by apt and here.
virdomm_apt_source_files() {
  local dir=${VIRDOMM_APT_SOURCES_DIR:-/etc/apt} f
  [ -f "$dir/sources.list" ] && echo "$dir/sources.list"
  for f in "$dir"/sources.list.d/*; do
    case "$f" in *.list | *.sources) [ -f "$f" ] && echo "$f" ;; esac
  done
  return 0
}

# "URI<TAB>KEYRING" of every enabled binary (`deb`) entry that lists SUITE, in apt's order;
# KEYRING is empty when the entry names none (or embeds its key, or names it by fingerprint).
virdomm_apt_entries() {
  local suite=$1 f
  while read -r f; do
    case "$f" in
      *.sources) virdomm_apt_deb822_entries "$suite" <"$f" ;;
      *) virdomm_apt_oneline_entries "$suite" <"$f" ;;
    esac
  done < <(virdomm_apt_source_files)
}

# deb822 stanzas (sources(5)): "Field: value", continuation lines start with white space,
# stanzas end at a blank line, `#` lines are comments; field names are case-insensitive.
virdomm_apt_deb822_entries() {
  awk -v want="$1" '
    function keyring(v,   n, parts, i) {
      n = split(v, parts, ",")
      for (i = 1; i <= n; i++) {
        gsub(/^[ \t]+|[ \t]+$/, "", parts[i])
        if (parts[i] ~ /^\//) return parts[i]
      }
      return ""
    }
    function has(list, word,   n, parts, i) {
      n = split(list, parts, /[ \t]+/)
      for (i = 1; i <= n; i++) if (parts[i] == word) return 1
      return 0
    }
    function flush(   n, uris) {
      if (has(f["types"], "deb") && has(f["suites"], want) && tolower(f["enabled"]) != "no") {
        n = split(f["uris"], uris, /[ \t]+/)
        # Signed-By either names files/fingerprints on its first line or embeds a key block
        # on the lines after: only a file name can go into a one-line entry.
        if (n > 0) printf "%s\t%s\n", uris[1], keyring(f["signed-by:first"])
      }
      delete f; last = ""
    }
    /^#/ { next }
    /^[ \t]*$/ { flush(); next }
    /^[ \t]/ { if (last != "") f[last] = f[last] " " $0; next }
    {
      i = index($0, ":"); if (i == 0) next
      last = tolower(substr($0, 1, i - 1)); v = substr($0, i + 1)
      gsub(/^[ \t]+|[ \t]+$/, "", v)
      f[last] = v
      if (last == "signed-by") f["signed-by:first"] = v
    }
    END { flush() }'
}

# One-line entries (sources.list(5)): "deb [opt=value ...] URI SUITE COMPONENT...", `#` to the
# end of a line is a comment.
virdomm_apt_oneline_entries() {
  awk -v want="$1" '
    {
      sub(/#.*/, "")
      if ($1 != "deb") next
      line = substr($0, index($0, "deb") + 3); keyring = ""
      if (line ~ /^[ \t]*\[/) {
        close_at = index(line, "]"); if (close_at == 0) next
        opts = substr(line, index(line, "[") + 1, close_at - index(line, "[") - 1)
        line = substr(line, close_at + 1)
        n = split(opts, o, /[ \t]+/)
        for (i = 1; i <= n; i++) if (o[i] ~ /^signed-by=/) {
          split(substr(o[i], 11), k, ",")
          if (k[1] ~ /^\//) keyring = k[1]
        }
      }
      n = split(line, w, /[ \t]+/)
      j = (w[1] == "") ? 2 : 1
      # cdrom: entries carry spaces inside their URI and are no network mirror.
      if (w[j] ~ /^cdrom:/ || w[j + 1] != want) next
      printf "%s\t%s\n", w[j], keyring
    }'
}

# This machine's codename (VERSION_CODENAME of os-release), the default suite.
virdomm_apt_codename() {
  local f codename
  for f in /etc/os-release /usr/lib/os-release; do
    [ -r "$f" ] || continue
    codename=$(sed -n 's/^VERSION_CODENAME=["'"'"']\{0,1\}\([^"'"'"']*\).*/\1/p' "$f")
    if [ -n "$codename" ]; then
      echo "$codename"
      return 0
    fi
  done
  echo "apt-mirror.sh: no VERSION_CODENAME in /etc/os-release: name the suite" >&2
  return 1
}

virdomm_apt_mirror() {
  local suite=${1:-} entry override var
  [ -n "$suite" ] || suite=$(virdomm_apt_codename) || return 1
  case "$suite" in
    *-security) var=VIRDOMM_APT_SECURITY_MIRROR ;;
    *) var=VIRDOMM_APT_MIRROR ;;
  esac
  override=${!var:-}
  if [ -n "$override" ]; then
    echo "${override%/}"
    return 0
  fi
  # sed, not head: the lookup must not die of SIGPIPE under a caller's pipefail.
  entry=$(virdomm_apt_entries "$suite" | sed -n 1p)
  # Another Debian release (trixie on a bookworm machine) is served by the archive that serves
  # this machine's own release: the entry for this release (or its -security suite) names it.
  if [ -z "$entry" ]; then
    local own
    if own=$(virdomm_apt_codename 2>/dev/null) && [ "${suite%-security}" != "$own" ]; then
      case "$suite" in *-security) own=$own-security ;; esac
      entry=$(virdomm_apt_entries "$own" | sed -n 1p)
    fi
  fi
  if [ -z "$entry" ]; then
    local dir=${VIRDOMM_APT_SOURCES_DIR:-/etc/apt} files
    files=$(virdomm_apt_source_files | paste -sd' ')
    [ -n "$files" ] ||
      files="(none of $dir/sources.list, $dir/sources.list.d/*.list, *.sources exists)"
    echo "apt-mirror.sh: no enabled 'deb' entry for suite $suite in $files;" \
      "add one to apt's sources or set $var to the mirror's URL" >&2
    return 1
  fi
  entry=${entry%%$'\t'*}
  while [ "${entry%/}" != "$entry" ]; do entry=${entry%/}; done
  echo "$entry"
}

virdomm_apt_keyring() {
  local suite=${1:-} keyring
  if [ -n "${VIRDOMM_APT_KEYRING:-}" ]; then
    echo "$VIRDOMM_APT_KEYRING"
    return 0
  fi
  [ -n "$suite" ] || suite=$(virdomm_apt_codename) || return 1
  keyring=$(virdomm_apt_entries "$suite" | sed -n 1p | cut -f2)
  echo "${keyring:-$VIRDOMM_APT_DEFAULT_KEYRING}"
}

virdomm_apt_deb_src() {
  local component=$1 suite uri keyring
  shift
  for suite in "$@"; do
    uri=$(virdomm_apt_mirror "$suite") || return 1
    keyring=$(virdomm_apt_keyring "$suite")
    echo "deb-src [signed-by=$keyring] $uri $suite $component"
  done
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  suite=${1:-}
  [ -n "$suite" ] || suite=$(virdomm_apt_codename)
  mirror=$(virdomm_apt_mirror "$suite")
  security=$(virdomm_apt_mirror "$suite-security")
  keyring=$(virdomm_apt_keyring "$suite")
  printf 'APT_MIRROR=%s\nAPT_SECURITY_MIRROR=%s\nAPT_KEYRING=%s\n' "$mirror" "$security" "$keyring"
fi
