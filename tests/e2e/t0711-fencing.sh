#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0711: fencing tokens. Two ferryd nodes on one PostgreSQL store; node a runs a job whose
# step runs child processes (like a step's scripts); a is paused (SIGSTOP of ferryd and of
# its children: a paused machine) past the lease's time to live; b takes the job over.
# Then a is continued (ferryd first, its children only afterwards), in three variants:
# b finished the job first; b finished it and started a new job on the environment; b
# is still in the step. Each time a's writes are refused (the journal, the operation
# and the environment equal what b left), a kills its step's processes and starts no
# new one (nothing runs on both nodes at once), and the job's journal is that of one
# takeover.
. "$(dirname "$0")/lib.sh"
export FERRY_LEASE_TTL_MS=1500
. "$FERRY_SRC/tests/e2e/t07-nodes.lib"

node_start a && node_start b || { echo "Bail out! ferryd did not start"; exit 1; }
ferry init >/dev/null && ferry project create p >/dev/null &&
  ferry env create e --project p --role sandbox --app 7.3 --platform PU12 >/dev/null ||
  { echo "Bail out! setup failed"; exit 1; }
JOB='{"env": "e", "ticks": 6, "tick_ms": 100, "children": 3, "env_state": true}'

# pause NAME: stop ferryd, then each of its children; their pids go to NAME.kids.
pause() {
  local p c
  p=$(node_pid "$1")
  kill -STOP "$p"
  : >"$1.kids"
  for c in $(ps -o pid= --ppid "$p"); do kill -STOP "$c" && echo "$c" >>"$1.kids"; done
  [ -s "$1.kids" ]
}
# resume_fenced NAME ID: continue ferryd alone; it must find itself fenced and kill its
# stopped children before anyone continues them.
resume_fenced() {
  local c left=0
  kill -CONT "$(node_pid "$1")"
  wait_until 150 "grep -q 'job stopped: another node took the operation over.*operation=$2' $1.log"
  local rc=$?
  for c in $(cat "$1.kids"); do
    if kill -0 "$c" 2>/dev/null && [ "$(ps -o stat= -p "$c" | cut -c1)" != Z ]; then
      left=1; echo "child $c of $1 still there after $1 was continued"; kill -CONT "$c"
    fi
  done
  [ $rc = 0 ] && [ $left = 0 ]
}
snapshot() {
  pgq "SELECT id, activity_id, state, error, lease_pid, lease_token, lease_node, lease_epoch,
    lease_job, started_ms, ended_ms, updated_ms FROM operations ORDER BY id"
  pgq "SELECT s::text FROM operation_steps s ORDER BY op_id, seq"
  pgq "SELECT name || ' ' || state || ' ' || updated_ms FROM environments ORDER BY name"
}
start_job() {
  api "$1" POST /api/selftest "$2" | jq -r .activity_id >"$3" &&
    op_field "$1" "$(cat "$3")" .params.dir >"$3.dir"
}
# a's job is in its first child process when a is paused; b takes it over.
a_paused_in_step() {
  start_job a "$JOB" "$1" && dir=$(cat "$1.dir") &&
  wait_until 300 "grep -q '^node-a 1 1 ' $dir/work.log" && pause a &&
  grep -c '^node-a ' "$dir/work.log" >"$1.a-lines" &&
  wait_until 300 "[ \"\$(pgq \"SELECT lease_node FROM operations WHERE activity_id = '$(cat "$1")'\")\" = node-b ]"
}
# Nothing of a's after the pause, b's three children complete, one after the other.
work_log_ok() {
  local log; log="$(cat "$1.dir")/work.log"
  equals "$(grep -c '^node-a ' "$log")" "$(cat "$1.a-lines")" &&
  ! grep -q '^node-a [23] ' "$log" &&
  equals "$(grep '^node-b ' "$log" | cut -d' ' -f2,3 | tr '\n' ,)" \
    "1 1,1 2,1 3,1 4,1 5,1 6,2 1,2 2,2 3,2 4,2 5,2 6,3 1,3 2,3 3,3 4,3 5,3 6," &&
  equals "$(sed -n '/^node-b /,$p' "$log" | grep -c '^node-a ')" 0
}
# The journal of one takeover: every step once, the cut one twice (the operations
# rows hold no lease expiry: a live runner's heartbeat moves it).
one_takeover() {
  op_field b "$(cat "$1")" . >"$1.json" &&
  jq -e '.state == "succeeded"' "$1.json" >/dev/null &&
  equals "$(jq -r '[.steps[] | select(.state != "skipped") | "\(.name)=\(.attempts)"] | join(" ")' "$1.json")" \
    "prepare=1 write-files=1 insert-rows=1 append-journal=1 work=2 finish=1" &&
  equals "$(grep -c 'append-journal: done' "$(cat "$1.dir")/journal.txt")" 1
}

