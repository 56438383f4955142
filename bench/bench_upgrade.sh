#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench_upgrade.sh: the self-service upgrade of the sample application from 7.3 to 8.1 with
# an HTTP probe at a fixed rate (every 10 ms) on the original's address (rows 5 and 6), on a
# 100 MiB database (QUICK=1: 4 MiB). Each run: `ferry upgrade begin` (preparation), `ferry
# upgrade apply` of an ISV package (fabrikam-tax 2.0) and its sign-off, `ferry upgrade data`
# (the downtime), then `ferry upgrade rollback` (not timed) for the next run.
#   5. downtime seen by the probe minus the packages' scripts' own time (the operation's
#      'data-upgrade' and 'sync-packages' steps): the swap overhead, against the same probe over a swap by hand
#      (stop the application, start it again on the same port and database, no scripts);
#      failed probe requests during preparation and package application (must be 0).
#   6. preparation against extracting the application package and starting it by hand
#      (bsdtar, config, serve, until /health answers); package application against extracting
#      the package over a copy of the release, its post-install SQL, and a restart by hand.
# Row 5 again on a loop-mounted XFS image with reflink=1 (lib.sh xfs_image; root), where
# the restore points are clones: 4 MiB, 100 MiB and 1 GiB (QUICK=1: 4 and 16 MiB;
# XFS_MIBS="..." to choose; RUNS_UPGRADE_BIG runs at 1 GiB and above, default 2), rows
# "..., XFS reflink". Each filesystem gets its own ferry home, signed packages and a
# data-upgrade rehearsal (on the smallest database: the preflight asks for one per release).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
if ! has_cmd upgrade begin || ! has_cmd upgrade data; then
	echo "bench: ferry upgrade begin or data is missing from '$FERRY upgrade --help'" >&2
	exit 1
fi
if [ "$QUICK" = 1 ]; then
	MIB=4 RUNS=${RUNS_UPGRADE:-2} XFS_MIBS=${XFS_MIBS:-"4 16"}
else
	MIB=100 RUNS=${RUNS_UPGRADE:-3} XFS_MIBS=${XFS_MIBS:-"4 100 1024"}
fi
RUNS_BIG=${RUNS_UPGRADE_BIG:-2}
W=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-up.XXXXXX")
f() { "$FERRY" "$@"; }
HAND_PID=
HOMES=()
cleanup() {
	local n s h
	probe_stop
	[ -n "$HAND_PID" ] && kill "$HAND_PID" 2>/dev/null && wait "$HAND_PID" 2>/dev/null
	for h in "${HOMES[@]}"; do
		export FERRY_HOME=$h
		for n in $(f env list --json 2>/dev/null | jq -r '.[].name'); do
			for s in $(f env show "$n" --json 2>/dev/null | jq -r '.runtimes | keys[]' 2>/dev/null); do
				f -q env stop "$n" --grace 1 --view "$s" >/dev/null 2>&1 || f -q env stop "$n" --grace 1 >/dev/null 2>&1 || true
			done
		done
	done
	xfs_umount
	rm -rf "$W"
}
trap cleanup EXIT
PK="$EX/packages"

# setup_home DIR: a ferry home in DIR with the signed packages in its asset library and
# the data-upgrade rehearsal done (on the smallest database).
setup_home() {
	local d
	export FERRY_HOME="$1/home"
	HOMES+=("$FERRY_HOME")
	REL="$1/rel"
	mkdir -p "$REL"
	f -q init
	f -q project create bench
	f -q feature enable upgrade-self-serve --project bench
	f -q key generate vendor >/dev/null
	f -q key trust vendor --project bench
	for d in ledger-app-7.3 ledger-app-8.1 ledger-data-upgrade-8.1 fabrikam-tax-2.0; do
		f -q package build "$PK/$d" -o "$1/$d.zip" --sign vendor >/dev/null
		f -q asset upload "$1/$d.zip" --project bench >/dev/null
		f -q package extract "$1/$d.zip" "$REL/$d" --project bench >/dev/null
	done
	f -q env create seed --project bench --role sandbox --app 7.3 --platform PU12
	f -q env deploy seed --from-dir "$REL/ledger-app-7.3" --no-start >/dev/null
	cp "$(ledger_db 4)" "$(f env show seed --json | jq -r '.runtimes.main.database')"
	f -q env create dev --project bench --role development --app 8.1 --platform PU20
	f -q env deploy dev --from-dir "$REL/ledger-app-8.1" >/dev/null
	f -q db copy --from seed --to dev >/dev/null
	f -q env data-upgrade dev >/dev/null
	f -q env stop dev --grace 5
}

