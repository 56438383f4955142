#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0501: ferryd's REST API over real HTTP: every route, its errors, the OpenAPI document
# kept true, the audit of changes, configuration and a clean stop.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t05-ferryd.inc"

ferry init >/dev/null
ferry project create p1 >/dev/null
ADMIN=$(new_token admin admin)
VIEW=$(new_token view viewer)
ferryd_start || exit 1

test_expect_success 'every route is in openapi.json with its role, and nothing else is' '
  "$FERRYD" --routes | sort >routes &&
  curl -sf "$URL/api/openapi.json" >openapi.json &&
  jq -r ".paths | to_entries[] | .key as \$p | .value | to_entries[]
    | select(.key != \"parameters\") | \"\(.key | ascii_upcase) \(\$p) \(.value[\"x-ferry-role\"])\"" \
    openapi.json | sort >documented &&
  test -s routes && diff -u documented routes'
test_expect_success 'openapi.json is served as the file in daemon/' '
  cmp openapi.json "$FERRY_SRC/daemon/openapi.json" && jq -e ".openapi | startswith(\"3.\")" openapi.json'
test_expect_success 'every $ref in openapi.json resolves' '
  jq -r ". as \$d | [.. | objects | select(has(\"\$ref\")) | .\"\$ref\"] | unique[] | . as \$r
    | select((\$d | getpath(\$r | ltrimstr(\"#/\") | split(\"/\"))) == null)" openapi.json >dangling &&
  test ! -s dangling'
test_expect_success 'health needs no token' '
  expect_status 200 "" GET /api/health && jq -e ".status == \"ok\"" resp'
test_expect_success 'no token: 401 with an error object and WWW-Authenticate' '
  expect_status 401 "" GET /api/projects && error_is unauthenticated &&
  grep -qi "^WWW-Authenticate: Bearer" resp.h'
test_expect_success 'a wrong or malformed token: 401' '
  expect_status 401 "ferry_0000000000000000_$(printf %064d 0)" GET /api/projects && error_is unauthenticated &&
  expect_status 401 "garbage" GET /api/projects && error_is unauthenticated'
test_expect_success 'whoami names the token' '
  expect_status 200 "$VIEW" GET /api/whoami && jq -e ".name == \"view\" and .role == \"viewer\"" resp'
test_expect_success 'unknown API route: 404; wrong method: 405' '
  expect_status 404 "$ADMIN" GET /api/nothing && error_is not-found &&
  expect_status 405 "$ADMIN" PUT /api/projects && error_is method-not-allowed'

test_expect_success 'POST /api/projects creates (201) and GET lists and shows it' '
  expect_status 201 "$ADMIN" POST /api/projects "{\"name\":\"p2\",\"description\":\"second\"}" &&
  jq -e ".name == \"p2\" and .description == \"second\" and .product == \"finance-operations\"" resp &&
  expect_status 200 "$VIEW" GET /api/projects && equals "$(jq -r "map(.name) | join(\",\")" resp)" p1,p2 &&
  expect_status 200 "$VIEW" GET /api/projects/p2 && jq -e ".name == \"p2\"" resp'
test_expect_success 'a project the CLI sees is the one the API made' '
  equals "$(ferry project show p2 --json | jq -r .description)" second'
test_expect_success 'POST /api/projects errors: 400 bad JSON, 400 missing name, 409 exists, 422 bad name' '
  expect_status 400 "$ADMIN" POST /api/projects "{nope" && error_is invalid &&
  expect_status 400 "$ADMIN" POST /api/projects "[1]" && error_is invalid &&
  expect_status 400 "$ADMIN" POST /api/projects "{\"name\":7}" && error_is invalid &&
  expect_status 400 "$ADMIN" POST /api/projects "{}" && error_is invalid &&
  expect_status 409 "$ADMIN" POST /api/projects "{\"name\":\"p2\"}" && error_is exists &&
  expect_status 422 "$ADMIN" POST /api/projects "{\"name\":\"bad name\"}" && error_is invalid'
test_expect_success 'a refused request changes nothing' '
  before=$(store_sql "SELECT count(*) FROM projects") &&
  expect_status 409 "$ADMIN" POST /api/projects "{\"name\":\"p1\"}" &&
  equals "$(store_sql "SELECT count(*) FROM projects")" "$before"'
test_expect_success 'a body over the limit: 413 (declared and streamed)' '
  head -c 2000000 /dev/zero | tr "\0" " " >big &&
  st=$(curl -sS -o resp -w "%{http_code}" -H "Authorization: Bearer $ADMIN" --data-binary @big "$URL/api/projects") &&
  equals "$st" 413 && jq -e ".error.code == \"too-large\"" resp &&
  st=$(head -c 2000000 /dev/zero | curl -sS -o resp -w "%{http_code}" -H "Authorization: Bearer $ADMIN" \
       -H "Transfer-Encoding: chunked" --data-binary @- "$URL/api/projects") &&
  equals "$st" 413 && jq -e ".error.code == \"too-large\"" resp'
test_expect_success 'PATCH /api/projects/{project} sets allow_unsigned; errors 400/404' '
  expect_status 200 "$ADMIN" PATCH /api/projects/p2 "{\"allow_unsigned\":true}" && jq -e ".allow_unsigned == true" resp &&
  expect_status 400 "$ADMIN" PATCH /api/projects/p2 "{\"allow_unsigned\":\"yes\"}" && error_is invalid &&
  expect_status 404 "$ADMIN" PATCH /api/projects/nope "{\"allow_unsigned\":true}" && error_is not-found'
test_expect_success 'GET /api/projects/{project}: 404 for an unknown one' '
  expect_status 404 "$VIEW" GET /api/projects/nope && error_is not-found'

test_expect_success 'features: list, enable, unknown feature 422, unknown project 404' '
  expect_status 200 "$VIEW" GET /api/projects/p1/features &&
  jq -e ".[] | select(.name == \"upgrade-self-serve\") | .enabled == false" resp &&
  expect_status 200 "$ADMIN" PUT /api/projects/p1/features/upgrade-self-serve "{\"enabled\":true}" &&
  jq -e ".[] | select(.name == \"upgrade-self-serve\") | .enabled == true" resp &&
  equals "$(ferry feature list --project p1 --json | jq ".[0].enabled")" true &&
  expect_status 422 "$ADMIN" PUT /api/projects/p1/features/bogus "{\"enabled\":true}" && error_is invalid &&
  expect_status 400 "$ADMIN" PUT /api/projects/p1/features/upgrade-self-serve "{}" && error_is invalid &&
  expect_status 404 "$VIEW" GET /api/projects/nope/features && error_is not-found'

ENV='{"name":"sb1","project":"p1","role":"sandbox","app_release":"7.3","platform":"PU12"}'
test_expect_success 'POST /api/environments creates (201); GET lists, filters, shows' '
  expect_status 201 "$ADMIN" POST /api/environments "$ENV" &&
  jq -e ".name == \"sb1\" and .state == \"new\" and .project == \"p1\"" resp &&
  expect_status 201 "$ADMIN" POST /api/environments "{\"name\":\"dev2\",\"project\":\"p2\",\"role\":\"development\",\"app_release\":\"8.1\",\"platform\":\"PU20\"}" &&
  expect_status 200 "$VIEW" GET /api/environments && equals "$(jq length resp)" 2 &&
  expect_status 200 "$VIEW" "GET" "/api/environments?project=p2" && equals "$(jq -r ".[].name" resp)" dev2 &&
  expect_status 200 "$VIEW" GET /api/environments/sb1 && jq -e ".role == \"sandbox\"" resp'
test_expect_success 'GET /api/environments: ETag, 304 on If-None-Match, a new ETag after any change' '
  hdr() { curl -s -D - -o "$2" -H "Authorization: Bearer $VIEW" ${3:+-H "If-None-Match: $3"} "$URL$1"; } &&
  hdr /api/environments list1.json >h1 && grep -qi "^etag: \"" h1 && grep -qi "^cache-control: no-cache" h1 &&
  tag=$(grep -i "^etag:" h1 | cut -d" " -f2 | tr -d "\r") &&
  hdr /api/environments list2.json "$tag" >h2 && head -1 h2 | grep -q " 304" && ! test -s list2.json &&
  hdr "/api/environments?project=p2" list3.json "$tag" >h3 && head -1 h3 | grep -q " 200" &&
  ferry env create cli1 --project p1 --role sandbox --app 7.3 --platform PU12 >/dev/null &&
  hdr /api/environments list4.json "$tag" >h4 && head -1 h4 | grep -q " 200" &&
  equals "$(jq length list4.json)" 3 && jq -e "any(.[]; .name == \"cli1\")" list4.json &&
  ! grep -qi "^etag: $tag" h4 && ferry env rm cli1 >/dev/null &&
  hdr /api/environments list5.json >h5 && cmp list1.json list5.json &&
  jq -e "all(.[]; (keys | sort) == [\"app_release\",\"created\",\"name\",\"platform\",\"product\",\"project\",\"role\",\"state\",\"updated\"])" list5.json'
test_expect_success 'POST /api/environments errors: 400 missing member, 404 project, 409 name, 422 role' '
  expect_status 400 "$ADMIN" POST /api/environments "{\"name\":\"x\"}" && error_is invalid &&
  expect_status 404 "$ADMIN" POST /api/environments "${ENV/p1/nope}" && error_is not-found &&
  expect_status 409 "$ADMIN" POST /api/environments "$ENV" && error_is exists &&
  expect_status 422 "$ADMIN" POST /api/environments "${ENV/sandbox/qa}" && error_is invalid'
test_expect_success 'DELETE /api/projects/{project} refuses while environments exist (409)' '
  expect_status 409 "$ADMIN" DELETE /api/projects/p2 && error_is conflict &&
  jq -e ".error.message | contains(\"dev2\")" resp'
test_expect_success 'DELETE /api/environments/{env}: 204, then 404' '
  expect_status 204 "$ADMIN" DELETE /api/environments/dev2 &&
  expect_status 404 "$ADMIN" DELETE /api/environments/dev2 && error_is not-found &&
  expect_status 404 "$VIEW" GET /api/environments/dev2 && error_is not-found &&
  expect_status 200 "$VIEW" "GET" "/api/environments?all=true" && jq -e "map(select(.name == \"dev2\" and .state == \"deleted\")) | length == 1" resp'
test_expect_success 'DELETE /api/projects/{project}: 204, then 404' '
  expect_status 204 "$ADMIN" DELETE /api/projects/p2 &&
  expect_status 404 "$ADMIN" DELETE /api/projects/p2 && error_is not-found'

test_expect_success 'tokens: create shows the secret once; list never does; revoke' '
  expect_status 201 "$ADMIN" POST /api/tokens "{\"name\":\"ci\",\"role\":\"operator\",\"project\":\"p1\",\"expires\":\"30d\"}" &&
  CI=$(jq -r .token resp) && case "$CI" in ferry_*) ;; *) false;; esac &&
  jq -e ".project == \"p1\" and .role == \"operator\" and .expires != null" resp &&
  expect_status 200 "$CI" GET /api/whoami &&
  expect_status 200 "$ADMIN" GET /api/tokens && ! grep -q "$CI" resp &&
  jq -e "map(select(.name == \"ci\" and .state == \"active\")) | length == 1" resp &&
  ! store_text | grep -q -- "${CI##*_}" &&
  expect_status 204 "$ADMIN" DELETE /api/tokens/ci &&
  expect_status 401 "$CI" GET /api/whoami && jq -e ".error.message | contains(\"revoked\")" resp &&
  expect_status 404 "$ADMIN" DELETE /api/tokens/ci && error_is not-found'
test_expect_success 'tokens: errors 400, 409, 422, 404 project' '
  expect_status 400 "$ADMIN" POST /api/tokens "{\"name\":\"x\"}" && error_is invalid &&
  expect_status 409 "$ADMIN" POST /api/tokens "{\"name\":\"view\",\"role\":\"viewer\"}" && error_is exists &&
  expect_status 422 "$ADMIN" POST /api/tokens "{\"name\":\"x\",\"role\":\"root\"}" && error_is invalid &&
  expect_status 422 "$ADMIN" POST /api/tokens "{\"name\":\"x\",\"role\":\"viewer\",\"expires\":\"soon\"}" && error_is invalid &&
  expect_status 404 "$ADMIN" POST /api/tokens "{\"name\":\"x\",\"role\":\"viewer\",\"project\":\"nope\"}" && error_is not-found'
test_expect_success 'an expired token is refused with 401' '
  T=$(new_token brief viewer) &&
  store_sql "UPDATE api_tokens SET expires_ms = 1000 WHERE name = '\''brief'\''" >/dev/null &&
  expect_status 401 "$T" GET /api/whoami && jq -e ".error.message | contains(\"expired\")" resp'

test_expect_success 'catalogs: list, a product, a release; unknown ones 404' '
  expect_status 200 "$VIEW" GET /api/catalogs && jq -e "map(.product) | index(\"finance-operations\") != null" resp &&
  expect_status 200 "$VIEW" GET /api/catalogs/finance-operations && jq -e ".releases | length > 3" resp &&
  expect_status 200 "$VIEW" GET /api/catalogs/finance-operations/releases/8.1 && jq -e ".id == \"8.1\"" resp &&
  expect_status 404 "$VIEW" GET /api/catalogs/finance-operations/releases/9.9 && error_is not-found &&
  expect_status 404 "$VIEW" GET /api/catalogs/nope && error_is not-found'
test_expect_success 'advisor: the same answer as ferry upgrade check; unsupported is an answer (200)' '
  expect_status 200 "$VIEW" GET "/api/advisor?from=7.3&to=8.1" &&
  jq -S "del(.catalog_path)" resp >api.json &&
  ferry upgrade check --from 7.3 --to 8.1 --json | jq -S "del(.catalog_path)" >cli.json && cmp api.json cli.json &&
  expect_status 200 "$VIEW" GET "/api/advisor?env=sb1&to=8.1" && jq -e ".kind == \"upgrade\" and .code_upgrade_required" resp &&
  expect_status 200 "$VIEW" GET "/api/advisor?from=8.1&to=7.3" && jq -e ".kind == \"unsupported\" and (.reason | length > 0)" resp'
test_expect_success 'advisor errors: 400 missing to/from, 422 unknown release, 404 unknown env' '
  expect_status 400 "$VIEW" GET "/api/advisor?from=7.3" && error_is invalid &&
  expect_status 400 "$VIEW" GET "/api/advisor?to=8.1" && error_is invalid &&
  expect_status 422 "$VIEW" GET "/api/advisor?from=6.6&to=8.1" && error_is invalid &&
  expect_status 404 "$VIEW" GET "/api/advisor?env=nope&to=8.1" && error_is not-found'

test_expect_success 'every change is audited with actor, result and the activity ID' '
  expect_status 409 "$ADMIN" POST /api/projects "{\"name\":\"p1\"}" &&
  aid=$(jq -r .error.activity_id resp) &&
  expect_status 200 "$VIEW" GET /api/audit &&
  jq -e --arg a "$aid" "map(select(.activity_id == \$a and .action == \"project.create\" and .result == \"failed\"
     and .actor == \"token:admin\" and .code == \"exists\")) | length == 1" resp &&
  jq -e "map(select(.action == \"env.create\" and .target == \"sb1\" and .result == \"ok\")) | length == 1" resp &&
  jq -e "map(select(.action == \"token.revoke\" and .target == \"ci\" and .result == \"ok\")) | length == 1" resp'
test_expect_success 'ferry audit reads what the API wrote; --project filters' '
  ferry audit --json | jq -e "map(select(.actor == \"token:admin\")) | length > 5" &&
  ferry audit --project p1 --json | jq -e "all(.project == \"p1\")" &&
  out=$(ferry audit) && contains "$out" "token:admin"'
test_expect_success 'GET /api/audit: limit, paging, bad limit 400' '
  expect_status 200 "$VIEW" "GET" "/api/audit?limit=2" && equals "$(jq length resp)" 2 &&
  id=$(jq ".[1].id" resp) && expect_status 200 "$VIEW" GET "/api/audit?before=$id&limit=1" &&
  equals "$(jq ".[0].id" resp)" "$((id - 1))" &&
  expect_status 400 "$VIEW" GET "/api/audit?limit=0" && error_is invalid'
test_expect_success 'reads are not audited' '
  n=$(store_sql "SELECT count(*) FROM audit_log") &&
  expect_status 200 "$VIEW" GET /api/projects && expect_status 200 "$VIEW" GET /api/audit &&
  equals "$(store_sql "SELECT count(*) FROM audit_log")" "$n"'
test_expect_success 'the web UI is served at / and files outside web/ are not' '
  st=$(curl -s -o index.html -w "%{http_code}" "$URL/") && equals "$st" 200 && grep -qi "<html" index.html &&
  st=$(curl -s -o /dev/null -w "%{http_code}" --path-as-is "$URL/../openapi.json") && equals "$st" 404 &&
  st=$(curl -s -o /dev/null -w "%{http_code}" "$URL/nothing.html") && equals "$st" 404'
test_expect_success 'one key=value log line per request, with the activity ID' '
  expect_status 409 "$ADMIN" POST /api/projects "{\"name\":\"p1\"}" && aid=$(jq -r .error.activity_id resp) &&
  grep -q "msg=request method=POST path=/api/projects status=409 .*actor=token:admin activity=$aid" "$FERRYD_LOG"'
ferryd_stop; stop_rc=$?
test_expect_success 'SIGTERM stops ferryd cleanly (exit 0, logged)' '
  equals "$stop_rc" 0 && grep -q "msg=stopped" "$FERRYD_LOG"'

test_expect_success 'config file sets the listen address; flags win over it' '
  printf "# ferryd\nlisten = 127.0.0.1\nport = 1\nmax-connections = 8\n" >ferryd.conf &&
  ferryd_start --config ferryd.conf && expect_status 200 "" GET /api/health && ferryd_stop'
test_expect_code 2 'an unknown setting in the config file is a usage error' '
  printf "colour = blue\n" >bad.conf && "$FERRYD" --config bad.conf --home "$FERRY_HOME"'
test_expect_code 2 'an unknown flag is a usage error' '"$FERRYD" --frobnicate'
test_expect_code 1 'a missing home is refused at start with a clear message' '
  "$FERRYD" --home "$SCRATCH/none" --port 0 2>err; rc=$?; grep -q "ferry init" err && exit $rc'
test_expect_code 1 'a port in use is refused at start' '
  ferryd_start && port=${URL##*:} && "$FERRYD" --home "$FERRY_HOME" --port "$port" 2>err; rc=$?;
  ferryd_stop; grep -q "cannot listen" err && exit $rc'
test_done
