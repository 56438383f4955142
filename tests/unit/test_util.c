/* SPDX-License-Identifier: MIT */
/* test_util.c: unit tests of error, buf and util helpers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_error_prefix(void **state)
{
	struct ferry_error err;

	(void)state;
	ferry_error_clear(&err);
	assert_int_equal(ferry_error_set(&err, FERRY_EFAILED, "service model '%s' failed", "MR"),
			 FERRY_EFAILED);
	ferry_error_prefix(&err, "step '%s'", "dvt");
	ferry_error_prefix(&err, "applying package '%s'", "isv-1.2");
	assert_string_equal(err.msg,
		"applying package 'isv-1.2': step 'dvt': service model 'MR' failed");
	assert_int_equal(err.code, FERRY_EFAILED);
	assert_string_equal(ferry_code_name(FERRY_ENOTFOUND), "not-found");
	/* NULL error objects are allowed and only return the code */
	assert_int_equal(ferry_error_set(NULL, FERRY_EINVAL, "x"), FERRY_EINVAL);
}

/* Nothing is cut silently: ferry_fmt refuses, messages that overflow end in "...". */
static void test_no_silent_cut(void **state)
{
	struct ferry_error err;
	char out[16], big[3000];

	(void)state;
	assert_int_equal(ferry_fmt(out, sizeof(out), &err, "path", "%s/%s", "a", "b"), 0);
	assert_string_equal(out, "a/b");
	assert_int_equal(ferry_fmt(out, sizeof(out), &err, "path", "%s/%s", "home", "0123456789a"), FERRY_EINVAL);
	assert_string_equal(out, "");
	assert_non_null(strstr(err.msg, "path is too long (over 15 bytes): home/0123456789..."));
	assert_int_equal(ferry_fmt(out, sizeof(out), NULL, "name", "%s", "0123456789abcdef"), FERRY_EINVAL);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ferry_error_set(&err, FERRY_EINVAL, "%s", big);
	assert_int_equal(strlen(err.msg), FERRY_ERROR_MSG_MAX - 1);
	assert_string_equal(err.msg + strlen(err.msg) - 3, "...");
	ferry_error_set(&err, FERRY_EINVAL, "cause");
	ferry_error_prefix(&err, "%s", big);
	assert_string_equal(err.msg + strlen(err.msg) - 3, "...");
	ferry_error_set(&err, FERRY_EINVAL, "%.2040s", big);
	ferry_error_prefix(&err, "context");
	assert_int_equal(strncmp(err.msg, "context: xxx", 12), 0);
	assert_string_equal(err.msg + strlen(err.msg) - 3, "...");
	ferry_error_set(&err, FERRY_EINVAL, "short");
	ferry_error_prefix(&err, "ctx");
	assert_string_equal(err.msg, "ctx: short");
}

static void test_buf_growth_and_limit(void **state)
{
	struct ferry_buf b = FERRY_BUF_INIT;
	int i;

	(void)state;
	for (i = 0; i < 1000; i++)
		assert_int_equal(ferry_buf_addf(&b, "%d,", i), 0);
	assert_int_equal(strncmp(b.data, "0,1,2,", 6), 0);
	assert_int_equal(b.data[b.len], '\0');
	ferry_buf_release(&b);

	b.limit = 8;
	assert_int_equal(ferry_buf_adds(&b, "12345678"), 0);
	assert_int_equal(ferry_buf_adds(&b, "9"), FERRY_ENOMEM);
	assert_int_equal(b.len, 8);
	ferry_buf_release(&b);
	ferry_buf_release(NULL);
}

static void test_name_check(void **state)
{
	struct ferry_error err;

	(void)state;
	assert_int_equal(ferry_name_check("sbx-1.a_b", "environment", &err), 0);
	assert_int_equal(ferry_name_check("", "environment", &err), FERRY_EINVAL);
	assert_int_equal(ferry_name_check("-x", "environment", &err), FERRY_EINVAL);
	assert_int_equal(ferry_name_check("a/b", "environment", &err), FERRY_EINVAL);
	assert_non_null(strstr(err.msg, "'/'"));
	assert_int_equal(ferry_name_check("../etc", "project", &err), FERRY_EINVAL);
	assert_int_equal(ferry_name_check(
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "p", &err),
		FERRY_EINVAL);
}

static void test_atomic_write_and_rm_rf(void **state)
{
	char dir[] = "/tmp/ferry-ut-XXXXXX";
	char path[256], sub[256];
	struct ferry_buf b = FERRY_BUF_INIT;
	struct ferry_error err;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/a/b/c", dir);
	assert_int_equal(ferry_mkdir_p(sub, 0700, &err), 0);
	snprintf(path, sizeof(path), "%s/a/b/c/f.txt", dir);
	assert_int_equal(ferry_write_file_atomic(path, "hello", 5, 0600, &err), 0);
	assert_int_equal(ferry_write_file_atomic(path, "world!", 6, 0600, &err), 0);
	assert_int_equal(ferry_buf_read_file(&b, path), 0);
	assert_string_equal(b.data, "world!");
	ferry_buf_release(&b);
	snprintf(sub, sizeof(sub), "%s/a/link", dir);
	assert_int_equal(symlink("/etc", sub), 0);
	assert_int_equal(ferry_rm_rf(dir, &err), 0);
	assert_false(ferry_path_exists(dir));
	/* the symlink was removed, not followed */
	assert_true(ferry_path_exists("/etc/passwd"));
	assert_int_equal(ferry_rm_rf(dir, &err), 0);
}

/* User input echoed in a message: control characters escaped, long text cut. */
static void test_echo(void **state)
{
	char out[FERRY_ECHO_MAX], big[5000];

	(void)state;
	assert_int_equal(ferry_echo("a\x1b[31mb\n", out, sizeof(out)), 14);
	assert_string_equal(out, "a\\x1b[31mb\\x0a");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_true(ferry_echo(big, out, sizeof(out)) < sizeof(out));
	assert_non_null(strstr(out, "xxx..."));
	assert_int_equal(strlen(out), sizeof(out) - 2);
	ferry_echo(NULL, out, sizeof(out));
	assert_string_equal(out, "");
}

static void test_uuid_and_ints(void **state)
{
	char a[37], b[37];
	long long v;

	(void)state;
	ferry_uuid(a);
	ferry_uuid(b);
	assert_int_equal(strlen(a), 36);
	assert_int_equal(a[14], '4');
	assert_string_not_equal(a, b);
	assert_int_equal(ferry_parse_int("42", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(ferry_parse_int("42x", 0, 100, &v), FERRY_EINVAL);
	assert_int_equal(ferry_parse_int("101", 0, 100, &v), FERRY_EINVAL);
	assert_int_equal(ferry_parse_int("", 0, 100, &v), FERRY_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_prefix),
		cmocka_unit_test(test_no_silent_cut),
		cmocka_unit_test(test_buf_growth_and_limit),
		cmocka_unit_test(test_name_check),
		cmocka_unit_test(test_atomic_write_and_rm_rf),
		cmocka_unit_test(test_uuid_and_ints),
		cmocka_unit_test(test_echo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
