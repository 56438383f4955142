/* SPDX-License-Identifier: MIT */
/* envdb_changes_pg.c: writes since a baseline on PostgreSQL, and PostgreSQL's
 * carry_db. The capture reads the live database and its baseline (a restore point
 * database on the same server) in two repeatable-read snapshots, each table through a
 * cursor in primary-key order, and merges the two streams: a key on one side only is
 * an insert or a delete, a key on both with other values an update. Why not logical
 * decoding: it needs wal_level=logical and a replication slot held from the swap to the
 * rollback (WAL kept for days if nobody rolls back); the comparison needs only the
 * baseline ferry keeps anyway (docs/UPGRADE.md). */
#include "runtime/envdb_changes_int.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/store/store.h"

#include "store/pq_sym.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FETCH 1000

static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* An error from a result (or the connection), on one line, without passwords. */
static int pg_fail(PGconn *c, PGresult *r, const char *what, struct ferry_error *err)
{
	const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL) : NULL;
	char msg[512];
	size_t i;

	if (primary)
		snprintf(msg, sizeof(msg), "%s%s%s", primary, detail ? ": " : "", detail ? detail : "");
	else
		snprintf(msg, sizeof(msg), "%s", r && PQresultErrorMessage(r)[0] ? PQresultErrorMessage(r)
							: PQerrorMessage(c));
	for (i = 0; msg[i]; i++)
		if (msg[i] == '\n' || msg[i] == '\t')
			msg[i] = ' ';
	while (i > 0 && msg[i - 1] == ' ')
		msg[--i] = '\0';
	return ferry_error_set(err, FERRY_EFAILED, "%s%s%s", what ? what : "", what ? ": " : "", msg);
}

static PGconn *connect_to(const char *conn, struct ferry_error *err)
{
	PGconn *c;
	char *where;

	if (ferry_pq_load(err))
		return NULL;
	c = PQconnectdb(conn);
	if (PQstatus(c) != CONNECTION_OK) {
		where = ferry_store_redact(conn);
		pg_fail(c, NULL, where ? where : "cannot connect", err);
		free(where);
		PQfinish(c);
		return NULL;
	}
	PQsetNoticeProcessor(c, quiet, NULL);
	return c;
}

static int run(PGconn *c, const char *sql, struct ferry_error *err)
{
	PGresult *r = PQexec(c, sql);
	int rc = 0;

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		rc = pg_fail(c, r, NULL, err);
	PQclear(r);
	return rc;
}

/* ---- capture ---- */

/* The user tables: [{table, qname, oid}] ("schema.table" outside public). */
static const char tables_sql[] =
	"SELECT CASE WHEN n.nspname = 'public' THEN c.relname ELSE n.nspname || '.' || c.relname END,"
	" quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.oid"
	" FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
	" WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
	" AND n.nspname NOT LIKE 'pg\\_%' AND NOT (n.nspname = 'public' AND c.relname IN"
	" ('ferry_step_marks', '" FERRY_ENVDB_CARRY_MARKS "', '" FERRY_ENVDB_STAGE "')) ORDER BY 1";

/* name, type, builtin, position in the primary key (0 none), base type name */
static const char columns_sql[] =
	"SELECT a.attname, format_type(a.atttypid, a.atttypmod),"
	" (t.typnamespace = 'pg_catalog'::regnamespace)::int,"
	" COALESCE((SELECT k.n FROM pg_index i, unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, n)"
	"   WHERE i.indrelid = a.attrelid AND i.indisprimary AND k.attnum = a.attnum), 0), t.typname"
	" FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
	" WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";

static json_t *tables_of(PGconn *c, struct ferry_error *err)
{
	PGresult *r = PQexec(c, tables_sql);
	json_t *out = NULL;
	int i;

	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		pg_fail(c, r, "listing tables", err);
	} else {
		out = json_array();
		for (i = 0; i < PQntuples(r); i++)
			json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "table", PQgetvalue(r, i, 0),
				"qname", PQgetvalue(r, i, 1), "oid", PQgetvalue(r, i, 2)));
	}
	PQclear(r);
	return out;
}

