/* SPDX-License-Identifier: MIT */
/* db.c: the application database, engine-independent part: driver choice by the connection
 * string, transactions, rows as JSON, inserts with the next id, and the catalogue (tables,
 * columns, indexes) in one shape from the drivers' queries. */
#include "ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct ldb {
	const struct ldb_ops *ops;
	void *h;
	int in_tx;
};

int ledger_db_is_url(const char *conn)
{
	return !strncmp(conn, "postgresql://", 13) || !strncmp(conn, "postgres://", 11);
}

struct ldb *ledger_db_open(const char *conn, int create, struct lerr *e)
{
	const struct ldb_ops *ops = ledger_db_is_url(conn) ? &ledger_db_postgresql : &ledger_db_sqlite;
	struct ldb *db;
	void *h;

	if (!strncmp(conn, "sqlite:", 7))
		conn += 7;
	if (!(h = ops->open(conn, create, e)))
		return NULL;
	if (!(db = calloc(1, sizeof(*db)))) {
		ops->close(h);
		lerr_set(e, 500, "out of memory");
		return NULL;
	}
	db->ops = ops;
	db->h = h;
	return db;
}

void ledger_db_close(struct ldb *db)
{
	if (!db)
		return;
	if (db->in_tx)
		ledger_db_rollback(db);
	db->ops->close(db->h);
	free(db);
}

const char *ledger_db_driver(const struct ldb *db)
{
	return db->ops->name;
}

int ledger_db_exec(struct ldb *db, const char *sql, struct lerr *e)
{
	return db->ops->exec(db->h, sql, e);
}

int ledger_db_begin(struct ldb *db, struct lerr *e)
{
	if (db->ops->begin(db->h, e))
		return -1;
	db->in_tx = 1;
	return 0;
}

int ledger_db_begin_read(struct ldb *db, struct lerr *e)
{
	if (db->ops->exec(db->h, db->ops->begin_read, e))
		return -1;
	db->in_tx = 1;
	return 0;
}

int ledger_db_commit(struct ldb *db, struct lerr *e)
{
	if (db->ops->exec(db->h, "COMMIT", e))
		return -1;
	db->in_tx = 0;
	return 0;
}

void ledger_db_rollback(struct ldb *db)
{
	db->ops->exec(db->h, "ROLLBACK", NULL);
	db->in_tx = 0;
}

int ledger_db_each(struct ldb *db, const char *sql, const json_t *params, ldb_row_fn fn, void *arg,
		   struct lerr *e)
{
	return db->ops->query(db->h, sql, params, fn, arg, e);
}

static json_t *value_json(const char *v, char kind)
{
	switch (kind) {
	case 'N': return json_null();
	case 'i': return json_integer(strtoll(v, NULL, 10));
	case 'r': return json_real(strtod(v, NULL));
	default: return json_string(v);
	}
}

static int collect(void *arg, int n, const char *const *names, const char *const *vals,
		   const char *kinds, struct lerr *e)
{
	json_t *row = json_object();

	(void)e;
	for (int i = 0; i < n; i++)
		json_object_set_new(row, names[i], value_json(vals[i], kinds[i]));
	return json_array_append_new(arg, row);
}

json_t *ledger_db_rows(struct ldb *db, const char *sql, const json_t *params, struct lerr *e)
{
	json_t *rows = json_array();

	if (ledger_db_each(db, sql, params, collect, rows, e)) {
		json_decref(rows);
		return NULL;
	}
	return rows;
}

int ledger_db_run(struct ldb *db, const char *sql, json_t *params, struct lerr *e)
{
	json_t *rows = ledger_db_rows(db, sql, params, e);

	json_decref(params);
	json_decref(rows);
	return rows ? 0 : -1;
}

int64_t ledger_db_insert(struct ldb *db, const char *table, const char *cols, json_t *params,
			 struct lerr *e)
{
	char sql[1024];
	size_t n = json_array_size(params), off;
	json_t *rows;
	int64_t id = -1;

