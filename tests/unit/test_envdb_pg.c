/* SPDX-License-Identifier: MIT */
/* test_envdb_pg.c: the PostgreSQL environment database driver on a throwaway
 * server ($FERRY_PG from tests/run.sh): restore points by template copy give back
 * the database byte for byte (canonical dump checksum); copies of a database in
 * use fall back to pg_dump | pg_restore; a missing source is reported, nothing made. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "ferry/runtime/envdb.h"
#include "ferry/base/error.h"

#include <libpq-fe.h>

static char base[512];

static char *url(const char *db)
{
	static char buf[4][600];
	static int k;
	char *b = buf[k++ % 4];

	snprintf(b, 600, "postgresql:///%s?%s", db, base);
	return b;
}

static void sql(const char *db, const char *q)
{
	PGconn *c = PQconnectdb(url(db));
	PGresult *r;

	assert_int_equal(PQstatus(c), CONNECTION_OK);
	r = PQexec(c, q);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		fail_msg("%s: %s", q, PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
}

static void sum(struct ferry_envdb *db, char out[65])
{
	struct ferry_error err = { 0 };

	if (ferry_envdb_checksum(db, out, &err))
		fail_msg("checksum: %s", err.msg);
}

static void test_restore_point_roundtrip(void **state)
{
	struct ferry_envdb *db, *copy;
	struct ferry_error err = { 0 };
	char name[64], before[65], after[65], back[65], c2[65];
	json_t *rps;
	PGconn *busy;

	(void)state;
	snprintf(name, sizeof(name), "ut_envdb_%d", (int)getpid());
	assert_int_equal(ferry_envdb_open(url(name), &db, &err), 0);
	assert_string_equal(ferry_envdb_driver(db), "postgresql");
	ferry_envdb_drop(db, NULL);
	assert_int_equal(ferry_envdb_create(db, &err), 0);
	assert_int_equal(ferry_envdb_create(db, &err), FERRY_EEXIST);
	assert_true(ferry_envdb_exists(db));
	sql(name, "CREATE TABLE ledger(id BIGINT PRIMARY KEY, account TEXT NOT NULL, amount NUMERIC(12,2));"
		  "INSERT INTO ledger SELECT g, 'acct-' || (g % 7), g * 1.5 FROM generate_series(1, 500) g;"
		  "CREATE INDEX ledger_account ON ledger(account)");
	sum(db, before);

	/* (a template copy, unless the backend of sql() above has not exited yet) */
	assert_int_equal(ferry_envdb_rp_create(db, "pre-upgrade", &err), 0);
	assert_non_null(ferry_envdb_copy_method(db));
	assert_true(ferry_envdb_rp_exists(db, "pre-upgrade"));
	assert_int_equal(ferry_envdb_rp_list(db, &rps, &err), 0);
	assert_int_equal(json_array_size(rps), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(rps, 0), "name")),
			    "pre-upgrade");
	assert_true(json_integer_value(json_object_get(json_array_get(rps, 0), "size")) > 0);
	json_decref(rps);

	/* the "upgrade": schema and data change */
	sql(name, "ALTER TABLE ledger ADD COLUMN currency TEXT NOT NULL DEFAULT 'EUR';"
		  "UPDATE ledger SET amount = amount * 2 WHERE id % 3 = 0; DELETE FROM ledger WHERE id > 450");
	sum(db, after);
	assert_string_not_equal(after, before);

	/* rollback: back byte for byte (canonical dump checksum); nobody uses the restore
	 * point, so a template copy, and it replaces a database: STRATEGY FILE_COPY */
	assert_int_equal(ferry_envdb_rp_restore(db, "pre-upgrade", &err), 0);
	assert_string_equal(ferry_envdb_copy_method(db), "template, file copy");
	sum(db, back);
	assert_string_equal(back, before);

	/* a copy of a database in use: template copy refused, pg_dump | pg_restore used */
	busy = PQconnectdb(url(name));
	assert_int_equal(PQstatus(busy), CONNECTION_OK);
	{
		char cname[80];
		snprintf(cname, sizeof(cname), "%s_copy", name);
		assert_int_equal(ferry_envdb_open(url(cname), &copy, &err), 0);
		if (ferry_envdb_copy(db, copy, &err))
			fail_msg("copy in use: %s", err.msg);
		assert_string_equal(ferry_envdb_copy_method(copy), "dump/restore, verified");
		sum(copy, c2);
		assert_string_equal(c2, before);
		assert_int_equal(ferry_envdb_drop(copy, &err), 0);
		assert_false(ferry_envdb_exists(copy));
		ferry_envdb_free(copy);
	}
	PQfinish(busy);

	assert_int_equal(ferry_envdb_rp_rm(db, "pre-upgrade", &err), 0);
	assert_false(ferry_envdb_rp_exists(db, "pre-upgrade"));
	/* a missing restore point (no existence probe first: the copy says so) leaves the
	 * live database as it was */
	assert_int_equal(ferry_envdb_rp_restore(db, "pre-upgrade", &err), FERRY_ENOTFOUND);
	assert_non_null(strstr(err.msg, "no restore point 'pre-upgrade' of database"));
	sum(db, c2);
	assert_string_equal(c2, before);
	assert_int_equal(ferry_envdb_drop(db, &err), 0);
	assert_false(ferry_envdb_exists(db));
	/* and a restore point of a missing database is refused, none made */
	assert_int_equal(ferry_envdb_rp_create(db, "gone", &err), FERRY_ENOTFOUND);
	assert_non_null(strstr(err.msg, "no database at"));
	assert_false(ferry_envdb_rp_exists(db, "gone"));
	assert_false(ferry_envdb_exists(db));
	ferry_envdb_free(db);
}

