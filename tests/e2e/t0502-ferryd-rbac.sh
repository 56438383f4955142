#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0502: access control: every role, with and without a project scope, against every
# mutating route (and the scoped reads); denials change nothing and are audited; token
# secrets never appear in logs or in responses after their creation.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t05-ferryd.inc"

ferry init >/dev/null
for p in p1 p2; do
  ferry project create $p >/dev/null
  ferry env create $p-sb --project $p --role sandbox --app 7.3 --platform PU12 >/dev/null
done
declare -A TOK
for role in viewer operator admin; do
  TOK[$role]=$(new_token "$role" "$role")
  TOK[$role@p1]=$(new_token "$role-p1" "$role" p1)
done
# Operations parked at their manual step, one per project (the CLI runs them).
for p in p1 p2; do
  ferry -q op selftest --dir "$SCRATCH/st-$p" --env $p-sb --manual >/dev/null 2>&1
done
OP1=$(ferry op list --env p1-sb --json | jq -r ".[0].activity_id")
OP2=$(ferry op list --env p2-sb --json | jq -r ".[0].activity_id")
ferry -q key generate k1 && ferry -q key trust k1 --project p2
ferryd_start || exit 1
# Schedules far ahead, one per project, for the cancel cases.
for p in p1 p2; do
  api "${TOK[admin]}" POST /api/environments/$p-sb/signoff "{\"at\":\"+30d\"}" >/dev/null
  eval "S_$p=\$(jq -r .id \"\$SCRATCH/resp\")"
done
rank() { case $1 in viewer) echo 1;; operator) echo 2;; admin) echo 3;; esac; }

# Each case: NEED PROJECT GLOBAL METHOD PATH BODY (PROJECT "-" = not project-bound).
# {n} is replaced by a name unique to the attempt; objects it names are made first.
cases() {
  cat <<'CASES'
admin - 1 POST /api/projects {"name":"np-{n}"}
admin p1 0 PATCH /api/projects/p1 {"allow_unsigned":true}
admin p2 0 PATCH /api/projects/p2 {"allow_unsigned":true}
admin dp 0 DELETE /api/projects/dp-{n} -
admin p1 0 PUT /api/projects/p1/features/upgrade-self-serve {"enabled":true}
admin p2 0 PUT /api/projects/p2/features/upgrade-self-serve {"enabled":true}
operator p1 0 POST /api/environments {"name":"e-{n}","project":"p1","role":"sandbox","app_release":"7.3","platform":"PU12"}
operator p2 0 POST /api/environments {"name":"e-{n}","project":"p2","role":"sandbox","app_release":"7.3","platform":"PU12"}
admin p1 0 DELETE /api/environments/de1-{n} -
admin p2 0 DELETE /api/environments/de2-{n} -
admin - 1 POST /api/tokens {"name":"t-{n}","role":"viewer"}
admin - 1 DELETE /api/tokens/dt-{n} -
operator p1 0 POST /api/operations/{OP1}/resume -
operator p2 0 POST /api/operations/{OP2}/resume -
operator p1 0 POST /api/operations/{OP1}/rerun-step {}
operator p2 0 POST /api/operations/{OP2}/complete-step {}
operator p1 0 POST /api/operations/{OP1}/abort -
operator p2 0 POST /api/operations/{OP2}/abort -
admin - 1 POST /api/selftest {}
admin p1 0 POST /api/selftest {"env":"p1-sb","ticks":1}
operator p1 0 POST /api/environments/p1-sb/updates {"package":"nope@1"}
operator p2 0 POST /api/environments/p2-sb/updates {"package":"nope@1"}
operator p1 0 POST /api/environments/p1-sb/signoff -
operator p2 0 POST /api/environments/p2-sb/rollback -
operator p1 0 POST /api/environments/p1-sb/refresh {"from":"p1-sb"}
operator p2 0 POST /api/environments/p2-sb/refresh {"from":"p2-sb"}
operator p1 0 POST /api/environments/p1-sb/start {"timeout":1}
operator p2 0 POST /api/environments/p2-sb/stop -
operator p1 0 POST /api/environments/p1-sb/restart -
operator p2 0 PATCH /api/environments/p2-sb/config {"set":{"a":"1"}}
operator p1 0 POST /api/environments/p1-sb/upgrade {"to":"8.1"}
operator p2 0 DELETE /api/environments/p2-sb/upgrade -
operator p1 0 POST /api/environments/p1-sb/upgrade/begin {"to":"8.1"}
operator p2 0 POST /api/environments/p2-sb/upgrade/apply {"package":"nope@1"}
operator p1 0 POST /api/environments/p1-sb/upgrade/signoff -
operator p2 0 POST /api/environments/p2-sb/upgrade/rollback-package -
operator p1 0 POST /api/environments/p1-sb/upgrade/data -
operator p2 0 POST /api/environments/p2-sb/upgrade/commit -
operator p1 0 POST /api/environments/p1-sb/upgrade/rollback -
operator p2 0 POST /api/environments/p2-sb/upgrade/cancel -
operator p1 0 POST /api/environments/p1-sb/upgrade/resume -
admin p1 0 POST /api/projects/p1/keys {"key":"k1"}
admin p2 0 DELETE /api/projects/p2/keys/k1 -
operator p1 0 POST /api/assets?project=p1 {"not":"a package"}
operator p2 0 POST /api/assets?project=p2 {"not":"a package"}
operator p2 0 DELETE /api/assets/0123456789abcdef?project=p2 -
operator p1 0 DELETE /api/schedules/{S_p1} -
operator p2 0 DELETE /api/schedules/{S_p2} -
admin p1 0 PUT /api/projects/p1/maintenance-window {"window":"sun 02:00 2h"}
admin p2 0 PUT /api/projects/p2/maintenance-window {"window":null}
admin p1 0 PATCH /api/projects/p1/upgrade-settings {"watch_s":60}
admin p2 0 PATCH /api/projects/p2/upgrade-settings {}
CASES
}

