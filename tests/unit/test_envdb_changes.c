/* SPDX-License-Identifier: MIT */
/* test_envdb_changes.c: writes since a baseline and carrying them back (envdb_changes.h)
 * on SQLite, and on PostgreSQL when tests/run.sh gives a server ($FERRY_PG): an "old
 * release" database, its restore point, an "upgrade" to a new schema, the baseline,
 * users' writes; the capture lists exactly those writes (a table without a key as
 * uncaptured); the plan on the restore point equals what the carry then does; mapped
 * rows come back in the old schema, a key taken in the old data is a conflict, a
 * dropped table's rows are reported; a second carry under the same mark does nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/runtime/envdb.h"
#include "ferry/runtime/envdb_changes.h"

#include <libpq-fe.h>
#include <sqlite3.h>

static char dir[256];

/* Run SQL on a database of either engine. */
static void sql(const char *conn, const char *q)
{
	if (!strncmp(conn, "postgresql://", 13)) {
		PGconn *c = PQconnectdb(conn);
		PGresult *r;
		assert_int_equal(PQstatus(c), CONNECTION_OK);
		r = PQexec(c, q);
		if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
			fail_msg("%s: %s", q, PQerrorMessage(c));
		PQclear(r);
		PQfinish(c);
	} else {
		sqlite3 *h;
		char *msg = NULL;
		assert_int_equal(sqlite3_open(conn, &h), SQLITE_OK);
		if (sqlite3_exec(h, q, NULL, NULL, &msg) != SQLITE_OK)
			fail_msg("%s: %s", q, msg);
		sqlite3_close(h);
	}
}

