# SPDX-License-Identifier: MIT
# lib.sh: helpers every bench/bench_*.sh sources (see bench/README.md).
#
# A bench script prints rows on stdout, one per figure, tab-separated:
#   name  unit  ferry_median  ferry_min  ferry_max  reference  ref_median  ref_min  ref_max  runs
# unit is "ms", "count", "MiB", "us/item" or "req/s"; a reference value "-" means the row has
# no measured reference (the reference column then says what is required, e.g. "must be 0").
# A figure that cannot be measured on this build is one row: name  n/a  <why>.
# A command that fails is not "n/a": the script says why on stderr ("bench: <reason>") and
# exits non-zero; run.sh turns that into a "failed: <reason>" row and exits 1.
# Everything else (progress, tool output) goes to stderr.
: "${FERRY:?run through bench/run.sh}"
QUICK=${QUICK:-0}
SMOKE=${SMOKE:-0}
unset FERRY_STORE   # every bench uses its own home with the embedded SQLite store
if [ "$QUICK" = 1 ]; then RUNS=${RUNS:-3}; else RUNS=${RUNS:-5}; fi
BENCH_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
EX="$FERRY_BUILD/examples"
LEDGERCTL="$EX/bin/ledgerctl"

log() { echo "  $*" >&2; }
now_ms() { date +%s%3N; }
now_us() { date +%s%6N; }

# ms CMD...: run CMD (stdout discarded) and print its wall time in ms (fractional).
# Fails when CMD fails, so a broken measurement never prints a figure.
# The failure's reason (the command's last line on stderr) is the "bench:" line run.sh
# shows in the row.
ms() {
	local s e st=0 el
	el=$(mktemp)
	s=$(now_us)
	"$@" >/dev/null 2>"$el" || st=$?
	e=$(now_us)
	cat "$el" >&2
	if [ "$st" != 0 ]; then
		echo "bench: '$(printf '%s ' "$(basename "$1")" "${@:2}" | cut -c1-80)' failed (exit $st): $(grep -av '^ *$' "$el" | tail -1)" >&2
		rm -f "$el"
		return 1
	fi
	rm -f "$el"
	awk -v a="$s" -v b="$e" 'BEGIN { printf "%.1f\n", (b - a) / 1000 }'
}

# stats V1 V2 ...: "median min max" of the values.
stats() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "0 0 0"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.1f %.1f %.1f\n", m, v[1], v[NR] }'
}

# row NAME UNIT "FERRY VALUES..." REFERENCE "REF VALUES..." (REF VALUES "-" for none)
row() {
	local f r n
	# shellcheck disable=SC2086
	f=$(stats $3)
	n=$(wc -w <<<"$3")
	if [ "$5" = "-" ]; then r="- - -"; else r=$(stats $5); fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "${f// /$'\t'}" "$4" "${r// /$'\t'}" "$n"
}

# na NAME WHY: a figure this build cannot measure.
na() { printf '%s\tn/a\t%s\n' "$1" "$2"; }

# has_cmd GROUP CMD: 1 when `ferry GROUP CMD` exists on this build.
# (The help is read whole first: grep -q closing the pipe early would kill ferry with
# SIGPIPE, and pipefail would then say the command is missing.)
has_cmd() { local h; h=$("$FERRY" "$1" --help 2>&1) || :; grep -qE "^ +(ferry $1 )?$2( |$)" <<<"$h"; }

# mib N: "N MiB" label; bytes N: N MiB in bytes.
bytes() { echo $(($1 * 1024 * 1024)); }

# ledger_db MIB: path of a cached generated database of the sample application
# (ledgerctl generate, seed 1) of about MIB MiB at 7.3; generated once per build (slow:
# about a minute per 100 MiB here), then reused.
ledger_db() {
	local dir="$FERRY_BUILD/bench-cache" f
	f="$dir/ledger-7.3-$1MiB.db"
	mkdir -p "$dir"
	if [ ! -s "$f" ]; then
		log "generating a $1 MiB 7.3 database (cached in $f)"
		rm -f "$f.tmp"
		"$LEDGERCTL" generate --db "$f.tmp" --bytes "$(bytes "$1")" --seed 1 >&2 &&
			sqlite3 "$f.tmp" "PRAGMA journal_mode=DELETE" >/dev/null && mv "$f.tmp" "$f" || return 1
	fi
	echo "$f"
}

