#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0415: housekeeping runs by itself. With ferryd running (two nodes on one store) and
# `upgrade settings --expiry 3s`, an unattended prepared upgrade expires without any
# CLI command: it is cancelled, the original kept, the project is notified, the expiry
# is audited and logged; each housekeeping period ran on exactly one node.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t04-upgrade.lib"
. "$FERRY_SRC/tests/e2e/t05-ferryd.inc"

mkdir -p hooks
"$TOOLS/httpsink" hooks http.port & SINK_PIDS="$!"
for i in $(seq 1 100); do [ -s http.port ] && break; sleep 0.05; done
B_PID=
test_cleanup_hook='stop_all; [ -n "$FERRYD_PID" ] && kill -TERM $FERRYD_PID 2>/dev/null;
  [ -n "$B_PID" ] && kill -TERM $B_PID 2>/dev/null; wait 2>/dev/null'

# wait_for SECONDS CMD...: run CMD every 0.2 s until it succeeds (bounded, never an assertion by itself).
wait_for() {
	local n=$(( $1 * 5 )) i
	shift
	for i in $(seq 1 $n); do "$@" && return 0; sleep 0.2; done
	return 1
}
phase_is() { equals "$(store_sql "SELECT phase FROM upgrades ORDER BY id DESC LIMIT 1")" "$1" 2>/dev/null; }

test_expect_success 'setup: production and sandbox on 7.3, refreshed, rehearsed; a webhook' '
	up_setup && ferry db refresh --from prod --to sbx >/dev/null && up_rehearse &&
	ferry notify add --project contoso --webhook http://127.0.0.1:$(cat http.port)/ >/dev/null'

# two ferryd on the store, housekeeping every second (started outside test bodies: a body
# runs in a subshell that would wait for them)
FERRY_NODE_ID=node-a ferryd_start --housekeep-interval 1 --log-level debug || exit 1
FERRY_NODE_ID=node-b "$FERRYD" --home "$FERRY_HOME" --port 0 --housekeep-interval 1 \
	--log-level debug 2>>"$SCRATCH/b.log" </dev/null >/dev/null & B_PID=$!
test_expect_success 'both nodes run the housekeeping timer' '
	wait_for 10 grep -q "housekeeping ran" "$SCRATCH/b.log" "$FERRYD_LOG" &&
	wait_for 10 grep -q "listening" "$SCRATCH/b.log"'

ORIG=$(env_url sbx)
test_expect_success 'an unattended prepared upgrade with a 3 s expiry' '
	ferry upgrade begin sbx --to 8.1 >/dev/null && equals "$(phase sbx)" prepared &&
	ferry upgrade settings --project contoso --expiry 3s --json | jq -e ".expiry_s == 3"'

test_expect_success 'it expires without any CLI command: cancelled, the original kept' '
	wait_for 60 phase_is cancelled &&
	store_sql "SELECT reason FROM upgrades ORDER BY id DESC LIMIT 1" | grep -q "expired: not committed within 3 s" &&
	equals "$(version_of "$ORIG")" 7.3'

test_expect_success 'its notification arrives' '
	wait_for 20 sh -c "cat hooks/*.json 2>/dev/null | jq -s -e \"map(select(.data.environment == \\\"sbx\\\" and (.subject | test(\\\"expired\\\")))) | length >= 1\" >/dev/null" &&
	cat hooks/*.json | jq -s -e "map(select(.subject | test(\"expired\"))) | length == 1"'

test_expect_success 'the expiry is audited (once, by ferryd) and logged' '
	equals "$(store_sql "SELECT actor || '\'' '\'' || target FROM audit_log WHERE action = '\''housekeeping.expired-cancelled'\''")" "ferryd sbx" &&
	cat "$FERRYD_LOG" "$SCRATCH/b.log" | grep "msg=housekeeping " | grep -c "action=expired-cancelled" | grep -qx 1'

ferryd_stop >/dev/null # node a stops (outside a body: ferryd_stop waits for it)
test_expect_success 'node b takes the housekeeping over when node a stops' '
	wait_for 20 grep -q "housekeeping ran" "$SCRATCH/b.log"'
kill -TERM $B_PID && wait $B_PID; B_PID=

test_expect_success 'each housekeeping period ran on exactly one node' '
	cat "$FERRYD_LOG" "$SCRATCH/b.log" | grep "housekeeping ran" | sed -n "s/.* run=\([0-9]*\).*/\1/p" | sort -n >runs &&
	test "$(wc -l <runs)" -ge 4 && test -z "$(uniq -d runs)" &&
	equals "$(store_sql "SELECT runs FROM periodic_jobs WHERE name = '\''upgrade.housekeep'\''")" "$(tail -1 runs)"'

test_expect_success 'housekeep-interval 0 turns it off' '
	"$FERRYD" --home "$FERRY_HOME" --housekeep-interval 0 --check-config | grep -qx "housekeep-interval = 0"'
test_done