/* [{name, type, builtin, pk, base}] of a table. */
static json_t *columns_of(PGconn *c, const char *oid)
{
	const char *vals[1] = { oid };
	PGresult *r = PQexecParams(c, columns_sql, 1, NULL, vals, NULL, NULL, 0);
	json_t *out = json_array();
	int i;

	for (i = 0; PQresultStatus(r) == PGRES_TUPLES_OK && i < PQntuples(r); i++)
		json_array_append_new(out, json_pack("{s:s, s:s, s:b, s:i, s:s}", "name", PQgetvalue(r, i, 0),
			"type", PQgetvalue(r, i, 1), "builtin", PQgetvalue(r, i, 2)[0] == '1',
			"pk", (int)strtol(PQgetvalue(r, i, 3), NULL, 10), "base", PQgetvalue(r, i, 4)));
	PQclear(r);
	return out;
}

static int is_int(const json_t *col)
{
	const char *b = json_string_value(json_object_get(col, "base")) ?: "";

	return !strcmp(b, "int2") || !strcmp(b, "int4") || !strcmp(b, "int8");
}

/* A text value of a column as JSON: integers and floats as numbers, the rest text. */
static json_t *value_json(const json_t *col, PGresult *r, int row, int i)
{
	const char *b = json_string_value(json_object_get(col, "base")) ?: "", *v;
	char *end;

	if (PQgetisnull(r, row, i))
		return json_null();
	v = PQgetvalue(r, row, i);
	if (is_int(col))
		return json_integer(strtoll(v, NULL, 10));
	if (!strcmp(b, "float4") || !strcmp(b, "float8")) {
		double d = strtod(v, &end);
		if (!*end && d == d && d - d == 0)
			return json_real(d);
	}
	return json_string(v) ?: chg_hex(v, strlen(v));
}

/* A cursor over a table in key order, read FETCH rows at a time. */
struct cursor {
	PGconn *c;
	const char *name;
	PGresult *r;
	int row, done;
};

static int cursor_next(struct cursor *k, struct ferry_error *err)
{
	char sql[64];

	if (k->r && ++k->row < PQntuples(k->r))
		return 0;
	PQclear(k->r);
	k->r = NULL;
	k->row = 0;
	snprintf(sql, sizeof(sql), "FETCH %d FROM %s", FETCH, k->name);
	k->r = PQexec(k->c, sql);
	if (PQresultStatus(k->r) != PGRES_TUPLES_OK)
		return pg_fail(k->c, k->r, "reading a table", err);
	k->done = PQntuples(k->r) == 0;
	return 0;
}

/* Compare the keys of the current rows: <0, 0, >0. */
static int key_cmp(const json_t *cols, struct cursor *a, struct cursor *b)
{
	const json_t *c;
	size_t i;
	int k, r, found = 1;

	for (k = 1; found; k++) {
		found = 0;
		json_array_foreach(cols, i, c) {
			const char *x, *y;
			if (json_integer_value(json_object_get(c, "pk")) != k)
				continue;
			found = 1;
			x = PQgetvalue(a->r, a->row, (int)i);
			y = PQgetvalue(b->r, b->row, (int)i);
			if (is_int(c)) {
				long long p = strtoll(x, NULL, 10), q = strtoll(y, NULL, 10);
				r = p < q ? -1 : p > q;
			} else {
				r = strcmp(x, y);
			}
			if (r)
				return r;
		}
	}
	return 0;
}

static int rows_equal(int n, struct cursor *a, struct cursor *b)
{
	int i;

	for (i = 0; i < n; i++) {
		int na = PQgetisnull(a->r, a->row, i), nb = PQgetisnull(b->r, b->row, i);
		if (na != nb || (!na && strcmp(PQgetvalue(a->r, a->row, i), PQgetvalue(b->r, b->row, i))))
			return 0;
	}
	return 1;
}

static json_t *row_json(const json_t *cols, struct cursor *k)
{
	json_t *row = json_object();
	size_t i;

	for (i = 0; i < json_array_size(cols); i++)
		json_object_set_new(row, json_string_value(json_object_get(json_array_get(cols, i), "name")),
				    value_json(json_array_get(cols, i), k->r, k->row, (int)i));
	return row;
}

