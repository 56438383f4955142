#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0802: the self-service upgrade of MediaWiki from 1.39-core to 1.39-moderation (AbuseFilter
# and OATHAuth enabled), the catalog's upgrade rule: a rehearsal in development on a copy of
# the data; preparation beside the serving original with zero failed probe requests; the
# data upgrade (MediaWiki's own maintenance/update.php --quick adds the extensions' tables);
# a rollback that gives back the original with its database equal to the pre-upgrade state
# (canonical dump; the writes made since are refused first, then discarded and exported:
# the package declares no reverse mapping); then the same upgrade again, committed.
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
failures() { awk -v a="$2" -v b="$3" '$1 >= a && $1 <= b && $2 != 200' "$1" | wc -l; }
answers() { awk -v a="$2" -v b="$3" '$1 >= a && $1 <= b' "$1" | wc -l; }

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
	[ "$(answers probe.txt $t0 $t1)" -gt 5 ] && equals "$(failures probe.txt $t0 $t1)" 0'

test_expect_success 'the upgrade-in-progress environment has the environment settings' '
	jq -e ".mediawiki.admin_password == \"$MW_SBX_PASS\" and .slot == \"upgrade\"" "$(env_cfg sbx upgrade)" &&
	mw_dvt sbx AdminLogin --view upgrade && mw_dvt sbx AbuseFilter --view upgrade'

test_expect_success 'the probe saw no failure on the original during the preparation' '
	t1=$(now_ms) && equals "$(failures probe.txt "$(cat window.start)" $t1)" 0'

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
	read t2 t3 <data.window && equals "$(failures probe.txt "$(cat window.start)" $t2)" 0 &&
	equals "$(tail -1 probe.txt | cut -d" " -f2)" 200'

test_expect_success 'users write on the upgraded wiki before the rollback' '
	equals "$(mw_login "$ORIG" Admin "$MW_SBX_PASS" jar)" PASS &&
	equals "$(mw_edit "$ORIG" jar "Written after the upgrade" "This page is new.")" Success'

test_expect_code 5 'the rollback refuses to lose those writes: the package maps no table back' '
	ferry upgrade rollback sbx 2>err; rc=$?; cat err >&2
	grep -q "no reverse mapping" err && exit $rc'

test_expect_success 'rollback: the original back on 1.39-core, its database equal to before (dump)' '
	ferry upgrade rollback sbx --discard-writes --yes >out && contains "$(cat out)" "Rolled back" &&
	equals "$(phase sbx)" rolled-back && equals "$(env_url sbx)" "$ORIG" &&
	ferry env show sbx --json | jq -e ".app_release == \"1.39-core\" and (.runtimes | keys) == [\"main\"]" &&
	! contains "$(mw_extensions "$ORIG")" "Abuse Filter" && equals "$(new_tables sbx)" "" &&
	equals "$(mw_content "$ORIG" "Written after the upgrade")" "" &&
	ferry env stop sbx >/dev/null && db_dump sbx >post.dump && ferry env start sbx >/dev/null &&
	cmp pre.dump post.dump && mw_dvt sbx AdminLogin && mw_dvt sbx PageRead'

test_expect_success 'the same upgrade again, committed: 1.39-moderation is the environment' '
	ferry upgrade begin sbx --to 1.39-moderation >/dev/null && ferry upgrade data sbx >/dev/null &&
	ferry upgrade commit sbx >/dev/null && equals "$(phase sbx)" committed &&
	ferry env show sbx --json | jq -e ".app_release == \"1.39-moderation\" and .state == \"deployed\" and (.runtimes | keys) == [\"main\"]" &&
	equals "$(env_url sbx)" "$ORIG" && equals "$(new_tables sbx)" "$NEW_TABLES" &&
	jq -e ".mediawiki.admin_password == \"$MW_SBX_PASS\"" "$(env_cfg sbx)" &&
	mw_dvt sbx AdminLogin && mw_dvt sbx OATHAuth &&
	contains "$(mw_content "$ORIG" "Project page 1")" "Page 1 links to"'

test_expect_success 'after the commit the wiki takes writes, AbuseFilter runs on edits' '
	equals "$(mw_login "$ORIG" Admin "$MW_SBX_PASS" jar2)" PASS &&
	equals "$(mw_edit "$ORIG" jar2 "Written after the commit" "Moderated.")" Success &&
	contains "$(mw_content "$ORIG" "Written after the commit")" "Moderated."'
test_done
