#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0712: PostgreSQL goes away under running jobs (the test's own server, stopped with
# pg_ctl -m immediate and started again).
#  - a short outage (within the lease's time to live): the runner rides it out, the job
#    continues as if nothing happened, and no line of its step log is lost;
#  - a long outage (5 s, the lease lives 1.5 s): the runner gives up, and the job is not
#    stranded: it is taken over and completed (or, when the runner could still mark it
#    interrupted, resumable at once) without restarting ferryd;
#  - a restart under two nodes: node b, idle, keeps pooled connections the server closed;
#    its first transactions after the restart (the takeover of a's job when a died
#    meanwhile) succeed: stale connections are opened again, not failed.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t07-nodes.lib"

op_of() { pgq "SELECT id FROM operations WHERE activity_id = '$1'"; }
step_log() { pgq "SELECT log FROM operation_steps WHERE op_id = $(op_of "$1") AND name = '$2'"; }
state_of() { pgq "SELECT state FROM operations WHERE activity_id = '$1'"; }
job() { api a POST /api/selftest "$1" | jq -r .activity_id; }

node_start a FERRY_LEASE_TTL_MS=10000 || { echo "Bail out! ferryd did not start"; exit 1; }
test_expect_success 'short outage: the job rides it out and its log keeps every line' '
  id=$(job "{\"ticks\": 30, \"tick_ms\": 100, \"log_ticks\": true}") && echo "$id" >short &&
  wait_until 300 "step_log $id work | grep -q \"tick 3 of 30\"" &&
  pg_down && sleep 1.5 && pg_up &&
  wait_until 300 "[ \"\$(state_of $id)\" = succeeded ]" &&
  step_log "$id" work >work.log &&
  equals "$(grep -c "^tick [0-9]* of 30\$" work.log)" 30 &&
  equals "$(grep "^tick" work.log | sort -u | wc -l)" 30 &&
  equals "$(pgq "SELECT attempts FROM operation_steps WHERE op_id = $(op_of "$id") AND name = '\''work'\''")" 1'

node_kill a TERM
node_start a FERRY_LEASE_TTL_MS=1500 || { echo "Bail out! ferryd did not restart"; exit 1; }
test_expect_success 'long outage: the job is not stranded; it completes without a ferryd restart' '
  pid=$(node_pid a) &&
  id=$(job "{\"ticks\": 40, \"tick_ms\": 100}") && echo "$id" >long &&
  wait_until 300 "[ \"\$(pgq \"SELECT state FROM operation_steps WHERE op_id = \$(op_of $id) AND name = '\''work'\''\")\" = running ]" &&
  pg_down && sleep 5 && pg_up &&
  wait_until 300 "[ \"\$(state_of $id)\" != running ] || grep -q \"taking over an operation.*operation=$id\" a.log" &&
  if [ "$(state_of "$id")" = interrupted ]; then
    api a POST "/api/operations/$id/resume" >/dev/null
  fi &&
  wait_until 300 "[ \"\$(state_of $id)\" = succeeded ]" &&
  equals "$(node_pid a)" "$pid" && kill -0 "$pid" &&
  op_field a "$id" . >long.json &&
  jq -e "[.steps[] | select(.name != \"work\" and .state == \"succeeded\") | .attempts] | all(. == 1)" long.json &&
  jq -e ".steps[] | select(.name == \"work\") | .attempts <= 2" long.json &&
  equals "$(grep -c "append-journal: done" "$(jq -r .params.dir long.json)/journal.txt")" 1'

# quiesce NAME: stop the node while none of its store connections is inside a statement
# or a transaction (a statement cut by the server's stop would fail rightly).
quiesce() {
  local p i
  p=$(node_pid "$1")
  for i in $(seq 1 100); do
    kill -STOP "$p"
    [ "$(pgq "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'ferry'
      AND datname = '$NODES_DB' AND state <> 'idle'")" = 0 ] && return 0
    kill -CONT "$p"
    sleep 0.05
  done
  echo "node $1 never idle"
  return 1
}

node_start b FERRY_LEASE_TTL_MS=1500 || { echo "Bail out! ferryd b did not start"; exit 1; }
test_expect_success 'a restart under two nodes: b takes a'"'"'s job over on its stale connections' '
  id=$(job "{\"ticks\": 60, \"tick_ms\": 100}") && echo "$id" >restart &&
  wait_until 300 "[ \"\$(pgq \"SELECT state FROM operation_steps WHERE op_id = \$(op_of $id) AND name = '\''work'\''\")\" = running ]" &&
  api b GET /api/operations >/dev/null && quiesce b &&
  pg_down && node_kill a KILL && pg_up && lines=$(wc -l <b.log) &&
  kill -CONT "$(node_pid b)" &&
  wait_until 300 "[ \"\$(op_field b $id .state)\" = succeeded ]" &&
  grep -q "taking over an operation.*operation=$id" b.log &&
  tail -n +"$((lines + 1))" b.log >b.after &&
  ! grep "level=error" b.after'
test_done
