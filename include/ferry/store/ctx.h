/* SPDX-License-Identifier: MIT */
/* ctx.h: the context every libferry call works in: settings, home directory and state
 * store. */
#ifndef FERRY_CTX_H
#define FERRY_CTX_H

#include <stddef.h>

#include "ferry/base/settings.h"

struct ferry_error;
struct ferry_store;
struct ferry_migrations;
struct ferry_op_kind;

struct ferry_ctx {
	struct ferry_settings settings; /* the context's own copy of what it was opened with */
	char *home;                 /* ferry's home directory (absolute) */
	char *store_where;          /* where the store is (path or postgresql:// URL) */
	struct ferry_store *store;  /* the state store, open and migrated */
	const char *actor;          /* who acts (CLI user, API token name); for audit */
	const struct ferry_migrations *const *schema;  /* the components' tables */
	const struct ferry_op_kind *const *op_kinds;   /* the operation kinds it runs */
};

/* The home is settings->home (the faces fill it: --home, FERRY_HOME, else
 * ferry_settings_home_default()). The state store is settings->store when set (a path,
 * or a postgresql:// URL; `ferry --store URL`) and <home>/ferry.db otherwise; files
 * stay under home. */
/* Create home and store (idempotent), migrating `schema`. Faces call
 * ferry_ctx_init_home() (ferry/registry/registry.h), which passes every component's. */
int ferry_ctx_init_home_with(const struct ferry_settings *settings,
			     const struct ferry_migrations *const *schema, struct ferry_error *err);

/* Open an existing home and migrate `schema`; a missing home says how to create it.
 * The context keeps a copy of settings. Caller frees with ferry_ctx_free(). Faces call
 * ferry_ctx_open() (the registry). */
int ferry_ctx_open_with(const struct ferry_settings *settings,
			const struct ferry_migrations *const *schema,
			const struct ferry_op_kind *const *op_kinds, struct ferry_ctx **out,
			struct ferry_error *err);
/* A second context on the same home and store (its own connection, e.g. for a
 * heartbeat thread), with the same settings and components; nothing is migrated again. */
int ferry_ctx_reopen(const struct ferry_ctx *ctx, struct ferry_ctx **out, struct ferry_error *err);
void ferry_ctx_free(struct ferry_ctx *ctx);

/* The home (0700) and the SQLite store files (ferry.db, -wal, -shm, -journal: 0600)
 * are private to their owner; ferry_ctx_init_home_with() makes them so. Returns how
 * many of them others may read or enter (0: all private) and, when there are some,
 * puts a warning naming each with its mode and the fix into msg (may be NULL). The
 * faces call it at start and print the warning. */
int ferry_ctx_check_private(const struct ferry_ctx *ctx, char *msg, size_t cap);

/* "<home>/<rel>", caller frees; NULL on ENOMEM. */
char *ferry_ctx_path(const struct ferry_ctx *ctx, const char *rel);

#endif
