/* SPDX-License-Identifier: MIT */
/* model.c: the business rules (customers, invoices, balanced postings), shared by the HTTP API
 * and the data generator. Callers hold the transaction. */
#include "ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *model_customer_columns(enum ledger_release r)
{
	return r == REL_73 ? "id, name, email, created_on"
			   : "id, first_name, last_name, email, created_on";
}

const char *model_invoice_columns(enum ledger_release r)
{
	switch (r) {
	case REL_73: return "id, number, customer_id, issued_on, amount_cents, status";
	case REL_80: return "id, number, customer_id, issued_on, amount_cents, status, currency";
	default: return "id, number, customer_id, issued_on, amount_cents, status, currency, tax_code";
	}
}

static const char *str_field(const json_t *in, const char *key)
{
	const char *s = json_string_value(json_object_get(in, key));
	return s && *s ? s : NULL;
}

static int valid_date(const char *s)
{
	int y, m, d;
	char tail;
	return s && strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 &&
	       m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

static int exists(struct ldb *db, const char *sql, json_t *param)
{
	json_t *p = json_pack("[o]", param);
	json_t *rows = ledger_db_rows(db, sql, p, NULL);
	int found = json_array_size(rows) > 0;

	json_decref(rows);
	json_decref(p);
	return found;
}

int64_t model_customer_create(struct ldb *db, enum ledger_release r, const json_t *in, struct lerr *e)
{
	const char *name = str_field(in, "name"), *first = str_field(in, "first_name");
	const char *last = str_field(in, "last_name"), *email = str_field(in, "email");
	const char *created = str_field(in, "created_on");
	char full[512], split[512], today[16];

	if (!name && !first)
		return lerr_set(e, 400, "a customer needs \"%s\"", r == REL_73 ? "name" : "first_name");
	if (email && !strchr(email, '@'))
		return lerr_set(e, 400, "\"email\" '%s' is not an email address", email);
	if (created && !valid_date(created))
		return lerr_set(e, 400, "\"created_on\" must be YYYY-MM-DD");
	if (!created) {
		ledger_today(today);
		created = today;
	}
	if (r == REL_73) {
		if (!name) {
			snprintf(full, sizeof(full), "%s%s%s", first, last ? " " : "", last ? last : "");
			name = full;
		}
		return ledger_db_insert(db, "customers", "name, email, created_on",
					json_pack("[s, s?, s]", name, email, created), e);
	}
	if (!first) { /* 8.x accepts a full name and splits it like the data upgrade does */
		const char *sp = strchr(name, ' ');
		snprintf(split, sizeof(split), "%.*s", sp ? (int)(sp - name) : (int)strlen(name), name);
		first = split;
		last = sp ? sp + 1 : "";
	}
	if (r == REL_81 && email && exists(db, "SELECT 1 FROM customers WHERE email = ?", json_string(email)))
		return lerr_set(e, 409, "a customer with email '%s' already exists", email);
	return ledger_db_insert(db, "customers", "first_name, last_name, email, created_on",
				json_pack("[s, s, s?, s]", first, last ? last : "", email, created), e);
}

int64_t model_posting_create(struct ldb *db, enum ledger_release r, const char *date, const char *desc,
			     int64_t invoice_id, const struct posting_line *lines, size_t n, struct lerr *e)
{
	long long debit = 0, credit = 0;
	int64_t id;

	if (!valid_date(date))
		return lerr_set(e, 400, "\"posted_on\" must be YYYY-MM-DD");
	if (!desc || !*desc)
		return lerr_set(e, 400, "a posting needs a \"description\"");
	if (n < 2)
		return lerr_set(e, 400, "a posting needs at least two lines");
	for (size_t i = 0; i < n; i++) {
		if (!lines[i].account || !exists(db, "SELECT 1 FROM accounts WHERE code = ?",
						 json_string(lines[i].account)))
			return lerr_set(e, 400, "line %zu: no account '%s'", i + 1,
					lines[i].account ? lines[i].account : "(none)");
		if (lines[i].amount_cents == 0 && r >= REL_81)
			return lerr_set(e, 400, "line %zu: zero amounts are not allowed from release 8.1", i + 1);
		if (lines[i].amount_cents > 0)
			debit += lines[i].amount_cents;
		else
			credit -= lines[i].amount_cents;
	}
	if (debit != credit)
		return lerr_set(e, 400, "posting does not balance: debits %lld, credits %lld", debit, credit);
	id = ledger_db_insert(db, "postings", "posted_on, description, invoice_id",
			      invoice_id > 0 ? json_pack("[s, s, I]", date, desc, (json_int_t)invoice_id)
				   : json_pack("[s, s, n]", date, desc), e);
	for (size_t i = 0; id > 0 && i < n; i++)
		if (ledger_db_insert(db, "posting_lines", "posting_id, account, amount_cents",
				     json_pack("[I, s, I]", (json_int_t)id, lines[i].account,
				     (json_int_t)lines[i].amount_cents), e) < 0)
			return -1;
	return id;
}

/* Tax included in a gross amount at rate_bp basis points. */
static long long tax_of(long long gross, long long rate_bp)
{
	return rate_bp > 0 ? (gross * rate_bp + (10000 + rate_bp) / 2) / (10000 + rate_bp) : 0;
}

static int64_t post_invoice(struct ldb *db, enum ledger_release r, int64_t id, const char *number,
			    const char *date, long long amount, long long rate_bp, struct lerr *e)
{
	struct posting_line lines[3];
	long long tax = tax_of(amount, rate_bp);
	char desc[128];
	size_t n = 0;

	lines[n++] = (struct posting_line){ "1200", amount };
	lines[n++] = (struct posting_line){ "4000", -(amount - tax) };
	if (tax != 0 || r < REL_81) /* before 8.1 the tax line is always written, even at zero */
		lines[n++] = (struct posting_line){ "2200", -tax };
	snprintf(desc, sizeof(desc), "Invoice %s", number);
	return model_posting_create(db, r, date, desc, id, lines, n, e);
}

int64_t model_invoice_create(struct ldb *db, enum ledger_release r, const json_t *in, struct lerr *e)
{
	json_t *cust = json_object_get(in, "customer_id"), *amt = json_object_get(in, "amount_cents");
	const char *date = str_field(in, "issued_on"), *currency = str_field(in, "currency");
	const char *tax_code = str_field(in, "tax_code");
	char today[16], number[32];
	long long rate_bp = 0;
	int64_t id, next;

	if (!json_is_integer(cust) || !exists(db, "SELECT 1 FROM customers WHERE id = ?", json_incref(cust)))
		return lerr_set(e, 400, "\"customer_id\" must name an existing customer");
	if (!json_is_integer(amt) || json_integer_value(amt) <= 0)
		return lerr_set(e, 400, "\"amount_cents\" must be a positive integer");
	if (currency && r == REL_73)
		return lerr_set(e, 400, "currencies arrive with release 8.0");
	if (currency && !exists(db, "SELECT 1 FROM currencies WHERE code = ?", json_string(currency)))
		return lerr_set(e, 400, "no currency '%s'", currency);
	if (tax_code && r < REL_81)
		return lerr_set(e, 400, "tax codes arrive with release 8.1");
	if (tax_code) {
		json_t *p = json_pack("[s]", tax_code);
		json_t *rows = ledger_db_rows(db, "SELECT rate_bp FROM tax_codes WHERE code = ?", p, e);
		json_decref(p);
		if (json_array_size(rows) == 0) {
			json_decref(rows);
			return lerr_set(e, 400, "no tax code '%s'", tax_code);
		}
		rate_bp = json_integer_value(json_object_get(json_array_get(rows, 0), "rate_bp"));
		json_decref(rows);
	}
	if (!date) {
		ledger_today(today);
		date = today;
	}
	if (!valid_date(date))
		return lerr_set(e, 400, "\"issued_on\" must be YYYY-MM-DD");
	next = ledger_db_int(db, "SELECT coalesce(max(id), 0) + 1 FROM invoices", 1);
	snprintf(number, sizeof(number), "INV-%06lld", (long long)next);
	if (r == REL_73)
		id = ledger_db_insert(db, "invoices", "number, customer_id, issued_on, amount_cents",
				      json_pack("[s, O, s, O]", number, cust, date, amt), e);
	else if (r == REL_80)
		id = ledger_db_insert(db, "invoices", "number, customer_id, issued_on, amount_cents, currency",
				      json_pack("[s, O, s, O, s]", number, cust, date, amt, currency ? currency : "USD"), e);
	else
		id = ledger_db_insert(db, "invoices", "number, customer_id, issued_on, amount_cents, currency, tax_code",
				      json_pack("[s, O, s, O, s, s?]", number, cust, date, amt,
				      currency ? currency : "USD", tax_code), e);
	if (id < 0)
		return -1;
	if (post_invoice(db, r, id, number, date, json_integer_value(amt), rate_bp, e) < 0)
		return -1;
	return id;
}

static json_t *get_one(struct ldb *db, const char *what, const char *sql, int64_t id, struct lerr *e)
{
	json_t *p = json_pack("[I]", (json_int_t)id);
	json_t *rows = ledger_db_rows(db, sql, p, e), *row = NULL;

	json_decref(p);
	if (rows && json_array_size(rows) == 0)
		lerr_set(e, 404, "no %s %lld", what, (long long)id);
	else if (rows)
		row = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	return row;
}

json_t *model_customer_get(struct ldb *db, enum ledger_release r, int64_t id, struct lerr *e)
{
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT %s FROM customers WHERE id = ?", model_customer_columns(r));
	return get_one(db, "customer", sql, id, e);
}

json_t *model_invoice_get(struct ldb *db, enum ledger_release r, int64_t id, struct lerr *e)
{
	char sql[256];
	snprintf(sql, sizeof(sql), "SELECT %s FROM invoices WHERE id = ?", model_invoice_columns(r));
	return get_one(db, "invoice", sql, id, e);
}

json_t *model_posting_get(struct ldb *db, int64_t id, struct lerr *e)
{
	json_t *p, *lines;
	json_t *row = get_one(db, "posting", "SELECT id, posted_on, description, invoice_id FROM postings"
				  " WHERE id = ?", id, e);
	if (!row)
		return NULL;
	p = json_pack("[I]", (json_int_t)id);
	lines = ledger_db_rows(db, "SELECT account, amount_cents FROM posting_lines WHERE posting_id = ?"
			       " ORDER BY id", p, e);
	json_decref(p);
	if (!lines) {
		json_decref(row);
		return NULL;
	}
	json_object_set_new(row, "lines", lines);
	return row;
}
