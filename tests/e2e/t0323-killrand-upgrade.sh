#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0323: randomized kills of the self-service upgrade (issue 22): `ferry upgrade begin`,
# `ferry upgrade data` and `ferry upgrade rollback`, each SIGKILLed at random moments of
# its run (t032-killrand.lib) and resumed with `ferry op resume`: the phase, the
# environment and its runtimes, what the original and the upgrade-in-progress
# environment serve, the databases' canonical dumps and the operation's state equal an
# uninterrupted run's; cancel and rollback leave nothing of the upgrade behind.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t04-upgrade.lib"
KILL_N_DEFAULT=1  # each trial is a whole upgrade: one per operation unless LONG=1
. "$FERRY_SRC/tests/e2e/t032-killrand.lib"

up_setup && ferry db refresh --from prod --to sbx >/dev/null && up_rehearse ||
  { echo "Bail out! setup failed"; exit 1; }
upgraded_db() { ferry env show sbx --view upgrade --json | jq -r .database; }
tree() { (cd "$(env_dir sbx)" && find . -path ./logs -prune -o ! -type d -print | sort); }
envsig() {
  ferry env show sbx --json | jq -c '{state, app_release, platform, runtime, slots: (.runtimes | keys)}' &&
  echo "serves $(version_of "$(env_url sbx)")"
}
sig_begin() {
  echo "phase $(phase sbx)" && envsig && echo "upgrade serves $(version_of "$(up_url sbx)")" &&
  echo "original $(db_sum "$(env_db sbx)")" && op_steps "$(newest_op sbx)"
}
sig_data() {
  echo "phase $(phase sbx)" && envsig && echo "upgraded $(db_sum "$(upgraded_db)")" &&
  op_steps "$(newest_op sbx)"
}
sig_rollback() {
  echo "phase $(phase sbx)" && envsig && echo "original $(db_sum "$(env_db sbx)")" && tree &&
  op_steps "$(newest_op sbx)"
}
{ envsig && db_sum "$(env_db sbx)" && tree; } >pre
back() { { envsig && db_sum "$(env_db sbx)" && tree; } >now && diff pre now; }

kill_reference begin "upgrade begin sbx --to 8.1" sig_begin
test_expect_success 'begin: cancelled, the environment is as before' 'ferry -q upgrade cancel sbx && back'
for i in $(seq 1 "$KILL_N"); do
  kill_trial begin sbx "upgrade begin sbx --to 8.1" sig_begin
  test_expect_success "begin: cancelled after kill $i, the environment is as before" '
    ferry -q upgrade cancel sbx && back'
done

KILL_I=0
test_expect_success 'data: prepared' 'ferry -q upgrade begin sbx --to 8.1'
kill_reference data "upgrade data sbx" sig_data
test_expect_success 'data: rolled back, the environment is as before' 'ferry -q upgrade rollback sbx && back'
for i in $(seq 1 "$KILL_N"); do
  test_expect_success "data: prepared ($i)" 'ferry -q upgrade begin sbx --to 8.1'
  kill_trial data sbx "upgrade data sbx" sig_data
  test_expect_success "data: rolled back after kill $i, the environment is as before" '
    ferry -q upgrade rollback sbx && back'
done

KILL_I=0
test_expect_success 'rollback: prepared and data-upgraded' '
  ferry -q upgrade begin sbx --to 8.1 && ferry -q upgrade data sbx'
kill_reference rollback "upgrade rollback sbx" sig_rollback
test_expect_success 'rollback: the environment is as before' 'back'
for i in $(seq 1 "$KILL_N"); do
  test_expect_success "rollback: prepared and data-upgraded ($i)" '
    ferry -q upgrade begin sbx --to 8.1 && ferry -q upgrade data sbx'
  kill_trial rollback sbx "upgrade rollback sbx" sig_rollback
done
test_expect_success 'the store is intact' 'equals "$(store_check)" ok'
kill_summary
test_done
