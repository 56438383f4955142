#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench_mediawiki.sh: MediaWiki 1.39 from Debian 12 (examples/mediawiki), the self-service
# upgrade 1.39-core -> 1.39-moderation through ferry against the same commands by hand
# (row 9 of bench/README.md). A sandbox with a small wiki (the installed one plus PAGES pages
# written through the API) and a rehearsal; then per run, under a probe on the original's
# address (a GET of /index.php/Main_Page every 50 ms):
#   - preparation: `ferry upgrade begin` against, by hand, `bsdtar -xf` of the same
#     application package, a config.json, bin/mw-serve (install.php on the empty database,
#     then php -S) until Main_Page answers; failed probe requests during it (must be 0);
#   - data upgrade: `ferry upgrade data` (whole operation: stop, restore point, swap,
#     check, update.php --quick, table check, start, five DVTs) against, by hand, the same
#     commands on a copy of the same data (stop, sqlite3 .backup, the package's four steps,
#     bin/mw-serve, the five DVT scripts); and its data-upgrade step against the four steps;
#   then `ferry upgrade rollback` (not timed) for the next run.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
MW="$FERRY_BUILD/examples/mediawiki/pkgs"
NAMES=("MediaWiki upgrade preparation 1.39-core -> 1.39-moderation (ferry upgrade begin)"
	"MediaWiki: failed probe requests during the preparation"
	"MediaWiki data upgrade, update.php (ferry upgrade data, whole op)"
	"MediaWiki data upgrade, update.php (its data-upgrade step)")
if [ ! -f "$MW/index.json" ] || ! command -v php >/dev/null; then
	for n in "${NAMES[@]}"; do na "$n" "n/a: MediaWiki packages not built (scripts/deps.sh, make examples)"; done
	exit 0
