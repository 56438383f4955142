/* ctx.h: the context every libferry call works in: home directory and state store. */
#ifndef FERRY_CTX_H
#define FERRY_CTX_H

struct ferry_error;
struct ferry_store;

struct ferry_ctx {
	char *home;                 /* ferry's home directory (absolute) */
	struct ferry_store *store;  /* the state store, open and migrated */
	const char *actor;          /* who acts (CLI user, API token name); for audit */
};

/* Resolve the home directory: `opt` (--home), else $FERRY_HOME, else
 * $XDG_DATA_HOME/ferry, else ~/.local/share/ferry. Caller frees. */
char *ferry_home_resolve(const char *opt);

/* The state store is $FERRY_STORE when set (a path, or a postgresql:// URL; `ferry
 * --store URL` sets it) and <home>/ferry.db otherwise; files stay under home. */
/* Create home and store (idempotent). */
int ferry_ctx_init_home(const char *home, struct ferry_error *err);

/* Open an existing home; a missing home says how to create it. Caller frees with
 * ferry_ctx_free(). */
int ferry_ctx_open(const char *home, struct ferry_ctx **out, struct ferry_error *err);
void ferry_ctx_free(struct ferry_ctx *ctx);

/* "<home>/<rel>", caller frees; NULL on ENOMEM. */
char *ferry_ctx_path(const struct ferry_ctx *ctx, const char *rel);

#endif