# by hand: serve RELEASE_DIR on PORT with DB (config in $HW/hand.json); wait for /health
hand_start() {
	jq -n --arg db "$3" --arg rel "$1" --argjson port "$2" --arg st "$HW/hand-state" \
		'{environment: "hand", role: "sandbox", port: $port, database: $db, release_dir: $rel, state_dir: $st}' >"$HW/hand.json"
	"$1/bin/ledger" serve --config "$HW/hand.json" >>"$HW/hand.log" 2>&1 & HAND_PID=$!
	wait_http "http://127.0.0.1:$2/health" 2000
}
hand_stop() { kill -TERM "$HAND_PID" 2>/dev/null; wait "$HAND_PID" 2>/dev/null || true; HAND_PID=; }

# measure DIR MIB SUFFIX RUNS ALL: the upgrade of a MIB MiB database in the home of DIR
# (setup_home), RUNS times, each against the same by hand (on the same filesystem); ALL=1 also prints the preparation and application rows.
measure() {
	local dir=$1 mib=$2 sfx=$3 runs=$4 all=$5 env="sbx$2" src orig r t0 t1 t2 t3 t4 gap scripts port s e
	local over=() fail=() prep=() appl=() rprep=() rappl=() rover=()
	HW="$dir/hand"
	src=$(ledger_db "$mib")
	f -q env create "$env" --project bench --role sandbox --app 7.3 --platform PU12
	f -q env deploy "$env" --from-dir "$REL/ledger-app-7.3" --no-start >/dev/null
	cp "$src" "$(f env show "$env" --json | jq -r '.runtimes.main.database')"
	f -q env start "$env"
	orig=$(f env show "$env" --json | jq -r .url)
	for r in $(seq 1 "$runs"); do
		log "upgrade run $r of $runs ($mib MiB$sfx)"
		rm -f "$dir/probe.txt"
		sync
		probe_start "$orig/customers?limit=1" "$dir/probe.txt"
		t0=$(now_ms)
		prep+=("$(ms f -q upgrade begin "$env" --to 8.1)")
		t1=$(now_ms)
		appl+=("$(ms f -q upgrade apply "$env" fabrikam-tax@2.0.0)")
		t2=$(now_ms)
		f -q upgrade signoff "$env" >/dev/null
		[ "$(probe_answers "$dir/probe.txt" "$t0" "$t2")" -gt 0 ] || { echo "bench: the probe got no answers" >&2; exit 1; }
		fail+=("$(probe_failures "$dir/probe.txt" "$t0" "$t2")")
		sync
		# on XFS the last run's rollback left work behind that sync does not wait for: the
		# freeing of the removed, fragmented upgraded database (deferred inode
		# inactivation). Its clone of the original then took 106-113 ms instead of 2 ms at
		# 1 GiB (2 ms after 20 s of rest). A freeze waits for that work; an operator does not
		# upgrade again seconds after a rollback.
		[ "$dir" = "${XFS_MNT:-}" ] && fsfreeze -f "$XFS_MNT" && fsfreeze -u "$XFS_MNT"
		t3=$(now_ms)
		f -q upgrade data "$env" >/dev/null
		wait_http "$orig/health"
		sleep 0.1
		t4=$(now_ms)
		probe_stop
		gap=$(probe_gap "$dir/probe.txt" "$t3" "$t4")
		# the packages' own scripts: the data-upgrade package, and the post-install SQL
		# of the package applied during the upgrade on the swapped database
		scripts=$(f upgrade status "$env" --json |
			jq '[[.operations[] | select(.kind == "upgrade.data")][0].steps[] |
				select(.name == "data-upgrade" or .name == "sync-packages") | .duration_ms] | add')
		over+=("$((gap - scripts))")
		log "downtime ${gap} ms, scripts ${scripts} ms; steps (ms): $(f upgrade status "$env" --json |
			jq -c '[.operations[] | select(.kind == "upgrade.data")][0].steps | map({(.name): .duration_ms}) | add')"
		f -q upgrade rollback "$env" >/dev/null

		# the same by hand, on the same filesystem (the 8.1 application makes its database)
		port=$(free_port)
		rm -rf "$HW"
		mkdir -p "$HW/app"
		s=$(now_us)
		bsdtar -xf "$dir/ledger-app-8.1.zip" -C "$HW/app"
		hand_start "$HW/app" "$port" "$HW/hand.db"
		e=$(now_us); rprep+=("$(awk -v a="$s" -v b="$e" 'BEGIN { printf "%.1f", (b - a) / 1000 }')")
		s=$(now_us)
		cp -a "$HW/app" "$HW/app2"
		bsdtar -xf "$dir/fabrikam-tax-2.0.zip" -C "$HW/app2"
		hand_stop
		bash "$BENCH_SRC/examples/ledger/run-steps.sh" "$REL/fabrikam-tax-2.0" post-install "$HW/hand.json" >/dev/null
		hand_start "$HW/app2" "$port" "$HW/hand.db"
		e=$(now_us); rappl+=("$(awk -v a="$s" -v b="$e" 'BEGIN { printf "%.1f", (b - a) / 1000 }')")
		# the swap by hand, under the same probe
		rm -f "$dir/hand-probe.txt"
		probe_start "http://127.0.0.1:$port/customers?limit=1" "$dir/hand-probe.txt"
		sleep 0.2
		sync
		t3=$(now_ms)
		hand_stop
		hand_start "$HW/app2" "$port" "$HW/hand.db"
		sleep 0.1
		t4=$(now_ms)
		probe_stop
		rover+=("$(probe_gap "$dir/hand-probe.txt" "$t3" "$t4")")
		hand_stop
		rm -rf "$HW"
	done
	row "upgrade data phase: swap overhead (downtime minus scripts), $mib MiB$sfx" ms "${over[*]}" \
		"by hand: stop, start (probe)" "${rover[*]}"
	[ "$all" = 1 ] || return 0
	row "failed probe requests during preparation and package application" count "${fail[*]}" "must be 0" "-"
	row "upgrade preparation (ferry upgrade begin)" ms "${prep[*]}" "by hand: bsdtar -xf, serve, /health" "${rprep[*]}"
	row "package application in the upgrade (upgrade apply ISV)" ms "${appl[*]}" "by hand: copy, bsdtar, SQL, restart" "${rappl[*]}"
}

mkdir -p "$W/ext"
setup_home "$W/ext"
measure "$W/ext" "$MIB" "" "$RUNS" 1

# The same swap on XFS with reflink (a sparse image file on this machine's disk).
if [ "$SMOKE" = 1 ]; then
	na "upgrade data phase: swap overhead, XFS reflink" "n/a: SMOKE=1 makes no XFS image"
	exit 0
fi
big=$(printf '%s\n' $XFS_MIBS | sort -n | tail -1)
xfs_image "$W" "$((big * 6 + 1024))"
setup_home "$XFS_MNT"
for mib in $XFS_MIBS; do
	n=$RUNS
	[ "$mib" -ge 1024 ] && n=$RUNS_BIG
	measure "$XFS_MNT" "$mib" ", XFS reflink" "$n" 0
done
