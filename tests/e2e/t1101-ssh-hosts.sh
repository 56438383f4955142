#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t1101: hosts reached over SSH (three sshd on this machine, tests/tools/hosts.sh):
# `ferry host add|list|show|check|rm` with the key pinned in the store and ferry
# installed as the agent; the refusals, each leaving the store unchanged: an unknown
# host key, a changed host key, a host without the tools ferry needs (every one
# listed), path traversal in a host directory, a name taken, a host with environments
# on it; and `env create --host` of a host nobody added.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t11-ssh.lib"

ferry init >/dev/null

test_expect_success '`ferry host help` lists add, list, show, check, rm' '
	ferry host help >out && for c in add list show check rm; do grep -q "^  $c " out || return 1; done &&
	ferry help | grep -q "^  host "'

test_expect_code 6 'a host whose key is not known is refused without --accept-host-key' '
	sum=$(store_sum) &&
	ferry host add a --ssh "root@$H1_ADDR" --identity "$HOSTS_KEY" --dir "$H1_DIR" 2>err;
	rc=$?; cat err >&2; grep -q "host key is not known" err && grep -q -- "--accept-host-key" err &&
	equals "$(store_sum)" "$sum" && ! on_exists 1 "$H1_DIR/bin/ferry" && exit $rc'

test_expect_success 'add: the key pinned (as ssh-keygen shows it), ferry installed, every check passed' '
	ferry host add a --ssh "root@$H1_ADDR" --identity "$HOSTS_KEY" --dir "$H1_DIR" --accept-host-key --json >a.json &&
	fp=$(ssh-keygen -lf "$HD/h1/ssh_host_ed25519_key.pub" | cut -d" " -f2) &&
	jq -e --arg fp "$fp" ".key_fingerprint == \$fp and .dir == \"$H1_DIR\" and .port == 22" a.json &&
	jq -e "[.checks[] | select(.ok | not)] | length == 0" a.json &&
	jq -e "[.checks[].check] | index(\"free-ports\") != null and index(\"disk-space\") != null and index(\"sandbox\") != null" a.json &&
	jq -e ".features | has(\"landlock_abi\") and has(\"user_namespaces\") and has(\"seccomp\")" a.json &&
	jq -e ".features.root and .features.sandbox.sandbox == \"landlock\" and .features.sandbox.users == \"environment\" and
		(.checks[] | select(.check == \"sandbox\") | .message | startswith(\"confines with landlock\"))" a.json &&
	on_exists 1 "$H1_DIR/bin/ferry" && ! test -e "$H1_DIR/bin/ferry" &&
	equals "$(store_sql "select count(*) from hosts where name = '\''a'\''")" 1'

test_expect_success 'list (local first), show, check' '
	ferry host list --json | jq -e "map(.name) == [\"local\", \"a\"]" &&
	ferry host show a --json | jq -e ".ssh == \"root@$H1_ADDR:22\" and (.runtimes | length) == 0" &&
	ferry host check a >out && grep -q "\[ ok \] agent" out && ! grep -q FAIL out &&
	ferry host check a --json | jq -e ".ok and (.checks | length) >= 8"'

test_expect_code 4 'a name taken is refused' '
	ferry host add a --ssh "root@$H2_ADDR" --identity "$HOSTS_KEY" --dir "$H2_DIR" --accept-host-key'

test_expect_code 6 'path traversal in a host directory is refused before any connection' '
	sum=$(store_sum) &&
	ferry host add b --ssh "root@$H2_ADDR" --identity "$HOSTS_KEY" --dir "$H2_DIR/../../../etc" --accept-host-key 2>err;
	rc=$?; grep -q "path traversal" err && equals "$(store_sum)" "$sum" &&
	! test -e "$FERRY_HOME/hosts/b.known_hosts" && exit $rc'

test_expect_code 2 'a directory that is not absolute, or odd characters in it, are refused' '
	ferry host add b --ssh "root@$H2_ADDR" --dir srv/ferry --accept-host-key'

test_expect_code 2 'a login that is not USER@ADDRESS[:PORT] is refused' '
	ferry host add b --ssh "root@$H2_ADDR:99999" --accept-host-key'

test_expect_code 5 'a host without the tools ferry needs is refused, every missing one listed' '
	hosts nopath "$HD" 2 && sum=$(store_sum) &&
	ferry host add b --ssh "root@$H2_ADDR" --identity "$HOSTS_KEY" --dir "$H2_DIR" --accept-host-key >out 2>err;
	rc=$?; cat out err >&2; for t in mkdir cat chmod mv rm uname; do grep -q "missing on the host: .*$t" out || exit 9; done &&
	grep -q "lacks tools" err && equals "$(store_sum)" "$sum" && ! on_exists 2 "$H2_DIR/bin" && exit $rc'

test_expect_success 'env create --host: only a recorded host' '
	ferry project create contoso >/dev/null &&
	sum=$(store_sum) &&
	test_must=$(ferry env create x --project contoso --role sandbox --app 7.3 --platform PU12 --host nope 2>&1); rc=$?;
	equals $rc 3 && contains "$test_must" "no host .nope." && equals "$(store_sum)" "$sum" &&
	ferry env create x --project contoso --role sandbox --app 7.3 --platform PU12 --host a >/dev/null &&
	equals "$(store_sql "select h.host from host_envs h join environments e on e.id = h.env_id where e.name = '\''x'\''")" a'

test_expect_code 4 'a host with an environment on it cannot be removed' '
	ferry host rm a'

test_expect_code 6 'a changed host key is refused: the connection, and every command that needs the host' '
	hosts rekey "$HD" 1 >/dev/null &&
	ferry host check a >out 2>err; rc=$?; cat out err >&2;
	grep -q "host key changed" err && grep -q "host key changed" out &&
	test_must=$(ferry env deploy x --from-dir "$PKGS/ledger-app-7.3" 2>&1); contains "$test_must" "host key changed" &&
	exit $rc'

test_expect_success 'rm: the host and its pinned key are gone once nothing is on it' '
	ferry -q env rm x && ferry host rm a >/dev/null &&
	ferry host list --json | jq -e "map(.name) == [\"local\"]" &&
	! test -e "$FERRY_HOME/hosts/a.known_hosts" &&
	equals "$(store_sql "select count(*) from hosts")" 0'
hosts_clean
test_done
