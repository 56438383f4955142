/* SPDX-License-Identifier: MIT */
/* schema.c: each release's schema and reference data, and the check that the data matches. */
#include "ledger.h"

#include <stdio.h>
#include <string.h>

/* Tables every release has, unchanged since 7.3. */
static const char common_ddl[] =
	"CREATE TABLE schema_version (id INTEGER PRIMARY KEY CHECK (id = 1), release TEXT NOT NULL);\n"
	"CREATE TABLE app_config (key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
	"CREATE TABLE users (id INTEGER PRIMARY KEY, login TEXT NOT NULL UNIQUE, name TEXT NOT NULL,\n"
	"  role TEXT NOT NULL, enabled INTEGER NOT NULL DEFAULT 1);\n"
	"CREATE TABLE batch_jobs (id INTEGER PRIMARY KEY, name TEXT NOT NULL, schedule TEXT NOT NULL,\n"
	"  status TEXT NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting','executing','on-hold','ended')));\n"
	"CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
	"CREATE TABLE mail_settings (id INTEGER PRIMARY KEY CHECK (id = 1), smtp_host TEXT,\n"
	"  smtp_port INTEGER, sender TEXT, enabled INTEGER NOT NULL DEFAULT 0);\n"
	"CREATE TABLE accounts (code TEXT PRIMARY KEY, name TEXT NOT NULL,\n"
	"  kind TEXT NOT NULL CHECK (kind IN ('asset','liability','equity','revenue','expense')));\n"
	"INSERT INTO users (id, login, name, role) VALUES (1, 'admin', 'Administrator', 'admin');\n"
	"INSERT INTO mail_settings (id, enabled) VALUES (1, 0);\n"
	"INSERT INTO accounts (code, name, kind) VALUES ('1100', 'Cash', 'asset'),\n"
	"  ('1200', 'Accounts receivable', 'asset'), ('2200', 'Sales tax payable', 'liability'),\n"
	"  ('3000', 'Owner equity', 'equity'), ('4000', 'Revenue', 'revenue'), ('6000', 'Expenses', 'expense');\n";

/* After invoices: PostgreSQL wants referenced tables first. */
static const char postings_ddl[] =
	"CREATE TABLE postings (id INTEGER PRIMARY KEY, posted_on TEXT NOT NULL, description TEXT NOT NULL,\n"
	"  invoice_id INTEGER REFERENCES invoices(id));\n";

/* 7.3: one name per customer, invoices without currency, zero posting lines allowed. */
static const char ddl_73[] =
	"CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT, created_on TEXT NOT NULL);\n"
	"CREATE TABLE invoices (id INTEGER PRIMARY KEY, number TEXT NOT NULL UNIQUE,\n"
	"  customer_id INTEGER NOT NULL REFERENCES customers(id), issued_on TEXT NOT NULL,\n"
	"  amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),\n"
	"  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','paid','void')));\n";
static const char lines_73[] =
	"CREATE TABLE posting_lines (id INTEGER PRIMARY KEY, posting_id INTEGER NOT NULL REFERENCES postings(id),\n"
	"  account TEXT NOT NULL REFERENCES accounts(code), amount_cents INTEGER NOT NULL);\n";

/* 8.0: names split, currencies. Column order is the one the 7.3 data upgrade produces. */
static const char ddl_80[] =
	"CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT, created_on TEXT NOT NULL,\n"
	"  first_name TEXT NOT NULL DEFAULT '', last_name TEXT NOT NULL DEFAULT '');\n"
	"CREATE TABLE currencies (code TEXT PRIMARY KEY, name TEXT NOT NULL, decimals INTEGER NOT NULL);\n"
	"INSERT INTO currencies VALUES ('USD', 'US dollar', 2), ('EUR', 'Euro', 2),\n"
	"  ('GBP', 'Pound sterling', 2), ('JPY', 'Yen', 0);\n";
static const char invoices_80[] =
	"CREATE TABLE invoices (id INTEGER PRIMARY KEY, number TEXT NOT NULL UNIQUE,\n"
	"  customer_id INTEGER NOT NULL REFERENCES customers(id), issued_on TEXT NOT NULL,\n"
	"  amount_cents INTEGER NOT NULL CHECK (amount_cents > 0),\n"
	"  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','paid','void')),\n"
	"  currency TEXT NOT NULL DEFAULT 'USD'%s);\n";
static const char lines_80[] =
	"CREATE TABLE posting_lines (id INTEGER PRIMARY KEY, posting_id INTEGER NOT NULL REFERENCES postings(id),\n"
	"  account TEXT NOT NULL REFERENCES accounts(code), amount_cents INTEGER NOT NULL);\n";

/* 8.1: tax codes (before invoices, which reference them), unique customer email, no zero
 * posting lines. */
static const char tax_81[] =
	"CREATE TABLE tax_codes (code TEXT PRIMARY KEY, description TEXT NOT NULL,\n"
	"  rate_bp INTEGER NOT NULL CHECK (rate_bp BETWEEN 0 AND 10000));\n"
	"INSERT INTO tax_codes VALUES ('EXEMPT', 'Exempt', 0), ('US-STD', 'US standard', 700),\n"
	"  ('EU-STD', 'EU standard', 2000), ('EU-RED', 'EU reduced', 900);\n";
