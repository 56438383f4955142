#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# t0301: the sample application's HTTP service: schema on an empty database, customers,
# invoices and balanced postings, users, batch jobs, /version from the release directory
# (platform overlay), 503 on a schema mismatch, clean stop on SIGTERM.
. "$(dirname "$0")/lib.sh"
. "$FERRY_SRC/tests/e2e/t030-ledger.lib"

make_release r73 ledger-app-7.3
make_release r73pu13 ledger-app-7.3 ledger-platform-pu13 fabrikam-tax-1.4
make_release r81 ledger-app-8.1
start_ledger sbx1 "$SCRATCH/releases/r73" "$SCRATCH/db/sbx1.db"
U=$(cat "$SCRATCH/sbx1.url" 2>/dev/null)

test_expect_success 'an empty database gets the release 7.3 schema and /health is ok' '
	r=$(http GET $U/health) && equals "$(status "$r")" 200 &&
	equals "$(body "$r" | jq -r .release)" 7.3 &&
	equals "$(sqlite3 "$SCRATCH/db/sbx1.db" "SELECT release FROM schema_version")" 7.3'

test_expect_success '/version reads release, platform and packages from the release directory' '
	v=$(curl -sf $U/version) &&
	equals "$(jq -r .release <<<"$v")" 7.3 && equals "$(jq -r .platform <<<"$v")" PU12 &&
	equals "$(jq -r ".packages | map(.name) | join(\",\")" <<<"$v")" ledger-app &&
	equals "$(jq -r .environment <<<"$v")" sbx1 && equals "$(jq -r .data_release <<<"$v")" 7.3'

test_expect_success 'customers: create, get, list; bad input refused with the reason' '
	r=$(http POST $U/customers "{\"name\": \"Ada Lovelace\", \"email\": \"ada@example.org\"}") &&
	equals "$(status "$r")" 201 && id=$(body "$r" | jq .id) &&
	equals "$(curl -sf $U/customers/$id | jq -r .name)" "Ada Lovelace" &&
	http POST $U/customers "{\"name\": \"Bob Byte\"}" >/dev/null &&
	equals "$(curl -sf "$U/customers?limit=10" | jq length)" 2 &&
	equals "$(curl -sf "$U/customers?limit=1&offset=1" | jq -r ".[0].name")" "Bob Byte" &&
	r=$(http POST $U/customers "{\"email\": \"x@y\"}") && equals "$(status "$r")" 400 &&
	contains "$(body "$r")" "a customer needs" &&
	r=$(http POST $U/customers "not json") && equals "$(status "$r")" 400 &&
	r=$(http GET $U/customers/999) && equals "$(status "$r")" 404 && contains "$r" "no customer 999"'

test_expect_success 'an invoice posts a balanced journal (7.3 writes a zero tax line)' '
	r=$(http POST $U/invoices "{\"customer_id\": 1, \"amount_cents\": 12500, \"issued_on\": \"2018-03-01\"}") &&
	equals "$(status "$r")" 201 && equals "$(body "$r" | jq -r .number)" INV-000001 &&
	p=$(curl -sf "$U/postings?limit=5" | jq ".[0].id") &&
	lines=$(curl -sf $U/postings/$p | jq -c "[.lines[].amount_cents]") &&
	equals "$lines" "[12500,-12500,0]" &&
	equals "$(curl -sf $U/trial-balance | jq .total_cents)" 0 &&
	equals "$(curl -sf $U/trial-balance | jq -r ".accounts[] | select(.account==\"1200\") | .balance_cents")" 12500'

test_expect_success 'invoices refuse unknown customers and, in 7.3, currencies' '
	r=$(http POST $U/invoices "{\"customer_id\": 77, \"amount_cents\": 5}") && equals "$(status "$r")" 400 &&
	r=$(http POST $U/invoices "{\"customer_id\": 1, \"amount_cents\": 5, \"currency\": \"EUR\"}") &&
	equals "$(status "$r")" 400 && contains "$r" "currencies arrive with release 8.0"'

test_expect_success 'postings must balance; nothing is written when they do not' '
	before=$(dump_sum "$SCRATCH/db/sbx1.db") &&
	r=$(http POST $U/postings "{\"posted_on\": \"2018-03-02\", \"description\": \"bad\", \"lines\": [{\"account\": \"1100\", \"amount_cents\": 100}, {\"account\": \"4000\", \"amount_cents\": -90}]}") &&
	equals "$(status "$r")" 400 && contains "$r" "does not balance: debits 100, credits 90" &&
	r=$(http POST $U/postings "{\"posted_on\": \"2018-03-02\", \"description\": \"bad\", \"lines\": [{\"account\": \"9999\", \"amount_cents\": 1}, {\"account\": \"4000\", \"amount_cents\": -1}]}") &&
	equals "$(status "$r")" 400 && contains "$r" "no account" &&
	equals "$(dump_sum "$SCRATCH/db/sbx1.db")" "$before" &&
	r=$(http POST $U/postings "{\"posted_on\": \"2018-03-02\", \"description\": \"cash sale\", \"lines\": [{\"account\": \"1100\", \"amount_cents\": 700}, {\"account\": \"4000\", \"amount_cents\": -700}]}") &&
	equals "$(status "$r")" 201 && equals "$(body "$r" | jq "[.lines[].amount_cents] | add")" 0'

