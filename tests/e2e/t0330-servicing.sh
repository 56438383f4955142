#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0330: servicing a running ledger environment end to end: validation refusals, apply
# an ISV and a customization package with sign-off between them, a platform update,
# rollback byte for byte, a failing DVT resumed, production after a sandbox sign-off.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t033-servicing.lib"

ferry init >/dev/null
setup_project p
deploy sb p sandbox 7.3 PU12
deploy prod p production 7.3 PU12

test_expect_success 'the sandbox runs 7.3 on PU12 with data' '
  v=$(version sb) && equals "$(jq -r .release <<<"$v")" 7.3 &&
  equals "$(jq -r .platform <<<"$v")" PU12 &&
  [ "$(sqlite3 "$(env_db sb)" "SELECT COUNT(*) FROM customers")" -gt 0 ]'

test_expect_code 5 'a package for another release is refused with every failed rule' '
  before=$(store_sum)
  ferry env apply sb fabrikam-tax@2.0.0 2>err; rc=$?
  grep -q "applies-to: fabrikam-tax 2.0.0 does not apply to release 7.3" err &&
  grep -q "requirements: requires .ledger-app. >= 8.0.0; .sb. has 7.3.0" err &&
  equals "$(store_sum)" "$before" || exit 9
  exit $rc'

test_expect_code 5 'a data-upgrade package is not an update' '
  ferry env apply sb ledger-data-upgrade@8.1.0 2>err; rc=$?
  grep -q "data-upgrade package runs in an upgrade" err || exit 9; exit $rc'

test_expect_success '--check lists the rules without changing anything' '
  before=$(store_sum) &&
  ferry env apply sb fabrikam-tax@1.4.0 --check --json >rep &&
  jq -e ".ok == true and ([.checks[].check] | index(\"requirements\")) != null" rep &&
  equals "$(store_sum)" "$before"'

test_expect_success 'apply an ISV package: it waits for sign-off' '
  ferry env apply sb fabrikam-tax@1.4.0 >out &&
  file_contains out "awaiting sign-off" &&
  id=$(last_op sb) && equals "$(op_state $id)" awaiting-signoff &&
  equals "$(env_json sb | jq -r .state)" awaiting-signoff &&
  equals "$(ferry op show $id --json | jq -r "[.steps[] | .name + \"=\" + .state] | join(\",\")")" \
    "fetch=succeeded,restore-point=succeeded,stop=succeeded,install=succeeded,scripts=succeeded,start=succeeded,health-check=succeeded,dvt=succeeded,signoff=pending" &&
  sqlite3 "$(env_db sb)" "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE \"%tax%\"" | grep -qv "^0$" &&
  curl -sf "$(env_url sb)/health" >/dev/null'

test_expect_code 4 'a second package before sign-off is refused, naming the first' '
  before=$(store_sum)
  ferry env apply sb contoso-reports@1.0.0 2>err; rc=$?
  grep -q "has package fabrikam-tax 1.4.0 awaiting sign-off (activity $(last_op sb))" err &&
  grep -q "ferry env signoff sb" err && equals "$(store_sum)" "$before" || exit 9
  exit $rc'

test_expect_success 'sign-off completes it; the environment is deployed' '
  id=$(last_op sb) && ferry -q env signoff sb &&
  equals "$(op_state $id)" succeeded && equals "$(env_json sb | jq -r .state)" deployed &&
  equals "$(ferry env history sb --json | jq -r ".[0] | .package + \" \" + .state")" "fabrikam-tax succeeded"'

test_expect_code 4 'nothing is left to sign off or roll back' '
  ferry env signoff sb 2>err; r1=$?; ferry env rollback sb 2>>err; r2=$?
  grep -q "is signed off: only a deployment that is not signed off can be rolled back" err &&
  [ $r1 = 4 ] || exit 9; exit $r2'

test_expect_code 5 'the same version is not installed again' '
  ferry env apply sb fabrikam-tax@1.4.0 2>err; rc=$?
  grep -q "already installed on .sb.: no reinstall" err || exit 9; exit $rc'