fi
if [ "$QUICK" = 1 ]; then PAGES=20 RUNS=${RUNS_MW:-1}; else PAGES=200 RUNS=${RUNS_MW:-3}; fi
[ "$SMOKE" = 1 ] && PAGES=2
W=$(mktemp -d "${TMPDIR:-/tmp}/ferry-bench-mw.XXXXXX")
export FERRY_HOME="$W/home"
f() { "$FERRY" "$@"; }
ref() { jq -r --arg d "$1" '.[$d].ref' "$MW/index.json"; }
HAND_PID=
cleanup() {
	local n s
	probe_stop
	[ -n "$HAND_PID" ] && kill -TERM -- "-$HAND_PID" 2>/dev/null
	for n in $(f env list --json 2>/dev/null | jq -r '.[].name'); do
		for s in $(f env show "$n" --json 2>/dev/null | jq -r '.runtimes | keys[]' 2>/dev/null); do
			f -q env stop "$n" --grace 1 --view "$s" >/dev/null 2>&1 || true
		done
	done
	rm -rf "$W"
}
trap cleanup EXIT
PASS=Bench-Admin-Pass-2026
f -q init
f -q project create wiki --product mediawiki
f -q feature enable upgrade-self-serve --project wiki
f -q key trust "$MW/mediawiki-build.pub" --project wiki
for p in "$MW"/*.tar.zst; do f -q asset upload "$p" --project wiki >/dev/null; done
mw_env() {
	f -q env create "$1" --project wiki --role "$2" --app "$3" --platform PHP8.2
	f -q env deploy "$1" --package "$(ref "mediawiki-$3")" --no-start >/dev/null
	f -q env config "$1" --set mediawiki.admin_password="$PASS" >/dev/null
	f -q env start "$1"
}
log "a sandbox on 1.39-core with $PAGES pages"
mw_env sbx sandbox 1.39-core
ORIG=$(f env show sbx --json | jq -r .url)
jar="$W/jar"
tok=$(curl -sf -c "$jar" -b "$jar" "$ORIG/api.php?action=query&meta=tokens&type=login&format=json" | jq -r .query.tokens.logintoken)
curl -sf -c "$jar" -b "$jar" "$ORIG/api.php?action=clientlogin&format=json" --data-urlencode username=Admin \
	--data-urlencode "password=$PASS" --data-urlencode "logintoken=$tok" --data-urlencode "loginreturnurl=$ORIG/" |
	jq -e '.clientlogin.status == "PASS"' >/dev/null
csrf=$(curl -sf -c "$jar" -b "$jar" "$ORIG/api.php?action=query&meta=tokens&format=json" | jq -r .query.tokens.csrftoken)
for i in $(seq 1 "$PAGES"); do
	curl -sf -c "$jar" -b "$jar" "$ORIG/api.php?action=edit&format=json" --data-urlencode "title=Bench page $i" \
		--data-urlencode "text=Page $i, see [[Bench page $((i + 1))]]. [[Category:Bench]]" \
		--data-urlencode "token=$csrf" | jq -e '.edit.result == "Success"' >/dev/null
done
log "the rehearsal the preflight asks for"
mw_env dev development 1.39-moderation
f -q db copy --from sbx --to dev >/dev/null
f -q env data-upgrade dev >/dev/null
f -q env stop dev --grace 5

# By hand: APP serves on PORT with DB (FERRY_* as ferry sets them), in its own process group.
hand_env() { # hand_env APP PORT DB: write APP's config.json
	mkdir -p "$W/hand-state"
	jq -n --arg db "$3" --argjson port "$2" --arg st "$W/hand-state" --arg pw "$PASS" --arg rel "$1" \
		'{environment: "hand", role: "sandbox", port: $port, url: ("http://127.0.0.1:" + ($port | tostring)),
		  database: $db, state_dir: $st, release_dir: $rel, mediawiki: {admin_password: $pw}}' >"$W/hand.json"
}
hand_run() { (cd "$1" && FERRY_CONFIG="$W/hand.json" FERRY_DB="$3" FERRY_PORT="$2" FERRY_RELEASE_DIR="$1" "${@:4}"); }
hand_start() {
	hand_env "$1" "$2" "$3"
	setsid bash -c 'cd "$1" && FERRY_CONFIG="$2" FERRY_DB="$3" FERRY_PORT="$4" FERRY_RELEASE_DIR="$1" exec bin/mw-serve' \
		_ "$1" "$W/hand.json" "$3" "$2" >>"$W/hand.log" 2>&1 & HAND_PID=$!
	wait_http "http://127.0.0.1:$2/index.php/Main_Page" 2400
}
hand_stop() { kill -TERM -- "-$HAND_PID" 2>/dev/null; wait "$HAND_PID" 2>/dev/null || true; HAND_PID=; }
elapsed() { awk -v a="$1" -v b="$(now_us)" 'BEGIN { printf "%.1f", (b - a) / 1000 }'; }

prep=() fail=() data=() step=() rprep=() rdata=() rstep=()
for r in $(seq 1 "$RUNS"); do
	log "MediaWiki upgrade run $r of $RUNS"
	rm -f "$W/probe.txt"
	PROBE_INTERVAL_MS=50 probe_start "$ORIG/index.php/Main_Page" "$W/probe.txt"
	t0=$(now_ms)
	prep+=("$(ms f -q upgrade begin sbx --to 1.39-moderation)")
	t1=$(now_ms)
	[ "$(probe_answers "$W/probe.txt" "$t0" "$t1")" -gt 0 ] || { echo "bench: the probe got no answers" >&2; exit 1; }
	fail+=("$(probe_failures "$W/probe.txt" "$t0" "$t1")")
	probe_stop
	f env stop sbx >/dev/null
	cp "$(f env show sbx --json | jq -r .runtimes.main.database)" "$W/core.db"   # the same data, by hand below
	f -q env start sbx
	data+=("$(ms f -q upgrade data sbx)")
	step+=("$(f upgrade status sbx --json |
		jq '[.operations[] | select(.kind == "upgrade.data")][0].steps[] | select(.name == "data-upgrade") | .duration_ms')")
	f -q upgrade rollback sbx --discard-writes --yes >/dev/null   # the DVT and probes wrote; no reverse mapping

	# Preparation by hand: extract the package, serve it on an empty database.
	port=$(free_port)
	rm -rf "$W/hand" "$W/hand-state" "$W"/hand*.db*
	s=$(now_us)
	mkdir -p "$W/hand/app" && bsdtar -xf "$MW/mediawiki-1.39-moderation.tar.zst" -C "$W/hand/app"
	hand_start "$W/hand/app" "$port" "$W/hand-new.db"
	rprep+=("$(elapsed "$s")")
	# The data upgrade by hand on the same data: stop, back up, the four steps, serve, DVT.
	cp "$W/core.db" "$W/hand-data.db"
	dudir="$W/hand/du" && mkdir -p "$dudir" && bsdtar -xf "$MW/mediawiki-data-upgrade-1.39-moderation.tar.zst" -C "$dudir"
	s=$(now_us)
	hand_stop
	sqlite3 "$W/hand-data.db" ".backup '$W/hand-rp.db'"
	hand_env "$W/hand/app" "$port" "$W/hand-data.db"
	s2=$(now_us)
	hand_run "$dudir" "$port" "$W/hand-data.db" bin/mwctl check >/dev/null
	hand_run "$dudir" "$port" "$W/hand-data.db" php "$W/hand/app/maintenance/update.php" --quick >/dev/null
	hand_run "$dudir" "$port" "$W/hand-data.db" bin/mwctl verify-tables abuse_filter abuse_filter_action \
		abuse_filter_log abuse_filter_history oathauth_users >/dev/null
	hand_run "$dudir" "$port" "$W/hand-data.db" bin/mwctl check >/dev/null
	rstep+=("$(elapsed "$s2")")
	hand_start "$W/hand/app" "$port" "$W/hand-data.db"
	for m in SiteInfo PageRead AdminLogin AbuseFilter OATHAuth; do
		hand_run "$W/hand/app" "$port" "$W/hand-data.db" bin/mwctl dvt "$m" >/dev/null
	done
	rdata+=("$(elapsed "$s")")
	hand_stop
done
row "${NAMES[0]}" ms "${prep[*]}" "by hand: bsdtar -xf, install.php, php -S, Main_Page" "${rprep[*]}"
row "${NAMES[1]}" count "${fail[*]}" "must be 0" "-"
row "${NAMES[2]}" ms "${data[*]}" "by hand: stop, .backup, 4 steps, php -S, 5 DVTs" "${rdata[*]}"
row "${NAMES[3]}" ms "${step[*]}" "by hand: the 4 steps (update.php --quick)" "${rstep[*]}"
