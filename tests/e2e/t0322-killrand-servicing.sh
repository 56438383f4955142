#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0322: randomized kills of servicing (issue 22): `ferry env apply` and `ferry env
# rollback`, each SIGKILLed at random moments of its run (t032-killrand.lib), resumed
# with `ferry op resume`: the environment's state and release, what it serves, its
# database's canonical dump and the operation's state equal an uninterrupted run's.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t033-servicing.lib"
. "$FERRY_SRC/tests/e2e/t032-killrand.lib"

ferry init >/dev/null
setup_project p && deploy sb p sandbox 7.3 PU12 || { echo "Bail out! setup failed"; exit 1; }
PKG=fabrikam-tax@1.4.0
env_state sb >pre
# the end state: the environment (state, release, what it serves, its data), the
# operation's state and steps, the service running once
sig() {
  env_state sb && op_steps "$(newest_op sb)" &&
  ferry env status sb --json | jq -c '{state, release}'
}

kill_reference apply "env apply sb $PKG" sig
test_expect_success 'apply: its rollback gives the environment back' '
  ferry -q env rollback sb && equals "$(env_state sb)" "$(cat pre)"'
for i in $(seq 1 "$KILL_N"); do
  kill_trial apply sb "env apply sb $PKG" sig
  test_expect_success "apply: rolled back after kill $i, the environment is as before" '
    ferry -q env rollback sb && equals "$(env_state sb)" "$(cat pre)"'
done

test_expect_success 'rollback: an apply to roll back' 'ferry -q env apply sb $PKG'
kill_reference rollback "env rollback sb" sig
test_expect_success 'rollback: the reference gives the environment back' 'equals "$(env_state sb)" "$(cat pre)"'
KILL_I=0
for i in $(seq 1 "$KILL_N"); do
  test_expect_success "rollback: an apply to roll back ($i)" 'ferry -q env apply sb $PKG'
  kill_trial rollback sb "env rollback sb" sig
done
test_expect_success 'the store is intact' 'equals "$(store_check)" ok'
kill_summary
test_done
