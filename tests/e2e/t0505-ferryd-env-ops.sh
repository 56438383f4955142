#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0505: ferryd's routes for what the CLI does on environments, over real HTTP: the asset
# library (streamed upload with its limit, streamed download), keys and trust, the
# runtime (status, stop, start, restart, logs, config), servicing (apply, a 409 while
# one awaits sign-off, sign-off, rollback, history), upgrade targets/preflight/begin/
# status/cancel, database refresh. Each answer is compared with the CLI's.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t04-upgrade.lib"
. "$FERRY_SRC/tests/e2e/t05-ferryd.inc"
test_cleanup_hook='stop_all; [ -n "$FERRYD_PID" ] && kill -TERM "$FERRYD_PID" 2>/dev/null; wait 2>/dev/null'

up_setup ledger-app-7.3 ledger-app-8.1 ledger-data-upgrade-8.1 fabrikam-tax-1.4 ledger-hotfix-kb4051234 >/dev/null || { echo "1..0 # SKIP setup failed"; exit 1; }
ferry -q package build "$PKGS/contoso-reports" -o "$SCRATCH/reports.zip" --sign vendor
ADMIN=$(new_token admin admin)
OPER=$(new_token oper operator contoso)
VIEW=$(new_token view viewer)
ferryd_start --upload-limit 300000 || exit 1

# wait_op ID: until the operation is neither pending nor running; prints its state.
wait_op() {
  local s i
  for i in $(seq 1 600); do
    s=$(ferry op show "$1" --json | jq -r .state)
    case $s in pending|running) sleep 0.1;; *) echo "$s"; return 0;; esac
  done
  echo "timeout"
}
upload() { # upload TOKEN FILE PROJECT [curl args]: prints the status
  local t=$1 f=$2 p=$3; shift 3
  curl -sS -o "$SCRATCH/resp" -w '%{http_code}' -H "Authorization: Bearer $t" \
    -H 'Content-Type: application/octet-stream' "$@" --data-binary @"$f" "$URL/api/assets?project=$p"
}

test_expect_success 'assets: a streamed upload is verified and stored like ferry asset upload (201)' '
  st=$(upload "$OPER" "$SCRATCH/reports.zip" contoso) && equals "$st" 201 &&
  jq -e ".name == \"contoso-reports\" and .existed == false and (.key_id | length) == 16" resp &&
  ferry asset show contoso-reports@"$(jq -r .version resp)" --project contoso --json | jq -e ".uploaded_by == \"token:oper\""'
test_expect_success 'assets: the same bytes again are not stored twice (200, existed)' '
  st=$(upload "$OPER" "$SCRATCH/reports.zip" contoso -H "Transfer-Encoding: chunked") && equals "$st" 200 &&
  jq -e ".existed == true" resp'
test_expect_success 'assets: over --upload-limit is 413 (declared and streamed); nothing kept' '
  head -c 400000 /dev/urandom >big.zip && n=$(ferry asset list --project contoso --json | jq length) &&
  st=$(upload "$OPER" big.zip contoso) && equals "$st" 413 && jq -e ".error.code == \"too-large\"" resp &&
  st=$(upload "$OPER" big.zip contoso -H "Transfer-Encoding: chunked") && equals "$st" 413 &&
  equals "$(ferry asset list --project contoso --json | jq length)" "$n" &&
  test -z "$(ls "$FERRY_HOME/tmp" 2>/dev/null | grep upload)"'
test_expect_success 'assets: garbage is refused by the intake (422), a viewer is refused (403)' '
  head -c 1000 /dev/urandom >junk.zip &&
  st=$(upload "$OPER" junk.zip contoso) && equals "$st" 422 &&
  st=$(upload "$VIEW" "$SCRATCH/reports.zip" contoso) && equals "$st" 403 &&
  st=$(upload "$OPER" "$SCRATCH/reports.zip" nope) && equals "$st" 403'
test_expect_success 'assets: list and show answer what the CLI prints' '
  expect_status 200 "$VIEW" GET "/api/assets?project=contoso" && jq -S . resp >api.json &&
  ferry asset list --project contoso --json | jq -S . >cli.json && cmp api.json cli.json &&
  expect_status 200 "$VIEW" GET "/api/assets/fabrikam-tax@1.4.0?project=contoso" &&
  jq -e ".name == \"fabrikam-tax\" and (.manifest | type) == \"object\"" resp'
test_expect_success 'assets: a streamed download is the stored file, byte for byte' '
  sha=$(jq -r ".[] | select(.name == \"contoso-reports\") | .sha256" cli.json) && echo "$sha" >sha &&
  curl -sSf -D h -o got.zip -H "Authorization: Bearer $VIEW" "$URL/api/assets/$sha/download" &&
  cmp got.zip "$SCRATCH/reports.zip" && grep -qi "^X-Content-SHA256: $sha" h &&
  expect_status 404 "$VIEW" GET "/api/assets/0000000000000000/download" && error_is not-found'
