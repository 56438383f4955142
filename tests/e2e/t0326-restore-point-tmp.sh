#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0326: an attempt killed while it takes a restore point leaves a temporary copy
# (<db>.<restore point>.tmp-<pid> and its -journal) beside the restore points. The
# resumed attempt removes the temporary files of dead attempts, and so does listing the
# restore points (housekeeping); a temporary file of a live process is left alone.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t033-servicing.lib"

ferry init >/dev/null
setup_project p
# a 40 MB database, so that the copy takes long enough to be caught in the middle
ferry -q env create sb --project p --role sandbox --app 7.3 --platform PU12 &&
  ferry -q env deploy sb --from-dir "$EX/packages/ledger-app-7.3" >/dev/null &&
  ferry -q env stop sb && "$LEDGERCTL" generate --db "$(env_db sb)" --rows 300 --seed 7 >/dev/null &&
  sqlite3 "$(env_db sb)" "CREATE TABLE padding(b BLOB); WITH RECURSIVE n(i) AS (SELECT 1
    UNION ALL SELECT i + 1 FROM n WHERE i < 40) INSERT INTO padding SELECT randomblob(1000000) FROM n" &&
  ferry -q env start sb || { echo "Bail out! setup failed"; exit 1; }
RPD="$FERRY_HOME/environments/sb/db/restore-points"
tmp_files() { ls "$RPD" "$(dirname "$(env_db sb)")" 2>/dev/null | grep -c '\.tmp-'; }

# kill_in_copy: start an apply, stop it while its temporary copy exists, kill it there.
kill_in_copy() {
  local pid i
  "$FERRY" -q env apply sb fabrikam-tax@1.4.0 >/dev/null 2>&1 &
  pid=$!
  for i in $(seq 1 2000); do
    if ls "$RPD" 2>/dev/null | grep -q "\.tmp-$pid\$"; then
      kill -STOP "$pid"
      if ls "$RPD" | grep -q "\.tmp-$pid\$"; then
        kill -KILL "$pid"; wait "$pid"; echo "$pid" >killed; return 0
      fi
      kill -CONT "$pid"
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.01
  done
  wait "$pid"
  return 1
}

test_expect_success 'an apply killed in the middle of its restore point leaves its temporary copy' '
  for try in 1 2 3 4 5; do
    kill_in_copy && break
    ferry -q env rollback sb || ferry -q op abort "$(last_op sb)" || return 1
  done &&
  test -s killed && ls "$RPD" | grep -q "\.tmp-$(cat killed)\$"'
test_expect_success 'resume completes it and leaves no temporary file' '
  ferry -q op resume "$(last_op sb)" && equals "$(op_state "$(last_op sb)")" awaiting-signoff &&
  equals "$(tmp_files)" 0'
# a process that lives through the next test, and the pid of one that has exited
sleep 600 </dev/null >/dev/null 2>&1 &
LIVE=$!
test_cleanup_hook="kill $LIVE 2>/dev/null; $test_cleanup_hook"
( exit 0 ) & DEAD=$!
wait $DEAD
test_expect_success 'listing restore points removes dead attempts'"'"' files, not a live one'"'"'s' '
  : >"$RPD/app.db.x.tmp-$DEAD" && : >"$RPD/app.db.x.tmp-$DEAD-journal" && : >"$RPD/app.db.y.tmp-$LIVE" &&
  ferry env db sb restore-points --json >list.json &&
  ! test -e "$RPD/app.db.x.tmp-$DEAD" && ! test -e "$RPD/app.db.x.tmp-$DEAD-journal" &&
  test -e "$RPD/app.db.y.tmp-$LIVE" && rm "$RPD/app.db.y.tmp-$LIVE" &&
  ! jq -r ".[].name" list.json | grep -q tmp'
test_expect_success 'the rollback gives the database back, nothing left over' '
  ferry -q env rollback sb && equals "$(tmp_files)" 0'
test_done
