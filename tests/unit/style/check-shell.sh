#!/usr/bin/env bash
# Every shell script of the project parses (bash -n), and every end-to-end scenario names at
# least one stack that exists ("# stacks:" line, tests/e2e/stacks/), so a broken scenario file
# fails here in a second rather than on the emulated hosts after their boot.
# Usage: check-shell.sh SOURCE_DIR
set -uo pipefail
root=$1 bad=0
while IFS= read -r -d '' f; do
  bash -n "$f" 2>/tmp/check-shell.$$ || { echo "syntax: $f"; cat /tmp/check-shell.$$; bad=1; }
done < <(cd "$root" && find . -path ./build -prune -o -path ./.git -prune -o -type f \
  \( -name '*.sh' -o -path './libvirt-hooks/virdomm-hook-reload' \) -print0 | sed -z 's|^\./||;s|^|'"$root"'/|')
rm -f /tmp/check-shell.$$
for f in "$root"/tests/e2e/scenarios/*.sh; do
  stacks=$(sed -n 's/^# stacks: *//p' "$f")
  [ -n "$stacks" ] || { echo "scenario without a '# stacks:' line: $f"; bad=1; continue; }
  for s in $stacks; do
    [ -f "$root/tests/e2e/stacks/$s.sh" ] || { echo "$f names stack '$s', which tests/e2e/stacks/ lacks"; bad=1; }
  done
  grep -q '^step .*e2e_hosts_up\|pair-moves.sh\|domubit-case.sh' "$f" ||
    { echo "$f never brings the hosts up (step ... e2e_hosts_up)"; bad=1; }
done
[ "$bad" = 0 ] && echo "shell scripts parse; every scenario names existing stacks"
exit "$bad"
