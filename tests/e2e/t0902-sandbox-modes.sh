#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0902: the sandbox's other modes and its refusals (docs/SECURITY.md). The hostile
# application of t09-sandbox.lib attacks at start under: Landlock alone with ferry's
# uid 0 and no capabilities (sandbox-users=no), bubblewrap (sandbox=bwrap), and a
# ferry that is not root (Landlock is then the whole boundary). Bad settings and
# manifests, and a root ferry without a capability the sandbox needs, are refused
# clearly; sandbox=none is reported, never silent; a database password reaches the
# environment only in a 0600 file.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t09-sandbox.lib"
sb_own_uids

stop_all() {
	local n
	for n in $(ferry env list --json 2>/dev/null | jq -r '.[].name'); do
		ferry -q env stop "$n" --grace 1 >/dev/null 2>&1
	done
	[ -n "${NB_HOME:-}" ] && for n in a b; do nb env stop $n --grace 1 >/dev/null 2>&1; done
	[ -n "${NB_HOME:-}" ] && rm -rf "$NB_HOME"
	return 0
}
test_cleanup_hook=stop_all
command -v bwrap >/dev/null || { echo "not ok 1 - bubblewrap installed (scripts/deps.sh)"; echo "1..1"; exit 1; }

ferry init >/dev/null
ferry project create contoso >/dev/null
ferry -q project set contoso --allow-unsigned yes
ferry key generate vendor >/dev/null
for e in prod lone wrap open pgsb; do
	ferry env create $e --project contoso --role sandbox --app 7.3 --platform PU12 >/dev/null
done
ferry -q env deploy prod --from-dir "$PKGS/ledger-app-7.3"
ferry -q env stop prod

test_expect_code 2 'a bad sandbox setting is refused, naming what it accepts' '
	FERRY_SANDBOX=chroot ferry env list 2>err; rc=$?
	grep -q "sandbox .chroot.: expected one of auto|landlock|bwrap|none" err || exit 9; exit $rc'
test_expect_code 2 'a bad uid range is refused' '
	ferry --sandbox-uids 99-10 env list 2>err; rc=$?
	grep -q "sandbox-uids .99-10.: expected LO-HI" err || exit 9; exit $rc'

bad_manifest() {
	mkdir -p "bad$1/bin" && printf "#!/bin/sh\n" >"bad$1/bin/app" && chmod 755 "bad$1/bin/app" &&
	echo "{\"format\": 1, \"name\": \"bad\", \"version\": \"1.0.0\", \"type\": \"application\",
		\"product\": \"finance-operations\", \"provides\": {\"release\": \"7.3\"},
		\"service\": {\"exec\": [\"bin/app\"]}}" | jq "$2" >"bad$1/manifest.json" &&
	ferry package build "bad$1" -o "bad$1.zip" 2>"bad$1.err"
}
test_expect_code 2 'a manifest limit out of range is refused, naming the field and the range' '
	bad_manifest 1 ".limits = {processes: 5}"; rc=$?
	grep -q "limits.processes: must be an integer from 16 to 65536" bad1.err || exit 9; exit $rc'
test_expect_code 2 'an unknown limit is refused' '
	bad_manifest 2 ".limits = {cpu: 2}"; rc=$?
	grep -q "limits.cpu: unknown limit (known: open_files, processes, memory_mb)" bad2.err || exit 9; exit $rc'
test_expect_code 2 'a package may not set ferry'"'"'s variables' '
	bad_manifest 3 ".environment = {FERRY_DB: \"x\"}"; rc=$?
	grep -q "environment.FERRY_DB: set by ferry" bad3.err || exit 9; exit $rc'
test_expect_code 2 'only an application declares limits' '
	bad_manifest 4 ".type = \"isv\" | del(.service) | .limits = {open_files: 100}"; rc=$?
	grep -q "limits: only application packages declare it" bad4.err || exit 9; exit $rc'

test_expect_code 5 'as root, sandbox-users=no is refused: vendor code never runs as root' '
	FERRY_SANDBOX_USERS=no ferry env deploy lone --from-dir "$PKGS/ledger-app-7.3" 2>err; rc=$?
	grep -q "sandbox-users=no while ferry runs as root would run environment .lone. as root" err || exit 9
	ferry env show lone --json | jq -e ".runtime != \"running\"" >/dev/null || exit 8; exit $rc'

# a unit whose CapabilityBoundingSet took what the sandbox needs (contrib/ferryd.service)
test_expect_code 5 'as root without CAP_SYS_ADMIN (a bounding set took it): refused, naming it' '
	setpriv --bounding-set -sys_admin -- "$FERRY" env deploy lone --from-dir "$PKGS/ledger-app-7.3" 2>err; rc=$?
	grep -q "ferry runs as root without CAP_SYS_ADMIN.*CapabilityBoundingSet" err || { cat err; exit 9; }
	ferry env show lone --json | jq -e ".runtime != \"running\"" >/dev/null || exit 8; exit $rc'

