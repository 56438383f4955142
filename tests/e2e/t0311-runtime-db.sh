#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0311: environment databases: restore points and restore byte for byte, online
# copy from a serving environment, refusals.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/tools/runtime-lib.sh"

ferry init >/dev/null
ferry project create contoso >/dev/null
ferry env create prod --project contoso --role production --app 7.3 --platform PU20 >/dev/null
ferry env create sbx --project contoso --role sandbox --app 7.3 --platform PU20 >/dev/null
make_release rel 7.3.0
ferry env deploy prod --from-dir rel >/dev/null
ferry env deploy sbx --from-dir rel --no-start >/dev/null
db() { echo "$(env_dir "$1")/db/app.db"; }
write() { local i; for i in $(seq "$2"); do curl -sf "$(env_url "$1")/write" >/dev/null || return 1; done; }

test_expect_success 'the application writes into its environment database' '
  write prod 40 && equals "$(curl -sf "$(env_url prod)/count")" 40 &&
  equals "$(sqlite3 "$(db prod)" "select count(*) from events")" 40'
test_expect_success 'a restore point of the live database, taken while it serves' '
  sqlite3 "$(db prod)" .dump >before.dump &&
  ferry env db prod checksum >before.sum &&
  ferry env db prod restore-point rp1 &&
  ferry env db prod restore-points --json | jq -e "length == 1 and .[0].name == \"rp1\""'
test_expect_success 'changes after the restore point change the checksum' '
  write prod 10 && sqlite3 "$(db prod)" "create table extra(x); insert into extra values(1); update events set v = \"changed\" where id < 5" &&
  [ "$(ferry env db prod checksum)" != "$(cat before.sum)" ]'
test_expect_code 4 'restore is refused while the application runs' 'ferry env db prod restore rp1'
test_expect_success 'the refused restore changed nothing' '
  equals "$(sqlite3 "$(db prod)" "select count(*) from events")" 50'
test_expect_success 'restore gives back the database byte for byte' '
  ferry env stop prod && ferry env db prod restore rp1 &&
  sqlite3 "$(db prod)" .dump >after.dump && cmp before.dump after.dump &&
  equals "$(ferry env db prod checksum)" "$(cat before.sum)" &&
  equals "$(sqlite3 "$(db prod)" "pragma integrity_check")" ok'
test_expect_success 'the application serves the restored data' '
  ferry env start prod && equals "$(curl -sf "$(env_url prod)/count")" 40'
test_expect_code 3 'restoring an unknown restore point' 'ferry env db prod restore nope'
test_expect_code 2 'an invalid restore point name' 'ferry env db prod restore-point "../x"'

test_expect_success 'online copy while the source keeps serving writes' '
  ( n=0; fail=0; end=$((SECONDS + 120)); while [ ! -e stop.flag ] && [ $SECONDS -lt $end ]; do
      if curl -sf "$(env_url prod)/write" >/dev/null; then n=$((n+1)); else fail=$((fail+1)); fi
    done; echo "$n $fail" >writer.out ) &
  wait_for 60 "[ \"\$(curl -sf $(env_url prod)/count)\" -ge 60 ]" "60 writes"; w=$?;
  ferry env db sbx copy-from prod; rc=$?;
  touch stop.flag; wait;
  equals "$w $rc" "0 0" && equals "$(cut -d" " -f2 writer.out)" 0 &&
  copied=$(sqlite3 "$(db sbx)" "select count(*) from events") &&
  total=$(sqlite3 "$(db prod)" "select count(*) from events") &&
  [ "$copied" -ge 60 ] && [ "$copied" -le "$total" ] &&
  equals "$(sqlite3 "$(db sbx)" "pragma integrity_check")" ok'
test_expect_success 'the copy is a consistent prefix of the source' '
  copied=$(sqlite3 "$(db sbx)" "select count(*) from events");
  equals "$(sqlite3 "$(db sbx)" "select group_concat(v) from (select v from events order by id)")" \
         "$(sqlite3 "$(db prod)" "select group_concat(v) from (select v from events where id <= (select max(id) from events) order by id limit $copied)")"'
test_expect_success 'the target starts on the copied data' '
  ferry env start sbx && equals "$(curl -sf "$(env_url sbx)/count")" "$(sqlite3 "$(db sbx)" "select count(*) from events")"'
test_expect_code 4 'copy into a running environment is refused' 'ferry env db sbx copy-from prod'
test_expect_code 3 'copy from an unknown environment' 'ferry env stop sbx >/dev/null; ferry env db sbx copy-from nope'
test_expect_success 'dump is canonical: equal content, equal dump' '
  ferry env db prod dump >a.txt && ferry env db prod dump >b.txt && cmp a.txt b.txt &&
  grep -q "^table events" a.txt'
test_done
