#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0713: a node that crashes and restarts before its lease expires does not block the
# takeover. Two ferryd nodes on one PostgreSQL store with the default 30 s lease; node a
# is killed (SIGKILL) in the middle of a job's step and restarted at once: its start-up
# marks the job interrupted, and node b continues it right away (not after the lease),
# at the interrupted step; a does not run it again. An operation run by the CLI and
# interrupted stays for its operator to resume (no node picks it up).
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t07-nodes.lib"

node_start a && node_start b || { echo "Bail out! ferryd did not start"; exit 1; }
ferry init >/dev/null && ferry project create p >/dev/null &&
  ferry env create e1 --project p --role sandbox --app 7.3 --platform PU12 >/dev/null &&
  ferry env create e2 --project p --role sandbox --app 7.3 --platform PU12 >/dev/null ||
  { echo "Bail out! setup failed"; exit 1; }
op_state() { pgq "SELECT state FROM operations WHERE activity_id = '$1'"; }
step_state() {
  pgq "SELECT s.state FROM operation_steps s JOIN operations o ON o.id = s.op_id
    WHERE o.activity_id = '$1' AND s.name = '$2'"
}

test_expect_code 137 'an operation run by the CLI is killed in a step' '
  FERRY_CRASH_AT=work ferry -q op selftest --dir cli-run --env e2 --ticks 5'
test_expect_success 'the CLI reports it interrupted' '
  ferry op list --json 2>warn | jq -r ".[0].activity_id" >cli-op &&
  grep -q "was interrupted" warn && equals "$(op_state "$(cat cli-op)")" interrupted'

test_expect_success 'node a runs a job; a is killed in the step and restarted at once' '
  api a POST /api/selftest "{\"env\": \"e1\", \"ticks\": 30, \"tick_ms\": 100}" | jq -r .activity_id >job &&
  id=$(cat job) &&
  wait_until 300 "[ \"\$(step_state $id work)\" = running ]" &&
  node_kill a KILL && lines=$(cat a.log | wc -l) && echo "$lines" >a.lines && node_start a &&
  wait_until 100 "tail -n +$((lines + 1)) a.log | grep -q \"operation needs resuming.*operation=$id\""'
test_expect_success 'node b continues it at once (the 30 s lease does not hold it) and completes it' '
  id=$(cat job) &&
  wait_until 200 "[ \"\$(op_state $id)\" = succeeded ]" &&
  grep -q "taking over an operation.*operation=$id" b.log &&
  ! tail -n +"$(($(cat a.lines) + 1))" a.log | grep -q "job started.*operation=$id" &&
  equals "$(pgq "SELECT lease_node FROM operations WHERE activity_id = '\''$id'\''")" node-b &&
  op_field b "$id" . >job.json &&
  equals "$(jq -r "[.steps[] | select(.state != \"skipped\") | \"\(.name)=\(.attempts)\"] | join(\" \")" job.json)" \
    "prepare=1 write-files=1 insert-rows=1 append-journal=1 work=2 finish=1"'
test_expect_success 'the CLI'"'"'s interrupted operation was left for its operator' '
  equals "$(op_state "$(cat cli-op)")" interrupted &&
  ! grep -q "taking over an operation.*operation=$(cat cli-op)" a.log b.log &&
  ferry -q op resume "$(cat cli-op)" && equals "$(op_state "$(cat cli-op)")" succeeded'
test_done