test_expect_success 'bubblewrap (sandbox=bwrap): all denied but the network it cannot confine' '
	SB_NET=host sb_targets t-wrap vendor prod && sb_app wrap-app t-wrap &&
	FERRY_SANDBOX=bwrap FERRY_SANDBOX_MEMORY=address-space ferry -q env deploy wrap --from-dir wrap-app &&
	ferry env logs wrap -n 1000 >wrap.log && sb_expect wrap.log service &&
	FERRY_SANDBOX=bwrap ferry env show wrap --json | jq .runtimes.main.sandbox >wrap.json &&
	jq -e ".mode == \"bwrap\" and .landlock_abi == null and .user == \"environment\" and
		.network.mode == \"host\" and (.note | contains(\"bubblewrap cannot confine TCP\")) and
		.process.no_new_privs" wrap.json'

test_expect_success 'sandbox=none is shown, never silent' '
	FERRY_SANDBOX=none ferry -q env deploy open --from-dir "$PKGS/ledger-app-7.3" &&
	FERRY_SANDBOX=none ferry env show open --json | jq .runtimes.main.sandbox >open.json &&
	jq -e ".mode == \"none\" and .filesystem == null and (.note | contains(\"nothing confines\")) and
		(.process.no_new_privs | not)" open.json &&
	ferry -q env stop open'

# A ferry that is not root: its home and processes belong to nobody; Landlock is the
# whole boundary (no uid of their own, no private view).
NB_HOME=$(mktemp -d "${TMPDIR:-/tmp}/ferry-t0902-nobody.XXXXXX")
chown nobody: "$NB_HOME" && chmod 0755 "$NB_HOME"
nb() { env -u FERRY_STORE FERRY_HOME="$NB_HOME/home" setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$FERRY" "$@"; }

test_expect_success 'not root: Landlock alone, its own uid; the attacks are denied' '
	nb init >/dev/null && nb project create p >/dev/null && nb -q project set p --allow-unsigned yes &&
	nb env create a --project p --role sandbox --app 7.3 --platform PU12 >/dev/null &&
	nb env create b --project p --role sandbox --app 7.3 --platform PU12 >/dev/null &&
	nb -q env deploy a --from-dir "$PKGS/ledger-app-7.3" && nb -q env stop a &&
	nb key generate vendor >/dev/null &&
	FERRY_HOME="$NB_HOME/home" SB_FERRY=nb SB_PROC_HIDDEN=0 SB_PRIVATE_TMP=0 sb_targets "$NB_HOME/t-nb" vendor a &&
	sb_app "$NB_HOME/nb-app" "$NB_HOME/t-nb" && chown -R nobody: "$NB_HOME/nb-app" &&
	FERRY_SANDBOX_MEMORY=address-space nb -q env deploy b --from-dir "$NB_HOME/nb-app" &&
	nb env logs b -n 1000 >nb.log && sb_expect nb.log service &&
	nb env show b --json | jq .runtimes.main.sandbox >nb.json &&
	jq -e ".mode == \"landlock\" and .user == \"ferry\" and .uid == $(id -u nobody) and
		.filesystem.view == null and .process.no_new_privs" nb.json'

test_expect_code 5 'not root: sandbox-users=yes is refused, naming the setting' '
	FERRY_SANDBOX_USERS=yes nb env start a 2>err; rc=$?
	grep -q "sandbox-users=yes needs ferry to run as root" err || exit 9; exit $rc'

# A database password: never in argv, the environment or config.json.
if [ -n "${FERRY_PG:-}" ]; then
	. "$FERRY_PG/env"
	pre="ft0902p$$"
	test_cleanup_hook='stop_all; for d in $(psql -X -At -d postgres -c "SELECT datname FROM pg_database WHERE datname LIKE '"'"'${pre}%'"'"'"); do dropdb --force "$d"; done'
	test_expect_success 'a database password reaches the environment only in its 0600 file' '
		ferry -q env deploy pgsb --from-dir "$PKGS/ledger-app-7.3" \
			--db "postgresql:///$pre?host=$PGHOST&port=$PGPORT&user=$PGUSER&password=s3cr3t-pw" &&
		d=$FERRY_HOME/environments/pgsb && pid=$(ferry env show pgsb --json | jq -r .pid) &&
		! grep -q s3cr3t "$d/config.json" && jq -e ".database | contains(\"passfile=$d/secrets/pgpass\")" "$d/config.json" &&
		! tr "\0" "\n" </proc/$pid/environ | grep -q s3cr3t && ! tr "\0" " " </proc/$pid/cmdline | grep -q s3cr3t &&
		equals "$(stat -c "%a %u" "$d/secrets/pgpass")" "600 $(ferry env show pgsb --json | jq .runtimes.main.sandbox.uid)" &&
		grep -q ":s3cr3t-pw$" "$d/secrets/pgpass" &&
		curl -sf "$(ferry env show pgsb --json | jq -r .url)/health" >/dev/null'
else
	test_skip_ "a database password reaches the environment only in its 0600 file" \
		"PostgreSQL: tests/run.sh starts one (FERRY_PG) unless FERRY_TEST_BACKENDS=sqlite"
fi

test_expect_success 'no attack left a file on the host (/tmp, /var/tmp, /etc)' '! sb_escaped'

test_done
