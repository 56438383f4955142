#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0507: maintenance windows: operations scheduled with "at" (API) or --at (CLI, on the
# home or through --server) start on time from ferryd's timer, the project is notified
# ahead (event "scheduled"), a scheduled operation whose prerequisites no longer hold is
# refused with a notification saying why, schedules can be cancelled, and "window"
# takes the project's recurring maintenance window. No timed assertions: ferryd and the
# CLI read the time of schedules from a test clock (FERRY_TEST_CLOCK, test builds) that
# stands still until the test moves it, on a Wednesday (the window below is the weekend).
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t04-upgrade.lib"
. "$FERRY_SRC/tests/e2e/t05-ferryd.inc"
test_cleanup_hook='stop_all; [ -n "$FERRYD_PID" ] && kill -TERM "$FERRYD_PID" 2>/dev/null; wait 2>/dev/null'

# The test clock: a file holding the time; set_clock writes it whole (rename).
export FERRY_TEST_CLOCK="$SCRATCH/clock"
set_clock() { echo "$1" >"$FERRY_TEST_CLOCK.tmp" && mv "$FERRY_TEST_CLOCK.tmp" "$FERRY_TEST_CLOCK"; }
clock_add() { set_clock $(( $(cat "$FERRY_TEST_CLOCK") + $1 * 1000 )); }   # clock_add SECONDS
set_clock "$(( $(date -u -d 2026-11-25T10:00:00Z +%s) * 1000 ))"

up_setup ledger-app-7.3 fabrikam-tax-1.4 ledger-hotfix-kb4051234 >/dev/null || { echo "1..0 # SKIP setup failed"; exit 1; }
mkdir -p hooks
"$TOOLS/httpsink" hooks http.port & SINK_PIDS="$!"
for i in $(seq 1 100); do [ -s http.port ] && break; sleep 0.05; done
ferry notify add --project contoso --webhook "http://127.0.0.1:$(cat http.port)/hook" --events scheduled >/dev/null
OPER=$(new_token oper operator contoso)
ADMIN=$(new_token admin admin)
ferryd_start --notify-before 60 || exit 1

