#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench_list.sh: listing environments with a big store (row 7): `ferry env list --json` and
# `GET /api/environments` (ferryd, when this build has it) with 1,000, 10,000 and 100,000
# environments and ten operations each in the store (filled with SQL directly: fast), per item
# and in total, against `sqlite3 -json` running the same query on the same store file. The
# time per item should stay flat from 1,000 to 100,000.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
SIZES="1000 10000 100000"; [ "$SMOKE" = 1 ] && SIZES="100 1000"
W=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-list.XXXXXX")
DPID=
cleanup() { [ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
export FERRY_HOME="$W/home"
"$FERRY" -q init
DB="$FERRY_HOME/ferry.db"
QUERY="SELECT e.name, p.name AS project, e.role, e.state, e.product, e.app_release, e.platform,
	e.created_ms AS created, e.updated_ms AS updated FROM environments e JOIN projects p ON p.id = e.project_id
	WHERE e.state <> 'deleted' ORDER BY p.name, e.name"

api=0
if [ -x "$FERRYD" ] && "$FERRY" token --help >/dev/null 2>&1; then
	TOKEN=$("$FERRY" -q token create bench --role viewer | grep -o 'ferry_[A-Za-z0-9_]*' | head -1)
	"$FERRYD" --home "$FERRY_HOME" --listen 127.0.0.1 --port 0 --port-file "$W/port" 2>"$W/ferryd.log" &
	DPID=$!
	for _ in $(seq 1 100); do [ -s "$W/port" ] && break; sleep 0.05; done
	URL="http://127.0.0.1:$(cat "$W/port")/api/environments"
	curl -sf -H "Authorization: Bearer $TOKEN" "$URL" >/dev/null && api=1
fi
if [ "$api" != 1 ]; then
	tail -5 "$W/ferryd.log" >&2 2>/dev/null || :
	echo "bench: ferryd did not answer GET /api/environments" >&2
	exit 1
fi

have=0
for n in $SIZES; do
	# grow the store to n environments (100 per project) and 10 n operations, all ended
	sqlite3 "$DB" "BEGIN;
	WITH RECURSIVE i(k) AS (SELECT $have / 100 UNION ALL SELECT k + 1 FROM i WHERE k + 1 < $n / 100)
	INSERT INTO projects(name, product, created_ms) SELECT printf('p%05d', k), 'finance-operations', 0 FROM i;
	WITH RECURSIVE i(k) AS (SELECT $have UNION ALL SELECT k + 1 FROM i WHERE k + 1 < $n)
	INSERT INTO environments(project_id, name, role, state, product, app_release, platform, created_ms, updated_ms)
	SELECT (SELECT id FROM projects WHERE name = printf('p%05d', k / 100)), printf('env%06d', k),
		CASE k % 3 WHEN 0 THEN 'development' WHEN 1 THEN 'sandbox' ELSE 'production' END,
		'deployed', 'finance-operations', '8.1', 'PU20', 1700000000000 + k, 1700000000000 + k FROM i;
	WITH RECURSIVE i(k) AS (SELECT $have * 10 UNION ALL SELECT k + 1 FROM i WHERE k + 1 < $n * 10)
	INSERT INTO operations(activity_id, kind, env_id, env_name, project_id, project_name, state,
		created_ms, started_ms, ended_ms, updated_ms)
	SELECT printf('00000000-0000-4000-8000-%012d', k), 'env.apply', e.id, e.name, e.project_id, '',
		'succeeded', 1700000000000 + k, 1700000000000 + k, 1700000000001 + k, 1700000000001 + k
	FROM i JOIN environments e ON e.name = printf('env%06d', k / 10);
	COMMIT; ANALYZE;"
	have=$n
	got=$("$FERRY" env list --json | jq length)
	[ "$got" = "$n" ] || { echo "bench: ferry env list gives $got environments, not $n" >&2; exit 1; }
	runs=$RUNS; [ "$n" -ge 100000 ] && [ "$QUICK" = 1 ] && runs=2
	fl=() rl=() al=()
	for r in $(seq 1 "$runs"); do
		fl+=("$(ms "$FERRY" env list --json)")
		rl+=("$(ms sqlite3 -json "$DB" "$QUERY")")
		[ "$api" = 1 ] && al+=("$(ms curl -sf -H "Authorization: Bearer $TOKEN" "$URL")")
	done
	per() { local v out=(); for v in "$@"; do out+=("$(awk -v a="$v" -v n="$n" 'BEGIN { printf "%.2f", a * 1000 / n }')"); done; echo "${out[*]}"; }
	label=$(printf "%'d envs, %'d ops" "$n" $((n * 10)))
	row "env list --json, $label" ms "${fl[*]}" "sqlite3 -json, same query" "${rl[*]}"
	row "env list --json, $label, per env" us/item "$(per "${fl[@]}")" "sqlite3 -json, same query" "$(per "${rl[@]}")"
	if [ "$api" = 1 ]; then
		[ "$(curl -sf -H "Authorization: Bearer $TOKEN" "$URL" | jq length)" = "$n" ] ||
			{ echo "bench: GET /api/environments does not list $n" >&2; exit 1; }
		row "GET /api/environments, $label" ms "${al[*]}" "sqlite3 -json, same query" "${rl[*]}"
		row "GET /api/environments, $label, per env" us/item "$(per "${al[@]}")" "sqlite3 -json, same query" "$(per "${rl[@]}")"
	fi
done
