/* SPDX-License-Identifier: MIT */
/* test_store.c: the state store on both backends: SQLite (always) and PostgreSQL
 * (when tests/run.sh has a throwaway server: $FERRY_PG, PG* variables set). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/store/store.h"
#include "ferry/registry/registry.h"
#include "ferry/base/util.h"
#include "store/store_impl.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct fx {
	const char *backend;   /* "sqlite" or "postgresql" */
	char dir[256];         /* temp dir (sqlite) */
	char db[64];           /* database name (postgresql) */
	char where[512];       /* what ferry_store_open gets */
};

static int fx_counter;

static int pg_admin(const char *sql)
{
	PGconn *c = PQconnectdb("dbname=postgres");
	PGresult *r;
	int ok;

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "# %s", PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	r = PQexec(c, sql);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "# %s", PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	return ok ? 0 : -1;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char sql[128];

	f->backend = *state;
	if (!strcmp(f->backend, "sqlite")) {
		snprintf(f->dir, sizeof(f->dir), "%s/ferry-ut-store.XXXXXX",
			 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
		assert_non_null(mkdtemp(f->dir));
		snprintf(f->where, sizeof(f->where), "%s/ferry.db", f->dir);
	} else if (getenv("FERRY_PG") && getenv("PGHOST")) {
		snprintf(f->db, sizeof(f->db), "ut_store_%d_%d", (int)getpid(), ++fx_counter);
		snprintf(sql, sizeof(sql), "CREATE DATABASE %s", f->db);
		assert_int_equal(pg_admin(sql), 0);
		snprintf(f->where, sizeof(f->where), "postgresql:///%s?host=%s&port=%s&user=%s",
			 f->db, getenv("PGHOST"), getenv("PGPORT") ? getenv("PGPORT") : "5432",
			 getenv("PGUSER") ? getenv("PGUSER") : "postgres");
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char sql[128];

	if (f->dir[0])
		ferry_rm_rf(f->dir, NULL);
	if (f->db[0]) {
		snprintf(sql, sizeof(sql), "DROP DATABASE %s WITH (FORCE)", f->db);
		pg_admin(sql);
	}
	free(f);
	return 0;
}

/* Open the fixture's store with a scratch table t(id, name UNIQUE, n, big). */
static struct ferry_store *open_fx(struct fx *f)
{
	struct ferry_error err = { 0 };
	struct ferry_store *s = NULL;

	if (ferry_store_open(f->where, 1, ferry_schema_all, NULL, &s, &err))
		fail_msg("open %s: %s", f->where, err.msg);
	if (ferry_store_run(s, &err, "CREATE TABLE IF NOT EXISTS t(id INTEGER PRIMARY KEY, "
			    "name TEXT NOT NULL UNIQUE, n INTEGER NOT NULL DEFAULT 0, big INTEGER)", NULL))
		fail_msg("create: %s", err.msg);
	return s;
}

static int64_t count_rows(struct ferry_store *s, const char *name)
{
	struct ferry_stmt *st;
	int64_t n = -1;

	assert_int_equal(ferry_store_query(s, &st, NULL,
		"SELECT count(*) FROM t WHERE (? IS NULL OR name = ?)", "tt", name, name), 0);
	if (ferry_stmt_step(st, NULL) == 1)
		n = ferry_stmt_int(st, 0);
	ferry_stmt_free(st);
	return n;
}

static void test_open_migrates_once(void **state)
{
	struct fx *f = *state;
	struct ferry_store *s = open_fx(f), *s2 = NULL;
	struct ferry_stmt *st;
	struct ferry_error err = { 0 };

	assert_string_equal(ferry_store_backend(s), f->backend);
	ferry_store_close(s);
	assert_int_equal(ferry_store_open(f->where, 0, ferry_schema_all, NULL, &s2, &err), 0);
	assert_int_equal(ferry_store_query(s2, &st, &err,
		"SELECT version FROM schema_versions WHERE component = ?", "t", "core"), 0);
	assert_int_equal(ferry_stmt_step(st, &err), 1);
	assert_int_equal(ferry_stmt_int(st, 0), ferry_schema_all[0]->count);
	assert_int_equal(ferry_stmt_step(st, &err), 0);
	ferry_stmt_free(st);
	ferry_store_close(s2);
}

static void test_values_roundtrip(void **state)
{
	struct ferry_store *s = open_fx(*state);
	struct ferry_stmt *st;
	struct ferry_error err = { 0 };
	int64_t big = 1700000000123LL, id;

	assert_int_equal(ferry_store_query(s, &st, &err,
		"INSERT INTO t(name, n, big) VALUES(?, ?, ?) RETURNING id", "tdi", "a'?b", 7, big), 0);
	assert_int_equal(ferry_stmt_step(st, &err), 1);
	id = ferry_stmt_int(st, 0);
	assert_true(id > 0);
	ferry_stmt_free(st);
	assert_int_equal(ferry_store_run(s, &err, "INSERT INTO t(name, big) VALUES(?, ?)",
					 "tt", "nul", NULL), 0);
	assert_int_equal(ferry_store_query(s, &st, &err,
		"SELECT name, n, big, big - ?, n = 7, '?' FROM t WHERE id = ?", "ii", (int64_t)123, id), 0);
	assert_int_equal(ferry_stmt_step(st, &err), 1);
	assert_string_equal(ferry_stmt_text(st, 0), "a'?b");
	assert_int_equal(ferry_stmt_int(st, 1), 7);
	assert_int_equal(ferry_stmt_int(st, 2), big);
	assert_int_equal(ferry_stmt_int(st, 3), 1700000000000LL);
	assert_int_equal(ferry_stmt_int(st, 4), 1);  /* a comparison reads as 1 on both */
	assert_string_equal(ferry_stmt_text(st, 5), "?");
	assert_int_equal(ferry_stmt_step(st, &err), 0);
	ferry_stmt_free(st);
	assert_int_equal(ferry_store_query(s, &st, &err, "SELECT big FROM t WHERE name = ?",
					   "t", "nul"), 0);
	assert_int_equal(ferry_stmt_step(st, &err), 1);
	assert_true(ferry_stmt_is_null(st, 0));
	assert_null(ferry_stmt_text(st, 0));
	ferry_stmt_free(st);
	assert_int_equal(ferry_store_run(s, &err, "UPDATE t SET n = n + 1", NULL), 0);
	assert_int_equal(ferry_store_changes(s), 2);
	ferry_store_close(s);
}

static void test_transactions(void **state)
{
	struct ferry_store *s = open_fx(*state);
	struct ferry_error err = { 0 };

	assert_int_equal(ferry_store_begin(s, &err), 0);
	assert_int_equal(ferry_store_begin(s, &err), FERRY_EINTERNAL);
	assert_int_equal(ferry_store_run(s, &err, "INSERT INTO t(name) VALUES(?)", "t", "kept"), 0);
	assert_int_equal(ferry_store_commit(s, &err), 0);
	assert_int_equal(ferry_store_begin(s, &err), 0);
	assert_int_equal(ferry_store_run(s, &err, "INSERT INTO t(name) VALUES(?)", "t", "gone"), 0);
	assert_int_equal(count_rows(s, "gone"), 1);
	ferry_store_rollback(s);
	assert_false(ferry_store_in_tx(s));
	assert_int_equal(count_rows(s, "gone"), 0);
	assert_int_equal(count_rows(s, "kept"), 1);
	assert_int_equal(ferry_store_commit(s, &err), FERRY_EINTERNAL);
	/* an open transaction is rolled back by close */
	assert_int_equal(ferry_store_begin(s, &err), 0);
	assert_int_equal(ferry_store_run(s, &err, "INSERT INTO t(name) VALUES(?)", "t", "x"), 0);
	ferry_store_close(s);
	s = open_fx(*state);
	assert_int_equal(count_rows(s, "x"), 0);
	ferry_store_close(s);
}

/* The backend's own commit sync setting: "2" (FULL) / "1" (NORMAL) on SQLite, "on" / "off"
 * on PostgreSQL. */
static const char *sync_setting(struct ferry_store *s)
{
	static char out[16];
	struct ferry_error err = { 0 };
	struct ferry_stmt *st = NULL;
	int pg = !strcmp(ferry_store_backend(s), "postgresql");

	if (ferry_store_query(s, &st, &err, pg ? "SHOW synchronous_commit" : "PRAGMA synchronous",
			      NULL))
		fail_msg("sync setting: %s", err.msg);
	assert_int_equal(ferry_stmt_step(st, &err), 1);
	snprintf(out, sizeof(out), "%s", ferry_stmt_text(st, 0));
	ferry_stmt_free(st);
	return out;
}

/* Deferred sync: the backend's setting follows it, commits made meanwhile are kept (and
 * seen by the next connection), it cannot change inside a transaction. PostgreSQL goes
 * back to the server's own setting (the test server's is off). */
static void test_defer_sync(void **state)
{
	struct ferry_store *s = open_fx(*state);
	struct ferry_error err = { 0 };
	int pg = !strcmp(ferry_store_backend(s), "postgresql");
	char synced[16];

	assert_int_equal(ferry_store_sync_deferred(s), 0);
	snprintf(synced, sizeof(synced), "%s", sync_setting(s));
	if (!pg)
		assert_string_equal(synced, "2");
	assert_int_equal(ferry_store_defer_sync(s, 1, &err), 0);
	assert_int_equal(ferry_store_sync_deferred(s), 1);
	assert_string_equal(sync_setting(s), pg ? "off" : "1");
	assert_int_equal(ferry_store_defer_sync(s, 1, &err), 0);      /* again: no change */
	assert_int_equal(ferry_store_run(s, &err, "INSERT INTO t(name) VALUES(?)", "t", "deferred"), 0);
	assert_int_equal(ferry_store_begin(s, &err), 0);
	assert_int_equal(ferry_store_defer_sync(s, 0, &err), FERRY_EINTERNAL);
	assert_non_null(strstr(err.msg, "inside a transaction"));
	assert_int_equal(ferry_store_sync_deferred(s), 1);
	ferry_store_rollback(s);
	assert_int_equal(ferry_store_defer_sync(s, 0, &err), 0);
	assert_int_equal(ferry_store_sync_deferred(s), 0);
	assert_string_equal(sync_setting(s), synced);
	assert_int_equal(ferry_store_run(s, &err, "INSERT INTO t(name) VALUES(?)", "t", "synced"), 0);
	ferry_store_close(s);
	s = open_fx(*state);
	assert_int_equal(count_rows(s, "deferred"), 1);
	assert_int_equal(count_rows(s, "synced"), 1);
	assert_string_equal(sync_setting(s), synced);   /* a new connection syncs */
	ferry_store_close(s);
}

/* A unique violation is FERRY_EEXIST, and (as on SQLite) the transaction goes on. */
static void test_constraint_keeps_tx(void **state)
{
	struct ferry_store *s = open_fx(*state);
	struct ferry_error err = { 0 };

	assert_int_equal(ferry_store_run(s, &err, "INSERT INTO t(name) VALUES(?)", "t", "a"), 0);
	assert_int_equal(ferry_store_begin(s, &err), 0);
	assert_int_equal(ferry_store_run(s, &err, "INSERT INTO t(name) VALUES(?)", "t", "b"), 0);
	assert_int_equal(ferry_store_run(s, &err, "INSERT INTO t(name) VALUES(?)", "t", "a"),
			 FERRY_EEXIST);
	assert_int_equal(ferry_store_run(s, &err, "INSERT INTO t(name) VALUES(?)", "t", "c"), 0);
	assert_int_equal(ferry_store_commit(s, &err), 0);
	assert_int_equal(count_rows(s, NULL), 3);
	/* outside a transaction too */
	assert_int_equal(ferry_store_run(s, &err, "INSERT INTO t(name) VALUES(?)", "t", "c"),
			 FERRY_EEXIST);
	assert_int_equal(count_rows(s, NULL), 3);
	ferry_store_close(s);
}

static void test_bad_sql_and_binds(void **state)
{
	struct ferry_store *s = open_fx(*state);
	struct ferry_error err = { 0 };

	assert_int_equal(ferry_store_run(s, &err, "INSERT INTO t(name) VALUES(?)", "tt", "a", "b"),
			 FERRY_EINTERNAL);
	assert_int_equal(ferry_store_run(s, &err, "INSERT INTO t(name) VALUES(?)", NULL),
			 FERRY_EINTERNAL);
	assert_int_equal(ferry_store_run(s, &err, "SELECT nope FROM t", NULL), FERRY_ESTORE);
	assert_non_null(strstr(err.msg, "nope"));
	assert_int_equal(count_rows(s, NULL), 0);
	ferry_store_close(s);
}

/* Children run `rounds` read-then-write increments each: any lost update shows. */
static void hammer(const char *where, int rounds)
{
	struct ferry_store *s = NULL;
	struct ferry_stmt *st;
	int i, rc = 0;

	if (ferry_store_open(where, 0, ferry_schema_all, NULL, &s, NULL))
		_exit(2);
	for (i = 0; i < rounds && !rc; i++) {
		int64_t n = -1;
		if ((rc = ferry_store_begin(s, NULL)))
			break;
		if ((rc = ferry_store_query(s, &st, NULL, "SELECT n FROM t WHERE name = 'ctr'", NULL)))
			break;
		if (ferry_stmt_step(st, NULL) == 1)
			n = ferry_stmt_int(st, 0);
		ferry_stmt_free(st);
		usleep(200);  /* widen the window a missing lock would lose updates in */
		rc = ferry_store_run(s, NULL, "UPDATE t SET n = ? WHERE name = 'ctr'", "i", n + 1);
		rc = rc ? rc : ferry_store_commit(s, NULL);
	}
	ferry_store_close(s);
	_exit(rc ? 1 : 0);
}

static void wait_children(pid_t *pids, int n)
{
	int i, status;

	for (i = 0; i < n; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
}

static void test_concurrent_writers(void **state)
{
	struct fx *f = *state;
	struct ferry_store *s = open_fx(f);
	struct ferry_stmt *st;
	pid_t pids[2];
	int i, rounds = 60;

	assert_int_equal(ferry_store_run(s, NULL, "INSERT INTO t(name, n) VALUES('ctr', 0)", NULL), 0);
	for (i = 0; i < 2; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0)
			hammer(f->where, rounds);
	}
	wait_children(pids, 2);
	assert_int_equal(ferry_store_query(s, &st, NULL, "SELECT n FROM t WHERE name = 'ctr'", NULL), 0);
	assert_int_equal(ferry_stmt_step(st, NULL), 1);
	assert_int_equal(ferry_stmt_int(st, 0), 2 * rounds);
	ferry_stmt_free(st);
	ferry_store_close(s);
}

/* Four processes open a fresh store at once: each migration runs exactly once. */
static void test_concurrent_migrations(void **state)
{
	struct fx *f = *state;
	struct ferry_store *s = NULL;
	struct ferry_stmt *st;
	pid_t pids[4];
	int i;

	for (i = 0; i < 4; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			int rc = ferry_store_open(f->where, 1, ferry_schema_all, NULL, &s, NULL);
			ferry_store_close(s);
			_exit(rc ? 1 : 0);
		}
	}
	wait_children(pids, 4);
	assert_int_equal(ferry_store_open(f->where, 0, ferry_schema_all, NULL, &s, NULL), 0);
	assert_int_equal(ferry_store_query(s, &st, NULL,
		"SELECT count(*), sum(version) FROM schema_versions", NULL), 0);
	assert_int_equal(ferry_stmt_step(st, NULL), 1);
	for (i = 0; ferry_schema_all[i]; i++)
		;
	assert_int_equal(ferry_stmt_int(st, 0), i);
	ferry_stmt_free(st);
	ferry_store_close(s);
}

static void test_missing_store(void **state)
{
	struct fx *f = *state;
	struct ferry_store *s = NULL;
	struct ferry_error err = { 0 };

	assert_int_equal(ferry_store_open(f->where, 0, ferry_schema_all, NULL, &s, &err), FERRY_ESTORE);
	assert_null(s);
	assert_non_null(strstr(err.msg, "ferry init"));
}

/* Row locks: a second transaction skips the row the first holds (PostgreSQL only:
 * on SQLite the second begin would wait for the first). */
static void test_skip_locked(void **state)
{
	struct fx *f = *state;
	struct ferry_store *a, *b;
	struct ferry_stmt *st;
	struct ferry_error err = { 0 };

	a = open_fx(f);
	assert_int_equal(ferry_store_open(f->where, 0, ferry_schema_all, NULL, &b, &err), 0);
	assert_int_equal(ferry_store_run(a, &err, "INSERT INTO t(name) VALUES('j1'), ('j2')", NULL), 0);
	assert_int_equal(ferry_store_begin_rowlocks(a, &err), 0);
	assert_int_equal(ferry_store_query(a, &st, &err,
		"SELECT name FROM t ORDER BY name LIMIT 1 FOR UPDATE SKIP LOCKED", NULL), 0);
	assert_int_equal(ferry_stmt_step(st, &err), 1);
	assert_string_equal(ferry_stmt_text(st, 0), "j1");
	ferry_stmt_free(st);
	assert_int_equal(ferry_store_begin_rowlocks(b, &err), 0);
	assert_int_equal(ferry_store_query(b, &st, &err,
		"SELECT name FROM t ORDER BY name LIMIT 1 FOR UPDATE SKIP LOCKED", NULL), 0);
	assert_int_equal(ferry_stmt_step(st, &err), 1);
	assert_string_equal(ferry_stmt_text(st, 0), "j2");
	ferry_stmt_free(st);
	assert_int_equal(ferry_store_commit(b, &err), 0);
	assert_int_equal(ferry_store_commit(a, &err), 0);
	ferry_store_close(b);
	ferry_store_close(a);
}

static void test_sqlite_drops_for_update(void **state)
{
	struct fx *f = *state;
	struct ferry_store *s;
	struct ferry_stmt *st;

	s = open_fx(f);
	assert_int_equal(ferry_store_begin_rowlocks(s, NULL), 0);
	assert_int_equal(ferry_store_query(s, &st, NULL,
		"SELECT count(*) FROM t FOR UPDATE SKIP LOCKED", NULL), 0);
	assert_int_equal(ferry_stmt_step(st, NULL), 1);
	ferry_stmt_free(st);
	assert_int_equal(ferry_store_commit(s, NULL), 0);
	ferry_store_close(s);
}

static void test_unreachable_pg_hides_password(void **state)
{
	struct ferry_store *s = NULL;
	struct ferry_error err = { 0 };

	(void)state;
	assert_int_equal(ferry_store_open("postgresql://bob:s3cret@127.0.0.1:1/x?sslmode=disable", 1, ferry_schema_all,
					  NULL, &s, &err), FERRY_ESTORE);
	assert_null(s);
	assert_non_null(strstr(err.msg, "postgresql://bob@127.0.0.1:1/x"));
	assert_null(strstr(err.msg, "s3cret"));
}

static void check_redact(const char *in, const char *want)
{
	char *out = ferry_store_redact(in);

	assert_string_equal(out, want);
	free(out);
}

static void test_redact(void **state)
{
	(void)state;
	check_redact("/var/lib/ferry/ferry.db", "/var/lib/ferry/ferry.db");
	check_redact("postgresql://u:pw@h:5432/db", "postgresql://u@h:5432/db");
	check_redact("postgres://u@h/db", "postgres://u@h/db");
	check_redact("postgresql://h/db?password=pw&sslmode=require", "postgresql://h/db?sslmode=require");
	check_redact("postgresql://h/db?sslmode=require&password=pw", "postgresql://h/db?sslmode=require");
	check_redact("postgresql://h/db?password=pw", "postgresql://h/db");
	check_redact("postgresql://u:p@ss@h/db", "postgresql://u@h/db");
	assert_true(ferry_store_is_pg("postgres://x"));
	assert_false(ferry_store_is_pg("./postgresql.db"));
}

static void check_pg_sql(const char *in, const char *want)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	int n;

	assert_int_equal(ferry_store_sql_pg(in, &b, &n), 0);
	assert_string_equal(b.data, want);
	ferry_buf_release(&b);
}

