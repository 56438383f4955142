#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0802: the self-service upgrade of MediaWiki from 1.39-core to 1.39-moderation (AbuseFilter
# and OATHAuth enabled), the catalog's upgrade rule: a rehearsal in development on a copy of
# the data; preparation beside the serving original with zero failed probe requests; the
# data upgrade (MediaWiki's own maintenance/update.php --quick adds the extensions' tables);
# writes on the upgraded wiki through MediaWiki's API and its AbuseFilter form (edits, a new
# page, a new account, a filter and its log); the rollback plan (core rows carried through
# the package's reverse mapping, the extensions' rows dropped with its note, the search index
# left to rebuildtextindex.php); the rollback, after which the original on 1.39-core serves
# those pages with their history; then the same upgrade again, a write MediaWiki keeps in a
# table without a primary key (user_newtalk) that refuses the rollback and is exported, and
# the commit.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t08-mediawiki.lib"
MW_DEV_PASS=Develop-Admin-Pass-2026
NEW_TABLES="abuse_filter abuse_filter_action abuse_filter_history abuse_filter_log oathauth_users"
new_tables() { mwsql "$1" "select name from sqlite_master where type = 'table' and (name like 'abuse%' or name like 'oath%') order by name" "${2:-}" | tr '\n' ' ' | sed 's/ $//'; }
probe_start() {
	"$TOOLS/httpprobe" "$1" "$2" 100 >/dev/null 2>&1 </dev/null & PROBE_PID=$!
	for _ in $(seq 1 100); do [ -s "$2" ] && return 0; sleep 0.05; done
}
probe_stop() { kill -TERM "$PROBE_PID" 2>/dev/null; wait "$PROBE_PID" 2>/dev/null; PROBE_PID=; }
now_ms() { date +%s%3N; }
# tables_but "T1 T2 ...": a canonical dump (stdin) without the rows of those tables.
tables_but() { awk -v skip=" $1 " '/^table /{seen = 1; keep = !index(skip, " " $2 " ")} !seen || keep'; }
failures() { awk -v a="$2" -v b="$3" '$1 >= a && $1 <= b && $2 != 200' "$1" | wc -l; }
answers() { awk -v a="$2" -v b="$3" '$1 >= a && $1 <= b' "$1" | wc -l; }
# no_failures FILE FROM TO: the probe got 200 for every request in the window; else the
# failed answers (httpprobe keeps their bodies in FILE.failed: MediaWiki's error page) and
# what each runtime's MediaWiki logged (<state_dir>/mediawiki/errors.log) go to stderr.
no_failures() {
	local n v d
	n=$(failures "$1" "$2" "$3")
	[ "$n" = 0 ] && return 0
	echo "$n failed probe requests between $2 and $3:" >&2
	cat "$1.failed" >&2
	for v in original upgrade; do
		d=$(ferry env status sbx --view "$v" --json 2>/dev/null | jq -r .dir) || continue
		[ -f "$d/data/mediawiki/errors.log" ] && { echo "== $v: $d/data/mediawiki/errors.log" >&2; cat "$d/data/mediawiki/errors.log" >&2; }
	done
	return 1
}

test_expect_success 'setup: a sandbox on 1.39-core with content' '
	mw_setup && mw_env sbx sandbox 1.39-core "$MW_SBX_PASS" && mw_seed sbx "$MW_SBX_PASS" &&
	equals "$(new_tables sbx)" ""'

test_expect_success 'the catalog allows 1.39-moderation from 1.39-core, as an upgrade' '
	ferry upgrade targets sbx --json | jq -e "map(select(.target == \"1.39-moderation/PHP8.2\" and .kind == \"upgrade\" and .self_service)) | length == 1"'

test_expect_success 'rehearsal: the data copied into development on 1.39-moderation, update.php, DVT' '
	mw_env dev development 1.39-moderation "$MW_DEV_PASS" &&
	equals "$(new_tables dev)" "$NEW_TABLES" &&
	ferry --quiet db copy --from sbx --to dev >/dev/null &&
	equals "$(new_tables dev)" "" &&
	ferry env data-upgrade dev >out &&
	equals "$(new_tables dev)" "$NEW_TABLES" &&
	contains "$(mw_extensions "$(env_url dev)")" "Abuse Filter" &&
	contains "$(mw_content "$(env_url dev)" "Project page 1")" "Page 1 links to" &&
	ferry db rehearsals --json | jq -e ".[0].from == \"1.39-core\" and .[0].to == \"1.39-moderation\" and (.[0].data_steps | length) == 4"'

