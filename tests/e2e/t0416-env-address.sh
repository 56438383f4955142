#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0416: the environment's address is right in every phase of an upgrade: `env show` and
# `env status` (--json .url) point at the runtime that serves, and `release` agrees with
# `app_release`, before the upgrade, after begin, after the data upgrade (before commit or
# rollback), after commit.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t04-upgrade.lib"
test_cleanup_hook=stop_all

# serves ENV: the release answering at env show's url equals env show's app_release and
# release; env status's url is the same.
serves() {
	local show url
	show=$(ferry env show "$1" --json) && url=$(jq -r .url <<<"$show") &&
	equals "$(ferry env status "$1" --json | jq -r .url)" "$url" &&
	equals "$(version_of "$url")" "$2" &&
	equals "$(jq -r .app_release <<<"$show")" "$2" &&
	jq -e '(.release // "") | contains("-" + $r + ".")' --arg r "$2" <<<"$show" >/dev/null ||
	{ echo "env show: $show"; ferry env status "$1" --json; return 1; }
}

test_expect_success 'setup: production and sandbox on 7.3, refreshed, rehearsed' '
	up_setup && ferry db refresh --from prod --to sbx >/dev/null && up_rehearse'
test_expect_success 'before the upgrade: the address serves 7.3' 'serves sbx 7.3'
test_expect_success 'after begin: the original still serves 7.3' '
	ferry upgrade begin sbx --to 8.1 >/dev/null && serves sbx 7.3'
test_expect_success 'after the data upgrade, before commit: the address serves 8.1' '
	ferry upgrade signoff sbx >/dev/null 2>&1; ferry upgrade data sbx >/dev/null && serves sbx 8.1'
test_expect_success 'the original view still names the stopped original' '
	ferry env show sbx --view original --json | jq -e ".slot == \"main\" and .runtime == \"stopped\""'
test_expect_success 'after commit: 8.1' 'ferry upgrade commit sbx >/dev/null && serves sbx 8.1'
test_expect_success 'production upgraded, rolled back after its data upgrade: 7.3 at the address again' '
	ferry upgrade begin prod --to 8.1 >/dev/null && ferry upgrade signoff prod >/dev/null 2>&1;
	ferry upgrade data prod >/dev/null && serves prod 8.1 &&
	ferry upgrade rollback prod >/dev/null && serves prod 7.3'
test_done
