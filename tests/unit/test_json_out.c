/* SPDX-License-Identifier: MIT */
/* test_json_out.c: the streamed JSON of lists equals jansson's dump of the same tree
 * byte for byte (strings with every escape, pretty and compact, empty lists, 300
 * environments in two projects, deleted ones with --all), and the arithmetic ISO time
 * equals strftime's over centuries of instants. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/json_out.h"
#include "ferry/base/settings.h"
#include "ferry/base/util.h"
#include "ferry/project/env.h"
#include "ferry/project/project.h"
#include "ferry/store/ctx.h"
#include "ferry/registry/registry.h"
#include "fixture.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void test_strings_escape_like_jansson(void **state)
{
	static const char *const s[] = {
		"", "plain", "quote \" back \\ slash /", "\b\f\n\r\t", "\x01\x1f\x7f",
		"caf\xc3\xa9 \xe2\x80\xa8 \xf0\x9f\x9a\xa2", "end\\",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		struct ferry_buf b = FERRY_BUF_INIT;
		json_t *j = json_string(s[i]);
		char *want = json_dumps(j, JSON_ENCODE_ANY);
		assert_int_equal(ferry_json_add_str(&b, s[i]), 0);
		assert_string_equal(b.data, want);
		free(want);
		json_decref(j);
		ferry_buf_release(&b);
	}
}

static void test_time_iso_equals_strftime(void **state)
{
	int64_t ms;
	char a[32], b[32];

	(void)state;
	for (ms = -2208988800000LL; ms < 7258118400000LL; ms += 86399999LL * 13 + 12345) {
		time_t t = (time_t)(ms / 1000 - (ms % 1000 < 0));
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%SZ", &tm);
		ferry_time_iso(ms, a);
		assert_string_equal(a, b);
	}
	ferry_time_iso(951782400000LL, a);      /* 2000-02-29 */
	assert_string_equal(a, "2000-02-29T00:00:00Z");
}

static void same_as_tree(struct ferry_ctx *ctx, const char *project, int all)
{
	struct ferry_buf pretty = FERRY_BUF_INIT, compact = FERRY_BUF_INIT;
	struct ferry_error err;
	char *want_p, *want_c;
	json_t *arr;

	assert_int_equal(ferry_env_list(ctx, project, all, &arr, &err), 0);
	want_p = json_dumps(arr, JSON_INDENT(2) | JSON_SORT_KEYS);
	want_c = json_dumps(arr, JSON_COMPACT);
	assert_int_equal(ferry_env_list_write(ctx, project, all, 1, &pretty, &err), 0);
	assert_int_equal(ferry_env_list_write(ctx, project, all, 0, &compact, &err), 0);
	assert_string_equal(pretty.data, want_p);
	assert_string_equal(compact.data, want_c);
	free(want_p);
	free(want_c);
	json_decref(arr);
	ferry_buf_release(&pretty);
	ferry_buf_release(&compact);
}

static void test_env_list_streamed_equals_tree(void **state)
{
	char dir[PATH_MAX], name[32];
	struct ferry_ctx *ctx;
	struct ferry_error err;
	int i;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/ferry-ut-json.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(dir));
	ufx_open_home(dir, &ctx);
	same_as_tree(ctx, NULL, 0);                    /* [] */
	assert_int_equal(ferry_project_create(ctx, "alpha", "finance-operations", "", &err), 0);
	assert_int_equal(ferry_project_create(ctx, "beta", "finance-operations", "", &err), 0);
	for (i = 0; i < 300; i++) {
		struct ferry_env_spec spec = { name, i % 3 ? "alpha" : "beta",
			i % 2 ? "sandbox" : "development", NULL, i % 5 ? "7.3" : "8.1", "PU20" };
		snprintf(name, sizeof(name), "env-%03d", i);
		assert_int_equal(ferry_env_create(ctx, &spec, &err), 0);
	}
	assert_int_equal(ferry_env_rm(ctx, "env-007", &err), 0);
	same_as_tree(ctx, NULL, 0);
	same_as_tree(ctx, NULL, 1);
	same_as_tree(ctx, "beta", 0);
	same_as_tree(ctx, "nope", 0);
	ferry_ctx_free(ctx);
	ferry_rm_rf(dir, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings_escape_like_jansson),
		cmocka_unit_test(test_time_iso_equals_strftime),
		cmocka_unit_test(test_env_list_streamed_equals_tree),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