test_expect_success 'preflight: every prerequisite there (a never-refreshed sandbox is only a warning)' '
	ferry upgrade preflight sbx --to 1.39-moderation --json >pf.json &&
	jq -e ".ok and ([.checks[] | select((.ok | not) and .severity == \"error\")] | length) == 0" pf.json &&
	jq -e ".checks[] | select(.check == \"rehearsal\") | .ok" pf.json'

ORIG=$(env_url sbx)
probe_start "$ORIG/index.php/Main_Page" probe.txt
test_expect_success 'begin: 1.39-moderation installed beside the original, zero failed probes' '
	t0=$(now_ms) && ferry upgrade begin sbx --to 1.39-moderation >out && t1=$(now_ms) &&
	equals "$(phase sbx)" prepared && echo "$t0" >window.start &&
	up=$(env_url sbx upgrade) && [ "$up" != "$ORIG" ] &&
	contains "$(mw_extensions "$up")" "Abuse Filter" && ! contains "$(mw_extensions "$ORIG")" "Abuse Filter" &&
	equals "$(new_tables sbx upgrade)" "$NEW_TABLES" && equals "$(new_tables sbx)" "" &&
	[ "$(answers probe.txt $t0 $t1)" -gt 5 ] && no_failures probe.txt $t0 $t1'

test_expect_success 'the upgrade-in-progress environment has the environment settings' '
	jq -e ".mediawiki.admin_password == \"$MW_SBX_PASS\" and .slot == \"upgrade\"" "$(env_cfg sbx upgrade)" &&
	mw_dvt sbx AdminLogin --view upgrade && mw_dvt sbx AbuseFilter --view upgrade'

test_expect_success 'the probe saw no failure on the original during the preparation' '
	t1=$(now_ms) && no_failures probe.txt "$(cat window.start)" $t1'