	off = (size_t)snprintf(sql, sizeof(sql), "INSERT INTO %s (id, %s) VALUES ((SELECT coalesce(max(id), 0)"
			       " + 1 FROM %s)", table, cols, table);
	for (size_t i = 0; i < n && off < sizeof(sql); i++)
		off += (size_t)snprintf(sql + off, sizeof(sql) - off, ", ?");
	if (off < sizeof(sql))
		snprintf(sql + off, sizeof(sql) - off, ") RETURNING id");
	rows = ledger_db_rows(db, sql, params, e);
	if (rows && json_array_size(rows) == 1)
		id = json_integer_value(json_object_get(json_array_get(rows, 0), "id"));
	json_decref(rows);
	json_decref(params);
	return id;
}

int64_t ledger_db_int(struct ldb *db, const char *sql, int64_t dflt)
{
	json_t *rows = ledger_db_rows(db, sql, NULL, NULL), *v;
	int64_t out = dflt;

	v = json_array_size(rows) ? json_object_iter_value(json_object_iter(json_array_get(rows, 0))) : NULL;
	if (json_is_integer(v))
		out = json_integer_value(v);
	else if (json_is_string(v))
		out = strtoll(json_string_value(v), NULL, 10);
	json_decref(rows);
	return out;
}

/* ---- prepared statements ---- */

struct ldb_stmt {
	struct ldb *db;
	void *st;  /* the driver's; NULL: through query with JSON parameters */
	char *sql;
};

struct ldb_stmt *ledger_db_prepare(struct ldb *db, const char *sql, struct lerr *e)
{
	struct ldb_stmt *s = calloc(1, sizeof(*s));

	if (!s || !(s->sql = strdup(sql))) {
		free(s);
		lerr_set(e, 500, "out of memory");
		return NULL;
	}
	s->db = db;
	if (db->ops->prepare && !(s->st = db->ops->prepare(db->h, sql, e))) {
		ledger_db_finalize(s);
		return NULL;
	}
	return s;
}

static int ignore_row(void *arg, int n, const char *const *names, const char *const *vals,
		      const char *kinds, struct lerr *e)
{
	(void)arg; (void)n; (void)names; (void)vals; (void)kinds; (void)e;
	return 0;
}

int ledger_db_step(struct ldb_stmt *s, const struct ldb_val *v, int n, struct lerr *e)
{
	json_t *p;
	int rc;

	if (s->st)
		return s->db->ops->step(s->db->h, s->st, v, n, e);
	p = json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(p, v[i].kind == 'i' ? json_integer(v[i].i)
					 : v[i].kind == 't' ? json_string(v[i].s) : json_null());
	rc = s->db->ops->query(s->db->h, s->sql, p, ignore_row, NULL, e);
	json_decref(p);
	return rc;
}

void ledger_db_finalize(struct ldb_stmt *s)
{
	if (!s)
		return;
	if (s->st)
		s->db->ops->finalize(s->st);
	free(s->sql);
	free(s);
}

/* ---- the catalogue, one shape for both drivers ---- */

/* The rows of a catalogue query about `table` (NULL: none). */
static json_t *catalogue(struct ldb *db, const char *sql, const char *table, struct lerr *e)
{
	json_t *p = table ? json_pack("[s]", table) : NULL, *rows;

	rows = ledger_db_rows(db, sql, p, e);
	json_decref(p);
	return rows;
}

static void to_bool(json_t *row, const char *key)
{
	json_object_set_new(row, key, json_boolean(json_integer_value(json_object_get(row, key))));
}

json_t *ledger_db_tables(struct ldb *db, struct lerr *e)
{
	json_t *rows = catalogue(db, db->ops->tables_sql, NULL, e), *out, *r;
	size_t i;

	if (!rows)
		return NULL;
	out = json_array();
	json_array_foreach(rows, i, r)
		json_array_append(out, json_object_get(r, "name"));
	json_decref(rows);
	return out;
}