static const char ddl_81[] =
	"CREATE TABLE posting_lines (id INTEGER PRIMARY KEY, posting_id INTEGER NOT NULL REFERENCES postings(id),\n"
	"  account TEXT NOT NULL REFERENCES accounts(code), amount_cents INTEGER NOT NULL CHECK (amount_cents <> 0));\n"
	"CREATE UNIQUE INDEX customers_email ON customers(email);\n"
	/* the trial balance reads this covering index, never the table */
	"CREATE INDEX posting_lines_account ON posting_lines(account, amount_cents);\n";

static const char indexes[] =
	"CREATE INDEX invoices_customer ON invoices(customer_id);\n"
	"CREATE INDEX posting_lines_posting ON posting_lines(posting_id);\n";

enum ledger_release ledger_schema_release(struct ldb *db, int *empty)
{
	enum ledger_release r = REL_UNKNOWN;
	json_t *rows;

	if (empty)
		*empty = ledger_db_table_count(db) == 0;
	if (!ledger_db_has_table(db, "schema_version"))
		return REL_UNKNOWN;
	rows = ledger_db_rows(db, "SELECT release FROM schema_version WHERE id = 1", NULL, NULL);
	if (json_array_size(rows) == 1)
		r = ledger_release_parse(json_string_value(json_object_get(json_array_get(rows, 0), "release")));
	json_decref(rows);
	return r;
}

int ledger_schema_create(struct ldb *db, enum ledger_release r, struct lerr *e)
{
	char sql[1024], version[96];

	if (ledger_db_begin(db, e))
		return -1;
	if (ledger_db_exec(db, common_ddl, e))
		goto fail;
	if (r == REL_73) {
		if (ledger_db_exec(db, ddl_73, e) || ledger_db_exec(db, postings_ddl, e) ||
		    ledger_db_exec(db, lines_73, e))
			goto fail;
	} else {
		snprintf(sql, sizeof(sql), invoices_80, r == REL_81 ? ",\n  tax_code TEXT REFERENCES tax_codes(code)" : "");
		if (ledger_db_exec(db, ddl_80, e) || (r == REL_81 && ledger_db_exec(db, tax_81, e)) ||
		    ledger_db_exec(db, sql, e) || ledger_db_exec(db, postings_ddl, e))
			goto fail;
		if (ledger_db_exec(db, r == REL_81 ? ddl_81 : lines_80, e))
			goto fail;
	}
	snprintf(version, sizeof(version), "INSERT INTO schema_version VALUES (1, '%s');", ledger_release_name(r));
	if (ledger_db_exec(db, indexes, e) || ledger_db_exec(db, version, e))
		goto fail;
	return ledger_db_commit(db, e);
fail:
	ledger_db_rollback(db);
	return -1;
}

struct shape {
	enum ledger_release since, until; /* present in [since, until] */
	const char *table, *column;       /* column NULL: the table itself */
};

static const struct shape shapes[] = {
	{ REL_73, REL_73, "customers", "name" },
	{ REL_80, REL_81, "customers", "first_name" },
	{ REL_80, REL_81, "customers", "last_name" },
	{ REL_80, REL_81, "currencies", NULL },
	{ REL_80, REL_81, "invoices", "currency" },
	{ REL_81, REL_81, "tax_codes", NULL },
	{ REL_81, REL_81, "invoices", "tax_code" },
};

static int shape_matches(struct ldb *db, enum ledger_release r, struct lerr *e)
{
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		const struct shape *s = &shapes[i];
		int want = r >= s->since && r <= s->until;
		int have = s->column ? ledger_db_has_column(db, s->table, s->column)
				     : ledger_db_has_table(db, s->table);
		if (want != have)
			return lerr_set(e, 503, "schema does not match release %s: %s%s%s %s",
					ledger_release_name(r), s->table, s->column ? "." : "",
					s->column ? s->column : "", want ? "is missing" : "should not exist");
	}
	if (r == REL_81 && !ledger_db_has_index(db, "customers", "customers_email"))
		return lerr_set(e, 503, "schema does not match release 8.1: unique index customers_email is missing");
	return 0;
}

int ledger_schema_check(struct ldb *db, enum ledger_release r, struct lerr *e)
{
	int empty = 0;
	enum ledger_release have = ledger_schema_release(db, &empty);

	if (empty)
		return lerr_set(e, 503, "database is empty: start the service to create the release %s schema",
				ledger_release_name(r));
	if (have == REL_UNKNOWN)
		return lerr_set(e, 503, "not a ledger database (no readable schema_version)");
	if (have < r)
		return lerr_set(e, 503, "data upgrade required from %s to %s",
				ledger_release_name(have), ledger_release_name(r));
	if (have > r)
		return lerr_set(e, 503, "database is at release %s, newer than this application release %s:"
				" deploy release %s or restore the database", ledger_release_name(have),
				ledger_release_name(r), ledger_release_name(have));
	return shape_matches(db, r, e);
}
