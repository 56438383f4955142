#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0320: the step engine from the command line: list, show, log, failure and
# resume, rerun-step, manual steps, abort, one operation per environment.
. "$(dirname "$0")/lib.sh"

ferry init >/dev/null
ferry project create p >/dev/null
ferry env create sb --project p --role sandbox --app 7.3 --platform PU12 >/dev/null
ferry env create sb2 --project p --role sandbox --app 7.3 --platform PU12 >/dev/null
last() { ferry op list --json | jq -r '.[0].activity_id'; }

test_expect_success 'a selftest runs every step and succeeds' '
  ferry op selftest --dir out1 --env sb >stdout 2>stderr &&
  file_contains stdout "succeeded" &&
  id=$(last) &&
  equals "$(ferry op show $id --json | jq -r .state)" succeeded &&
  equals "$(ferry op show $id --json | jq -r "[.steps[].state] | join(\",\")")" \
    "succeeded,succeeded,succeeded,succeeded,succeeded,skipped,succeeded" &&
  equals "$(cat out1/done.txt)" "done: 100 rows" &&
  equals "$(sqlite3 out1/rows.db "SELECT COUNT(*) FROM rows")" 100'

test_expect_success 'op show prints the steps; --json has attempts and durations' '
  id=$(last) &&
  out=$(ferry op show ${id:0:8}) &&
  contains "$out" "insert-rows  *succeeded" &&
  contains "$out" "confirm  *skipped" &&
  equals "$(ferry op show $id --json | jq "[.steps[] | select(.attempts == 1 and .duration_ms >= 0)] | length")" 6'

test_expect_success 'op log shows every step, or one' '
  id=$(last) &&
  contains "$(ferry op log $id)" "== write-files (succeeded, 1 attempt)" &&
  contains "$(ferry op log $id insert-rows)" "100 rows in" &&
  ! contains "$(ferry op log $id insert-rows)" "wrote a.txt" >/dev/null'

test_expect_code 3 'op log of an unknown step names the operation' '
  ferry op log $(last) no-such-step'

test_expect_code 1 'a failing step fails the operation, naming step and activity ID' '
  ferry op selftest --dir out2 --env sb --fail-at insert-rows --fail-times 2 2>err; rc=$?
  cat err; id=$(last)
  grep -q "step .insert-rows. failed: injected failure" err &&
  grep -q "activity ID: $id" err && grep -q "(activity $id)" err || exit 9
  exit $rc'

test_expect_success 'the failed operation is listed as failed at its step' '
  equals "$(ferry op list --env sb --json | jq -r ".[0] | .state + \"/\" + .step")" failed/insert-rows &&
  equals "$(ferry op list --env sb2 --json | jq length)" 0'

test_expect_code 4 'a second operation on the environment is refused, naming the first' '
  id=$(last); before=$(store_sum)
  ferry op selftest --dir out3 --env sb 2>err; rc=$?
  grep -q "already has an operation in progress: op.selftest (activity $id) is failed at step .insert-rows." err &&
  equals "$(store_sum)" "$before" && [ ! -e out3 ] || exit 9
  exit $rc'

test_expect_success 'another environment is not blocked' '
  ferry -q op selftest --dir other --env sb2'

test_expect_success 'resume continues at the failed step until it succeeds' '
  id=$(ferry op list --env sb --json | jq -r ".[0].activity_id")
  ! ferry op resume $id 2>/dev/null &&
  ferry op resume ${id:0:8} >out &&
  file_contains out succeeded &&
  equals "$(ferry op show $id --json | jq ".steps[] | select(.name==\"insert-rows\") | .attempts")" 3 &&
  equals "$(ferry op show $id --json | jq ".steps[] | select(.name==\"write-files\") | .attempts")" 1 &&
  contains "$(ferry op log $id insert-rows)" "attempt 3" &&
  equals "$(sqlite3 out2/rows.db "SELECT COUNT(*) FROM rows")" 100'