test_expect_success 'variant 1: b finishes the job while a is paused' '
  a_paused_in_step j1 &&
  wait_until 300 "[ \"\$(op_field b \$(cat j1) .state)\" = succeeded ]" &&
  snapshot >j1.before && grep -q "^e deployed " j1.before'
test_expect_success 'variant 1: a, continued, is fenced: it writes nothing and kills its step processes' '
  resume_fenced a "$(cat j1)" && snapshot >j1.after && cmp j1.before j1.after'
test_expect_success 'variant 1: nothing ran on both nodes; the journal is one takeover' '
  work_log_ok j1 && one_takeover j1 &&
  test "$(pgq "SELECT lease_epoch FROM operations WHERE activity_id = '\''$(cat j1)'\''")" -ge 3'

test_expect_success 'variant 2: b finishes the job and starts a new one on the environment' '
  a_paused_in_step j2 &&
  wait_until 300 "[ \"\$(op_field b \$(cat j2) .state)\" = succeeded ]" &&
  start_job b "{\"env\": \"e\", \"ticks\": 40, \"tick_ms\": 100, \"children\": 1, \"env_state\": true}" j3 &&
  wait_until 300 "grep -q \"^node-b 1 1 \" $(cat j3.dir)/work.log" &&
  snapshot >j2.before && grep -q "^e servicing " j2.before'
test_expect_success 'variant 2: a, continued, is fenced: its old job, the new job and the environment are untouched' '
  resume_fenced a "$(cat j2)" && snapshot >j2.after && cmp j2.before j2.after &&
  equals "$(op_field b "$(cat j3)" .state)" running'
test_expect_success 'variant 2: the new job completes; the old one is one takeover' '
  wait_until 300 "[ \"\$(op_field b \$(cat j3) .state)\" = succeeded ]" &&
  equals "$(ferry env show e --json | jq -r .state)" deployed &&
  work_log_ok j2 && one_takeover j2 &&
  op_field b "$(cat j3)" . | jq -e "[.steps[] | select(.state == \"succeeded\") | .attempts] | all(. == 1)"'

test_expect_success 'variant 3: a is continued while b is in the step' '
  a_paused_in_step j4 &&
  wait_until 300 "grep -q \"^node-b 1 1 \" $(cat j4.dir)/work.log" &&
  resume_fenced a "$(cat j4)" &&
  equals "$(op_field b "$(cat j4)" ".steps[] | select(.name == \"work\") | .state")" running'
test_expect_success 'variant 3: b completes; nothing ran on both nodes; one takeover' '
  wait_until 300 "[ \"\$(op_field b \$(cat j4) .state)\" = succeeded ]" &&
  work_log_ok j4 && one_takeover j4 &&
  equals "$(ferry env show e --json | jq -r .state)" deployed'

test_expect_success 'the paused node works on: it runs a new job to the end' '
  start_job a "{\"env\": \"e\", \"ticks\": 2}" j5 &&
  wait_until 300 "[ \"\$(op_field a \$(cat j5) .state)\" = succeeded ]"'
test_done
