#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0031: messages. Release names are accepted ignoring case and spaces where they name
# one release; user input echoed in an error has its control characters escaped and is
# cut when overlong; a refusal lists its rules without empty fields; the upgrade view's
# hints name `ferry upgrade rollback-package`.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t04-upgrade.lib"
test_cleanup_hook=stop_all

test_expect_success 'setup' 'up_setup'

test_expect_success 'release names ignore case and spaces: AX2012, AX 2012' '
	ferry upgrade check --from ax2012 --to 7.3 --json >a.json &&
	ferry upgrade check --from AX2012 --to 7.3 --json >b.json &&
	ferry upgrade check --from "AX 2012" --to 7.3 --json >c.json &&
	cmp a.json b.json && cmp a.json c.json'
test_expect_code 2 'an unknown release is still unknown' 'ferry upgrade check --from "AX 201" --to 8.1'

test_expect_success 'control characters in echoed input are escaped' '
	! ferry env show "$(printf "x\033[31mred\007")" 2>err &&
	! grep -q "$(printf "\033")" err && ! grep -q "$(printf "\007")" err &&
	grep -qF "x\\x1b[31mred\\x07" err'

test_expect_success 'overlong input is cut when echoed' '
	long=$(head -c 20000 /dev/zero | tr "\0" a) &&
	! ferry env show "$long" 2>err && test "$(wc -c <err)" -lt 400 && grep -q "a\.\.\." err &&
	! ferry project show "$long" 2>err && test "$(wc -c <err)" -lt 400'

test_expect_code 5 'a refusal by one rule has no empty field' '
	ferry env apply prod ledger-app@8.1.0 2>err'
test_expect_success 'its message reads "(1 rule): check: why"' '
	cat err && ! grep -q "):;" err && ! grep -q ": :" err && ! grep -q ";$" err'

test_expect_success 'the upgrade view names upgrade rollback-package' '
	ferry db refresh --from prod --to sbx >/dev/null && up_rehearse &&
	ferry upgrade begin sbx --to 8.1 >/dev/null &&
	ferry upgrade apply sbx fabrikam-tax@2.0.0 >out && cat out &&
	! grep -q "env rollback" out && ! grep -q "env signoff" out &&
	! ferry upgrade apply sbx contoso-reports@1.0.0 2>err && cat err &&
	grep -q "upgrade rollback-package sbx" err && ! grep -q "env rollback" err'
test_done
