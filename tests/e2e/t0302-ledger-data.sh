#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0302: the sample application's data: deterministic generator (rows, bytes), canonical dump,
# and the data-upgrade packages run step by step (SQL with sqlite3, exec with ledgerctl) from
# 7.3 to 8.1, directly and through 8.0, checked on the transformed data.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t030-ledger.lib"

make_release r80 ledger-app-8.0
make_release r81 ledger-app-8.1
UP80="$PKGS/ledger-data-upgrade-8.0"
UP81="$PKGS/ledger-data-upgrade-8.1"

test_expect_success 'generate is deterministic: same seed, same dump; other seed, other dump' '
	ledgerctl generate --db a.db --rows 1500 --seed 42 >out &&
	contains "$(cat out)" "release 7.3" &&
	ledgerctl generate --db b.db --rows 1500 --seed 42 >/dev/null &&
	ledgerctl generate --db c.db --rows 1500 --seed 43 >/dev/null &&
	equals "$(dump_sum a.db)" "$(dump_sum b.db)" &&
	test "$(dump_sum a.db)" != "$(dump_sum c.db)"'

test_expect_success 'generate --rows fills about that many rows with balanced postings' '
	rows=$(ledgerctl dump --db a.db | grep -c "^row ") && test "$rows" -ge 1500 && test "$rows" -lt 1600 &&
	ledgerctl check --db a.db >out && contains "$(cat out)" "release 7.3" &&
	equals "$(sqlite3 a.db "SELECT count(*) FROM (SELECT posting_id FROM posting_lines GROUP BY posting_id HAVING sum(amount_cents) <> 0)")" 0'

test_expect_success 'generate --bytes reaches the size; other releases have their shape' '
	ledgerctl generate --db big.db --bytes 600000 --release 8.0 >/dev/null &&
	test "$(stat -c %s big.db)" -ge 600000 &&
	equals "$(sqlite3 big.db "SELECT release FROM schema_version")" 8.0 &&
	test "$(sqlite3 big.db "SELECT count(DISTINCT currency) FROM invoices")" -gt 1'

test_expect_code 2 'generate needs exactly one of --rows and --bytes' \
	'ledgerctl generate --db x.db --rows 5 --bytes 5'

test_expect_success 'canonical dump: a copy is equal, one changed value is not' '
	sqlite3 a.db ".backup copy.db" && equals "$(dump_sum copy.db)" "$(dump_sum a.db)" &&
	sqlite3 copy.db "UPDATE customers SET email = email || \"x\" WHERE id = 7" &&
	test "$(dump_sum copy.db)" != "$(dump_sum a.db)" &&
	ledgerctl dump --db a.db | head -1 | grep -q "canonical dump"'

test_expect_success 'canonical dump is independent of physical row order' '
	sqlite3 a.db ".dump" | sqlite3 reloaded.db && sqlite3 reloaded.db "VACUUM" &&
	equals "$(dump_sum reloaded.db)" "$(dump_sum a.db)"'

# Facts about the 7.3 data the upgrade must transform.
cp a.db up81.db && cp a.db up80.db
write_config up81 1 "$SCRATCH/up81.db" "$SCRATCH/releases/r81"
write_config up80 1 "$SCRATCH/up80.db" "$SCRATCH/releases/r80"
blank_id=$(sqlite3 a.db "SELECT id FROM customers WHERE name LIKE ' %' LIMIT 1")
two_id=$(sqlite3 a.db "SELECT id FROM customers WHERE name LIKE '_% _% _%' AND name NOT LIKE ' %' AND name NOT LIKE '%  %' LIMIT 1")
dup_email=$(sqlite3 a.db "SELECT email FROM customers WHERE email IS NOT NULL GROUP BY lower(email) HAVING count(*) > 1 LIMIT 1")

test_expect_success 'the 7.3 data has what the upgrade fixes (blanks, duplicates, zero lines)' '
	test -n "$blank_id" && test -n "$two_id" && test -n "$dup_email" &&
	test "$(sqlite3 a.db "SELECT count(*) FROM posting_lines WHERE amount_cents = 0")" -gt 0'

test_expect_success 'the 8.1 data upgrade runs every phase in order from 7.3' '
	bash "$RUN_STEPS" "$UP81" data_upgrade up81.json >steps &&
	equals "$(cut -d" " -f2 steps | tr -d : | tr "\n" " ")" \
	"check-source 8.0-clean-customer-names unique-customer-emails drop-zero-posting-lines 8.0-currencies-and-name-columns tax-codes constraints 8.0-split-customer-names app-config-sync invoice-tax-codes set-data-release verify-data "'

test_expect_success 'upgraded: names split with backfill, blanks cleaned' '
	name=$(sqlite3 a.db "SELECT name FROM customers WHERE id = $two_id") &&
	equals "$(sqlite3 up81.db "SELECT first_name || \"/\" || last_name FROM customers WHERE id = $two_id")" \
		"${name%% *}/${name#* }" &&
	clean=$(sqlite3 a.db "SELECT trim(replace(name, \"  \", \" \")) FROM customers WHERE id = $blank_id") &&
	equals "$(sqlite3 up81.db "SELECT first_name || \" \" || last_name FROM customers WHERE id = $blank_id")" "$clean" &&
	! sqlite3 up81.db "PRAGMA table_info(customers)" | cut -d"|" -f2 | grep -qx name &&
	equals "$(sqlite3 up81.db "SELECT count(*) FROM customers")" "$(sqlite3 a.db "SELECT count(*) FROM customers")"'

