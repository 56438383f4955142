#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0508: ferryd against hostile requests and a failing store, route by route: every JSON
# body with a duplicate key is 400 before any handler runs; a control character in the
# URL (encoded, in a path segment or an argument) is 400, never a shortened name; health
# is readiness (503 while the store is down) and /api/live liveness; the home and the
# store files are private, and ferryd warns at start when they are not.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t05-ferryd.inc"

umask 022   # as a user's shell has it: privacy must not depend on the umask
ferry init >/dev/null
ferry project create contoso >/dev/null
ferry env create contoso-uat --project contoso --role sandbox --app 7.3 --platform PU20 >/dev/null
ADMIN=$(new_token admin admin)
ferryd_start || exit 1
"$FERRYD" --routes >routes

# path_with PATTERN VALUE: the route's path with every {param} replaced by VALUE.
path_with() { sed -E "s/\{[a-z]+\}/$2/g" <<<"$1"; }

test_expect_success 'a duplicate key in a JSON body is 400 on every route that takes a token' '
  before=$(store_state) && n=0 &&
  while read -r method path role; do
    [ "$role" = none ] && continue
    [ "$method $path" = "POST /api/assets" ] && continue   # the body is the package file
    p=$(path_with "$path" contoso-uat)
    st=$(api "$ADMIN" "$method" "$p" "{\"name\": \"x\", \"name\": \"y\", \"check\": true}")
    [ "$st" = 400 ] || { echo "$method $p: $st"; cat "$SCRATCH/resp"; return 1; }
    jq -e ".error.message | test(\"duplicate\")" "$SCRATCH/resp" >/dev/null || { cat "$SCRATCH/resp"; return 1; }
    n=$((n + 1))
  done <routes &&
  test "$n" -ge 60 && equals "$(store_state)" "$before"'
test_expect_success 'the same bodies without the duplicate get past parsing (control)' '
  expect_status 201 "$ADMIN" POST /api/projects "{\"name\": \"fabrikam\"}" &&
  expect_status 400 "$ADMIN" POST /api/projects "{\"name\": \"f2\", \"name\": \"f3\"}" &&
  expect_status 404 "$ADMIN" GET /api/projects/f3 && expect_status 404 "$ADMIN" GET /api/projects/f2'

test_expect_success 'GET /api/environments/contoso-uat%00zzz is 400, not contoso-uat' '
  expect_status 200 "$ADMIN" GET /api/environments/contoso-uat &&
  expect_status 400 "$ADMIN" GET /api/environments/contoso-uat%00zzz && error_is invalid &&
  jq -e ".error.message | contains(\"%00\")" "$SCRATCH/resp"'
test_expect_success 'every control character, in every path parameter of every route, is 400' '
  before=$(store_state) && n=0 &&
  while read -r method path role; do
    case $path in *"{"*) ;; *) continue;; esac
    for c in %00 %01 %09 %0a %0D %1f %7F; do
      st=$(api "$ADMIN" "$method" "$(path_with "$path" "contoso-uat$c")")
      [ "$st" = 400 ] || { echo "$method $path with $c: $st"; cat "$SCRATCH/resp"; return 1; }
      n=$((n + 1))
    done
  done <routes &&
  test "$n" -ge 300 && equals "$(store_state)" "$before"'
test_expect_success 'and in query arguments, on public routes and without a token too' '
  expect_status 400 "$ADMIN" GET "/api/environments?project=contoso%00x" &&
  expect_status 400 "" GET "/api/health?probe=%0a" &&
  expect_status 400 "" GET "/api/projects/contoso%00" &&
  expect_status 200 "$ADMIN" GET "/api/environments?project=contoso" &&
  expect_status 404 "$ADMIN" GET "/api/environments/contoso-uat%2500" &&
  expect_status 414 "$ADMIN" GET "/api/environments/$(printf "%0600d" 0)"'

test_expect_success 'health: 200 with the store; live: 200' '
  expect_status 200 "" GET /api/health &&
  jq -e ".status == \"ok\" and .store.ok == true and .store.backend == \"$STORE_BACKEND\"" "$SCRATCH/resp" &&
  expect_status 200 "" GET /api/live && jq -e ".status == \"ok\" and (.store | not)" "$SCRATCH/resp"'
# The store down: this test's database stops taking connections and loses the ones it had.
pg_admin() { psql -X -q -At -v ON_ERROR_STOP=1 -d postgres -c "$1"; }
test_expect_success PG 'the store down: health 503 (other routes 503 too), live 200; back up: health 200' '
  expect_status 200 "" GET /api/health &&
  pg_admin "ALTER DATABASE $TEST_DB ALLOW_CONNECTIONS false" >/dev/null &&
  pg_admin "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\''$TEST_DB'\''" >/dev/null &&
  st=$(api "" GET /api/health); cp "$SCRATCH/resp" down.json;
  live=$(api "" GET /api/live); other=$(api "$ADMIN" GET /api/projects);
  pg_admin "ALTER DATABASE $TEST_DB ALLOW_CONNECTIONS true" >/dev/null &&
  equals "$st $live $other" "503 200 503" &&
  jq -e ".status == \"unavailable\" and .store.ok == false and (.store.error | length > 0)" down.json &&
  expect_status 200 "" GET /api/health && expect_status 200 "$ADMIN" GET /api/projects'

test_expect_success 'init makes the home 0700 and the store 0600 whatever the umask' '
  equals "$(stat -c %a "$FERRY_HOME")" 700 &&
  if [ "$STORE_BACKEND" = sqlite ]; then
    for f in "$FERRY_HOME"/ferry.db*; do equals "$(stat -c %a "$f")" 600 || return 1; done &&
    test -e "$FERRY_HOME/ferry.db-wal"   # ferryd holds it open: the WAL is there, private
  fi'
# ferryd restarts at the top level (a test body runs in a subshell).
ferryd_stop
chmod 755 "$FERRY_HOME" && if [ "$STORE_BACKEND" = sqlite ]; then chmod 644 "$FERRY_HOME/ferry.db"; fi
: >"$FERRYD_LOG"
ferryd_start || exit 1
test_expect_success 'a loosened home: ferryd warns at start, naming each path and the fix' '
  expect_status 200 "" GET /api/health &&
  file_contains "$FERRYD_LOG" "level=warn msg=\"the ferry home is not private\"" &&
  file_contains "$FERRYD_LOG" "$FERRY_HOME is mode 0755" && file_contains "$FERRYD_LOG" "chmod 700 $FERRY_HOME" &&
  if [ "$STORE_BACKEND" = sqlite ]; then
    file_contains "$FERRYD_LOG" "ferry.db is mode 0644" && file_contains "$FERRYD_LOG" "chmod 600 $FERRY_HOME/ferry.db"
  fi'
ferryd_stop
test_expect_success 'init makes an existing home private again' '
  ferry init >/dev/null && equals "$(stat -c %a "$FERRY_HOME")" 700'
if [ "$STORE_BACKEND" = sqlite ]; then chmod 600 "$FERRY_HOME"/ferry.db*; fi
: >"$FERRYD_LOG"
ferryd_start || exit 1
test_expect_success 'a private home: no warning' '
  expect_status 200 "" GET /api/health && ! grep -q "not private" "$FERRYD_LOG"'
ferryd_stop
test_done
