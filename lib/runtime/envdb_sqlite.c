/* SPDX-License-Identifier: MIT */
/* envdb_sqlite.c: the SQLite environment database driver: create, copies (restore
 * points, restores: envdb_sqlite_copy.c), canonical dump, SQL steps. */
#include "ferry/runtime/envdb.h"
#include "runtime/envdb_sqlite_int.h"
#include "runtime/sqlite_sidecar.h"
#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BUSY_MS 10000        /* wait this long for a writer to let go */
#define RP_DIR "restore-points"

static const char *sq_path(const char *conn)
{
	return strncmp(conn, "sqlite:", 7) ? conn : conn + 7;
}

static int sq_claims(const char *conn)
{
	return !strncmp(conn, "sqlite:", 7) || !strstr(conn, "://");
}

static int sq_exists(const char *conn)
{
	struct stat st;
	return stat(sq_path(conn), &st) == 0 && S_ISREG(st.st_mode);
}

static int sq_fail(sqlite3 *h, struct ferry_error *err, const char *what, const char *path)
{
	return ferry_error_set(err, FERRY_EIO, "%s %s: %s", what, path,
			       h ? sqlite3_errmsg(h) : "out of memory");
}

static int sq_open(const char *path, int flags, sqlite3 **out, struct ferry_error *err)
{
	sqlite3 *h = NULL;

	if (sqlite3_open_v2(path, &h, flags, NULL) != SQLITE_OK) {
		sq_fail(h, err, "cannot open database", path);
		sqlite3_close(h);
		*out = NULL;
		return FERRY_EIO;
	}
	sqlite3_busy_timeout(h, BUSY_MS);
	rt_sqlite_first_read(h, path);   /* a root ferry beside a serving application */
	*out = h;
	return 0;
}

/* The directory part of path into dir[PATH_MAX]. */
static void dir_of(const char *path, char *dir)
{
	char *slash;

	snprintf(dir, PATH_MAX, "%s", path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		dir[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(dir, PATH_MAX, ".");
}

static int sq_create(const char *conn, struct ferry_error *err)
{
	const char *path = sq_path(conn);
	char dir[PATH_MAX];
	sqlite3 *h;
	int rc;

	if (sq_exists(conn))
		return ferry_error_set(err, FERRY_EEXIST, "database %s already exists", path);
	dir_of(path, dir);
	if ((rc = ferry_mkdir_p(dir, 0700, err)))
		return rc;
	if ((rc = sq_open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &h, err)))
		return rc;
	/* WAL: the application's writers never block ferry's online backups. */
	if (sqlite3_exec(h, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) != SQLITE_OK)
		rc = sq_fail(h, err, "cannot initialise database", path);
	sqlite3_close(h);
	return rc;
}

static int sq_drop(const char *conn, struct ferry_error *err)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	const char *path = sq_path(conn);
	char p[PATH_MAX];
	size_t i;

	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
		if (unlink(p) < 0 && errno != ENOENT)
			return ferry_error_errno(err, FERRY_EIO, errno, "cannot remove %s", p);
	}
	return 0;
}

static int64_t sq_size(const char *conn)
{
	static const char *const sfx[] = { "", "-wal" };
	const char *path = sq_path(conn);
	int64_t total = 0;
	char p[PATH_MAX];
	struct stat st;
	size_t i;

	for (i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
		if (stat(p, &st) == 0)
			total += st.st_size;
		else if (i == 0)
			return -1;
	}
	return total;
}

/* A whole-file copy (envdb_sqlite_copy.c): built beside dst, renamed over it. */
static int sq_copy(const char *src_conn, const char *dst_conn, struct ferry_error *err)
{
	const char *src = sq_path(src_conn), *dst = sq_path(dst_conn);
	char dir[PATH_MAX];
	int rc;

	dir_of(dst, dir);
	if ((rc = ferry_mkdir_p(dir, 0700, err)))
		return rc;
	sqc_sweep(dir);
	return sqc_copy(src, dst, dir, err);
}

static char *sq_rp_conn(const char *conn, const char *name)
{
	const char *path = sq_path(conn), *base;
	char dir[PATH_MAX], out[PATH_MAX];

	dir_of(path, dir);
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (snprintf(out, sizeof(out), "%s/" RP_DIR "/%s.%s", dir, base, name) >= (int)sizeof(out))
		return NULL;
	return strdup(out);
}