test_expect_success 'upgraded: emails unique and enforced, zero lines gone and refused' '
	equals "$(sqlite3 up81.db "SELECT count(*) FROM customers WHERE email = lower(\"$dup_email\")")" 1 &&
	! sqlite3 up81.db "INSERT INTO customers (email, created_on) VALUES (\"$(echo "$dup_email" | tr A-Z a-z)\", \"2019-01-01\")" 2>err &&
	contains "$(cat err)" "UNIQUE constraint failed: customers.email" &&
	equals "$(sqlite3 up81.db "SELECT count(*) FROM posting_lines WHERE amount_cents = 0")" 0 &&
	! sqlite3 up81.db "INSERT INTO posting_lines (posting_id, account, amount_cents) VALUES (1, \"1100\", 0)" 2>err &&
	contains "$(cat err)" "CHECK constraint failed"'

test_expect_success 'upgraded: currencies and tax codes, balances kept, release 8.1' '
	equals "$(sqlite3 up81.db "SELECT count(*) FROM invoices WHERE currency <> \"USD\"")" 0 &&
	equals "$(sqlite3 up81.db "SELECT count(*) FROM invoices WHERE status = \"open\" AND tax_code IS NULL")" 0 &&
	equals "$(sqlite3 up81.db "SELECT group_concat(account || \"=\" || s) FROM (SELECT account, sum(amount_cents) s FROM posting_lines GROUP BY account HAVING s <> 0)")" \
		"$(sqlite3 a.db "SELECT group_concat(account || \"=\" || s) FROM (SELECT account, sum(amount_cents) s FROM posting_lines GROUP BY account HAVING s <> 0)")" &&
	ledgerctl check --db up81.db --release 8.1 &&
	equals "$(sqlite3 up81.db "SELECT value FROM app_config WHERE key = \"release\"")" 8.1'

test_expect_success 'upgraded schema equals a fresh release 8.1 schema' '
	ledgerctl generate --db fresh81.db --rows 10 --release 8.1 >/dev/null &&
	diff <(ledgerctl dump --db up81.db --schema-only) <(ledgerctl dump --db fresh81.db --schema-only)'

test_expect_success 'through 8.0: the 8.0 package, then the 8.1 package skips its 8.0 steps' '
	bash "$RUN_STEPS" "$UP80" data_upgrade up80.json >/dev/null &&
	ledgerctl check --db up80.db --release 8.0 &&
	diff <(ledgerctl dump --db up80.db --schema-only) <(ledgerctl generate --db fresh80.db --rows 5 --release 8.0 >/dev/null && ledgerctl dump --db fresh80.db --schema-only) &&
	write_config up80b 1 "$SCRATCH/up80.db" "$SCRATCH/releases/r81" &&
	bash "$RUN_STEPS" "$UP81" data_upgrade up80b.json >/dev/null &&
	(cd "$UP81" && "$LEDGERCTL" sql --db "$SCRATCH/up80.db" --if-release 7.3 upgrade/8.0/pre-sync-010-clean-names.sql) >out &&
	contains "$(cat out)" "skipped"'

test_expect_success '7.3 -> 8.0 -> 8.1 gives the same data as 7.3 -> 8.1' '
	equals "$(dump_sum up80.db)" "$(dump_sum up81.db)"'

test_expect_success 'the upgraded data serves on 8.1' '
	start_ledger svc "$SCRATCH/releases/r81" "$SCRATCH/up81.db" >/dev/null; U=$(cat svc.url) &&
	equals "$(curl -s -o /dev/null -w %{http_code} $U/health)" 200 &&
	equals "$(curl -sf $U/customers/$two_id | jq -r .first_name)" "$(sqlite3 a.db "SELECT name FROM customers WHERE id = $two_id" | cut -d" " -f1)" &&
	r=$(http POST $U/customers "{\"first_name\": \"Dup\", \"email\": \"$(echo "$dup_email" | tr A-Z a-z)\"}") &&
	equals "$(status "$r")" 409 && contains "$r" "already exists" &&
	r=$(http POST $U/invoices "{\"customer_id\": 1, \"amount_cents\": 10700, \"tax_code\": \"US-STD\", \"issued_on\": \"2019-05-01\"}") &&
	equals "$(status "$r")" 201 &&
	p=$(sqlite3 up81.db "SELECT max(id) FROM postings") &&
	equals "$(curl -sf $U/postings/$p | jq -c "[.lines[].amount_cents]")" "[10700,-10000,-700]" &&
	kill $(cat svc.pid)'

test_expect_success 'data upgrades refuse data they do not apply to' '
	! bash "$RUN_STEPS" "$UP80" data_upgrade up81.json 2>err &&
	contains "$(cat err)" "step .check-source. failed" &&
	! "$LEDGERCTL" check --db up81.db --from 7.3 2>err && contains "$(cat err)" "data is at release 8.1"'

test_expect_success 'check refuses a database whose postings do not balance' '
	cp a.db broken.db && sqlite3 broken.db "UPDATE posting_lines SET amount_cents = amount_cents + 1 WHERE id = 5" &&
	! "$LEDGERCTL" check --db broken.db 2>err && contains "$(cat err)" "does not balance"'
test_done