test_expect_code 4 'resuming a finished operation is a conflict' '
  ferry op resume $(ferry op list --env sb --json | jq -r ".[0].activity_id")'

test_expect_success 'a manual step parks the operation awaiting confirmation' '
  ferry op selftest --dir out4 --env sb --manual >out &&
  file_contains out "complete-step" &&
  id=$(last) &&
  equals "$(ferry op show $id --json | jq -r ".state + \"/\" + .step")" awaiting-confirmation/confirm &&
  [ ! -e out4/done.txt ]'

test_expect_code 4 'resume does not confirm a manual step' '
  ferry op resume $(last)'

test_expect_code 2 'complete-step refuses a step that is not manual' '
  ferry op complete-step $(last) work'

test_expect_success 'rerun-step runs a finished step again and parks again' '
  id=$(last) &&
  ferry -q op rerun-step $id work &&
  equals "$(ferry op show $id --json | jq -r ".state")" awaiting-confirmation &&
  equals "$(ferry op show $id --json | jq ".steps[] | select(.name==\"work\") | .attempts")" 2'

test_expect_code 4 'rerun-step refuses a step that has not run' '
  ferry op rerun-step $(last) finish'

test_expect_success 'complete-step confirms it and the operation finishes' '
  id=$(last) &&
  ferry -q op complete-step $id confirm &&
  equals "$(ferry op show $id --json | jq -r .state)" succeeded &&
  equals "$(ferry op show $id --json | jq -r ".steps[] | select(.name==\"confirm\") | .confirmed_by")" cli &&
  equals "$(cat out4/confirmed.txt)" confirmed'

test_expect_success 'abort cleans up and frees the environment' '
  ! ferry -q op selftest --dir out5 --env sb --fail-at work 2>/dev/null &&
  id=$(last) && [ -e out5/a.txt ] &&
  ferry op abort $id >out && file_contains out Aborted &&
  [ ! -e out5 ] &&
  equals "$(ferry op show $id --json | jq -r .state)" aborted &&
  ferry -q op selftest --dir out6 --env sb'

test_expect_code 5 'abort is refused where the operation does not allow it' '
  ferry -q op selftest --dir out7 --env sb --fail-at work --no-abort 2>/dev/null
  id=$(last); ferry op abort $id 2>err; rc=$?
  grep -q "only be resumed" err && equals "$(ferry op show $id --json | jq -r .state)" failed || exit 9
  exit $rc'

test_expect_code 2 'an ambiguous or malformed reference is a usage error' '
  ferry op show xyz'

test_expect_code 3 'an unknown operation is not found' '
  ferry op show 0000000'

test_expect_success 'no progress lines when stderr is not a terminal' '
  ferry op selftest --dir out8 --env sb2 >out 2>err &&
  ! grep -q "\[1/7\]" err && grep -q "Started operation" err'

test_expect_success 'a running operation cannot be resumed, aborted or doubled' '
  "$FERRY" -q op selftest --dir slow --env sb2 --ticks 400 --tick-ms 25 & bg=$!
  for i in $(seq 1 200); do
    [ "$(ferry op list --env sb2 --json | jq -r ".[0].state")" = running ] && break; sleep 0.05; done
  id=$(ferry op list --env sb2 --json | jq -r ".[0].activity_id")
  ferry op resume $id 2>e1; r1=$?
  ferry op abort $id 2>e2; r2=$?
  ferry op selftest --dir slow2 --env sb2 2>e3; r3=$?
  wait $bg && equals "$r1$r2$r3" 444 &&
  grep -q "is being run by process $bg" e1 && grep -q "is being run by process" e2 &&
  grep -q "is running at step" e3 &&
  equals "$(ferry op show $id --json | jq -r .state)" succeeded'

test_expect_success 'op list filters by environment and --json is an array' '
  equals "$(ferry op list --env sb2 --json | jq -r ".[0].env")" sb2 &&
  [ "$(ferry op list --json | jq length)" -ge 6 ]'
test_done
