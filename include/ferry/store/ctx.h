/* ctx.h: the context every libferry call works in: home directory and state store. */
#ifndef FERRY_CTX_H
#define FERRY_CTX_H

struct ferry_error;
struct ferry_store;
struct ferry_migrations;
struct ferry_op_kind;

struct ferry_ctx {
	char *home;                 /* ferry's home directory (absolute) */
	char *store_where;          /* where the store is (path or postgresql:// URL) */
	struct ferry_store *store;  /* the state store, open and migrated */
	const char *actor;          /* who acts (CLI user, API token name); for audit */
	const struct ferry_migrations *const *schema;  /* the components' tables */
	const struct ferry_op_kind *const *op_kinds;   /* the operation kinds it runs */
};

/* Resolve the home directory: `opt` (--home), else $FERRY_HOME, else
 * $XDG_DATA_HOME/ferry, else ~/.local/share/ferry. Caller frees. */
char *ferry_home_resolve(const char *opt);

/* The state store is $FERRY_STORE when set (a path, or a postgresql:// URL; `ferry
 * --store URL` sets it) and <home>/ferry.db otherwise; files stay under home. */
/* Create home and store (idempotent), migrating `schema`. Faces call
 * ferry_ctx_init_home() (ferry/registry/registry.h), which passes every component's. */
int ferry_ctx_init_home_with(const char *home, const struct ferry_migrations *const *schema,
			     struct ferry_error *err);

/* Open an existing home and migrate `schema`; a missing home says how to create it.
 * Caller frees with ferry_ctx_free(). Faces call ferry_ctx_open() (the registry). */
int ferry_ctx_open_with(const char *home, const struct ferry_migrations *const *schema,
			const struct ferry_op_kind *const *op_kinds, struct ferry_ctx **out,
			struct ferry_error *err);
/* A second context on the same home and store (its own connection, e.g. for a
 * heartbeat thread), with the same components; nothing is migrated again. */
int ferry_ctx_reopen(const struct ferry_ctx *ctx, struct ferry_ctx **out, struct ferry_error *err);
void ferry_ctx_free(struct ferry_ctx *ctx);

/* "<home>/<rel>", caller frees; NULL on ENOMEM. */
char *ferry_ctx_path(const struct ferry_ctx *ctx, const char *rel);

#endif
