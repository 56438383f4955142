#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0702: the sample application on PostgreSQL: the same generator, canonical dump, data
# upgrades (SQL steps through psql, exec steps through ledgerctl), configuration sync, scrub
# and HTTP service as on SQLite, and the same canonical dump text on both engines.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t030-ledger.lib"

if [ -z "${FERRY_PG:-}" ]; then
  echo "1..0 # SKIP no PostgreSQL server (FERRY_PG; tests/run.sh starts one)"
  exit 0
fi
. "$FERRY_PG/env"
pre="ft_t0702_$$"
url() { echo "postgresql:///${pre}_$1?host=$PGHOST&port=$PGPORT&user=$PGUSER"; }
pgq() { psql -X -q -At -v ON_ERROR_STOP=1 -d "${pre}_$1" -c "$2"; }
drop_all() {
  stop_all_ledgers
  for d in $(psql -X -At -d postgres -c "SELECT datname FROM pg_database WHERE datname LIKE '${pre}%'"); do
    dropdb --force "$d"
  done
}
test_cleanup_hook='drop_all'
make_release r80 ledger-app-8.0
make_release r81 ledger-app-8.1
UP80="$PKGS/ledger-data-upgrade-8.0"
UP81="$PKGS/ledger-data-upgrade-8.1"
APP81="$PKGS/ledger-app-8.1"

test_expect_success 'generate on PostgreSQL creates the database; same seed, same dump as SQLite' '
	ledgerctl generate --db "$(url a)" --rows 1500 --seed 42 >out &&
	contains "$(cat out)" "release 7.3" &&
	equals "$(pgq a "SELECT release FROM schema_version")" 7.3 &&
	ledgerctl generate --db a.db --rows 1500 --seed 42 >/dev/null &&
	ledgerctl dump --db "$(url a)" >pg.dump && ledgerctl dump --db a.db >sq.dump &&
	test "$(grep -c "^row " pg.dump)" -ge 1500 &&
	diff -u sq.dump pg.dump'

test_expect_success 'canonical dump: a copy is equal, one changed value is not' '
	createdb -T "${pre}_a" "${pre}_copy" &&
	equals "$(dump_sum "$(url copy)")" "$(dump_sum "$(url a)")" &&
	pgq copy "UPDATE customers SET email = email || '\''x'\'' WHERE id = 7" &&
	test "$(dump_sum "$(url copy)")" != "$(dump_sum "$(url a)")"'

test_expect_success 'canonical dump is independent of physical row order' '
	createdb -T "${pre}_a" "${pre}_b" &&
	pgq b "UPDATE customers SET created_on = created_on WHERE id % 2 = 0" && pgq b "VACUUM FULL customers" &&
	equals "$(dump_sum "$(url b)")" "$(dump_sum "$(url a)")"'

test_expect_success 'check: a missing database passes only without --release/--from' '
	ledgerctl check --db "$(url missing)" >out && contains "$(cat out)" "empty database" &&
	! ledgerctl check --db "$(url missing)" --release 8.1 2>err && contains "$(cat err)" "missing or empty" &&
	ledgerctl check --db "$(url a)" >out && contains "$(cat out)" "release 7.3"'

createdb -T "${pre}_a" "${pre}_up81" && createdb -T "${pre}_a" "${pre}_up80"
cp a.db up81.db
write_config up81 1 "$(url up81)" "$SCRATCH/releases/r81"
write_config up81s 1 "$SCRATCH/up81.db" "$SCRATCH/releases/r81"
write_config up80 1 "$(url up80)" "$SCRATCH/releases/r80"

test_expect_success 'the 8.1 data upgrade runs every phase from 7.3 on PostgreSQL' '
	bash "$RUN_STEPS" "$UP81" data_upgrade up81.json >steps &&
	equals "$(cut -d" " -f2 steps | tr -d : | tr "\n" " ")" \
	"check-source 8.0-clean-customer-names unique-customer-emails drop-zero-posting-lines 8.0-currencies-and-name-columns tax-codes constraints 8.0-split-customer-names app-config-sync invoice-tax-codes set-data-release verify-data " &&
	ledgerctl check --db "$(url up81)" --release 8.1'

test_expect_success 'the upgraded data is the same on both engines (canonical dump)' '
	bash "$RUN_STEPS" "$UP81" data_upgrade up81s.json >/dev/null &&
	ledgerctl dump --db "$(url up81)" >pg81.dump && ledgerctl dump --db up81.db >sq81.dump &&
	diff -u sq81.dump pg81.dump &&
	equals "$(pgq up81 "SELECT count(*) FROM posting_lines WHERE amount_cents = 0")" 0'

