#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0503: live events: /api/events streams changes as Server-Sent Events, respects the
# token's project scope, resumes from Last-Event-ID, and ends when ferryd stops.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t05-ferryd.inc"

ferry init >/dev/null
ferry project create p1 >/dev/null
ferry project create p2 >/dev/null
ADMIN=$(new_token admin admin)
V1=$(new_token v1 viewer p1)
ferryd_start || exit 1

# wait_for FILE PATTERN: until the stream file holds the pattern (bounded: 10 s).
wait_for() {
  local i
  for i in $(seq 1 200); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
  echo "no '$2' in $1:"; cat "$1"; return 1
}
stream() { # stream FILE TOKEN [LAST-ID]: follow /api/events into FILE in the background
  curl -sN -H "Authorization: Bearer $2" ${3:+-H "Last-Event-ID: $3"} "$URL/api/events" >"$1" 2>/dev/null &
}

stream all.sse "$ADMIN"; ALL=$!
stream p1.sse "$V1"; P1=$!
test_expect_success 'a stream opens with a retry hint' 'wait_for all.sse "^retry: " && wait_for p1.sse "^retry: "'
test_expect_code 22 'events need a token' 'curl -sf "$URL/api/events" >/dev/null'
test_expect_success 'a change is published to streams as an event with id, type and data' '
  expect_status 200 "$ADMIN" PATCH /api/projects/p2 "{\"allow_unsigned\":true}" &&
  aid=$(grep -i "^X-Activity-Id:" resp.h | tr -d "\r" | cut -d" " -f2) &&
  wait_for all.sse "\"activity_id\":\"$aid\"" &&
  grep -B2 "\"activity_id\":\"$aid\"" all.sse | grep -q "^event: change" &&
  grep "\"activity_id\":\"$aid\"" all.sse | sed "s/^data: //" |
    jq -e ".action == \"project.set\" and .project == \"p2\" and .actor == \"token:admin\" and .seq > 0"'
test_expect_success 'a token scoped to p1 sees p1 events and not p2 events' '
  expect_status 200 "$ADMIN" PATCH /api/projects/p1 "{\"allow_unsigned\":true}" &&
  aid=$(grep -i "^X-Activity-Id:" resp.h | tr -d "\r" | cut -d" " -f2) &&
  wait_for p1.sse "$aid" && wait_for all.sse "$aid" &&
  ! grep -q "\"project\":\"p2\"" p1.sse'
test_expect_success 'failed changes are not published' '
  expect_status 409 "$ADMIN" POST /api/projects "{\"name\":\"p1\"}" &&
  aid=$(jq -r .error.activity_id resp) &&
  expect_status 200 "$ADMIN" PATCH /api/projects/p2 "{\"allow_unsigned\":false}" &&
  aid2=$(grep -i "^X-Activity-Id:" resp.h | tr -d "\r" | cut -d" " -f2) &&
  wait_for all.sse "$aid2" && ! grep -q "$aid" all.sse'
test_expect_success 'Last-Event-ID resumes after the given event' '
  first=$(grep -m1 "^id: " all.sse | cut -d" " -f2) &&
  stream resumed.sse "$ADMIN" "$first" && R=$! &&
  last=$(grep "^id: " all.sse | tail -1 | cut -d" " -f2) &&
  wait_for resumed.sse "^id: $last\$" && ! grep -q "^id: $first\$" resumed.sse &&
  grep -q "^id: $((first + 1))\$" resumed.sse; kill $R'
ferryd_stop; stop_rc=$?
test_expect_success 'SIGTERM with open streams: streams end, exit 0' '
  equals "$stop_rc" 0 && wait $ALL; wait $P1; grep -q "msg=stopped" "$FERRYD_LOG"'
test_done