# Make the object a case acts on (an empty project, an environment, a token).
prepare() { # prepare PATH N
  case $1 in
    /api/projects/dp*) ferry -q project create "${1##*/}" ;;
    /api/environments/de1-*) ferry -q env create "${1##*/}" --project p1 --role sandbox --app 7.3 --platform PU12 ;;
    /api/environments/de2-*) ferry -q env create "${1##*/}" --project p2 --role sandbox --app 7.3 --platform PU12 ;;
    /api/tokens/dt-*) ferry token create "${1##*/}" --role viewer >/dev/null ;;
  esac
}

n=0
while read -r need project global method path body; do
  for who in viewer operator admin viewer@p1 operator@p1 admin@p1; do
    n=$((n + 1))
    role=${who%@*}; scope=; [ "$who" != "$role" ] && scope=p1
    p=${path//\{n\}/$n}; b=${body//\{n\}/$n}; [ "$b" = - ] && b=
    p=${p//\{OP1\}/$OP1}; p=${p//\{OP2\}/$OP2}; p=${p//\{S_p1\}/$S_p1}; p=${p//\{S_p2\}/$S_p2}
    prepare "$p"
    tproject=$project
    [ "$tproject" = dp ] && tproject=${p##*/}   # deleting a project: it is the scope
    allowed=1
    [ "$(rank "$role")" -ge "$(rank "$need")" ] || allowed=0
    if [ -n "$scope" ]; then
      [ "$global" = 1 ] && allowed=0
      [ "$tproject" != "$scope" ] && allowed=0
    fi
    # operations: their state decides what follows (202, 400, 409); past auth is enough
    if [ $allowed = 1 ]; then case $p in /api/operations/*|/api/selftest|/api/environments/*/*|/api/assets*|/api/schedules/*) want=allowed;; *) want=2xx;; esac; else want=403; fi
    test_expect_success "$who: $method ${path//\{n\}/N} -> $want" '
      before=$(store_state)
      st=$(api "${TOK[$who]}" "$method" "$p" "$b")
      if [ "$want" = 403 ]; then
        equals "$st" 403 && error_is forbidden &&
        equals "$(store_state)" "$before" &&
        aid=$(jq -r .error.activity_id resp) &&
        equals "$(store_sql "SELECT actor, code FROM audit_log WHERE activity_id = '\''$aid'\''")" "token:${who/@/-}|-5"
      else
        case $want:$st in 2xx:2??|allowed:[24]??) [ "$st" != 401 ] && [ "$st" != 403 ];; *) echo "status $st"; cat resp; false;; esac || exit 1
        if [ "$st" = 202 ]; then # a queued job: let it settle before the next case
          id=$(jq -r .activity_id resp)
          for i in $(seq 1 400); do
            s=$(ferry op show "$id" --json | jq -r .state); case $s in pending|running) sleep 0.05;; *) break;; esac
          done
        fi
      fi'
  done
done < <(cases)

test_expect_success 'a scoped admin reaches its own project past the scope check (409, not 403)' '
  expect_status 409 "${TOK[admin@p1]}" DELETE /api/projects/p1 && error_is conflict'
test_expect_success 'scoped reads: projects, environments and audit show only the scope' '
  expect_status 200 "${TOK[viewer@p1]}" GET /api/projects && equals "$(jq -r "map(.name) | join(\",\")" resp)" p1 &&
  expect_status 200 "${TOK[viewer@p1]}" GET /api/environments && jq -e "length > 0 and all(.project == \"p1\")" resp &&
  expect_status 200 "${TOK[viewer@p1]}" GET /api/audit && jq -e "length > 0 and all(.project == \"p1\")" resp &&
  expect_status 200 "${TOK[viewer]}" GET /api/audit && jq -e "any(.project == \"p2\")" resp'
test_expect_success 'scoped reads of another project: 403' '
  expect_status 403 "${TOK[viewer@p1]}" GET /api/projects/p2 && error_is forbidden &&
  expect_status 403 "${TOK[viewer@p1]}" GET /api/environments/p2-sb && error_is forbidden &&
  expect_status 403 "${TOK[viewer@p1]}" GET "/api/environments?project=p2" && error_is forbidden &&
  expect_status 403 "${TOK[viewer@p1]}" GET /api/projects/p2/features && error_is forbidden &&
  expect_status 403 "${TOK[admin@p1]}" GET "/api/audit?project=p2" && error_is forbidden'
test_expect_success 'token management needs an unscoped admin' '
  expect_status 403 "${TOK[operator]}" GET /api/tokens && error_is forbidden &&
  expect_status 403 "${TOK[admin@p1]}" GET /api/tokens && error_is forbidden &&
  expect_status 200 "${TOK[admin]}" GET /api/tokens'
test_expect_success 'a token created over the API appears once, in its creation reply' '
  expect_status 201 "${TOK[admin]}" POST /api/tokens "{\"name\":\"once\",\"role\":\"viewer\"}" &&
  S=$(jq -r .token resp) && expect_status 200 "$S" GET /api/whoami &&
  expect_status 200 "${TOK[admin]}" GET /api/tokens &&
  equals "$(grep -c -- "$S" responses)" 1 && ! grep -q -- "$S" "$FERRYD_LOG" &&
  ! store_text | grep -q -- "${S##*_}"'
test_expect_success 'no token secret appears in the log, the responses or the store' '
  for s in "${TOK[@]}"; do
    ! grep -q -- "${s##*_}" "$FERRYD_LOG" responses || { echo "leaked: ${s:0:22}..."; exit 1; }
    ! store_text | grep -q -- "${s##*_}" || { echo "stored: ${s:0:22}"; exit 1; }
  done
  ferry token list --json | jq -e "all(has(\"token\") | not)"'
test_done