test_expect_success 'assets: DELETE removes one not referenced (204), then 404' '
  sha=$(cat sha) && expect_status 204 "$OPER" DELETE "/api/assets/$sha" &&
  expect_status 404 "$VIEW" GET "/api/assets/$sha" && error_is not-found'

test_expect_success 'keys: the list is the CLI list; a project list too' '
  expect_status 200 "$VIEW" GET /api/keys && jq -S . resp >api.json && ferry key list --json | jq -S . >cli.json &&
  cmp api.json cli.json &&
  expect_status 200 "$VIEW" GET "/api/keys?project=contoso" && jq -e ".[0].name == \"vendor\"" resp'
test_expect_success 'keys: trust by name and by document, revoke; revocation is final' '
  ferry -q key generate other && ferry key export other >other.pub &&
  ferry project create p2 >/dev/null &&
  expect_status 200 "$ADMIN" POST /api/projects/p2/keys "{\"key\":\"vendor\"}" && jq -e ".name == \"vendor\"" resp &&
  expect_status 200 "$ADMIN" POST /api/projects/p2/keys "{\"document\":$(cat other.pub)}" &&
  id=$(jq -r .key_id resp) && ferry key list --project p2 --json | jq -e "map(.key_id) | index(\"$id\") != null" &&
  expect_status 200 "$ADMIN" DELETE "/api/projects/p2/keys/$id" &&
  ferry key list --project p2 --json | jq -e ".[] | select(.key_id == \"$id\") | .state == \"revoked\"" &&
  expect_status 422 "$ADMIN" POST /api/projects/p2/keys "{\"document\":$(cat other.pub)}"'
test_expect_success 'keys: errors 400 (neither), 404 (unknown key), a path is never read' '
  expect_status 400 "$ADMIN" POST /api/projects/p2/keys "{}" && error_is invalid &&
  expect_status 404 "$ADMIN" POST /api/projects/p2/keys "{\"key\":\"nope\"}" && error_is not-found &&
  expect_status 404 "$ADMIN" POST /api/projects/p2/keys "{\"key\":\"/etc/passwd\"}" &&
  expect_status 403 "$OPER" POST /api/projects/contoso/keys "{\"key\":\"vendor\"}" && error_is forbidden'

test_expect_success 'runtime: status is what ferry env status prints' '
  expect_status 200 "$VIEW" GET /api/environments/prod/status && jq -S "del(.healthy)" resp >api.json &&
  ferry env status prod --json | jq -S "del(.healthy)" >cli.json && cmp api.json cli.json &&
  jq -e ".state == \"running\"" api.json'
test_expect_success 'runtime: stop, start, restart; the service follows' '
  expect_status 200 "$OPER" POST /api/environments/sbx/stop "{\"grace\":2}" && jq -e ".state == \"stopped\"" resp &&
  equals "$(ferry env status sbx --json | jq -r .state)" stopped &&
  expect_status 200 "$OPER" POST /api/environments/sbx/start && jq -e ".state == \"running\"" resp &&
  pid=$(jq .pid resp) && expect_status 200 "$OPER" POST /api/environments/sbx/restart &&
  jq -e ".state == \"running\" and .pid != $pid" resp && curl -sf "$(env_url sbx)/version" >/dev/null'
test_expect_success 'runtime: logs as text, config read and changed in one write' '
  expect_status 200 "$VIEW" GET "/api/environments/sbx/logs?lines=5" && test "$(wc -l <resp)" -le 5 &&
  expect_status 200 "$VIEW" GET /api/environments/sbx/config && jq -e ".environment == \"sbx\"" resp &&
  expect_status 200 "$OPER" PATCH /api/environments/sbx/config "{\"set\":{\"faults.x\":\"1\"}}" &&
  jq -e ".faults.x == 1" resp && equals "$(ferry env config sbx --json | jq .faults.x)" 1 &&
  expect_status 422 "$OPER" PATCH /api/environments/sbx/config "{\"set\":{\"port\":\"1\"}}" &&
  expect_status 400 "$VIEW" GET "/api/environments/sbx/status?view=sideways" && error_is invalid &&
  expect_status 403 "$VIEW" POST /api/environments/sbx/stop && error_is forbidden'

test_expect_success 'servicing: check reports every rule without changing anything' '
  before=$(store_sum) &&
  expect_status 200 "$OPER" POST /api/environments/sbx/updates "{\"package\":\"fabrikam-tax@1.4.0\",\"check\":true}" &&
  jq -e ".checks | length > 0 and all(.ok)" resp && equals "$(store_sum)" "$before"'
test_expect_success 'servicing: apply runs as a job (202 with the operation), parks awaiting sign-off' '
  expect_status 202 "$OPER" POST /api/environments/sbx/updates "{\"package\":\"fabrikam-tax@1.4.0\"}" &&
  APPLY=$(jq -r .activity_id resp) && jq -e ".kind == \"env.apply\"" resp &&
  equals "$(wait_op "$APPLY")" awaiting-signoff && echo "$APPLY" >apply.id'
