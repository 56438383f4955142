/* store_sqlite.c: the SQLite state store: open, migrate, transactions, statements. */
#include "ferry/store.h"
#include "ferry/error.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STORE_BUSY_TIMEOUT_MS 30000

struct ferry_store {
	sqlite3 *db;
	char *path;
	int in_tx;
	int64_t changes;
};

struct ferry_stmt {
	struct ferry_store *s;
	sqlite3_stmt *st;
};

static int store_fail(struct ferry_store *s, struct ferry_error *err, const char *what)
{
	int rc = sqlite3_errcode(s->db);

	if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
		return ferry_error_set(err, FERRY_ESTORE,
			"state store %s is damaged (%s): restore it from a backup, or move it away and run 'ferry init'",
			s->path, sqlite3_errmsg(s->db));
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return ferry_error_set(err, FERRY_ESTORE,
			"state store %s is busy (another ferry holds it too long); try again", s->path);
	if (rc == SQLITE_CONSTRAINT)
		return ferry_error_set(err, FERRY_EEXIST, "%s: %s", what, sqlite3_errmsg(s->db));
	return ferry_error_set(err, FERRY_ESTORE, "state store %s: %s: %s", s->path, what,
			       sqlite3_errmsg(s->db));
}

static int exec_plain(struct ferry_store *s, const char *sql, struct ferry_error *err)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(s, err, sql);
	return 0;
}

static int component_version(struct ferry_store *s, const char *comp, int *ver,
			     struct ferry_error *err)
{
	struct ferry_stmt *st;
	int rc = ferry_store_query(s, &st, err,
		"SELECT version FROM schema_versions WHERE component = ?", "t", comp);

	if (rc)
		return rc;
	*ver = 0;
	rc = ferry_stmt_step(st, err);
	if (rc == 1)
		*ver = (int)ferry_stmt_int(st, 0);
	ferry_stmt_free(st);
	return rc < 0 ? rc : 0;
}

static int migrate_component(struct ferry_store *s, const struct ferry_migrations *m,
			     struct ferry_error *err)
{
	int ver, rc = component_version(s, m->component, &ver, err);

	if (rc)
		return rc;
	if (ver > m->count)
		return ferry_error_set(err, FERRY_ESTORE,
			"state store %s has schema version %d of '%s', newer than this ferry knows (%d): upgrade ferry",
			s->path, ver, m->component, m->count);
	for (; ver < m->count; ver++) {
		if (exec_plain(s, m->steps[ver], err))
			return ferry_error_prefix(err, "migrating '%s' to version %d", m->component, ver + 1);
		rc = ferry_store_run(s, err,
			"INSERT INTO schema_versions(component, version) VALUES(?, ?) "
			"ON CONFLICT(component) DO UPDATE SET version = excluded.version",
			"td", m->component, ver + 1);
		if (rc)
			return rc;
	}
	return 0;
}

static int store_migrate(struct ferry_store *s, struct ferry_error *err)
{
	int i, rc;

	if (exec_plain(s, "PRAGMA journal_mode=WAL", err) ||
	    exec_plain(s, "PRAGMA foreign_keys=ON", err) ||
	    exec_plain(s, "PRAGMA synchronous=NORMAL", err))
		return err ? err->code : FERRY_ESTORE;
	rc = ferry_store_begin(s, err);
	if (rc)
		return rc;
	rc = exec_plain(s, "CREATE TABLE IF NOT EXISTS schema_versions("
			"component TEXT PRIMARY KEY, version INTEGER NOT NULL)", err);
	for (i = 0; !rc && ferry_schema[i]; i++)
		rc = migrate_component(s, ferry_schema[i], err);
	if (rc) {
		ferry_store_rollback(s);
		return rc;
	}
	return ferry_store_commit(s, err);
}

int ferry_store_open(const char *path, int create, struct ferry_store **out,
		     struct ferry_error *err)
{
	struct ferry_store *s;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX;
	int rc;

	*out = NULL;
	if (!create && access(path, F_OK) != 0)
		return ferry_error_set(err, FERRY_ESTORE,
			"no state store at %s: run 'ferry init' (or pass --home DIR / set FERRY_HOME)", path);
	if (create)
		flags |= SQLITE_OPEN_CREATE;
	s = calloc(1, sizeof(*s));
	if (!s || !(s->path = strdup(path))) {
		free(s);
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	}
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		rc = ferry_error_set(err, FERRY_ESTORE, "cannot open state store %s: %s", path,
				     s->db ? sqlite3_errmsg(s->db) : "out of memory");
		ferry_store_close(s);
		return rc;
	}
	sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(s->db, 0);
	rc = store_migrate(s, err);
	if (rc) {
		ferry_store_close(s);
		return rc;
	}
	*out = s;
	return 0;
}