/* "DECLARE name NO SCROLL CURSOR FOR SELECT * FROM t ORDER BY <key>" on c. */
static int declare(PGconn *c, const char *name, const char *qname, const json_t *cols,
		   struct ferry_error *err)
{
	struct ferry_buf q = FERRY_BUF_INIT;
	const json_t *col;
	int k, n = 0, found = 1, rc;
	size_t i;

	ferry_buf_addf(&q, "DECLARE %s NO SCROLL CURSOR FOR SELECT * FROM %s ORDER BY ", name, qname);
	for (k = 1; found; k++) {
		found = 0;
		json_array_foreach(cols, i, col) {
			char *id;
			if (json_integer_value(json_object_get(col, "pk")) != k)
				continue;
			found = 1;
			id = PQescapeIdentifier(c, json_string_value(json_object_get(col, "name")),
						strlen(json_string_value(json_object_get(col, "name"))));
			ferry_buf_addf(&q, "%s%s%s", n++ ? ", " : "", id ? id : "\"?\"",
				       is_int(col) ? "" : "::text COLLATE \"C\"");
			PQfreemem(id);
		}
	}
	rc = run(c, q.data, err);
	ferry_buf_release(&q);
	return rc;
}

/* Merge the two key-ordered streams of one table into the document. */
static int diff_table(PGconn *live, PGconn *base, json_t *doc, const char *table,
		      const char *qname, json_t *cols, struct ferry_error *err)
{
	struct cursor l = { live, "ferry_l", NULL, -1, 0 }, b = { base, "ferry_b", NULL, -1, 0 };
	json_t *entry = NULL;
	int rc, n = (int)json_array_size(cols);

	if ((rc = declare(live, l.name, qname, cols, err)) || (rc = declare(base, b.name, qname, cols, err)) ||
	    (rc = cursor_next(&l, err)) || (rc = cursor_next(&b, err)))
		goto out;
	while (!l.done || !b.done) {
		int cmp = l.done ? 1 : b.done ? -1 : key_cmp(cols, &l, &b);
		if (!entry && (cmp || !rows_equal(n, &l, &b)))
			entry = chg_doc_table(doc, table, json_incref(cols));
		if (cmp < 0)
			chg_doc_row(doc, entry, "insert", NULL, row_json(cols, &l));
		else if (cmp > 0)
			chg_doc_row(doc, entry, "delete", row_json(cols, &b), NULL);
		else if (!rows_equal(n, &l, &b))
			chg_doc_row(doc, entry, "update", row_json(cols, &b), row_json(cols, &l));
		if ((cmp <= 0 && (rc = cursor_next(&l, err))) || (cmp >= 0 && (rc = cursor_next(&b, err))))
			goto out;
	}
	if (!(rc = run(live, "CLOSE ferry_l", err)))
		rc = run(base, "CLOSE ferry_b", err);
out:
	PQclear(l.r);
	PQclear(b.r);
	return rc;
}

/* The whole content of a table without a key, as one digest. */
static char *digest_of(PGconn *c, const char *qname)
{
	struct ferry_buf q = FERRY_BUF_INIT;
	PGresult *r;
	char *out = NULL;

	ferry_buf_addf(&q, "SELECT md5(COALESCE(string_agg(t::text, E'\\n' ORDER BY t::text COLLATE "
		       "\"C\"), '')) FROM %s t", qname);
	r = PQexec(c, q.data);
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		out = strdup(PQgetvalue(r, 0, 0));
	PQclear(r);
	ferry_buf_release(&q);
	return out;
}

