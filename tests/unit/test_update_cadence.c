/* SPDX-License-Identifier: MIT */
/* test_update_cadence.c: service updates on a cadence with a fake clock: ten months of
 * calendar in a second. The scheduler (ferry_update_tick) is driven every six hours with
 * a start hook that runs a real operation (op.selftest) on the environment; checked:
 * notices come notify_days ahead, the sandbox is updated in its window before
 * production, production only after the sandbox succeeded (release-candidate rule:
 * held after a failed sandbox), a paused update is skipped, two pauses in a row are
 * refused with the rule named, the pause role is enforced, and the calendar. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ferry/base/error.h"
#include "ferry/base/util.h"
#include "ferry/catalog/catalog.h"
#include "ferry/lifecycle/update_cadence.h"
#include "ferry/ops/op.h"
#include "ferry/project/env.h"
#include "ferry/project/project.h"
#include "ferry/registry/registry.h"
#include "ferry/store/ctx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct fx {
	char dir[256];
	struct ferry_ctx *ctx;
	const char *fail_version;  /* the start hook's operation fails for this update */
	struct { char env[16], ref[64]; int64_t at; } starts[32];
	int nstarts;
	int64_t now;
};

static int64_t at(const char *iso)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	assert_non_null(strptime(iso, "%Y-%m-%dT%H:%M", &tm));
	return (int64_t)timegm(&tm) * 1000;
}

