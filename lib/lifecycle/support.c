/* SPDX-License-Identifier: MIT */
/* support.c: the support bundle of an environment (see support.h): everything support
 * asks for first, gathered from the library's own views, secrets scrubbed, written as
 * one tar.zst by libarchive into a temporary file and renamed into place. */
#include "ferry/lifecycle/support.h"

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/base/version.h"
#include "ferry/catalog/catalog.h"
#include "ferry/lifecycle/env_view.h"
#include "ferry/ops/op.h"
#include "ferry/project/env.h"
#include "ferry/runtime/runtime.h"
#include "ferry/store/audit.h"
#include "ferry/store/ctx.h"

#include "package/archive_sym.h"
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define DAEMON_LOG_TAIL (256 * 1024)

static int secret_name(const char *k)
{
	static const char *const words[] = { "password", "passwd", "secret", "token", "credential",
					     "private", "apikey", "api_key", "key", NULL };
	size_t i;

	for (i = 0; words[i]; i++)
		if (strcasestr(k, words[i]) && strcasecmp(k, "keyid") && strcasecmp(k, "key_id") &&
		    strcasecmp(k, "keys"))
			return 1;
	return 0;
}

/* "scheme://user:password@host" -> "scheme://user:***@host"; NULL when nothing to hide. */
static char *scrub_url(const char *s)
{
	const char *sep = strstr(s, "://"), *at, *colon;
	struct ferry_buf b = FERRY_BUF_INIT;

	if (!sep || !(at = strchr(sep + 3, '@')) || !(colon = memchr(sep + 3, ':', (size_t)(at - sep - 3))))
		return NULL;
	ferry_buf_add(&b, s, (size_t)(colon + 1 - s));
	ferry_buf_adds(&b, "***");
	ferry_buf_adds(&b, at);
	return ferry_buf_detach(&b);
}

void ferry_support_scrub(json_t *v)
{
	const char *k;
	json_t *m;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach(v, k, m) {
			if (secret_name(k) && (json_is_string(m) || json_is_number(m)))
				json_object_set_new(v, k, json_string("***"));
			else
				ferry_support_scrub(m);
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, m)
			ferry_support_scrub(m);
	} else if (json_is_string(v)) {
		char *s = scrub_url(json_string_value(v));
		if (s)
			json_string_set(v, s);
		free(s);
	}
}

struct bundle {
	struct archive *a;
	json_t *files;
	int64_t mtime;
	int failed;
	char msg[256];
};

static void put(struct bundle *b, const char *name, const void *data, size_t len)
{
	struct archive_entry *e;

	if (b->failed || !(e = archive_entry_new()))
		return;
	archive_entry_set_pathname(e, name);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0600);
	archive_entry_set_mtime(e, (time_t)(b->mtime / 1000), 0);
	if (archive_write_header(b->a, e) != ARCHIVE_OK ||
	    (len && archive_write_data(b->a, data, len) != (la_ssize_t)len)) {
		b->failed = 1;
		snprintf(b->msg, sizeof(b->msg), "%s", archive_error_string(b->a));
	}
	archive_entry_free(e);
	json_array_append_new(b->files, json_string(name));
}

/* A JSON member of the bundle, scrubbed; steals v. */
static void put_json(struct bundle *b, const char *name, json_t *v)
{
	char *s;

	if (!v)
		return;
	ferry_support_scrub(v);
	s = json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (s)
		put(b, name, s, strlen(s));
	free(s);
	json_decref(v);
}

static void put_ops(struct bundle *b, struct ferry_ctx *ctx, const char *env, int limit)
{
	json_t *ops = NULL, *o, *full = json_array();
	struct ferry_op *op;
	char name[96], *log;
	size_t i;

	if (ferry_op_list(ctx, env, limit, &ops, NULL)) {
		json_decref(full);
		return;
	}
	json_array_foreach(ops, i, o) {
		const char *id = json_string_value(json_object_get(o, "activity_id"));
		json_t *j = NULL;
		if (!id || ferry_op_find(ctx, id, &op, NULL))
			continue;
		if (!ferry_op_to_json(ctx, op, 1, 0, &j, NULL))
			json_array_append_new(full, j);
		if (!ferry_op_log_text(ctx, op, NULL, &log, NULL)) {
			snprintf(name, sizeof(name), "logs/%s.log", id);
			put(b, name, log, strlen(log));
			free(log);
		}
		ferry_op_free(op);
	}
	json_decref(ops);
	put_json(b, "operations.json", full);
}

static void put_runtimes(struct bundle *b, struct ferry_ctx *ctx, const char *env)
{
	static const char *const slots[] = { FERRY_SLOT_MAIN, FERRY_SLOT_UPGRADE };
	struct ferry_runtime *rt;
	struct ferry_buf log = FERRY_BUF_INIT;
	char name[64];
	size_t i;
	json_t *cfg;

	for (i = 0; i < 2; i++) {
		if (ferry_runtime_open(ctx, env, slots[i], 0, &rt, NULL))
			continue;
		if (!ferry_runtime_config_get(rt, &cfg, NULL)) {
			snprintf(name, sizeof(name), "config/%s.json", slots[i]);
			put_json(b, name, cfg);
		}
		ferry_buf_reset(&log);
		if (!ferry_runtime_log_tail(rt, 2000, &log, NULL) && log.len) {
			snprintf(name, sizeof(name), "app-%s.log", slots[i]);
			put(b, name, log.data, log.len);
		}
		ferry_runtime_free(rt);
	}
	ferry_buf_release(&log);
}

