#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0417: service updates on a cadence, for real with the sample application and ferryd,
# on a settable clock (test-clock). The catalog's 10.0.0 (PU24) and 10.0.1 (PU25) are
# the ledger's two service-update packages: ferryd notifies 5 days ahead, updates the
# sandbox in its window, production a week later once the sandbox took it; a sandbox
# rolled back holds production (the release-candidate rule). The calendar, settings,
# pauses (one in a row) through the CLI and the API.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t04-upgrade.lib"
. "$FERRY_SRC/tests/e2e/t05-ferryd.inc"

CLOCK="$SCRATCH/clock"
export FERRY_TEST_CLOCK="$CLOCK"
echo 2026-01-01T00:00:00Z >"$CLOCK"
mkdir -p hooks
"$TOOLS/httpsink" hooks http.port & SINK_PIDS="$!"
for i in $(seq 1 100); do [ -s http.port ] && break; sleep 0.05; done
test_cleanup_hook='stop_all; [ -n "$FERRYD_PID" ] && kill -TERM $FERRYD_PID 2>/dev/null; wait 2>/dev/null'

wait_for() { # wait_for SECONDS CMD...: bounded, never an assertion by itself
	local n=$(( $1 * 5 )) i
	shift
	for i in $(seq 1 $n); do "$@" && return 0; sleep 0.2; done
	return 1
}
run_state() { store_sql "SELECT state FROM update_runs WHERE version = '$1' AND env = '$2'"; }
run_is() { [ "$(run_state "$1" "$2")" = "$3" ]; }
hook_count() { cat hooks/*.json 2>/dev/null | jq -s "[.[] | select(.data.version == \"$1\" and .data.environment == \"$2\" and .event == \"$3\")] | length"; }
hook_is() { [ "$(hook_count "$1" "$2" "$3")" = "$4" ]; }
platform() { ferry env show "$1" --json | jq -r .platform; }
u81() { # u81 NAME ROLE: an environment of contoso on 8.1 (PU20), running
	ferry env create "$1" --project contoso --role "$2" --app 8.1 --platform PU20 >/dev/null &&
	up_release ledger-app-8.1 &&
	ferry --quiet env deploy "$1" --from-dir "$SCRATCH/rel/ledger-app-8.1" >/dev/null
}

test_expect_success 'setup: sandbox and production on 8.1, the two service updates in the asset library' '
	ferry init >/dev/null && ferry project create contoso >/dev/null &&
	ferry key generate vendor >/dev/null && ferry key trust vendor --project contoso >/dev/null &&
	up_packages ledger-app-8.1 ledger-service-update-10.0.0 ledger-service-update-10.0.1 &&
	u81 sbx sandbox && u81 prod production &&
	ferry notify add --project contoso --webhook http://127.0.0.1:$(cat http.port)/ >/dev/null'

test_expect_success 'settings: the production window, its time zone, the package, enabled' '
	ferry update settings --project contoso --window "sat 03:00 4h" --tz +01:00 \
		--package ledger-service-update --enable --json |
	jq -e ".window == \"sat 03:00 4h\" and .tz == \"+01:00\" and .sandbox_lead_days == 7 and .enabled and .pause_role == \"admin\""'
test_expect_code 2 'a bad time zone is refused' 'ferry update settings --project contoso --tz "Mars/Olympus"'
test_expect_code 2 'a bad window is refused' 'ferry update settings --project contoso --window "someday"'

test_expect_success 'the calendar: 10.0.0 on the sandbox a week before production' '
	ferry update calendar --project contoso --json >cal &&
	jq -e ".[0].version == \"10.0.0\" and .[0].platform == \"PU24\" and .[0].ga == \"2026-01-15\" and
	       .[0].sandbox.date == \"2026-01-10T02:00:00Z\" and .[0].production.date == \"2026-01-17T02:00:00Z\" and
	       .[1].version == \"10.0.1\" and (.[0].sandbox.environments[0].env == \"sbx\")" cal'

test_expect_code 5 'two pauses in a row are refused, the rule named' '
	ferry update pause --project contoso --version 10.0.2 >/dev/null &&
	ferry update pause --project contoso --version 10.0.3 2>err; rc=$?; cat err;
	grep -q "max_consecutive_pauses" err; exit $rc'
test_expect_success 'a pause shows in the calendar; resume' '
	ferry update calendar --project contoso -n 3 --json | jq -e ".[2].paused and .[2].production.date == null" &&
	ferry update resume --project contoso --version 10.0.2 >/dev/null &&
	ferry update calendar --project contoso -n 3 --json | jq -e ".[2].paused | not"'

FERRY_NODE_ID=node-a ferryd_start --housekeep-interval 1 || exit 1
ADMIN=$(ferry token create admin --role admin --json | jq -r .token)
OPER=$(ferry token create op --role operator --json | jq -r .token)

test_expect_success 'the API shows the same calendar' '
	expect_status 200 "$ADMIN" GET "/api/projects/contoso/service-updates?count=2" &&
	jq -e "map(.version) == [\"10.0.0\", \"10.0.1\"]" "$SCRATCH/resp"'
test_expect_success 'an operator may not pause (pause_role admin)' '
	expect_status 422 "$OPER" POST /api/projects/contoso/service-updates/10.0.3/pause &&
	grep -q "admin role" "$SCRATCH/resp" ||
	{ cat "$SCRATCH/resp"; jq -e ".error.message | test(\"admin role\")" "$SCRATCH/resp"; }'

test_expect_success 'five days ahead: the notices' '
	echo 2026-01-05T03:00:00Z >"$CLOCK" &&
	wait_for 30 hook_is 10.0.0 sbx scheduled 1 && run_is 10.0.0 sbx scheduled &&
	! run_is 10.0.0 prod scheduled'

test_expect_success 'in the sandbox window: the sandbox takes 10.0.0 (PU24) for real' '
	echo 2026-01-10T02:30:00Z >"$CLOCK" &&
	wait_for 60 run_is 10.0.0 sbx succeeded && equals "$(platform sbx)" PU24 &&
	equals "$(platform prod)" PU20 && wait_for 20 hook_is 10.0.0 sbx completed 1 &&
	store_sql "SELECT action FROM audit_log WHERE actor = '\''ferryd'\'' AND target = '\''sbx'\''" | grep -qx update.succeeded'

test_expect_success 'the sandbox validated by its users: signed off' 'ferry env signoff sbx >/dev/null'

test_expect_success 'a week later: production takes it, the sandbox having succeeded' '
	echo 2026-01-12T03:00:00Z >"$CLOCK" && wait_for 30 hook_is 10.0.0 prod scheduled 1 &&
	echo 2026-01-17T02:30:00Z >"$CLOCK" &&
	wait_for 60 run_is 10.0.0 prod succeeded && equals "$(platform prod)" PU24 &&
	wait_for 20 hook_is 10.0.0 prod completed 1 && ferry env signoff prod >/dev/null'

test_expect_success '10.0.1 on the sandbox, then rolled back by its users' '
	echo 2026-04-11T02:30:00Z >"$CLOCK" &&
	wait_for 60 run_is 10.0.1 sbx succeeded && equals "$(platform sbx)" PU25 &&
	ferry env rollback sbx >/dev/null && equals "$(platform sbx)" PU24 &&
	wait_for 30 run_is 10.0.1 sbx rolled-back'

test_expect_success 'production is held by the release-candidate rule, and told so' '
	echo 2026-04-18T02:30:00Z >"$CLOCK" &&
	wait_for 30 run_is 10.0.1 prod held && equals "$(platform prod)" PU24 &&
	wait_for 20 hook_is 10.0.1 prod failed 1 &&
	cat hooks/*.json | jq -s -e "map(select(.data.version == \"10.0.1\" and .data.environment == \"prod\" and .event == \"failed\"))[0].subject | test(\"release-candidate rule\")"'

test_expect_success 'each notice and outcome was sent once' '
	hook_is 10.0.0 sbx scheduled 1 && hook_is 10.0.0 prod scheduled 1 && hook_is 10.0.0 sbx completed 1 &&
	hook_is 10.0.0 prod completed 1 && hook_is 10.0.1 sbx completed 1'
test_done