test_expect_success 'users and batch jobs: create and list; duplicate login refused' '
	r=$(http POST $U/users "{\"login\": \"clerk9\", \"name\": \"Clerk Nine\"}") && equals "$(status "$r")" 201 &&
	equals "$(body "$r" | jq -r .role)" clerk &&
	r=$(http POST $U/users "{\"login\": \"clerk9\", \"name\": \"Again\"}") && equals "$(status "$r")" 409 &&
	equals "$(curl -sf $U/users | jq -r "map(.login) | join(\",\")")" admin,clerk9 &&
	r=$(http POST $U/batch-jobs "{\"name\": \"Nightly posting\", \"schedule\": \"daily\"}") &&
	equals "$(status "$r")" 201 && equals "$(body "$r" | jq -r .status)" waiting &&
	equals "$(curl -sf $U/batch-jobs | jq length)" 1'

test_expect_success 'unknown resources and methods are refused' '
	r=$(http GET $U/tax-codes) && equals "$(status "$r")" 404 && contains "$r" "release 7.3" &&
	r=$(http DELETE $U/customers/1) && equals "$(status "$r")" 405 &&
	r=$(http POST $U/accounts "{}") && equals "$(status "$r")" 405'

stop_ledger sbx1
test_expect_success 'SIGTERM stops the service cleanly' '
	equals "$(cat "$SCRATCH/sbx1.exit")" 0 && file_contains "$SCRATCH/sbx1.log" "stopped (signal 15)" &&
	! curl -s -o /dev/null "$U/health"'

# The same data under a platform update and an ISV overlaid on the release tree.
start_ledger sbx1b "$SCRATCH/releases/r73pu13" "$SCRATCH/db/sbx1.db"
U=$(cat "$SCRATCH/sbx1b.url" 2>/dev/null)
test_expect_success 'an overlaid platform update and ISV package show in /version; data kept' '
	v=$(curl -sf $U/version) && equals "$(jq -r .platform <<<"$v")" PU13 &&
	equals "$(jq -r "[.packages[] | .name + \"@\" + .version] | join(\",\")" <<<"$v")" \
		"fabrikam-tax@1.4.0,ledger-app@7.3.0,ledger-platform@13.0.0" &&
	equals "$(curl -sf $U/customers/1 | jq -r .name)" "Ada Lovelace"'
stop_ledger sbx1b

# Release 8.1 on the 7.3 data: it must not touch the data and must say what is needed.
before=$(dump_sum "$SCRATCH/db/sbx1.db")
start_ledger sbx1c "$SCRATCH/releases/r81" "$SCRATCH/db/sbx1.db"
U=$(cat "$SCRATCH/sbx1c.url" 2>/dev/null)
test_expect_success '/health is 503 "data upgrade required from 7.3 to 8.1" on 7.3 data' '
	r=$(http GET $U/health) && equals "$(status "$r")" 503 &&
	contains "$(body "$r")" "data upgrade required from 7.3 to 8.1" &&
	r=$(http GET $U/customers) && equals "$(status "$r")" 503 &&
	v=$(curl -sf $U/version) && equals "$(jq -r .release <<<"$v")" 8.1 &&
	equals "$(jq -r .data_release <<<"$v")" 7.3'
stop_ledger sbx1c
test_expect_success 'a release that does not match leaves the data untouched' '
	equals "$(dump_sum "$SCRATCH/db/sbx1.db")" "$before"'

# 7.3 on data from the future.
ledgerctl generate --db "$SCRATCH/db/new.db" --rows 50 --release 8.1 >/dev/null
start_ledger old "$SCRATCH/releases/r73" "$SCRATCH/db/new.db"
U=$(cat "$SCRATCH/old.url" 2>/dev/null)
test_expect_success 'an older release on newer data is 503 and says what to do' '
	r=$(http GET $U/health) && equals "$(status "$r")" 503 &&
	contains "$r" "database is at release 8.1, newer than this application release 7.3"'
stop_ledger old

test_expect_success 'a port in use is refused with a clear error' '
	start_ledger one "$SCRATCH/releases/r73" "$SCRATCH/db/one.db" >/dev/null &&
	port=$(jq .port "$SCRATCH/one.json") &&
	write_config two "$port" "$SCRATCH/db/two.db" "$SCRATCH/releases/r73" &&
	out=$("$SCRATCH/releases/r73/bin/ledger" serve --config "$SCRATCH/two.json" 2>&1); rc=$?;
	kill $(cat "$SCRATCH/one.pid"); test $rc -eq 1 && contains "$out" "cannot listen on 127.0.0.1:$port"'

test_expect_code 1 'a config without a database is refused' '
	echo "{\"port\": 1}" >bad.json && "$SCRATCH/releases/r73/bin/ledger" serve --config bad.json'
test_done
