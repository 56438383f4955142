/* SPDX-License-Identifier: MIT */
/* envdb_changes_sqlite.c: writes since a baseline on SQLite, and SQLite's carry_db. The
 * capture attaches the baseline beside the live database in one read transaction and
 * asks the session extension (sqlite3session_diff) what changes turn each table of the
 * baseline into the live one: that changeset is kept as is (the export's "changeset"),
 * and read into the writes document with whole rows before and after. */
#define SQLITE_ENABLE_SESSION 1
#define SQLITE_ENABLE_PREUPDATE_HOOK 1
#include "runtime/envdb_changes_int.h"
#include "runtime/sqlite_sidecar.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUSY_MS 10000
#define BASE "ferry_base"

static int sq_err(sqlite3 *h, struct ferry_error *err, int code, const char *what)
{
	return ferry_error_set(err, code, "%s: %s", what, h ? sqlite3_errmsg(h) : "out of memory");
}

static int sq_open(const char *path, int flags, sqlite3 **out, struct ferry_error *err)
{
	if (sqlite3_open_v2(path, out, flags, NULL) != SQLITE_OK) {
		int rc = sq_err(*out, err, FERRY_EIO, path);
		sqlite3_close(*out);
		*out = NULL;
		return rc;
	}
	sqlite3_busy_timeout(*out, BUSY_MS);
	rt_sqlite_first_read(*out, path);   /* a root ferry beside a serving application */
	return 0;
}

/* ---- values ---- */

static json_t *text_value(const unsigned char *p, int n)
{
	json_t *v = json_stringn((const char *)p, (size_t)n);

	return v ? v : chg_hex(p, (size_t)n);  /* not UTF-8: kept as bytes */
}

