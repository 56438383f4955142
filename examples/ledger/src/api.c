/* SPDX-License-Identifier: MIT */
/* api.c: the JSON API of `ledger serve`: health, version, customers, invoices, postings,
 * accounts, trial balance, users, batch jobs, currencies (8.0+) and tax codes (8.1). */
#include "app.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(json_t **out, const struct lerr *e)
{
	*out = json_pack("{s:s}", "error", e->msg);
	return e->status ? e->status : 500;
}

static int ok(json_t **out, int status, json_t *value, const struct lerr *e)
{
	if (!value)
		return fail(out, e);
	*out = value;
	return status;
}

/* "/customers/12" -> collection "customers", id 12; id 0 when absent, -1 when not a number. */
static void split_path(const char *path, char *coll, size_t n, long long *id)
{
	const char *p = path + (*path == '/');
	const char *slash = strchr(p, '/');

	snprintf(coll, n, "%.*s", slash ? (int)(slash - p) : (int)strlen(p), p);
	*id = 0;
	if (slash && slash[1] && ledger_parse_long(slash + 1, 1, (1LL << 62), id))
		*id = -1;
}

static json_t *list(struct app *a, const char *cols, const char *table, const struct api_req *rq, struct lerr *e)
{
	char sql[512];
	json_t *p = json_pack("[I, I]", (json_int_t)rq->limit, (json_int_t)rq->offset);
	json_t *rows;

	snprintf(sql, sizeof(sql), "SELECT %s FROM %s ORDER BY 1 LIMIT ? OFFSET ?", cols, table);
	rows = ledger_db_rows(a->db, sql, p, e);
	json_decref(p);
	return rows;
}

static json_t *get_simple(struct app *a, const char *cols, const char *table, const char *what,
			  long long id, struct lerr *e)
{
	char sql[512];
	json_t *p = json_pack("[I]", (json_int_t)id), *rows, *row = NULL;

	snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE id = ?", cols, table);
	rows = ledger_db_rows(a->db, sql, p, e);
	json_decref(p);
	if (rows && json_array_size(rows) == 0)
		lerr_set(e, 404, "no %s %lld", what, id);
	else if (rows)
		row = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	return row;
}

static json_t *trial_balance(struct app *a, struct lerr *e)
{
	json_t *rows = ledger_db_rows(a->db,
		"SELECT a.code AS account, a.name, a.kind, coalesce(sum(l.amount_cents), 0) AS balance_cents"
		" FROM accounts a LEFT JOIN posting_lines l ON l.account = a.code GROUP BY a.code ORDER BY a.code",
		NULL, e);
	json_int_t total = 0;
	size_t i;
	json_t *row;

	if (!rows)
		return NULL;
	json_array_foreach(rows, i, row)
		total += json_integer_value(json_object_get(row, "balance_cents"));
	return json_pack("{s:o, s:I, s:I}", "accounts", rows, "total_cents", total,
			 "postings", (json_int_t)ledger_db_int(a->db, "SELECT count(*) FROM postings", 0));
}

/* POST /postings {posted_on, description, lines: [{account, amount_cents}]} */
static int64_t create_posting(struct app *a, const json_t *in, struct lerr *e)
{
	json_t *lines = json_object_get(in, "lines"), *l;
	struct posting_line pl[64];
	size_t i, n = json_array_size(lines);

	if (!json_is_array(lines) || n > 64)
		return lerr_set(e, 400, "\"lines\" must be an array of at most 64 {account, amount_cents}");
	json_array_foreach(lines, i, l) {
		json_t *amt = json_object_get(l, "amount_cents");
		if (!json_is_integer(amt))
			return lerr_set(e, 400, "line %zu: \"amount_cents\" must be an integer", i + 1);
		pl[i].account = json_string_value(json_object_get(l, "account"));
		pl[i].amount_cents = json_integer_value(amt);
	}
	return model_posting_create(a->db, a->release, json_string_value(json_object_get(in, "posted_on")),
				    json_string_value(json_object_get(in, "description")), 0, pl, n, e);
}