void ferry_store_close(struct ferry_store *s)
{
	if (!s)
		return;
	if (s->in_tx)
		ferry_store_rollback(s);
	sqlite3_close_v2(s->db);
	free(s->path);
	free(s);
}

int ferry_store_begin(struct ferry_store *s, struct ferry_error *err)
{
	if (s->in_tx)
		return ferry_error_set(err, FERRY_EINTERNAL, "nested transaction on state store");
	if (exec_plain(s, "BEGIN IMMEDIATE", err))
		return err ? err->code : FERRY_ESTORE;
	s->in_tx = 1;
	return 0;
}

int ferry_store_commit(struct ferry_store *s, struct ferry_error *err)
{
	if (!s->in_tx)
		return ferry_error_set(err, FERRY_EINTERNAL, "commit without transaction");
	if (exec_plain(s, "COMMIT", err)) {
		ferry_store_rollback(s);
		return err ? err->code : FERRY_ESTORE;
	}
	s->in_tx = 0;
	return 0;
}

void ferry_store_rollback(struct ferry_store *s)
{
	if (!s->in_tx)
		return;
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->in_tx = 0;
}

int ferry_store_in_tx(const struct ferry_store *s)
{
	return s->in_tx;
}

static int bind_args(struct ferry_stmt *st, const char *types, va_list ap)
{
	int i, rc = SQLITE_OK;

	for (i = 0; types && types[i] && rc == SQLITE_OK; i++) {
		if (types[i] == 't') {
			const char *v = va_arg(ap, const char *);
			rc = v ? sqlite3_bind_text(st->st, i + 1, v, -1, SQLITE_TRANSIENT)
			       : sqlite3_bind_null(st->st, i + 1);
		} else if (types[i] == 'i') {
			rc = sqlite3_bind_int64(st->st, i + 1, va_arg(ap, int64_t));
		} else if (types[i] == 'd') {
			rc = sqlite3_bind_int64(st->st, i + 1, va_arg(ap, int));
		} else {
			return FERRY_EINTERNAL;
		}
	}
	return rc == SQLITE_OK ? 0 : FERRY_ESTORE;
}

static int query_v(struct ferry_store *s, struct ferry_stmt **out, struct ferry_error *err,
		   const char *sql, const char *types, va_list ap)
{
	struct ferry_stmt *st = calloc(1, sizeof(*st));

	*out = NULL;
	if (!st)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	st->s = s;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st->st, NULL) != SQLITE_OK) {
		free(st);
		return store_fail(s, err, "preparing query");
	}
	if (bind_args(st, types, ap)) {
		ferry_stmt_free(st);
		return ferry_error_set(err, FERRY_EINTERNAL, "bad bind of '%s' for: %s", types, sql);
	}
	*out = st;
	return 0;
}

int ferry_store_query(struct ferry_store *s, struct ferry_stmt **out,
		      struct ferry_error *err, const char *sql, const char *types, ...)
{
	va_list ap;
	int rc;

	va_start(ap, types);
	rc = query_v(s, out, err, sql, types, ap);
	va_end(ap);
	return rc;
}

int ferry_store_run(struct ferry_store *s, struct ferry_error *err,
		    const char *sql, const char *types, ...)
{
	struct ferry_stmt *st;
	va_list ap;
	int rc;

	va_start(ap, types);
	rc = query_v(s, &st, err, sql, types, ap);
	va_end(ap);
	if (rc)
		return rc;
	while ((rc = ferry_stmt_step(st, err)) == 1)
		;
	s->changes = sqlite3_changes(s->db);
	ferry_stmt_free(st);
	return rc;
}

int ferry_stmt_step(struct ferry_stmt *st, struct ferry_error *err)
{
	int rc = sqlite3_step(st->st);

	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE)
		return 0;
	return store_fail(st->s, err, "running query");
}

const char *ferry_stmt_text(struct ferry_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st->st, col);
}

int64_t ferry_stmt_int(struct ferry_stmt *st, int col)
{
	return sqlite3_column_int64(st->st, col);
}

int ferry_stmt_is_null(struct ferry_stmt *st, int col)
{
	return sqlite3_column_type(st->st, col) == SQLITE_NULL;
}

void ferry_stmt_free(struct ferry_stmt *st)
{
	if (!st)
		return;
	sqlite3_finalize(st->st);
	free(st);
}

int64_t ferry_store_changes(struct ferry_store *s)
{
	return s->changes;
}

const char *ferry_store_path(const struct ferry_store *s)
{
	return s->path;
}
