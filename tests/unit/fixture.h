/* SPDX-License-Identifier: MIT */
/* fixture.h: the scratch home most unit tests start from: a temporary directory, a
 * ferry home in it (SQLite store) opened with the given settings, optionally a project
 * and environments on the sample catalog. Header-only: each test is one .c file. */
#ifndef FERRY_TEST_FIXTURE_H
#define FERRY_TEST_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry/base/error.h"
#include "ferry/base/settings.h"
#include "ferry/base/util.h"
#include "ferry/project/env.h"
#include "ferry/project/project.h"
#include "ferry/registry/registry.h"
#include "ferry/store/ctx.h"

struct ufx {
	char dir[256];
	char home[300];
	struct ferry_ctx *ctx;
	struct ferry_error err;
};

/* A scratch home; kv is NULL or "key", "value", ..., NULL settings to open it with. */
static inline struct ufx *ufx_new(const char *name, const char *const *kv)
{
	struct ufx *f = calloc(1, sizeof(*f));
	struct ferry_settings s;
	size_t i;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "%s/ferry-ut-%s.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
		 name);
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->home, sizeof(f->home), "%s/home", f->dir);
	ferry_settings_init(&s);
	assert_int_equal(ferry_settings_set(&s, "home", f->home, &f->err), 0);
	/* ASan reserves terabytes of address space: the sandbox's limit would stop the
	 * (instrumented) sample application before it starts */
	assert_int_equal(ferry_settings_set(&s, "sandbox-memory", "off", &f->err), 0);
	for (i = 0; kv && kv[i]; i += 2)
		if (ferry_settings_set(&s, kv[i], kv[i + 1], &f->err))
			fail_msg("setting %s: %s", kv[i], f->err.msg);
	assert_int_equal(ferry_ctx_init_home(&s, &f->err), 0);
	assert_int_equal(ferry_ctx_open(&s, &f->ctx, &f->err), 0);
	ferry_settings_release(&s);
	ferry_error_clear(&f->err);
	return f;
}

/* Create the home `home` and open it, with default settings otherwise (no sandbox memory
 * limit: ASan builds reserve terabytes of address space). */
static inline void ufx_open_home(const char *home, struct ferry_ctx **ctx)
{
	struct ferry_settings s;
	struct ferry_error err;

	ferry_settings_init(&s);
	assert_int_equal(ferry_settings_set(&s, "home", home, &err), 0);
	assert_int_equal(ferry_settings_set(&s, "sandbox-memory", "off", &err), 0);
	assert_int_equal(ferry_ctx_init_home(&s, &err), 0);
	assert_int_equal(ferry_ctx_open(&s, ctx, &err), 0);
	ferry_settings_release(&s);
}

/* Project p (finance-operations) with environments named in envs ("name:role"),
 * on release 7.3 / PU12. */
static inline void ufx_project(struct ufx *f, const char *p, const char *const *envs)
{
	size_t i;

	assert_int_equal(ferry_project_create(f->ctx, p, "finance-operations", "", &f->err), 0);
	for (i = 0; envs && envs[i]; i++) {
		char name[64], *role;
		struct ferry_env_spec e = { name, p, NULL, NULL, "7.3", "PU12" };
		snprintf(name, sizeof(name), "%s", envs[i]);
		role = strchr(name, ':');
		assert_non_null(role);
		*role++ = '\0';
		e.role = role;
		if (ferry_env_create(f->ctx, &e, &f->err))
			fail_msg("env %s: %s", name, f->err.msg);
	}
}

static inline void ufx_free(struct ufx *f)
{
	if (!f)
		return;
	ferry_ctx_free(f->ctx);
	ferry_rm_rf(f->dir, NULL);
	free(f);
}

/* Write text to path (0644); fails the test on error. */
static inline void ufx_put(const char *path, const char *text)
{
	struct ferry_error err;

	if (ferry_write_file_atomic(path, text, strlen(text), 0644, &err))
		fail_msg("%s", err.msg);
}

#endif
