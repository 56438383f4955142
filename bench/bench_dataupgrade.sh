#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench_dataupgrade.sh: data upgrade of the sample application from 7.3 to 8.1 (row 4) at
# 100 MiB and 1 GiB (QUICK=1: 2 and 8 MiB). ferry: `ferry env data-upgrade DEV` (the
# rehearsal operation: fetch and verify the package, stop, restore point, the package's
# data-upgrade steps, start, health and DVT, record) on a copy of the 7.3 data (`ferry db
# copy`, not timed), and the operation's own 'data-upgrade' step (the scripts as ferry runs
# them, each SQL step in one transaction with its step mark). Reference: the same package's
# steps through the `sqlite3` shell (bench/du-ref.sh: no jq or bash per step in the timed part) on a copy of the same file.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# two runs at most: a 1 GiB run is about ten minutes here (ferry and the reference)
[ "$RUNS" -gt 2 ] && RUNS=2
if ! has_cmd env data-upgrade || ! has_cmd db copy; then
	echo "bench: ferry env data-upgrade or ferry db copy is missing from '$FERRY env --help'" >&2
	exit 1
fi
if [ "$SMOKE" = 1 ]; then SIZES=1; elif [ "$QUICK" = 1 ]; then SIZES="2 8"; else SIZES="100 1024"; fi
W=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-du.XXXXXX")
export FERRY_HOME="$W/home"
f() { "$FERRY" "$@"; }
cleanup() {
	local n
	for n in $(f env list --json 2>/dev/null | jq -r '.[].name'); do f -q env stop "$n" --grace 1 >/dev/null 2>&1 || true; done
	rm -rf "$W"
}
trap cleanup EXIT
PK="$EX/packages"
f -q init
mkdir -p "$W/rel"
f -q project create bench
f -q feature enable upgrade-self-serve --project bench
f -q key generate vendor >/dev/null
f -q key trust vendor --project bench
for d in ledger-app-7.3 ledger-app-8.1 ledger-data-upgrade-8.1; do
	f -q package build "$PK/$d" -o "$W/$d.zip" --sign vendor >/dev/null
	f -q asset upload "$W/$d.zip" --project bench >/dev/null
	f -q package extract "$W/$d.zip" "$W/rel/$d" --project bench >/dev/null
done
f -q env create dev --project bench --role development --app 8.1 --platform PU20
f -q env deploy dev --from-dir "$W/rel/ledger-app-8.1" >/dev/null
dev_db=$(f env show dev --json | jq -r '.runtimes.main.database')

for mib in $SIZES; do
	src=$(ledger_db "$mib")
	env="src$mib"
	f -q env create "$env" --project bench --role sandbox --app 7.3 --platform PU12
	f -q env deploy "$env" --from-dir "$W/rel/ledger-app-7.3" --no-start >/dev/null
	cp "$src" "$(f env show "$env" --json | jq -r '.runtimes.main.database')"
	label="$mib MiB"; [ "$mib" -ge 1024 ] && label="$((mib / 1024)) GiB"
	# the reference: run-steps.sh with the 8.1 release for config-sync
	jq -n --arg db "$W/ref.db" --arg rel "$PK/ledger-app-8.1" \
		'{environment: "ref", role: "development", port: 1, database: $db, release_dir: $rel}' >"$W/ref.json"
	bash "$BENCH_SRC/bench/du-ref.sh" "$PK/ledger-data-upgrade-8.1" "$W/ref.json" >"$W/ref.sh"
	fe=() fs=() rf=()
	for r in $(seq 1 "$RUNS"); do
		# the same input for both: the 7.3 data as `ferry db copy` leaves it (scrubbed)
		f -q db copy --from "$env" --to dev >/dev/null
		f -q env stop dev --grace 5
		rm -f "$W/ref.db"*; sqlite3 "$dev_db" ".backup '$W/ref.db'"; sync
		fe+=("$(ms f -q env data-upgrade dev)")
		act=$(f op list --env dev --json | jq -r '[.[] | select(.kind == "env.data-upgrade")][0].activity_id')
		fs+=("$(f op show "$act" --json | jq '.steps[] | select(.name == "data-upgrade") | .duration_ms')")
		rf+=("$(ms bash "$W/ref.sh")")
	done
	# both ways end on the same 8.1 data
	f -q env stop dev --grace 5
	a=$("$LEDGERCTL" dump --db "$dev_db" | grep -v '^INSERT INTO app_config' | sha256sum)
	b=$("$LEDGERCTL" dump --db "$W/ref.db" | grep -v '^INSERT INTO app_config' | sha256sum)
	[ "$a" = "$b" ] || { echo "bench: ferry's and the reference's upgraded data differ ($mib MiB)" >&2; exit 1; }
	f -q env start dev
	row "data upgrade 7.3->8.1, $label (env data-upgrade, whole op)" ms "${fe[*]}" "same steps, sqlite3 shell" "${rf[*]}"
	row "data upgrade 7.3->8.1, $label (its scripts step)" ms "${fs[*]}" "same steps, sqlite3 shell" "${rf[*]}"
	f -q env rm "$env" >/dev/null 2>&1 || true
done
