/* SPDX-License-Identifier: MIT */
/* db_pg.c: the application database on PostgreSQL (libpq; "database" is a postgresql:// URL).
 * The SQL is the one written for SQLite: ? placeholders become $n here; the catalogue
 * queries answer in the shape db.c normalizes for both (types as SQLite names them). */
#include "ledger.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WRITE_LOCK_KEY 7426001 /* one writer at a time, as SQLite's BEGIN IMMEDIATE */

static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static int pg_fail(PGconn *c, PGresult *r, struct lerr *e)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	char msg[400];
	size_t i;

	snprintf(msg, sizeof(msg), "%s", r && *PQresultErrorMessage(r) ? PQresultErrorMessage(r)
					 : PQerrorMessage(c));
	for (i = strlen(msg); i > 0 && (msg[i - 1] == '\n' || msg[i - 1] == ' '); i--)
		msg[i - 1] = '\0';
	return lerr_set(e, state && !strncmp(state, "23", 2) ? 409 : 500, "%s", msg);
}

/* CREATE DATABASE for the one conn names, through the server's maintenance database. */
static int create_database(const char *conn, struct lerr *e)
{
	PQconninfoOption *opts = PQconninfoParse(conn, NULL), *o;
	const char *keys[64], *vals[64], *dbname = NULL;
	PGconn *c = NULL;
	PGresult *r;
	char *ident = NULL, sql[256];
	int n = 0, rc = -1;

	if (!opts)
		return lerr_set(e, 400, "cannot parse the database URL");
	for (o = opts; o->keyword && n < 62; o++) {
		if (!o->val)
			continue;
		if (!strcmp(o->keyword, "dbname")) {
			dbname = o->val;
			continue;
		}
		keys[n] = o->keyword;
		vals[n++] = o->val;
	}
	keys[n] = "dbname";
	vals[n++] = "postgres";
	keys[n] = NULL;
	vals[n] = NULL;
	if (!dbname) {
		lerr_set(e, 400, "the database URL names no database");
		goto out;
	}
	c = PQconnectdbParams(keys, vals, 0);
	if (PQstatus(c) != CONNECTION_OK) {
		pg_fail(c, NULL, e);
		goto out;
	}
	ident = PQescapeIdentifier(c, dbname, strlen(dbname));
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s TEMPLATE template0", ident ? ident : "\"\"");
	r = PQexec(c, sql);
	if (PQresultStatus(r) == PGRES_COMMAND_OK)
		rc = 0;
	else
		pg_fail(c, r, e);
	PQclear(r);
out:
	PQfreemem(ident);
	PQfinish(c);
	PQconninfoFree(opts);
	return rc;
}

static void *pg_open(const char *conn, int create, struct lerr *e)
{
	PGconn *c = PQconnectdb(conn);

	if (PQstatus(c) != CONNECTION_OK && strstr(PQerrorMessage(c), "does not exist")) {
		PQfinish(c);
		if (!create) {
			lerr_set(e, 404, "database '%s' does not exist", conn);
			return NULL;
		}
		if (create_database(conn, e))
			return NULL;
		c = PQconnectdb(conn);
	}
	if (PQstatus(c) != CONNECTION_OK) {
		pg_fail(c, NULL, e);
		PQfinish(c);
		return NULL;
	}
	PQsetNoticeProcessor(c, quiet, NULL);
	PQclear(PQexec(c, "SET client_min_messages = warning"));
	return c;
}

static void pg_close(void *h)
{
	PQfinish(h);
}

static int pg_exec(void *h, const char *sql, struct lerr *e)
{
	PGresult *r = PQexec(h, sql);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok)
		pg_fail(h, r, e);
	PQclear(r);
	return ok ? 0 : -1;
}

/* "... = ? AND x = '?'" -> "... = $1 AND x = '?'" (quoted text and identifiers stay). */
static char *numbered(const char *sql)
{
	size_t len = strlen(sql), o = 0;
	char *out = malloc(len * 4 + 1), quote = 0;
	int n = 0;

	if (!out)
		return NULL;
	for (const char *p = sql; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
		} else if (*p == '?') {
			o += (size_t)snprintf(out + o, 12, "$%d", ++n);
			continue;
		}
		out[o++] = *p;
	}
	out[o] = '\0';
	return out;
}

static char kind_of(Oid t)
{
	switch (t) {
	case 16: case 20: case 21: case 23: case 26: return 'i'; /* bool, int8/2/4, oid */
	case 700: case 701: case 1700: return 'r';
	default: return 't';
	}
}

struct params {
	int n;
	const char **v;
	char **own;
};

static int params_of(const json_t *p, struct params *out, struct lerr *e)
{
	size_t i, n = json_array_size(p);
	json_t *v;

	out->n = (int)n;
	out->v = calloc(n + 1, sizeof(*out->v));
	out->own = calloc(n + 1, sizeof(*out->own));
	if (!out->v || !out->own)
		return lerr_set(e, 500, "out of memory");
	json_array_foreach(p, i, v) {
		char buf[64];
		if (json_is_string(v))
			out->v[i] = json_string_value(v);
		else if (json_is_integer(v) || json_is_boolean(v) || json_is_real(v)) {
			if (json_is_integer(v))
				snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
			else if (json_is_boolean(v))
				snprintf(buf, sizeof(buf), "%d", json_is_true(v));
			else
				snprintf(buf, sizeof(buf), "%.17g", json_real_value(v));
			out->v[i] = out->own[i] = strdup(buf);
		}
	}
	return 0;
}