static void put_file_tail(struct bundle *b, const char *name, const char *path, size_t max)
{
	struct ferry_buf f = FERRY_BUF_INIT;

	if (path && !ferry_buf_read_file(&f, path) && f.data) {
		size_t from = f.len > max ? f.len - max : 0;
		put(b, name, f.data + from, f.len - from);
	}
	ferry_buf_release(&f);
}

static void put_all(struct bundle *b, struct ferry_ctx *ctx, const struct ferry_env *e,
		    const struct ferry_support_opts *o)
{
	struct ferry_audit_query q = { e->project, NULL, 0, 0, o->audit_rows ? o->audit_rows : 200 };
	char *catpath = NULL;
	json_t *v = NULL;

	if (!ferry_env_view(ctx, e->name, NULL, &v, NULL))
		put_json(b, "environment.json", v);
	put_runtimes(b, ctx, e->name);
	put_ops(b, ctx, e->name, o->ops ? o->ops : 20);
	if (!ferry_audit_list(ctx, &q, &v, NULL))
		put_json(b, "audit.json", v);
	if (!ferry_catalog_find(&ctx->settings, e->product, &catpath, NULL))
		put_file_tail(b, "catalog.json", catpath, 16u << 20);
	free(catpath);
	put_file_tail(b, "ferryd.log", o->daemon_log, DAEMON_LOG_TAIL);
}

static int sha256_file(const char *path, char hex[65], int64_t *bytes)
{
	crypto_hash_sha256_state st;
	unsigned char buf[65536], h[32];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	*bytes = 0;
	crypto_hash_sha256_init(&st);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		crypto_hash_sha256_update(&st, buf, (unsigned long long)n);
		*bytes += n;
	}
	close(fd);
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(hex, 65, h, sizeof(h));
	return n < 0 ? -1 : 0;
}

/* The default place: <home>/support/<env>-<UTC time>.tar.zst. */
static char *default_path(struct ferry_ctx *ctx, const char *env, int64_t now, struct ferry_error *err)
{
	char *dir = ferry_path_join(ctx->home, "support"), when[32], name[128];
	char *p;

	if (!dir || ferry_mkdir_p(dir, 0700, err)) {
		free(dir);
		return NULL;
	}
	ferry_time_iso(now, when);
	snprintf(name, sizeof(name), "%s-%.4s%.2s%.2s-%.2s%.2s%.2s.tar.zst", env, when, when + 5,
		 when + 8, when + 11, when + 14, when + 17);
	p = ferry_path_join(dir, name);
	free(dir);
	return p;
}

int ferry_support_bundle(struct ferry_ctx *ctx, const char *env, const struct ferry_support_opts *opts,
			 json_t **summary, struct ferry_error *err)
{
	struct ferry_support_opts none = { 0 };
	struct bundle b = { 0 };
	struct ferry_env e;
	char *path = NULL, *tmp = NULL, hex[65];
	int64_t bytes = 0;
	int rc;

	if (summary)
		*summary = NULL;
	if (!opts)
		opts = &none;
	if ((rc = ferry_archive_load(err)) || (rc = ferry_env_get(ctx, env, &e, err)))
		return rc;
	b.mtime = ferry_now_ms();
	path = opts->out ? strdup(opts->out) : default_path(ctx, e.name, b.mtime, err);
	if (!path)
		return err && err->msg[0] ? FERRY_EIO : ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	if (!(tmp = malloc(strlen(path) + 8))) {
		free(path);
		return ferry_error_set(err, FERRY_ENOMEM, "out of memory");
	}
	snprintf(tmp, strlen(path) + 8, "%s.tmp", path);
	b.files = json_array();
	b.a = archive_write_new();
	if (!b.a || archive_write_set_format_pax_restricted(b.a) != ARCHIVE_OK ||
	    archive_write_add_filter_zstd(b.a) != ARCHIVE_OK ||
	    archive_write_open_filename(b.a, tmp) != ARCHIVE_OK) {
		rc = ferry_error_set(err, FERRY_EIO, "cannot write the support bundle %s: %s", path,
				     b.a ? archive_error_string(b.a) : "out of memory");
		goto out;
	}
	put_all(&b, ctx, &e, opts);
	put_json(&b, "manifest.json", json_pack("{s:s, s:s, s:s, s:I, s:O}", "ferry", FERRY_VERSION,
		 "environment", e.name, "project", e.project, "created_ms", (json_int_t)b.mtime,
		 "files", b.files));
	if (archive_write_close(b.a) != ARCHIVE_OK || b.failed) {
		rc = ferry_error_set(err, FERRY_EIO, "cannot write the support bundle %s: %s", path,
				     b.failed ? b.msg : archive_error_string(b.a));
		goto out;
	}
	if (rename(tmp, path) || sha256_file(path, hex, &bytes)) {
		rc = ferry_error_errno(err, FERRY_EIO, errno, "cannot write the support bundle %s", path);
		goto out;
	}
	if (summary)
		*summary = json_pack("{s:s, s:s, s:I, s:O}", "path", path, "sha256", hex, "bytes",
				     (json_int_t)bytes, "files", b.files);
	rc = 0;
out:
	if (b.a)
		archive_write_free(b.a);
	if (rc)
		unlink(tmp);
	json_decref(b.files);
	free(tmp);
	free(path);
	return rc;
}
