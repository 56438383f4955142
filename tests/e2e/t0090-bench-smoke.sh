#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0090: the benchmark runner (bench/run.sh) end to end on tiny sizes, one run each
# (SMOKE=1): every script's rows reach the table and bench/results.json with median, min,
# max, the reference and the ratio; unavailable figures are n/a rows. No timing is asserted.
. "$(dirname "$0")/lib.sh"

test_expect_success SQLITE 'SMOKE=1 runs the envdb, extract and list benchmarks' '
	SMOKE=1 BENCH="envdb extract list" BENCH_OUT="$PWD/results.json" \
		bash "$FERRY_SRC/bench/run.sh" "$FERRY_BUILD" >table.txt 2>bench.log ||
		{ tail -30 bench.log; false; }'

test_expect_success SQLITE 'results.json: the machine and every row with median/min/max and a ratio' '
	jq -e ".machine.nproc >= 1 and (.machine.cpu | length) > 0 and .quick == true" results.json &&
	jq -e "[.rows[] | select(.available)] | length >= 9" results.json &&
	jq -e "all(.rows[] | select(.available); .runs >= 1 and .ferry.min <= .ferry.median and .ferry.median <= .ferry.max)" results.json &&
	jq -e "all(.rows[] | select(.available and .reference.median > 0); (.ratio - .ferry.median / .reference.median) | fabs < 0.01)" results.json &&
	jq -e "[.rows[].name] | any(startswith(\"restore point\")) and any(startswith(\"rollback\")) and any(startswith(\"package extract\")) and any(startswith(\"package verify\")) and any(startswith(\"env list --json\"))" results.json &&
	jq -e "[.rows[] | select(.name | startswith(\"env list\")) | .unit] | index(\"us/item\") != null" results.json'

test_expect_success SQLITE 'the table on stdout has every row with its reference' '
	head -1 table.txt | grep -q "REFERENCE" &&
	grep -q "^restore point, .*cp (same file)" table.txt &&
	grep -q "sqlite3 .backup" table.txt && grep -q "bsdtar -xf" table.txt &&
	grep -q "^machine: " table.txt &&
	equals "$(grep -c "ms (" table.txt)" "$(jq "[.rows[] | select(.available and .unit == \"ms\")] | length" results.json)"'

test_expect_success SQLITE 'the Markdown table for the README' '
	bash "$FERRY_SRC/bench/table.sh" results.json --markdown >table.md &&
	grep -q "^| benchmark | ferry median (min-max) |" table.md &&
	grep -q "^Machine: " table.md'

test_expect_success SQLITE 'a benchmark whose command fails: a "failed: <reason>" row, run.sh exits 1' '
	mkdir -p fb/bench && cp "$FERRY_SRC"/bench/run.sh "$FERRY_SRC"/bench/lib.sh "$FERRY_SRC"/bench/table.sh fb/bench/ &&
	cat >fb/bench/bench_broken.sh <<-\EOF &&
	set -euo pipefail
	. "$(dirname "$0")/lib.sh"
	x=("$(ms true)")
	row "fine row" ms "${x[*]}" "true" "${x[*]}"
	y=("$(ms sh -c "echo step dvt: Timeout was reached >&2; exit 3")")
	row "broken row" ms "${y[*]}" "true" "${y[*]}"
	EOF
	(cd fb && git init -q . && SMOKE=1 BENCH_OUT="$PWD/r.json" \
		bash bench/run.sh "$FERRY_BUILD" >table.txt 2>bench.log; echo $? >rc) &&
	equals "$(cat fb/rc)" 1 &&
	jq -e ".rows[] | select(.name == \"fine row\") | .available" fb/r.json &&
	jq -e ".rows[] | select(.name == \"bench_broken\") | .failed and (.why | startswith(\"failed: \")) and (.why | contains(\"Timeout was reached\"))" fb/r.json &&
	grep -q "^bench_broken  *FAILED  *failed: .*Timeout was reached" fb/table.txt &&
	! grep -q "unavailable\|n/a" fb/table.txt'

test_done
