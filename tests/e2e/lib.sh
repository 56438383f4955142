# SPDX-License-Identifier: MIT
# lib.sh: the end-to-end test library, after git's test-lib: each test file sources
# it, gets a fresh scratch directory and ferry home, and reports TAP.
#   test_expect_success 'what' 'commands'
#   test_expect_failure_code N 'what' 'command'   (command must exit with N)
#   test_done
set -u
: "${FERRY:?run through tests/run.sh (FERRY unset)}"
TEST_NAME=$(basename "$0" .sh)
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/ferry-$TEST_NAME.XXXXXX")
export FERRY_HOME="$SCRATCH/home"
export HOME="$SCRATCH"
cd "$SCRATCH" || exit 1

# The state store: SQLite in $FERRY_HOME, or with FERRY_TEST_PG (the directory of a
# scripts/pg-start.sh server; tests/run.sh sets it) a fresh PostgreSQL database for
# this file, dropped at the end. Tests reach the store only through store_sql,
# store_sum and store_check below, so they pass on both.
STORE_BACKEND=sqlite
TEST_DB=
unset FERRY_STORE
if [ -n "${FERRY_TEST_PG:-}" ]; then
  . "$FERRY_TEST_PG/env" || exit 1
  STORE_BACKEND=postgresql
  TEST_DB=$(printf 'ft_%s_%s' "$TEST_NAME" "$$" | tr -c 'a-zA-Z0-9_' '_' | tr 'A-Z' 'a-z' | cut -c1-60)
  createdb "$TEST_DB" || { echo "Bail out! cannot create PostgreSQL database $TEST_DB"; exit 1; }
  export FERRY_STORE="postgresql:///$TEST_DB?host=$PGHOST&port=$PGPORT&user=$PGUSER"
fi
test_count=0
test_fail=0
trap 'test_cleanup' EXIT

test_cleanup() {
  [ -n "${test_cleanup_hook:-}" ] && eval "$test_cleanup_hook"
  stop_tracked
  cd /
  if [ "$test_fail" -eq 0 ] && [ -z "${FERRY_KEEP_SCRATCH:-}" ]; then
    rm -rf "$SCRATCH"
    [ -n "$TEST_DB" ] && dropdb --force "$TEST_DB"
  else
    echo "# scratch kept: $SCRATCH"
    [ -n "$TEST_DB" ] && echo "# database kept: $FERRY_STORE"
  fi
  return 0
}

ferry() { "$FERRY" "$@"; }

# Processes a test starts are stopped when the file ends, whatever happened (tests/run.sh
# fails the run on any that outlive it). track_pid PID remembers one, from a test body
# too (a body runs in a subshell, so the list lives in a file); stop_tracked stops them
# all: SIGTERM, a bounded wait, then SIGKILL.
track_pid() { echo "$1" >>"$SCRATCH/.tracked-pids"; }
stop_tracked() {
  local p left i
  [ -s "$SCRATCH/.tracked-pids" ] || return 0
  for p in $(cat "$SCRATCH/.tracked-pids"); do kill -TERM "$p" 2>/dev/null; done
  for i in $(seq 1 100); do
    left=
    for p in $(cat "$SCRATCH/.tracked-pids"); do kill -0 "$p" 2>/dev/null && left="$left $p"; done
    [ -z "$left" ] && break
    sleep 0.05
  done
  for p in $left; do kill -KILL "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -f "$SCRATCH/.tracked-pids"
  return 0
}
# stop_envs: stop every view (main and upgrade runtime) of every environment of the home.
stop_envs() {
  local n s
  for n in $(ferry env list --json 2>/dev/null | jq -r '.[].name'); do
    for s in $(ferry env show "$n" --json 2>/dev/null | jq -r '(.runtimes // {main: 1}) | keys[]'); do
      ferry env stop "$n" --grace 1 --view "$s" >/dev/null 2>&1
    done
  done
  return 0
}

# Prerequisites, after git: `test_expect_success SQLITE 'desc' 'body'` runs only on
# the SQLite store (PG: only on PostgreSQL) and is reported as skipped elsewhere.
test_have_prereq() {
  case "$1" in
    SQLITE) [ "$STORE_BACKEND" = sqlite ];;
    PG) [ "$STORE_BACKEND" = postgresql ];;
    *) echo "Bail out! unknown test prerequisite $1"; exit 1;;
  esac
}
test_skip_() {
  test_count=$((test_count + 1))
  echo "ok $test_count # skip $1 (needs $2)"
}

