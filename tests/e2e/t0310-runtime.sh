#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0310: the local runtime: deploy a release tree, start/stop/restart real processes
# on real ports, stale pid files, readiness failures, SIGKILL after the grace period.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/tools/runtime-lib.sh"

ferry init >/dev/null
ferry project create contoso >/dev/null
ferry env create sbx --project contoso --role sandbox --app 7.3 --platform PU20 >/dev/null
ferry env create dev --project contoso --role development --app 7.3 --platform PU20 >/dev/null
make_release rel1 7.3.0
make_release rel2 7.3.1
make_release rel3 7.3.2

test_expect_code 3 'start refuses an environment with nothing deployed' 'ferry env start sbx'
test_expect_success 'the refusal says how to deploy' '
  out=$(ferry env start sbx 2>&1); contains "$out" "ferry env deploy sbx"'
test_expect_code 2 'deploy needs exactly one source' 'ferry env deploy sbx'
test_expect_success 'deploy refuses a package that is not an application, changing nothing' '
  mkdir isv && echo "{\"name\":\"x\",\"version\":\"1\",\"type\":\"isv\"}" >isv/manifest.json &&
  before=$(store_sum);
  out=$(ferry env deploy sbx --from-dir isv 2>&1); rc=$?;
  equals "$rc" 2 && contains "$out" "not .application." && equals "$(store_sum)" "$before"'

test_expect_success 'deploy installs, starts and health-checks the application' '
  ferry env deploy sbx --from-dir rel1 &&
  equals "$(curl -sf "$(env_url sbx)/version")" "7.3.0" &&
  env_json sbx | jq -e ".state == \"deployed\" and .runtime == \"running\" and (.pid|type) == \"number\""'
test_expect_success 'the environment tree has releases, current, db, config.json, state, logs' '
  d=$(env_dir sbx) &&
  equals "$(readlink "$d/current")" "releases/r1-fixture-app-7.3.0" &&
  test -f "$d/db/app.db" && test -f "$d/state/app.pid" && test -f "$d/logs/app.log" &&
  jq -e ".environment == \"sbx\" and .role == \"sandbox\" and .faults == {} and
         .port == $(env_port sbx) and .database == \"$d/db/app.db\" and
         .release_dir == \"$d/releases/r1-fixture-app-7.3.0\"" "$d/config.json"'
test_expect_success 'release files are read-only' '
  ! test -w "$(env_dir sbx)/releases/r1-fixture-app-7.3.0/bin/app" || [ "$(id -u)" = 0 ] &&
  [ "$(stat -c %a "$(env_dir sbx)/releases/r1-fixture-app-7.3.0/bin/app")" = 555 ]'
test_expect_success 'a second environment gets another port' '
  ferry env deploy dev --from-dir rel1 &&
  [ "$(env_port sbx)" != "$(env_port dev)" ] &&
  curl -sf "$(env_url dev)/health" >/dev/null && curl -sf "$(env_url sbx)/health" >/dev/null'
test_expect_success 'status --json reports running and healthy' '
  ferry env status sbx --json | jq -e ".state == \"running\" and .healthy == true and .slot == \"main\""'

test_expect_success 'stop ends the process and frees the port' '
  pid=$(env_pid sbx); url=$(env_url sbx);
  ferry env stop sbx && ! alive "$pid" && ! curl -sf "$url/health" &&
  test ! -e "$(env_dir sbx)/state/app.pid" &&
  env_json sbx | jq -e ".state == \"stopped\" and .runtime == \"stopped\" and .pid == null"'
test_expect_success 'stopping a stopped environment is a no-op' 'ferry env stop sbx'
test_expect_success 'start brings it back on the same port' '
  port=$(env_port sbx); ferry env start sbx &&
  equals "$(env_port sbx)" "$port" && curl -sf "$(env_url sbx)/health" &&
  env_json sbx | jq -e ".state == \"deployed\""'
test_expect_success 'starting a running environment says so and keeps the process' '
  pid=$(env_pid sbx); out=$(ferry env start sbx) && contains "$out" "Already running" &&
  equals "$(env_pid sbx)" "$pid"'
test_expect_success 'restart gives a new process' '
  pid=$(env_pid sbx); ferry env restart sbx && [ "$(env_pid sbx)" != "$pid" ] && ! alive "$pid" &&
  curl -sf "$(env_url sbx)/health"'

test_expect_success 'kill -9: status shows the stale pid, start recovers' '
  pid=$(env_pid sbx); kill -9 "$pid";
  wait_for 30 "! alive $pid" "process $pid to die" &&
  ferry env status sbx --json | jq -e ".state == \"stopped\" and .stale_pid == $pid" &&
  ferry env start sbx && new=$(env_pid sbx) && [ "$new" != "$pid" ] &&
  curl -sf "$(env_url sbx)/health"'

test_expect_success 'config --set writes keys, keeps them across restarts' '
  ferry env config sbx --set faults.dvt_MRProcessService=1 --set fixture.note=hello &&
  ferry env config sbx --json | jq -e ".faults.dvt_MRProcessService == 1 and .fixture.note == \"hello\"" &&
  ferry env restart sbx &&
  jq -e ".faults.dvt_MRProcessService == 1" "$(env_dir sbx)/config.json"'
