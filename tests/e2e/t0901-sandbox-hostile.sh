#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0901: vendor code is contained (issue 20). A hostile application, customization and
# data upgrade, built here and signed by a key the project trusts, attack from every
# phase an environment runs code in: its service, pre-install, post-install, DVT,
# scrub (a refresh) and a data-upgrade step. Each tries ferry's keys and store,
# another environment's database and files, writes outside its directory, /proc of
# ferry, raising its limits, a fork bomb and the network (t09-sandbox.lib). Every
# attempt is denied and recorded in the step log (the service's in its log), the
# legitimate work around them passes, and nothing outside the attacked environments
# changes. ferry runs as root here: each environment has a uid of its own and a
# private view of the filesystem (the .deb's ferryd); t0902 checks the other modes.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t09-sandbox.lib"
sb_own_uids

stop_all() {
	local n
	for n in $(ferry env list --json 2>/dev/null | jq -r '.[].name'); do
		ferry -q env stop "$n" --grace 1 >/dev/null 2>&1
	done
	return 0
}
test_cleanup_hook=stop_all
HOSTILE="FERRY_SANDBOX_MEMORY=address-space"   # the hostile application's limits, all of them

ferry init >/dev/null
ferry project create contoso >/dev/null
ferry feature enable upgrade-self-serve --project contoso >/dev/null
ferry key generate vendor >/dev/null
ferry key trust vendor --project contoso >/dev/null
ferry env create prod --project contoso --role production --app 7.3 --platform PU12 >/dev/null
ferry env create uat --project contoso --role sandbox --app 7.3 --platform PU12 >/dev/null
ferry env create sbx --project contoso --role sandbox --app 7.3 --platform PU12 >/dev/null
ferry env create dev --project contoso --role development --app 8.1 --platform PU20 >/dev/null

build() { ferry -q package build "$1" -o "$SCRATCH/pkgs/$2.zip" --sign vendor && ferry -q asset upload "$SCRATCH/pkgs/$2.zip" --project contoso; }

test_expect_success 'setup: production (the victim) runs the sample application with data' '
	mkdir -p pkgs && build "$PKGS/ledger-app-7.3" app73 && build "$PKGS/ledger-app-8.1" app81 &&
	ferry -q env deploy prod --package ledger-app@7.3.0 --no-start &&
	"$LEDGERCTL" generate --db "$(ferry env show prod --json | jq -r .runtimes.main.database)" --rows 200 --seed 7 >/dev/null &&
	ferry -q env start prod && curl -sf "$(ferry env show prod --json | jq -r .url)/health" >/dev/null'

test_expect_success 'setup: development on 8.1 holds a copy of production for a rehearsal' '
	ferry -q env deploy dev --package ledger-app@8.1.0 && ferry -q db copy --from prod --to dev'

test_expect_success 'the hostile packages are built and signed by the trusted key' '
	sb_targets targets vendor prod &&
	sb_app hostile-app targets && sb_custom hostile-custom targets && sb_upgrade hostile-du targets &&
	build hostile-app hostile-app && build hostile-custom hostile-custom && build hostile-du hostile-du &&
	ferry asset list --project contoso --json >assets.json &&
	jq -e "[.[] | select(.name == \"ledger-app\" and .version == \"7.3.9\" or .name == \"hostile-custom\" or .name == \"hostile-data-upgrade\") | .signer] == [\"vendor\", \"vendor\", \"vendor\"]" assets.json'

# The victim is stopped from here on (so its files stay as they are); ferry's keys, the
# asset library and the victim's files are summed before and after the attacks.
ferry -q env stop prod
BEFORE=$(sb_sum prod)
(cd "$FERRY_HOME" && find keys assets environments/prod -type f | sort | xargs sha256sum) >before.files

test_expect_success 'the service attacks at start: all denied, recorded in its log; it serves' '
	sb_run_service sbx'

test_expect_success 'env show --json reports the sandbox in force (and the process has it)' '
	ferry env show sbx --json | jq .runtimes.main.sandbox >sb.json &&
	jq -e ".mode == \"landlock\" and .landlock_abi >= 1 and .user == \"environment\" and
		.uid >= 70000 and .uid <= 99999 and .gid == .uid and .no_new_privs and .capabilities == \"none\" and
		.limits == {open_files: 256, processes: 64, memory_mb: null} and
		.network.mode == \"confined\" and .network.bind == [.network.connect[0]] and
		.filesystem.view != null and
		(.filesystem.write | map(select(endswith(\"/environments/sbx/data\"))) | length) == 1 and
		.process.uid == .uid and .process.no_new_privs and .process.capabilities == \"none\" and
		.process.open_files == 256 and .process.processes == 64 and .process.memory_mb == 1024 and
		.process.private_view" sb.json &&
	test "$(ferry env show prod --json | jq .runtimes.main.sandbox.uid)" != "$(jq .uid sb.json)"'

test_expect_success 'its files are its own; ferry'"'"'s home and its environment directory are not' '
	uid=$(jq .uid sb.json) && d=$FERRY_HOME/environments/sbx &&
	equals "$(stat -c %u "$d/data" "$d/tmp" "$d/db" "$d/config.json" | sort -u)" "$uid" &&
	equals "$(stat -c %a "$FERRY_HOME")" 700 && equals "$(stat -c %u "$d")" 0 &&
	equals "$(stat -c %u "$d/state" "$d/logs" | sort -u)" 0'

test_expect_success 'pre-install, post-install and DVT of a hostile customization: all denied' '
	sb_run_custom sbx &&
	grep -q "sandbox-probe dvt: limits: open files 256, processes 64, memory 1048576" apply.log'

test_expect_success 'the scrub of a hostile application (a refresh into sbx): all denied' '
	sb_run_scrub uat sbx'

test_expect_success 'a hostile data-upgrade step in a rehearsal: denied; the real steps pass' '
	sb_run_data_upgrade dev &&
	grep -q "sandbox-probe data-upgrade: limits: open files 1024, processes 512, memory unlimited" du.log'

test_expect_success 'nothing outside the attacked environments changed' '
	(cd "$FERRY_HOME" && find keys assets environments/prod -type f | sort | xargs sha256sum) >after.files &&
	{ diff before.files after.files || false; } && test -n "$BEFORE" && equals "$(sb_sum prod)" "$BEFORE" &&
	! sb_escaped &&
	test -z "$(ls "$FERRY_HOME/environments/prod/data")" &&
	equals "$(store_check)" ok'

test_expect_success 'what the attacks wrote stayed in their own environment' '
	ls "$FERRY_HOME/environments/sbx/data" | grep -q "^written-service$" &&
	ls "$FERRY_HOME/environments/sbx/data" | grep -q "^written-dvt$"'

test_expect_success 'the victim still works' '
	ferry -q env start prod &&
	curl -sf "$(ferry env show prod --json | jq -r .url)/health" >/dev/null'

test_done
