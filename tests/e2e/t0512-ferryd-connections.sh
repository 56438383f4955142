#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0512: ferryd's connections on libmicrohttpd's event loop: 1,500 idle connections from
# three client addresses do not stop /api/health; one address holds at most 512; a
# connection trickling header bytes is closed at the header deadline all the same; 20
# event streams (more than the server's 8 threads) wait without holding a thread and all
# get the next change.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t05-ferryd.inc"

ferry init >/dev/null
ferry project create p1 >/dev/null
ADMIN=$(new_token admin admin)
ferryd_start || exit 1
PORT=$(cat "$SCRATCH/port")

# conns.py: open N connections from SRC to the port, hold them; print how many are still
# open after a moment (refused ones are closed by the server at once), then wait for stdin.
cat >"$SCRATCH/conns.py" <<'EOF'
import socket, sys, select, time
port, n, src = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
socks = []
for _ in range(n):
    s = socket.socket()
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    socks.append(s)
time.sleep(1.0)
r, _, _ = select.select(socks, [], [], 0)
closed = sum(1 for s in r if s.recv(1, socket.MSG_PEEK) == b"")
print(n - closed, flush=True)
sys.stdin.read()
EOF

test_expect_success '1,500 idle connections (3 addresses): /api/health still answers' '
  mkfifo hold &&
  { (for a in 127.0.0.2 127.0.0.3 127.0.0.4; do python3 "$SCRATCH/conns.py" "$PORT" 500 $a >"open.$a" <hold & done; wait) & } &&
  exec 7>hold &&
  for i in $(seq 1 100); do [ -s open.127.0.0.4 ] && [ -s open.127.0.0.2 ] && [ -s open.127.0.0.3 ] && break; sleep 0.1; done &&
  equals "$(( $(cat open.127.0.0.2) + $(cat open.127.0.0.3) + $(cat open.127.0.0.4) ))" 1500 &&
  curl -sf -m 5 "$URL/api/health" >h.json && exec 7>&- && wait && jq -e . h.json'

test_expect_success 'one client address holds at most 512 connections' '
  mkfifo hold2 && (python3 "$SCRATCH/conns.py" "$PORT" 600 127.0.0.5 >open5 <hold2 &) &&
  exec 8>hold2 &&
  for i in $(seq 1 100); do [ -s open5 ] && break; sleep 0.1; done &&
  test "$(cat open5)" -le 512 && test "$(cat open5)" -ge 500 &&
  curl -sf -m 5 "$URL/api/health" >/dev/null && exec 8>&-'

test_expect_success 'trickled header bytes do not extend the 15 s header deadline' '
  python3 - "$PORT" >trickle.txt <<-\EOF
	import socket, sys, time
	s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
	s.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n")
	t0 = time.time()
	try:
	    while time.time() - t0 < 40:
	        s.sendall(b"X-Slow: 1\r\n")
	        s.settimeout(1.0)
	        try:
	            if s.recv(1) == b"":
	                break
	        except socket.timeout:
	            pass
	except OSError:
	    pass
	print(int(time.time() - t0))
	EOF
  test "$(cat trickle.txt)" -ge 14 && test "$(cat trickle.txt)" -lt 30'

test_expect_success '20 event streams wait without holding threads; each gets the next change' '
  pids= &&
  for i in $(seq 1 20); do
    curl -sN -m 20 -H "Authorization: Bearer $ADMIN" "$URL/api/events" >ev.$i & pids="$pids $!"
  done &&
  for i in $(seq 1 100); do [ "$(grep -l connected ev.* 2>/dev/null | wc -l)" = 20 ] && break; sleep 0.1; done &&
  curl -sf -m 5 "$URL/api/health" >/dev/null &&
  expect_status 201 "$ADMIN" POST /api/projects "{\"name\":\"p9\",\"product\":\"finance-operations\"}" &&
  for i in $(seq 1 100); do [ "$(grep -l "\"target\":\"p9\"" ev.* 2>/dev/null | wc -l)" = 20 ] && break; sleep 0.1; done &&
  got=$(grep -l "\"target\":\"p9\"" ev.* | wc -l) && kill $pids && wait $pids
  equals "$got" 20'

curl -sN -m 30 -H "Authorization: Bearer $ADMIN" "$URL/api/events" >"$SCRATCH/ev.last" & LAST=$!
for i in $(seq 1 50); do grep -q connected "$SCRATCH/ev.last" && break; sleep 0.1; done
ferryd_stop; stop_rc=$?
test_expect_success 'SIGTERM with a stream open (suspended): it ends, exit 0' '
  equals "$stop_rc" 0 && wait $LAST; grep -q "msg=stopped" "$FERRYD_LOG"'

test_done
