#!/usr/bin/env bash
# The cost of the last end-to-end run of every stack, from the runs' own tables
# ($VIRDOMM_RIG_CACHE/run-<stack>/summary.tsv, written by run-scenario.sh): one markdown row per
# scenario (result, seconds), the hosts' boots and resumes, the total.
#   cost-table.sh                 prints the table
#   cost-table.sh --update [FILE] replaces the lines between "<!-- e2e-costs -->" and
#                                 "<!-- /e2e-costs -->" in FILE (default: the benchmarks page,
#                                 tests/bench/README.md) with it
set -euo pipefail
e2e=$(cd "$(dirname "$0")" && pwd)
cache=${VIRDOMM_RIG_CACHE:-/var/cache/virdomm-rig}

table() {
  echo "| stack | scenario | result | minutes |"
  echo "|---|---|---|---:|"
  local f stack
  for f in "$e2e"/stacks/*.sh; do
    stack=$(basename "$f" .sh)
    [ -s "$cache/run-$stack/summary.tsv" ] || continue
    awk -F'\t' -v stack="$stack" '
      { if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 }
        if ($4 ~ /^[0-9.]+$/) { secs[$1] += $4; all += $4 }
        if ($3 != "ok" && $3 != "-") bad[$1] = 1
        # The rerun after an emulator fault decides; the faulted attempt still counts in time.
        if ($2 ~ /run again/) { again[$1] = 1; bad[$1] = 0 }
        if ($2 ~ /^hosts booted/) boots++
        if ($2 ~ /^both hosts up/) { ups++; upsecs += $4 } }
      END {
        for (i = 1; i <= n; i++) {
          s = order[i]
          r = bad[s] ? "FAILED" : "ok"
          if (again[s]) r = r " (run again after an emulator fault)"
          name = s == "(rig)" ? "(images, saved hosts)" : s
          printf "| %s | %s | %s | %.1f |\n", stack, name, r, secs[s] / 60
        }
        printf "| %s | **all**: %d boot(s), %d scenario starts (%.0f s in all) | | **%.1f** |\n",
          stack, boots, ups, upsecs, all / 60
      }' "$cache/run-$stack/summary.tsv"
  done
}

if [ "${1:-}" = --update ]; then
  file=${2:-$e2e/../bench/README.md}
  grep -q '^<!-- e2e-costs -->$' "$file" && grep -q '^<!-- /e2e-costs -->$' "$file" ||
    { echo "$file has no <!-- e2e-costs --> ... <!-- /e2e-costs --> block" >&2; exit 1; }
  tmp=$(mktemp)
  table >"$tmp.table"
  awk -v t="$tmp.table" '
    /^<!-- e2e-costs -->$/ { print; while ((getline l < t) > 0) print l; skip = 1; next }
    /^<!-- \/e2e-costs -->$/ { skip = 0 }
    !skip' "$file" >"$tmp"
  cat "$tmp" >"$file"
  rm -f "$tmp" "$tmp.table"
else
  table
fi
