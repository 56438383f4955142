#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0429: the baseline of the upgraded database is taken after the start, the database held
# still until then (SQLite in rollback-journal mode: a lock on SQLite's SHARED range, kept
# by a process of its own). The order of the steps and the holder gone at the end; ferry
# killed at each boundary of the held region (and inside both steps), resumed: the same
# upgraded database, its baseline, no holder left, the rollback back to the pre-upgrade
# dump; killed after the start and before the baseline: the holder keeps a writer (the
# sqlite3 shell) waiting (it holds SQLite's PENDING lock), the resume takes the baseline
# without waiting behind it, and the write, made after the baseline, is carried back by
# the rollback; the holder killed too and a write landing: the resume and the rollback
# refuse it loudly (it cannot be told from the upgrade's), --discard-writes goes on.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t04-upgrade.lib"
. "$FERRY_SRC/tests/e2e/t042-writes.lib"

steplog() { ferry op log "$(op_of sbx upgrade.data)" "$1"; }
holder() {
	local p
	p=$(steplog hold-baseline | sed -n 's/.*is held (process \([0-9]*\)).*/\1/p' | tail -1)
	echo "$p" >>"$SCRATCH/holders" && echo "$p"
}
# an open-file-description read lock (a holder's) on the database file $1
ofd_held() { grep -q "OFDLCK ADVISORY *READ .*:$(stat -c %i "$1") " /proc/locks; }
# the holders this test saw, ended whatever happens (a failed step may leave one)
end_holders() {
	local p
	for p in $(cat "$SCRATCH/holders" 2>/dev/null); do alive "$p" && kill -9 "$p"; done
	stop_all
}
test_cleanup_hook=end_holders
alive() { [ -r "/proc/$1/stat" ] && ! grep -q ') Z ' "/proc/$1/stat"; }
# SQLite's PENDING byte (0x40000000) write-locked: a writer waits for the readers to go
pending() { grep -q ' WRITE .* 1073741824 1073741824$' /proc/locks; }
new_customer() {
	api_ledger POST "$ORIG" /customers "{\"first_name\": \"Held\", \"last_name\": \"Write\", \"email\": \"$1@example.test\"}"
}

# The sample application's database in rollback-journal mode (ferry makes a new one in WAL
# mode: there the baseline is taken before the start, t0420).
test_expect_success 'setup: production and sandbox on 7.3, refreshed, rehearsed, journal mode DELETE' '
	up_setup && ferry db refresh --from prod --to sbx >/dev/null && up_rehearse &&
	ferry env stop sbx >/dev/null &&
	equals "$(sqlite3 "$(env_db sbx)" "PRAGMA journal_mode=DELETE")" delete &&
	ferry env start sbx >/dev/null'
ORIG=$(env_url sbx)