static const json_t *find(const json_t *tables, const char *name)
{
	const json_t *t;
	size_t i;

	json_array_foreach(tables, i, t)
		if (!strcmp(json_string_value(json_object_get(t, "table")), name))
			return t;
	return NULL;
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

static int capture_table(PGconn *live, PGconn *base, json_t *doc, const json_t *t,
			 const json_t *bt, struct ferry_error *err)
{
	const char *name = json_string_value(json_object_get(t, "table"));
	const char *qname = json_string_value(json_object_get(t, "qname"));
	json_t *cl = columns_of(live, json_string_value(json_object_get(t, "oid")));
	json_t *cb = bt ? columns_of(base, json_string_value(json_object_get(bt, "oid"))) : NULL;
	char *dl = NULL, *db = NULL;
	int rc = 0;

	if (!bt) {
		dl = digest_of(live, qname);
		if (!dl || strcmp(dl, "d41d8cd98f00b204e9800998ecf8427e"))  /* md5 of '' */
			chg_doc_uncaptured(doc, name, "created since the baseline: its rows are not in "
					   "the older release");
	} else if (!json_equal(cl, cb)) {
		chg_doc_uncaptured(doc, name, "its columns changed since the baseline");
	} else if (!has_pk(cl)) {
		dl = digest_of(live, qname);
		db = digest_of(base, json_string_value(json_object_get(bt, "qname")));
		if (!dl || !db || strcmp(dl, db))
			chg_doc_uncaptured(doc, name, "no primary key: its rows cannot be told apart, so "
					   "its writes cannot be carried row by row");
	} else {
		rc = diff_table(live, base, doc, name, qname, cl, err);
	}
	free(dl);
	free(db);
	json_decref(cl);
	json_decref(cb);
	return rc;
}

int chg_pg_capture(const char *conn, const char *base_conn, json_t *doc, struct ferry_error *err)
{
	PGconn *live = NULL, *base = NULL;
	json_t *tl = NULL, *tb = NULL;
	const json_t *t;
	size_t i;
	int rc = 0;

	if (ferry_pq_load(err))  /* before out: calls PQfinish */
		return err ? err->code : FERRY_EIO;
	if (!(live = connect_to(conn, err)) || !(base = connect_to(base_conn, err))) {
		rc = err ? err->code : FERRY_EFAILED;
		goto out;
	}
	if ((rc = run(live, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err)) ||
	    (rc = run(base, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err)))
		goto out;
	if (!(tl = tables_of(live, err)) || !(tb = tables_of(base, err))) {
		rc = err ? err->code : FERRY_EFAILED;
		goto out;
	}
	json_array_foreach(tl, i, t)
		if ((rc = capture_table(live, base, doc, t,
					find(tb, json_string_value(json_object_get(t, "table"))), err)))
			goto out;
	json_array_foreach(tb, i, t)
		if (!find(tl, json_string_value(json_object_get(t, "table"))))
			chg_doc_uncaptured(doc, json_string_value(json_object_get(t, "table")),
					   "dropped since the baseline");
out:
	json_decref(tl);
	json_decref(tb);
	PQfinish(live);
	PQfinish(base);
	return rc;
}

/* ---- the carry_db ---- */

struct pg_carry {
	struct carry_db base;
	PGconn *c;
};

static PGconn *C(struct carry_db *c)
{
	return ((struct pg_carry *)c)->c;
}

static int c_exec(struct carry_db *c, const char *sql, struct ferry_error *err)
{
	return run(C(c), sql, err);
}

/* Parameters as text: numbers printed, strings as they are, {"hex"} as bytea input. */
static char **params_text(const json_t *params, int *n)
{
	char **v = calloc(json_array_size(params) + 1, sizeof(*v));
	const json_t *p;
	size_t i;

	*n = (int)json_array_size(params);
	json_array_foreach(params, i, p) {
		char num[64];
		if (!v)
			break;
		if (json_is_integer(p))
			snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(p));
		else if (json_is_real(p))
			snprintf(num, sizeof(num), "%.17g", json_real_value(p));
		if (json_is_number(p))
			v[i] = strdup(num);
		else if (json_is_string(p))
			v[i] = strdup(json_string_value(p));
		else if (json_is_boolean(p))
			v[i] = strdup(json_is_true(p) ? "true" : "false");
		else if (json_string_value(json_object_get(p, "hex"))) {
			size_t len = strlen(json_string_value(json_object_get(p, "hex"))) + 3;
			if ((v[i] = malloc(len)))
				snprintf(v[i], len, "\\x%s", json_string_value(json_object_get(p, "hex")));
		}
	}
	return v;
}

