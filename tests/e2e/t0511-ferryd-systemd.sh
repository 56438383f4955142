#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0511: ferryd as a systemd service and a Prometheus target: --listen HOST:PORT and
# [IPv6]:PORT, --check-config, the config file through libinih, sd_notify (READY,
# WATCHDOG, RELOADING, STOPPING) on a NOTIFY_SOCKET, SIGHUP reloading what may change,
# journald priorities, and /metrics parsed by the Prometheus client library's parser.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t05-ferryd.inc"

ferry init >/dev/null
ferry project create p1 >/dev/null
ADMIN=$(new_token admin admin)

test_expect_success '--check-config prints the configuration in effect and exits 0' '
  printf "listen = [::1]:9555\nworkers = 2\n# a comment\nbody-limit = 4096 ; inline\n" >d.conf &&
  "$FERRYD" --config d.conf --check-config >out &&
  file_contains out "listen = \[::1\]:9555" && file_contains out "workers = 2" &&
  file_contains out "body-limit = 4096" && file_contains out "home = $FERRY_HOME"'
test_expect_success 'listen: HOST:PORT, [IPv6]:PORT, a bare address; flags win over the file' '
  "$FERRYD" --listen 127.0.0.1:9001 --check-config | grep -qx "listen = 127.0.0.1:9001" &&
  "$FERRYD" --listen "[::1]:9002" --check-config | grep -qx "listen = \[::1\]:9002" &&
  "$FERRYD" --listen ::1 --port 9003 --check-config | grep -qx "listen = \[::1\]:9003" &&
  "$FERRYD" --config d.conf --listen localhost:9004 --check-config | grep -qx "listen = localhost:9004"'
test_expect_code 2 'a bad listen address is refused, naming the forms' '
  "$FERRYD" --listen "[::1:9002" --check-config 2>err; rc=$?; cat err; exit $rc'
test_expect_success 'config errors name the file and line; long lines are refused, not cut' '
  printf "workers = 2\nworkers = lots\n" >bad.conf &&
  ! "$FERRYD" --config bad.conf --check-config 2>err && file_contains err "bad.conf:2: workers .lots." &&
  printf "[section]\nworkers = 2\n" >bad.conf &&
  ! "$FERRYD" --config bad.conf --check-config 2>err && file_contains err "bad.conf:2: sections" &&
  printf "store = /%0300d\n" 0 >bad.conf &&
  ! "$FERRYD" --config bad.conf --check-config 2>err && file_contains err "bad.conf:1: line longer"'

# A NOTIFY_SOCKET like systemd's: every datagram ferryd sends, one per line in notify.log.
cat >notify.py <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(300)
open(sys.argv[1] + ".ready", "w").close()
with open(sys.argv[2], "a", buffering=1) as log:
    while True:  # bounded-ok: recv times out (300 s)
        msg = s.recv(4096).decode().replace("\n", " ")
        log.write(msg + "\n")
        if "STOPPING=1" in msg:
            break
PY
python3 notify.py "$SCRATCH/notify.sock" "$SCRATCH/notify.log" &
NOTIFY_PID=$!
for i in $(seq 100); do [ -e notify.sock.ready ] && break; sleep 0.05; done
wait_for() { # wait_for FILE PATTERN: up to 10 s
  local i
  for i in $(seq 200); do grep -q -- "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
  echo "no '$2' in $1:"; cat "$1"; return 1
}
printf "listen = 127.0.0.1\nbody-limit = 2048\nworkers = 2\n" >live.conf
NOTIFY_SOCKET="$SCRATCH/notify.sock" WATCHDOG_USEC=400000 ferryd_start --config live.conf || exit 1

test_expect_success 'sd_notify: READY=1 once listening, then WATCHDOG=1 from the tick' '
  wait_for notify.log "READY=1" && wait_for notify.log "WATCHDOG=1" &&
  expect_status 200 "" GET /api/health'
test_expect_success 'SIGHUP: body-limit changes now, workers on restart (logged)' '
  expect_status 413 "$ADMIN" POST /api/projects "{\"name\": \"p$(printf %03000d 0)\"}" &&
  printf "listen = 127.0.0.1\nbody-limit = 8192\nworkers = 3\n" >live.conf &&
  kill -HUP "$FERRYD_PID" && wait_for notify.log "RELOADING=1" &&
  wait_for "$FERRYD_LOG" "msg=reloaded changed=1" &&
  file_contains "$FERRYD_LOG" "key=body-limit from=2048 to=8192" &&
  file_contains "$FERRYD_LOG" "changes on restart only\" key=workers" &&
  expect_status 422 "$ADMIN" POST /api/projects "{\"name\": \"p$(printf %03000d 0)\"}"'