/* "'waiting'::text" -> "'waiting'": defaults as they were written (PostgreSQL adds casts). */
static json_t *plain_default(const char *d)
{
	const char *cast = d ? strstr(d, "::") : NULL;

	if (!d)
		return json_null();
	if (cast && d[0] == '\'' && cast > d && cast[-1] == '\'')
		return json_stringn(d, (size_t)(cast - d));
	return json_string(d);
}

json_t *ledger_db_columns(struct ldb *db, const char *table, struct lerr *e)
{
	json_t *rows = catalogue(db, db->ops->columns_sql, table, e), *r;
	size_t i;

	json_array_foreach(rows, i, r) {
		to_bool(r, "notnull");
		json_object_set_new(r, "default", plain_default(json_string_value(json_object_get(r, "default"))));
	}
	return rows;
}

int ledger_db_integrity(struct ldb *db, int full, struct lerr *e) { return db->ops->integrity(db->h, full, e); }
long long ledger_db_bytes(struct ldb *db) { return db->ops->bytes(db->h); }
const char *ledger_db_text_order(const struct ldb *db) { return db->ops->text_order; }

static int by_name(const void *a, const void *b)
{
	return strcmp(json_string_value(json_object_get(*(json_t *const *)a, "name")),
		      json_string_value(json_object_get(*(json_t *const *)b, "name")));
}

/* An index behind a UNIQUE constraint gets PostgreSQL's name for it on both engines,
 * <table>_<columns>_key (SQLite calls it sqlite_autoindex_<table>_<n>). */
static void constraint_name(json_t *r, const char *table)
{
	char name[256], *c;

	to_bool(r, "unique");
	if (json_integer_value(json_object_get(r, "constraint_index"))) {
		snprintf(name, sizeof(name), "%s_%s_key", table,
			 json_string_value(json_object_get(r, "columns")));
		for (c = name; *c; c++)
			if (*c == ',')
				*c = '_';
		json_object_set_new(r, "name", json_string(name));
	}
	json_object_del(r, "constraint_index");
}

/* Sorted by name here, after the renaming. */
json_t *ledger_db_indexes(struct ldb *db, const char *table, struct lerr *e)
{
	json_t *rows = catalogue(db, db->ops->indexes_sql, table, e), **v, *out, *r;
	size_t n = json_array_size(rows), i;

	json_array_foreach(rows, i, r)
		constraint_name(r, table);
	if (!rows || n < 2 || !(v = calloc(n, sizeof(*v))))
		return rows;
	for (i = 0; i < n; i++)
		v[i] = json_array_get(rows, i);
	qsort(v, n, sizeof(*v), by_name);
	out = json_array();
	for (i = 0; i < n; i++)
		json_array_append(out, v[i]);
	free(v);
	json_decref(rows);
	return out;
}

static int has_named(json_t *list, const char *key, const char *name)
{
	size_t i;
	json_t *v;
	int found = 0;

	json_array_foreach(list, i, v) {
		const char *s = json_is_string(v) ? json_string_value(v)
						  : json_string_value(json_object_get(v, key));
		if (s && !strcmp(s, name))
			found = 1;
	}
	json_decref(list);
	return found;
}

int ledger_db_has_table(struct ldb *db, const char *table)
{
	return has_named(ledger_db_tables(db, NULL), NULL, table);
}

int ledger_db_has_column(struct ldb *db, const char *table, const char *column)
{
	return has_named(ledger_db_columns(db, table, NULL), "name", column);
}

int ledger_db_has_index(struct ldb *db, const char *table, const char *index)
{
	return has_named(ledger_db_indexes(db, table, NULL), "name", index);
}

int ledger_db_table_count(struct ldb *db)
{
	json_t *t = ledger_db_tables(db, NULL);
	int n = t ? (int)json_array_size(t) : -1;

	json_decref(t);
	return n;
}

void ledger_today(char out[16])
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(out, 16, "%Y-%m-%d", &tm);
}
