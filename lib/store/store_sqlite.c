/* SPDX-License-Identifier: MIT */
/* store_sqlite.c: the SQLite state store backend: open, transactions, statements. */
#include "store/store_impl.h"
#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/settings.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sqlite_store {
	struct ferry_store base;
	sqlite3 *db;
};

struct sqlite_stmt {
	struct ferry_stmt base;
	sqlite3_stmt *st;
	int64_t changes;
};

static sqlite3 *db_of(struct ferry_store *s)
{
	return ((struct sqlite_store *)s)->db;
}

static int store_fail(struct ferry_store *s, struct ferry_error *err, const char *what)
{
	sqlite3 *db = db_of(s);
	int rc = sqlite3_errcode(db);

	if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
		return ferry_error_set(err, FERRY_ESTORE,
			"state store %s is damaged (%s): restore it from a backup, or move it away and run 'ferry init'",
			s->where, sqlite3_errmsg(db));
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return ferry_error_set(err, FERRY_ESTORE,
			"state store %s is busy (another ferry holds it too long); try again", s->where);
	if (rc == SQLITE_CONSTRAINT)
		return ferry_error_set(err, FERRY_EEXIST, "%s: %s", what, sqlite3_errmsg(db));
	return ferry_error_set(err, FERRY_ESTORE, "state store %s: %s: %s", s->where, what,
			       sqlite3_errmsg(db));
}

static int sq_exec(struct ferry_store *s, const char *sql, struct ferry_error *err)
{
	if (sqlite3_exec(db_of(s), sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(s, err, sql);
	return 0;
}

static void sq_close(struct ferry_store *s)
{
	sqlite3_close_v2(db_of(s));
	free(s->where);
	free(s);
}

/* The unix VFS syncs the directory after the first sync of a WAL it opened with
 * SQLITE_OPEN_CREATE, which it always is: an fsync of the home in every command. This VFS
 * opens an existing WAL without CREATE (no directory sync: the name is on disk already) and
 * creates a missing one as before (directory synced: the new name made durable). */
static sqlite3_vfs wal_vfs;
static sqlite3_vfs *unix_vfs;
static pthread_once_t wal_vfs_once = PTHREAD_ONCE_INIT;

static int wal_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags, int *out)
{
	(void)vfs;
	if ((flags & SQLITE_OPEN_WAL) && (flags & SQLITE_OPEN_CREATE) && name &&
	    unix_vfs->xOpen(unix_vfs, name, f, flags & ~SQLITE_OPEN_CREATE, out) == SQLITE_OK)
		return SQLITE_OK;
	return unix_vfs->xOpen(unix_vfs, name, f, flags, out);   /* missing: created */
}

static void wal_vfs_init(void)
{
	if (!(unix_vfs = sqlite3_vfs_find(NULL)))
		return;
	wal_vfs = *unix_vfs;
	wal_vfs.zName = "ferry-store";
	wal_vfs.pNext = NULL;
	wal_vfs.xOpen = wal_open;
	if (sqlite3_vfs_register(&wal_vfs, 0) != SQLITE_OK)
		unix_vfs = NULL;
}

static const char *store_vfs(void)
{
	pthread_once(&wal_vfs_once, wal_vfs_init);
	return unix_vfs ? wal_vfs.zName : NULL;
}

/* The store's fsyncs. synchronous=FULL syncs the WAL at every commit: a transaction is on
 * disk when COMMIT returns, before the command goes on to act on it or reports it done
 * (synchronous=NORMAL left the last commits of a command in the page cache until the
 * checkpoint at close). The last connection does not checkpoint at close: the committed
 * frames stay in the (synced) WAL, which the next connection reads, instead of a checkpoint
 * (WAL and database synced), the WAL deleted, and the next command creating it again (its
 * header and directory synced) around every command: 4 fsyncs, now 1 per write
 * transaction (with the directory sync avoided, see wal_open). The WAL is checkpointed into the database as it grows (SQLite's automatic
 * checkpoint at 1000 pages, WAL synced first, database synced after) and kept at most
 * journal_size_limit long after a reset. */
static int sync_setup(struct ferry_store *s, struct ferry_error *err)
{
	if (sqlite3_db_config(db_of(s), SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL) != SQLITE_OK)
		return store_fail(s, err, "no checkpoint on close");
	return 0;
}

static int sq_open(const char *path, int create, const struct ferry_settings *settings,
		   struct ferry_store **out, struct ferry_error *err)
{
	struct sqlite_store *q;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX;
	int rc;

	if (!create && access(path, F_OK) != 0)
		return ferry_error_set(err, FERRY_ESTORE,
			"no state store at %s: run 'ferry init' (or pass --home DIR / set FERRY_HOME)", path);
	if (create)
		flags |= SQLITE_OPEN_CREATE;
	q = calloc(1, sizeof(*q));
	if (!q || !(q->base.where = strdup(path))) {
		free(q);
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	}
	q->base.ops = &ferry_store_sqlite_ops;
	if (sqlite3_open_v2(path, &q->db, flags, store_vfs()) != SQLITE_OK) {
		rc = ferry_error_set(err, FERRY_ESTORE, "cannot open state store %s: %s", path,
				     q->db ? sqlite3_errmsg(q->db) : "out of memory");
		sq_close(&q->base);
		return rc;
	}
	sqlite3_busy_timeout(q->db, settings->store_busy_ms);
	sqlite3_extended_result_codes(q->db, 0);
	/* Durable commits at one fsync each (see sync_setup). */
	if ((rc = sq_exec(&q->base, "PRAGMA journal_mode=WAL", err)) ||
	    (rc = sq_exec(&q->base, "PRAGMA foreign_keys=ON", err)) ||
	    (rc = sq_exec(&q->base, "PRAGMA synchronous=FULL", err)) ||
	    (rc = sq_exec(&q->base, "PRAGMA journal_size_limit=4194304", err)) ||
	    (rc = sync_setup(&q->base, err))) {
		sq_close(&q->base);
		return rc;
	}
	*out = &q->base;
	return 0;
}

static int sq_begin(struct ferry_store *s, int rowlocks, struct ferry_error *err)
{
	(void)rowlocks;  /* one writer at a time is all SQLite has */
	return sq_exec(s, "BEGIN IMMEDIATE", err);
}

static int sq_commit(struct ferry_store *s, struct ferry_error *err)
{
	return sq_exec(s, "COMMIT", err);
}

static void sq_rollback(struct ferry_store *s)
{
	sqlite3_exec(db_of(s), "ROLLBACK", NULL, NULL, NULL);
}

static int bind_args(sqlite3_stmt *st, const struct store_arg *args, int nargs)
{
	int i, rc = SQLITE_OK;

	for (i = 0; i < nargs && rc == SQLITE_OK; i++) {
		if (args[i].type == 't')
			rc = args[i].t ? sqlite3_bind_text(st, i + 1, args[i].t, -1, SQLITE_TRANSIENT)
				       : sqlite3_bind_null(st, i + 1);
		else
			rc = sqlite3_bind_int64(st, i + 1, args[i].i);
	}
	return rc == SQLITE_OK ? 0 : FERRY_ESTORE;
}

static void sq_stmt_free(struct ferry_stmt *st)
{
	sqlite3_finalize(((struct sqlite_stmt *)st)->st);
	free(st);
}

static int sq_query(struct ferry_store *s, struct ferry_stmt **out, const char *sql,
		    const struct store_arg *args, int nargs, struct ferry_error *err)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	struct sqlite_stmt *st = calloc(1, sizeof(*st));
	int rc = 0;

	if (!st || ferry_store_sql_sqlite(sql, &b)) {
		rc = ferry_error_set(err, FERRY_ENOMEM, "out of memory");
		goto fail;
	}
	st->base.s = s;
	if (sqlite3_prepare_v2(db_of(s), b.data, -1, &st->st, NULL) != SQLITE_OK) {
		rc = store_fail(s, err, "preparing query");
		goto fail;
	}
	if (sqlite3_bind_parameter_count(st->st) != nargs || bind_args(st->st, args, nargs)) {
		rc = ferry_error_set(err, FERRY_EINTERNAL, "bad bind of %d arguments for: %s",
				     nargs, sql);
		goto fail;
	}
	ferry_buf_release(&b);
	*out = &st->base;
	return 0;
fail:
	ferry_buf_release(&b);
	if (st)
		sq_stmt_free(&st->base);
	return rc;
}