static void test_dialect(void **state)
{
	struct ferry_buf b = FERRY_BUF_INIT;

	(void)state;
	check_pg_sql("CREATE TABLE x(id INTEGER PRIMARY KEY, n integer, r REAL, b BLOB)",
		     "CREATE TABLE x(id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, n BIGINT, r DOUBLE PRECISION, b BYTEA)");
	check_pg_sql("SELECT IFNULL(a, ?) FROM t WHERE s = '?''?' AND \"integer\" = ? -- ?\n",
		     "SELECT COALESCE(a, $1) FROM t WHERE s = '?''?' AND \"integer\" = $2 -- ?\n");
	check_pg_sql("SELECT x.real, integers FROM x", "SELECT x.real, integers FROM x");
	assert_int_equal(ferry_store_sql_sqlite("SELECT id FROM jobs WHERE s = 'FOR UPDATE' LIMIT 1 FOR UPDATE SKIP LOCKED", &b), 0);
	assert_string_equal(b.data, "SELECT id FROM jobs WHERE s = 'FOR UPDATE' LIMIT 1 ");
	ferry_buf_release(&b);
}

/* A PostgreSQL case without a server (FERRY_PG unset): skipped, never silently. */
static void no_server(void **state)
{
	(void)state;
	printf("# no PostgreSQL server (FERRY_PG): tests/run.sh starts one\n");
	skip();
}

