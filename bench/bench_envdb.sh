#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench_envdb.sh: the sample application's database (rows 1 and 2): a restore point
# (`ferry env db ENV restore-point RP`: the file cloned or copied under a read transaction,
# synced once, renamed into place) against `cp` of the same file, `cp` + fdatasync and
# `sqlite3 DB .backup`, and the rollback (`ferry env db ENV restore RP`) against `cp` back
# and `cp` back + fdatasync (what the restore guarantees: the data on disk).
# Sizes 64 MiB, 100 MiB and 1 GiB (QUICK=1: 4 and 16 MiB), data from `ledgerctl generate`
# at 7.3 (cached under BUILD/bench-cache). Warm page cache for all. Twice: on the
# machine's filesystem (ext4 here) and on a loop-mounted XFS image with reflink=1 that
# this script makes (root and mkfs.xfs needed; rows named "..., XFS reflink"), where a
# restore point and a restore are a clone, independent of the size.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
if [ "$SMOKE" = 1 ]; then SIZES=1; elif [ "$QUICK" = 1 ]; then SIZES="4 16"; else SIZES="64 100 1024"; fi
# ENVDB_MIBS / ENVDB_XFS_MIBS: other sizes on each filesystem (empty: none there)
EXT_MIBS=${ENVDB_MIBS-$SIZES}
XFS_MIBS=${ENVDB_XFS_MIBS-$SIZES}
W=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-envdb.XXXXXX")
cleanup() {
	xfs_umount
	rm -rf "$W"
}
trap cleanup EXIT

# measure DIR SUFFIX MIBS: the rows with ferry's home, the copies and the references in DIR.
measure() {
	local dir=$1 sfx=$2 mib src env db size label how
	[ -n "$3" ] || return 0
	export FERRY_HOME="$dir/home"
	"$FERRY" -q init
	"$FERRY" -q project create bench
	for mib in $3; do
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
		rp=() cp1=() cps=() bk=() rs=() cp2=() cp2s=()
		# `sync` before each: on ext4 (data=ordered) an fsync's journal commit also writes
		# the dirty pages an unsynced reference left (cp, .backup: a whole GiB), which
		# would be charged to the next command measured. Even so, the first GiB written
		# after `sqlite3 .backup` (and its sync) took 3-5x longer on this shared disk than
		# the next (cp included), so .backup runs first and the order of ferry and its
		# references alternates from run to run: each is first as often.
		for r in $(seq 1 "$RUNS"); do
			rm -f "$dir/cp.db" "$dir/cps.db" "$dir/bk.db"
			sync; bk+=("$(ms sqlite3 "$db" ".backup '$dir/bk.db'")")
			if [ $((r % 2)) = 1 ]; then
				sync; rp+=("$(ms "$FERRY" -q env db "$env" restore-point bench)")
				sync; cp1+=("$(ms cp "$db" "$dir/cp.db")")
				sync; cps+=("$(ms sh -c 'cp "$1" "$2" && sync -d "$2"' cp "$db" "$dir/cps.db")")
				sync; rs+=("$(ms "$FERRY" -q env db "$env" restore bench)")
				sync; cp2+=("$(ms cp "$dir/cp.db" "$db")")
				sync; cp2s+=("$(ms sh -c 'cp "$1" "$2" && sync -d "$2"' cp "$dir/cp.db" "$db")")
			else
				sync; cps+=("$(ms sh -c 'cp "$1" "$2" && sync -d "$2"' cp "$db" "$dir/cps.db")")
				sync; cp1+=("$(ms cp "$db" "$dir/cp.db")")
				sync; rp+=("$(ms "$FERRY" -q env db "$env" restore-point bench)")
				sync; cp2s+=("$(ms sh -c 'cp "$1" "$2" && sync -d "$2"' cp "$dir/cp.db" "$db")")
				sync; cp2+=("$(ms cp "$dir/cp.db" "$db")")
				sync; rs+=("$(ms "$FERRY" -q env db "$env" restore bench)")
			fi
		done
		how=$("$FERRY" env db "$env" restore-point bench | sed -n 's/.*(\(.*\))$/\1/p')
		log "$label$sfx: restore point copied by: $how"
		# the restore point and the restored database hold the same data as the source
		want=$("$LEDGERCTL" dump --db "$src" | sha256sum)
		[ "$("$LEDGERCTL" dump --db "$db" | sha256sum)" = "$want" ] ||
			{ echo "bench: restored database differs from the source ($label$sfx)" >&2; exit 1; }
		row "restore point, $label database$sfx" ms "${rp[*]}" "cp (same file)" "${cp1[*]}"
		row "restore point, $label database$sfx" ms "${rp[*]}" "cp + fdatasync" "${cps[*]}"
		row "restore point, $label database$sfx" ms "${rp[*]}" "sqlite3 .backup" "${bk[*]}"
		row "rollback (restore), $label database$sfx" ms "${rs[*]}" "cp back" "${cp2[*]}"
		row "rollback (restore), $label database$sfx" ms "${rs[*]}" "cp back + fdatasync" "${cp2s[*]}"
		rm -f "$dir/cp.db" "$dir/cps.db" "$dir/bk.db"
		"$FERRY" -q env rm "$env" >/dev/null 2>&1 || true
	done
}

measure "$W" "" "$EXT_MIBS"

# The same on XFS with reflink (a sparse image file on this machine's disk).
if [ "$SMOKE" = 1 ]; then
	na "restore point, XFS reflink" "n/a: SMOKE=1 makes no XFS image"
	exit 0
fi
[ -n "$XFS_MIBS" ] || exit 0
xfs_image "$W" "$(( $(echo "$XFS_MIBS" | tr ' ' '\n' | sort -n | tail -1) * 7 + 512 ))"
measure "$XFS_MNT" ", XFS reflink" "$XFS_MIBS"