test_expect_success 'upgraded constraints hold on PostgreSQL' '
	! pgq up81 "INSERT INTO posting_lines (id, posting_id, account, amount_cents) VALUES (999999, 1, '\''1100'\'', 0)" 2>err &&
	contains "$(cat err)" "check constraint" &&
	e=$(pgq up81 "SELECT email FROM customers WHERE email IS NOT NULL LIMIT 1") &&
	! pgq up81 "INSERT INTO customers (id, email, created_on) VALUES (999999, '\''$e'\'', '\''2019-01-01'\'')" 2>err &&
	contains "$(cat err)" "customers_email"'

test_expect_success 'upgraded schema equals a fresh release 8.1 schema' '
	ledgerctl generate --db "$(url fresh81)" --rows 10 --release 8.1 >/dev/null &&
	diff <(ledgerctl dump --db "$(url up81)" --schema-only) <(ledgerctl dump --db "$(url fresh81)" --schema-only)'

test_expect_success '7.3 -> 8.0 -> 8.1 gives the same data as 7.3 -> 8.1' '
	bash "$RUN_STEPS" "$UP80" data_upgrade up80.json >/dev/null &&
	ledgerctl check --db "$(url up80)" --release 8.0 &&
	write_config up80b 1 "$(url up80)" "$SCRATCH/releases/r81" &&
	bash "$RUN_STEPS" "$UP81" data_upgrade up80b.json >/dev/null &&
	equals "$(dump_sum "$(url up80)")" "$(dump_sum "$(url up81)")"'

test_expect_success 'the upgraded data serves on 8.1 from PostgreSQL' '
	start_ledger svc "$SCRATCH/releases/r81" "$(url up81)" >/dev/null; U=$(cat svc.url) &&
	equals "$(curl -s -o /dev/null -w %{http_code} $U/health)" 200 &&
	e=$(pgq up81 "SELECT email FROM customers WHERE email IS NOT NULL LIMIT 1") &&
	r=$(http POST $U/customers "{\"first_name\": \"Dup\", \"email\": \"$e\"}") &&
	equals "$(status "$r")" 409 &&
	r=$(http POST $U/customers "{\"name\": \"Ada Lovelace\", \"email\": \"ada@x.example\"}") &&
	equals "$(status "$r")" 201 && equals "$(body "$r" | jq -r .last_name)" Lovelace &&
	r=$(http POST $U/invoices "{\"customer_id\": 1, \"amount_cents\": 10700, \"tax_code\": \"US-STD\", \"issued_on\": \"2019-05-01\"}") &&
	equals "$(status "$r")" 201 &&
	p=$(pgq up81 "SELECT max(id) FROM postings") &&
	equals "$(curl -sf $U/postings/$p | jq -c "[.lines[].amount_cents]")" "[10700,-10000,-700]" &&
	equals "$(curl -sf $U/trial-balance | jq .total_cents)" 0 &&
	equals "$(curl -sf "$U/customers?limit=2&offset=1" | jq length)" 2'

test_expect_success 'DVT of every service model passes against the PostgreSQL service' '
	for m in $(jq -r ".dvt[].service_model" "$APP81/manifest.json"); do
		ledgerctl dvt $m --config svc.json >/dev/null || exit 1
	done'

test_expect_success 'config-sync: the ttscommit fault rolls back on PostgreSQL, the retry commits' '
	before=$(pgq up81 "SELECT count(*) FROM app_config") &&
	pgq up81 "DELETE FROM app_config WHERE key = '\''tax.enabled'\''" &&
	write_config cs 1 "$(url up81)" "$SCRATCH/releases/r81" "{\"ttscommit\": 1}" &&
	! ledgerctl config-sync --config cs.json 2>err && contains "$(cat err)" "TTSCOMMIT" &&
	equals "$(pgq up81 "SELECT count(*) FROM app_config WHERE key = '\''tax.enabled'\''")" 0 &&
	ledgerctl config-sync --config cs.json >out &&
	equals "$(pgq up81 "SELECT count(*) FROM app_config")" "$before"'

test_expect_success 'scrub steps and scrub-status on PostgreSQL' '
	! ledgerctl scrub-status --db "$(url up81)" >/dev/null &&
	bash "$RUN_STEPS" "$APP81" scrub up81.json >/dev/null &&
	ledgerctl scrub-status --db "$(url up81)" | jq -e ".scrubbed and .secrets == 0"'

test_expect_success 'check refuses a database whose postings do not balance' '
	pgq copy "UPDATE posting_lines SET amount_cents = amount_cents + 1 WHERE id = 5" &&
	! ledgerctl check --db "$(url copy)" 2>err && contains "$(cat err)" "does not balance"'

test_expect_success 'a failing SQL file rolls back whole on PostgreSQL' '
	printf "UPDATE users SET enabled = 0;\nSELECT no_such_function();\n" >bad.sql &&
	n=$(pgq a "SELECT count(*) FROM users WHERE enabled = 1") &&
	! ledgerctl sql --db "$(url a)" bad.sql 2>err && contains "$(cat err)" "rolled back" &&
	equals "$(pgq a "SELECT count(*) FROM users WHERE enabled = 1")" "$n"'
test_done
