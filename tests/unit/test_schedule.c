/* SPDX-License-Identifier: MIT */
/* test_schedule.c: scheduled operations and maintenance windows (lib/ops/schedule.c):
 * reading times and window specs, the next opening from any moment of the week, and
 * the schedule records (add, refusals, pending, claims, cancel) on the test clock. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fixture.h"
#include "ferry/ops/schedule.h"

#include <time.h>
#include <unistd.h>

/* ms of a UTC time "YYYY-MM-DDTHH:MM:SSZ". */
static int64_t at(const char *iso)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	assert_non_null(strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm));
	return (int64_t)timegm(&tm) * 1000;
}

static void test_parse_time(void **state)
{
	const int64_t now = at("2026-11-25T10:00:00Z");
	struct ferry_error err;
	int64_t t;

	(void)state;
	assert_int_equal(ferry_sched_parse_time("+90s", now, &t, &err), 0);
	assert_int_equal(t, now + 90000);
	assert_int_equal(ferry_sched_parse_time("+10m", now, &t, &err), 0);
	assert_int_equal(t, now + 600000);
	assert_int_equal(ferry_sched_parse_time("+2h", now, &t, &err), 0);
	assert_int_equal(t, now + 7200000);
	assert_int_equal(ferry_sched_parse_time("+1d", now, &t, &err), 0);
	assert_int_equal(t, now + 86400000);
	assert_int_equal(ferry_sched_parse_time("2026-05-01T02:00Z", now, &t, &err), 0);
	assert_int_equal(t, at("2026-05-01T02:00:00Z"));
	assert_int_equal(ferry_sched_parse_time("2026-05-01T02:00:30Z", now, &t, &err), 0);
	assert_int_equal(t, at("2026-05-01T02:00:30Z"));
	{
		static const char *const bad[] = { "", "+", "+s", "+-5m", "+5", "+5y", "+1.5h", "tomorrow",
			"2026-05-01", "2026-05-01T02:00", "2026-05-01T02:00+01:00", "2026-13-01T02:00Z",
			"+99999999999d", "+5m ", " +5m", "++5m", "+ 5m", NULL };
		size_t i;
		for (i = 0; bad[i]; i++) {
			ferry_error_clear(&err);
			if (ferry_sched_parse_time(bad[i], now, &t, &err) != FERRY_EINVAL)
				fail_msg("'%s' was read as a time", bad[i]);
			assert_non_null(strstr(err.msg, "cannot read the time"));
		}
	}
}

/* The next opening (or the open window) from each moment: every case one line. */
static void test_window_next(void **state)
{
	static const struct {
		const char *spec, *now, *start, *end;
	} cases[] = {
		/* 2026-11-25 is a Wednesday */
		{ "sat,sun 02:00 4h", "2026-11-25T10:00:00Z", "2026-11-28T02:00:00Z", "2026-11-28T06:00:00Z" },
		{ "sat,sun 02:00 4h", "2026-11-28T01:59:59Z", "2026-11-28T02:00:00Z", "2026-11-28T06:00:00Z" },
		{ "sat,sun 02:00 4h", "2026-11-28T02:00:00Z", "2026-11-28T02:00:00Z", "2026-11-28T06:00:00Z" },
		{ "sat,sun 02:00 4h", "2026-11-29T05:59:59Z", "2026-11-29T02:00:00Z", "2026-11-29T06:00:00Z" },
		{ "sat,sun 02:00 4h", "2026-11-29T06:00:00Z", "2026-12-05T02:00:00Z", "2026-12-05T06:00:00Z" },
		{ "daily 23:30 2h", "2026-11-25T00:30:00Z", "2026-11-24T23:30:00Z", "2026-11-25T01:30:00Z" },
		{ "daily 23:30 2h", "2026-11-25T01:30:00Z", "2026-11-25T23:30:00Z", "2026-11-26T01:30:00Z" },
		{ "sun 22:00 6h", "2026-11-30T03:00:00Z", "2026-11-29T22:00:00Z", "2026-11-30T04:00:00Z" },
		{ "mon 00:00 30m", "2026-11-30T00:30:00Z", "2026-12-07T00:00:00Z", "2026-12-07T00:30:00Z" },
		{ "fri 12:00 1d", "2026-12-31T13:00:00Z", "2027-01-01T12:00:00Z", "2027-01-02T12:00:00Z" },
	};
	struct ferry_error err;
	int64_t s, e;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char got_s[32], got_e[32];
		if (ferry_window_next(cases[i].spec, at(cases[i].now), &s, &e, &err))
			fail_msg("%s at %s: %s", cases[i].spec, cases[i].now, err.msg);
		ferry_time_iso(s, got_s);
		ferry_time_iso(e, got_e);
		if (strcmp(got_s, cases[i].start) || strcmp(got_e, cases[i].end))
			fail_msg("%s at %s: %s..%s, wanted %s..%s", cases[i].spec, cases[i].now, got_s, got_e,
				 cases[i].start, cases[i].end);
	}
}

