#!/usr/bin/env bash
# Fails when any C++ source of the project differs from what clang-format (the repo's
# .clang-format) would write. Patches against upstream trees are not ours to reformat.
set -euo pipefail
root=$1
cd "$root"
mapfile -t files < <(find src libvirt-hooks tests -type f \( -name '*.cpp' -o -name '*.h' \) \
  -not -path '*/corpus/*' | sort)
clang-format-14 --dry-run --Werror "${files[@]}"
echo "clang-format: ${#files[@]} files clean"