static void params_free(char **v, int n)
{
	int i;

	for (i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static PGresult *exec_params(struct carry_db *c, const char *sql, const json_t *params)
{
	int n;
	char **v = params_text(params, &n);
	PGresult *r = PQexecParams(C(c), sql, n, NULL, (const char *const *)v, NULL, NULL, 0);

	params_free(v, n);
	return r;
}

static int c_query(struct carry_db *c, const char *sql, const json_t *params, json_t **rows,
		   json_t **names, struct ferry_error *err)
{
	PGresult *r = exec_params(c, sql, params);
	int i, j, rc = 0;

	*rows = *names = NULL;
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		rc = pg_fail(C(c), r, NULL, err);
		PQclear(r);
		return rc;
	}
	*rows = json_array();
	*names = json_array();
	for (j = 0; j < PQnfields(r); j++)
		json_array_append_new(*names, json_string(PQfname(r, j)));
	for (i = 0; i < PQntuples(r); i++) {
		json_t *row = json_array();
		for (j = 0; j < PQnfields(r); j++)
			json_array_append_new(row, PQgetisnull(r, i, j) ? json_null()
					      : json_string(PQgetvalue(r, i, j)) ?: json_null());
		json_array_append_new(*rows, row);
	}
	PQclear(r);
	return 0;
}

static int c_dml(struct carry_db *c, const char *sql, const json_t *params, int64_t *changes,
		 struct ferry_error *err)
{
	PGresult *r = exec_params(c, sql, params);
	int rc = 0;

	*changes = 0;
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		rc = pg_fail(C(c), r, NULL, err);
	else
		*changes = strtoll(PQcmdTuples(r), NULL, 10);
	PQclear(r);
	return rc;
}

static int c_columns(struct carry_db *c, const char *table, json_t **out, struct ferry_error *err)
{
	static const char sql[] =
		"SELECT a.attname, COALESCE((SELECT k.n FROM pg_index i, unnest(i.indkey::int2[]) WITH"
		" ORDINALITY k(attnum, n) WHERE i.indrelid = a.attrelid AND i.indisprimary AND"
		" k.attnum = a.attnum), 0) FROM pg_attribute a WHERE a.attrelid = to_regclass("
		"quote_ident($1)) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";
	const char *vals[1] = { table };
	PGresult *r = PQexecParams(C(c), sql, 1, NULL, vals, NULL, NULL, 0);
	int i, rc = 0;

	*out = NULL;
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		rc = pg_fail(C(c), r, "reading the old release's columns", err);
	} else {
		*out = json_array();
		for (i = 0; i < PQntuples(r); i++)
			json_array_append_new(*out, json_pack("{s:s, s:i}", "name", PQgetvalue(r, i, 0),
							      "pk", (int)strtol(PQgetvalue(r, i, 1), NULL, 10)));
	}
	PQclear(r);
	return rc;
}

/* Built-in types as captured; the database's own types (they may not exist in the
 * older release) as text, which PostgreSQL casts from. */
static const char *c_stage_type(const json_t *column)
{
	const char *t = json_string_value(json_object_get(column, "type"));

	return json_is_true(json_object_get(column, "builtin")) && t ? t : "text";
}

static void c_close(struct carry_db *c)
{
	if (!c)
		return;
	if (PQtransactionStatus(C(c)) != PQTRANS_IDLE)
		PQclear(PQexec(C(c), "ROLLBACK"));
	PQfinish(C(c));
	free(c);
}

static const struct carry_db_ops pg_ops = {
	'$', c_exec, c_query, c_dml, c_columns, c_stage_type, "BEGIN", "CREATE TABLE", c_close
};

int chg_pg_open(const char *conn, int plan, struct carry_db **out, struct ferry_error *err)
{
	struct pg_carry *c = calloc(1, sizeof(*c));

	(void)plan;  /* a plan runs in the restore point database and is rolled back */
	*out = NULL;
	if (!c)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	c->base.ops = &pg_ops;
	if (!(c->c = connect_to(conn, err))) {
		free(c);
		return err ? err->code : FERRY_EFAILED;
	}
	*out = &c->base;
	return 0;
}
