#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench_dataupgrade.sh: data upgrade of the sample application from 7.3 to 8.1 (row 4) at
# 100 MiB and 1 GiB (QUICK=1: 2 and 8 MiB; HUGE=1: 100 MiB, 1 GiB and 10 GiB, the last one
# run once, HUGE_SIZES="MIB ..." overrides those sizes). ferry: `ferry env data-upgrade DEV` (the
# rehearsal operation: fetch and verify the package, stop, restore point, the package's
# data-upgrade steps, start, health and DVT, record) on a copy of the 7.3 data (`ferry db
# copy`, not timed), and the operation's own 'data-upgrade' step (the scripts as ferry runs
# them, each SQL step in one transaction with its step mark). Reference: the same package's
# steps through the `sqlite3` shell (bench/du-ref.sh: no jq or bash per step in the timed part) on a copy of the same file.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
# two runs at most: a 1 GiB run is about ten minutes here (ferry and the reference)
[ "$RUNS" -gt 2 ] && RUNS=2
HUGE=${HUGE:-0}
if ! has_cmd env data-upgrade || ! has_cmd db copy; then
	echo "bench: ferry env data-upgrade or ferry db copy is missing from '$FERRY env --help'" >&2
	exit 1
fi
if [ "$HUGE" = 1 ]; then SIZES=${HUGE_SIZES:-100 1024 10240}
elif [ "$SMOKE" = 1 ]; then SIZES=1; elif [ "$QUICK" = 1 ]; then SIZES="2 8"; else SIZES="100 1024"; fi
LARGEST=$(printf '%s\n' $SIZES | sort -n | tail -1)
W=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-du.XXXXXX")
GROWTH="$W/growth.tsv"   # size_mib  step  ferry_ms  (HUGE=1: how each step grows with the size)
: >"$GROWTH"

# per V...: each time V (ms) in seconds per GiB of the database ($gib GiB).
per() {
	local v out=()
	for v in "$@"; do out+=("$(awk -v v="$v" -v g="$gib" 'BEGIN { printf "%.2f", v / 1000 / g }')"); done
	echo "${out[*]}"
}

