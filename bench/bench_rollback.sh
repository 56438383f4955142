#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench_rollback.sh: the rollback that keeps the writes (docs/UPGRADE.md) on the sample
# application upgraded from 7.3 to 8.1, a 16 MiB database (QUICK=1: 4 MiB). Each run
# upgrades twice: once nobody writes, then `ferry upgrade rollback` is a plain restore (the
# reference); once 1,000 rows are written since the swap (700 customers inserted, 300
# updated, as through the 8.1 application), then the rollback captures them, plans and
# carries them back through the reverse mappings.
#   1. the whole rollback operation with 1,000 carried writes against the plain restore
#      (the overhead ratio of keeping the writes);
#   2. its capture and carry-back steps against its restore-database step;
#   3. the data upgrade's baseline step (what keeping writes adds to the downtime) against
#      its restore-point step.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
if ! "$FERRY" upgrade rollback --help 2>/dev/null | grep -q -- --discard-writes; then
	for n in "rollback carrying 1,000 writes" "rollback: capture and carry-back of 1,000 writes" \
		"upgrade data: baseline of the upgraded database"; do
		na "$n" "n/a: this ferry's rollback does not keep writes"
	done
	exit 0
fi
if [ "$QUICK" = 1 ]; then MIB=4 RUNS=${RUNS_ROLLBACK:-2}; else MIB=16 RUNS=${RUNS_ROLLBACK:-3}; fi
[ "$SMOKE" = 1 ] && MIB=1
W=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-rb.XXXXXX")
export FERRY_HOME="$W/home"
f() { "$FERRY" "$@"; }
cleanup() {
	local n s
	for n in $(f env list --json 2>/dev/null | jq -r '.[].name'); do
		for s in $(f env show "$n" --json 2>/dev/null | jq -r '.runtimes | keys[]' 2>/dev/null); do
			f -q env stop "$n" --grace 1 --view "$s" >/dev/null 2>&1 || true
		done
	done
	rm -rf "$W"
}
trap cleanup EXIT
PK="$EX/packages"
mkdir -p "$W/rel"
f -q init
f -q project create bench
f -q feature enable upgrade-self-serve --project bench
f -q key generate vendor >/dev/null
f -q key trust vendor --project bench
for d in ledger-app-7.3 ledger-app-8.1 ledger-data-upgrade-8.1; do
	f -q package build "$PK/$d" -o "$W/$d.zip" --sign vendor >/dev/null
	f -q asset upload "$W/$d.zip" --project bench >/dev/null
	f -q package extract "$W/$d.zip" "$W/rel/$d" --project bench >/dev/null
done
src=$(ledger_db "$MIB")
f -q env create sbx --project bench --role sandbox --app 7.3 --platform PU12
f -q env deploy sbx --from-dir "$W/rel/ledger-app-7.3" --no-start >/dev/null
cp "$src" "$(f env show sbx --json | jq -r '.runtimes.main.database')"
f -q env start sbx
f -q env create dev --project bench --role development --app 8.1 --platform PU20
f -q env deploy dev --from-dir "$W/rel/ledger-app-8.1" >/dev/null
f -q db copy --from sbx --to dev >/dev/null
f -q env data-upgrade dev >/dev/null
f -q env stop dev --grace 5

# step SECTION STEP: a step's duration in the last operation of a kind ("upgrade.data").
step_ms() {
	f upgrade status sbx --json | jq --arg k "$1" --arg s "$2" \
		'[.operations[] | select(.kind == $k)][-1].steps[] | select(.name == $s) | .duration_ms'
}
# 1,000 writes since the swap: 700 new customers, 300 changed (one transaction).
write_1000() {
	local db
	db=$(f env show sbx --view upgrade --json | jq -r .database)
	sqlite3 "$db" "BEGIN;
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 700)
		INSERT INTO customers (id, email, created_on, first_name, last_name)
		SELECT 900000 + $1 * 1000 + i, 'b' || i || '.$1@bench.test', '2026-11-05', 'Bench', 'Customer ' || i FROM n;
		UPDATE customers SET last_name = last_name || ' (moved)' WHERE id IN (SELECT id FROM customers WHERE id < 900000 ORDER BY id LIMIT 300);
		COMMIT;"
}

plain=() carry=() steps=() restore=() base=() rp=()
for r in $(seq 1 "$RUNS"); do
	log "rollback run $r of $RUNS: plain restore"
	f -q upgrade begin sbx --to 8.1 >/dev/null
	f -q upgrade data sbx --no-watch >/dev/null
	base+=("$(step_ms upgrade.data baseline)")
	rp+=("$(step_ms upgrade.data restore-point)")
	plain+=("$(ms f -q upgrade rollback sbx --yes)")
	log "rollback run $r of $RUNS: 1,000 writes carried"
	f -q upgrade begin sbx --to 8.1 >/dev/null
	f -q upgrade data sbx --no-watch >/dev/null
	write_1000 "$r"
	f upgrade rollback sbx --plan --json | jq -e '.summary.rows == 1000 and .summary.carried == 1000' >/dev/null ||
		{ echo "bench: the plan does not carry the 1,000 writes" >&2; exit 1; }
	carry+=("$(ms f -q upgrade rollback sbx --yes)")
	c=$(step_ms upgrade.rollback capture) k=$(step_ms upgrade.rollback carry-back)
	steps+=("$((c + k))")
	restore+=("$(step_ms upgrade.rollback restore-database)")
	f upgrade rollback sbx --plan --json | jq -e '.executed.summary.carried == 1000' >/dev/null ||
		{ echo "bench: the rollback did not carry the 1,000 writes" >&2; exit 1; }
done
row "rollback carrying 1,000 writes (whole operation), $MIB MiB" ms "${carry[*]}" \
	"rollback without writes (plain restore)" "${plain[*]}"
row "rollback: capture and carry-back of 1,000 writes, $MIB MiB" ms "${steps[*]}" \
	"its restore-database step" "${restore[*]}"
row "upgrade data: baseline of the upgraded database (downtime added), $MIB MiB" ms "${base[*]}" \
	"its restore-point step" "${rp[*]}"
