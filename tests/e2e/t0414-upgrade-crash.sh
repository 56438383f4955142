#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0414: SIGKILL of ferry at every step boundary (before each step's work and after it, before
# its outcome is recorded) of the preparation, the data upgrade (and each step of the data
# upgrade package), the rollback and the commit; `ferry upgrade resume` after each kill. The
# end states equal an uninterrupted run: the upgraded database of a twin sandbox upgraded
# without a crash, the pre-upgrade database after the rollback; nothing left behind.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t04-upgrade.lib"

PREPARE="check fetch create-runtime deploy start health-check"
DATA="preflight fetch stop-upgrade stop-original restore-point swap-database swap-address data-upgrade sync-packages hold-baseline start baseline dvt finish"
ROLLBACK="stop-upgrade capture restore-database carry-back swap-back start-original remove-upgrade-runtime record"
COMMIT="check retire-original drop-staging-database record"
DU_STEPS=$(jq -r '.data_upgrade[].name' "$PKGS/ledger-data-upgrade-8.1/manifest.json")

# boundaries STEPS [PREFIX-STEP SUBSTEPS]: "s", "s:after" for each step; the package steps
# of the data-upgrade step inside it.
boundaries() {
	local s sub
	for s in $1; do
		echo "$s"
		if [ "$s" = data-upgrade ] && [ -n "${2:-}" ]; then
			for sub in $2; do echo "data-upgrade:$sub"; echo "data-upgrade:$sub:after"; done
		fi
		echo "$s:after"
	done
}

# crash_all ENV BOUNDARIES -- FIRST-COMMAND...: the first command is killed at the first
# boundary, `upgrade resume` at each next one, then a last resume completes.
crash_all() {
	local env=$1 list=$2 b first=1 rc
	shift 3
	for b in $list; do
		if [ $first = 1 ]; then
			FERRY_CRASH_AT=$b "$FERRY" "$@" >/dev/null 2>&1; rc=$?
			first=0
		else
			FERRY_CRASH_AT=$b "$FERRY" upgrade resume "$env" >/dev/null 2>&1; rc=$?
		fi
		[ "$rc" = 137 ] || { echo "boundary $b: exit $rc, not killed"; return 1; }
	done
	"$FERRY" upgrade resume "$env" >/dev/null
}

upgraded_db() { ferry env show "$1" --view upgrade --json | jq -r .database; }

test_expect_success 'setup: two sandboxes with the same scrubbed production data, a rehearsal' '
	up_setup && up_env twin sandbox 0 0 &&
	ferry db refresh --from prod --to sbx >/dev/null && ferry db refresh --from prod --to twin >/dev/null &&
	equals "$(db_sum "$(env_db sbx)")" "$(db_sum "$(env_db twin)")" && up_rehearse &&
	ledgerctl dump --db "$(env_db sbx)" >pre.dump'

test_expect_success 'the twin upgrades without a crash: the reference end state' '
	ferry upgrade begin twin --to 8.1 >/dev/null && ferry upgrade data twin >/dev/null &&
	ledgerctl dump --db "$(upgraded_db twin)" >data.ref &&
	ferry upgrade commit twin >/dev/null && ferry env stop twin >/dev/null &&
	ledgerctl dump --db "$(env_db twin)" >commit.ref && ferry env start twin >/dev/null'

ORIG=$(env_url sbx)
test_expect_success 'SIGKILL at every boundary of the preparation, then resume: prepared' '
	crash_all sbx "$(boundaries "$PREPARE")" -- upgrade begin sbx --to 8.1 &&
	status_json sbx >st.json && jq -e ".phase == \"prepared\"" st.json &&
	jq -e "[.operations[0].steps[] | select(.attempts == 3)] | length == 6" st.json &&
	ferry env show sbx --json | jq -e "(.runtimes | keys) == [\"main\", \"upgrade\"]" &&
	equals "$(version_of "$(up_url sbx)")" 8.1 && equals "$(version_of "$ORIG")" 7.3 &&
	equals "$(ls -d "$(env_dir sbx)"/upgrade.* | wc -l)" 1'

test_expect_success 'SIGKILL at every boundary of the data upgrade and its package steps, then resume' '
	crash_all sbx "$(boundaries "$DATA" "$DU_STEPS")" -- upgrade data sbx &&
	status_json sbx >st.json && jq -e ".phase == \"data-upgraded\" and .downtime.measured_ms > 0" st.json &&
	jq -e "[.operations[1].data_upgrade_steps[] | select(.state == \"succeeded\")] | length == 12" st.json &&
	equals "$(version_of "$ORIG")" 8.1'

test_expect_success 'the data equals the uninterrupted upgrade of the twin, no step mark left' '
	ledgerctl dump --db "$(upgraded_db sbx)" >data.crash && cmp data.ref data.crash &&
	! sqlite3 "$(upgraded_db sbx)" "select 1 from ferry_step_marks" 2>/dev/null &&
	! ls "$(env_dir sbx)/db/restore-points/" | grep -q "^step-"'

test_expect_success 'SIGKILL at every boundary of the rollback, then resume: the original as it was' '
	crash_all sbx "$(boundaries "$ROLLBACK")" -- upgrade rollback sbx &&
	equals "$(phase sbx)" rolled-back && equals "$(version_of "$ORIG")" 7.3 &&
	ferry env show sbx --json | jq -e "(.runtimes | keys) == [\"main\"] and .app_release == \"7.3\"" &&
	! ls -d "$(env_dir sbx)"/upgrade.* 2>/dev/null &&
	ferry env stop sbx >/dev/null && ledgerctl dump --db "$(env_db sbx)" >post.dump &&
	ferry env start sbx >/dev/null && cmp pre.dump post.dump'

test_expect_success 'SIGKILL at every boundary of the commit, then resume: the twin'"'"'s end state' '
	ferry upgrade begin sbx --to 8.1 >/dev/null && ferry upgrade data sbx >/dev/null &&
	crash_all sbx "$(boundaries "$COMMIT")" -- upgrade commit sbx &&
	equals "$(phase sbx)" committed && equals "$(version_of "$ORIG")" 8.1 &&
	ferry env show sbx --json | jq -e "(.runtimes | keys) == [\"main\"] and .app_release == \"8.1\"" &&
	! test -e "$(env_dir sbx)/releases" && ! test -e "$(env_dir sbx)/config.json" &&
	ferry env stop sbx >/dev/null && ledgerctl dump --db "$(env_db sbx)" >commit.crash &&
	cmp commit.ref commit.crash'

test_expect_success 'no operation is left unfinished, no work files remain' '
	ferry op list --json | jq -e "[.[] | select(.state | IN(\"succeeded\", \"rolled-back\", \"aborted\") | not)] | length == 0" &&
	equals "$(ls "$FERRY_HOME/work" 2>/dev/null | wc -l)" 0'
test_done
