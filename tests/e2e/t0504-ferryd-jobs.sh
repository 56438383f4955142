#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0504: operations as jobs in ferryd: run, live step events, 409 for a second operation
# on one environment, manual steps, failure and resume, and jobs that survive a SIGKILL
# or a SIGTERM of ferryd: reported at the restart, resumed, never run twice.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t05-ferryd.inc"

ferry init >/dev/null
ferry project create p1 >/dev/null
ferry env create sb1 --project p1 --role sandbox --app 7.3 --platform PU12 >/dev/null
ADMIN=$(new_token admin admin)
OPER=$(new_token oper operator p1)
OPER_ALL=$(new_token oper-all operator)
VIEW=$(new_token view viewer)
ferryd_start || exit 1

# op_wait ID STATE...: poll the operation until it is in one of the states (bounded: 30 s).
op_wait() {
  local id=$1 i st; shift
  for i in $(seq 1 600); do
    st=$(curl -sf -H "Authorization: Bearer $VIEW" "$URL/api/operations/$id" | jq -r .state)
    for want in "$@"; do [ "$st" = "$want" ] && return 0; done
    sleep 0.05
  done
  echo "operation $id is '$st', wanted: $*"; return 1
}
# step_running ID STEP: until the step is running (bounded: 30 s).
step_running() {
  local i
  for i in $(seq 1 600); do
    curl -sf -H "Authorization: Bearer $VIEW" "$URL/api/operations/$1" |
      jq -e --arg s "$2" '.steps[] | select(.name == $s and .state == "running")' >/dev/null && return 0
    sleep 0.05
  done
  echo "step $2 of $1 never ran"; return 1
}

curl -sN -H "Authorization: Bearer $VIEW" "$URL/api/events" >events.sse 2>/dev/null &
test_expect_success 'POST /api/selftest queues the runbook as a job (202) and it succeeds' '
  expect_status 202 "$ADMIN" POST /api/selftest "{\"ticks\":3}" &&
  id=$(jq -r .activity_id resp) && echo "$id" >op1 &&
  grep -qi "^X-Activity-Id: $id" resp.h && op_wait "$id" succeeded &&
  expect_status 200 "$VIEW" GET "/api/operations/$id" &&
  jq -e "[.steps[] | select(.state == \"succeeded\")] | length >= 5" resp'
test_expect_success 'its steps were streamed live as events, with durations' '
  id=$(cat op1) &&
  for i in $(seq 1 200); do grep -q "\"event\":\"op-finished\".*$id\|$id.*\"event\":\"op-finished\"" events.sse && break; sleep 0.05; done &&
  grep "^data: .*$id" events.sse | sed "s/^data: //" >ev.json &&
  jq -se "map(select(.event == \"step-finished\" and .step == \"work\" and .elapsed_ms >= 0)) | length == 1" ev.json &&
  jq -se "map(select(.event == \"step-progress\")) | length >= 3" ev.json &&
  jq -se "map(select(.event == \"op-finished\" and .state == \"succeeded\")) | length == 1" ev.json'
test_expect_success 'GET /api/operations lists it; the log route returns its steps'"'"' log' '
  expect_status 200 "$VIEW" GET /api/operations && jq -e --arg id "$(cat op1)" "map(.activity_id) | index(\$id) != null" resp &&
  expect_status 200 "$VIEW" GET "/api/operations/$(cat op1)/log" && jq -e ".log | length > 0" resp'
test_expect_success 'the job outcome is audited under the caller' '
  expect_status 200 "$VIEW" GET /api/audit &&
  jq -e --arg id "$(cat op1)" "map(select(.activity_id == \$id and .action == \"op.run\" and .actor == \"token:admin\" and .result == \"ok\")) | length == 1" resp'
test_expect_success 'a second operation on a busy environment: 409 naming the first' '
  expect_status 202 "$ADMIN" POST /api/selftest "{\"env\":\"sb1\",\"manual\":true,\"ticks\":1}" &&
  id=$(jq -r .activity_id resp) && echo "$id" >op2 && op_wait "$id" awaiting-confirmation &&
  expect_status 409 "$ADMIN" POST /api/selftest "{\"env\":\"sb1\"}" && error_is conflict &&
  jq -e --arg id "$id" ".error.message | contains(\$id)" resp'
test_expect_success 'actions: what the caller may do now (the UI renders Abort from it)' '
  id=$(cat op2) &&
  expect_status 200 "$OPER" GET "/api/operations/$id" &&
  jq -e ".actions == [\"rerun-step\", \"complete-step\", \"abort\"]" resp &&
  expect_status 200 "$VIEW" GET "/api/operations/$id" && jq -e ".actions == []" resp &&
  expect_status 200 "$VIEW" GET "/api/operations/$(cat op1)" && jq -e ".state == \"succeeded\" and .actions == []" resp'