static int64_t create_simple(struct app *a, const char *coll, const json_t *in, struct lerr *e)
{
	const char *f1, *f2, *f3;

	if (!strcmp(coll, "users")) {
		f1 = json_string_value(json_object_get(in, "login"));
		f2 = json_string_value(json_object_get(in, "name"));
		f3 = json_string_value(json_object_get(in, "role"));
		if (!f1 || !*f1 || !f2)
			return lerr_set(e, 400, "a user needs \"login\" and \"name\"");
		int64_t id = ledger_db_insert(a->db, "users", "login, name, role",
					      json_pack("[s, s, s]", f1, f2, f3 ? f3 : "clerk"), e);
		if (id < 0)
			return lerr_set(e, 409, "user '%s' exists", f1);
		return id;
	}
	f1 = json_string_value(json_object_get(in, "name"));
	f2 = json_string_value(json_object_get(in, "schedule"));
	if (!f1 || !*f1)
		return lerr_set(e, 400, "a batch job needs a \"name\"");
	return ledger_db_insert(a->db, "batch_jobs", "name, schedule", json_pack("[s, s]", f1, f2 ? f2 : "daily"), e);
}

static json_t *get_any(struct app *a, const char *coll, long long id, struct lerr *e)
{
	if (!strcmp(coll, "customers"))
		return model_customer_get(a->db, a->release, id, e);
	if (!strcmp(coll, "invoices"))
		return model_invoice_get(a->db, a->release, id, e);
	if (!strcmp(coll, "postings"))
		return model_posting_get(a->db, id, e);
	if (!strcmp(coll, "users"))
		return get_simple(a, "id, login, name, role, enabled", "users", "user", id, e);
	return get_simple(a, "id, name, schedule, status", "batch_jobs", "batch job", id, e);
}

static int post(struct app *a, const char *coll, const json_t *in, json_t **out)
{
	struct lerr e = { 0, "" };
	int64_t id;

	if (ledger_db_begin(a->db, &e))
		return fail(out, &e);
	if (!strcmp(coll, "customers"))
		id = model_customer_create(a->db, a->release, in, &e);
	else if (!strcmp(coll, "invoices"))
		id = model_invoice_create(a->db, a->release, in, &e);
	else if (!strcmp(coll, "postings"))
		id = create_posting(a, in, &e);
	else
		id = create_simple(a, coll, in, &e);
	if (id < 0 || ledger_db_commit(a->db, &e)) {
		ledger_db_rollback(a->db);
		return fail(out, &e);
	}
	return ok(out, 201, get_any(a, coll, id, &e), &e);
}

static int collection(struct app *a, const char *coll, const struct api_req *rq, json_t **out)
{
	struct lerr e = { 404, "" };

	if (!strcmp(coll, "customers"))
		return ok(out, 200, list(a, model_customer_columns(a->release), "customers", rq, &e), &e);
	if (!strcmp(coll, "invoices"))
		return ok(out, 200, list(a, model_invoice_columns(a->release), "invoices", rq, &e), &e);
	if (!strcmp(coll, "postings"))
		return ok(out, 200, list(a, "id, posted_on, description, invoice_id", "postings", rq, &e), &e);
	if (!strcmp(coll, "users"))
		return ok(out, 200, list(a, "id, login, name, role, enabled", "users", rq, &e), &e);
	if (!strcmp(coll, "batch-jobs"))
		return ok(out, 200, list(a, "id, name, schedule, status", "batch_jobs", rq, &e), &e);
	if (!strcmp(coll, "accounts"))
		return ok(out, 200, list(a, "code, name, kind", "accounts", rq, &e), &e);
	if (!strcmp(coll, "currencies") && a->release >= REL_80)
		return ok(out, 200, list(a, "code, name, decimals", "currencies", rq, &e), &e);
	if (!strcmp(coll, "tax-codes") && a->release >= REL_81)
		return ok(out, 200, list(a, "code, description, rate_bp", "tax_codes", rq, &e), &e);
	if (!strcmp(coll, "trial-balance"))
		return ok(out, 200, trial_balance(a, &e), &e);
	lerr_set(&e, 404, "no resource '%s' in release %s", rq->path, ledger_release_name(a->release));
	return fail(out, &e);
}

