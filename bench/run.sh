#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run.sh BUILD: run every bench/bench_*.sh, print the table and write bench/results.json
# (see bench/README.md). QUICK=1: smaller sizes, fewer runs; HUGE=1: the full sizes and a
# 10 GiB data upgrade (HUGE_SIZES="MIB ..." to change its sizes); SMOKE=1: tiny sizes, one run
# (for the e2e test; figures meaningless). BENCH="pat ...": only the
# scripts whose name contains one of them. Row formats a script may print (tab-separated):
#   name unit ferry_med ferry_min ferry_max reference ref_med ref_min ref_max runs  (bench/lib.sh)
#   name ferry_ms reference ref_ms                                    (one run, in ms)
#   name n/a why                                                      (not measurable here)
#   name growth JSON          (HUGE=1: how steps grow with the size; results.json "growth")
# A script that exits non-zero (a command it timed failed) becomes a row
#   name failed why                                                   (why: its last "bench:" line)
# and run.sh exits 1 after writing the table: a failure is never shown as "n/a".
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=$(realpath "${1:-build/release}")
export FERRY="$BUILD/ferry" FERRYD="$BUILD/ferryd" FERRY_BUILD="$BUILD" QUICK="${QUICK:-0}" SMOKE="${SMOKE:-0}"
[ "$SMOKE" = 1 ] && export QUICK=1 RUNS=1
OUT=${BENCH_OUT:-bench/results.json}
rows=$(mktemp) errs=$(mktemp)
trap 'rm -f "$rows" "$errs"' EXIT
failed=0
t0=$(date +%s)
for b in bench/bench_*.sh; do
	[ -e "$b" ] || continue
	if [ -n "${BENCH:-}" ]; then
		ok=0; for p in $BENCH; do case "$b" in *"$p"*) ok=1 ;; esac; done
		[ "$ok" = 1 ] || continue
	fi
	echo "bench: $b" >&2
	s=$(date +%s)
	# stderr goes on to the terminal and is kept to name the reason of a failure
	set +e
	bash "$b" 2>&1 >>"$rows" | tee "$errs" >&2
	st=${PIPESTATUS[0]}
	set -e
	if [ "$st" != 0 ]; then
		why=$(grep -a '^bench: ' "$errs" | tail -1 | sed 's/^bench: //' | tr '\t\n' '  ' | cut -c1-300)
		[ -n "$why" ] || why=$(grep -av '^ *$' "$errs" | tail -1 | tr '\t\n' '  ' | cut -c1-300)
		printf '%s\tfailed\t%s\n' "$(basename "$b" .sh)" "failed: ${why:-exit status $st}" >>"$rows"
		failed=1
	fi
	echo "bench: $b took $(( $(date +%s) - s )) s" >&2
done
if [ ! -s "$rows" ]; then
	echo "bench: no benchmarks yet"
	exit 0
fi

# rows -> JSON array (ratio = ferry median / reference median)
json_rows=$(awk -F'\t' '
	function num(x) { return (x == "-" || x == "") ? "null" : x + 0 }
	function str(x) { gsub(/\\/, "\\\\", x); gsub(/"/, "\\\"", x); return "\"" x "\"" }
	NF == 3 && $2 == "failed" { printf "%s{\"name\":%s,\"available\":false,\"failed\":true,\"why\":%s}", sep, str($1), str($3); sep = ","; next }
	NF == 3 && $2 == "n/a" { printf "%s{\"name\":%s,\"available\":false,\"why\":%s}", sep, str($1), str($3); sep = ","; next }
	NF == 4 { $0 = $1 "\tms\t" $2 "\t" $2 "\t" $2 "\t" $3 "\t" $4 "\t" $4 "\t" $4 "\t1" }
	NF >= 10 {
		split($0, f, "\t")
		ratio = (f[7] != "-" && f[7] + 0 > 0) ? sprintf("%.3f", f[3] / f[7]) : "null"
		printf "%s{\"name\":%s,\"available\":true,\"unit\":%s,\"runs\":%d,", sep, str(f[1]), str(f[2]), f[10]
		printf "\"ferry\":{\"median\":%s,\"min\":%s,\"max\":%s},", num(f[3]), num(f[4]), num(f[5])
		printf "\"reference\":{\"name\":%s,\"median\":%s,\"min\":%s,\"max\":%s},\"ratio\":%s}", \
			str(f[6]), num(f[7]), num(f[8]), num(f[9]), ratio
		sep = ","
	}' "$rows")
growth=$(awk -F'\t' 'NF == 3 && $2 == "growth" { print $3 }' "$rows" | jq -s -c .)
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
mem=$(awk '/^MemTotal/ { print $2 }' /proc/meminfo)
jq -n --argjson rows "[$json_rows]" --arg cpu "${cpu:-unknown}" --argjson nproc "$(nproc)" \
	--argjson mem_kib "$mem" --arg kernel "$(uname -r)" --argjson quick "$QUICK" \
	--arg commit "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
	--arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --argjson secs $(( $(date +%s) - t0 )) \
	--arg load "$(cut -d' ' -f1-3 /proc/loadavg)" --argjson growth "$growth" --argjson huge "${HUGE:-0}" \
	'{date: $date, commit: $commit, quick: ($quick == 1), huge: ($huge == 1), seconds: $secs,
	  machine: {nproc: $nproc, cpu: $cpu, memory_mib: ($mem_kib / 1024 | floor), kernel: $kernel,
		    load_average: $load},
	  rows: $rows, growth: $growth}' >"$OUT"

bash bench/table.sh "$OUT"
echo "bench: wrote $OUT ($(jq .seconds "$OUT") s)" >&2
if [ "$failed" = 1 ]; then
	echo "bench: FAILED: $(jq -r '[.rows[] | select(.failed) | .name] | join(", ")' "$OUT")" >&2
	exit 1
fi
