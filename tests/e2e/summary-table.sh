#!/usr/bin/env bash
# Prints a run's summary (summary.tsv: scenario, step, result, seconds) as one table, with each
# scenario's total. Usage: summary-table.sh SUMMARY.tsv [--markdown]
set -euo pipefail
file=$1 md=${2:-}
awk -F'\t' -v md="$md" '
  function row(a, b, c, d) {
    if (md != "") printf "| %s | %s | %s | %s |\n", a, b, c, d
    else printf "%-28s %-58s %-7s %8s\n", a, substr(b, 1, 58), c, d
  }
  BEGIN { row("scenario", "step", "result", "seconds"); if (md != "") print "|---|---|---|---:|" }
  {
    if ($1 != cur && cur != "") row(cur, "(scenario total)", bad[cur] ? "FAILED" : "ok", sprintf("%.0f", tot[cur]))
    cur = $1
    row($1, $2, $3, $4)
    if ($4 ~ /^[0-9.]+$/) { tot[$1] += $4; all += $4 }
    if ($3 != "ok" && $3 != "-") bad[$1] = 1
    if ($2 ~ /run again/) bad[$1] = 0
  }
  END {
    if (cur != "") row(cur, "(scenario total)", bad[cur] ? "FAILED" : "ok", sprintf("%.0f", tot[cur]))
    row("(all)", "", "", sprintf("%.0f", all))
  }' "$file"