test_expect_success() {
  if [ $# -eq 3 ]; then
    test_have_prereq "$1" || { test_skip_ "$2" "$1"; return 0; }
    shift
  fi
  local desc=$1 body=$2 out
  test_count=$((test_count + 1))
  out=$(cd "$SCRATCH" && eval "$body" 2>&1)
  local rc=$?
  if [ $rc -eq 0 ]; then
    echo "ok $test_count - $desc"
  else
    test_fail=$((test_fail + 1))
    echo "not ok $test_count - $desc"
    printf '%s\n' "$out" | sed 's/^/#   /'
  fi
}

# test_expect_code [PREREQ] N 'desc' 'command': the command must exit with exactly N.
test_expect_code() {
  if [ $# -eq 4 ]; then
    test_have_prereq "$1" || { test_skip_ "$3" "$1"; return 0; }
    shift
  fi
  local want=$1 desc=$2 body=$3 out rc
  test_count=$((test_count + 1))
  out=$(cd "$SCRATCH" && eval "$body" 2>&1)
  rc=$?
  if [ "$rc" -eq "$want" ]; then
    echo "ok $test_count - $desc"
  else
    test_fail=$((test_fail + 1))
    echo "not ok $test_count - $desc (exit $rc, wanted $want)"
    printf '%s\n' "$out" | sed 's/^/#   /'
  fi
}

# wait_for SECONDS 'COMMAND' [WHAT]: run COMMAND every 0.05 s until it succeeds, for at
# most SECONDS; then fail saying what was awaited. Every wait in a test is bounded.
wait_for() {
  local secs=$1 cond=$2 what=${3:-$2} end=$((SECONDS + $1))
  until eval "$cond"; do   # bounded-ok: the deadline is checked in the body
    [ "$SECONDS" -lt "$end" ] || { echo "waited ${secs}s in vain for: $what"; return 1; }
    sleep 0.05
  done
}

# Assertions for use inside bodies.
contains() { grep -q -- "$2" <<<"$1" || { echo "expected to find: $2"; echo "in: $1"; return 1; }; }
file_contains() { grep -q -- "$2" "$1" || { echo "expected $1 to contain: $2"; cat "$1"; return 1; }; }
equals() { [ "$1" = "$2" ] || { echo "expected: '$2'"; echo "got:      '$1'"; return 1; }; }

# store_ready DIR: DIR is an initialised ferry home (on SQLite: holding ferry.db).
store_ready() {
  [ -d "$1" ] || { echo "no home directory $1"; return 1; }
  if [ "$STORE_BACKEND" = postgresql ]; then
    equals "$(store_sql "SELECT count(*) FROM schema_versions WHERE component = 'core'")" 1
  else
    [ -f "$1/ferry.db" ] || { echo "no store $1/ferry.db"; return 1; }
  fi
}

# store_sql 'SQL': run SQL on this test's state store, rows as "a|b" lines. Write
# portable SQL; booleans print as 1/0 on SQLite and t/f on PostgreSQL.
store_sql() {
  if [ "$STORE_BACKEND" = postgresql ]; then
    psql -X -q -At -v ON_ERROR_STOP=1 -d "$TEST_DB" -c "$1"
  else
    sqlite3 "$FERRY_HOME/ferry.db" "$1"
  fi
}

# store_sum: a checksum of the whole store (schema and rows, in a stable order), to
# show that a refused command changed nothing. PostgreSQL sequences are left out: a
# rolled-back insert advances them, and they are not state. The audit log is left out:
# it records refused attempts too.
store_sum() {
  if [ "$STORE_BACKEND" = postgresql ]; then
    { pg_dump --schema-only --no-owner -d "$TEST_DB" | grep -v '^\\\(un\)\?restrict '
      psql -X -At -d "$TEST_DB" -c "SELECT format('SELECT %L, t::text FROM %I t ORDER BY 2;', tablename, tablename)
        FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'audit_log' ORDER BY tablename" | psql -X -At -d "$TEST_DB"
    } | sha256sum | cut -d' ' -f1
  else
    sqlite3 "$FERRY_HOME/ferry.db" .dump | grep -v '^INSERT INTO audit_log' | sha256sum | cut -d' ' -f1
  fi
}

# store_check: print "ok" when the store passes its engine's integrity check
# (SQLite's integrity_check; PostgreSQL's amcheck on every table and index).
store_check() {
  if [ "$STORE_BACKEND" = postgresql ]; then
    pg_amcheck --install-missing --heapallindexed -d "$TEST_DB" >/dev/null && echo ok
  else
    sqlite3 "$FERRY_HOME/ferry.db" "PRAGMA integrity_check"
  fi
}

test_done() {
  echo "1..$test_count"
  [ "$test_fail" -eq 0 ]
}
