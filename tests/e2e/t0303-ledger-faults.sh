#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0303: the sample application's operations: DVT per service model over HTTP, the fault
# switches that reproduce the seed's known issues (an intermittent MRProcessService DVT failure;
# "Call to TTSCOMMIT without first calling TTSBEGIN" mid-transaction in the configuration sync),
# a data upgrade resumed at its failed step, and the refresh scrub steps.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t030-ledger.lib"

make_release r73 ledger-app-7.3
make_release r81 ledger-app-8.1
APP81="$PKGS/ledger-app-8.1"
UP81="$PKGS/ledger-data-upgrade-8.1"
MODELS="CustomerService InvoiceService LedgerPostingService BatchService MRProcessService"
ledgerctl generate --db "$SCRATCH/prod.db" --rows 800 --seed 5 --release 8.1 >/dev/null
start_ledger prod "$SCRATCH/releases/r81" "$SCRATCH/prod.db" '{"dvt_MRProcessService": 2}'

test_expect_success 'every DVT of the application package passes against the running service' '
	for m in CustomerService InvoiceService LedgerPostingService BatchService; do
		ledgerctl dvt $m --config prod.json >out || exit 1
		contains "$(cat out)" "service model: $m passed (release 8.1" || exit 1
	done &&
	equals "$(jq -r "[.dvt[].service_model] | join(\" \")" "$APP81/manifest.json")" "$MODELS"'

test_expect_success 'dvt_MRProcessService=2 fails the first two runs with the seed message' '
	! ledgerctl dvt MRProcessService --config prod.json 2>err1 &&
	contains "$(cat err1)" "DVT script for service model: MRProcessService failed: intermittent failure" &&
	contains "$(cat err1)" "injected fault 1 of 2" &&
	! ledgerctl dvt MRProcessService --config prod.json 2>err2 && contains "$(cat err2)" "fault 2 of 2"'

test_expect_success 'the third run (a resume) passes; the count persists in state_dir' '
	ledgerctl dvt MRProcessService --config prod.json && ledgerctl dvt MRProcessService --config prod.json &&
	equals "$(cat "$SCRATCH/state/prod/faults/dvt_MRProcessService.count")" 2'

test_expect_success 'a DVT finds a broken ledger: unbalanced postings fail LedgerPostingService' '
	cp prod.db prod.bak &&
	sqlite3 prod.db "UPDATE posting_lines SET amount_cents = amount_cents + 3 WHERE id = (SELECT min(id) FROM posting_lines)" &&
	! ledgerctl dvt LedgerPostingService --config prod.json 2>err &&
	contains "$(cat err)" "LedgerPostingService failed: the trial balance does not balance: 3 cents" &&
	cp prod.bak prod.db'

test_expect_success 'an unknown service model is an error naming the known ones' '
	! ledgerctl dvt NoSuchService --config prod.json 2>err && contains "$(cat err)" "MRProcessService"'

stop_ledger prod
test_expect_success 'a DVT against a stopped service fails and says why' '
	! ledgerctl dvt CustomerService --config prod.json 2>err &&
	contains "$(cat err)" "DVT script for service model: CustomerService failed: GET http://127.0.0.1"'

# Configuration sync with the TTSCOMMIT fault.
cp prod.db sync.db
write_config sync 1 "$SCRATCH/sync.db" "$SCRATCH/releases/r81" '{"ttscommit": 1}'
test_expect_success 'ttscommit=1: config-sync fails mid-transaction and leaves nothing written' '
	before=$(dump_sum sync.db) &&
	! ledgerctl config-sync --config sync.json 2>err &&
	contains "$(cat err)" "Application configuration sync failed. Call to TTSCOMMIT without first calling TTSBEGIN." &&
	equals "$(dump_sum sync.db)" "$before" &&
	equals "$(sqlite3 sync.db "SELECT count(*) FROM app_config")" 0'