# free_port: a TCP port nothing listens on.
free_port() {
	local p
	while :; do
		p=$((RANDOM % 10000 + 10000))
		ss -Hltn "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return; }
	done
}

# wait_http URL [TRIES]: until URL answers 200 (50 ms apart).
wait_http() {
	local i
	for i in $(seq 1 "${2:-400}"); do
		curl -sf -o /dev/null "$1" && return 0
		sleep 0.05
	done
	echo "bench: $1 did not answer" >&2
	return 1
}

# bench_tool NAME: build bench/NAME.c (libcurl) into BUILD/bench/NAME once; prints the path.
bench_tool() {
	local bin="$FERRY_BUILD/bench/$1" src="$BENCH_SRC/bench/$1.c"
	mkdir -p "$FERRY_BUILD/bench"
	if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
		# shellcheck disable=SC2046
		cc -std=c11 -D_DEFAULT_SOURCE -O2 -Wall -Wextra -Werror -o "$bin" "$src" \
			$(pkg-config --cflags --libs libcurl) >&2 || return 1
	fi
	echo "$bin"
}

# Probe: GET URL at a fixed rate into FILE ("<sent ms> <done ms> <status>" lines).
PROBE_PID=
probe_start() {
	local p
	p=$(bench_tool probe) || return 1
	"$p" "$1" "$2" "${PROBE_INTERVAL_MS:-10}" & PROBE_PID=$!
	for _ in $(seq 1 100); do [ -s "$2" ] && return 0; sleep 0.05; done
}
probe_stop() { [ -n "$PROBE_PID" ] && kill -TERM "$PROBE_PID" 2>/dev/null; wait "$PROBE_PID" 2>/dev/null || true; PROBE_PID=; }
# probe_failures FILE FROM TO: requests sent in [FROM, TO] not answered 200.
probe_failures() { awk -v a="$2" -v b="$3" '$1 >= a && $1 <= b && $3 != 200' "$1" | wc -l; }
probe_answers() { awk -v a="$2" -v b="$3" '$1 >= a && $1 <= b' "$1" | wc -l; }
# probe_gap FILE FROM TO: downtime in ms seen in [FROM, TO]: from the end of the last good
# answer before the first failure to the end of the first good answer after the last one
# (0 when nothing failed).
probe_gap() {
	awk -v a="$2" -v b="$3" '$1 >= a && $1 <= b {
		if ($3 != 200) { if (!ff) ff = $1; lf = $1; if (!okb) okb = lastok ? lastok : $1; next }
		if (!ff) lastok = $2; else if ($1 > lf && !oka) oka = $2 }
		END { if (!ff) print 0; else print (oka ? oka : lf) - okb }' "$1"
}

# xfs_image DIR MIB: make a sparse MIB MiB image file in DIR, mkfs.xfs -m reflink=1 it and
# loop-mount it on DIR/xfs; sets XFS_MNT (unmount it with xfs_umount, e.g. in the EXIT
# trap). Needs root and mkfs.xfs (xfsprogs; scripts/deps.sh).
XFS_MNT=
xfs_image() {
	if [ "$(id -u)" != 0 ] || ! command -v mkfs.xfs >/dev/null; then
		echo "bench: the XFS rows need root and mkfs.xfs (xfsprogs; scripts/deps.sh)" >&2
		return 1
	fi
	mkdir -p "$1/xfs"
	truncate -s "$2M" "$1/xfs.img"
	mkfs.xfs -q -m reflink=1 "$1/xfs.img" >&2
	mount -o loop "$1/xfs.img" "$1/xfs" || { echo "bench: cannot loop-mount an XFS image" >&2; return 1; }
	XFS_MNT="$1/xfs"
}
xfs_umount() {
	if [ -n "$XFS_MNT" ]; then umount "$XFS_MNT" 2>/dev/null || umount -l "$XFS_MNT" 2>/dev/null || :; fi
	XFS_MNT=
}