#define BOTH(fn) \
	{ "sqlite: " #fn, fn, setup, teardown, (void *)"sqlite" }, \
	{ "postgresql: " #fn, fn, setup, teardown, (void *)"postgresql" }
#define ONLY(backend, fn) { backend ": " #fn, fn, setup, teardown, (void *)backend }

int main(void)
{
	static const struct CMUnitTest all[] = {
		BOTH(test_open_migrates_once),
		BOTH(test_values_roundtrip),
		BOTH(test_transactions),
		BOTH(test_defer_sync),
		BOTH(test_constraint_keeps_tx),
		BOTH(test_bad_sql_and_binds),
		BOTH(test_concurrent_writers),
		BOTH(test_concurrent_migrations),
		BOTH(test_missing_store),
		ONLY("postgresql", test_skip_locked),
		ONLY("sqlite", test_sqlite_drops_for_update),
		cmocka_unit_test(test_unreachable_pg_hides_password),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_dialect),
	};
	struct CMUnitTest tests[sizeof(all) / sizeof(all[0])];
	int pg = getenv("FERRY_PG") && getenv("PGHOST");
	size_t i;

	/* Without a server each PostgreSQL case is reported skipped, by name: tests/run.sh
	 * (tests/tools/tap-guard.sh) fails the run on it in CI and prints it loudly
	 * elsewhere. */
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		tests[i] = all[i];
		if (!pg && all[i].initial_state && !strcmp(all[i].initial_state, "postgresql"))
			tests[i].test_func = no_server;
	}
	return _cmocka_run_group_tests("test_store", tests, i, NULL, NULL);
}
