#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# du-ref.sh PKG_DIR CONFIG: write, on stdout, a bash script that runs a data-upgrade package's
# steps with the `sqlite3` shell the way an operator would by hand: each SQL file in one
# transaction (sqlite3 -bail, BEGIN IMMEDIATE ... COMMIT) with foreign keys enforced, as ferry
# runs a package's SQL (the shell's default is off, which is less work: 18-35% less on the
# largest steps at 1 GiB), each exec step as its argv in the
# package directory, in phase order. The manifest is read here, once, so the timed script is
# only sqlite3 and the package's own programs (the reference for bench_dataupgrade.sh).
# With DU_REF_TIMES=FILE in its environment the script writes "start" and then each step's
# name with the time it ended (bash's $EPOCHREALTIME, no process) to FILE: the shell's
# time per step, beside ferry's in HUGE's growth table.
set -euo pipefail
pkg=$(cd "$1" && pwd)
config=$(realpath "$2")
db=$(jq -r .database "$config")
echo "set -e"
echo "cd $(printf %q "$pkg")"
echo 'T=${DU_REF_TIMES:-}'
echo '[ -z "$T" ] || printf "start\t%s\n" "$EPOCHREALTIME" >"$T"'
jq -r --arg db "$db" --arg config "$config" '
	.data_upgrade // [] | to_entries
	| sort_by([(.value.phase as $p | ["prerequisites","pre-sync","schema-sync","post-sync","final-sync"]
		| index($p)), .key]) | .[].value
	| if .sql then
		"printf \u0027.timeout 10000\\nPRAGMA foreign_keys=ON;\\nBEGIN IMMEDIATE;\\n.read %s\\nCOMMIT;\\n\u0027 \(.sql | @sh) | sqlite3 -bail \($db | @sh) >/dev/null"
	  else
		(.exec | map(gsub("\\$\\{DB\\}"; $db) | gsub("\\$\\{CONFIG\\}"; $config)) | map(@sh) | join(" ")) + " >/dev/null"
	  end + "\n[ -z \"$T\" ] || printf \u0027%s\\t%s\\n\u0027 \(.name | @sh) \"$EPOCHREALTIME\" >>\"$T\""' "$pkg/manifest.json"
