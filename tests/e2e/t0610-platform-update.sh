#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0610: in-place platform updates (the seed's scenario 4) on the running sample application:
# the code-upgrade rows "newer platform: no code upgrade" (7.3 PU12 -> PU13; 8.1 PU20 -> PU22
# over PU21 in one package) and "PU1 to PU2: no code upgrade", the advisor agreeing with apply,
# downgrade and same platform refused, a customer model overlayering Application Foundation
# blocking the update, and leaving PU2 for PU3 only once that overlayering is gone.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t033-servicing.lib"

ferry init >/dev/null
setup_project p
deploy a73 p sandbox 7.3 PU12
deploy a81 p sandbox 8.1 PU20
deploy s4 p sandbox 7.0.1 PU1
deploy b701 p sandbox 7.0.1 PU1

platform() { printf '%s|%s\n' "$(env_json "$1" | jq -r .platform)" "$(version "$1" | jq -r .platform)"; }
advise() { # advise ENV TO TO-PLATFORM: kind, code upgrade, data upgrade, refactor
	ferry upgrade check --env "$1" --to "$2" --to-platform "$3" --json |
	jq -r '[.kind, .code_upgrade_required, .data_upgrade_required, .refactor_overlayering_required] | join(",")'
}
installed() { version "$1" | jq -r '[.packages[].name] | join(",")'; }

