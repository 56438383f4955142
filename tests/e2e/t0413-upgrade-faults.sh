#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0413: the seed's known issues, injected through the sample application's fault switches on
# the upgrade-in-progress environment: "Application configuration sync failed. Call to
# TTSCOMMIT without first calling TTSBEGIN." during the data upgrade and the intermittent DVT
# failure of MRProcessService; `upgrade resume` picks up at the failed step each time and
# completes (a failed data-upgrade step: the database back to the operation's restore point,
# the package's steps again from the first). A failed preparation says so with its activity ID and notifies. The end state
# equals an uninterrupted data upgrade of the same data.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t04-upgrade.lib"

mkdir -p hooks
"$TOOLS/httpsink" hooks http.port & SINK_PIDS="$!"
for i in $(seq 1 100); do [ -s http.port ] && break; sleep 0.05; done

test_expect_success 'setup: sandbox refreshed from production, rehearsal in development' '
	up_setup && ferry db refresh --from prod --to sbx >/dev/null && up_rehearse &&
	ferry notify add --project contoso --webhook http://127.0.0.1:$(cat http.port)/ >/dev/null'

APP=$(ferry asset show ledger-app@8.1.0 --project contoso --json | jq -r .sha256)
BLOB=$(find "$FERRY_HOME/assets" -name "$APP*" -type f | head -1)
test_expect_success 'a failed preparation says so with its activity ID and notifies' '
	test -f "$BLOB" && cp "$BLOB" blob.good &&
	FERRY_CRASH_AT=fetch ferry upgrade begin sbx --to 8.1 >/dev/null 2>&1; equals $? 137 &&
	chmod u+w "$BLOB" && printf "garbage" >>"$BLOB" &&
	ferry upgrade resume sbx >out 2>err; equals $? 6 &&
	act=$(status_json sbx | jq -r ".operations[0].activity_id") &&
	contains "$(cat err)" "upgrade.prepare on .sbx. (activity $act)" &&
	contains "$(cat err)" "activity ID: $act" &&
	status_json sbx | jq -e ".phase == \"preparing\" and .operations[0].state == \"failed\" and (.next | index(\"ferry upgrade resume sbx\") != null)" &&
	jq -s -e "map(select(.event == \"failed\" and .data.activity_id == \"$act\" and (.subject | test(\"upgrade.prepare failed at step .fetch.\")))) | length == 1" hooks/*.json'

test_expect_success 'resume after the cause is fixed: prepared' '
	cp blob.good "$BLOB" && ferry upgrade resume sbx >/dev/null && equals "$(phase sbx)" prepared &&
	status_json sbx | jq -e ".operations[0].steps[] | select(.name == \"fetch\") | .attempts == 3"'

test_expect_success 'fault switches on the upgrade-in-progress environment' '
	ferry env config sbx --view upgrade --set faults.ttscommit=1 --set faults.dvt_MRProcessService=1 >/dev/null &&
	ferry env config sbx --view upgrade --json | jq -e ".faults.ttscommit == 1 and .faults.dvt_MRProcessService == 1"'

test_expect_success 'the data upgrade fails in app-config-sync with the TTSCOMMIT error' '
	ferry upgrade data sbx >out 2>err; equals $? 1 &&
	contains "$(cat err)" "step .app-config-sync. (post-sync)" &&
	contains "$(cat err)" "Application configuration sync failed. Call to TTSCOMMIT without first calling TTSBEGIN." &&
	status_json sbx >st.json &&
	jq -e ".phase == \"data-upgrading\" and .downtime.so_far_ms != null and .downtime.measured_ms == null" st.json &&
	jq -e "[.next[]] | index(\"ferry upgrade resume sbx\") != null and index(\"ferry upgrade rollback sbx\") != null" st.json &&
	jq -e "[.operations[1].data_upgrade_steps[] | select(.state == \"succeeded\")] | length == 8" st.json'

test_expect_success 'resume goes back to the restore point, runs the steps from the first, then DVT fails on MRProcessService' '
	ferry upgrade resume sbx >out 2>err; equals $? 1 &&
	contains "$(cat err)" "DVT script for service model: MRProcessService failed" &&
	status_json sbx >st.json &&
	ferry op log "$(jq -r ".operations[1].activity_id" st.json)" >log.txt &&
	file_contains log.txt "step app-config-sync was cut short: the database is back to restore point pre-upgrade-" &&
	jq -e ".operations[1].data_upgrade_steps[] | select(.name == \"app-config-sync\") | .state == \"succeeded\"" st.json &&
	jq -e "[.operations[1].data_upgrade_steps[] | select(.attempts > 1)] | length == 0" st.json &&
	jq -e ".operations[1].steps[] | select(.name == \"dvt\") | .state == \"failed\"" st.json &&
	jq -e ".operations[1].steps[] | select(.name == \"data-upgrade\") | .attempts == 2" st.json'

test_expect_success 'resume again: the DVT passes, the upgrade is data-upgraded, downtime measured' '
	ferry upgrade resume sbx >/dev/null && status_json sbx >st.json &&
	jq -e ".phase == \"data-upgraded\" and .downtime.measured_ms > 0" st.json &&
	jq -e ".operations[1].steps[] | select(.name == \"dvt\") | .attempts == 2" st.json &&
	equals "$(version_of "$(ferry env show sbx --view upgrade --json | jq -r .url)")" 8.1 &&
	jq -s -e "map(select(.event == \"failed\" and (.subject | test(\"upgrade.data failed\")))) | length == 2" hooks/*.json'

test_expect_success 'same data as the uninterrupted rehearsal of the same production copy' '
	ferry env stop dev >/dev/null &&
	equals "$(db_sum "$(ferry env show sbx --view upgrade --json | jq -r .database)")" "$(db_sum "$(env_db dev)")"'

test_expect_success 'commit after the resumed data upgrade' '
	ferry upgrade commit sbx >/dev/null && equals "$(phase sbx)" committed &&
	equals "$(version_of "$(env_url sbx)")" 8.1'
test_done
