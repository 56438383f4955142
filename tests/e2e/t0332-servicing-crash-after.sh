#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0332: SIGKILL of `ferry env apply` after each step's work, before it is recorded
# (FERRY_CRASH_AT=<step>:after), and inside the scripts step; then `ferry op resume`:
# state, release and database equal those of an uninterrupted run; rollback then gives
# the database back byte for byte.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t033-servicing.lib"
: "${CRASH_POINTS:=fetch:after restore-point:after stop:after install:after scripts:fabrikam-tax-rules scripts:after start:after health-check:after dvt:after}"

ferry init >/dev/null
setup_project p
deploy sb p sandbox 7.3 PU12
PKG=fabrikam-tax@1.4.0

test_expect_success 'reference: an uninterrupted apply, then its rollback' '
  env_state sb >pre &&
  ferry -q env apply sb $PKG && env_state sb >ref &&
  ferry -q env rollback sb && equals "$(env_state sb)" "$(cat pre)" &&
  grep -q awaiting-signoff ref && ! equals "$(cat ref)" "$(cat pre)" >/dev/null'

for at in $CRASH_POINTS; do
  step=${at%%:*}
  test_expect_code 137 "SIGKILL at $at" "FERRY_CRASH_AT=$at ferry -q env apply sb $PKG"
  test_expect_success "reported interrupted, resume gives the uninterrupted end state ($at)" "
    id=\$(ferry op list --env sb --json 2>warn | jq -r '.[0].activity_id') &&
    grep -q \"operation \$id (env.apply on sb) was interrupted\" warn &&
    grep -q \"during step '\$step'\" warn &&
    equals \"\$(op_state \$id)\" interrupted &&
    equals \"\$(env_json sb | jq -r .state)\" failed &&
    ferry -q op resume \$id &&
    equals \"\$(op_state \$id)\" awaiting-signoff &&
    equals \"\$(env_state sb)\" \"\$(cat ref)\""
  test_expect_success "rollback gives the database back byte for byte ($at)" "
    ferry -q env rollback sb && equals \"\$(env_state sb)\" \"\$(cat pre)\""
done
test_done
