#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0327: a restore exchanges the fresh copy with the live database (renameat2
# RENAME_EXCHANGE), renames the old file aside to ".app.db.old-<pid>" and removes it in
# the background, outside the command's time. A restore killed at any moment leaves the
# database old or new, never a mix and never missing; what a killed attempt left (an old
# file aside, or its temporary copy) is removed by the next restore, restore point or
# listing, and a live process's is left alone.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t033-servicing.lib"

ferry init >/dev/null
setup_project p
# 20 MB more than the sample data, so that a kill can land inside a restore
deploy sb p sandbox 7.3 PU12 && ferry -q env stop sb &&
  sqlite3 "$(env_db sb)" "CREATE TABLE padding(b BLOB); WITH RECURSIVE n(i) AS (SELECT 1
    UNION ALL SELECT i + 1 FROM n WHERE i < 20) INSERT INTO padding SELECT randomblob(1000000) FROM n" ||
  { echo "Bail out! setup failed"; exit 1; }
DBD=$(dirname "$(env_db sb)")
RPD="$DBD/restore-points"
olds() { ls -A "$DBD" "$RPD" 2>/dev/null | grep -c -e '\.old-' -e '\.tmp-'; }

test_expect_success 'two restore points of two different states' '
  ferry -q env db sb restore-point a && A=$(dump_sum sb) &&
  "$LEDGERCTL" generate --db "$(env_db sb)" --rows 50 --seed 9 >/dev/null &&
  ferry -q env db sb restore-point b && B=$(dump_sum sb) && ! equals "$A" "$B" >/dev/null &&
  echo "$A" >sum.a && echo "$B" >sum.b'
test_expect_success 'a restore gives the restore point back and leaves nothing aside' '
  ferry -q env db sb restore a && equals "$(dump_sum sb)" "$(cat sum.a)" &&
  wait_for 10 "test \$(olds) = 0" "the old database removed"'
test_expect_success 'replacing a restore point leaves nothing aside either' '
  ferry -q env db sb restore-point a && equals "$(dump_sum sb)" "$(cat sum.a)" &&
  wait_for 10 "test \$(olds) = 0" "the old restore point removed"'

# a process that lives through the next tests, and the pid of one that has exited
sleep 600 </dev/null >/dev/null 2>&1 &
LIVE=$!
test_cleanup_hook="kill $LIVE 2>/dev/null; $test_cleanup_hook"
( exit 0 ) & DEAD=$!
wait $DEAD
test_expect_success 'leftovers of a dead attempt are removed, a live one'"'"'s is kept' '
  cp "$(env_db sb)" "$DBD/.app.db.old-$DEAD" && cp "$(env_db sb)" "$DBD/app.db.tmp-$DEAD" &&
  : >"$RPD/.app.db.a.old-$DEAD" && : >"$DBD/.app.db.old-$LIVE" &&
  ferry -q env db sb restore b && equals "$(dump_sum sb)" "$(cat sum.b)" &&
  ! test -e "$DBD/.app.db.old-$DEAD" && ! test -e "$DBD/app.db.tmp-$DEAD" &&
  test -e "$DBD/.app.db.old-$LIVE" &&
  ferry env db sb restore-points --json >list.json && ! test -e "$RPD/.app.db.a.old-$DEAD" &&
  equals "$(jq -r "[.[].name] | sort | join(\" \")" list.json)" "a b" &&
  rm "$DBD/.app.db.old-$LIVE"'

# kill_restore RP DELAY: `ferry env db sb restore RP` killed (SIGKILL) after DELAY s.
kill_restore() {
  "$FERRY" -q env db sb restore "$1" >/dev/null 2>&1 &
  local pid=$!
  sleep "$2"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}
test_expect_success 'a restore killed at any moment leaves the old or the new database' '
  for d in 0 0.005 0.01 0.02 0.03 0.04 0.05 0.07 0.1 0.15 0.2 0.3; do
    kill_restore a "$d" &&
    s=$(dump_sum sb) && { equals "$s" "$(cat sum.a)" >/dev/null || equals "$s" "$(cat sum.b)"; } &&
    ferry -q env db sb restore b && equals "$(dump_sum sb)" "$(cat sum.b)" || return 1
  done &&
  wait_for 10 "test \$(olds) = 0" "every leftover removed"'
test_expect_success 'the restored database serves' '
  ferry -q env db sb restore a && ferry -q env start sb &&
  curl -sf "$(env_url sb)/health" >/dev/null && equals "$(dump_sum sb)" "$(cat sum.a)"'
test_done