/* The first column of the first row as text ("" none). */
static void one(const char *conn, const char *q, char *out, size_t cap)
{
	out[0] = '\0';
	if (!strncmp(conn, "postgresql://", 13)) {
		PGconn *c = PQconnectdb(conn);
		PGresult *r = PQexec(c, q);
		if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0)
			snprintf(out, cap, "%s", PQgetvalue(r, 0, 0));
		PQclear(r);
		PQfinish(c);
	} else {
		sqlite3 *h;
		sqlite3_stmt *st;
		sqlite3_open(conn, &h);
		if (sqlite3_prepare_v2(h, q, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
		    sqlite3_column_text(st, 0))
			snprintf(out, cap, "%s", sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		sqlite3_close(h);
	}
}

static const json_t *table_of(const json_t *doc, const char *name)
{
	const json_t *t;
	size_t i;

	json_array_foreach(json_object_get(doc, "tables"), i, t)
		if (!strcmp(json_string_value(json_object_get(t, "table")), name))
			return t;
	return NULL;
}

static json_int_t num(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static json_t *mappings(void)
{
	return json_pack("[{s:s, s:s, s:s, s:s}, {s:s, s:s}, {s:s, s:s, s:s}]",
		"table", "customers", "into", "customers", "kind", "sql", "select",
		"SELECT id, TRIM(first_name || ' ' || last_name) AS name, email, "
		"CASE WHEN email = 'refuse@x' THEN 'refused by the mapping' END AS ferry_conflict, "
		"CASE WHEN last_name = '' THEN 'no last name' END AS ferry_note FROM ferry_stage",
		"table", "notes", "kind", "copy",
		"table", "tags", "kind", "drop", "note", "the old release has no tags");
}

static void scenario(const char *conn)
{
	struct ferry_envdb *db;
	struct ferry_error err = { 0 };
	struct ferry_buf cs = FERRY_BUF_INIT;
	json_t *writes = NULL, *maps = mappings(), *plan = NULL, *rep = NULL, *again = NULL;
	struct ferry_carry carry = { NULL, maps, "test/1", NULL, NULL, NULL };
	const json_t *t;
	char v[256];
	int already = -1;

	assert_int_equal(ferry_envdb_open(conn, &db, &err), 0);
	ferry_envdb_drop(db, NULL);
	if (strncmp(conn, "postgresql://", 13))
		sql(conn, "PRAGMA journal_mode=WAL");
	else
		assert_int_equal(ferry_envdb_create(db, &err), 0);
	/* the old release */
	sql(conn, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT);"
		  "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);"
		  "CREATE TABLE logs (line TEXT);"
		  "INSERT INTO customers VALUES (1, 'Grace Hopper', 'g@x'), (2, 'Alan Turing', 'a@x'),"
		  " (3, 'Edsger Dijkstra', NULL);"
		  "INSERT INTO notes VALUES (1, 'one'), (2, 'two'), (3, 'three');"
		  "INSERT INTO logs VALUES ('started')");
	assert_int_equal(ferry_envdb_rp_create(db, "pre", &err), 0);
	/* the upgrade: names split, note 3 removed, tags */
	sql(conn, "ALTER TABLE customers ADD COLUMN first_name TEXT NOT NULL DEFAULT '';"
		  "ALTER TABLE customers ADD COLUMN last_name TEXT NOT NULL DEFAULT '';"
		  "UPDATE customers SET first_name = substr(name, 1, 5), last_name = substr(name, 7);"
		  "ALTER TABLE customers DROP COLUMN name;"
		  "DELETE FROM notes WHERE id = 3;"
		  "CREATE TABLE tags (code TEXT PRIMARY KEY, label TEXT);"
		  "INSERT INTO tags VALUES ('A', 'alpha')");
	assert_int_equal(ferry_envdb_rp_create(db, "base", &err), 0);
	/* users write to the upgraded database */
	sql(conn, "INSERT INTO customers (id, email, first_name, last_name) VALUES (10, 'ada@x', 'Ada', 'Lovelace'),"
		  " (11, 'refuse@x', 'No', 'Way'), (12, NULL, 'Plato', '');"
		  "UPDATE customers SET email = 'grace@x' WHERE id = 1;"
		  "DELETE FROM customers WHERE id = 2;"
		  "INSERT INTO notes VALUES (3, 'three again'), (5, 'five');"
		  "UPDATE tags SET label = 'ALPHA';"
		  "INSERT INTO logs VALUES ('written')");

	/* capture */
	if (ferry_envdb_changes(db, "base", &writes, &cs, &err))
		fail_msg("changes: %s", err.msg);
	assert_int_equal(num(writes, "rows"), 8);
	t = table_of(writes, "customers");
	assert_non_null(t);
	assert_int_equal(num(t, "inserted"), 3);
	assert_int_equal(num(t, "updated"), 1);
	assert_int_equal(num(t, "deleted"), 1);
	assert_int_equal(num(json_object_get(json_array_get(json_object_get(t, "rows"), 0), "key"), "id"), 1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
		json_array_get(json_object_get(t, "rows"), 0), "after"), "email")), "grace@x");
	assert_int_equal(num(table_of(writes, "notes"), "inserted"), 2);
	assert_int_equal(num(table_of(writes, "tags"), "updated"), 1);
	assert_int_equal(json_array_size(json_object_get(writes, "uncaptured")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(writes, "uncaptured"), 0), "table")), "logs");
	if (strncmp(conn, "postgresql://", 13))
		assert_true(cs.len > 0);   /* SQLite: the session's changeset */
	carry.writes = writes;

	/* the plan on the restore point, then the carry after the restore: the same */
	if (ferry_envdb_carry_plan(db, "pre", &carry, &plan, &err))
		fail_msg("plan: %s", err.msg);
	assert_int_equal(ferry_envdb_rp_restore(db, "pre", &err), 0);
	if (ferry_envdb_carry(db, &carry, &rep, &already, &err))
		fail_msg("carry: %s", err.msg);
	assert_int_equal(already, 0);
	assert_true(json_equal(plan, rep));
	t = json_object_get(rep, "summary");
	assert_int_equal(num(t, "rows"), 8);
	assert_int_equal(num(t, "carried"), 5);     /* customers 10, 12, 1, 2; note 5 */
	assert_int_equal(num(t, "conflicts"), 2);   /* customer 11 (mapping), note 3 (key) */
	assert_int_equal(num(t, "dropped"), 1);     /* the tag */
	assert_int_equal(num(t, "uncaptured"), 1);

	one(conn, "SELECT name FROM customers WHERE id = 10", v, sizeof(v));
	assert_string_equal(v, "Ada Lovelace");
	one(conn, "SELECT email FROM customers WHERE id = 1", v, sizeof(v));
	assert_string_equal(v, "grace@x");
	one(conn, "SELECT count(*) FROM customers WHERE id IN (2, 11)", v, sizeof(v));
	assert_string_equal(v, "0");
	one(conn, "SELECT body FROM notes WHERE id = 3", v, sizeof(v));
	assert_string_equal(v, "three");            /* the old row kept: a conflict */
	one(conn, "SELECT body FROM notes WHERE id = 5", v, sizeof(v));
	assert_string_equal(v, "five");
	one(conn, "SELECT count(*) FROM logs", v, sizeof(v));
	assert_string_equal(v, "1");                /* uncaptured: not carried */

	/* carried once: the same mark again changes nothing and gives the same report */
	if (ferry_envdb_carry(db, &carry, &again, &already, &err))
		fail_msg("carry again: %s", err.msg);
	assert_int_equal(already, 1);
	assert_true(json_equal(again, rep));
	one(conn, "SELECT count(*) FROM customers", v, sizeof(v));
	assert_string_equal(v, "4");
	assert_int_equal(ferry_envdb_carry_clear(db, "test/", &err), 0);
	one(conn, "SELECT count(*) FROM ferry_carry_marks", v, sizeof(v));
	assert_string_equal(v, "");                 /* the table is gone */

	ferry_envdb_rp_rm(db, "pre", NULL);
	ferry_envdb_rp_rm(db, "base", NULL);
	if (!strncmp(conn, "postgresql://", 13))
		ferry_envdb_drop(db, NULL);
	json_decref(writes);
	json_decref(plan);
	json_decref(rep);
	json_decref(again);
	json_decref(maps);
	ferry_buf_release(&cs);
	ferry_envdb_free(db);
}

