/* SPDX-License-Identifier: MIT */
/* store.c: the state store's dispatch layer: picks the backend from where the store
 * is, decodes bound arguments, and runs every component's migrations (one code path
 * for SQLite and PostgreSQL). */
#include "store/store_impl.h"
#include "ferry/base/error.h"
#include "ferry/base/settings.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 64

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
			s->where, ver, m->component, m->count);
	for (; ver < m->count; ver++) {
		if ((rc = s->ops->exec(s, m->steps[ver], err)))
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

/* Every component, in one write transaction: the store-wide lock makes concurrent
 * openers (two ferryd starting at once) migrate one after the other. */
static int store_migrate(struct ferry_store *s, const struct ferry_migrations *const *schema,
			 struct ferry_error *err)
{
	int i, rc = ferry_store_begin(s, err);

	if (rc)
		return rc;
	rc = s->ops->exec(s, "CREATE TABLE IF NOT EXISTS schema_versions("
			  "component TEXT PRIMARY KEY, version INTEGER NOT NULL)", err);
	for (i = 0; !rc && schema && schema[i]; i++)
		rc = migrate_component(s, schema[i], err);
	if (rc) {
		ferry_store_rollback(s);
		return rc;
	}
	return ferry_store_commit(s, err);
}

int ferry_store_open(const char *where, int create, const struct ferry_migrations *const *schema,
		     const struct ferry_settings *settings, struct ferry_store **out,
		     struct ferry_error *err)
{
	const struct store_ops *ops = &ferry_store_sqlite_ops;
	struct ferry_settings dflt;
	int rc;

	*out = NULL;
	if (!settings) {
		ferry_settings_init(&dflt);  /* numbers only: nothing to release */
		settings = &dflt;
	}
	if (!where || !*where)
		return ferry_error_set(err, FERRY_EINVAL, "no state store given");
	if (ferry_store_is_pg(where))
		ops = &ferry_store_pg_ops;
	else if (!strncmp(where, "sqlite://", 9))
		where += 9;
	if ((rc = ops->open(where, create, settings, out, err)))
		return rc;
	(*out)->ops = ops;
	if (schema && (rc = store_migrate(*out, schema, err))) {
		ferry_store_close(*out);
		*out = NULL;
	}
	return rc;
}

void ferry_store_close(struct ferry_store *s)
{
	if (!s)
		return;
	if (s->in_tx)
		ferry_store_rollback(s);
	free(s->fence_sql);
	free(s->fence_why);
	s->ops->close(s);
}

int ferry_store_fence(struct ferry_store *s, const char *sql, int64_t a, int64_t b,
		      const char *why, struct ferry_error *err)
{
	char *q = NULL, *w = NULL;

	if (sql && (!(q = strdup(sql)) || !(w = strdup(why ? why : "fenced")))) {
		free(q);
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	}
	free(s->fence_sql);
	free(s->fence_why);
	s->fence_sql = q;
	s->fence_why = w;
	s->fence_a = a;
	s->fence_b = b;
	s->fenced = 0;
	return 0;
}

int ferry_store_fenced(const struct ferry_store *s)
{
	return s->fenced;
}

/* Inside a just begun transaction: the fence's query must yield a row. */
static int fence_check(struct ferry_store *s, struct ferry_error *err)
{
	struct ferry_stmt *st;
	int rc;

	if (!s->fence_sql)
		return 0;
	if (!s->fenced) {
		if ((rc = ferry_store_query(s, &st, err, s->fence_sql, "ii", s->fence_a, s->fence_b)))
			return rc;
		rc = ferry_stmt_step(st, err);
		ferry_stmt_free(st);
		if (rc < 0)
			return rc;
		s->fenced = rc == 0;
	}
	if (s->fenced)
		return ferry_error_set(err, FERRY_ESTATE, "%s", s->fence_why);
	return 0;
}

static int store_begin(struct ferry_store *s, int rowlocks, struct ferry_error *err)
{
	int rc;

	if (s->in_tx)
		return ferry_error_set(err, FERRY_EINTERNAL, "nested transaction on state store");
	if (s->fenced)
		return fence_check(s, err);
	if ((rc = s->ops->begin(s, rowlocks, err)))
		return rc;
	s->in_tx = 1;
	if ((rc = fence_check(s, err)))
		ferry_store_rollback(s);
	return rc;
}

int ferry_store_begin(struct ferry_store *s, struct ferry_error *err)
{
	return store_begin(s, 0, err);
}

int ferry_store_begin_rowlocks(struct ferry_store *s, struct ferry_error *err)
{
	return store_begin(s, 1, err);
}

int ferry_store_commit(struct ferry_store *s, struct ferry_error *err)
{
	int rc;

	if (!s->in_tx)
		return ferry_error_set(err, FERRY_EINTERNAL, "commit without transaction");
	rc = s->ops->commit(s, err);
	if (rc)
		s->ops->rollback(s);
	s->in_tx = 0;
	return rc;
}

void ferry_store_rollback(struct ferry_store *s)
{
	if (!s->in_tx)
		return;
	s->ops->rollback(s);
	s->in_tx = 0;
}

int ferry_store_in_tx(const struct ferry_store *s)
{
	return s->in_tx;
}

int ferry_store_defer_sync(struct ferry_store *s, int defer, struct ferry_error *err)
{
	int rc;

	defer = defer != 0;
	if (s->sync_deferred == defer)
		return 0;
	if (s->in_tx)
		return ferry_error_set(err, FERRY_EINTERNAL,
				       "bug: the store's commit sync changed inside a transaction");
	if ((rc = s->ops->sync_commits(s, !defer, err)))
		return rc;
	s->sync_deferred = defer;
	return 0;
}

int ferry_store_sync_deferred(const struct ferry_store *s)
{
	return s->sync_deferred;
}

static int query_v(struct ferry_store *s, struct ferry_stmt **out, struct ferry_error *err,
		   const char *sql, const char *types, va_list ap)
{
	struct store_arg args[MAX_ARGS];
	int n = 0;

	*out = NULL;
	for (; types && types[n]; n++) {
		if (n == MAX_ARGS)
			return ferry_error_set(err, FERRY_EINTERNAL, "more than %d arguments for: %s",
					       MAX_ARGS, sql);
		args[n].type = 'i';
		args[n].t = NULL;
		args[n].i = 0;
		if (types[n] == 't') {
			args[n].type = 't';
			args[n].t = va_arg(ap, const char *);
		} else if (types[n] == 'i') {
			args[n].i = va_arg(ap, int64_t);
		} else if (types[n] == 'd') {
			args[n].i = va_arg(ap, int);
		} else {
			return ferry_error_set(err, FERRY_EINTERNAL, "bad bind type '%c' for: %s",
					       types[n], sql);
		}
	}
	return s->ops->query(s, out, sql, args, n, err);
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

static int run_v(struct ferry_store *s, struct ferry_error *err, const char *sql,
		 const char *types, va_list ap)
{
	struct ferry_stmt *st;
	int rc = query_v(s, &st, err, sql, types, ap);

	if (rc)
		return rc;
	while ((rc = ferry_stmt_step(st, err)) == 1)
		;
	s->changes = rc == 0 ? s->ops->changes(st) : 0;
	ferry_stmt_free(st);
	return rc;
}

int ferry_store_run(struct ferry_store *s, struct ferry_error *err,
		    const char *sql, const char *types, ...)
{
	int own_tx = s->fence_sql && !s->in_tx;  /* a fenced write is checked in its transaction */
	int64_t changes;
	va_list ap;
	int rc;

	s->changes = 0;
	if (own_tx && (rc = ferry_store_begin(s, err)))
		return rc;
	va_start(ap, types);
	rc = run_v(s, err, sql, types, ap);
	va_end(ap);
	if (!own_tx)
		return rc;
	changes = s->changes;
	if (rc) {
		ferry_store_rollback(s);
		return rc;
	}
	if ((rc = ferry_store_commit(s, err)))
		return rc;
	s->changes = changes;
	return 0;
}

int ferry_stmt_step(struct ferry_stmt *st, struct ferry_error *err)
{
	return st->s->ops->step(st, err);
}

const char *ferry_stmt_text(struct ferry_stmt *st, int col)
{
	return st->s->ops->text(st, col);
}

int64_t ferry_stmt_int(struct ferry_stmt *st, int col)
{
	return st->s->ops->int64(st, col);
}

int ferry_stmt_is_null(struct ferry_stmt *st, int col)
{
	return st->s->ops->is_null(st, col);
}

void ferry_stmt_free(struct ferry_stmt *st)
{
	if (st)
		st->s->ops->stmt_free(st);
}

int64_t ferry_store_changes(struct ferry_store *s)
{
	return s->changes;
}

const char *ferry_store_path(const struct ferry_store *s)
{
	return s->where;
}

const char *ferry_store_backend(const struct ferry_store *s)
{
	return s->ops->name;
}
