#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0321: SIGKILL at every step boundary of a runbook (FERRY_CRASH_AT), then the
# next command reports the operation interrupted and `op resume` finishes it with
# the same end state as an uninterrupted run.
. "$(dirname "$0")/lib.sh"

ferry init >/dev/null
ferry project create p >/dev/null
ferry env create sb --project p --role sandbox --app 7.3 --platform PU12 >/dev/null
last() { ferry op list --json | jq -r '.[0].activity_id'; }
# The end state of a selftest directory: every file and every row.
state_of() {
  (cd "$1" && for f in hello.txt a.txt b.txt c.txt journal.txt done.txt; do echo "[$f]"; cat "$f"; done
   sqlite3 rows.db "SELECT n, v FROM rows ORDER BY n") | sha256sum
}

test_expect_success 'an uninterrupted run (the reference)' '
  ferry -q op selftest --dir ref --env sb && state_of ref >ref.sum'

for at in prepare prepare:after write-files write-files:b.txt write-files:after \
          insert-rows insert-rows:after append-journal append-journal:after \
          work work:after finish finish:after; do
  d=crash-${at//:/-}
  test_expect_code 137 "SIGKILL at $at" "
    FERRY_CRASH_AT=$at ferry -q op selftest --dir $d --env sb --ticks 5"
  test_expect_success "the next command reports it interrupted; resume finishes ($at)" "
    id=\$(ferry op list --json 2>warn | jq -r '.[0].activity_id') &&
    grep -q \"operation \$id (op.selftest on sb) was interrupted\" warn &&
    grep -q \"during step '${at%%:*}'\" warn &&
    equals \"\$(ferry op show \$id --json | jq -r .state)\" interrupted &&
    equals \"\$(ferry op show \$id --json | jq -r '.steps[] | select(.name==\"${at%%:*}\") | .state')\" interrupted &&
    ferry -q op resume \$id &&
    equals \"\$(ferry op show \$id --json | jq -r .state)\" succeeded &&
    equals \"\$(state_of $d)\" \"\$(cat ref.sum)\" &&
    equals \"\$(grep -c append-journal $d/journal.txt)\" 1"
done

test_expect_success 'a killed run blocks the environment until resumed (no silent restart)' '
  FERRY_CRASH_AT=work ferry -q op selftest --dir blocked --env sb; id=$(last 2>/dev/null)
  ! ferry -q op selftest --dir other --env sb 2>err &&
  grep -q "is interrupted at step .work." err &&
  ferry -q op resume $id'

test_expect_success 'the store is intact after all the kills' '
  equals "$(store_check)" ok'
test_done