static void test_sqlite(void **state)
{
	char path[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/db/app.db", dir);
	scenario(path);
}

static void test_postgresql(void **state)
{
	char conn[600];

	(void)state;
	if (!getenv("FERRY_PG") || !getenv("PGHOST"))
		skip();
	snprintf(conn, sizeof(conn), "postgresql:///ut_changes_%d?host=%s&port=%s&user=%s",
		 (int)getpid(), getenv("PGHOST"), getenv("PGPORT") ?: "5432", getenv("PGUSER") ?: "postgres");
	scenario(conn);
}

static void test_csv(void **state)
{
	json_t *w = json_pack("{s:[{s:s, s:[{s:s, s:{s:i}, s:n, s:{s:i, s:s}}]}]}", "tables",
			      "table", "t", "rows", "op", "insert", "key", "id", 1, "before",
			      "after", "id", 1, "v", "a,\"b\"");
	struct ferry_buf b = FERRY_BUF_INIT;

	(void)state;
	assert_int_equal(ferry_writes_csv(w, &b, NULL), 0);
	assert_string_equal(b.data, "table,op,key,before,after\r\n"
			    "t,insert,\"{\"\"id\"\":1}\",,\"{\"\"id\"\":1,\"\"v\"\":\"\"a,\\\"\"b\\\"\"\"\"}\"\r\n");
	ferry_buf_release(&b);
	json_decref(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sqlite),
		cmocka_unit_test(test_postgresql),
		cmocka_unit_test(test_csv),
	};
	char tmpl[] = "/tmp/ferry-ut-changes-XXXXXX";
	char sub[300];
	int rc;

	if (!mkdtemp(tmpl))
		return 1;
	snprintf(dir, sizeof(dir), "%s", tmpl);
	snprintf(sub, sizeof(sub), "%s/db", dir);
	ferry_mkdir_p(sub, 0700, NULL);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	ferry_rm_rf(dir, NULL);
	return rc;
}