test_expect_success 'resume of a waiting operation: 409; confirming its manual step continues it' '
  id=$(cat op2) &&
  expect_status 409 "$OPER" POST "/api/operations/$id/resume" && error_is conflict &&
  expect_status 400 "$OPER" POST "/api/operations/$id/complete-step" "{}" && error_is invalid &&
  expect_status 202 "$OPER" POST "/api/operations/$id/complete-step" "{\"step\":\"confirm\"}" &&
  op_wait "$id" succeeded'
test_expect_success 'a failed step: the operation fails; resume reruns that step and finishes' '
  expect_status 202 "$ADMIN" POST /api/selftest "{\"env\":\"sb1\",\"fail_at\":\"insert-rows\",\"ticks\":1}" &&
  id=$(jq -r .activity_id resp) && op_wait "$id" failed &&
  expect_status 200 "$VIEW" GET "/api/operations/$id" && jq -e ".error | contains(\"injected\")" resp &&
  expect_status 202 "$OPER" POST "/api/operations/$id/resume" && op_wait "$id" succeeded &&
  expect_status 200 "$VIEW" GET "/api/operations/$id" &&
  jq -e ".steps[] | select(.name == \"insert-rows\") | .attempts == 2" resp &&
  jq -e ".steps[] | select(.name == \"write-files\") | .attempts == 1" resp &&
  expect_status 409 "$OPER" POST "/api/operations/$id/resume" && error_is conflict'
test_expect_success 'operation routes: 404 unknown, 403 viewer, 403 other scope' '
  expect_status 404 "$VIEW" GET /api/operations/ffffffff && error_is not-found &&
  expect_status 403 "$VIEW" POST "/api/operations/$(cat op1)/resume" && error_is forbidden &&
  expect_status 403 "$OPER" GET "/api/operations/$(cat op1)" && error_is forbidden &&
  expect_status 403 "$OPER" POST /api/selftest "{}" && error_is forbidden'

# SIGKILL in the middle of a step, then a restart.
expect_status 202 "$ADMIN" POST /api/selftest '{"env":"sb1","ticks":400,"tick_ms":25}' >/dev/null
KID=$(jq -r .activity_id "$SCRATCH/resp")
step_running "$KID" work >/dev/null
kill -KILL "$FERRYD_PID"; wait "$FERRYD_PID" 2>/dev/null; FERRYD_PID=
ferryd_start || exit 1
test_expect_success 'after SIGKILL and a restart the job is reported interrupted, not lost' '
  expect_status 200 "$VIEW" GET "/api/operations/$KID" && jq -e ".state == \"interrupted\" and .step == \"work\"" resp &&
  grep -q "msg=\"operation needs resuming.*operation=$KID" "$FERRYD_LOG"'
test_expect_success 'it is not run again by itself, and the environment stays busy (409)' '
  expect_status 409 "$ADMIN" POST /api/selftest "{\"env\":\"sb1\"}" && error_is conflict &&
  expect_status 200 "$VIEW" GET "/api/operations/$KID" &&
  jq -e ".steps[] | select(.name == \"work\") | .attempts == 1" resp'
test_expect_success 'resumed, it continues at the interrupted step; earlier steps do not run twice' '
  expect_status 202 "$OPER" POST "/api/operations/$KID/resume" && op_wait "$KID" succeeded &&
  expect_status 200 "$VIEW" GET "/api/operations/$KID" &&
  jq -e ".steps[] | select(.name == \"work\") | .attempts == 2" resp &&
  jq -e "[.steps[] | select(.name != \"work\" and .state == \"succeeded\") | .attempts] | all(. == 1)" resp &&
  dir=$(jq -r .params.dir resp) && equals "$(wc -l <"$dir/journal.txt" 2>/dev/null || ls "$dir")" 1'

# SIGTERM while a step runs: the runner stops after the step, the operation is interrupted.
expect_status 202 "$ADMIN" POST /api/selftest '{"ticks":20,"tick_ms":25}' >/dev/null
TID=$(jq -r .activity_id "$SCRATCH/resp")
step_running "$TID" work >/dev/null
ferryd_stop; stop_rc=$?
test_expect_success 'SIGTERM with a running job: clean exit, the operation left interrupted and logged' '
  equals "$stop_rc" 0 && grep -q "job interrupted.*operation=$TID" "$FERRYD_LOG" &&
  equals "$(ferry op show "$TID" --json | jq -r .state)" interrupted'
ferryd_start || exit 1
test_expect_success 'after the restart it is reported and resumes to success' '
  grep -q "operation needs resuming.*operation=$TID" "$FERRYD_LOG" &&
  expect_status 202 "$OPER_ALL" POST "/api/operations/$TID/resume" && op_wait "$TID" succeeded'
ferryd_stop
test_done
