/* ctx.c: locating ferry's home, creating it, and opening its state store. */
#include "ferry/store/ctx.h"
#include "ferry/base/error.h"
#include "ferry/store/store.h"
#include "ferry/base/util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STORE_FILE "ferry.db"

/* Where the state store is: $FERRY_STORE (a path or a postgresql:// URL; the CLI
 * sets it from --store) or else <home>/ferry.db. Caller frees. */
static char *store_locate(const char *home)
{
	const char *v = getenv("FERRY_STORE");

	if (v && *v)
		return strdup(v);
	return ferry_path_join(home, STORE_FILE);
}

char *ferry_home_resolve(const char *opt)
{
	const char *v;
	char buf[PATH_MAX];

	if (opt && *opt)
		return strdup(opt);
	if ((v = getenv("FERRY_HOME")) && *v)
		return strdup(v);
	if ((v = getenv("XDG_DATA_HOME")) && *v) {
		snprintf(buf, sizeof(buf), "%s/ferry", v);
		return strdup(buf);
	}
	v = getenv("HOME");
	snprintf(buf, sizeof(buf), "%s/.local/share/ferry", v && *v ? v : ".");
	return strdup(buf);
}

int ferry_ctx_init_home_with(const char *home, const struct ferry_migrations *const *schema,
			     struct ferry_error *err)
{
	struct ferry_store *s;
	char *db;
	int rc;

	if (ferry_mkdir_p(home, 0700, err))
		return ferry_error_prefix(err, "creating ferry home");
	db = store_locate(home);
	if (!db)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	rc = ferry_store_open(db, 1, schema, &s, err);
	free(db);
	ferry_store_close(s);
	return rc;
}

static int ctx_new(const char *home, const char *where, const struct ferry_migrations *const *schema,
		   const struct ferry_op_kind *const *op_kinds, int migrate,
		   struct ferry_ctx **out, struct ferry_error *err)
{
	struct ferry_ctx *ctx = calloc(1, sizeof(*ctx));
	int rc;

	if (!ctx)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	ctx->home = realpath(home, NULL);
	ctx->store_where = where ? strdup(where) : ctx->home ? store_locate(ctx->home) : NULL;
	if (!ctx->home || !ctx->store_where) {
		ferry_ctx_free(ctx);
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	}
	ctx->schema = schema;
	ctx->op_kinds = op_kinds;
	rc = ferry_store_open(ctx->store_where, 0, migrate ? schema : NULL, &ctx->store, err);
	if (rc) {
		ferry_ctx_free(ctx);
		return rc;
	}
	ctx->actor = "cli";
	*out = ctx;
	return 0;
}

int ferry_ctx_open_with(const char *home, const struct ferry_migrations *const *schema,
			const struct ferry_op_kind *const *op_kinds, struct ferry_ctx **out,
			struct ferry_error *err)
{
	struct stat st;

	*out = NULL;
	if (stat(home, &st) < 0 || !S_ISDIR(st.st_mode))
		return ferry_error_set(err, FERRY_ESTORE,
			"no ferry home at %s: run 'ferry init' to create it (or pass --home DIR / set FERRY_HOME)",
			home);
	return ctx_new(home, NULL, schema, op_kinds, 1, out, err);
}

int ferry_ctx_reopen(const struct ferry_ctx *ctx, struct ferry_ctx **out, struct ferry_error *err)
{
	*out = NULL;
	return ctx_new(ctx->home, ctx->store_where, ctx->schema, ctx->op_kinds, 0, out, err);
}

void ferry_ctx_free(struct ferry_ctx *ctx)
{
	if (!ctx)
		return;
	ferry_store_close(ctx->store);
	free(ctx->store_where);
	free(ctx->home);
	free(ctx);
}

char *ferry_ctx_path(const struct ferry_ctx *ctx, const char *rel)
{
	return ferry_path_join(ctx->home, rel);
}