static void test_window_refusals(void **state)
{
	static const char *const bad[] = { "", "someday", "sat 02:00", "sat 24:00 1h", "sat 02:60 1h",
		"sat -1:00 1h", "sat,,sun 02:00 1h", "saturday 02:00 1h", "sat 02:00 0m", "sat 02:00 8d",
		"sat 02:00 4h extra", "daily,sat 02:00 1h", "sat 02:00 +4h", NULL };
	struct ferry_error err;
	int64_t s, e;
	size_t i;

	(void)state;
	for (i = 0; bad[i]; i++) {
		ferry_error_clear(&err);
		if (ferry_window_next(bad[i], -1, &s, &e, &err) != FERRY_EINVAL)
			fail_msg("window '%s' was accepted", bad[i]);
		assert_non_null(strstr(err.msg, "DAYS HH:MM DURATION"));
	}
	assert_int_equal(ferry_window_next("sat,sun 02:00 4h", -1, &s, &e, &err), 0);   /* check only */
}

/* Schedules on the test clock: a file the test writes. */
struct sfx {
	struct ufx *u;
	char clock[400];
};

static void set_clock(struct sfx *f, const char *iso)
{
	ufx_put(f->clock, iso);
}

static int setup(void **state)
{
	static const char *const envs[] = { "sbx:sandbox", "prod:production", NULL };
	struct sfx *f = calloc(1, sizeof(*f));
	char tmp[64];
	const char *kv[] = { "test-clock", NULL, NULL };

	snprintf(tmp, sizeof(tmp), "/tmp/ferry-ut-clock.%ld", (long)getpid());
	snprintf(f->clock, sizeof(f->clock), "%s", tmp);
	ufx_put(f->clock, "2026-11-25T10:00:00Z");
	kv[1] = f->clock;
	f->u = ufx_new("schedule", kv);
	ufx_project(f->u, "p", envs);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct sfx *f = *state;

	unlink(f->clock);
	ufx_free(f->u);
	free(f);
	return 0;
}

static json_t *args(const char *env)
{
	return json_pack("{s:s, s:s}", "env", env, "package", "x@1.0");
}

static void test_records(void **state)
{
	struct sfx *f = *state;
	struct ferry_ctx *ctx = f->u->ctx;
	struct ferry_error err;
	json_t *a = args("sbx"), *s = NULL, *notify = NULL, *due = NULL;
	struct ferry_sched_spec spec = { "env.apply", "sbx", a, "+2s" };
	int64_t id;

	ferry_error_clear(&err);
	assert_int_equal(ferry_sched_add(ctx, &spec, &s, &err), 0);
	assert_string_equal(json_string_value(json_object_get(s, "at")), "2026-11-25T10:00:02Z");
	assert_string_equal(json_string_value(json_object_get(s, "state")), FERRY_SCHED_SCHEDULED);
	id = json_integer_value(json_object_get(s, "id"));
	json_decref(s);
	/* ahead of time: to notify (within 60 s), not due */
	assert_int_equal(ferry_sched_pending(ctx, ferry_clock_ms(&ctx->settings), 60000, &notify, &due, &err), 0);
	assert_int_equal(json_array_size(notify), 1);
	assert_int_equal(json_array_size(due), 0);
	json_decref(notify);
	json_decref(due);
	assert_int_equal(ferry_sched_mark_notified(ctx, id, &err), 0);
	set_clock(f, "2026-11-25T10:00:02Z");
	assert_int_equal(ferry_sched_pending(ctx, ferry_clock_ms(&ctx->settings), 60000, &notify, &due, &err), 0);
	assert_int_equal(json_array_size(notify), 0);   /* notified once */
	assert_int_equal(json_array_size(due), 1);
	json_decref(notify);
	json_decref(due);
	/* a claim moves it once: a second claimant finds it gone */
	assert_int_equal(ferry_sched_transition(ctx, id, FERRY_SCHED_SCHEDULED, FERRY_SCHED_STARTING, NULL,
						 NULL, &err), 1);
	assert_int_equal(ferry_sched_transition(ctx, id, FERRY_SCHED_SCHEDULED, FERRY_SCHED_STARTING, NULL,
						 NULL, &err), 0);
	assert_int_equal(ferry_sched_transition(ctx, id, FERRY_SCHED_STARTING, FERRY_SCHED_STARTED,
						 "0123", "ok", &err), 1);
	assert_int_equal(ferry_sched_cancel(ctx, id, &err), FERRY_ESTATE);
	assert_int_equal(ferry_sched_get(ctx, id, &s, &err), 0);
	assert_string_equal(json_string_value(json_object_get(s, "state")), FERRY_SCHED_STARTED);
	json_decref(s);
	json_decref(a);
}

