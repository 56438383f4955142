#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t1104: interruptions with environments on hosts. kill -9 of ferry at a random
# instant (not only step boundaries) of a servicing apply on host a, of the data
# upgrade that moves an environment from host a to host b, and of its rollback; and
# host b losing ssh (its sshd and every session killed) in the middle of the data
# upgrade: the step fails naming the host, nothing is half-applied, and once the host
# is back the resume reaches the end state of an uninterrupted run, with exactly one
# service of each runtime and none left behind. CRASH_ROUNDS rounds of each kind
# (default 1; LONG=1: 6).
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t11-ssh.lib"
: "${CRASH_ROUNDS:=1}"
[ -n "${LONG:-}" ] && CRASH_ROUNDS=6

# Processes of a runtime (its directory on the host), wherever they run.
procs_of() { grep -lzxF "FERRY_SERVICE=$1" /proc/[0-9]*/environ 2>/dev/null | wc -l; }
main_dir() { ferry env show "$1" --json | jq -r .runtimes.main.dir; }
up_dir() { ferry env show "$1" --json | jq -r '.runtimes.upgrade.dir // empty'; }
# What an upgrade's data step must leave: phase, release served at the address, data.
up_state() {
	printf '%s|%s|%s|%s\n' "$(phase "$1")" "$(version_of "$(ferry env show "$1" --json | jq -r .address)")" \
		"$(on 2 sqlite3 "$(ferry env show "$1" --view upgrade --json | jq -r .database)" \
		   "select count(*) from invoices; select count(*) from tax_codes" | tr "\n" " ")" \
		"$(ferry env show "$1" --json | jq -c '{state, app_release}')"
}
# A random delay in seconds below $1 tenths.
rnd() { printf '%d.%03d' $((RANDOM % $1 / 10)) $((RANDOM % 1000)); }
# kill_at DELAY CMD...: run ferry CMD, kill -9 it after DELAY s (if it still runs).
kill_at() {
	local d=$1 pid
	shift
	"$FERRY" -q "$@" >/dev/null 2>&1 & pid=$!
	sleep "$d"
	if kill -9 "$pid" 2>/dev/null; then
		echo "ferry $1 killed after ${d}s" >>"$SCRATCH/kills.log"
	else
		echo "ferry $1 finished within ${d}s" >>"$SCRATCH/kills.log"
	fi
	wait "$pid" 2>/dev/null
	return 0
}
# The operation of env that is not finished, else its newest.
op_step() { ferry op list --env "$1" --json | jq -r '.[0] | .state + " " + (.step // "")'; }
# mid_data ENV PID: the data upgrade (PID) of ENV is in a step that needs the upgrade's
# host, or it ended
mid_data() {
	case "$(op_step "$1")" in
	"running swap-database"|"running swap-address"|"running data-upgrade"|"running sync-packages"|"running start") return 0;;
	esac
	! kill -0 "$2" 2>/dev/null
}
# resume_until_done ENV ACTION: finish the phase ACTION (data, rollback) began. Killed
# after its last step, there is nothing to resume; killed before its operation was
# recorded, nothing happened: run ACTION again; else resume it.
resume_until_done() {
	local i done=data-upgraded
	[ "$2" = rollback ] && done=rolled-back
	for i in 1 2 3; do
		[ "$(phase "$1")" = "$done" ] && return 0
		ferry -q upgrade resume "$1" >/dev/null 2>&1 && continue
		case "$2:$(phase "$1")" in
		data:prepared|rollback:data-upgraded) ferry -q upgrade "$2" "$1" >/dev/null 2>&1;;
		esac
	done
	[ "$(phase "$1")" = "$done" ] || ferry upgrade resume "$1"
}
# sbxN on host a with data, prepared on host b.
prepared() {
	host_env "$1" sandbox a 200 "$2" && ferry -q upgrade begin "$1" --to 8.1 --host b
}