test_expect_success 'data upgrade: the original data swapped in, update.php, new tables, DVT' '
	db_dump sbx >pre.dump && t2=$(now_ms) && ferry upgrade data sbx >out && t3=$(now_ms) && echo "$t2 $t3" >data.window &&
	contains "$(cat out)" "measured downtime:" && equals "$(phase sbx)" data-upgraded &&
	equals "$(new_tables sbx upgrade)" "$NEW_TABLES" &&
	contains "$(mw_extensions "$ORIG")" "Abuse Filter" &&
	contains "$(mw_content "$ORIG" "Project page 3")" "Page 3 links to" &&
	status_json sbx >st.json &&
	jq -e "[.operations[] | select(.kind == \"upgrade.data\") | .data_upgrade_steps[] | select(.state == \"succeeded\") | .name] == [\"check-source\", \"update-php\", \"verify-new-tables\", \"check-data\"]" st.json &&
	jq -e ".downtime.measured_ms > 0" st.json &&
	ferry op log "$(jq -r "[.operations[] | select(.kind == \"upgrade.data\")][0].activity_id" st.json)" dvt >dvt.log &&
	grep -q "DVT AbuseFilter passed" dvt.log && grep -q "DVT AdminLogin passed" dvt.log'
probe_stop

test_expect_success 'the probe saw the downtime only during the data upgrade' '
	read t2 t3 <data.window && no_failures probe.txt "$(cat window.start)" $t2 &&
	equals "$(tail -1 probe.txt | cut -d" " -f2)" 200'

test_expect_success 'users write on the upgraded wiki: edits, a new page, a new account, a filter' '
	equals "$(mw_login "$ORIG" Admin "$MW_SBX_PASS" jar)" PASS &&
	equals "$(mw_edit "$ORIG" jar "Written after the upgrade" "This page is new." "created on 1.39-moderation")" Success &&
	equals "$(mw_edit "$ORIG" jar "Written after the upgrade" "This page is new. Edited once." "edited on 1.39-moderation")" Success &&
	equals "$(mw_edit "$ORIG" jar "Project page 1" "Page 1 was rewritten after the upgrade." "rewritten on 1.39-moderation")" Success &&
	equals "$(mw_account "$ORIG" "Upgrade Writer" "Writer-pass-2026-x" "writer@contoso.example")" PASS &&
	equals "$(mw_login "$ORIG" "Upgrade Writer" "Writer-pass-2026-x" jarw)" PASS &&
	equals "$(mw_edit "$ORIG" jarw "Writer page" "Written by a user who signed up after the upgrade." "first edit")" Success &&
	fid=$(mw_abusefilter_new "$ORIG" jar "Watch for the word moderated" "added_lines irlike \"moderated\"") &&
	[ -n "$fid" ] && equals "$(mwsql sbx "select count(*) from abuse_filter")" 1 &&
	equals "$(mw_edit "$ORIG" jar "Filtered page" "This edit is moderated." "hits the filter")" Success &&
	equals "$(mwsql sbx "select count(*) from abuse_filter_log")" 1 &&
	mw_history "$ORIG" "Written after the upgrade" >hist.upgraded &&
	equals "$(cut -d"|" -f1,2 hist.upgraded | tr "\n" ";")" "Admin|created on 1.39-moderation;Admin|edited on 1.39-moderation;"'

test_expect_success 'the mapping names every table of 1.39-moderation but those without a primary key' '
	man="$MW/packages/mediawiki-data-upgrade-1.39-moderation/manifest.json" &&
	jq -r ".reverse[0].tables[].table" "$man" | LC_ALL=C sort >mapped &&
	mwsql sbx "select m.name from sqlite_master m where m.type = '\''table'\'' and m.name not like '\''sqlite%'\'' and m.sql not like '\''CREATE VIRTUAL%'\'' and exists (select 1 from pragma_table_info(m.name) p where p.pk > 0)" | LC_ALL=C sort >tables &&
	equals "$(comm -3 mapped tables | tr -d "\t" | tr "\n" " ")" "" &&
	equals "$(mwsql sbx "select m.name from sqlite_master m where m.type = '\''table'\'' and m.name not like '\''sqlite%'\'' and not exists (select 1 from pragma_table_info(m.name) p where p.pk > 0) order by m.name" | tr "\n" " ")" \
		"oldimage querycache querycachetwo searchindex user_newtalk "'

test_expect_success 'the rollback plan: the core rows carried, the extensions rows dropped with the note' '
	ferry upgrade rollback sbx --plan --json >plan.json &&
	jq -e ".can_roll_back and .summary.unmapped == 0 and .summary.uncaptured == 0 and .uncaptured == []" plan.json &&
	for t in page revision slots content text comment actor user; do
		jq -e --arg t "$t" "[.tables[] | select(.table == \$t)] | length == 1 and (.[0].rows | length) > 0 and all(.[0].rows[]; .action == \"carry\")" plan.json >/dev/null || { echo "table $t not carried" >&2; exit 1; }
	done &&
	jq -e "[.tables[] | select(.table == \"revision\") | .rows[] | select(.op == \"insert\")] | length == 5" plan.json &&
	for t in abuse_filter abuse_filter_history abuse_filter_log; do
		jq -e --arg t "$t" "[.tables[] | select(.table == \$t) | .rows[]] | length > 0 and all(.action == \"drop\" and (.reason | test(\"AbuseFilter does not exist in 1.39-core\")))" plan.json >/dev/null || { echo "table $t not dropped with the note" >&2; exit 1; }
	done &&
	jq -e "[.tables[] | select(.table == \"logging\") | .rows[] | select(.action == \"conflict\") | .reason] | length > 0 and all(test(\"abusefilter/create log entry\"))" plan.json &&
	jq -e "[.tables[] | select(.table | startswith(\"searchindex\")) | .rows[]] | length > 0 and all(.action == \"drop\" and (.reason | test(\"rebuildtextindex\")))" plan.json &&
	ferry upgrade rollback sbx --plan >plan.txt && contains "$(cat plan.txt)" "abuse_filter"'

test_expect_success 'rollback: the original back on 1.39-core, the writes carried, the filter exported' '
	ferry upgrade rollback sbx --yes >out && contains "$(cat out)" "Rolled back" &&
	equals "$(phase sbx)" rolled-back && equals "$(env_url sbx)" "$ORIG" &&
	ferry env show sbx --json | jq -e ".app_release == \"1.39-core\" and (.runtimes | keys) == [\"main\"]" &&
	! contains "$(mw_extensions "$ORIG")" "Abuse Filter" && equals "$(new_tables sbx)" "" &&
	equals "$(mw_content "$ORIG" "Written after the upgrade")" "This page is new. Edited once." &&
	mw_history "$ORIG" "Written after the upgrade" >hist.original && cmp hist.upgraded hist.original &&
	equals "$(mw_content "$ORIG" "Project page 1")" "Page 1 was rewritten after the upgrade." &&
	equals "$(mw_history "$ORIG" "Project page 1" | cut -d"|" -f2 | tail -1)" "rewritten on 1.39-moderation" &&
	equals "$(mw_history "$ORIG" "Writer page" | cut -d"|" -f1)" "Upgrade Writer" &&
	equals "$(mw_content "$ORIG" "Filtered page")" "This edit is moderated." &&
	equals "$(mw_login "$ORIG" "Upgrade Writer" "Writer-pass-2026-x" jarw2)" PASS &&
	equals "$(mwsql sbx "pragma integrity_check")" ok &&
	ferry env stop sbx >/dev/null && db_dump sbx >post.dump && ferry env start sbx >/dev/null &&
	skip="$(jq -r "[.tables[].table, \"sqlite_sequence\"] | join(\" \")" plan.json)" &&
	tables_but "$skip" <pre.dump >pre.rest && tables_but "$skip" <post.dump >post.rest &&
	cmp pre.rest post.rest && ! cmp -s pre.dump post.dump &&
	mw_dvt sbx AdminLogin && mw_dvt sbx PageRead &&
	ferry upgrade writes sbx -o kept.json &&
	jq -e "[.tables[] | select(.table == \"abuse_filter\") | .rows[]] | length == 1" kept.json &&
	act=$(status_json sbx | jq -r "[.operations[] | select(.kind == \"upgrade.rollback\")][0].activity_id") &&
	jq -e "[.tables[] | select(.table == \"abuse_filter_log\") | .rows[] | .action] == [\"drop\"]" "$FERRY_HOME/writes/$act/report.json"'

test_expect_success 'the original takes writes on 1.39-core after the rollback' '
	equals "$(mw_edit "$ORIG" jarw2 "Writer page" "Back on 1.39-core." "after the rollback")" Success &&
	equals "$(mw_history "$ORIG" "Writer page" | wc -l)" 2'

test_expect_success 'again: a write MediaWiki keeps in a table without a primary key' '
	ferry upgrade begin sbx --to 1.39-moderation >/dev/null && ferry upgrade data sbx >/dev/null &&
	equals "$(mw_login "$ORIG" Admin "$MW_SBX_PASS" jar3)" PASS &&
	equals "$(mw_edit "$ORIG" jar3 "User talk:Upgrade Writer" "A message for you." "a talk page message")" Success &&
	equals "$(mwsql sbx "select count(*) from user_newtalk")" 1'

test_expect_code 5 'the rollback refuses to lose it: user_newtalk cannot be captured row by row' '
	rm -f err && ferry upgrade rollback sbx --plan --json >plan2.json &&
	jq -e "(.can_roll_back | not) and ([.uncaptured[].table] == [\"user_newtalk\"])" plan2.json >&2 &&
	ferry upgrade rollback sbx --yes 2>err; rc=$?; cat err >&2
	grep -q "user_newtalk" err && grep -q "no primary key" err && exit $rc'

test_expect_success 'the refused writes are exported; the upgrade is still data-upgraded' '
	equals "$(phase sbx)" data-upgraded &&
	ferry upgrade writes sbx -o refused.json &&
	jq -e "[.uncaptured[].table] == [\"user_newtalk\"]" refused.json &&
	jq -e "[.tables[] | select(.table == \"revision\") | .rows[]] | length == 1" refused.json'

test_expect_success 'committed instead: 1.39-moderation is the environment, the writes kept' '
	ferry upgrade commit sbx >/dev/null && equals "$(phase sbx)" committed &&
	ferry env show sbx --json | jq -e ".app_release == \"1.39-moderation\" and .state == \"deployed\" and (.runtimes | keys) == [\"main\"]" &&
	equals "$(env_url sbx)" "$ORIG" && equals "$(new_tables sbx)" "$NEW_TABLES" &&
	jq -e ".mediawiki.admin_password == \"$MW_SBX_PASS\"" "$(env_cfg sbx)" &&
	mw_dvt sbx AdminLogin && mw_dvt sbx OATHAuth &&
	equals "$(mw_content "$ORIG" "User talk:Upgrade Writer")" "A message for you." &&
	equals "$(mw_content "$ORIG" "Written after the upgrade")" "This page is new. Edited once."'

test_expect_success 'after the commit the wiki takes writes, AbuseFilter runs on edits' '
	equals "$(mw_login "$ORIG" Admin "$MW_SBX_PASS" jar2)" PASS &&
	equals "$(mw_edit "$ORIG" jar2 "Written after the commit" "Moderated.")" Success &&
	contains "$(mw_content "$ORIG" "Written after the commit")" "Moderated."'
test_done
