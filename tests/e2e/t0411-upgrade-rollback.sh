#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0411: the ways back. Rollback after the data upgrade gives the original back with its old
# version and its database equal to the pre-upgrade state byte for byte (canonical dump);
# cancel before the data upgrade leaves no trace of the upgrade-in-progress environment;
# housekeeping warns of, and expires, uncommitted upgrades and drops restore points past
# their retention.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t04-upgrade.lib"

mkdir -p hooks
"$TOOLS/httpsink" hooks http.port & SINK_PIDS="$!"
for i in $(seq 1 100); do [ -s http.port ] && break; sleep 0.05; done

test_expect_success 'setup: production and sandbox on 7.3, refreshed, rehearsed' '
	up_setup && ferry db refresh --from prod --to sbx >/dev/null && up_rehearse &&
	ferry notify add --project contoso --webhook http://127.0.0.1:$(cat http.port)/ >/dev/null'

ORIG=$(env_url sbx)
test_expect_success 'cancel before the data upgrade: no trace of the upgrade-in-progress environment' '
	(cd "$(env_dir sbx)" && find . -path ./logs -prune -o -print | sort) >tree.before &&
	store_sql "SELECT slot, port FROM runtimes ORDER BY id" >rt.before &&
	ferry upgrade begin sbx --to 8.1 >/dev/null &&
	ferry upgrade apply sbx fabrikam-tax@2.0.0 >/dev/null &&
	upurl=$(up_url sbx) && curl -sf "$upurl/version" >/dev/null &&
	ferry upgrade cancel sbx --view original >out && contains "$(cat out)" "Cancelled" &&
	equals "$(phase sbx)" cancelled &&
	(cd "$(env_dir sbx)" && find . -path ./logs -prune -o -print | sort) >tree.after &&
	diff tree.before tree.after &&
	store_sql "SELECT slot, port FROM runtimes ORDER BY id" >rt.after && diff rt.before rt.after &&
	! curl -sf "$upurl/version" >/dev/null &&
	ferry env show sbx --json | jq -e ".state == \"deployed\" and .app_release == \"7.3\" and (.runtimes | keys) == [\"main\"]" &&
	! test -e "$FERRY_HOME/work/$(status_json sbx | jq -r ".operations[0].activity_id")" &&
	equals "$(version_of "$ORIG")" 7.3'

test_expect_success 'the package not signed off when cancelled ended rolled back' '
	ferry op list --env sbx --json | jq -e "[.[] | select(.kind == \"env.apply\")][0].state == \"rolled-back\""'

test_expect_success 'a new upgrade after a cancel; apply, data upgrade' '
	ferry upgrade begin sbx --to 8.1 >/dev/null &&
	ferry upgrade apply sbx contoso-reports@1.0.0 >/dev/null && ferry upgrade signoff sbx >/dev/null &&
	ledgerctl dump --db "$(env_db sbx)" >pre.dump && ferry upgrade data sbx >/dev/null && equals "$(version_of "$ORIG")" 8.1 &&
	sqlite3 "$(ferry env show sbx --view upgrade --json | jq -r .database)" "select count(*) from tax_codes" >/dev/null'

test_expect_success 'users change data on the upgraded environment before the rollback' '
	db=$(ferry env show sbx --view upgrade --json | jq -r .database) &&
	sqlite3 "$db" "update tax_codes set description = \"changed\"" &&
	! cmp -s pre.dump <(ledgerctl dump --db "$db")'

test_expect_success 'rollback: the original back online with its old version' '
	ferry upgrade rollback sbx >out && contains "$(cat out)" "Rolled back" &&
	equals "$(phase sbx)" rolled-back && equals "$(version_of "$ORIG")" 7.3 &&
	equals "$(env_url sbx)" "$ORIG" &&
	ferry env show sbx --json | jq -e ".app_release == \"7.3\" and .platform == \"PU12\" and .state == \"deployed\" and (.runtimes | keys) == [\"main\"]"'

test_expect_success 'rollback: the database equals the pre-upgrade state byte for byte' '
	ferry env stop sbx >/dev/null && ledgerctl dump --db "$(env_db sbx)" >post.dump &&
	ferry env start sbx >/dev/null && cmp pre.dump post.dump &&
	equals "$(sha256sum <pre.dump)" "$(sha256sum <post.dump)"'

test_expect_success 'the rollback is one operation with its steps; the webhook heard it' '
	status_json sbx | jq -e "[.operations[].kind] == [\"upgrade.prepare\", \"upgrade.data\", \"upgrade.rollback\"]" &&
	jq -s -e "map(select(.data.environment == \"sbx\" and (.subject | test(\"upgrade.rollback completed\")))) | length == 1" hooks/*.json'

test_expect_success 'settings: retention, expiry and warnings are per project and configurable' '
	ferry upgrade settings --project contoso --json | jq -e ".retention_s == 2592000 and .expiry_s == 864000" &&
	ferry upgrade settings --project contoso --expiry 2d --warn 3d --json | jq -e ".expiry_s == 172800 and .warn_s == 259200"'

test_expect_success 'housekeeping warns once of an upgrade about to expire' '
	ferry upgrade begin sbx --to 8.1 >/dev/null &&
	ferry upgrade housekeep --json | jq -e ".[0].action == \"warned\" and .[0].env == \"sbx\"" &&
	ferry upgrade housekeep --json | jq -e "length == 0" &&
	jq -s -e "map(select(.event == \"scheduled\" and (.subject | test(\"expires on\")))) | length == 1" hooks/*.json'

test_expect_success 'an expired upgrade before its data upgrade is cancelled; the original kept' '
	ferry upgrade settings --project contoso --expiry 0s >/dev/null &&
	ferry upgrade housekeep --json | jq -e ".[0].action == \"expired-cancelled\"" &&
	status_json sbx | jq -e ".phase == \"cancelled\" and (.reason | test(\"expired\"))" &&
	equals "$(version_of "$ORIG")" 7.3'

test_expect_success 'after a commit the restore point is kept, then dropped past the retention' '
	ferry upgrade settings --project contoso --expiry 10d >/dev/null &&
	ferry upgrade begin sbx --to 8.1 >/dev/null && ferry upgrade data sbx >/dev/null &&
	ferry upgrade commit sbx >/dev/null && rp=$(status_json sbx | jq -r .restore_point.name) &&
	ferry upgrade housekeep --json | jq -e "length == 0" &&
	ls "$(env_dir sbx)/db/restore-points/" | grep -q "$rp" &&
	ferry upgrade settings --project contoso --retention 0s >/dev/null &&
	ferry upgrade housekeep --json | jq -e ".[0].action == \"restore-point-removed\"" &&
	! ls "$(env_dir sbx)/db/restore-points/" | grep -q "$rp" &&
	status_json sbx | jq -e ".restore_point.removed != null"'
test_done