test_expect_success 'servicing: a second apply on the environment is 409, naming the first' '
  expect_status 409 "$OPER" POST /api/environments/sbx/updates "{\"package\":\"fabrikam-tax@1.4.0\"}" &&
  error_is conflict && jq -e ".error.message | contains(\"$(cat apply.id)\")" resp'
test_expect_success 'servicing: sign off (202), then history shows it signed off, as the CLI' '
  expect_status 202 "$OPER" POST /api/environments/sbx/signoff && equals "$(jq -r .activity_id resp)" "$(cat apply.id)" &&
  equals "$(wait_op "$(cat apply.id)")" succeeded &&
  expect_status 200 "$VIEW" GET /api/environments/sbx/history && jq -S . resp >api.json &&
  ferry env history sbx --json | jq -S . >cli.json && cmp api.json cli.json && jq -e ".[0].signed_off" api.json'
test_expect_success 'servicing: nothing to sign off or roll back now: 409' '
  expect_status 409 "$OPER" POST /api/environments/sbx/signoff && error_is conflict &&
  expect_status 409 "$OPER" POST /api/environments/sbx/rollback && error_is conflict'
test_expect_success 'servicing: apply another, roll it back (202); history shows both' '
  expect_status 202 "$OPER" POST /api/environments/sbx/updates "{\"package\":\"ledger-hotfix-kb4051234@1.0.0\"}" &&
  equals "$(wait_op "$(jq -r .activity_id resp)")" awaiting-signoff &&
  expect_status 202 "$OPER" POST /api/environments/sbx/rollback && jq -e ".kind == \"env.rollback\"" resp &&
  equals "$(wait_op "$(jq -r .activity_id resp)")" succeeded &&
  ferry env history sbx --json | jq -e ".[0].state == \"rolled-back\" and .[1].signed_off"'
test_expect_success 'servicing: a missing package is refused before any operation exists' '
  n=$(ferry op list --json | jq length) &&
  expect_status 404 "$OPER" POST /api/environments/sbx/updates "{\"package\":\"nope@1\"}" &&
  equals "$(ferry op list --json | jq length)" "$n" &&
  expect_status 400 "$OPER" POST /api/environments/sbx/updates "{}" && error_is invalid'

test_expect_success 'upgrade: targets and preflight answer what the CLI prints' '
  expect_status 200 "$VIEW" GET /api/environments/sbx/upgrade/targets && jq -S . resp >api.json &&
  ferry upgrade targets sbx --json | jq -S . >cli.json && cmp api.json cli.json &&
  expect_status 200 "$VIEW" GET "/api/environments/sbx/upgrade/preflight?to=8.1" && jq -e ".checks | length > 3" resp &&
  expect_status 400 "$VIEW" GET /api/environments/sbx/upgrade/preflight && error_is invalid'
test_expect_success 'upgrade: begin (202), prepared; both views; status as the CLI; cancel' '
  expect_status 202 "$OPER" POST /api/environments/sbx/upgrade "{\"to\":\"8.1\"}" &&
  jq -e ".kind == \"upgrade.prepare\"" resp && equals "$(wait_op "$(jq -r .activity_id resp)")" succeeded &&
  expect_status 200 "$VIEW" GET /api/environments/sbx/upgrade && jq -e ".phase == \"prepared\"" resp &&
  jq -S . resp >api.json && ferry upgrade status sbx --json | jq -S . >cli.json &&
  jq -S "del(.downtime, .expires_in_s)" api.json >a && jq -S "del(.downtime, .expires_in_s)" cli.json >c && cmp a c &&
  expect_status 200 "$VIEW" "GET" "/api/environments/sbx?view=original" && jq -e ".upgrade.phase == \"prepared\" and .app_release == \"7.3\"" resp &&
  expect_status 200 "$VIEW" "GET" "/api/environments/sbx?view=upgrade" && jq -e ".app_release == \"8.1\"" resp &&
  expect_status 202 "$OPER" DELETE /api/environments/sbx/upgrade && equals "$(wait_op "$(jq -r .activity_id resp)")" succeeded &&
  equals "$(phase sbx)" cancelled'

test_expect_success 'refresh: the sandbox from production (202); a source out of scope is 403' '
  expect_status 202 "$OPER" POST /api/environments/sbx/refresh "{\"from\":\"prod\"}" &&
  equals "$(wait_op "$(jq -r .activity_id resp)")" succeeded &&
  ferry db history --json | jq -e ".[0].kind == \"refresh\" and .[0].source == \"prod\"" &&
  ferry -q env create other --project p2 --role sandbox --app 7.3 --platform PU12 &&
  T=$(new_token p2op operator p2) &&
  expect_status 403 "$T" POST /api/environments/other/refresh "{\"from\":\"prod\"}" && error_is forbidden'
test_expect_success 'every change above is audited with its route action' '
  for a in asset.upload asset.rm key.trust key.revoke env.stop env.start env.restart env.config env.apply env.signoff upgrade.begin upgrade.cancel db.refresh; do
    store_sql "SELECT count(*) FROM audit_log WHERE action = '\''$a'\''" | grep -qv "^0$" || { echo "no $a"; exit 1; }
  done'
ferryd_stop
test_done
