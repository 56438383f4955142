#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run-steps.sh PKG_DIR KIND CONFIG: run a package's steps the way docs/PACKAGES.md says ferry
# does, with sqlite3 and the exec argv, for tests and by hand:
#   KIND: data_upgrade (phases prerequisites, pre-sync, schema-sync, post-sync, final-sync,
#         then listed order), pre-install, post-install, scrub, dvt.
# SQL steps run in one transaction (sqlite3, or psql when the config's database is a
# postgresql:// URL); exec steps run without a shell in PKG_DIR with ${CONFIG},
# ${DB}, ${PORT}, ${ENV}, ${RELEASE_DIR} substituted. Stops at the first failing step (exit 1)
# and names it. RUN_STEPS_FROM=<name> starts at that step (a resume).
set -euo pipefail
shopt -u patsub_replacement 2>/dev/null || true # a URL's '&' stays itself in ${x//pat/rep}
pkg=$(cd "${1:?usage: run-steps.sh PKG_DIR KIND CONFIG}" && pwd)
kind=${2:?kind}
config=$(realpath "${3:?config}")
db=$(jq -r .database "$config")
port=$(jq -r '.port // ""' "$config")
env=$(jq -r '.environment // ""' "$config")
reldir=$(jq -r '.release_dir // ""' "$config")

case "$kind" in
data_upgrade) filter='.data_upgrade // [] | to_entries
	| sort_by([(.value.phase as $p | ["prerequisites","pre-sync","schema-sync","post-sync","final-sync"]
		| index($p)), .key])
	| .[].value' ;;
dvt) filter='.dvt // [] | .[] | {name: .service_model, exec}' ;;
pre-install|post-install|scrub) filter=".scripts[\"$kind\"] // [] | .[]" ;;
*) echo "run-steps: unknown kind '$kind'" >&2; exit 2 ;;
esac

steps=$(jq -c "$filter" "$pkg/manifest.json")
started=${RUN_STEPS_FROM:+no}
while IFS= read -r step; do
	name=$(jq -r .name <<<"$step")
	[ "${started:-yes}" = no ] && { [ "$name" = "$RUN_STEPS_FROM" ] && started=yes || continue; }
	sql=$(jq -r '.sql // empty' <<<"$step")
	if [ -n "$sql" ]; then
		case "$db" in
		postgresql://*|postgres://*)
			run_sql() { psql -X -q -v ON_ERROR_STOP=1 --single-transaction -d "$db" -f "$pkg/$sql" >/dev/null; } ;;
		*)
			run_sql() { printf '.timeout 10000\nBEGIN IMMEDIATE;\n.read %s\nCOMMIT;\n' "$pkg/$sql" |
				sqlite3 -bail "$db" >/dev/null; } ;;
		esac
		if ! run_sql; then
			echo "run-steps: step '$name' ($sql) failed" >&2
			exit 1
		fi
	else
		argv=()
		while IFS= read -r a; do
			a=${a//'${CONFIG}'/$config}; a=${a//'${DB}'/$db}; a=${a//'${PORT}'/$port}
			a=${a//'${ENV}'/$env}; a=${a//'${RELEASE_DIR}'/$reldir}
			argv+=("$a")
		done < <(jq -r '.exec[]' <<<"$step")
		if ! (cd "$pkg" && FERRY_CONFIG=$config FERRY_DB=$db FERRY_PORT=$port FERRY_ENV=$env \
			FERRY_RELEASE_DIR=$reldir "${argv[@]}" >/dev/null); then
			echo "run-steps: step '$name' failed" >&2
			exit 1
		fi
	fi
	echo "step $name: ok"
done <<<"$steps"