test_expect_success 'the next config-sync succeeds and writes the release configuration' '
	ledgerctl config-sync --config sync.json >out && contains "$(cat out)" "release 8.1" &&
	equals "$(sqlite3 sync.db "SELECT value FROM app_config WHERE key = \"tax.enabled\"")" 1 &&
	sum=$(dump_sum sync.db) && ledgerctl config-sync --config sync.json >/dev/null &&
	equals "$(dump_sum sync.db)" "$sum"'

# A data upgrade that hits the TTSCOMMIT fault, resumed at the failed step, ends where an
# uninterrupted upgrade ends.
ledgerctl generate --db "$SCRATCH/src.db" --rows 900 --seed 9 >/dev/null
cp src.db clean.db && cp src.db faulty.db
write_config clean 1 "$SCRATCH/clean.db" "$SCRATCH/releases/r81"
write_config faulty 1 "$SCRATCH/faulty.db" "$SCRATCH/releases/r81" '{"ttscommit": 2}'
test_expect_success 'a data upgrade stops at app-config-sync while the fault fires' '
	bash "$RUN_STEPS" "$UP81" data_upgrade clean.json >/dev/null &&
	! bash "$RUN_STEPS" "$UP81" data_upgrade faulty.json >out 2>err &&
	contains "$(cat err)" "step .app-config-sync. failed" &&
	contains "$(tail -1 out)" "8.0-split-customer-names: ok" &&
	! RUN_STEPS_FROM=app-config-sync bash "$RUN_STEPS" "$UP81" data_upgrade faulty.json 2>err &&
	contains "$(cat err)" "app-config-sync"'

test_expect_success 'resume at the failed step completes; same data as the uninterrupted run' '
	RUN_STEPS_FROM=app-config-sync bash "$RUN_STEPS" "$UP81" data_upgrade faulty.json >out &&
	contains "$(cat out)" "verify-data: ok" &&
	equals "$(dump_sum faulty.db)" "$(dump_sum clean.db)"'

# Refresh scrub on a copy of production.
cp src.db copy.db
write_config copy 1 "$SCRATCH/copy.db" "$SCRATCH/releases/r73"
test_expect_success 'production data is not scrubbed' '
	! ledgerctl scrub-status --db src.db >out && equals "$(jq .scrubbed out)" false &&
	test "$(jq .secrets out)" -gt 0 && equals "$(jq .outgoing_mail out)" true'

test_expect_success 'the scrub steps disable users, hold batch jobs, clear secrets and mail' '
	bash "$RUN_STEPS" "$PKGS/ledger-app-7.3" scrub copy.json >/dev/null &&
	ledgerctl scrub-status --db copy.db >out && equals "$(jq .scrubbed out)" true &&
	equals "$(jq -c "[.enabled_users[].login]" out)" "[\"admin\"]" &&
	equals "$(sqlite3 copy.db "SELECT group_concat(status) FROM (SELECT DISTINCT status FROM batch_jobs ORDER BY status)")" "ended,on-hold" &&
	equals "$(sqlite3 copy.db "SELECT count(*) FROM secrets")" 0 &&
	equals "$(sqlite3 copy.db "SELECT coalesce(smtp_host, \"-\") || enabled FROM mail_settings")" "-0" &&
	equals "$(sqlite3 copy.db "SELECT count(*) FROM customers")" "$(sqlite3 src.db "SELECT count(*) FROM customers")"'

test_expect_success 'scrub steps are idempotent' '
	sum=$(dump_sum copy.db) && bash "$RUN_STEPS" "$PKGS/ledger-app-7.3" scrub copy.json >/dev/null &&
	equals "$(dump_sum copy.db)" "$sum"'

test_expect_success 'pre-install check accepts a missing database (first deploy)' '
	write_config fresh 1 "$SCRATCH/none/ledger.db" "$SCRATCH/releases/r73" &&
	bash "$RUN_STEPS" "$PKGS/ledger-app-7.3" pre-install fresh.json >out && contains "$(cat out)" "check-db: ok"'
test_done