static json_t *value_json(sqlite3_value *v)
{
	switch (sqlite3_value_type(v)) {
	case SQLITE_INTEGER:
		return json_integer(sqlite3_value_int64(v));
	case SQLITE_FLOAT:
		return json_real(sqlite3_value_double(v));
	case SQLITE_TEXT:
		return text_value(sqlite3_value_text(v), sqlite3_value_bytes(v));
	case SQLITE_BLOB:
		return chg_hex(sqlite3_value_blob(v), (size_t)sqlite3_value_bytes(v));
	default:
		return json_null();
	}
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int bind_json(sqlite3_stmt *st, int i, const json_t *v)
{
	const char *hex;
	unsigned char *b;
	size_t n, k;
	int rc;

	if (json_is_integer(v))
		return sqlite3_bind_int64(st, i, json_integer_value(v));
	if (json_is_real(v))
		return sqlite3_bind_double(st, i, json_real_value(v));
	if (json_is_string(v))
		return sqlite3_bind_text(st, i, json_string_value(v), (int)json_string_length(v),
					 SQLITE_TRANSIENT);
	if (json_is_boolean(v))
		return sqlite3_bind_int(st, i, json_is_true(v));
	if (!(hex = json_string_value(json_object_get(v, "hex"))))
		return sqlite3_bind_null(st, i);
	n = strlen(hex) / 2;
	if (!(b = malloc(n ? n : 1)))
		return SQLITE_NOMEM;
	for (k = 0; k < n; k++)
		b[k] = (unsigned char)(hexval(hex[2 * k]) << 4 | hexval(hex[2 * k + 1]));
	rc = sqlite3_bind_blob(st, i, b, (int)n, SQLITE_TRANSIENT);
	free(b);
	return rc;
}

static int bind_all(sqlite3_stmt *st, const json_t *params)
{
	const json_t *v;
	size_t i;

	json_array_foreach(params, i, v)
		if (bind_json(st, (int)i + 1, v) != SQLITE_OK)
			return -1;
	return 0;
}

/* ---- capture ---- */

static void ident(struct ferry_buf *b, const char *name)
{
	const char *p;

	ferry_buf_adds(b, "\"");
	for (p = name; *p; p++)
		ferry_buf_adds(b, *p == '"' ? "\"\"" : (char[]){ *p, 0 });
	ferry_buf_adds(b, "\"");
}

/* The user tables of schema db ("main" or BASE): [name]. */
static json_t *tables_of(sqlite3 *h, const char *db)
{
	char sql[256];
	sqlite3_stmt *st;
	json_t *out = json_array();

	snprintf(sql, sizeof(sql), "SELECT name FROM %s.sqlite_schema WHERE type = 'table' AND "
		 "name NOT LIKE 'sqlite\\_%%' ESCAPE '\\' AND name NOT IN ('ferry_step_marks', '"
		 FERRY_ENVDB_CARRY_MARKS "', '" FERRY_ENVDB_STAGE "') AND sql NOT LIKE "
		 "'CREATE VIRTUAL%%' ORDER BY name", db);
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		return out;
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(out, json_string((const char *)sqlite3_column_text(st, 0)));
	sqlite3_finalize(st);
	return out;
}

/* [{name, type, pk}] of db.table. */
static json_t *columns_of(sqlite3 *h, const char *db, const char *table)
{
	sqlite3_stmt *st;
	json_t *out = json_array();

	if (sqlite3_prepare_v2(h, "SELECT name, type, pk FROM pragma_table_info(?1, ?2) ORDER BY cid",
			       -1, &st, NULL) != SQLITE_OK)
		return out;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, db, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		json_array_append_new(out, json_pack("{s:s, s:s, s:i}",
			"name", (const char *)sqlite3_column_text(st, 0),
			"type", (const char *)sqlite3_column_text(st, 1) ?: "", "pk", sqlite3_column_int(st, 2)));
	sqlite3_finalize(st);
	return out;
}

static int has_pk(const json_t *cols)
{
	const json_t *c;
	size_t i;

	json_array_foreach(cols, i, c)
		if (json_integer_value(json_object_get(c, "pk")) > 0)
			return 1;
	return 0;
}

/* The count of one query's single integer. */
static int64_t count_of(sqlite3 *h, const char *sql)
{
	sqlite3_stmt *st;
	int64_t n = -1;

	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* 1 when the rows of main.t and BASE.t differ (whole rows, both ways). */
static int rows_differ(sqlite3 *h, const char *t)
{
	struct ferry_buf q = FERRY_BUF_INIT, a = FERRY_BUF_INIT;
	int64_t n;

	ident(&a, t);
	ferry_buf_addf(&q, "SELECT (SELECT count(*) FROM (SELECT * FROM main.%s EXCEPT SELECT * FROM "
		       BASE ".%s)) + (SELECT count(*) FROM (SELECT * FROM " BASE ".%s EXCEPT SELECT * "
		       "FROM main.%s))", a.data, a.data, a.data, a.data);
	n = count_of(h, q.data);
	ferry_buf_release(&q);
	ferry_buf_release(&a);
	return n != 0;
}

/* Which tables the session can diff; the others go to "uncaptured" when they differ. */
static int pick_tables(sqlite3 *h, json_t *doc, json_t *picked)
{
	json_t *live = tables_of(h, "main"), *base = tables_of(h, BASE), *t, *b;
	struct ferry_buf q = FERRY_BUF_INIT;
	size_t i, j;

	json_array_foreach(live, i, t) {
		const char *name = json_string_value(t);
		json_t *cl = columns_of(h, "main", name), *cb = NULL;
		int inbase = 0;
		json_array_foreach(base, j, b)
			inbase |= !strcmp(json_string_value(b), name);
		if (inbase)
			cb = columns_of(h, BASE, name);
		ferry_buf_reset(&q);
		ferry_buf_adds(&q, "SELECT count(*) FROM main.");
		ident(&q, name);
		if (!inbase) {
			if (count_of(h, q.data) != 0)
				chg_doc_uncaptured(doc, name, "created since the baseline: its rows are "
						   "not in the older release");
		} else if (!json_equal(cl, cb)) {
			chg_doc_uncaptured(doc, name, "its columns changed since the baseline");
		} else if (!has_pk(cl)) {
			if (rows_differ(h, name))
				chg_doc_uncaptured(doc, name, "no primary key: its rows cannot be told "
						   "apart, so its writes cannot be carried row by row");
		} else {
			json_array_append_new(picked, json_pack("{s:s, s:O}", "table", name, "columns", cl));
		}
		json_decref(cl);
		json_decref(cb);
	}
	json_array_foreach(base, j, b) {
		int inlive = 0;
		json_array_foreach(live, i, t)
			inlive |= !strcmp(json_string_value(t), json_string_value(b));
		if (!inlive)
			chg_doc_uncaptured(doc, json_string_value(b), "dropped since the baseline");
	}
	ferry_buf_release(&q);
	json_decref(live);
	json_decref(base);
	return 0;
}

/* "SELECT * FROM db.t WHERE pk1 = ?1 AND ..." for the whole row of a key. */
static sqlite3_stmt *row_stmt(sqlite3 *h, const char *db, const char *t, const json_t *cols)
{
	struct ferry_buf q = FERRY_BUF_INIT;
	sqlite3_stmt *st = NULL;
	const json_t *c;
	int k, n = 0, found = 1;
	size_t i;

	ferry_buf_addf(&q, "SELECT * FROM %s.", db);
	ident(&q, t);
	ferry_buf_adds(&q, " WHERE ");
	for (k = 1; found; k++) {
		found = 0;
		json_array_foreach(cols, i, c)
			if (json_integer_value(json_object_get(c, "pk")) == k) {
				ferry_buf_addf(&q, "%s", n ? " AND " : "");
				ident(&q, json_string_value(json_object_get(c, "name")));
				ferry_buf_addf(&q, " = ?%d", ++n);
				found = 1;
			}
	}
	sqlite3_prepare_v2(h, q.data, -1, &st, NULL);
	ferry_buf_release(&q);
	return st;
}

static json_t *row_json(sqlite3_stmt *st, const json_t *cols)
{
	json_t *row = json_object();
	size_t i;

	for (i = 0; i < json_array_size(cols); i++)
		json_object_set_new(row, json_string_value(json_object_get(json_array_get(cols, i), "name")),
				    value_json(sqlite3_column_value(st, (int)i)));
	return row;
}

/* The whole row of the change's key in db (NULL when it is not there). */
static json_t *row_by_key(sqlite3_stmt *st, sqlite3_changeset_iter *it, const json_t *cols,
			  const unsigned char *pk, int ncol)
{
	sqlite3_value *v;
	json_t *row = NULL;
	int i, n = 0;

	if (!st)
		return NULL;
	sqlite3_reset(st);
	for (i = 0; i < ncol; i++)
		if (pk[i] && sqlite3changeset_old(it, i, &v) == SQLITE_OK)
			sqlite3_bind_value(st, ++n, v);
	if (sqlite3_step(st) == SQLITE_ROW)
		row = row_json(st, cols);
	sqlite3_reset(st);
	return row;
}

/* The row of one side of an insert or delete, from the changeset itself. */
static json_t *row_from(sqlite3_changeset_iter *it, const json_t *cols, int ncol, int newer)
{
	json_t *row = json_object();
	sqlite3_value *v;
	int i;

	for (i = 0; i < ncol; i++) {
		v = NULL;
		(newer ? sqlite3changeset_new : sqlite3changeset_old)(it, i, &v);
		json_object_set_new(row, json_string_value(json_object_get(json_array_get(cols, (size_t)i), "name")),
				    v ? value_json(v) : json_null());
	}
	return row;
}

/* Read the changeset into the document. */
static int read_changes(sqlite3 *h, int n, void *p, json_t *doc, const json_t *picked,
			struct ferry_error *err)
{
	sqlite3_changeset_iter *it = NULL;
	sqlite3_stmt *before = NULL, *after = NULL;
	const char *cur = NULL, *tab;
	json_t *entry = NULL, *cols = NULL;
	int ncol, op, ind, rc = 0;
	unsigned char *pk;
	size_t i;

	if (sqlite3changeset_start(&it, n, p) != SQLITE_OK)
		return ferry_error_set(err, FERRY_EIO, "cannot read the session changeset");
	while (sqlite3changeset_next(it) == SQLITE_ROW) {
		sqlite3changeset_op(it, &tab, &ncol, &op, &ind);
		sqlite3changeset_pk(it, &pk, &ncol);
		if (!cur || strcmp(cur, tab)) {
			sqlite3_finalize(before);
			sqlite3_finalize(after);
			cols = NULL;
			json_array_foreach(picked, i, entry)
				if (!strcmp(json_string_value(json_object_get(entry, "table")), tab))
					cols = json_object_get(entry, "columns");
			if (!cols) {
				rc = ferry_error_set(err, FERRY_EINTERNAL, "changeset names table '%s'", tab);
				break;
			}
			entry = chg_doc_table(doc, tab, json_incref(cols));
			before = row_stmt(h, BASE, tab, cols);
			after = row_stmt(h, "main", tab, cols);
			cur = json_string_value(json_object_get(entry, "table"));
		}
		if (op == SQLITE_INSERT)
			chg_doc_row(doc, entry, "insert", NULL, row_from(it, cols, ncol, 1));
		else if (op == SQLITE_DELETE)
			chg_doc_row(doc, entry, "delete", row_from(it, cols, ncol, 0), NULL);
		else
			chg_doc_row(doc, entry, "update", row_by_key(before, it, cols, pk, ncol),
				    row_by_key(after, it, cols, pk, ncol));
	}
	sqlite3_finalize(before);
	sqlite3_finalize(after);
	if (sqlite3changeset_finalize(it) != SQLITE_OK && !rc)
		rc = sq_err(h, err, FERRY_EIO, "reading the session changeset");
	return rc;
}

/* The session's diff of every picked table against the baseline, as one changeset. */
static int diff_all(sqlite3 *h, const json_t *picked, int *n, void **p, struct ferry_error *err)
{
	sqlite3_session *s = NULL;
	const json_t *t;
	char *msg = NULL;
	size_t i;
	int rc = 0;

	*n = 0;
	*p = NULL;
	if (sqlite3session_create(h, "main", &s) != SQLITE_OK)
		return sq_err(h, err, FERRY_EIO, "cannot start a session");
	json_array_foreach(picked, i, t) {
		const char *name = json_string_value(json_object_get(t, "table"));
		if (sqlite3session_attach(s, name) != SQLITE_OK ||
		    sqlite3session_diff(s, BASE, name, &msg) != SQLITE_OK) {
			rc = ferry_error_set(err, FERRY_EIO, "session diff of table '%s': %s", name,
					     msg ? msg : sqlite3_errmsg(h));
			sqlite3_free(msg);
			goto out;
		}
	}
	if (sqlite3session_changeset(s, n, p) != SQLITE_OK)
		rc = sq_err(h, err, FERRY_EIO, "cannot build the session changeset");
out:
	sqlite3session_delete(s);
	return rc;
}

int chg_sqlite_capture(const char *path, const char *base_path, json_t *doc,
		       struct ferry_buf *changeset, struct ferry_error *err)
{
	json_t *picked = json_array();
	sqlite3_stmt *st = NULL;
	sqlite3 *h = NULL;
	void *p = NULL;
	int rc, n = 0;

	if ((rc = sq_open(path, SQLITE_OPEN_READONLY, &h, err)))
		goto out;
	if (sqlite3_prepare_v2(h, "ATTACH ?1 AS " BASE, -1, &st, NULL) != SQLITE_OK) {
		rc = sq_err(h, err, FERRY_EIO, "cannot attach the baseline");
		goto out;
	}
	sqlite3_bind_text(st, 1, base_path, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = sq_err(h, err, FERRY_EIO, base_path);
		goto out;
	}
	/* one read transaction: both sides from one snapshot while the application writes */
	if (sqlite3_exec(h, "BEGIN; SELECT count(*) FROM main.sqlite_schema; SELECT count(*) FROM "
			 BASE ".sqlite_schema", NULL, NULL, NULL) != SQLITE_OK) {
		rc = sq_err(h, err, FERRY_EIO, path);
		goto out;
	}
	pick_tables(h, doc, picked);
	if ((rc = diff_all(h, picked, &n, &p, err)) || (rc = read_changes(h, n, p, doc, picked, err)))
		goto out;
	if (changeset && n && ferry_buf_add(changeset, p, (size_t)n))
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory keeping the changeset");
out:
	sqlite3_free(p);
	sqlite3_finalize(st);
	if (h)
		sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(h);
	json_decref(picked);
	return rc;
}

/* ---- the carry_db ---- */

struct sq_carry {
	struct carry_db base;
	sqlite3 *h;
};

static sqlite3 *H(struct carry_db *c)
{
	return ((struct sq_carry *)c)->h;
}

static int c_exec(struct carry_db *c, const char *sql, struct ferry_error *err)
{
	char *msg = NULL;
	int rc = 0;

	if (sqlite3_exec(H(c), sql, NULL, NULL, &msg) != SQLITE_OK)
		rc = ferry_error_set(err, FERRY_EFAILED, "%s", msg ? msg : sqlite3_errmsg(H(c)));
	sqlite3_free(msg);
	return rc;
}

static int prepare(struct carry_db *c, const char *sql, const json_t *params, sqlite3_stmt **st,
		   struct ferry_error *err)
{
	if (sqlite3_prepare_v2(H(c), sql, -1, st, NULL) != SQLITE_OK || !*st)
		return ferry_error_set(err, FERRY_EFAILED, "%s", *st ? sqlite3_errmsg(H(c)) :
				       "not a statement");
	if (bind_all(*st, params)) {
		sqlite3_finalize(*st);
		*st = NULL;
		return ferry_error_set(err, FERRY_EFAILED, "%s", sqlite3_errmsg(H(c)));
	}
	return 0;
}

static int c_query(struct carry_db *c, const char *sql, const json_t *params, json_t **rows,
		   json_t **names, struct ferry_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc, r, i, n;

	*rows = *names = NULL;
	if ((rc = prepare(c, sql, params, &st, err)))
		return rc;
	*rows = json_array();
	*names = json_array();
	n = sqlite3_column_count(st);
	for (i = 0; i < n; i++)
		json_array_append_new(*names, json_string(sqlite3_column_name(st, i)));
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *row = json_array();
		for (i = 0; i < n; i++)
			json_array_append_new(row, value_json(sqlite3_column_value(st, i)));
		json_array_append_new(*rows, row);
	}
	if (r != SQLITE_DONE)
		rc = ferry_error_set(err, FERRY_EFAILED, "%s", sqlite3_errmsg(H(c)));
	sqlite3_finalize(st);
	return rc;
}

static int c_dml(struct carry_db *c, const char *sql, const json_t *params, int64_t *changes,
		 struct ferry_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*changes = 0;
	if ((rc = prepare(c, sql, params, &st, err)))
		return rc;
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = ferry_error_set(err, FERRY_EFAILED, "%s", sqlite3_errmsg(H(c)));
	else
		*changes = sqlite3_changes64(H(c));
	sqlite3_finalize(st);
	return rc;
}

static int c_columns(struct carry_db *c, const char *table, json_t **out, struct ferry_error *err)
{
	json_t *cols = columns_of(H(c), "main", table), *x;
	size_t i;

	(void)err;
	json_array_foreach(cols, i, x)
		json_object_del(x, "type");
	*out = cols;
	return 0;
}

/* A declared type from the captured database, if it is plain words and brackets. */
static const char *c_stage_type(const json_t *column)
{
	const char *t = json_string_value(json_object_get(column, "type")) ?: "";

	return strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 (),_")
	       == strlen(t) ? t : "";
}

static void c_close(struct carry_db *c)
{
	if (!c)
		return;
	if (!sqlite3_get_autocommit(H(c)))
		sqlite3_exec(H(c), "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(H(c));
	free(c);
}

static const struct carry_db_ops sq_ops = {
	'?', c_exec, c_query, c_dml, c_columns, c_stage_type, "BEGIN IMMEDIATE",
	"CREATE TEMP TABLE", c_close
};

/* A private in-memory copy of the file at path (a plan changes nothing on disk). */
static int copy_to_memory(sqlite3 *mem, const char *path, struct ferry_error *err)
{
	sqlite3_backup *b;
	sqlite3 *src;
	int rc;

	if ((rc = sq_open(path, SQLITE_OPEN_READONLY, &src, err)))
		return rc;
	if (!(b = sqlite3_backup_init(mem, "main", src, "main")) ||
	    sqlite3_backup_step(b, -1) != SQLITE_DONE)
		rc = sq_err(mem, err, FERRY_EIO, "cannot copy the restore point to plan on it");
	if (b)
		sqlite3_backup_finish(b);
	sqlite3_close(src);
	return rc;
}

int chg_sqlite_open(const char *path, int plan, struct carry_db **out, struct ferry_error *err)
{
	struct sq_carry *c = calloc(1, sizeof(*c));
	int rc;

	*out = NULL;
	if (!c)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	c->base.ops = &sq_ops;
	if ((rc = sq_open(plan ? ":memory:" : path, SQLITE_OPEN_READWRITE |
			  (plan ? SQLITE_OPEN_CREATE : 0), &c->h, err)) ||
	    (plan && (rc = copy_to_memory(c->h, path, err))) ||
	    (rc = c_exec(&c->base, "PRAGMA foreign_keys=ON", err))) {
		if (c->h)
			sqlite3_close(c->h);
		free(c);
		return rc;
	}
	*out = &c->base;
	return 0;
}
