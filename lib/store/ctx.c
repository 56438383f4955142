/* SPDX-License-Identifier: MIT */
/* ctx.c: the context: the settings it was opened with, ferry's home (created by init,
 * private to its owner) and its open state store. */
#include "ferry/store/ctx.h"
#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/store/store.h"
#include "ferry/base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STORE_FILE "ferry.db"

/* Where the state store is: settings->store (a path or a postgresql:// URL; the CLI
 * sets it from --store or FERRY_STORE) or else <home>/ferry.db. Caller frees. */
static char *store_locate(const struct ferry_settings *s, const char *home)
{
	if (s->store && *s->store)
		return strdup(s->store);
	return ferry_path_join(home, STORE_FILE);
}

static int home_given(const struct ferry_settings *s, struct ferry_error *err)
{
	if (!s || !s->home || !*s->home)
		return ferry_error_set(err, FERRY_EINVAL,
			"no ferry home given: pass --home DIR or set FERRY_HOME");
	return 0;
}

/* A store file ferry creates is its owner's alone: create it empty with mode 0600
 * before the store opens it (SQLite gives -wal, -shm and -journal the database's mode). */
static int store_file_create(const char *db, struct ferry_error *err)
{
	int fd;

	if (ferry_store_is_pg(db) || ferry_path_exists(db))
		return 0;
	fd = open(db, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 && errno != EEXIST)
		return ferry_error_errno(err, FERRY_ESTORE, errno, "cannot create the state store %s", db);
	if (fd >= 0)
		close(fd);
	return 0;
}

int ferry_ctx_init_home_with(const struct ferry_settings *settings,
			     const struct ferry_migrations *const *schema, struct ferry_error *err)
{
	struct ferry_store *s;
	char *db;
	int rc;

	if ((rc = home_given(settings, err)))
		return rc;
	if (ferry_mkdir_p(settings->home, 0700, err))
		return ferry_error_prefix(err, "creating ferry home");
	if (chmod(settings->home, 0700) < 0)   /* init makes an existing home private too */
		return ferry_error_errno(err, FERRY_EIO, errno, "cannot make the ferry home %s private (0700)",
					 settings->home);
	db = store_locate(settings, settings->home);
	if (!db)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if ((rc = store_file_create(db, err))) {
		free(db);
		return rc;
	}
	rc = ferry_store_open(db, 1, schema, settings, &s, err);
	free(db);
	ferry_store_close(s);
	return rc;
}

static int ctx_new(const struct ferry_settings *settings, const char *home, const char *where,
		   const struct ferry_migrations *const *schema,
		   const struct ferry_op_kind *const *op_kinds, int migrate,
		   struct ferry_ctx **out, struct ferry_error *err)
{
	struct ferry_ctx *ctx = calloc(1, sizeof(*ctx));
	int rc;

	if (!ctx)
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if ((rc = ferry_settings_copy(&ctx->settings, settings, err))) {
		free(ctx);
		return rc;
	}
	ctx->home = realpath(home, NULL);
	free(ctx->settings.home);  /* the copy names the home as the context does: absolute */
	ctx->settings.home = ctx->home ? strdup(ctx->home) : NULL;
	ctx->store_where = where ? strdup(where)
				 : ctx->home ? store_locate(&ctx->settings, ctx->home) : NULL;
	if (!ctx->home || !ctx->settings.home || !ctx->store_where) {
		ferry_ctx_free(ctx);
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	}
	ctx->schema = schema;
	ctx->op_kinds = op_kinds;
	rc = ferry_store_open(ctx->store_where, 0, migrate ? schema : NULL, &ctx->settings,
			      &ctx->store, err);
	if (rc) {
		ferry_ctx_free(ctx);
		return rc;
	}
	ctx->actor = "cli";
	*out = ctx;
	return 0;
}

int ferry_ctx_open_with(const struct ferry_settings *settings,
			const struct ferry_migrations *const *schema,
			const struct ferry_op_kind *const *op_kinds, struct ferry_ctx **out,
			struct ferry_error *err)
{
	struct stat st;
	int rc;

	*out = NULL;
	if ((rc = home_given(settings, err)))
		return rc;
	if (stat(settings->home, &st) < 0 || !S_ISDIR(st.st_mode))
		return ferry_error_set(err, FERRY_ESTORE,
			"no ferry home at %s: run 'ferry init' to create it (or pass --home DIR / set FERRY_HOME)",
			settings->home);
	return ctx_new(settings, settings->home, NULL, schema, op_kinds, 1, out, err);
}

int ferry_ctx_reopen(const struct ferry_ctx *ctx, struct ferry_ctx **out, struct ferry_error *err)
{
	*out = NULL;
	return ctx_new(&ctx->settings, ctx->home, ctx->store_where, ctx->schema, ctx->op_kinds, 0,
		       out, err);
}

void ferry_ctx_free(struct ferry_ctx *ctx)
{
	if (!ctx)
		return;
	ferry_store_close(ctx->store);
	free(ctx->store_where);
	free(ctx->home);
	ferry_settings_release(&ctx->settings);
	free(ctx);
}

char *ferry_ctx_path(const struct ferry_ctx *ctx, const char *rel)
{
	return ferry_path_join(ctx->home, rel);
}

/* Append "PATH is MODE" for a path others may read or enter; 1 when it was loose. */
static int loose(const char *path, struct ferry_buf *b)
{
	struct stat st;

	if (stat(path, &st) < 0)   /* -wal, -shm, -journal come and go */
		return 0;
	if (!(st.st_mode & 077))
		return 0;
	ferry_buf_addf(b, "%s%s is mode %04o", b->len ? ", " : "", path, (unsigned)(st.st_mode & 07777));
	return 1;
}

int ferry_ctx_check_private(const struct ferry_ctx *ctx, char *msg, size_t cap)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	struct ferry_buf b = FERRY_BUF_INIT;
	char path[PATH_MAX];
	size_t i;
	int pg = ferry_store_is_pg(ctx->store_where), n;

	if (msg && cap)
		msg[0] = '\0';
	n = loose(ctx->home, &b);
	for (i = 0; !pg && i < sizeof(sfx) / sizeof(sfx[0]); i++)
		if ((size_t)snprintf(path, sizeof(path), "%s%s", ctx->store_where, sfx[i]) < sizeof(path))
			n += loose(path, &b);
	if (n && msg && cap)
		snprintf(msg, cap, "%s: other local users can read ferry's state (token hashes, the audit "
			 "log, operation parameters, keys); make it private: chmod 700 %s%s%s%s",
			 b.data ? b.data : "", ctx->home, pg ? "" : "; chmod 600 ", pg ? "" : ctx->store_where,
			 pg ? "" : "*");
	ferry_buf_release(&b);
	return n;
}
