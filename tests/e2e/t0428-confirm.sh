#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0428: destructive commands ask first. On a terminal (script(1) gives one) `upgrade
# data`, `upgrade rollback`, `upgrade cancel`, `db refresh` and `env rm` say what they
# will do (the predicted downtime, the writes at stake, what is removed) and go on only
# on "y"; --yes does not ask; without a terminal they go on as before (documented), except
# a rollback that would discard writes. The command table marks exactly these five.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t04-upgrade.lib"
. "$FERRY_SRC/tests/e2e/t042-writes.lib"

# tty ANSWER COMMAND...: run ferry on a pseudo-terminal, answering ANSWER; its output in
# tty.out; its exit code.
tty() {
	local answer=$1
	shift
	printf '%s\n' "$answer" | script -qefc "$(printf '%q ' "$FERRY" "$@")" /dev/null >tty.out 2>&1
}

test_expect_success 'the command table marks the five destructive commands, and they take --yes' '
	ferry help --json | jq -r "[.[] | .name as \$g | .commands[]? | select(.confirm) | \"\(\$g) \(.name)\"] | sort | .[]" >marked &&
	printf "db refresh\nenv rm\nupgrade cancel\nupgrade data\nupgrade rollback\n" >want && diff want marked &&
	ferry upgrade rollback --help | grep -q -- "--yes" && ferry env rm --help | grep -q "asks first"'

test_expect_success 'setup: production and sandbox on 7.3, refreshed, rehearsed, an upgrade begun' '
	up_setup && ferry db refresh --from prod --to sbx >/dev/null && up_rehearse &&
	ferry upgrade begin sbx --to 8.1 >/dev/null'

test_expect_code 5 'cancel on a terminal says what it removes; "n" changes nothing' '
	tty n upgrade cancel sbx; rc=$?
	grep -q "removes the upgrade-in-progress environment" tty.out && grep -q "Go on?" tty.out &&
	grep -q "nothing was done" tty.out && equals "$(phase sbx)" prepared && exit $rc'

test_expect_code 5 'the data upgrade on a terminal says the downtime predicted; "n" changes nothing' '
	tty n upgrade data sbx; rc=$?
	grep -q "Predicted downtime: [0-9.]* s" tty.out && equals "$(phase sbx)" prepared && exit $rc'

ORIG=$(env_url sbx)
test_expect_success '--yes on a terminal does not ask' '
	tty "" upgrade data sbx --yes --no-watch && ! grep -q "Go on?" tty.out &&
	equals "$(phase sbx)" data-upgraded && users_write "$ORIG"'

test_expect_code 5 'the rollback on a terminal says the writes at stake; "n" changes nothing' '
	tty n upgrade rollback sbx; rc=$?
	grep -q "Writes at stake since the upgrade: 14 rows: 10 carried back, 4 conflicts" tty.out &&
	grep -q "customers *2 carried" tty.out && equals "$(phase sbx)" data-upgraded && exit $rc'

test_expect_success 'the plan is a read: it does not ask' '
	tty "" upgrade rollback sbx --plan && ! grep -q "Go on?" tty.out && grep -q "the rollback can go on" tty.out'

test_expect_success '"y" goes on' '
	tty y upgrade rollback sbx && grep -q "Go on?" tty.out && grep -q "Rolled back" tty.out &&
	equals "$(phase sbx)" rolled-back'

test_expect_code 5 'a refresh on a terminal says whose data is lost' '
	tty n db refresh --from prod --to sbx; rc=$?
	grep -q "the data of .sbx. now is lost" tty.out && exit $rc'

test_expect_code 5 'env rm on a terminal names the database it deletes' '
	tty n env rm dev; rc=$?
	grep -q "deletes its runtimes, releases and its database" tty.out &&
	ferry env show dev >/dev/null && exit $rc'

test_expect_success 'without a terminal they go on as before' '
	ferry env rm dev </dev/null >/dev/null && ! ferry env show dev >/dev/null 2>&1'
test_done
