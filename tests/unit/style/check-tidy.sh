#!/usr/bin/env bash
# Runs clang-tidy (the repo's .clang-tidy, warnings are errors) over the project's own sources,
# using the build's compile_commands.json.
#
# A file found clean is remembered by what clang-tidy's verdict depends on: the file's
# preprocessed text with its comments (so every header it includes and every NOLINT count), the
# compile flags, .clang-tidy and clang-tidy's version. The next run skips a file whose key is
# remembered; anything changed in that input runs it again. Only clean verdicts are kept, under
# VIRDOMM_TIDY_CACHE (default /var/cache/virdomm-tidy; empty: no cache).
set -euo pipefail
root=$(cd "$1" && pwd) build=$(cd "$2" && pwd)
cd "$root"
cache=${VIRDOMM_TIDY_CACHE-/var/cache/virdomm-tidy}
mapfile -t files < <(find src libvirt-hooks -type f -name '*.cpp' | sort)
[ -z "$cache" ] || mkdir -p "$cache" 2>/dev/null || cache=""

# One file: its cache key, clang-tidy when the key is not remembered, the key kept when clean.
tidy_one() {
  local file=$1 key="" dir="" command=""
  if [ -n "$cache" ]; then
    read -r dir command < <(jq -r --arg f "$root/$file" \
      '[.[] | select(.file == $f)][0] // empty | "\(.directory) \(.command)"' \
      "$build/compile_commands.json")
  fi
  if [ -n "$command" ]; then
    # The compile command, preprocessing only ("-o OBJ" becomes "-E -C -o -"); paths of this
    # checkout are spelled alike in every clone. A file that does not preprocess gets no key.
    local text
    text=$(mktemp)
    if (cd "$dir" && eval "$(sed -E 's/ -o [^ ]+ / -E -C -o - /' <<<"$command")") \
      2>/dev/null >"$text"; then
      key=$( { clang-tidy-14 --version; cat .clang-tidy; printf '%s\n' "$command"
        cat "$text"; } | sed "s|$root|@|g" | sha256sum | cut -c1-64)
    fi
    rm -f "$text"
  fi
  [ -n "$key" ] && [ -e "$cache/$key" ] && return 0
  clang-tidy-14 -p "$build" --quiet "$file" 2>/dev/null || return 1
  [ -z "$key" ] || : >"$cache/$key"
}
export -f tidy_one
export root build cache
printf '%s\n' "${files[@]}" | xargs -P"$(nproc)" -n1 bash -c 'tidy_one "$1"' tidy_one
echo "clang-tidy: ${#files[@]} files clean"
