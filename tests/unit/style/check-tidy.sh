#!/usr/bin/env bash
# Runs clang-tidy (the repo's .clang-tidy, warnings are errors) over the project's own sources,
# using the build's compile_commands.json.
set -euo pipefail
root=$1 build=$2
cd "$root"
mapfile -t files < <(find src libvirt-hooks -type f -name '*.cpp' | sort)
printf '%s\n' "${files[@]}" |
  xargs -P"$(nproc)" -n4 clang-tidy-14 -p "$build" --quiet 2>/dev/null
echo "clang-tidy: ${#files[@]} files clean"
