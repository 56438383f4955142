#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# table.sh [RESULTS] [--markdown]: print bench/results.json as a table (the one run.sh prints),
# or as the Markdown table the top-level README.md carries.
set -euo pipefail
f=${1:-bench/results.json}
fmt='def v(x): if x == null then "-" elif (x | floor) == x then (x | tostring) else (x * 10 | round / 10 | tostring) end;
     def fig(o; u): if o.median == null then "-" else "\(v(o.median)) \(u) (\(v(o.min))-\(v(o.max)))" end;
     def ratio: if .ratio == null then "-" else (.ratio * 100 | round / 100 | tostring) + "x" end;'
if [ "${2:-}" = --markdown ]; then
	jq -r "$fmt"'
	  "Machine: \(.machine.nproc) cores (\(.machine.cpu)), \(.machine.memory_mib) MiB, Linux \(.machine.kernel), load \(.machine.load_average); \(.date), commit \(.commit)\(if .quick then ", QUICK=1" else "" end)\(if .huge then ", HUGE=1" else "" end).\n",
	  "| benchmark | ferry median (min-max) | reference | reference median (min-max) | ratio | runs |",
	  "|---|---|---|---|---|---|",
	  (.rows[] | if .available then
	    "| \(.name) | \(fig(.ferry; .unit)) | \(.reference.name) | \(fig(.reference; .unit)) | \(ratio) | \(.runs) |"
	  elif .failed then "| \(.name) | **FAILED** | \(.why) | | | |"
	  else "| \(.name) | n/a | \(.why | sub("^n/a: "; "")) | | | |" end),
	  (.growth // [] | .[] | (.sizes_mib | map(if . >= 1024 then "\(. / 1024) GiB" else "\(.) MiB" end)) as $l |
	    "\n\(.name): each step at each size, ms (ms per GiB)\n",
	    "| step | \($l | join(" | ")) |", "|---|\($l | map("---|") | join(""))",
	    (.sizes_mib as $s | .steps[] | "| \(.step) | \([range(0; $s | length) as $i | .ms[$i] as $m |
	      if $m == null then "-" else "\($m | round) (\($m * 1024 / $s[$i] | round))" end] | join(" | ")) |"))' "$f"
	exit 0
fi
jq -r "$fmt"'
  (["BENCHMARK", "FERRY median (min-max)", "REFERENCE", "REF median (min-max)", "RATIO"] | @tsv),
  (.rows[] | if .available then
     [.name, fig(.ferry; .unit), .reference.name, fig(.reference; .unit), ratio] | @tsv
   elif .failed then [.name, "FAILED", .why, "", ""] | @tsv
   else [.name, "n/a", (.why | sub("^n/a: "; "")), "", ""] | @tsv end)' "$f" |
	awk -F'\t' '{ printf "%-50s %-30s %-30s %-30s %s\n", $1, $2, $3, $4, $5 }'
jq -r '.growth // [] | .[] | (.sizes_mib | map(if . >= 1024 then "\(. / 1024) GiB" else "\(.) MiB" end)) as $l |
	"\n\(.name): each step at each size, ms (ms per GiB)",
	([("STEP" | . + " " * (40 - length))] + ($l | map(. + " " * (22 - length))) | join("")),
	(.sizes_mib as $s | .steps[] | ([.step | . + " " * ([40 - length, 1] | max)] +
	  [range(0; $s | length) as $i | .ms[$i] as $m |
	   (if $m == null then "-" else "\($m | round) (\($m * 1024 / $s[$i] | round))" end) | . + " " * ([22 - length, 1] | max)]
	  | join("")))' "$f"
echo
jq -r '"machine: \(.machine.nproc) cores, \(.machine.cpu), \(.machine.memory_mib) MiB, load \(.machine.load_average); \(.seconds) s\(if .quick then " (QUICK=1)" else "" end)\(if .huge then " (HUGE=1)" else "" end)"' "$f"
