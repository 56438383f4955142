#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0705: two ferryd (two nodes) on one PostgreSQL store. A runs an operation; A is killed
# (SIGKILL) in the middle of a step; its lease stops being renewed, B takes the
# operation over after the expiry and completes it at that step. From the operation
# journal: the job is not lost, no step that had succeeded ran again, and the one that
# was cut ran exactly once more.
. "$(dirname "$0")/lib.sh"

if [ -z "${FERRY_PG:-}" ]; then
  echo "1..0 # SKIP no PostgreSQL server (FERRY_PG; tests/run.sh starts one)"
  exit 0
fi
: "${FERRYD:?run through tests/run.sh (FERRYD unset)}"
. "$FERRY_PG/env"
db="ft_t0705_$$"
createdb "$db" || { echo "Bail out! createdb failed"; exit 1; }
export FERRY_STORE="postgresql:///$db?host=$PGHOST&port=$PGPORT&user=$PGUSER"
export FERRY_LEASE_TTL_MS=1500
PIDS=()
test_cleanup_hook='for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done; dropdb --force "$db"'
pgq() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }

# start_node NAME: ferryd with its own home and node id on a free port; NAME.url, NAME.pid.
start_node() {
  local i
  mkdir -p "$SCRATCH/$1"
  ferry --home "$SCRATCH/$1" init >/dev/null
  FERRY_NODE_ID="node-$1" "$FERRYD" --home "$SCRATCH/$1" --port 0 --port-file "$SCRATCH/$1.port" \
    2>>"$SCRATCH/$1.log" &
  PIDS+=($!)
  echo $! >"$SCRATCH/$1.pid"
  for i in $(seq 1 200); do
    [ -s "$SCRATCH/$1.port" ] && break
    sleep 0.05
  done
  [ -s "$SCRATCH/$1.port" ] && echo "http://127.0.0.1:$(cat "$SCRATCH/$1.port")" >"$SCRATCH/$1.url"
}

ferry --home "$SCRATCH/a" init >/dev/null
TOKEN=$(ferry --home "$SCRATCH/a" token create admin --role admin --json | jq -r .token)
start_node a && start_node b || { echo "Bail out! ferryd did not start"; exit 1; }
A=$(cat a.url); B=$(cat b.url)
get() { curl -sf -H "Authorization: Bearer $TOKEN" "$1/api/operations/$2"; }

test_expect_success 'node a runs a job; it is killed in the middle of a step' '
  curl -sf -X POST -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
    -d "{\"ticks\": 40, \"tick_ms\": 100}" "$A/api/selftest" >resp &&
  id=$(jq -r .activity_id resp) && echo "$id" >op &&
  for i in $(seq 1 600); do
    get "$B" "$id" | jq -e ".steps[] | select(.name == \"work\" and .state == \"running\")" >/dev/null && break
    sleep 0.05
  done &&
  equals "$(pgq "SELECT lease_node FROM operations WHERE activity_id = '\''$id'\''")" node-a &&
  kill -KILL "$(cat a.pid)" 2>/dev/null && equals "$(get "$B" "$id" | jq -r .state)" running'

test_expect_success 'node b takes it over after the lease expires and completes it' '
  id=$(cat op) &&
  for i in $(seq 1 600); do
    st=$(get "$B" "$id" | jq -r .state); [ "$st" = succeeded ] && break; sleep 0.05
  done &&
  equals "$st" succeeded &&
  grep -q "taking over an operation" b.log && grep -q "$id" b.log &&
  equals "$(pgq "SELECT lease_node FROM operations WHERE activity_id = '\''$id'\''")" node-b'

test_expect_success 'the journal: no step succeeded twice, the cut one ran once more' '
  id=$(cat op) && get "$B" "$id" >op.json &&
  equals "$(jq -r "[.steps[] | select(.name != \"work\" and .state == \"succeeded\") | .attempts] | unique | join(\",\")" op.json)" 1 &&
  equals "$(jq -r ".steps[] | select(.name == \"work\") | .state + \" \" + (.attempts | tostring)" op.json)" "succeeded 2" &&
  dir=$(pgq "SELECT params FROM operations WHERE activity_id = '\''$id'\''" | jq -r .dir) &&
  equals "$(grep -c "append-journal: done" "$dir/journal.txt")" 1 &&
  equals "$(pgq "SELECT count(*) FROM operations")" 1'

start_node a2
test_expect_success 'a live node keeps its lease: b never takes a running job of a' '
  A2=$(cat a2.url) &&
  curl -sf -X POST -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
    -d "{\"ticks\": 40, \"tick_ms\": 100}" "$A2/api/selftest" >resp &&
  id=$(jq -r .activity_id resp) &&
  for i in $(seq 1 1200); do
    st=$(get "$B" "$id" | jq -r .state); [ "$st" = succeeded ] && break; sleep 0.05
  done &&
  equals "$st" succeeded &&
  ! grep -q "taking over.*$id" b.log &&
  get "$B" "$id" | jq -e "[.steps[] | select(.state == \"succeeded\") | .attempts] | unique == [1]" >/dev/null'
test_done
