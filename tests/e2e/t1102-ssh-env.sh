#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t1102: an environment on host a (tests/tools/hosts.sh: its files live only there):
# deployed from the asset library as a package stream, started, stopped, restarted,
# its status, log and config read through the agent; servicing apply, then rollback
# byte for byte (restore point on the host); apply and sign-off; its processes
# outlive ferry and ferry's connections (a reboot of ferry's machine); env rm leaves
# nothing on the host. Through ferryd too: the hosts and an environment created on one.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t11-ssh.lib"

host_dump() { on 1 "$LEDGERCTL" dump --db "$(env_db "$1")" | sha256sum | cut -d' ' -f1; }
state_of() {
	printf '%s|%s|%s\n' "$(ferry env show "$1" --json | jq -c '{state, app_release, platform, runtime, release}')" \
		"$(curl -sf "$(env_url "$1")/version" | jq -c '{release, packages: [.packages[].name]}')" \
		"$(db_sum_of "$1")"
}
# ssh processes of this home's control connections (found by their socket path)
masters() {
	local p
	for p in /proc/[0-9]*; do
		tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -q "ControlPath=\"$1" && basename "$p"
	done
}

ferryd_cleanup() { [ -f "$SCRATCH/ferryd.pid" ] && kill "$(cat "$SCRATCH/ferryd.pid")" 2>/dev/null; ssh_cleanup; }
test_cleanup_hook=ferryd_cleanup

test_expect_success 'setup: hosts, the project, its packages' '
	ssh_setup ledger-app-7.3 fabrikam-tax-1.4 contoso-reports'

test_expect_success 'an environment on host a: deployed as a package stream, served from there' '
	host_env sbx sandbox a 300 7 &&
	ferry env show sbx --json >show.json &&
	jq -e ".runtimes.main.driver == \"ssh\" and .runtimes.main.host == \"a\" and .runtime == \"running\"" show.json &&
	jq -e --arg a "$H1_ADDR" ".url | startswith(\"http://\" + \$a + \":\")" show.json &&
	equals "$(version_of "$(env_url sbx)")" 7.3 &&
	dir=$(jq -r .runtimes.main.dir show.json) && equals "$dir" "$H1_DIR/environments/sbx" &&
	on_exists 1 "$dir/current/manifest.json" && ! test -e "$dir/current" &&
	up_release ledger-app-7.3 && on 1 cmp -s "$dir/current/manifest.json" "$SCRATCH/rel/ledger-app-7.3/manifest.json" &&
	ferry host show a --json | jq -e ".runtimes == [{\"env\": \"sbx\", \"slot\": \"main\", \"port\": $(jq .port show.json), \"dir\": \"$dir\"}]"'

test_expect_success 'status, log, config through the agent; stop, start, restart' '
	ferry env status sbx --json | jq -e ".state == \"running\" and .healthy == true" &&
	ferry env logs sbx -n 50 | grep -q "ready: pid" &&
	ferry -q env config sbx --set faults.none=1 && ferry env config sbx --json | jq -e ".faults.none == 1 and .slot == \"main\"" &&
	ferry -q env stop sbx && ferry env status sbx --json | jq -e ".state == \"stopped\"" &&
	! curl -s -o /dev/null --max-time 2 "$(env_url sbx)/health" &&
	ferry -q env start sbx && ferry -q env restart sbx &&
	equals "$(version_of "$(env_url sbx)")" 7.3 &&
	equals "$(ferry env logs sbx -n 500 | grep -c "ready: pid")" 3'

test_expect_success 'servicing apply on the host, then rollback: byte for byte, the restore point there' '
	state_of sbx >pre && host_dump sbx >pre.dump &&
	ferry -q env apply sbx fabrikam-tax@1.4.0 &&
	ferry env show sbx --json | jq -e ".state == \"awaiting-signoff\"" &&
	curl -sf "$(env_url sbx)/version" | jq -e "[.packages[].name] | index(\"fabrikam-tax\") != null" &&
	[ "$(db_sum_of sbx)" != "$(cut -d"|" -f3 pre)" ] &&
	ferry env db sbx restore-points --json | jq -e "length >= 1" &&
	ferry -q env rollback sbx &&
	equals "$(state_of sbx)" "$(cat pre)" && equals "$(host_dump sbx)" "$(cat pre.dump)"'

test_expect_success 'apply and sign-off: recorded in the history' '
	ferry -q env apply sbx contoso-reports@1.0.0 && ferry -q env signoff sbx &&
	equals "$(ferry env history sbx --json | jq -r ".[0] | .package + \" \" + .state")" "contoso-reports succeeded" &&
	curl -sf "$(env_url sbx)/version" | jq -e "[.packages[].name] | index(\"contoso-reports\") != null"'

test_expect_success 'its service outlives ferry and ferry'"'"'s connections (a reboot of ferry'"'"'s machine)' '
	url=$(env_url sbx) && pid=$(ferry env show sbx --json | jq .pid) &&
	ctl=$(dirname "$(ls -d "$FERRY_HOME"/hosts/ctl 2>/dev/null || ls -d "${TMPDIR:-/tmp}"/ferry-ssh-0-* | head -1)") &&
	for p in $(masters "$FERRY_HOME") $(masters "${TMPDIR:-/tmp}/ferry-ssh-"); do kill -9 "$p"; done &&
	rm -rf "$FERRY_HOME/hosts/ctl" &&
	curl -sf "$url/health" >/dev/null &&
	ferry env status sbx --json | jq -e ".state == \"running\" and .healthy == true and .pid == $pid"'

test_expect_success 'through ferryd: the hosts, an environment created on host c' '
	tok=$(ferry token create t --role admin --json | jq -r .token) &&
	{ "$FERRYD" --home "$FERRY_HOME" --port 0 --port-file ferryd.port >ferryd.log 2>&1 </dev/null &
	  echo $! >ferryd.pid; } &&
	for _ in $(seq 1 200); do [ -s ferryd.port ] && break; sleep 0.05; done &&
	srv="http://127.0.0.1:$(cat ferryd.port)" &&
	FERRY_TOKEN=$tok ferry --server "$srv" host list --json | jq -e "map(.name) == [\"local\", \"a\", \"b\", \"c\"]" &&
	FERRY_TOKEN=$tok ferry --server "$srv" host show c --json | jq -e ".dir == \"$H3_DIR\"" &&
	FERRY_TOKEN=$tok ferry --server "$srv" host check c --json | jq -e ".ok" &&
	FERRY_TOKEN=$tok ferry --server "$srv" -q env create dev --project contoso --role development --app 7.3 --platform PU12 --host c &&
	kill "$(cat ferryd.pid)" && rm ferryd.pid &&
	ferry -q env deploy dev --package ledger-app@7.3.0 &&
	ferry env show dev --json | jq -e ".runtimes.main.host == \"c\" and .runtime == \"running\""'

test_expect_success 'env rm: nothing of it is left on the host' '
	dir=$(ferry env show dev --json | jq -r .runtimes.main.dir) && on_exists 3 "$dir/current" &&
	ferry -q env rm dev && ! on_exists 3 "$dir" &&
	ferry host show c --json | jq -e ".runtimes == []"'
hosts_clean
test_done
