#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0410: the seed's scenario 3 end to end with real processes: a production and a sandbox of
# the sample ledger on 7.3 with data; the sandbox refreshed from production (scrubbed); a data
# upgrade rehearsed in development; the sandbox upgraded to 8.1 (prepare, an ISV and a
# customization package with sign-offs, data upgrade that changes the schema, commit) while a
# probe counts zero failures on the original's address during preparation and packages; then
# production the same way. Notifications reach a real SMTP and a real HTTP listener.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t04-upgrade.lib"

mkdir -p mail hooks
"$TOOLS/smtpsink" mail smtp.port & SINK_PIDS="$!"
"$TOOLS/httpsink" hooks http.port & SINK_PIDS="$SINK_PIDS $!"
for f in smtp.port http.port; do for i in $(seq 1 100); do [ -s $f ] && break; sleep 0.05; done; done

test_expect_success 'setup: signed packages, production with data and a sandbox on 7.3' '
	up_setup &&
	ferry notify add --project contoso --email ops@contoso.example --smtp smtp://127.0.0.1:$(cat smtp.port) >/dev/null &&
	ferry notify add --project contoso --webhook http://127.0.0.1:$(cat http.port)/hook >/dev/null &&
	equals "$(version_of "$(env_url prod)")" 7.3 &&
	[ "$(sqlite3 "$(env_db prod)" "select count(*) from invoices")" -gt 50 ]'

test_expect_success 'upgrade targets: the catalog slider from 7.3' '
	ferry upgrade targets sbx --json >targets.json &&
	jq -e "map(.target) | index(\"8.1/PU20\") != null" targets.json &&
	jq -e "map(select(.kind == \"platform-update\"))[0].self_service == false" targets.json'

test_expect_success 'refresh the sandbox from production: a scrubbed copy, recorded' '
	ledgerctl scrub-status --db "$(env_db prod)" | jq -e ".scrubbed == false" &&
	ferry db refresh --from prod --to sbx >out && contains "$(cat out)" "Refreshed" &&
	ledgerctl scrub-status --db "$(env_db sbx)" | jq -e ".scrubbed and .secrets == 0 and (.enabled_users | length) == 1" &&
	equals "$(sqlite3 "$(env_db sbx)" "select count(*) from invoices")" "$(sqlite3 "$(env_db prod)" "select count(*) from invoices")" &&
	equals "$(version_of "$(env_url sbx)")" 7.3 &&
	ferry db history --json | jq -e ".[0].kind == \"refresh\" and .[0].source == \"prod\" and .[0].target == \"sbx\""'

test_expect_success 'rehearsal: production copied into development on 8.1, data upgraded, timed' '
	up_dev dev 8.1 && ferry db copy --from prod --to dev >/dev/null &&
	ferry env show dev --json | jq -e ".runtime == \"stopped\"" &&
	ferry env data-upgrade dev >/dev/null &&
	equals "$(version_of "$(env_url dev)")" 8.1 &&
	ferry db rehearsals --json | jq -e ".[0].from == \"7.3\" and .[0].to == \"8.1\" and .[0].total_ms > 0 and (.[0].data_steps | length) == 12"'

test_expect_success 'preflight: every prerequisite there, the rehearsal found' '
	ferry upgrade preflight sbx --to 8.1 --json >pf.json &&
	jq -e ".ok and ([.checks[] | select(.ok | not)] | length) == 0" pf.json &&
	jq -e ".checks[] | select(.check == \"disk-space\") | .needed_bytes > 0 and .free_bytes > 0" pf.json'

ORIG=$(env_url sbx)
probe_start "$ORIG/customers?limit=1" probe.txt
test_expect_success 'begin: the upgrade-in-progress environment on 8.1, original untouched (zero failures)' '
	t0=$(now_ms) &&
	ferry upgrade begin sbx --to 8.1 >out && t1=$(now_ms) &&
	contains "$(cat out)" "upgrade of .sbx. is prepared" &&
	equals "$(phase sbx)" prepared &&
	equals "$(version_of "$(up_url sbx)")" 8.1 && equals "$(version_of "$ORIG")" 7.3 &&
	[ "$(answers probe.txt $t0 $t1)" -gt 0 ] && equals "$(failures probe.txt $t0 $t1)" 0 &&
	echo "$t0" >window.start'

test_expect_success 'the two views: original and upgrade-in-progress' '
	ferry env show sbx --view original --json | jq -e ".app_release == \"7.3\" and .upgrade.phase == \"prepared\"" &&
	ferry env show sbx --view upgrade --json | jq -e ".app_release == \"8.1\" and .view == \"upgrade\" and .state == \"running\"" &&
	[ "$(up_url sbx)" != "$ORIG" ]'

test_expect_success 'apply an ISV package through servicing, sign it off; then a customization package' '
	ferry upgrade apply sbx fabrikam-tax@2.0.0 >out && contains "$(cat out)" "sign it off" &&
	status_json sbx | jq -e ".packages[0].state == \"awaiting-signoff\"" &&
	ferry upgrade signoff sbx >/dev/null &&
	ferry upgrade apply sbx contoso-reports@1.0.0 >/dev/null && ferry upgrade signoff sbx >/dev/null &&
	status_json sbx | jq -e "[.packages[] | select(.signed_off)] | length == 2" &&
	curl -sf "$(up_url sbx)/version" | jq -e "[.packages[].name] | index(\"fabrikam-tax\") != null" &&
	equals "$(sqlite3 "$(ferry env show sbx --view upgrade --json | jq -r .database)" "select count(*) from fabrikam_tax_rules")" 5'

test_expect_success 'the probe saw no failure on the original during preparation and packages' '
	t1=$(now_ms) && [ "$(answers probe.txt $(cat window.start) $t1)" -gt 10 ] &&
	equals "$(failures probe.txt $(cat window.start) $t1)" 0'

