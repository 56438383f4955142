/* SPDX-License-Identifier: MIT */
/* test_sqlite_sidecar.c: unit tests of rt_sqlite_first_read (lib/runtime/sqlite_sidecar.c):
 * a root ferry's first read of an environment's WAL database, owned by another uid and
 * reached through a directory only root may search, makes its -wal and -shm that uid's
 * from the start (mode 0600: made root's, the environment could not open them), leaves
 * this thread's file system ids and capabilities as they were, and does nothing to a
 * database root owns or one in another journal mode. Needs root (as tests/run.sh runs
 * the suite here); as another user each test fails saying so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ferry/base/util.h"
#include "runtime/sqlite_sidecar.h"

#include <limits.h>
#include <linux/capability.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define OWNER 65534   /* nobody */

struct fx {
	char top[PATH_MAX], db[PATH_MAX + 32], side[PATH_MAX + 40];
};

static void make_db(const char *path, const char *mode)
{
	sqlite3 *h;
	char sql[128];

	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	snprintf(sql, sizeof(sql), "PRAGMA journal_mode=%s; CREATE TABLE t(x); INSERT INTO t VALUES(1)", mode);
	assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_close(h), SQLITE_OK);
}

/* top (0700, root's) / env (0700, OWNER's) / app.db (0600, OWNER's, journal mode) */
static int setup_mode(void **state, const char *mode, uid_t owner)
{
	struct fx *f = calloc(1, sizeof(*f));
	char env[PATH_MAX + 8];

	if (geteuid() != 0)
		fail_msg("test_sqlite_sidecar needs root (a uid of the environment's own)");
	snprintf(f->top, sizeof(f->top), "%s/ferry-sidecar-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(f->top));
	assert_int_equal(chmod(f->top, 0700), 0);
	snprintf(env, sizeof(env), "%s/env", f->top);
	assert_int_equal(mkdir(env, 0700), 0);
	snprintf(f->db, sizeof(f->db), "%s/app.db", env);
	make_db(f->db, mode);
	assert_int_equal(chmod(f->db, 0600), 0);
	assert_int_equal(chown(env, owner, owner), 0);
	assert_int_equal(chown(f->db, owner, owner), 0);
	*state = f;
	return 0;
}

static int setup(void **state) { return setup_mode(state, "WAL", OWNER); }
static int setup_delete(void **state) { return setup_mode(state, "DELETE", OWNER); }
static int setup_root(void **state) { return setup_mode(state, "WAL", 0); }

static int teardown(void **state)
{
	struct fx *f = *state;

	ferry_rm_rf(f->top, NULL);
	free(f);
	return 0;
}

static const char *side(struct fx *f, const char *sfx)
{
	snprintf(f->side, sizeof(f->side), "%s%s", f->db, sfx);
	return f->side;
}

static void caps(struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3])
{
	struct __user_cap_header_struct hd = { _LINUX_CAPABILITY_VERSION_3, 0 };

	assert_int_equal(syscall(SYS_capget, &hd, d), 0);
}

static void test_first_read_makes_owner_files(void **state)
{
	struct __user_cap_data_struct before[_LINUX_CAPABILITY_U32S_3], after[_LINUX_CAPABILITY_U32S_3];
	struct fx *f = *state;
	struct stat st;
	sqlite3 *h;
	int i;

	caps(before);
	assert_int_equal(sqlite3_open_v2(f->db, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	rt_sqlite_first_read(h, f->db);
	for (i = 0; i < 2; i++) {
		assert_int_equal(stat(side(f, i ? "-shm" : "-wal"), &st), 0);
		assert_int_equal(st.st_uid, OWNER);
		assert_int_equal(st.st_gid, OWNER);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
	/* the thread is root again, with its capabilities */
	assert_int_equal(setfsuid((uid_t)-1), 0);
	assert_int_equal(setfsgid((gid_t)-1), 0);
	caps(after);
	assert_memory_equal(before, after, sizeof(before));
	/* the connection works, and writes as root still make the owner's files */
	assert_int_equal(sqlite3_exec(h, "INSERT INTO t VALUES(2)", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_close(h), SQLITE_OK);
}

static void test_other_journal_mode_untouched(void **state)
{
	struct fx *f = *state;
	struct stat st;
	sqlite3 *h;

	assert_int_equal(sqlite3_open_v2(f->db, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	rt_sqlite_first_read(h, f->db);
	assert_int_not_equal(stat(side(f, "-wal"), &st), 0);
	assert_int_not_equal(stat(side(f, "-shm"), &st), 0);
	assert_int_equal(sqlite3_close(h), SQLITE_OK);
}

static void test_root_database_untouched(void **state)
{
	struct fx *f = *state;
	struct stat st;
	sqlite3 *h;

	assert_int_equal(sqlite3_open_v2(f->db, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	rt_sqlite_first_read(h, f->db);
	/* nothing read: SQLite makes them at the caller's first statement */
	assert_int_not_equal(stat(side(f, "-shm"), &st), 0);
	assert_int_equal(sqlite3_exec(h, "SELECT count(*) FROM t", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(stat(side(f, "-shm"), &st), 0);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(sqlite3_close(h), SQLITE_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_first_read_makes_owner_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_journal_mode_untouched, setup_delete, teardown),
		cmocka_unit_test_setup_teardown(test_root_database_untouched, setup_root, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