test_expect_success 'SIGHUP with a broken file keeps the configuration in use' '
  printf "body-limit = tiny\n" >live.conf && kill -HUP "$FERRYD_PID" &&
  wait_for "$FERRYD_LOG" "reload failed" &&
  expect_status 422 "$ADMIN" POST /api/projects "{\"name\": \"p$(printf %03000d 0)\"}"'

# Work for the metrics: an engine selftest run as a job (steps with durations).
test_expect_success 'an operation runs as a job' '
  expect_status 202 "$ADMIN" POST /api/selftest "{}" &&
  act=$(jq -r .activity_id resp) && for i in $(seq 200); do
    expect_status 200 "$ADMIN" GET "/api/operations/$act" >/dev/null &&
    jq -e ".state == \"succeeded\"" resp >/dev/null && break; sleep 0.05; done &&
  jq -e ".state == \"succeeded\"" resp'
test_expect_success '/metrics: exposition 0.0.4 read by the Prometheus client library' '
  curl -sf -D hdr "$URL/metrics" >metrics.txt &&
  grep -qi "^Content-Type: text/plain; version=0.0.4" hdr &&
  /usr/bin/python3 - metrics.txt >families <<PY
import sys
from prometheus_client.parser import text_string_to_metric_families
for f in text_string_to_metric_families(open(sys.argv[1]).read()):
    for s in f.samples:
        print(f.type, s.name, ",".join("%s=%s" % kv for kv in sorted(s.labels.items())), s.value)
PY
  cat families &&
  grep -q "^counter ferryd_http_requests_total method=GET,route=/api/health,status=200 " families &&
  grep -q "^counter ferryd_http_requests_total method=POST,route=/api/projects,status=413 1.0" families &&
  grep -q "^histogram ferry_step_duration_seconds_count kind=op.selftest,state=succeeded,step=" families &&
  grep -q "^histogram ferry_step_duration_seconds_bucket .*le=+Inf" families &&
  grep -q "^gauge ferry_operations kind=op.selftest,state=succeeded 1.0" families &&
  grep -q "^counter ferry_operations_finished_total kind=op.selftest,state=succeeded 1.0" families &&
  grep -q "^gauge ferry_jobs_queued  0.0" families &&
  grep -q "^counter ferry_lease_takeovers_total  0.0" families &&
  grep -q "^# TYPE ferry_upgrade_downtime_seconds histogram" metrics.txt'
ferryd_stop; stop_rc=$?
wait "$NOTIFY_PID"; notify_rc=$?
test_expect_success 'SIGTERM: STOPPING=1, a clean exit' '
  equals "$stop_rc" 0 && equals "$notify_rc" 0 && wait_for notify.log "STOPPING=1"'

test_expect_success 'under systemd (JOURNAL_STREAM names stderr) lines carry journald priorities' '
  "$FERRYD" --home "$FERRY_HOME" --listen 127.0.0.1:0 --port-file jport 2>journal.log &
  pid=$! && for i in $(seq 200); do [ -s jport ] && break; sleep 0.05; done && kill "$pid"; wait "$pid";
  ! grep -q "^<" journal.log &&
  ( exec 2>journal2.log; JOURNAL_STREAM=$(stat -c "%d:%i" journal2.log) \
      "$FERRYD" --home "$FERRY_HOME" --listen 127.0.0.1:0 --port-file jport2 --log-level debug &
    pid=$!; for i in $(seq 200); do [ -s jport2 ] && break; sleep 0.05; done; kill "$pid"; wait "$pid" ) &&
  grep -q "^<6>ts=.* msg=listening" journal2.log && grep -q "^<6>ts=.* msg=stopped" journal2.log'
test_expect_success 'log-level warn drops info lines' '
  "$FERRYD" --home "$FERRY_HOME" --listen 127.0.0.1:0 --port-file wport --log-level warn 2>warn.log &
  pid=$! && for i in $(seq 200); do [ -s wport ] && break; sleep 0.05; done && kill "$pid"; wait "$pid";
  test -s wport && ! grep -q "level=info" warn.log'
test_done
