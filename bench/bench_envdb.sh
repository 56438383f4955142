#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench_envdb.sh: the sample application's database (rows 1 and 2): a restore point
# (`ferry env db ENV restore-point RP`: SQLite online backup, synced, renamed into place)
# against `cp` of the same file and `sqlite3 DB .backup`, and the rollback (`ferry env db ENV
# restore RP`) against `cp` back. Sizes 100 MiB and 1 GiB (QUICK=1: 4 and 16 MiB), data from
# `ledgerctl generate` at 7.3 (cached under BUILD/bench-cache). Warm page cache for all.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
if [ "$SMOKE" = 1 ]; then SIZES=1; elif [ "$QUICK" = 1 ]; then SIZES="4 16"; else SIZES="100 1024"; fi
W=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-envdb.XXXXXX")
trap 'rm -rf "$W"' EXIT
export FERRY_HOME="$W/home"
"$FERRY" -q init
"$FERRY" -q project create bench
for mib in $SIZES; do
	src=$(ledger_db "$mib")
	env="db$mib"
	"$FERRY" -q env create "$env" --project bench --role sandbox --app 7.3 --platform PU12
	"$FERRY" -q env deploy "$env" --from-dir "$EX/packages/ledger-app-7.3" --no-start >/dev/null
	db=$("$FERRY" env show "$env" --json | jq -r '.runtimes.main.database')
	cp "$src" "$db"
	size=$(stat -c %s "$db")
	label="$((size / 1024 / 1024)) MiB"
	[ "$mib" -ge 1024 ] && label="$(awk -v s="$size" 'BEGIN { printf "%.1f GiB", s / 1073741824 }')"
	sync
	rp=() cp1=() bk=() rs=() cp2=()
	for r in $(seq 1 "$RUNS"); do
		rm -f "$W/cp.db" "$W/bk.db"
		rp+=("$(ms "$FERRY" -q env db "$env" restore-point bench)")
		cp1+=("$(ms cp "$db" "$W/cp.db")")
		bk+=("$(ms sqlite3 "$db" ".backup '$W/bk.db'")")
		rs+=("$(ms "$FERRY" -q env db "$env" restore bench)")
		cp2+=("$(ms cp "$W/cp.db" "$db")")
	done
	# the restore point and the restored database hold the same data as the source
	want=$("$LEDGERCTL" dump --db "$src" | sha256sum)
	[ "$("$LEDGERCTL" dump --db "$db" | sha256sum)" = "$want" ] ||
		{ echo "bench: restored database differs from the source" >&2; exit 1; }
	row "restore point, $label database" ms "${rp[*]}" "cp (same file)" "${cp1[*]}"
	row "restore point, $label database" ms "${rp[*]}" "sqlite3 .backup" "${bk[*]}"
	row "rollback (restore), $label database" ms "${rs[*]}" "cp back" "${cp2[*]}"
	rm -f "$W/cp.db" "$W/bk.db"
	"$FERRY" -q env rm "$env" >/dev/null 2>&1 || true
done
