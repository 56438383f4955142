/* SPDX-License-Identifier: MIT */
/* test_envdb.c: unit tests of the SQLite environment database's copies (restore
 * points, restores): the file itself copied when the WAL holds no frames, the backup
 * API when it does (a reader holds them), each equal to the source by canonical dump;
 * a restore replaces the live file by rename (never written in place), removes its
 * stale -wal/-shm, keeps its journal mode, permissions and content; the method used is
 * reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/runtime/envdb.h"

#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct fx {
	char dir[PATH_MAX], db[PATH_MAX + 16];
	struct ferry_envdb *h;
	struct ferry_error err;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "%s/ferry-envdb-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/app.db", f->dir);
	assert_int_equal(ferry_envdb_open(f->db, &f->h, &f->err), 0);
	assert_int_equal(ferry_envdb_create(f->h, &f->err), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	ferry_envdb_free(f->h);
	ferry_rm_rf(f->dir, NULL);
	free(f);
	return 0;
}

static sqlite3 *conn(const char *db)
{
	sqlite3 *h;

	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	return h;
}

static void sql(sqlite3 *h, const char *q)
{
	char *msg = NULL;

	if (sqlite3_exec(h, q, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", q, msg);
}

static void fill(const char *db, int from, int to)
{
	char q[512];
	sqlite3 *h = conn(db);

	snprintf(q, sizeof(q), "CREATE TABLE IF NOT EXISTS t(a INTEGER PRIMARY KEY, b TEXT, c BLOB);"
		 "WITH RECURSIVE n(i) AS (SELECT %d UNION ALL SELECT i+1 FROM n WHERE i < %d)"
		 "INSERT INTO t SELECT i, 'row ' || i, randomblob(100) FROM n;", from, to);
	sql(h, q);
	sqlite3_close(h);
}

static void sum_of(const char *db, char out[65])
{
	struct ferry_envdb *h;

	assert_int_equal(ferry_envdb_open(db, &h, NULL), 0);
	assert_int_equal(ferry_envdb_checksum(h, out, NULL), 0);
	ferry_envdb_free(h);
}

static int mode_bytes(const char *db)
{
	unsigned char m[2] = { 0, 0 };
	FILE *fp = fopen(db, "rb");

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 18, SEEK_SET), 0);
	assert_int_equal(fread(m, 1, 2, fp), 2);
	fclose(fp);
	assert_int_equal(m[0], m[1]);
	return m[0];
}

static int exists(const char *base, const char *sfx)
{
	char p[PATH_MAX + 32];

	snprintf(p, sizeof(p), "%s%s", base, sfx);
	return access(p, F_OK) == 0;
}

/* WAL without frames (nothing written since the last close): the file is copied, not
 * backed up; the restore point is a rollback-journal file equal to the source. */
static void test_rp_copies_the_file(void **state)
{
	struct fx *f = *state;
	char a[65], b[65], rp[PATH_MAX + 64];
	const char *how;

	fill(f->db, 1, 3000);
	sum_of(f->db, a);
	assert_int_equal(ferry_envdb_rp_create(f->h, "one", &f->err), 0);
	how = ferry_envdb_copy_method(f->h);
	assert_non_null(how);
	assert_true(!strcmp(how, "clone") || !strcmp(how, "copy_file_range") || !strcmp(how, "read/write"));
	snprintf(rp, sizeof(rp), "%s/restore-points/app.db.one", f->dir);
	sum_of(rp, b);
	assert_string_equal(a, b);
	assert_int_equal(mode_bytes(rp), 1);
	assert_int_equal(mode_bytes(f->db), 2);
	assert_false(exists(rp, "-wal"));
}

/* A reader keeps frames in the WAL: the file alone is not the snapshot, the backup
 * API copies it; the restore point still holds every committed row. */
static void test_rp_with_wal_frames_uses_backup(void **state)
{
	struct fx *f = *state;
	char a[65], b[65], rp[PATH_MAX + 64];
	sqlite3 *w = conn(f->db), *r = conn(f->db);

	fill(f->db, 1, 100);
	sql(w, "PRAGMA wal_autocheckpoint=0; INSERT INTO t VALUES (1000, 'in the wal', NULL)");
	sql(r, "BEGIN; SELECT count(*) FROM t");  /* a reader on the WAL: no truncation */
	sum_of(f->db, a);
	assert_int_equal(ferry_envdb_rp_create(f->h, "two", &f->err), 0);
	assert_string_equal(ferry_envdb_copy_method(f->h), "backup");
	sql(r, "COMMIT");
	sqlite3_close(r);
	sqlite3_close(w);
	snprintf(rp, sizeof(rp), "%s/restore-points/app.db.two", f->dir);
	sum_of(rp, b);
	assert_string_equal(a, b);
	assert_int_equal(mode_bytes(rp), 1);
}

/* Restore: a new file renamed over the live one (other inode), the live one's stale
 * -wal and -shm gone, its WAL mode and permissions kept, its content the snapshot's. */
static void test_restore_replaces_by_rename(void **state)
{
	struct fx *f = *state;
	char a[65], b[65], c[65];
	struct stat before, after;
	sqlite3 *w;

	fill(f->db, 1, 500);
	sum_of(f->db, a);
	assert_int_equal(ferry_envdb_rp_create(f->h, "three", &f->err), 0);
	assert_int_equal(chmod(f->db, 0640), 0);
	/* later writes, left in a WAL that is never checkpointed (a killed application) */
	w = conn(f->db);
	sql(w, "PRAGMA wal_autocheckpoint=0; DELETE FROM t WHERE a > 100; INSERT INTO t VALUES (9999, 'late', NULL)");
	fill(f->db, 20000, 20010);
	sum_of(f->db, b);
	assert_string_not_equal(a, b);
	assert_true(exists(f->db, "-wal"));
	assert_int_equal(stat(f->db, &before), 0);
	assert_int_equal(ferry_envdb_rp_restore(f->h, "three", &f->err), 0);
	assert_non_null(ferry_envdb_copy_method(f->h));
	assert_int_equal(stat(f->db, &after), 0);
	assert_true(before.st_ino != after.st_ino);
	assert_int_equal(after.st_mode & 07777, 0640);
	assert_false(exists(f->db, "-wal"));
	assert_false(exists(f->db, "-shm"));
	assert_int_equal(mode_bytes(f->db), 2);
	sum_of(f->db, c);
	assert_string_equal(a, c);
	sqlite3_close(w);  /* the old file's last connection: the new one is not touched */
	sum_of(f->db, c);
	assert_string_equal(a, c);
}

/* A copy onto an existing database replaces it whole and leaves no temporary file. */
static void test_copy_over_existing_leaves_nothing(void **state)
{
	struct fx *f = *state;
	char other[PATH_MAX + 16], a[65], b[65], tmp[PATH_MAX + 64];
	struct ferry_envdb *o;

	fill(f->db, 1, 200);
	snprintf(other, sizeof(other), "%s/other.db", f->dir);
	assert_int_equal(ferry_envdb_open(other, &o, &f->err), 0);
	assert_int_equal(ferry_envdb_create(o, &f->err), 0);
	fill(other, 1, 5);
	assert_int_equal(ferry_envdb_copy(f->h, o, &f->err), 0);
	sum_of(f->db, a);
	sum_of(other, b);
	assert_string_equal(a, b);
	snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", other, (long)getpid());
	assert_false(exists(tmp, ""));
	assert_false(exists(tmp, "-journal"));
	ferry_envdb_free(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rp_copies_the_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rp_with_wal_frames_uses_backup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore_replaces_by_rename, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_over_existing_leaves_nothing, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