static int sq_step(struct ferry_stmt *base, struct ferry_error *err)
{
	struct sqlite_stmt *st = (struct sqlite_stmt *)base;
	int rc = sqlite3_step(st->st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE) {
		st->changes = sqlite3_changes(db_of(base->s));
		return 0;
	}
	return store_fail(base->s, err, "running query");
}

static const char *sq_text(struct ferry_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(((struct sqlite_stmt *)st)->st, col);
}

static int64_t sq_int(struct ferry_stmt *st, int col)
{
	return sqlite3_column_int64(((struct sqlite_stmt *)st)->st, col);
}

static int sq_is_null(struct ferry_stmt *st, int col)
{
	return sqlite3_column_type(((struct sqlite_stmt *)st)->st, col) == SQLITE_NULL;
}

static int64_t sq_changes(struct ferry_stmt *st)
{
	return ((struct sqlite_stmt *)st)->changes;
}

/* WAL mode: NORMAL syncs the WAL only at checkpoints, FULL at every commit; a FULL commit
 * syncs the whole WAL, the deferred commits' frames before it included. */
static int sq_sync_commits(struct ferry_store *s, int on, struct ferry_error *err)
{
	return sq_exec(s, on ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL", err);
}

const struct store_ops ferry_store_sqlite_ops = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.exec = sq_exec,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.sync_commits = sq_sync_commits,
	.query = sq_query,
	.step = sq_step,
	.text = sq_text,
	.int64 = sq_int,
	.is_null = sq_is_null,
	.changes = sq_changes,
	.stmt_free = sq_stmt_free,
};