static void test_refusals_and_window(void **state)
{
	struct sfx *f = *state;
	struct ferry_ctx *ctx = f->u->ctx;
	struct ferry_error err;
	json_t *a = args("sbx"), *s = NULL, *list = NULL;
	struct ferry_sched_spec spec = { "env.apply", "sbx", a, "2026-11-25T09:00Z" };

	ferry_error_clear(&err);
	assert_int_equal(ferry_sched_add(ctx, &spec, NULL, &err), FERRY_EINVAL);   /* in the past */
	spec.at = "soon";
	assert_int_equal(ferry_sched_add(ctx, &spec, NULL, &err), FERRY_EINVAL);
	spec.at = "window";                                                         /* none set */
	assert_int_equal(ferry_sched_add(ctx, &spec, NULL, &err), FERRY_EREFUSED);
	spec.at = "+1h";
	spec.env = "nope";
	assert_int_equal(ferry_sched_add(ctx, &spec, NULL, &err), FERRY_ENOTFOUND);
	assert_int_equal(ferry_sched_list(ctx, NULL, &list, &err), 0);
	assert_int_equal(json_array_size(list), 0);   /* nothing half-recorded */
	json_decref(list);
	/* the window: inside it, "window" starts now; else at its next opening */
	assert_int_equal(ferry_window_set(ctx, "p", "sat,sun 02:00 4h", &err), 0);
	assert_int_equal(ferry_window_set(ctx, "p", "someday", &err), FERRY_EINVAL);
	spec.env = "prod";
	spec.at = "window";
	assert_int_equal(ferry_sched_add(ctx, &spec, &s, &err), 0);
	assert_string_equal(json_string_value(json_object_get(s, "at")), "2026-11-28T02:00:00Z");
	assert_string_equal(json_string_value(json_object_get(s, "window_end")), "2026-11-28T06:00:00Z");
	assert_int_equal(ferry_sched_cancel(ctx, json_integer_value(json_object_get(s, "id")), &err), 0);
	json_decref(s);
	set_clock(f, "2026-11-29T03:00:00Z");
	assert_int_equal(ferry_sched_add(ctx, &spec, &s, &err), 0);
	assert_string_equal(json_string_value(json_object_get(s, "at")), "2026-11-29T03:00:00Z");
	assert_string_equal(json_string_value(json_object_get(s, "window_end")), "2026-11-29T06:00:00Z");
	json_decref(s);
	assert_int_equal(ferry_window_get(ctx, "p", &s, &err), 0);
	assert_string_equal(json_string_value(json_object_get(s, "next_start")), "2026-11-29T02:00:00Z");
	json_decref(s);
	assert_int_equal(ferry_window_set(ctx, "p", NULL, &err), 0);
	assert_int_equal(ferry_window_get(ctx, "p", &s, &err), 0);
	assert_true(json_is_null(json_object_get(s, "window")));
	json_decref(s);
	json_decref(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_window_next),
		cmocka_unit_test(test_window_refusals),
		cmocka_unit_test_setup_teardown(test_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals_and_window, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