/* Package SQL steps: one transaction, all or nothing; marks make a step run once. */
static void test_exec(void **state)
{
	struct ferry_envdb *db;
	struct ferry_error err = { 0 };
	char name[64], a[65], b[65];
	int already = -1;
	PGconn *busy;

	(void)state;
	snprintf(name, sizeof(name), "ut_envdb_exec_%d", (int)getpid());
	assert_int_equal(ferry_envdb_open(url(name), &db, &err), 0);
	ferry_envdb_drop(db, NULL);
	assert_int_equal(ferry_envdb_exec(db, "SELECT 1", &err), FERRY_ENOTFOUND);
	assert_int_equal(ferry_envdb_create(db, &err), 0);
	assert_int_equal(ferry_envdb_exec(db, "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT);"
					  "INSERT INTO t VALUES (1, 'a'), (2, 'b')", &err), 0);
	sum(db, a);
	assert_int_not_equal(ferry_envdb_exec(db, "UPDATE t SET v = 'x'; INSERT INTO t VALUES (1, 'dup')", &err), 0);
	assert_non_null(strstr(err.msg, "rolled back"));
	sum(db, b);
	assert_string_equal(a, b);
	assert_int_equal(ferry_envdb_exec_once(db, "UPDATE t SET v = v || '+'", "op-1/x/0", &already, &err), 0);
	assert_int_equal(already, 0);
	assert_int_equal(ferry_envdb_exec_once(db, "UPDATE t SET v = v || '+'", "op-1/x/0", &already, &err), 0);
	assert_int_equal(already, 1);
	sql(name, "DO $$ BEGIN IF (SELECT v FROM t WHERE id = 1) <> 'a+' THEN RAISE 'ran twice'; END IF; END $$");

	/* restore while a client holds the live database: it is disconnected, the old
	 * database renamed away, the copy renamed in */
	assert_int_equal(ferry_envdb_rp_create(db, "rp1", &err), 0);
	sql(name, "DELETE FROM t");
	busy = PQconnectdb(url(name));
	assert_int_equal(PQstatus(busy), CONNECTION_OK);
	if (ferry_envdb_rp_restore(db, "rp1", &err))
		fail_msg("restore with a client connected: %s", err.msg);
	PQfinish(busy);
	sql(name, "DO $$ BEGIN IF (SELECT count(*) FROM t) <> 2 THEN RAISE 'not restored'; END IF; END $$");
	assert_int_equal(ferry_envdb_rp_rm(db, "rp1", &err), 0);
	assert_int_equal(ferry_envdb_drop(db, &err), 0);
	ferry_envdb_free(db);
}

static void test_bad_urls(void **state)
{
	struct ferry_envdb *db;
	struct ferry_error err = { 0 };

	(void)state;
	assert_int_equal(ferry_envdb_open("postgresql://h/Bad;Name", &db, &err), 0);
	assert_int_equal(ferry_envdb_create(db, &err), FERRY_EINVAL);
	assert_false(ferry_envdb_exists(db));
	ferry_envdb_free(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_restore_point_roundtrip),
		cmocka_unit_test(test_exec),
		cmocka_unit_test(test_bad_urls),
	};

	if (!getenv("FERRY_PG") || !getenv("PGHOST")) {
		printf("1..0 # SKIP no PostgreSQL server (FERRY_PG)\n");
		return 0;
	}
	snprintf(base, sizeof(base), "host=%s&port=%s&user=%s", getenv("PGHOST"),
		 getenv("PGPORT") ? getenv("PGPORT") : "5432",
		 getenv("PGUSER") ? getenv("PGUSER") : "postgres");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
