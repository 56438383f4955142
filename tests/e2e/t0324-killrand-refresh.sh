#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0324: randomized kills of `ferry db refresh` (issue 22): the refresh of a sandbox from
# production SIGKILLed at random moments of its run (t032-killrand.lib) and resumed with
# `ferry op resume`: the sandbox's state, release, what it serves and its database's
# canonical dump (the scrubbed copy), production's data and the operation's state equal
# an uninterrupted refresh's.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t04-upgrade.lib"
. "$FERRY_SRC/tests/e2e/t032-killrand.lib"

up_setup ledger-app-7.3 || { echo "Bail out! setup failed"; exit 1; }
env_sig() {
  ferry env show "$1" --json | jq -c '{state, app_release, platform, runtime}' &&
  echo "$1 serves $(version_of "$(env_url "$1")") $(db_sum "$(env_db "$1")")"
}
sig() { env_sig sbx && env_sig prod && op_steps "$(newest_op sbx)"; }

kill_reference refresh "db refresh --from prod --to sbx" sig
test_expect_success 'refresh: the sandbox holds production'"'"'s data, scrubbed' '
  ledgerctl scrub-status --db "$(env_db sbx)" | jq -e ".scrubbed" >/dev/null &&
  ! equals "$(db_sum "$(env_db sbx)")" "$(db_sum "$(env_db prod)")" >/dev/null'
for i in $(seq 1 "$KILL_N"); do
  kill_trial refresh sbx "db refresh --from prod --to sbx" sig
done
test_expect_success 'the store is intact' 'equals "$(store_check)" ok'
kill_summary
test_done
