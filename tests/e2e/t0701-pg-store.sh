#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0701: the state store on PostgreSQL: --store / FERRY_STORE, one store shared by
# several homes (machines), clear refusals for unreachable or empty databases.
. "$(dirname "$0")/lib.sh"

if [ -z "${FERRY_PG:-}" ]; then
  echo "1..0 # SKIP no PostgreSQL server (FERRY_PG; tests/run.sh starts one)"
  exit 0
fi
. "$FERRY_PG/env"
unset FERRY_STORE
db=$(printf 'ft_t0701_%s' "$$")
createdb "$db" && createdb "${db}_empty" || { echo "Bail out! createdb failed"; exit 1; }
test_cleanup_hook='dropdb --force "$db"; dropdb --force "${db}_empty"'
url="postgresql:///$db?host=$PGHOST&port=$PGPORT&user=$PGUSER"
empty="postgresql:///${db}_empty?host=$PGHOST&port=$PGPORT&user=$PGUSER"
pgq() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }

test_expect_success 'init --store URL installs the schema in the database' '
  ferry --home "$SCRATCH/a" --store "$url" init &&
  equals "$(pgq "SELECT count(*) FROM schema_versions WHERE component = '\''core'\''")" 1 &&
  test ! -e "$SCRATCH/a/ferry.db"'
test_expect_success 'a second home on the same store sees the same state' '
  ferry --home "$SCRATCH/b" --store "$url" init &&
  ferry --home "$SCRATCH/a" --store "$url" project create shared &&
  ferry --home "$SCRATCH/b" --store "$url" project show shared --json | jq -e ".name == \"shared\""'
test_expect_success 'FERRY_STORE selects the store like --store' '
  FERRY_STORE="$url" ferry --home "$SCRATCH/b" project list --json | jq -e "map(.name) == [\"shared\"]"'
test_expect_success '--store=URL form and --store after the command' '
  ferry --home "$SCRATCH/b" project list --json --store="$url" | jq -e "length == 1"'
test_expect_success '--store beats FERRY_STORE' '
  FERRY_STORE="postgresql://nobody@127.0.0.1:1/none" ferry --home "$SCRATCH/b" --store "$url" project list --json | jq -e "length == 1"'
test_expect_success 'ids are identity columns, new rows get increasing ids' '
  ferry --home "$SCRATCH/b" --store "$url" project create second &&
  equals "$(pgq "SELECT count(DISTINCT id) FROM projects WHERE id > 0")" 2 &&
  equals "$(pgq "SELECT data_type FROM information_schema.columns WHERE table_name = '\''environments'\'' AND column_name = '\''created_ms'\''")" bigint'
test_expect_code 4 'a duplicate across homes is a conflict (unique violation)' '
  ferry --home "$SCRATCH/b" --store "$url" project create shared'
test_expect_success 'racing creates of one name from two homes: exactly one wins' '
  for i in 1 2 3 4 5 6; do
    ferry -q --home "$SCRATCH/$((i % 2 ? 1 : 2))x" --store "$url" init >/dev/null 2>&1
    ferry -q --home "$SCRATCH/$((i % 2 ? 1 : 2))x" --store "$url" project create race 2>/dev/null &
  done; wait
  equals "$(pgq "SELECT count(*) FROM projects WHERE name = '\''race'\''")" 1'
test_expect_code 7 'an unreachable server is a store error' '
  ferry --home "$SCRATCH/a" --store "postgresql://bob:s3cret@127.0.0.1:1/x" project list'
test_expect_success 'the error names the URL without the password and says what to check' '
  out=$(ferry --home "$SCRATCH/a" --store "postgresql://bob:s3cret@127.0.0.1:1/x?password=s3cret" project list 2>&1);
  contains "$out" "postgresql://bob@127.0.0.1:1/x" && contains "$out" "FERRY_STORE" &&
  ! contains "$out" s3cret >/dev/null'
test_expect_code 7 'a database without ferry schema is refused' '
  ferry --home "$SCRATCH/a" --store "$empty" project list'
test_expect_success 'and the refusal says to run ferry init' '
  out=$(ferry --home "$SCRATCH/a" --store "$empty" project list 2>&1); contains "$out" "ferry init"'
test_expect_success 'a refused command leaves the database unchanged' '
  before=$(pg_dump --data-only -d "$db" | grep -v "^\\\\\\(un\\)\\?restrict " | sha256sum);
  ferry --home "$SCRATCH/a" --store "$url" project create shared 2>/dev/null;
  after=$(pg_dump --data-only -d "$db" | grep -v "^\\\\\\(un\\)\\?restrict " | sha256sum);
  equals "$after" "$before"'
test_expect_code 2 '--store needs a value' 'ferry --store'
test_expect_success '--store PATH keeps SQLite' '
  ferry --home "$SCRATCH/c" --store "$SCRATCH/elsewhere.db" init && test -f "$SCRATCH/elsewhere.db" &&
  ferry --home "$SCRATCH/c" --store "$SCRATCH/elsewhere.db" project list --json | jq -e "length == 0"'
test_done