static int sq_rp_list(const char *conn, json_t **out, struct ferry_error *err)
{
	const char *path = sq_path(conn), *base;
	char dir[PATH_MAX], rpdir[PATH_MAX], p[PATH_MAX * 2], when[32];
	struct dirent *de;
	struct stat st;
	size_t blen;
	json_t *arr;
	DIR *d;

	dir_of(path, dir);
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	blen = strlen(base);
	if (ferry_fmt(rpdir, sizeof(rpdir), err, "restore point directory", "%s/" RP_DIR, dir))
		return FERRY_EINVAL;
	sqc_sweep(rpdir);
	sqc_sweep(dir);
	arr = json_array();
	if (!arr)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if (!(d = opendir(rpdir))) {
		*out = arr;
		return errno == ENOENT ? 0 : (json_decref(arr),
			ferry_error_errno(err, FERRY_EIO, errno, "cannot read %s", rpdir));
	}
	while ((de = readdir(d))) {
		const char *n = de->d_name;
		if (strncmp(n, base, blen) || n[blen] != '.' || strstr(n + blen, ".tmp-") ||
		    strstr(n + blen, "-wal") || strstr(n + blen, "-shm") || strstr(n + blen, "-journal"))
			continue;
		snprintf(p, sizeof(p), "%s/%s", rpdir, n);
		if (stat(p, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		ferry_time_iso((int64_t)st.st_mtime * 1000, when);
		json_array_append_new(arr, json_pack("{s:s, s:I, s:s, s:I}", "name", n + blen + 1,
			"size", (json_int_t)st.st_size, "created", when,
			"mtime", (json_int_t)st.st_mtime));
	}
	closedir(d);
	*out = arr;
	return 0;
}

/* ---- canonical dump ---- */

static void put_value(FILE *out, sqlite3_stmt *st, int i)
{
	const unsigned char *p;
	int n, k;

	switch (sqlite3_column_type(st, i)) {
	case SQLITE_NULL:
		fputs("N", out);
		break;
	case SQLITE_INTEGER:
		fprintf(out, "i%lld", (long long)sqlite3_column_int64(st, i));
		break;
	case SQLITE_FLOAT:
		fprintf(out, "r%.17g", sqlite3_column_double(st, i));
		break;
	case SQLITE_TEXT:
		p = sqlite3_column_text(st, i);
		n = sqlite3_column_bytes(st, i);
		fprintf(out, "t%d:", n);
		fwrite(p, 1, (size_t)n, out);
		break;
	default:
		p = sqlite3_column_blob(st, i);
		n = sqlite3_column_bytes(st, i);
		fputc('b', out);
		for (k = 0; k < n; k++)
			fprintf(out, "%02x", p[k]);
	}
}

/* Every row of one table, ordered by all its columns: independent of rowids'
 * page layout, identical for identical content. */
static int dump_table(sqlite3 *h, const char *table, FILE *out, struct ferry_error *err)
{
	struct ferry_buf sql = FERRY_BUF_INIT;
	sqlite3_stmt *st = NULL;
	int rc = 0, i, n, r;
	const char *c;

	ferry_buf_adds(&sql, "SELECT * FROM \"");
	for (c = table; *c; c++)
		ferry_buf_adds(&sql, *c == '"' ? "\"\"" : (char[]){ *c, 0 });
	ferry_buf_adds(&sql, "\"");
	if (sqlite3_prepare_v2(h, sql.data, -1, &st, NULL) != SQLITE_OK) {
		rc = ferry_error_set(err, FERRY_EIO, "cannot read table %s: %s", table, sqlite3_errmsg(h));
		goto out;
	}
	n = sqlite3_column_count(st);
	sqlite3_finalize(st);
	st = NULL;
	for (i = 1; i <= n; i++)
		ferry_buf_addf(&sql, "%s%d", i == 1 ? " ORDER BY " : ", ", i);
	if (sqlite3_prepare_v2(h, sql.data, -1, &st, NULL) != SQLITE_OK) {
		rc = ferry_error_set(err, FERRY_EIO, "cannot read table %s: %s", table, sqlite3_errmsg(h));
		goto out;
	}
	fprintf(out, "table %s\n", table);
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		for (i = 0; i < n; i++) {
			if (i)
				fputc('|', out);
			put_value(out, st, i);
		}
		fputc('\n', out);
	}
	if (r != SQLITE_DONE)
		rc = ferry_error_set(err, FERRY_EIO, "cannot read table %s: %s", table, sqlite3_errmsg(h));
out:
	sqlite3_finalize(st);
	ferry_buf_release(&sql);
	return rc;
}

static int sq_dump(const char *conn, FILE *out, struct ferry_error *err)
{
	const char *path = sq_path(conn);
	sqlite3_stmt *st = NULL;
	sqlite3 *h;
	int rc, r;

	if ((rc = sq_open(path, SQLITE_OPEN_READONLY, &h, err)))
		return rc;
	/* One read transaction: schema and rows from the same snapshot. */
	if (sqlite3_exec(h, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		rc = sq_fail(h, err, "cannot read database", path);
		goto out;
	}
	fprintf(out, "user_version %lld\n", (long long)sqlite3_column_int64(st, 0));
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(h, "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema "
			       "ORDER BY type, name", -1, &st, NULL) != SQLITE_OK) {
		rc = sq_fail(h, err, "cannot read schema of", path);
		goto out;
	}
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		fprintf(out, "schema %s %s %s %s\n", sqlite3_column_text(st, 0),
			sqlite3_column_text(st, 1), sqlite3_column_text(st, 2),
			sqlite3_column_text(st, 3));
	sqlite3_reset(st);
	while (!rc && (r = sqlite3_step(st)) == SQLITE_ROW) {
		const char *sql = (const char *)sqlite3_column_text(st, 3);
		if (strcmp((const char *)sqlite3_column_text(st, 0), "table") ||
		    !strncmp(sql, "CREATE VIRTUAL", 14))
			continue;
		rc = dump_table(h, (const char *)sqlite3_column_text(st, 1), out, err);
	}
	if (!rc && r != SQLITE_DONE)
		rc = sq_fail(h, err, "cannot read schema of", path);
out:
	sqlite3_finalize(st);
	sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(h);
	return rc;
}

/* ---- SQL scripts ---- */

static int sq_mark(sqlite3 *h, const char *mark, int *already, const char *path,
		   struct ferry_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = 0;

	if (sqlite3_exec(h, "CREATE TABLE IF NOT EXISTS " FERRY_ENVDB_MARKS " (mark TEXT PRIMARY KEY)",
			 NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "INSERT INTO " FERRY_ENVDB_MARKS " VALUES (?) ON CONFLICT DO NOTHING",
			       -1, &st, NULL) != SQLITE_OK)
		return sq_fail(h, err, "step marks in", path);
	sqlite3_bind_text(st, 1, mark, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = sq_fail(h, err, "step marks in", path);
	else
		*already = sqlite3_changes(h) == 0;
	sqlite3_finalize(st);
	return rc;
}

static int sq_exec(const char *conn, const char *sql, const char *mark, int *already,
		   struct ferry_error *err)
{
	const char *path = sq_path(conn);
	char *msg = NULL;
	sqlite3 *h;
	int rc;

	*already = 0;
	if ((rc = sq_open(path, SQLITE_OPEN_READWRITE, &h, err)))
		return rc;
	if (sqlite3_exec(h, "PRAGMA foreign_keys=ON; BEGIN IMMEDIATE", NULL, NULL, &msg) != SQLITE_OK) {
		rc = ferry_error_set(err, FERRY_EIO, "cannot start a transaction on %s: %s", path,
				     msg ? msg : sqlite3_errmsg(h));
		goto out;
	}
	if (mark && (rc = sq_mark(h, mark, already, path, err)))
		goto rollback;
	if (*already)
		goto rollback;
	if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		rc = ferry_error_set(err, FERRY_EFAILED, "SQL failed, rolled back (%s): %s", path,
				     msg ? msg : sqlite3_errmsg(h));
		goto rollback;
	}
	if (sqlite3_exec(h, "COMMIT", NULL, NULL, &msg) == SQLITE_OK)
		goto out;
	rc = ferry_error_set(err, FERRY_EIO, "cannot commit on %s: %s", path, msg ? msg : sqlite3_errmsg(h));
rollback:
	sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
out:
	sqlite3_free(msg);
	sqlite3_close(h);
	return rc;
}

static int sq_marks_clear(const char *conn, const char *prefix, struct ferry_error *err)
{
	const char *path = sq_path(conn);
	sqlite3_stmt *st = NULL;
	sqlite3 *h;
	int rc, left = 1;

	if ((rc = sq_open(path, SQLITE_OPEN_READWRITE, &h, err)))
		return rc;
	if (sqlite3_exec(h, "BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS " FERRY_ENVDB_MARKS
			 " (mark TEXT PRIMARY KEY)", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "DELETE FROM " FERRY_ENVDB_MARKS " WHERE substr(mark, 1, ?) = ?",
			       -1, &st, NULL) != SQLITE_OK) {
		rc = sq_fail(h, err, "step marks in", path);
		goto out;
	}
	sqlite3_bind_int(st, 1, (int)strlen(prefix));
	sqlite3_bind_text(st, 2, prefix, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = sq_fail(h, err, "step marks in", path);
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(h, "SELECT count(*) FROM " FERRY_ENVDB_MARKS, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		left = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if ((left == 0 && sqlite3_exec(h, "DROP TABLE " FERRY_ENVDB_MARKS, NULL, NULL, NULL) != SQLITE_OK) ||
	    sqlite3_exec(h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = sq_fail(h, err, "step marks in", path);
out:
	sqlite3_finalize(st);
	if (rc)
		sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(h);
	return rc;
}

const struct ferry_envdb_ops ferry_envdb_sqlite = {
	.name = "sqlite",
	.claims = sq_claims,
	.create = sq_create,
	.exists = sq_exists,
	.drop = sq_drop,
	.copy = sq_copy,
	.copy_method = sqc_last_method,
	.rp_conn = sq_rp_conn,
	.size = sq_size,
	.dump = sq_dump,
	.rp_list = sq_rp_list,
	.exec = sq_exec,
	.marks_clear = sq_marks_clear,
};