/* The hook: a real operation on the environment, run to its end. */
static int start(void *arg, struct ferry_ctx *ctx, const char *project, const char *env,
		 const char *ref, char activity[37], struct ferry_error *err)
{
	struct fx *f = arg;
	struct ferry_op_spec spec = { "op.selftest", env, NULL, NULL };
	struct ferry_op *op = NULL;
	int rc;

	(void)project;
	spec.params = json_pack("{s:s}", "dir", f->dir);
	json_object_set_new(spec.params, "dir", json_sprintf("%s/%s-%d", f->dir, env, f->nstarts));
	if (f->fail_version && strstr(ref, f->fail_version))
		json_object_set_new(spec.params, "fail_at", json_string("work"));
	rc = ferry_op_create(ctx, &spec, &op, err);
	json_decref(spec.params);
	if (rc)
		return rc;
	snprintf(activity, 37, "%s", op->activity_id);
	if (ferry_op_run(ctx, op->activity_id, NULL, NULL)) /* an operator gives a failed one up */
		ferry_op_abort(ctx, op->activity_id, NULL);
	ferry_op_free(op);
	assert_true(f->nstarts < 32);
	snprintf(f->starts[f->nstarts].env, 16, "%s", env);
	snprintf(f->starts[f->nstarts].ref, 64, "%s", ref);
	f->starts[f->nstarts++].at = f->now;
	return 0;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct ferry_env_spec sbx = { "sbx", "contoso", "sandbox", NULL, "7.3", "PU12" };
	struct ferry_env_spec prod = { "prod", "contoso", "production", NULL, "7.3", "PU12" };
	struct ferry_settings s;
	struct ferry_error err;
	char home[300];

	snprintf(f->dir, sizeof(f->dir), "%s/ferry-test-uc.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	snprintf(home, sizeof(home), "%s/home", f->dir);
	ferry_settings_init(&s);
	assert_int_equal(ferry_settings_set(&s, "home", home, &err), 0);
	assert_int_equal(ferry_ctx_init_home(&s, &err), 0);
	assert_int_equal(ferry_ctx_open(&s, &f->ctx, &err), 0);
	ferry_settings_release(&s);
	assert_int_equal(ferry_project_create(f->ctx, "contoso", "finance-operations", "", &err), 0);
	assert_int_equal(ferry_env_create(f->ctx, &sbx, &err), 0);
	assert_int_equal(ferry_env_create(f->ctx, &prod, &err), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	ferry_ctx_free(f->ctx);
	ferry_rm_rf(f->dir, NULL);
	free(f);
	return 0;
}

static void enable(struct fx *f, int64_t now)
{
	struct ferry_update_settings s;
	struct ferry_error err;

	ferry_error_clear(&err);
	assert_int_equal(ferry_update_settings_get(f->ctx, "contoso", &s, &err), 0);
	snprintf(s.package, sizeof(s.package), "ledger-service-update");
	snprintf(s.window, sizeof(s.window), "sat 00:00 8h");
	s.enabled = 1;
	assert_int_equal(ferry_update_settings_set(f->ctx, "contoso", &s, now, &err), 0);
}

/* Count report rows with this action (and version, env when given). */
static int count(const json_t *all, const char *action, const char *version, const char *env)
{
	const json_t *r;
	size_t i;
	int n = 0;

	json_array_foreach(all, i, r)
		n += !strcmp(json_string_value(json_object_get(r, "action")), action) &&
		     (!version || !strcmp(json_string_value(json_object_get(r, "version")), version)) &&
		     (!env || !strcmp(json_string_value(json_object_get(r, "env")), env));
	return n;
}

/* Run the scheduler every six hours (within each 8 h window) from `from` to `to`; every
 * report row gathered. The catalog is read once (hooks.catalog) as a long run may: each
 * tick plans from it with the real store and scheduling code. */
static json_t *run_months(struct fx *f, int64_t from, int64_t to)
{
	struct ferry_update_hooks h = { start, f, NULL };
	struct ferry_catalog *cat = NULL;
	struct ferry_error err;
	json_t *all = json_array(), *rep;

	ferry_error_clear(&err);
	assert_int_equal(ferry_catalog_open(f->ctx, "finance-operations", &cat, &err), 0);
	h.catalog = cat;
	for (f->now = from; f->now < to; f->now += 6 * 3600000) {
		rep = NULL;
		ferry_error_clear(&err);
		assert_int_equal(ferry_update_tick(f->ctx, f->now, &h, &rep, &err), 0);
		json_array_extend(all, rep);
		json_decref(rep);
	}
	ferry_catalog_free(cat);
	return all;
}

static void test_cadence_months(void **state)
{
	struct fx *f = *state;
	struct ferry_error err;
	char v[32];
	json_t *all;
	time_t t0 = time(NULL);
	int i;

	enable(f, at("2025-12-01T00:00"));
	ferry_error_clear(&err);
	/* 10.0.1 paused ahead; 10.0.2 may not be paused as well (one in a row) */
	assert_int_equal(ferry_update_pause(f->ctx, "contoso", "10.0.1", "t", FERRY_TOKEN_ADMIN,
					    at("2025-12-01T00:00"), v, &err), 0);
	assert_int_equal(ferry_update_pause(f->ctx, "contoso", "10.0.2", "t", FERRY_TOKEN_ADMIN,
					    at("2025-12-01T00:00"), v, &err), FERRY_EREFUSED);
	assert_non_null(strstr(err.msg, "max_consecutive_pauses"));
	assert_int_equal(ferry_update_pause(f->ctx, "contoso", "10.0.3", "t", FERRY_TOKEN_OPERATOR,
					    at("2025-12-01T00:00"), v, &err), FERRY_EREFUSED);
	assert_non_null(strstr(err.msg, "admin role"));
	f->fail_version = "10.0.2"; /* the sandbox fails 10.0.2: production must not take it */

	all = run_months(f, at("2026-01-01T00:00"), at("2026-10-31T00:00"));

	/* 10.0.0 (GA 2026-01-15, production sat 2026-01-17 00:00, sandbox 2026-01-10 00:00) */
	assert_int_equal(count(all, "notified", "10.0.0", "sbx"), 1);
	assert_int_equal(count(all, "notified", "10.0.0", "prod"), 1);
	assert_int_equal(count(all, "succeeded", "10.0.0", "sbx"), 1);
	assert_int_equal(count(all, "succeeded", "10.0.0", "prod"), 1);
	assert_string_equal(f->starts[0].env, "sbx");
	assert_string_equal(f->starts[0].ref, "ledger-service-update@10.0.0");
	assert_int_equal(f->starts[0].at, at("2026-01-10T00:00"));
	assert_string_equal(f->starts[1].env, "prod");
	assert_int_equal(f->starts[1].at, at("2026-01-17T00:00"));
	/* 10.0.1: paused, nothing at all */
	assert_int_equal(count(all, "notified", "10.0.1", NULL) + count(all, "started", "10.0.1", NULL), 0);
	/* 10.0.2: the sandbox failed, production held by the release-candidate rule */
	assert_int_equal(count(all, "failed", "10.0.2", "sbx"), 1);
	assert_int_equal(count(all, "held", "10.0.2", "prod"), 1);
	assert_int_equal(count(all, "started", "10.0.2", "prod"), 0);
	/* 10.0.3 (GA 2026-10-15): both, the sandbox first */
	assert_int_equal(count(all, "succeeded", "10.0.3", "sbx"), 1);
	assert_int_equal(count(all, "succeeded", "10.0.3", "prod"), 1);
	assert_int_equal(f->nstarts, 5);
	for (i = 0; i < f->nstarts; i++) /* never production before a sandbox of the same update */
		if (!strcmp(f->starts[i].env, "prod"))
			assert_string_equal(f->starts[i - 1].env, "sbx");
	/* the notices came notify_days (5) ahead */
	{
		const json_t *r;
		size_t k;
		json_array_foreach(all, k, r)
			if (!strcmp(json_string_value(json_object_get(r, "action")), "notified") &&
			    !strcmp(json_string_value(json_object_get(r, "version")), "10.0.0") &&
			    !strcmp(json_string_value(json_object_get(r, "env")), "sbx"))
				assert_non_null(strstr(json_string_value(json_object_get(r, "message")),
						       "2026-01-10T00:00:00Z"));
	}
	json_decref(all);
	/* ten months of calendar ran in well under a minute even under ASan */
	assert_true(time(NULL) - t0 < 60);
}

static void test_calendar(void **state)
{
	struct fx *f = *state;
	struct ferry_error err;
	json_t *cal;

	ferry_error_clear(&err);
	assert_int_equal(ferry_update_calendar(f->ctx, "contoso", at("2026-12-06T00:00"), 2, &cal, &err), 0);
	assert_int_equal(json_array_size(cal), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(cal, 0), "version")), "10.0.4");
	assert_string_equal(json_string_value(json_object_get(json_array_get(cal, 0), "platform")), "PU28");
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(cal, 0),
			    "production"), "date")), "2027-01-16T02:00:00Z");
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(cal, 0),
			    "sandbox"), "date")), "2027-01-09T02:00:00Z");
	assert_string_equal(json_string_value(json_object_get(json_array_get(cal, 1), "version")), "10.0.5");
	json_decref(cal);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cadence_months, setup, teardown),
		cmocka_unit_test_setup_teardown(test_calendar, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
