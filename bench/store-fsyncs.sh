#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# store-fsyncs.sh [BUILD] [FERRY]: the state store's fsyncs per command (fsync/fdatasync on
# ferry.db, its WAL and the home directory; strace -y), and all of the command's, for a few
# commands in a scratch home with the sample application (bench/README.md, "The state
# store's fsyncs"). FERRY defaults to BUILD/ferry (BUILD: build/release). Not a timed bench.
set -euo pipefail
BUILD=$(realpath "${1:-build/release}")
F=${2:-$BUILD/ferry}
EX="$BUILD/examples"
command -v strace >/dev/null || { echo "store-fsyncs: strace is needed" >&2; exit 1; }
H=$(mktemp -d "${TMPDIR:-/tmp}/ferry-fsyncs.XXXXXX")
export FERRY_HOME="$H/home"
unset FERRY_STORE
trap '"$F" -q env stop db1 --grace 5 >/dev/null 2>&1 || :; rm -rf "$H"' EXIT
# c LABEL ARGS...: run `ferry ARGS` under strace (children followed, except for a start:
# the application it starts would keep strace waiting) and print the counts
c() {
	local label=$1 follow=-f
	shift
	case " $* " in *" start "*) follow= ;; esac
	strace $follow -y -e trace=fsync,fdatasync -o "$H/st" "$F" "$@" >/dev/null
	printf '| %s | %d | %d |\n' "$label" "$(grep -cE "<$FERRY_HOME(/ferry\.db[^/]*)?>" "$H/st")" \
		"$(grep -cE 'f(data)?sync\(' "$H/st")"
}
echo "| command | store fsyncs | all fsyncs |"
echo "|---|---|---|"
c "init" -q init
c "project create" -q project create p
c "env create" -q env create db1 --project p --role sandbox --app 7.3 --platform PU12
c "env deploy --no-start" -q env deploy db1 --from-dir "$EX/packages/ledger-app-7.3" --no-start
"$EX/bin/ledgerctl" generate --db "$("$F" env show db1 --json | jq -r '.runtimes.main.database')" --rows 2000 >/dev/null
c "env list (reads only)" env list
c "env db restore-point" -q env db db1 restore-point rp1
c "env db restore-point (again)" -q env db db1 restore-point rp2
c "env db restore" -q env db db1 restore rp1
c "env start" -q env start db1
c "env stop" -q env stop db1 --grace 5