# ---- row "Application release 7.3 -> newer version of the platform: No" ----
test_expect_success '7.3 on PU12 to PU13: the advisor says platform update, no code upgrade' '
  equals "$(advise a73 7.3 PU13)" "platform-update,false,false,false" &&
  ferry env apply a73 ledger-platform@13.0.0 --check --json >rep &&
  jq -e ".ok and (.checks[] | select(.check == \"platform\") | .ok and .rule == \"\$.code_upgrade[7]\")
         and (.checks[] | select(.check == \"platform-models\") | .ok)" rep'

test_expect_success 'apply PU13 in place: env show and /version report it, data kept' '
  before=$(dump_sum a73) &&
  ferry -q env apply a73 ledger-platform@13.0.0 && ferry -q env signoff a73 &&
  equals "$(platform a73)" "PU13|PU13" && equals "$(env_json a73 | jq -r .app_release)" 7.3 &&
  equals "$(dump_sum a73)" "$before"'

test_expect_code 5 'the same platform again is refused, naming the rule; nothing changes' '
  before=$(store_sum)
  ferry env apply a73 ledger-platform@13.0.0 2>err; rc=$?
  grep -q "platform: ledger-platform 13.0.0 provides PU13 and .a73. runs PU13: the same platform is refused" err &&
  grep -q "rule \$.platforms\[13\].ordinal" err && grep -q "apply a platform package newer than PU13" err &&
  equals "$(store_sum)" "$before" && equals "$(platform a73)" "PU13|PU13" || exit 9
  exit $rc'

# ---- 8.1: PU20 -> PU22 over PU21, one cumulative package ----
test_expect_success '8.1 on PU20 to PU22: the advisor agrees (platform update, no code upgrade)' '
  equals "$(advise a81 8.1 PU22)" "platform-update,false,false,false"'

test_expect_success 'PU22 jumps over PU21 in one package; rollback restores PU20' '
  before=$(env_state a81) &&
  ferry env apply a81 ledger-platform@22.0.0 --check --json |
    jq -e ".checks[] | select(.check == \"platform\") | .message | test(\"PU20 to PU22 in place \\\\(includes PU21\\\\)\")" &&
  ferry -q env apply a81 ledger-platform@22.0.0 && equals "$(platform a81)" "PU22|PU22" &&
  ferry -q env rollback a81 && equals "$(platform a81)" "PU20|PU20" &&
  equals "$(env_state a81)" "$before"'

test_expect_success 'apply PU22 again and sign off: one deployment, no PU21 on the way' '
  ferry -q env apply a81 ledger-platform@22.0.0 && ferry -q env signoff a81 &&
  equals "$(platform a81)" "PU22|PU22" &&
  equals "$(ferry env history a81 --json | jq -r "[.[] | .version + \"=\" + .state] | join(\",\")")" \
    "22.0.0=succeeded,22.0.0=rolled-back" &&
  equals "$(version a81 | jq -r "[.packages[] | select(.name == \"ledger-platform\") | .version] | join(\",\")")" 22.0.0'

test_expect_code 5 'a downgrade (PU22 to PU21) is refused with every failed rule; nothing changes' '
  before=$(store_sum)
  ferry upgrade check --env a81 --to 8.1 --to-platform PU21 >/dev/null 2>&1; [ $? = 5 ] || exit 8
  ferry env apply a81 ledger-platform@21.0.0 2>err; rc=$?
  grep -q "(3 rules)" err &&
  grep -q "applies-to: ledger-platform 21.0.0 does not apply to release 8.1 with PU22" err &&
  grep -q "version: ledger-platform 21.0.0 would downgrade .a81. (it has 22.0.0)" err &&
  grep -q "platform: ledger-platform 21.0.0 provides PU21 and .a81. runs PU22: an older platform is refused, platform updates are cumulative" err &&
  equals "$(store_sum)" "$before" && equals "$(platform a81)" "PU22|PU22" || exit 9
  exit $rc'

# ---- scenario 4 refused: a customer model overlayers Application Foundation (PU1) ----
test_expect_success 'PU1 allows overlayering platform models: the customization installs' '
  ferry env apply s4 contoso-foundation@1.0.0 --check --json |
    jq -e ".ok and (.checks[] | select(.check == \"platform-overlayering\") | .ok and
           (.message | test(\"ContosoNumberSeq .package contoso-foundation 1.0.0. overlayers ApplicationFoundation\")))" &&
  ferry -q env apply s4 contoso-foundation@1.0.0 && ferry -q env signoff s4 &&
  equals "$(installed s4)" "contoso-foundation,ledger-app"'

test_expect_code 5 'then the platform cannot be updated in place (PU2): refused naming the model' '
  before=$(store_sum); data=$(dump_sum s4)
  ferry env apply s4 ledger-platform@2.0.0 2>err; rc=$?
  grep -q "cannot apply ledger-platform 2.0.0 to .s4. (1 rule)" err &&
  grep -q "platform-models: .s4. customizes platform models, so its platform cannot be updated in place (rule \$.rules.platform_models): ContosoNumberSeq (package contoso-foundation 1.0.0) overlayers ApplicationFoundation; refactor the overlayering into extensions" err &&
  equals "$(store_sum)" "$before" && equals "$(platform s4)" "PU1|PU1" &&
  equals "$(dump_sum s4)" "$data" || exit 9
  exit $rc'

test_expect_code 5 'leaving PU1 for PU3 lists both rules and the model to refactor' '
  ferry env apply s4 ledger-platform@3.0.0 2>err; rc=$?
  grep -q "(2 rules)" err && grep -q "platform-models: .s4. customizes platform models" err &&
  grep -q "platform-overlayering: leaving PU1 for PU3 is refused while platform overlayering remains" err &&
  grep -q "rule \$.rules.platform_overlayering, \$.platforms\[3\].overlayering_allowed); refactor as extensions first: ContosoNumberSeq (package contoso-foundation 1.0.0) overlayers ApplicationFoundation" err || exit 9
  exit $rc'

# ---- row "May 2016 (PU1, 7.0.1) -> August 2016 (PU2, 7.0.1): No"; then PU2 -> PU3 ----
test_expect_success 'PU1 to PU2 on 7.0.1: the advisor says no code upgrade; apply agrees' '
  equals "$(advise b701 7.0.1-pu2 PU2)" "platform-update,false,false,false" &&
  ferry env apply b701 ledger-platform@2.0.0 --check --json |
    jq -e ".ok and (.checks[] | select(.check == \"platform\") | .rule == \"\$.code_upgrade[10]\")" &&
  ferry -q env apply b701 ledger-platform@2.0.0 && ferry -q env signoff b701 &&
  equals "$(platform b701)" "PU2|PU2" && equals "$(env_json b701 | jq -r .app_release)" 7.0.1'

test_expect_code 5 'on PU2 with platform overlayering installed, leaving PU2 for PU3 is refused' '
  ferry -q env apply b701 contoso-foundation@1.0.0 || exit 8
  equals "$(advise b701 7.0.1-pu2 PU3)" "platform-update,false,false,true" || exit 7
  before=$(store_sum)
  ferry env apply b701 ledger-platform@3.0.0 --check 2>err >out; rc=$?
  grep -q "platform-overlayering: leaving PU2 for PU3 is refused while platform overlayering remains" err &&
  grep -q "refactor as extensions first: ContosoNumberSeq (package contoso-foundation 1.0.0) overlayers ApplicationFoundation" err &&
  grep -q "platform-models: .b701. customizes platform models" err &&
  equals "$(store_sum)" "$before" || exit 9
  exit $rc'

test_expect_success 'once the customization is rolled back, PU2 to PU3 goes through' '
  ferry -q env rollback b701 && equals "$(installed b701)" "ledger-app,ledger-platform" &&
  ferry env apply b701 ledger-platform@3.0.0 --check --json |
    jq -e ".ok and (.checks[] | select(.check == \"platform-overlayering\") | .ok)" &&
  ferry -q env apply b701 ledger-platform@3.0.0 && ferry -q env signoff b701 &&
  equals "$(platform b701)" "PU3|PU3"'

test_expect_code 5 'on PU3 the platform models are locked: the overlayering package is refused' '
  ferry env apply b701 contoso-foundation@1.0.0 2>err; rc=$?
  grep -q "platform-overlayering: ContosoNumberSeq (package contoso-foundation 1.0.0) overlayers ApplicationFoundation: PU3 locks platform models against overlayering (rule \$.platforms\[3\].overlayering_allowed" err || exit 9
  exit $rc'

test_done
