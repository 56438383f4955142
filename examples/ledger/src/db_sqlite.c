/* SPDX-License-Identifier: MIT */
/* db_sqlite.c: the application database on SQLite (a file path). */
#include "ledger.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *sq_open(const char *path, int create, struct lerr *e)
{
	sqlite3 *db = NULL;
	int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);

	if (!create && access(path, F_OK) != 0) {
		lerr_set(e, 404, "database '%s' does not exist", path);
		return NULL;
	}
	if (sqlite3_open_v2(path, &db, flags, NULL) != SQLITE_OK) {
		lerr_set(e, 500, "cannot open database '%s': %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 10000);
	if (sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) != SQLITE_OK) {
		lerr_set(e, 500, "cannot open database '%s': %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

static void sq_close(void *h)
{
	sqlite3_close(h);
}

static int sq_status(sqlite3 *db)
{
	return (sqlite3_extended_errcode(db) & 0xff) == SQLITE_CONSTRAINT ? 409 : 500;
}

static int sq_exec(void *h, const char *sql, struct lerr *e)
{
	char *msg = NULL;

	if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		lerr_set(e, sq_status(h), "%s", msg ? msg : sqlite3_errmsg(h));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int bind_json(sqlite3_stmt *st, const json_t *params, struct lerr *e)
{
	size_t i;
	json_t *v;

	json_array_foreach(params, i, v) {
		int col = (int)i + 1, rc;
		if (json_is_integer(v))
			rc = sqlite3_bind_int64(st, col, json_integer_value(v));
		else if (json_is_real(v))
			rc = sqlite3_bind_double(st, col, json_real_value(v));
		else if (json_is_string(v))
			rc = sqlite3_bind_text(st, col, json_string_value(v), -1, SQLITE_TRANSIENT);
		else if (json_is_boolean(v))
			rc = sqlite3_bind_int(st, col, json_is_true(v));
		else
			rc = sqlite3_bind_null(st, col);
		if (rc != SQLITE_OK)
			return lerr_set(e, 500, "bind parameter %d: %s", col, sqlite3_errstr(rc));
	}
	return 0;
}

static int sq_query(void *h, const char *sql, const json_t *params, ldb_row_fn fn, void *arg,
		    struct lerr *e)
{
	sqlite3 *db = h;
	sqlite3_stmt *st = NULL;
	const char **names = NULL, **vals = NULL;
	char *kinds = NULL;
	int rc = -1, r, n;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return lerr_set(e, 500, "%s (in: %.120s)", sqlite3_errmsg(db), sql);
	if (params && bind_json(st, params, e))
		goto out;
	n = sqlite3_column_count(st);
	names = calloc((size_t)n + 1, sizeof(*names));
	vals = calloc((size_t)n + 1, sizeof(*vals));
	kinds = calloc((size_t)n + 1, 1);
	if (!names || !vals || !kinds) {
		lerr_set(e, 500, "out of memory");
		goto out;
	}
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		/* the names after each step: a step that re-prepares the statement (another
		 * connection changed the schema) frees the ones read before it */
		for (int i = 0; i < n; i++)
			names[i] = sqlite3_column_name(st, i);
		for (int i = 0; i < n; i++) {
			int t = sqlite3_column_type(st, i);
			kinds[i] = t == SQLITE_NULL ? 'N' : t == SQLITE_INTEGER ? 'i' : t == SQLITE_FLOAT ? 'r' : 't';
			vals[i] = (const char *)sqlite3_column_text(st, i);
		}
		if (fn(arg, n, names, vals, kinds, e))
			goto out;
	}
	if (r != SQLITE_DONE) {
		lerr_set(e, sq_status(db), "%s", sqlite3_errmsg(db));
		goto out;
	}
	rc = 0;
out:
	free(names);
	free(vals);
	free(kinds);
	sqlite3_finalize(st);
	return rc;
}

static int sq_begin(void *h, struct lerr *e)
{
	return sq_exec(h, "BEGIN IMMEDIATE", e);
}

static int first_text(void *arg, int n, const char *const *names, const char *const *vals,
		      const char *kinds, struct lerr *e)
{
	(void)names; (void)kinds; (void)e;
	if (n > 0 && !((char *)arg)[0])
		snprintf(arg, 256, "%s", vals[0] ? vals[0] : "");
	return 0;
}

/* quick_check reads every page once (b-tree structure, records, NOT NULL and CHECK
 * constraints); integrity_check (full) also looks every index entry up in its table and
 * back: at 1 GiB 5x longer (42 s against 200 s on this machine at 8.1), random reads. */
static int sq_integrity(void *h, int full, struct lerr *e)
{
	char res[256] = "";

	if (sq_query(h, full ? "PRAGMA integrity_check" : "PRAGMA quick_check", NULL, first_text, res, e))
		return -1;
	if (strcmp(res, "ok"))
		return lerr_set(e, 500, "integrity check failed: %s", res);
	res[0] = '\0';
	if (sq_query(h, "SELECT count(*) FROM pragma_foreign_key_check", NULL, first_text, res, e))
		return -1;
	if (strcmp(res, "0"))
		return lerr_set(e, 500, "%s rows break foreign keys (see PRAGMA foreign_key_check)", res);
	return 0;
}

static long long sq_bytes(void *h)
{
	char res[256] = "";

	sq_query(h, "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size", NULL,
		 first_text, res, NULL);
	return strtoll(res, NULL, 10);
}

static void *sq_prepare(void *h, const char *sql, struct lerr *e)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v3(h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		lerr_set(e, 500, "%s (in: %.120s)", sqlite3_errmsg(h), sql);
		return NULL;
	}
	return st;
}

static int sq_step(void *h, void *p, const struct ldb_val *v, int n, struct lerr *e)
{
	sqlite3_stmt *st = p;
	int rc = SQLITE_OK;

	for (int i = 0; i < n && rc == SQLITE_OK; i++)
		rc = v[i].kind == 'i' ? sqlite3_bind_int64(st, i + 1, v[i].i)
		   : v[i].kind == 't' ? sqlite3_bind_text(st, i + 1, v[i].s, -1, SQLITE_STATIC)
		   : sqlite3_bind_null(st, i + 1);
	if (rc == SQLITE_OK)
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			;
	if (rc != SQLITE_DONE)
		lerr_set(e, sq_status(h), "%s", sqlite3_errmsg(h));
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void sq_finalize(void *st)
{
	sqlite3_finalize(st);
}

const struct ldb_ops ledger_db_sqlite = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.exec = sq_exec,
	.query = sq_query,
	.begin = sq_begin,
	.begin_read = "BEGIN",
	.integrity = sq_integrity,
	.tables_sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
		      " AND name NOT LIKE 'sqlite_%' ORDER BY name",
	/* A primary key column is NOT NULL as PostgreSQL reports it (SQLite: only rowids). */
	.columns_sql = "SELECT name, upper(type) AS type, (\"notnull\" OR pk > 0) AS \"notnull\","
		       " dflt_value AS \"default\", pk FROM pragma_table_info(?) ORDER BY cid",
	/* origin 'u': behind a UNIQUE constraint (SQLite names it sqlite_autoindex_...). */
	.indexes_sql = "SELECT l.name, l.\"unique\", (l.origin = 'u') AS constraint_index,"
		       " (SELECT group_concat(name, ',') FROM"
		       " (SELECT name FROM pragma_index_info(l.name) ORDER BY seqno)) AS columns"
		       " FROM pragma_index_list(?) l WHERE l.origin <> 'pk'",
	.bytes = sq_bytes,
	.text_order = "",
	.prepare = sq_prepare,
	.step = sq_step,
	.finalize = sq_finalize,
};