test_expect_success 'config --unset removes a key' '
  ferry env config sbx --unset fixture.note &&
  ferry env config sbx --json | jq -e ".fixture | has(\"note\") | not"'
test_expect_success 'config refuses keys ferry manages, all or nothing' '
  before=$(sha256sum <"$(env_dir sbx)/config.json");
  out=$(ferry env config sbx --set faults.x=1 --set port=1 2>&1); rc=$?;
  equals "$rc" 5 && contains "$out" "managed by ferry" &&
  equals "$(sha256sum <"$(env_dir sbx)/config.json")" "$before"'

test_expect_success 'readiness timeout: a clear error naming the URL and the log, process gone' '
  ferry env config sbx --set fixture.never_ready=true &&
  ferry env stop sbx && out=$(ferry env start sbx --timeout 1 2>&1); rc=$?;
  equals "$rc" 1 && contains "$out" "did not become ready within 1 s" &&
  contains "$out" "$(env_url sbx)/health" && contains "$out" "HTTP status 503" &&
  contains "$out" "$(env_dir sbx)/logs/app.log" &&
  ferry env status sbx --json | jq -e ".state == \"stopped\""'
test_expect_success 'a service that exits at start: the error says so' '
  ferry env config sbx --unset fixture.never_ready --set fixture.exit_at_start=3 &&
  out=$(ferry env start sbx 2>&1); rc=$?;
  equals "$rc" 1 && contains "$out" "exited while starting" && contains "$out" "app.log" &&
  grep -q "exiting at start as configured" "$(env_dir sbx)/logs/app.log"'
test_expect_success 'a SIGTERM-ignoring service is killed after the grace period' '
  ferry env config sbx --unset fixture.exit_at_start --set fixture.ignore_term=true &&
  ferry env start sbx && pid=$(env_pid sbx) &&
  out=$(ferry env stop sbx --grace 1) && contains "$out" "killed after the grace period" &&
  ! alive "$pid" && grep -q "ignored SIGTERM" "$(env_dir sbx)/logs/app.log"'
test_expect_success 'logs shows the tail of app.log' '
  ferry env config sbx --unset fixture.ignore_term &&
  out=$(ferry env logs sbx -n 3) && equals "$(printf "%s\n" "$out" | wc -l)" 3 &&
  contains "$out" "ferry"'

test_expect_success 'a port taken by someone else: refused, then --new-port moves it' '
  port=$(env_port sbx) &&
  jq -n --argjson p "$port" "{port: \$p, database: \"$SCRATCH/squat.db\"}" >squat.json &&
  { "$FIXTURE" serve --config squat.json >squat.log 2>&1 & echo $! >squat.pid; } &&
  wait_for 30 "curl -sf http://127.0.0.1:$port/health >/dev/null" "the squatter on port $port"; w=$?;
  out=$(ferry env start sbx 2>&1); rc=$?;
  kill "$(cat squat.pid)";
  equals "$w $rc" "0 4" && contains "$out" "port $port" && contains "$out" "--new-port"'
test_expect_success 'start --new-port picks another free port' '
  port=$(env_port sbx) &&
  jq -n --argjson p "$port" "{port: \$p, database: \"$SCRATCH/squat.db\"}" >squat.json &&
  { "$FIXTURE" serve --config squat.json >squat.log 2>&1 & echo $! >squat.pid; } &&
  wait_for 30 "curl -sf http://127.0.0.1:$port/health >/dev/null" "the squatter on port $port"; w=$?;
  ferry env start sbx --new-port; rc=$?; kill "$(cat squat.pid)";
  equals "$w $rc" "0 0" && [ "$(env_port sbx)" != "$port" ] && curl -sf "$(env_url sbx)/health"'

test_expect_success 'redeploy switches current atomically and keeps one previous release' '
  ferry env deploy sbx --from-dir rel2 &&
  equals "$(curl -sf "$(env_url sbx)/version")" "7.3.1" &&
  equals "$(readlink "$(env_dir sbx)/current")" "releases/r2-fixture-app-7.3.1" &&
  test -d "$(env_dir sbx)/releases/r1-fixture-app-7.3.0" &&
  ferry env deploy sbx --from-dir rel3 &&
  equals "$(curl -sf "$(env_url sbx)/version")" "7.3.2" &&
  test ! -e "$(env_dir sbx)/releases/r1-fixture-app-7.3.0" &&
  test -d "$(env_dir sbx)/releases/r2-fixture-app-7.3.1" &&
  ! compgen -G "$(env_dir sbx)/current.tmp-*" >/dev/null'
test_expect_success 'env rm stops the process and removes the environment directory' '
  pid=$(env_pid dev); ferry env rm dev && ! alive "$pid" && test ! -e "$(env_dir dev)"'
test_expect_success 'the name can be reused with a fresh runtime' '
  ferry env create dev --project contoso --role development --app 7.3 --platform PU20 &&
  ferry env deploy dev --from-dir rel1 && equals "$(curl -sf "$(env_url dev)/count")" "0"'
test_done