# space MIB: fail now, with the figures, when the disk cannot hold a MIB MiB run: the
# generated database (unless cached), the environment's copy, the copy upgraded, its
# restore point, the reference's copy, and what the upgrade adds to both (the posting lines
# rebuilt beside the old ones: about half the size each), plus 1 GiB to spare.
space() {
	local mib=$1 need have dir
	need=$((mib * 5 + 1024))
	[ -s "$FERRY_BUILD/bench-cache/ledger-7.3-${mib}MiB.db" ] || need=$((need + mib))
	for dir in "$W" "$FERRY_BUILD"; do
		have=$(df -Pm "$dir" | awk 'NR == 2 { print $4 }')
		if [ "$have" -lt "$need" ]; then
			echo "bench: not enough disk space for the $mib MiB data upgrade: it needs about $need MiB free on $(df -P "$dir" | awk 'NR == 2 { print $6 }') ($dir; the database, its copies, a restore point and the upgrade's growth), $have MiB are free: free space, or set TMPDIR, or run smaller HUGE_SIZES" >&2
			exit 1
		fi
	done
}
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
	runs=$RUNS
	[ "$HUGE" = 1 ] && [ "$mib" = "$LARGEST" ] && runs=1
	space "$mib"
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
	for r in $(seq 1 "$runs"); do
		# the same input for both: the 7.3 data as `ferry db copy` leaves it (scrubbed)
		f -q db copy --from "$env" --to dev >/dev/null
		# the source's copy is not needed after the last copy (room on the disk for 10 GiB)
		[ "$r" = "$runs" ] && f -q env rm "$env" >/dev/null
		f -q env stop dev --grace 5
		rm -f "$W/ref.db"*; sqlite3 "$dev_db" ".backup '$W/ref.db'"; sync
		# each side starts with its input read once (in the page cache as far as it fits):
		# at 10 GiB the reference's copy had been pushed out by ferry's run (its first step,
		# a full scan, took 275 s against ferry's 74 s)
		cat "$dev_db" >/dev/null
		fe+=("$(ms f -q env data-upgrade dev)")
		act=$(f op list --env dev --json | jq -r '[.[] | select(.kind == "env.data-upgrade")][0].activity_id')
		f op show "$act" --json >"$W/op.json"
		fs+=("$(jq '.steps[] | select(.name == "data-upgrade") | .duration_ms' "$W/op.json")")
		cat "$W/ref.db" >/dev/null
		rf+=("$(ms env DU_REF_TIMES="$W/ref-times.tsv" bash "$W/ref.sh")")
	done
	# the last run's steps, and the whole operation and the reference, for the growth table
	# (and inside 'data-upgrade' the package's own steps, from the rehearsal's record)
	f db rehearsals --project bench --json >"$W/reh.json"
	jq -r --arg mib "$mib" --arg act "$act" --slurpfile reh "$W/reh.json" '.steps[] |
		([$mib, .name, (.duration_ms // 0)], if .name != "data-upgrade" then empty else
		 ($reh[0][] | select(.activity_id == $act) | .data_steps[] | [$mib, "  - " + .name, .elapsed_ms]) end)
		| @tsv' "$W/op.json" >>"$GROWTH"
	printf '%s\t%s\t%s\n' "$mib" "(whole op)" "${fe[-1]}" "$mib" "(reference: same steps, sqlite3 shell)" "${rf[-1]}" >>"$GROWTH"
	# and the shell's own time per step in that run (du-ref.sh's end times)
	awk -F '\t' -v mib="$mib" 'NR > 1 { printf "%s\t  - %s, sqlite3 shell\t%d\n", mib, $1, ($2 - t) * 1000 + 0.5 } { t = $2 }' \
		"$W/ref-times.tsv" >>"$GROWTH"
	# both ways end on the same 8.1 data
	f -q env stop dev --grace 5
	a=$("$LEDGERCTL" dump --db "$dev_db" | grep -v '^INSERT INTO app_config' | sha256sum)
	b=$("$LEDGERCTL" dump --db "$W/ref.db" | grep -v '^INSERT INTO app_config' | sha256sum)
	[ "$a" = "$b" ] || { echo "bench: ferry's and the reference's upgraded data differ ($mib MiB)" >&2; exit 1; }
	f -q env start dev
	row "data upgrade 7.3->8.1, $label (env data-upgrade, whole op)" ms "${fe[*]}" "same steps, sqlite3 shell" "${rf[*]}"
	row "data upgrade 7.3->8.1, $label (its scripts step)" ms "${fs[*]}" "same steps, sqlite3 shell" "${rf[*]}"
	if [ "$HUGE" = 1 ]; then
		# seconds per GiB of the database (the generated size), ferry and the reference
		gib=$(awk -v s="$(stat -c %s "$src")" 'BEGIN { printf "%.6f", s / 1073741824 }')
		row "data upgrade 7.3->8.1, $label, time per GiB (env data-upgrade, whole op)" s/GiB "$(per "${fe[@]}")" "same steps, sqlite3 shell" "$(per "${rf[@]}")"
	fi
done
if [ "$HUGE" = 1 ]; then
	# how each step grows: one growth row per step (ms at each size, smallest first) for
	# run.sh's results.json "growth" and table
	jq -Rn --arg sizes "$SIZES" '
		[inputs | split("\t") | {mib: (.[0] | tonumber), step: .[1], ms: (.[2] | tonumber)}] as $r
		| ($sizes | split(" ") | map(select(. != "") | tonumber)) as $s
		| (reduce $r[].step as $n ([]; if index([$n]) then . else . + [$n] end)) as $names
		| {name: "data upgrade 7.3->8.1", sizes_mib: $s,
		   steps: [$names[] as $n | {step: $n,
			   ms: [$s[] as $z | [$r[] | select(.step == $n and .mib == $z) | .ms][0]]}]}' \
		"$GROWTH" >"$W/growth.json"
	printf '%s\tgrowth\t%s\n' "data upgrade 7.3->8.1, growth with the size" "$(jq -c . "$W/growth.json")"
fi
