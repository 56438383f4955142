#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t1105: vendor code on a host is contained as on ferry's machine (issues 14, 20). The
# hostile application, customization and data upgrade of t0901 (t09-sandbox.lib) run
# on host a, next to a victim environment there, and attack from their service,
# pre-install, post-install, DVT, scrub and a data-upgrade step (whose package
# directory ferry ships to the host). ferry decides the sandbox (the settings, the
# environment's uid from its store, the manifest's limits); the host's agent checks it
# against what the host offers and applies it there: a uid of the environment's own,
# a private view hiding the host's ferry directory, Landlock, limits, no new
# privileges. Decoys of a ferry home are planted in the host's directory (keys, a
# store, assets): every attempt is denied, the decoys and the victim are unchanged.
# (The hostile service listens on every address: ferry reaches it from its machine.)
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t11-ssh.lib"
. "$FERRY_SRC/tests/e2e/t09-sandbox.lib"
sb_own_uids
HOSTILE="FERRY_SANDBOX_MEMORY=address-space"   # the hostile application's limits, all of them

build() { ferry -q package build "$1" -o "$SCRATCH/pkgs/$2.zip" --sign vendor && ferry -q asset upload "$SCRATCH/pkgs/$2.zip" --project contoso; }
# what of host a's directory the attacks aim at, summed there
host_sum() { on 1 sh -c 'cd "$1" && find keys assets ferry.db environments/prod -type f | sort | xargs sha256sum' sh "$H1_DIR"; }

test_expect_success 'setup: hosts, the project; decoys of a ferry home on host a' '
	ssh_setup ledger-app-7.3 ledger-app-8.1 ledger-data-upgrade-8.1 &&
	on 1 sh -c "mkdir -p \"\$1/keys\" \"\$1/assets\" && echo secret >\"\$1/keys/vendor.key\" &&
		echo store >\"\$1/ferry.db\" && echo asset >\"\$1/assets/a.zip\"" sh "$H1_DIR"'

test_expect_success 'setup: on host a, production (the victim) with data, a sandbox, development on 8.1' '
	host_env prod production a 200 7 &&
	ferry env create sbx --project contoso --role sandbox --app 7.3 --platform PU12 --host a >/dev/null &&
	ferry env create uat --project contoso --role sandbox --app 7.3 --platform PU12 --host a >/dev/null &&
	ferry env create dev --project contoso --role development --app 8.1 --platform PU20 --host a >/dev/null &&
	ferry -q env deploy dev --package ledger-app@8.1.0 && ferry -q db copy --from prod --to dev'

test_expect_success 'the hostile packages aim at the host: its directory, the victim there' '
	sb_targets targets vendor prod &&
	sed -i -e "s|^T_HOME=.*|T_HOME=$H1_DIR|" -e "s|^T_VICTIM_DIR=.*|T_VICTIM_DIR=$H1_DIR/environments/prod|" targets &&
	grep -q "^T_VICTIM_DB=$H1_DIR/environments/prod/" targets &&
	sb_app hostile-app targets && sb_custom hostile-custom targets && sb_upgrade hostile-du targets &&
	sed -i "s/LocalAddr => \"127.0.0.1\"/LocalAddr => \"0.0.0.0\"/" hostile-app/bin/serve &&
	grep -q "LocalAddr => \"0.0.0.0\"" hostile-app/bin/serve &&
	build hostile-app hostile-app && build hostile-custom hostile-custom && build hostile-du hostile-du'

ferry -q env stop prod
host_sum >before.files

test_expect_success 'the service attacks at start on the host: all denied, recorded in its log' '
	sb_run_service sbx'

test_expect_success 'env show: the sandbox ferry decided, and what the process on the host has' '
	ferry env show sbx --json | jq .runtimes.main.sandbox >sb.json &&
	jq -e ".mode == \"landlock\" and .landlock_abi >= 1 and .user == \"environment\" and
		.uid >= 80000 and .gid == .uid and .no_new_privs and .capabilities == \"none\" and
		.network.mode == \"confined\" and .filesystem.resolved != null and
		.process.uid == .uid and .process.no_new_privs and .process.capabilities == \"none\" and
		.process.open_files == 256 and .process.processes == 64 and .process.private_view" sb.json &&
	test "$(ferry env show prod --json | jq .runtimes.main.sandbox.uid)" != "$(jq .uid sb.json)"'

test_expect_success 'on the host, its files are its own; the host directory is not' '
	uid=$(jq .uid sb.json) && d=$H1_DIR/environments/sbx &&
	equals "$(on 1 stat -c %u "$d/data" "$d/tmp" "$d/db" "$d/config.json" | sort -u)" "$uid" &&
	equals "$(on 1 stat -c %u "$d/state" "$d/logs" | sort -u)" 0'

test_expect_success 'pre-install, post-install and DVT of a hostile customization on the host: all denied' '
	sb_run_custom sbx'

test_expect_success 'the scrub of a hostile application (a refresh into sbx): all denied' '
	sb_run_scrub uat sbx'

test_expect_success 'a hostile data-upgrade step (its directory shipped to the host): denied; the real steps pass' '
	sb_run_data_upgrade dev'

test_expect_success 'nothing outside the attacked environments changed on the host' '
	host_sum >after.files && { diff before.files after.files || false; } &&
	test -s before.files && ! sb_escaped &&
	test -z "$(on 1 ls "$H1_DIR/environments/prod/data")" &&
	on 1 ls "$H1_DIR/environments/sbx/data" | grep -q "^written-service$" &&
	on 1 ls "$H1_DIR/environments/sbx/data" | grep -q "^written-dvt$"'

test_expect_code 5 'the agent runs as root there: sandbox-users=no is refused (never root)' '
	ferry -q env stop sbx --grace 1 &&
	FERRY_SANDBOX_USERS=no ferry env start sbx 2>err; rc=$?
	grep -q "sandbox-users=no while ferry runs as root would run environment .sbx. as root" err || exit 9
	ferry env show sbx --json | jq -e ".runtimes.main.state == \"stopped\"" >/dev/null || exit 8; exit $rc'

test_expect_success 'the victim still works' '
	ferry -q env start prod &&
	curl -sf "$(ferry env show prod --json | jq -r .url)/health" >/dev/null'

hosts_clean
test_done