test_expect_success 'apply a customization package and sign it off' '
  ferry -q env apply sb contoso-reports@1.0.0 && ferry -q env signoff sb &&
  equals "$(env_json sb | jq -r .state)" deployed'

test_expect_success 'a platform update changes /version and the environment platform' '
  echo "$(env_state sb)" >before-pu13 &&
  ferry -q env apply sb ledger-platform@13.0.0 &&
  equals "$(version sb | jq -r .platform)" PU13 &&
  equals "$(env_json sb | jq -r .platform)" PU13'

test_expect_success 'rollback: previous release, database byte for byte, service up' '
  ferry env rollback sb >out && file_contains out "env.rollback) succeeded" &&
  equals "$(version sb | jq -r .platform)" PU12 &&
  equals "$(env_state sb)" "$(cat before-pu13)" &&
  equals "$(ferry env history sb --json | jq -r ".[0].state")" rolled-back'

test_expect_code 1 'a failing DVT fails the apply naming step, service model and activity' '
  ferry -q env config sb --set faults.dvt_MRProcessService=1 &&
  ferry env apply sb ledger-platform@13.0.0 2>err; rc=$?; id=$(last_op sb)
  grep -q "step .dvt. failed: DVT script for service model .MRProcessService. failed" err &&
  grep -q "activity ID: $id" err && grep -q "(activity $id)" err &&
  equals "$(env_json sb | jq -r .state)" failed && equals "$(op_state $id)" failed || exit 9
  exit $rc'

test_expect_success 'resume after the intermittent fault cleared completes it' '
  id=$(last_op sb) && ferry -q op resume $id &&
  equals "$(op_state $id)" awaiting-signoff &&
  equals "$(ferry op show $id --json | jq ".steps[] | select(.name==\"dvt\") | .attempts")" 2 &&
  equals "$(ferry op show $id --json | jq ".steps[] | select(.name==\"install\") | .attempts")" 1 &&
  ferry -q env signoff sb && equals "$(version sb | jq -r .platform)" PU13'

test_expect_code 5 'production refuses a package no sandbox signed off, naming the run' '
  ferry -q env rollback prod 2>/dev/null
  ferry env apply prod ledger-platform@21.0.0 2>err; rc=$?
  grep -q "was not applied and signed off on a sandbox of project .p." err &&
  grep -q "(.sb.)" err || exit 9; exit $rc'

test_expect_success 'production takes the release candidate signed off on the sandbox' '
  ferry -q env apply prod fabrikam-tax@1.4.0 &&
  ferry env apply prod fabrikam-tax@1.4.0 --check --json 2>/dev/null | jq -e ".ok == false" >/dev/null;
  ferry -q env signoff prod && equals "$(env_json prod | jq -r .state)" deployed'

test_expect_success 'abort drops an apply that has not touched the environment' '
  sha=$(ferry asset show contoso-reports@1.0.0 --project p --json | jq -r .sha256) &&
  blob="$FERRY_HOME/assets/${sha:0:2}/$sha" &&
  [ -n "$blob" ] && chmod u+w "$blob" && cp "$blob" blob.bak && printf x >>"$blob" &&
  before=$(dump_sum prod) &&
  ! ferry -q env apply prod contoso-reports@1.0.0 2>err && grep -q "step .fetch. failed" err &&
  id=$(last_op prod) && ferry -q op abort $id && equals "$(op_state $id)" aborted &&
  equals "$(env_json prod | jq -r .state)" deployed && equals "$(dump_sum prod)" "$before" &&
  cp blob.bak "$blob"'

test_expect_code 5 'abort is refused once the environment changed: roll back instead' '
  ferry -q env config prod --set faults.dvt_MRProcessService=1 &&
  ! ferry -q env apply prod contoso-reports@1.0.0 2>/dev/null
  ferry op abort $(last_op prod) 2>err; rc=$?
  grep -q "ferry env rollback prod" err || exit 9
  ferry -q env rollback prod && equals "$(env_json prod | jq -r .state)" deployed || exit 8
  exit $rc'
test_done
