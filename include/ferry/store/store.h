/* SPDX-License-Identifier: MIT */
/* store.h: the state store: one transactional SQL database behind a small API.
 *
 * Two backends sit behind the same calls, chosen by where the store is:
 *   a path (default: <home>/ferry.db)        SQLite (WAL, foreign keys, busy timeout)
 *   postgresql://... or postgres://...        PostgreSQL through libpq
 * SQL given to this API uses '?' placeholders and the portable subset of SQL both
 * share (docs/HACKING.md); the PostgreSQL backend translates the few differences
 * in one place (placeholders, INTEGER/identity columns, REAL, BLOB, IFNULL).
 * Both give the same semantics: a statement that fails inside a transaction leaves
 * the transaction usable; begin serializes writers; constraint violations are
 * FERRY_EEXIST; busy, unreachable or damaged stores are FERRY_ESTORE.
 */
#ifndef FERRY_STORE_H
#define FERRY_STORE_H

#include <stdint.h>

struct ferry_error;
struct ferry_settings;
struct ferry_store;
struct ferry_stmt;

/* One component's schema: an ordered list of migrations, applied once each. */
struct ferry_migrations {
	const char *component;        /* "core", "assets", ... */
	const char *const *steps;     /* SQL scripts, index+1 is the version */
	int count;
};

/* Open (create when `create` is non-zero) the store at `where` (a path, or a
 * postgresql:// URL) and migrate every component of `schema` (a NULL-terminated list,
 * lowest layer first; NULL migrates nothing); concurrent openers migrate one at a time.
 * A PostgreSQL database must exist; `create` there means "install the schema".
 * `settings` gives the busy and connect timeouts (store_busy_ms, store_connect_s; NULL:
 * the defaults). The caller closes it with ferry_store_close(). */
int ferry_store_open(const char *where, int create, const struct ferry_migrations *const *schema,
		     const struct ferry_settings *settings, struct ferry_store **out,
		     struct ferry_error *err);

/* The core tables (projects, environments, features): the first entry of every schema. */
extern const struct ferry_migrations ferry_schema_core;
/* Close; accepts NULL. Rolls back an open transaction. */
void ferry_store_close(struct ferry_store *s);

/* Transactions: begin takes the store-wide write lock at once (waits up to the busy
 * timeout, settings.store_busy_ms, 30 s by default): SQLite BEGIN IMMEDIATE, PostgreSQL an advisory transaction lock,
 * so check-then-write code is safe on both. */
int ferry_store_begin(struct ferry_store *s, struct ferry_error *err);
/* A transaction without the store-wide lock, for hot paths that touch only rows they
 * lock themselves with SELECT ... FOR UPDATE [SKIP LOCKED] (job claims, heartbeats),
 * so several ferryd on one PostgreSQL store do not queue behind each other. On
 * SQLite it is ferry_store_begin() (and FOR UPDATE clauses are dropped). */
int ferry_store_begin_rowlocks(struct ferry_store *s, struct ferry_error *err);
int ferry_store_commit(struct ferry_store *s, struct ferry_error *err);
void ferry_store_rollback(struct ferry_store *s);
int ferry_store_in_tx(const struct ferry_store *s);

/* Deferred sync, outside a transaction. defer 1: the commits that follow are atomic and
 * survive the process being killed, but are not synced before they return, so a power
 * loss or a crash of the machine may take them back (never part of one); defer 0: back to
 * synced commits, and the next commit syncs every deferred one with it (SQLite:
 * synchronous NORMAL/FULL on the WAL; PostgreSQL: synchronous_commit off, then the
 * server's own setting again). For work that is redone whole when its record is lost
 * (the step engine's FERRY_STEP_NOSYNC). A new connection (PostgreSQL's reconnect) syncs
 * again. FERRY_EINTERNAL inside a transaction. */
int ferry_store_defer_sync(struct ferry_store *s, int defer, struct ferry_error *err);
/* 1 while deferred. */
int ferry_store_sync_deferred(const struct ferry_store *s);

/* A fence on this connection. While one is set, every transaction begun on it first
 * runs `sql` (a query bound to the integers a and b that locks what it reads, e.g.
 * "SELECT 1 FROM operations WHERE id = ? AND lease_epoch = ? FOR UPDATE"), and
 * ferry_store_run() outside a transaction runs in a transaction of its own; when the
 * query yields no row the transaction is refused with FERRY_ESTATE and the message
 * `why`, and from then on every write is refused without asking the store
 * (ferry_store_fenced() is 1). The step engine fences its runner with the lease's
 * fencing token this way (docs/SCALE.md). sql NULL removes the fence. FERRY_ENOMEM. */
int ferry_store_fence(struct ferry_store *s, const char *sql, int64_t a, int64_t b,
		      const char *why, struct ferry_error *err);
/* 1 when the fence refused a write. */
int ferry_store_fenced(const struct ferry_store *s);

/* Run SQL with bound arguments. `types` has one letter per '?':
 *   t = const char * (NULL binds NULL), i = int64_t, d = int (promoted).
 * Rows are discarded. */
int ferry_store_run(struct ferry_store *s, struct ferry_error *err,
		    const char *sql, const char *types, ...);

/* Prepare, bind like ferry_store_run, and return the statement for stepping. */
int ferry_store_query(struct ferry_store *s, struct ferry_stmt **out,
		      struct ferry_error *err, const char *sql, const char *types, ...);
/* 1 = a row is ready, 0 = done, negative = error. */
int ferry_stmt_step(struct ferry_stmt *st, struct ferry_error *err);
/* Column accessors for the current row; text is valid until the next step. */
const char *ferry_stmt_text(struct ferry_stmt *st, int col);
int64_t ferry_stmt_int(struct ferry_stmt *st, int col);
int ferry_stmt_is_null(struct ferry_stmt *st, int col);
/* Free; accepts NULL. */
void ferry_stmt_free(struct ferry_stmt *st);

/* Every row of st turned into a JSON value by row(st, arg) (called on the current row),
 * collected in an array: *out on success, the caller owns it. st is freed in every case. */
struct json_t;
typedef struct json_t *(*ferry_row_json_fn)(struct ferry_stmt *st, void *arg);
int ferry_stmt_json_rows(struct ferry_stmt *st, ferry_row_json_fn row, void *arg,
			 struct json_t **out, struct ferry_error *err);

/* Rows changed by the last ferry_store_run. (For new ids use INSERT ... RETURNING id
 * through ferry_store_query: portable to every backend.) */
int64_t ferry_store_changes(struct ferry_store *s);

/* The path or URL the store was opened from, any password removed (for messages). */
const char *ferry_store_path(const struct ferry_store *s);
/* "sqlite" or "postgresql". */
const char *ferry_store_backend(const struct ferry_store *s);
/* store_url.c: non-zero when `where` names a PostgreSQL store (postgresql:// or
 * postgres://). */
int ferry_store_is_pg(const char *where);
/* `where` with any password removed (user:pw@ and password=...); caller frees. */
char *ferry_store_redact(const char *where);

#endif