test_expect_success 'setup: hosts, packages, a rehearsal; the reference: an uninterrupted run' '
	ssh_setup ledger-app-7.3 ledger-app-8.1 ledger-data-upgrade-8.1 fabrikam-tax-1.4 &&
	host_env ref sandbox a 200 5 &&
	ferry env create dev --project contoso --role development --app 8.1 --platform PU20 --host c >/dev/null &&
	ferry -q env deploy dev --package ledger-app@8.1.0 &&
	ferry -q db copy --from ref --to dev && ferry -q env data-upgrade dev &&
	ferry -q upgrade begin ref --to 8.1 --host b && ferry -q upgrade data ref &&
	up_state ref >ref.state && cat ref.state &&
	equals "$(cut -d"|" -f1,2 ref.state)" "data-upgraded|8.1"'

for i in $(seq 1 "$CRASH_ROUNDS"); do
	test_expect_success "round $i: kill -9 inside a servicing apply on host a, resume: its end state" '
		host_env s$i sandbox a 100 $i && before=$(db_sum_of s$i) &&
		kill_at "$(rnd 30)" env apply s$i fabrikam-tax@1.4.0 &&
		id=$(ferry op list --env s$i --json | jq -r ".[0].activity_id // empty") &&
		if [ -z "$id" ]; then  # killed before the operation was recorded: nothing happened
			equals "$(db_sum_of s$i)" "$before" && ferry -q env apply s$i fabrikam-tax@1.4.0 &&
			id=$(ferry op list --env s$i --json | jq -r ".[0].activity_id")
		fi &&
		{ [ "$(ferry op show "$id" --json | jq -r .state)" = awaiting-signoff ] || ferry -q op resume "$id"; } &&
		equals "$(ferry op show "$id" --json | jq -r .state)" awaiting-signoff &&
		curl -sf "$(env_url s$i)/version" | jq -e "[.packages[].name] | index(\"fabrikam-tax\") != null" &&
		equals "$(procs_of "$(main_dir s$i)")" 1 &&
		ferry -q env rollback s$i && equals "$(db_sum_of s$i)" "$before" && equals "$(procs_of "$(main_dir s$i)")" 1'

	test_expect_success "round $i: kill -9 inside the data upgrade to host b, resume: the reference's end state" '
		prepared d$i 5 && orig=$(main_dir d$i) &&
		kill_at "$(rnd 60)" upgrade data d$i &&
		resume_until_done d$i data &&
		equals "$(up_state d$i)" "$(cat ref.state)" &&
		equals "$(procs_of "$(up_dir d$i)")" 1 && equals "$(procs_of "$orig")" 0'

	test_expect_success "round $i: kill -9 inside its rollback, resume: the original on host a, byte for byte" '
		kill_at "$(rnd 40)" upgrade rollback d$i &&
		resume_until_done d$i rollback && equals "$(phase d$i)" rolled-back &&
		equals "$(version_of "$(env_url d$i)")" 7.3 &&
		equals "$(ferry env show d$i --json | jq -r .address)" "$(env_url d$i)" &&
		equals "$(procs_of "$(main_dir d$i)")" 1 &&
		! on_exists 2 "$H2_DIR/environments/d$i"'

	test_expect_success "round $i: host b loses ssh in the middle of the data upgrade: the step fails naming it; resumed when it is back" '
		prepared h$i 5 && orig=$(main_dir h$i) &&
		{ "$FERRY" upgrade data h$i >data.out 2>&1 & pid=$!; } &&
		wait_for 120 "mid_data h$i $pid" "the data upgrade of h$i in a step that needs host b" &&
		step=$(op_step h$i) && hosts down "$HD" 2 && echo "host b lost ssh during: $step" >>kills.log &&
		{ ! wait $pid; failed=$?; ferry env show h$i --json >down.json; hosts up "$HD" 2; } &&
		equals "$failed" 0 && cat data.out >&2 && contains "$(cat data.out)" "host .b." &&
		equals "$(op_step h$i | cut -d" " -f1)" failed &&
		jq -e ".runtimes.upgrade.state == \"unreachable\" and .runtimes.main.state != \"unreachable\"" down.json &&
		resume_until_done h$i data &&
		equals "$(up_state h$i)" "$(cat ref.state)" &&
		equals "$(procs_of "$(up_dir h$i)")" 1 && equals "$(procs_of "$orig")" 0'
done
hosts_clean
sed 's/^/# /' "$SCRATCH/kills.log" 2>/dev/null
test_done
