#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench_upgrade.sh: the self-service upgrade of the sample application from 7.3 to 8.1 with
# an HTTP probe at a fixed rate (every 10 ms) on the original's address (rows 5 and 6), on a
# 100 MiB database (QUICK=1: 4 MiB). Each run: `ferry upgrade begin` (preparation), `ferry
# upgrade apply` of an ISV package (fabrikam-tax 2.0) and its sign-off, `ferry upgrade data`
# (the downtime), then `ferry upgrade rollback` (not timed) for the next run.
#   5. downtime seen by the probe minus the data-upgrade scripts' own time (the operation's
#      'data-upgrade' step): the swap overhead, against the same probe over a swap by hand
#      (stop the application, start it again on the same port and database, no scripts);
#      failed probe requests during preparation and package application (must be 0).
#   6. preparation against extracting the application package and starting it by hand
#      (bsdtar, config, serve, until /health answers); package application against extracting
#      the package over a copy of the release, its post-install SQL, and a restart by hand.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
if ! has_cmd upgrade begin || ! has_cmd upgrade data; then
	echo "bench: ferry upgrade begin or data is missing from '$FERRY upgrade --help'" >&2
	exit 1
fi
if [ "$QUICK" = 1 ]; then MIB=4 RUNS=${RUNS_UPGRADE:-2}; else MIB=100 RUNS=${RUNS_UPGRADE:-3}; fi
W=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-up.XXXXXX")
export FERRY_HOME="$W/home"
f() { "$FERRY" "$@"; }
HAND_PID=
cleanup() {
	local n s
	probe_stop
	[ -n "$HAND_PID" ] && kill "$HAND_PID" 2>/dev/null && wait "$HAND_PID" 2>/dev/null
	for n in $(f env list --json 2>/dev/null | jq -r '.[].name'); do
		for s in $(f env show "$n" --json 2>/dev/null | jq -r '.runtimes | keys[]' 2>/dev/null); do
			f -q env stop "$n" --grace 1 --view "$s" >/dev/null 2>&1 || f -q env stop "$n" --grace 1 >/dev/null 2>&1 || true
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
for d in ledger-app-7.3 ledger-app-8.1 ledger-data-upgrade-8.1 fabrikam-tax-2.0; do
	f -q package build "$PK/$d" -o "$W/$d.zip" --sign vendor >/dev/null
	f -q asset upload "$W/$d.zip" --project bench >/dev/null
	f -q package extract "$W/$d.zip" "$W/rel/$d" --project bench >/dev/null
done
src=$(ledger_db "$MIB")
f -q env create sbx --project bench --role sandbox --app 7.3 --platform PU12
f -q env deploy sbx --from-dir "$W/rel/ledger-app-7.3" --no-start >/dev/null
cp "$src" "$(f env show sbx --json | jq -r '.runtimes.main.database')"
f -q env start sbx
# the rehearsal the preflight asks for
f -q env create dev --project bench --role development --app 8.1 --platform PU20
f -q env deploy dev --from-dir "$W/rel/ledger-app-8.1" >/dev/null
f -q db copy --from sbx --to dev >/dev/null
f -q env data-upgrade dev >/dev/null
f -q env stop dev --grace 5
ORIG=$(f env show sbx --json | jq -r .url)

# by hand: serve RELEASE_DIR on PORT with DB (config in $W/hand.json); wait for /health
hand_start() {
	jq -n --arg db "$3" --arg rel "$1" --argjson port "$2" --arg st "$W/hand-state" \
		'{environment: "hand", role: "sandbox", port: $port, database: $db, release_dir: $rel, state_dir: $st}' >"$W/hand.json"
	"$1/bin/ledger" serve --config "$W/hand.json" >>"$W/hand.log" 2>&1 & HAND_PID=$!
	wait_http "http://127.0.0.1:$2/health" 2000
}
hand_stop() { kill -TERM "$HAND_PID" 2>/dev/null; wait "$HAND_PID" 2>/dev/null || true; HAND_PID=; }

over=() fail=() prep=() appl=() rprep=() rappl=() rover=()
for r in $(seq 1 "$RUNS"); do
	log "upgrade run $r of $RUNS"
	rm -f "$W/probe.txt"
	probe_start "$ORIG/customers?limit=1" "$W/probe.txt"
	t0=$(now_ms)
	prep+=("$(ms f -q upgrade begin sbx --to 8.1)")
	t1=$(now_ms)
	appl+=("$(ms f -q upgrade apply sbx fabrikam-tax@2.0.0)")
	t2=$(now_ms)
	f -q upgrade signoff sbx >/dev/null
	[ "$(probe_answers "$W/probe.txt" "$t0" "$t2")" -gt 0 ] || { echo "bench: the probe got no answers" >&2; exit 1; }
	fail+=("$(probe_failures "$W/probe.txt" "$t0" "$t2")")
	t3=$(now_ms)
	f -q upgrade data sbx >/dev/null
	wait_http "$ORIG/health"
	sleep 0.1
	t4=$(now_ms)
	probe_stop
	gap=$(probe_gap "$W/probe.txt" "$t3" "$t4")
	scripts=$(f upgrade status sbx --json |
		jq '[.operations[] | select(.kind == "upgrade.data")][0].steps[] | select(.name == "data-upgrade") | .duration_ms')
	over+=("$((gap - scripts))")
	log "downtime ${gap} ms, scripts ${scripts} ms"
	f -q upgrade rollback sbx >/dev/null

	# the same by hand
	port=$(free_port)
	rm -rf "$W/hand" "$W/hand.db"*
	s=$(now_us)
	mkdir -p "$W/hand/app" && bsdtar -xf "$W/ledger-app-8.1.zip" -C "$W/hand/app"
	hand_start "$W/hand/app" "$port" "$W/hand.db"
	e=$(now_us); rprep+=("$(awk -v a="$s" -v b="$e" 'BEGIN { printf "%.1f", (b - a) / 1000 }')")
	s=$(now_us)
	cp -a "$W/hand/app" "$W/hand/app2"
	bsdtar -xf "$W/fabrikam-tax-2.0.zip" -C "$W/hand/app2"
	hand_stop
	bash "$BENCH_SRC/examples/ledger/run-steps.sh" "$W/rel/fabrikam-tax-2.0" post-install "$W/hand.json" >/dev/null
	hand_start "$W/hand/app2" "$port" "$W/hand.db"
	e=$(now_us); rappl+=("$(awk -v a="$s" -v b="$e" 'BEGIN { printf "%.1f", (b - a) / 1000 }')")
	# the swap by hand, under the same probe
	rm -f "$W/hand-probe.txt"
	probe_start "http://127.0.0.1:$port/customers?limit=1" "$W/hand-probe.txt"
	sleep 0.2
	t3=$(now_ms)
	hand_stop
	hand_start "$W/hand/app2" "$port" "$W/hand.db"
	sleep 0.1
	t4=$(now_ms)
	probe_stop
	rover+=("$(probe_gap "$W/hand-probe.txt" "$t3" "$t4")")
	hand_stop
done
row "upgrade data phase: swap overhead (downtime minus scripts), $MIB MiB" ms "${over[*]}" \
	"by hand: stop, start (probe)" "${rover[*]}"
row "failed probe requests during preparation and package application" count "${fail[*]}" "must be 0" "-"
row "upgrade preparation (ferry upgrade begin)" ms "${prep[*]}" "by hand: bsdtar -xf, serve, /health" "${rprep[*]}"
row "package application in the upgrade (upgrade apply ISV)" ms "${appl[*]}" "by hand: copy, bsdtar, SQL, restart" "${rappl[*]}"