# wait_sched ID: until the schedule leaves scheduled/starting (up to 60 s of real time);
# prints its state.
wait_sched() {
  local s i
  for i in $(seq 1 600); do
    s=$(api "$OPER" GET "/api/schedules/$1" >/dev/null; jq -r .state "$SCRATCH/resp")
    case $s in scheduled|starting) sleep 0.1;; *) echo "$s"; return 0;; esac
  done
  echo timeout
}
# hook_with TEXT: a delivered webhook whose subject contains TEXT.
hook_with() { grep -l -- "$1" hooks/*.json 2>/dev/null | head -1; }

test_expect_success 'an apply scheduled 2 s ahead: 202 with the schedule, nothing started yet' '
  expect_status 202 "$OPER" POST /api/environments/sbx/updates "{\"package\":\"fabrikam-tax@1.4.0\",\"at\":\"+2s\"}" &&
  jq -e ".state == \"scheduled\" and .action == \"env.apply\" and .args.package == \"fabrikam-tax@1.4.0\"" resp &&
  jq -e ".at == \"2026-11-25T10:00:02Z\"" resp &&
  jq -r .id resp >s1 && equals "$(ferry op list --env sbx --json | jq length)" 0'
test_expect_success 'ferryd notifies ahead while the clock stands before the start: nothing runs' '
  wait_for 30 "hook_with \"starts at\" | grep -q ." "the advance notification" &&
  api "$OPER" GET "/api/schedules/$(cat s1)" >/dev/null && jq -e ".state == \"scheduled\"" resp &&
  equals "$(ferry op list --env sbx --json | jq length)" 0'
clock_add 2
test_expect_success 'at the start time ferryd starts it: the operation runs' '
  equals "$(wait_sched "$(cat s1)")" started &&
  act=$(jq -r .activity_id resp) && test -n "$act" &&
  for i in $(seq 1 300); do s=$(ferry op show "$act" --json | jq -r .state); case $s in pending|running) sleep 0.1;; *) break;; esac; done &&
  equals "$s" awaiting-signoff &&
  f=$(hook_with "starts at") && jq -e ".event == \"scheduled\" and .data.outcome == \"upcoming\"" "$f" &&
  store_sql "SELECT count(*) FROM audit_log WHERE action = '\''schedule.start'\'' AND code = 0" | grep -qx 1'
test_expect_success 'prerequisites gone by then: refused, with a notification saying why' '
  expect_status 202 "$OPER" POST /api/environments/sbx/signoff "{\"at\":\"+2s\"}" && id=$(jq -r .id resp) &&
  expect_status 202 "$OPER" POST /api/environments/sbx/signoff && act=$(jq -r .activity_id resp) &&
  wait_for 60 "ferry op show $act --json | jq -e \".state == \\\"succeeded\\\"\" >/dev/null" "the sign-off" &&
  n=$(ferry op list --json | jq length) && clock_add 2 &&
  equals "$(wait_sched "$id")" refused && jq -e ".message | contains(\"nothing to sign off\")" resp &&
  equals "$(ferry op list --json | jq length)" "$n" &&
  wait_for 30 "hook_with \"not started\" | grep -q ." "the refusal notification" && f=$(hook_with "not started") &&
  jq -e ".event == \"scheduled\" and .data.outcome == \"refused\" and (.data.reason | contains(\"nothing to sign off\"))" "$f" &&
  store_sql "SELECT count(*) FROM audit_log WHERE action = '\''schedule.start'\'' AND code <> 0" | grep -qx 1'
test_expect_success 'a cancelled schedule never starts; cancelling twice is 409' '
  expect_status 202 "$OPER" POST /api/environments/sbx/rollback "{\"at\":\"+3s\"}" && id=$(jq -r .id resp) &&
  expect_status 200 "$OPER" DELETE "/api/schedules/$id" && jq -e ".state == \"cancelled\"" resp &&
  expect_status 409 "$OPER" DELETE "/api/schedules/$id" && error_is conflict &&
  n=$(ferry op list --json | jq length) && clock_add 5 && expect_status 200 "$OPER" GET "/api/schedules/$id" &&
  jq -e ".state == \"cancelled\"" resp && equals "$(ferry op list --json | jq length)" "$n"'
test_expect_success 'bad times: 422 unreadable or in the past; no window: refused' '
  expect_status 422 "$OPER" POST /api/environments/sbx/signoff "{\"at\":\"tomorrow\"}" && error_is invalid &&
  expect_status 422 "$OPER" POST /api/environments/sbx/signoff "{\"at\":\"2001-01-01T00:00Z\"}" && error_is invalid &&
  expect_status 422 "$OPER" POST /api/environments/sbx/signoff "{\"at\":\"window\"}" && error_is refused'
test_expect_success 'the maintenance window: set, read, and "window" schedules at its next opening' '
  expect_status 422 "$ADMIN" PUT /api/projects/contoso/maintenance-window "{\"window\":\"someday\"}" &&
  expect_status 200 "$ADMIN" PUT /api/projects/contoso/maintenance-window "{\"window\":\"sat,sun 02:00 4h\"}" &&
  jq -e ".window == \"sat,sun 02:00 4h\" and .next_start == \"2026-11-28T02:00:00Z\"" resp && next=$(jq -r .next_start resp) &&
  expect_status 202 "$OPER" POST /api/environments/prod/updates "{\"package\":\"fabrikam-tax@1.4.0\",\"at\":\"window\"}" &&
  jq -e --arg n "$next" ".at == \$n and .window_end == \"2026-11-28T06:00:00Z\"" resp &&
  expect_status 200 "$OPER" DELETE "/api/schedules/$(jq -r .id resp)"'
test_expect_success 'inside the window, "window" means now; after it closes, the next weekend' '
  set_clock "$(( $(date -u -d 2026-11-29T03:00:00Z +%s) * 1000 ))" &&
  expect_status 200 "$ADMIN" GET /api/projects/contoso/maintenance-window &&
  jq -e ".next_start == \"2026-11-29T02:00:00Z\" and .next_end == \"2026-11-29T06:00:00Z\"" resp &&
  set_clock "$(( $(date -u -d 2026-11-29T06:00:00Z +%s) * 1000 ))" &&
  expect_status 200 "$ADMIN" GET /api/projects/contoso/maintenance-window &&
  jq -e ".next_start == \"2026-12-05T02:00:00Z\"" resp &&
  set_clock "$(( $(date -u -d 2026-11-25T10:01:00Z +%s) * 1000 ))"'
test_expect_success 'the CLI on the home: --at records it on the same clock; ferryd starts it' '
  ferry --at +1s --json env apply sbx ledger-hotfix-kb4051234@1.0.0 >s.json &&
  jq -e ".state == \"scheduled\" and .action == \"env.apply\" and .actor == \"cli\" and .at == \"2026-11-25T10:01:01Z\"" s.json &&
  api "$OPER" GET "/api/schedules/$(jq -r .id s.json)" >/dev/null && jq -e ".state == \"scheduled\"" resp &&
  clock_add 1 && equals "$(wait_sched "$(jq -r .id s.json)")" started'
test_expect_success 'the CLI through --server: --at sends "at"; the schedule lists' '
  FERRY_TOKEN=$OPER "$FERRY" --server "$URL" --at +1h env apply sbx fabrikam-tax@1.4.0 >out &&
  contains "$(cat out)" "Scheduled env.apply on" &&
  FERRY_TOKEN=$OPER "$FERRY" --server "$URL" --json schedule list >l.json &&
  jq -e ".[0].state == \"scheduled\" and .[0].actor == \"token:oper\"" l.json'
ferryd_stop
test_done