test_expect_success 'status predicts the downtime from the rehearsal before the data upgrade' '
	status_json sbx | jq -e ".downtime.predicted_ms == null or .downtime.predicted_ms >= 0" &&
	ferry upgrade status sbx | grep -q "ferry upgrade data sbx"'

test_expect_success 'data upgrade: original powered down, database and address swapped, schema changed' '
	t2=$(now_ms) && ferry upgrade data sbx >out && t3=$(now_ms) && echo "$t2 $t3" >data.window &&
	contains "$(cat out)" "predicted downtime:" && contains "$(cat out)" "measured downtime:" &&
	equals "$(phase sbx)" data-upgraded &&
	equals "$(version_of "$ORIG")" 8.1 &&
	db=$(ferry env show sbx --view upgrade --json | jq -r .database) &&
	equals "$(sqlite3 "$db" "select count(*) from tax_codes")" 4 &&
	sqlite3 "$db" "pragma table_info(invoices)" | grep -q tax_code &&
	equals "$(sqlite3 "$db" "select count(*) from fabrikam_tax_rules")" 5 &&
	! sqlite3 "$db" "select 1 from ferry_step_marks" 2>/dev/null'
probe_stop
test_expect_success 'the probe saw the downtime only during the data upgrade' '
	read t2 t3 <data.window && [ "$(failures probe.txt $t2 $t3)" -gt 0 ] &&
	equals "$(failures probe.txt $(cat window.start) $t2)" 0 &&
	last=$(tail -1 probe.txt | cut -d" " -f2) && equals "$last" 200'

test_expect_success 'status: predicted and measured downtime, each step with its duration' '
	status_json sbx >st.json &&
	jq -e ".downtime.measured_ms > 0 and .downtime.predicted_ms > 0" st.json &&
	jq -e "[.operations[] | select(.kind == \"upgrade.data\") | .steps[] | .duration_ms] | length == 14" st.json &&
	jq -e "[.operations[] | select(.kind == \"upgrade.data\") | .data_upgrade_steps[] | select(.state == \"succeeded\")] | length == 12" st.json &&
	ferry upgrade status sbx >st.txt && grep -q "measured [0-9.]* s" st.txt && grep -q "ferry upgrade commit sbx" st.txt'

test_expect_success 'production cannot begin before the sandbox committed' '
	test_must=$(ferry upgrade begin prod --to 8.1 2>&1); rc=$?; equals $rc 5 &&
	contains "$test_must" "a sandbox of project .contoso. must first upgrade to 8.1/PU20 and commit it"'

test_expect_success 'commit: the upgraded environment is the environment, restore point kept 30 days' '
	ferry upgrade commit sbx >/dev/null && status_json sbx >st.json &&
	jq -e ".phase == \"committed\" and .restore_point.kept_until != null" st.json &&
	ferry env show sbx --json | jq -e ".app_release == \"8.1\" and .state == \"deployed\" and (.runtimes | keys) == [\"main\"]" &&
	equals "$(version_of "$(env_url sbx)")" 8.1 && equals "$(env_url sbx)" "$ORIG" &&
	test -e "$(env_dir sbx)/db/restore-points" && ! test -e "$(env_dir sbx)/releases"'

PROD=$(env_url prod)
probe_start "$PROD/customers?limit=1" pprobe.txt
test_expect_success 'production the same way: zero failures until the data upgrade, then 8.1' '
	t0=$(now_ms) &&
	ferry upgrade begin prod --to 8.1 >/dev/null &&
	ferry upgrade apply prod fabrikam-tax@2.0.0 >/dev/null && ferry upgrade signoff prod >/dev/null &&
	ferry upgrade apply prod contoso-reports@1.0.0 >/dev/null && ferry upgrade signoff prod >/dev/null &&
	t1=$(now_ms) && equals "$(failures pprobe.txt $t0 $t1)" 0 && [ "$(answers pprobe.txt $t0 $t1)" -gt 10 ] &&
	ferry upgrade data prod >/dev/null && ferry upgrade commit prod >/dev/null &&
	equals "$(version_of "$PROD")" 8.1 && equals "$(phase prod)" committed &&
	status_json prod | jq -e ".downtime.measured_ms > 0"'
probe_stop

test_expect_success 'the production data went through: same customers, upgraded schema' '
	equals "$(sqlite3 "$(env_db prod)" "select release from schema_version")" 8.1 &&
	[ "$(curl -sf "$PROD/customers?limit=5" | jq "length")" -gt 0 ]'

test_expect_success 'notifications by email and webhook: completion and awaiting sign-off' '
	ls mail/*.eml >/dev/null && grep -l "upgrade.prepare completed" mail/*.eml >/dev/null &&
	grep -l "awaits sign-off" mail/*.eml >/dev/null &&
	jq -s -e "map(select(.event == \"completed\" and .data.environment == \"prod\" and .data.activity_id != \"\")) | length >= 3" hooks/*.json &&
	jq -s -e "map(select(.event == \"awaiting-signoff\")) | length >= 4" hooks/*.json'

test_expect_success 'another sandbox: redeployed on 8.1 and refreshed from the upgraded production' '
	ferry env create sbx2 --project contoso --role sandbox --app 8.1 --platform PU20 >/dev/null &&
	up_release ledger-app-8.1 && ferry --quiet env deploy sbx2 --from-dir "$SCRATCH/rel/ledger-app-8.1" >/dev/null &&
	ferry db refresh --from prod --to sbx2 >/dev/null &&
	equals "$(version_of "$(env_url sbx2)")" 8.1 &&
	ledgerctl scrub-status --db "$(env_db sbx2)" | jq -e .scrubbed'
test_done
