#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0507: maintenance windows: operations scheduled with "at" (API) or --at (CLI, on the
# home or through --server) start on time from ferryd's timer, the project is notified
# ahead (event "scheduled"), a scheduled operation whose prerequisites no longer hold is
# refused with a notification saying why, schedules can be cancelled, and "window"
# takes the project's recurring maintenance window. No timed assertions: schedules a few
# seconds ahead, then polls with a generous bound.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t04-upgrade.lib"
. "$FERRY_SRC/tests/e2e/t05-ferryd.inc"
test_cleanup_hook='stop_all; [ -n "$FERRYD_PID" ] && kill -TERM "$FERRYD_PID" 2>/dev/null; wait 2>/dev/null'

up_setup ledger-app-7.3 fabrikam-tax-1.4 ledger-hotfix-kb4051234 >/dev/null || { echo "1..0 # SKIP setup failed"; exit 1; }
mkdir -p hooks
"$TOOLS/httpsink" hooks http.port & SINK_PIDS="$!"
for i in $(seq 1 100); do [ -s http.port ] && break; sleep 0.05; done
ferry notify add --project contoso --webhook "http://127.0.0.1:$(cat http.port)/hook" --events scheduled >/dev/null
OPER=$(new_token oper operator contoso)
ADMIN=$(new_token admin admin)
ferryd_start --notify-before 60 || exit 1

# wait_sched ID: until the schedule leaves scheduled/starting (up to 60 s); prints its state.
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
  jq -r .id resp >s1 && equals "$(ferry op list --env sbx --json | jq length)" 0'
test_expect_success 'ferryd notifies ahead, then starts it on time: the operation runs' '
  equals "$(wait_sched "$(cat s1)")" started &&
  act=$(jq -r .activity_id resp) && test -n "$act" &&
  for i in $(seq 1 300); do s=$(ferry op show "$act" --json | jq -r .state); case $s in pending|running) sleep 0.1;; *) break;; esac; done &&
  equals "$s" awaiting-signoff &&
  f=$(hook_with "starts at") && jq -e ".event == \"scheduled\" and .data.outcome == \"upcoming\"" "$f" &&
  store_sql "SELECT count(*) FROM audit_log WHERE action = '\''schedule.start'\'' AND code = 0" | grep -qx 1'
test_expect_success 'prerequisites gone by then: refused, with a notification saying why' '
  expect_status 202 "$OPER" POST /api/environments/sbx/signoff "{\"at\":\"+2s\"}" && id=$(jq -r .id resp) &&
  expect_status 202 "$OPER" POST /api/environments/sbx/signoff && n=$(ferry op list --json | jq length) &&
  equals "$(wait_sched "$id")" refused && jq -e ".message | contains(\"nothing to sign off\")" resp &&
  equals "$(ferry op list --json | jq length)" "$n" &&
  for i in $(seq 1 100); do f=$(hook_with "not started"); [ -n "$f" ] && break; sleep 0.1; done &&
  jq -e ".event == \"scheduled\" and .data.outcome == \"refused\" and (.data.reason | contains(\"nothing to sign off\"))" "$f" &&
  store_sql "SELECT count(*) FROM audit_log WHERE action = '\''schedule.start'\'' AND code <> 0" | grep -qx 1'
test_expect_success 'a cancelled schedule never starts; cancelling twice is 409' '
  expect_status 202 "$OPER" POST /api/environments/sbx/rollback "{\"at\":\"+3s\"}" && id=$(jq -r .id resp) &&
  expect_status 200 "$OPER" DELETE "/api/schedules/$id" && jq -e ".state == \"cancelled\"" resp &&
  expect_status 409 "$OPER" DELETE "/api/schedules/$id" && error_is conflict'
test_expect_success 'bad times: 422 unreadable or in the past; no window: refused' '
  expect_status 422 "$OPER" POST /api/environments/sbx/signoff "{\"at\":\"tomorrow\"}" && error_is invalid &&
  expect_status 422 "$OPER" POST /api/environments/sbx/signoff "{\"at\":\"2001-01-01T00:00Z\"}" && error_is invalid &&
  expect_status 422 "$OPER" POST /api/environments/sbx/signoff "{\"at\":\"window\"}" && error_is refused'
test_expect_success 'the maintenance window: set, read, and "window" schedules at its next opening' '
  expect_status 422 "$ADMIN" PUT /api/projects/contoso/maintenance-window "{\"window\":\"someday\"}" &&
  expect_status 200 "$ADMIN" PUT /api/projects/contoso/maintenance-window "{\"window\":\"sat,sun 02:00 4h\"}" &&
  jq -e ".window == \"sat,sun 02:00 4h\" and (.next_start | test(\"T02:00:00Z\"))" resp && next=$(jq -r .next_start resp) &&
  expect_status 202 "$OPER" POST /api/environments/prod/updates "{\"package\":\"fabrikam-tax@1.4.0\",\"at\":\"window\"}" &&
  jq -e --arg n "$next" ".at == \$n and (.window_end | test(\"T06:00:00Z\"))" resp &&
  expect_status 200 "$OPER" DELETE "/api/schedules/$(jq -r .id resp)"'
test_expect_success 'the CLI on the home: --at records it; ferryd starts it' '
  ferry --at +1s --json env apply sbx ledger-hotfix-kb4051234@1.0.0 >s.json &&
  jq -e ".state == \"scheduled\" and .action == \"env.apply\" and .actor == \"cli\"" s.json &&
  equals "$(wait_sched "$(jq -r .id s.json)")" started'
test_expect_success 'the CLI through --server: --at sends "at"; the schedule lists' '
  FERRY_TOKEN=$OPER "$FERRY" --server "$URL" --at +1h env apply sbx fabrikam-tax@1.4.0 >out &&
  contains "$(cat out)" "Scheduled env.apply on" &&
  FERRY_TOKEN=$OPER "$FERRY" --server "$URL" --json schedule list >l.json &&
  jq -e ".[0].state == \"scheduled\" and .[0].actor == \"token:oper\"" l.json'
ferryd_stop
test_done