static int version(struct app *a, json_t **out)
{
	struct lerr e = { 0, "" };
	json_t *info = ledger_release_info(a->release_dir, &e);
	enum ledger_release data = ledger_schema_release(a->db, NULL);

	if (!info)
		return fail(out, &e);
	json_object_set_new(info, "data_release", data ? json_string(ledger_release_name(data)) : json_null());
	json_object_set_new(info, "environment", a->cfg.environment ? json_string(a->cfg.environment) : json_null());
	json_object_set_new(info, "role", a->cfg.role ? json_string(a->cfg.role) : json_null());
	return ok(out, 200, info, &e);
}

int api_handle(struct app *a, const struct api_req *rq, json_t **out)
{
	struct lerr e = { 0, "" };
	char coll[64];
	long long id;
	int writable;

	if (!strcmp(rq->path, "/version"))
		return version(a, out);
	if (ledger_schema_check(a->db, a->release, &e)) {
		if (!strcmp(rq->path, "/health"))
			*out = json_pack("{s:s, s:s, s:s}", "status", "unavailable", "release",
					 ledger_release_name(a->release), "error", e.msg);
		return *out ? 503 : fail(out, &e);
	}
	if (!strcmp(rq->path, "/health")) {
		json_t *after = json_object_get(a->cfg.faults, "unhealthy_after_s");
		const char *flag = json_string_value(json_object_get(a->cfg.faults, "unhealthy_while_file"));
		char path[4096];
		if (flag && a->cfg.state_dir && !strchr(flag, '/') &&
		    snprintf(path, sizeof(path), "%s/%s", a->cfg.state_dir, flag) < (int)sizeof(path) &&
		    access(path, F_OK) == 0) {
			*out = json_pack("{s:s, s:s, s:s}", "status", "unavailable", "release",
					 ledger_release_name(a->release), "error", "injected fault: "
					 "unhealthy_while_file (the service is unhealthy while the file exists)");
			return 503;
		}
		if (json_is_integer(after) && json_integer_value(after) >= 0 &&
		    ledger_mono_ms() - a->started_ms >= json_integer_value(after) * 1000) {
			*out = json_pack("{s:s, s:s, s:s}", "status", "unavailable", "release",
					 ledger_release_name(a->release), "error", "injected fault: "
					 "unhealthy_after_s (the service stops being healthy after that long)");
			return 503;
		}
		*out = json_pack("{s:s, s:s}", "status", "ok", "release", ledger_release_name(a->release));
		return 200;
	}
	split_path(rq->path, coll, sizeof(coll), &id);
	writable = !strcmp(coll, "customers") || !strcmp(coll, "invoices") || !strcmp(coll, "postings") ||
		   !strcmp(coll, "users") || !strcmp(coll, "batch-jobs");
	if (id < 0 || (id > 0 && !writable))
		return lerr_set(&e, 404, "no resource '%s'", rq->path), fail(out, &e);
	if (!strcmp(rq->method, "POST")) {
		if (!writable || id)
			return lerr_set(&e, 405, "POST is not allowed on '%s'", rq->path), fail(out, &e);
		return post(a, coll, rq->body, out);
	}
	if (strcmp(rq->method, "GET") && strcmp(rq->method, "HEAD"))
		return lerr_set(&e, 405, "method %s is not allowed", rq->method), fail(out, &e);
	if (id > 0)
		return ok(out, 200, get_any(a, coll, id, &e), &e);
	return collection(a, coll, rq, out);
}
