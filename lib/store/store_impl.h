/* SPDX-License-Identifier: MIT */
/* store_impl.h: the private contract between the store's dispatch layer (store.c)
 * and its backends (store_sqlite.c, store_pg.c). Not part of the public API. */
#ifndef FERRY_LIB_STORE_IMPL_H
#define FERRY_LIB_STORE_IMPL_H

#include "ferry/store/store.h"

#include <stdint.h>

struct ferry_error;
struct ferry_settings;

/* One bound argument, decoded from the type string by store.c. */
struct store_arg {
	char type;      /* 't' or 'i' ('d' arrives as 'i') */
	const char *t;  /* text; NULL binds NULL */
	int64_t i;
};

/* What a backend implements. Every function that can fail returns 0 or a negative
 * ferry code and fills err with a message naming the store (s->where). */
struct store_ops {
	const char *name;  /* "sqlite", "postgresql" */
	/* Allocate the backend's store (its struct starts with struct ferry_store) and
	 * connect; `where` is a path or URL; `settings` gives the timeouts (never NULL).
	 * Migrations are store.c's job. */
	int (*open)(const char *where, int create, const struct ferry_settings *settings,
		    struct ferry_store **out, struct ferry_error *err);
	void (*close)(struct ferry_store *s);
	/* Run a script of one or more statements without arguments (migrations). */
	int (*exec)(struct ferry_store *s, const char *sql, struct ferry_error *err);
	/* Transactions. `rowlocks`: rely on row locks only (see ferry_store_begin_rowlocks). */
	int (*begin)(struct ferry_store *s, int rowlocks, struct ferry_error *err);
	int (*commit)(struct ferry_store *s, struct ferry_error *err);
	void (*rollback)(struct ferry_store *s);
	/* Outside a transaction: on = every commit synced before it returns (the default),
	 * off = commits not synced (a later synced commit syncs them with it). */
	int (*sync_commits)(struct ferry_store *s, int on, struct ferry_error *err);
	/* Prepare (and, for a client/server backend, run) one statement. */
	int (*query)(struct ferry_store *s, struct ferry_stmt **out, const char *sql,
		     const struct store_arg *args, int nargs, struct ferry_error *err);
	int (*step)(struct ferry_stmt *st, struct ferry_error *err);
	const char *(*text)(struct ferry_stmt *st, int col);
	int64_t (*int64)(struct ferry_stmt *st, int col);
	int (*is_null)(struct ferry_stmt *st, int col);
	/* Rows changed by this statement once stepped to its end. */
	int64_t (*changes)(struct ferry_stmt *st);
	void (*stmt_free)(struct ferry_stmt *st);
};

/* The common head of every backend's store and statement. */
struct ferry_store {
	const struct store_ops *ops;
	char *where;       /* path or URL with any password removed: for messages */
	int in_tx;
	int sync_deferred; /* ferry_store_defer_sync */
	int64_t changes;
	/* the fence (ferry_store_fence): checked first in every write transaction */
	char *fence_sql;
	char *fence_why;
	int64_t fence_a, fence_b;
	int fenced;        /* the fence refused once: it refuses for good */
};

struct ferry_stmt {
	struct ferry_store *s;
};

struct ferry_buf;
/* store_sql.c: translate portable SQL to a dialect (appends to out; 0 or FERRY_ENOMEM).
 * nparams gets the number of placeholders. */
int ferry_store_sql_pg(const char *sql, struct ferry_buf *out, int *nparams);
int ferry_store_sql_sqlite(const char *sql, struct ferry_buf *out);

extern const struct store_ops ferry_store_sqlite_ops;
extern const struct store_ops ferry_store_pg_ops;

/* The store-wide advisory lock key a PostgreSQL write transaction takes. */
#define FERRY_STORE_PG_LOCK 0x66657272790001LL

#endif
