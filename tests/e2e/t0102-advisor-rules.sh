#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0102: the advisor's refusals and rules: downgrades, pairs the seed does not
# allow, unknown releases, malformed build strings, overlayering, hotfixes, steps,
# the 8.0 -> 8.1 update and the --env form.
. "$(dirname "$0")/lib.sh"

test_expect_code 5 'downgrade 7.3 -> 7.2 is refused' 'ferry upgrade check --from 7.3 --to 7.2'
test_expect_success 'downgrade: the reason and the allowed targets' '
  out=$(ferry upgrade check --from 7.3 --to 7.2 2>&1); contains "$out" "downgrades are not supported" &&
  contains "$out" "allowed from 7.3 on PU12: 8.1 (upgrade, PU20 or newer), 8.0 (upgrade, PU15 or newer)"'
test_expect_success 'downgrade --json: kind unsupported with reason and allowed_targets' '
  ferry upgrade check --from 8.1 --to 7.3.11971.56116 --json >out.json 2>err.json; test $? -eq 5 &&
  jq -e ".kind == \"unsupported\" and (.reason | test(\"downgrades\")) and .code_upgrade_required == null and
         (.allowed_targets | length == 1 and .[0].kind == \"platform-update\")" out.json &&
  jq -e ".error.code == \"refused\"" err.json'
test_expect_code 5 'platform downgrade is refused' 'ferry upgrade check --from 7.3 --from-platform PU20 --to 7.3 --to-platform PU12'
test_expect_code 5 'moving nowhere is refused' 'ferry upgrade check --from 7.3 --to 7.3 --to-platform PU12'
test_expect_code 5 'AX 2012 is a source only' 'ferry upgrade check --from 7.3 --to ax2012'
test_expect_success 'AX 2012 -> 8.1 is not in the table: refused with 7.3 and 7.2 allowed' '
  out=$(ferry upgrade check --from ax2012 --to 8.1 2>&1); test $? -eq 5 &&
  contains "$out" "allows no move from ax2012" && contains "$out" "7.3 (upgrade, PU12 or newer), 7.2 (upgrade"'
test_expect_code 5 '7.0 -> 7.0.1 is not in the table' 'ferry upgrade check --from 7.0 --to 7.0.1'
test_expect_code 5 '7.2 -> 7.0.1-pu2 is a downgrade' 'ferry upgrade check --from 7.2 --to 7.0.1-pu2'
test_expect_success 'a target platform too old for the target release is refused' '
  out=$(ferry upgrade check --from 7.3 --to 8.1 --to-platform PU15 2>&1); test $? -eq 5 &&
  contains "$out" "PU15 is too old for release 8.1, which needs PU20"'
test_expect_success '8.1 has nowhere to go' '
  out=$(ferry upgrade check --from 8.1 --to 8.0 2>&1); test $? -eq 5 && contains "$out" "8.1 on PU21 or newer"'

test_expect_success 'unknown release: exit 2 naming the releases' '
  out=$(ferry upgrade check --from 7.4 --to 8.1 2>&1); test $? -eq 2 &&
  contains "$out" "unknown release .7.4." && contains "$out" "ax2012, 7.0, 7.0.1, 7.0.1-pu2, 7.1, 7.2, 7.3, 8.0, 8.1"'
test_expect_success 'unknown target release: exit 2' '
  out=$(ferry upgrade check --from 7.3 --to 10.0 2>&1); test $? -eq 2 && contains "$out" "^ferry: error: --to: unknown release"'
test_expect_success 'malformed build strings: exit 2 saying what is expected' '
  for b in 7.3.11971 7.3.11971.56116.1 7.3.x.56116 7..11971.56116 7.3.11971.; do
    out=$(ferry upgrade check --from "$b" --to 8.1 2>&1); test $? -eq 2 || { echo "exit for $b"; return 1; }
    contains "$out" "malformed AX7.version build string" || return 1
    contains "$out" "four dot-separated numbers" || return 1
  done'
test_expect_success 'a well-formed but unknown build string: exit 2 listing the known builds' '
  out=$(ferry upgrade check --from 7.3.11971.56117 --to 8.1 2>&1); test $? -eq 2 &&
  contains "$out" "unknown AX7.version build string" && contains "$out" "7.3.11971.56116 (7.3)"'
test_expect_success 'unknown platform: exit 2' '
  out=$(ferry upgrade check --from 7.3 --from-platform PU99 --to 8.1 2>&1); test $? -eq 2 &&
  contains "$out" "unknown platform .PU99." && contains "$out" "RTW .. PU30"'
test_expect_code 2 'a source that cannot exist (8.1 on PU12) is invalid input' \
  'ferry upgrade check --from 8.1 --from-platform PU12 --to 8.1 --to-platform PU25'
test_expect_code 2 'a move within one release needs --to-platform' 'ferry upgrade check --from 7.3 --to 7.3'
test_expect_code 2 'AX 2012 has no platform' 'ferry upgrade check --from ax2012 --from-platform PU1 --to 7.3'
test_expect_code 2 'missing --to' 'ferry upgrade check --from 7.3'
test_expect_code 2 'missing --from and --env' 'ferry upgrade check --to 8.1'
test_expect_code 2 'unknown option' 'ferry upgrade check --from 7.3 --to 8.1 --fast'
test_expect_code 2 'unknown upgrade command' 'ferry upgrade frobnicate'

test_expect_success '8.0 -> 8.1 is an update: binary package, no code or data upgrade' '
  ferry upgrade check --from 8.0 --to 8.1 --json | jq -e ".kind == \"update\" and .code_upgrade_required == false and
    .data_upgrade_required == false and .refactor_overlayering_required == false and .rule == \"\$.updates[0]\" and
    ([.steps[].id] == [\"sandbox-refresh\", \"sandbox-update\", \"production-update\", \"other-environments\"])"'
test_expect_success '7.3 -> 8.1 is an upgrade (before 8.0): ordered steps' '
  ferry upgrade check --from 7.3 --to 8.1 --json | jq -e "
    .kind == \"upgrade\" and .data_upgrade_required == true and
    [.steps[].id] == [\"refactor-overlayering\", \"code-upgrade\", \"deploy-development\", \"data-upgrade-rehearsal\",
      \"sandbox-refresh\", \"sandbox-upgrade\", \"commit\", \"production-upgrade\", \"other-sandboxes\"] and
    [.steps[].step] == [1,2,3,4,5,6,7,8,9]"'
test_expect_success 'overlayering: target 8.0 or later from before 8.0 must refactor' '
  ferry upgrade check --from 7.2 --to 8.0 --json | jq -e ".refactor_overlayering_required == true and
    any(.reasons[]; .answer == \"refactor_overlayering_required\" and .rule == \"\$.rules.vendor_overlayering_locked_from\")" &&
  ferry upgrade check --from 7.2 --to 7.3 --json | jq -e ".refactor_overlayering_required == false"'
test_expect_success 'overlayering: leaving PU1/PU2 for PU3 or later must refactor, PU3 onwards need not' '
  ferry upgrade check --from 7.0.1-pu2 --to 7.0.1-pu2 --to-platform PU3 --json | jq -e ".kind == \"platform-update\" and
    .refactor_overlayering_required == true and .steps[0].id == \"refactor-overlayering\" and
    any(.reasons[]; .rule == \"\$.rules.platform_overlayering\")" &&
  ferry upgrade check --from 7.0.1 --to 7.0.1-pu2 --json | jq -e ".refactor_overlayering_required == false" &&
  ferry upgrade check --from 7.1 --to 7.1 --to-platform PU11 --json | jq -e ".refactor_overlayering_required == false"'
test_expect_success 'a platform update checks the platform models first' '
  ferry upgrade check --from 7.2 --to 7.2 --to-platform PU11 --json | jq -e ".steps[0].id == \"check-platform-models\" and
    (.steps[0].title | test(\"Application Platform, Application Foundation, Directory, Test Essentials\"))"'
test_expect_success 'hotfixes: supported on 8.0 and before, not on 8.1 (deprecated April 2019)' '
  ferry upgrade check --from 7.3 --to 8.0 --json | jq -e ".hotfixes_supported == true and
    any(.reasons[]; .answer == \"hotfixes_supported\" and (.text | test(\"2019-04\")))" &&
  ferry upgrade check --from 7.3 --to 8.1 --json | jq -e ".hotfixes_supported == false"'
test_expect_success 'every answer cites a rule of the catalog' '
  ferry upgrade check --from 7.0 --to 7.3 --json | jq -e "
    ([.reasons[].answer] | sort) == [\"code_upgrade_required\", \"data_upgrade_required\", \"hotfixes_supported\", \"kind\", \"refactor_overlayering_required\"] and
    all(.reasons[]; (.rule | startswith(\"\$.\")) and (.text | length > 20)) and all(.steps[]; .rule | startswith(\"\$.\"))"'
test_expect_success 'the target platform defaults to the newer of the shipping one and the source' '
  ferry upgrade check --from 7.3 --from-platform PU25 --to 8.1 --json | jq -e ".to.platform == \"PU25\"" &&
  ferry upgrade check --from 7.3 --to 8.1 --json | jq -e ".to.platform == \"PU20\" and .from.platform == \"PU12\""'
test_expect_success 'upgrade check needs no ferry home' '! test -e "$FERRY_HOME" && ferry upgrade check --from 7.3 --to 8.1 >/dev/null'

ferry init >/dev/null
ferry project create contoso >/dev/null
ferry env create uat --project contoso --role sandbox --app 7.2 --platform PU11 >/dev/null
test_expect_success '--env takes the source from the environment' '
  ferry upgrade check --env uat --to 8.1 --json | jq -e ".env == \"uat\" and .from.release == \"7.2\" and
    .from.platform == \"PU11\" and .kind == \"upgrade\" and .rule == \"\$.code_upgrade[1]\""'
test_expect_success '--env: a platform-only move' '
  ferry upgrade check --env uat --to 7.2 --to-platform PU12 --json | jq -e ".kind == \"platform-update\""'
test_expect_code 5 '--env: a downgrade is refused' 'ferry upgrade check --env uat --to 7.1'
test_expect_code 3 '--env: unknown environment' 'ferry upgrade check --env nope --to 8.1'
test_expect_code 2 '--env with --from is a usage error' 'ferry upgrade check --env uat --from 7.2 --to 8.1'
test_expect_success 'the advisor changes nothing in the store' '
  before=$(store_sum); ferry upgrade check --env uat --to 8.1 >/dev/null; ferry upgrade check --env uat --to 7.1 2>/dev/null;
  equals "$(store_sum)" "$before"'
test_done