static void params_free(struct params *p)
{
	for (int i = 0; p->own && i < p->n; i++)
		free(p->own[i]);
	free(p->own);
	free(p->v);
}

static int row_out(PGresult *r, ldb_row_fn fn, void *arg, struct lerr *e)
{
	int n = PQnfields(r), rc = 0;
	const char **names = calloc((size_t)n + 1, sizeof(*names));
	const char **vals = calloc((size_t)n + 1, sizeof(*vals));
	char *kinds = calloc((size_t)n + 1, 1);

	if (!names || !vals || !kinds) {
		rc = lerr_set(e, 500, "out of memory");
		goto out;
	}
	for (int i = 0; i < n; i++)
		names[i] = PQfname(r, i);
	for (int row = 0; !rc && row < PQntuples(r); row++) {
		for (int i = 0; i < n; i++) {
			Oid t = PQftype(r, i);
			kinds[i] = PQgetisnull(r, row, i) ? 'N' : kind_of(t);
			vals[i] = PQgetvalue(r, row, i);
			if (t == 16 && kinds[i] != 'N')
				vals[i] = vals[i][0] == 't' ? "1" : "0";
		}
		rc = fn(arg, n, names, vals, kinds, e);
	}
out:
	free(names);
	free(vals);
	free(kinds);
	return rc;
}

/* Rows arrive one at a time (single-row mode): a dump of any size streams. */
static int pg_query(void *h, const char *sql, const json_t *params, ldb_row_fn fn, void *arg,
		    struct lerr *e)
{
	struct params p = { 0, NULL, NULL };
	char *q = numbered(sql);
	PGresult *r;
	int rc = 0;

	if (!q || params_of(params, &p, e)) {
		free(q);
		params_free(&p);
		return lerr_set(e, 500, "out of memory");
	}
	if (!PQsendQueryParams(h, q, p.n, NULL, p.v, NULL, NULL, 0)) {
		rc = pg_fail(h, NULL, e);
		goto out;
	}
	PQsetSingleRowMode(h);
	while ((r = PQgetResult(h))) {
		ExecStatusType s = PQresultStatus(r);
		if (rc == 0 && (s == PGRES_SINGLE_TUPLE || s == PGRES_TUPLES_OK))
			rc = row_out(r, fn, arg, e);
		else if (rc == 0 && s != PGRES_COMMAND_OK)
			rc = pg_fail(h, r, e);
		PQclear(r);
	}
out:
	free(q);
	params_free(&p);
	return rc ? -1 : 0;
}

static int pg_begin(void *h, struct lerr *e)
{
	char sql[96];

	snprintf(sql, sizeof(sql), "BEGIN; SELECT pg_advisory_xact_lock(%d)", WRITE_LOCK_KEY);
	return pg_exec(h, sql, e);
}

static int pg_integrity(void *h, int full, struct lerr *e)
{
	(void)full;
	/* PostgreSQL checks foreign keys and constraints on every write and its pages itself. */
	return pg_exec(h, "SELECT 1", e);
}

/* The table ? as a relation of the current schema. */
#define REL "(quote_ident(current_schema()) || '.' || quote_ident(?))::regclass"

static long long pg_bytes(void *h)
{
	PGresult *r = PQexec(h, "SELECT pg_database_size(current_database())");
	long long n = PQresultStatus(r) == PGRES_TUPLES_OK ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : 0;

	PQclear(r);
	return n;
}

const struct ldb_ops ledger_db_postgresql = {
	.name = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.exec = pg_exec,
	.query = pg_query,
	.begin = pg_begin,
	.begin_read = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
	.integrity = pg_integrity,
	.tables_sql = "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()"
		      " ORDER BY tablename COLLATE \"C\"",
	.columns_sql = "SELECT a.attname AS name, CASE WHEN t.typname IN ('int2', 'int4', 'int8')"
		       " THEN 'INTEGER' WHEN t.typname IN ('float4', 'float8') THEN 'REAL'"
		       " ELSE upper(format_type(a.atttypid, a.atttypmod)) END AS type,"
		       " a.attnotnull AS \"notnull\", pg_get_expr(d.adbin, d.adrelid) AS \"default\","
		       " coalesce((SELECT k.n FROM pg_index i, unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, n)"
		       "   WHERE i.indrelid = a.attrelid AND i.indisprimary AND k.attnum = a.attnum), 0) AS pk"
		       " FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
		       " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
		       " WHERE a.attrelid = " REL " AND a.attnum > 0 AND NOT a.attisdropped"
		       " ORDER BY a.attnum",
	.indexes_sql = "SELECT ic.relname AS name, i.indisunique AS \"unique\", (c.oid IS NOT NULL)"
		       " AS constraint_index, (SELECT string_agg(a.attname, ',' ORDER BY k.n)"
		       "   FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, n)"
		       "   JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) AS columns"
		       " FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid"
		       " LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid"
		       "   AND c.contype = 'u'"
		       " WHERE i.indrelid = " REL " AND NOT i.indisprimary",
	.bytes = pg_bytes,
	.text_order = " COLLATE \"C\"",
};
