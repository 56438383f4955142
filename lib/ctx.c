/* ctx.c: locating ferry's home, creating it, and opening its state store. */
#include "ferry/ctx.h"
#include "ferry/error.h"
#include "ferry/store.h"
#include "ferry/util.h"

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

int ferry_ctx_init_home(const char *home, struct ferry_error *err)
{
	struct ferry_store *s;
	char *db;
	int rc;

	if (ferry_mkdir_p(home, 0700, err))
		return ferry_error_prefix(err, "creating ferry home");
	db = store_locate(home);
	if (!db)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	rc = ferry_store_open(db, 1, &s, err);
	free(db);
	ferry_store_close(s);
	return rc;
}

int ferry_ctx_open(const char *home, struct ferry_ctx **out, struct ferry_error *err)
{
	struct ferry_ctx *ctx;
	struct stat st;
	char *db = NULL;
	int rc;

	*out = NULL;
	if (stat(home, &st) < 0 || !S_ISDIR(st.st_mode))
		return ferry_error_set(err, FERRY_ESTORE,
			"no ferry home at %s: run 'ferry init' to create it (or pass --home DIR / set FERRY_HOME)",
			home);
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	ctx->home = realpath(home, NULL);
	db = ctx->home ? store_locate(ctx->home) : NULL;
	if (!db) {
		ferry_ctx_free(ctx);
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	}
	rc = ferry_store_open(db, 0, &ctx->store, err);
	free(db);
	if (rc) {
		ferry_ctx_free(ctx);
		return rc;
	}
	ctx->actor = "cli";
	*out = ctx;
	return 0;
}

void ferry_ctx_free(struct ferry_ctx *ctx)
{
	if (!ctx)
		return;
	ferry_store_close(ctx->store);
	free(ctx->home);
	free(ctx);
}

char *ferry_ctx_path(const struct ferry_ctx *ctx, const char *rel)
{
	return ferry_path_join(ctx->home, rel);
}