test_expect_success 'held before the start, the baseline taken after it, the holder gone' '
	ferry env stop sbx >/dev/null && db_sum "$(env_db sbx)" >pre.sum && ferry env start sbx >/dev/null &&
	ferry upgrade begin sbx --to 8.1 >/dev/null && ferry upgrade data sbx >/dev/null &&
	db_sum "$(live_db sbx)" >up.sum &&
	equals "$(version_of "$ORIG")" 8.1 && status_json sbx >st.json &&
	jq -e ".operations[1].steps | map(.name) | index(\"hold-baseline\") < index(\"start\") and
		index(\"start\") < index(\"baseline\")" st.json &&
	jq -e ".baseline.restore_point | test(\"^post-upgrade-[0-9]+$\")" st.json &&
	P=$(holder) && [ -n "$P" ] && wait_for 10 "! alive $P" "the holder gone" &&
	steplog baseline | grep -q "restore point post-upgrade-" &&
	ferry upgrade rollback sbx >/dev/null && equals "$(phase sbx)" rolled-back'

# every holder the operation's log names is gone
holders_gone() {
	local p
	for p in $(steplog hold-baseline | sed -n 's/.*is held (process \([0-9]*\)).*/\1/p'); do
		echo "$p" >>"$SCRATCH/holders"
		wait_for 10 "! alive $p" "holder $p gone" || return 1
	done
}
for b in hold-baseline hold-baseline:held hold-baseline:recorded hold-baseline:after start \
	start:after baseline baseline:taken baseline:after dvt; do
	test_expect_success "killed at $b, resumed: the same upgraded database, its baseline, no holder" '
		ferry upgrade begin sbx --to 8.1 >/dev/null &&
		{ FERRY_CRASH_AT=$b ferry upgrade data sbx >/dev/null 2>&1; equals $? 137; } &&
		ferry upgrade resume sbx >/dev/null && equals "$(phase sbx)" data-upgraded &&
		equals "$(version_of "$ORIG")" 8.1 && holders_gone &&
		status_json sbx | jq -e ".baseline.restore_point | test(\"^post-upgrade-\")" &&
		equals "$(db_sum "$(live_db sbx)")" "$(cat up.sum)" &&
		ferry upgrade rollback sbx --plan --json | jq -e ".can_roll_back and .summary.rows == 0" &&
		ferry upgrade rollback sbx >/dev/null && equals "$(version_of "$ORIG")" 7.3 &&
		ferry env stop sbx >/dev/null && equals "$(db_sum "$(env_db sbx)")" "$(cat pre.sum)" &&
		ferry env start sbx >/dev/null'
done

# the holder's copy waits until the application is up (on XFS a copy beside the start
# slowed the start 3x): with ferry stopped at the start step the holder sits in poll(2)
# (syscall 7; ppoll 271) on its pipe, no copy made; ferry continued, the copy follows
in_poll() { case "$(cut -d" " -f1 "/proc/$1/syscall" 2>/dev/null)" in 7|271) return 0 ;; esac; return 1; }
stopped() { grep -q "^State:.*T (stopped)" "/proc/$1/status"; }
test_expect_success 'the holder copies once the started application answers, not beside its start' '
	ferry upgrade begin sbx --to 8.1 >/dev/null &&
	{ FERRY_CRASH_AT=start=stop "$FERRY" upgrade data sbx >out 2>&1 & F=$!; } && track_pid $F &&
	{ wait_for 60 "stopped $F" "ferry stopped at the start step" &&
	  P=$(holder) && [ -n "$P" ] && wait_for 10 "in_poll $P" "the holder waiting for its go" &&
	  ofd_held "$(live_db sbx)" && RPD="$(dirname "$(live_db sbx)")/restore-points" &&
	  ! ls "$RPD"/*post-upgrade* 2>/dev/null; ok=$?; kill -CONT $F; wait $F && equals $ok 0; } &&
	equals "$(phase sbx)" data-upgraded &&
	wait_for 10 "! alive $P" "the holder gone once its copy is made" &&
	ls "$RPD"/*post-upgrade-* &&
	steplog baseline | grep -q "copied by the holder" &&
	ferry upgrade rollback sbx >/dev/null && equals "$(version_of "$ORIG")" 7.3'

test_expect_success 'killed before the baseline step: the holder copied and went by itself; writes land' '
	ferry upgrade begin sbx --to 8.1 >/dev/null &&
	{ FERRY_CRASH_AT=baseline ferry upgrade data sbx >/dev/null 2>&1; equals $? 137; } &&
	equals "$(version_of "$ORIG")" 8.1 && P=$(holder) && [ -n "$P" ] &&
	wait_for 10 "! alive $P" "the holder gone once its copy is made" &&
	sqlite3 "$(live_db sbx)" ".timeout 10000" "INSERT INTO customers (id, email, created_on,
		first_name, last_name) VALUES (900001, '"'"'held@example.test'"'"', '"'"'2026-12-06'"'"', '"'"'Held'"'"', '"'"'Write'"'"')"'

test_expect_success 'the plan sees that write against the holder'"'"'s copy before the resume' '
	ferry upgrade rollback sbx --plan --json >plan0.json &&
	jq -e "[.tables[] | select(.table == \"customers\") | .rows[] |
		select(.action == \"carry\" and .key.id == 900001)] | length == 1" plan0.json'

test_expect_success 'the resume records the holder'"'"'s copy as the baseline' '
	ferry upgrade resume sbx >/dev/null && equals "$(phase sbx)" data-upgraded &&
	steplog baseline | grep -q "copied by the holder" &&
	status_json sbx | jq -e ".baseline.restore_point | test(\"^post-upgrade-\")"'

test_expect_success 'the write made before the resume is one the rollback carries back' '
	ferry upgrade rollback sbx --plan --json >plan.json &&
	jq -e ".can_roll_back and .summary.rows >= 1" plan.json &&
	jq -e "[.tables[] | select(.table == \"customers\") | .rows[] |
		select(.action == \"carry\" and .key.id == 900001)] | length == 1" plan.json &&
	ferry upgrade rollback sbx >/dev/null && equals "$(version_of "$ORIG")" 7.3 &&
	api_ledger GET "$ORIG" /customers/900001 | jq -e ".email == \"held@example.test\""'

# killed after the hold was recorded and before its holder was told to copy: the holder
# exits without a copy; a writer (here the sqlite3 shell) that lands before the resume
# makes the hold unusable: refused loudly, never taken as the baseline
test_expect_success 'the hold lost before its copy and a write landing: the resume refuses loudly' '
	ferry upgrade begin sbx --to 8.1 >/dev/null &&
	{ FERRY_CRASH_AT=hold-baseline:recorded ferry upgrade data sbx >/dev/null 2>&1; equals $? 137; } &&
	wait_for 10 "! ofd_held $(live_db sbx)" "the unconfirmed holder gone" &&
	sqlite3 "$(live_db sbx)" ".timeout 10000" "UPDATE customers SET last_name = '"'"'Lost'"'"' WHERE id = (SELECT min(id) FROM customers)" &&
	! ferry upgrade resume sbx 2>err && cat err >&2 &&
	file_contains err "cannot tell writes made since" &&
	file_contains err "discard-writes"'

test_expect_success 'the rollback refuses too; --discard-writes goes on' '
	ferry upgrade rollback sbx --plan --json >plan2.json &&
	jq -e "(.can_roll_back | not) and (.refusal | test(\"written since it was held\"))" plan2.json &&
	! ferry upgrade rollback sbx 2>err2 &&
	ferry upgrade rollback sbx --discard-writes --yes >/dev/null &&
	equals "$(phase sbx)" rolled-back && equals "$(version_of "$ORIG")" 7.3'

test_done
