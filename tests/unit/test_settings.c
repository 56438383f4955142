/* SPDX-License-Identifier: MIT */
/* test_settings.c: struct ferry_settings: defaults, parsing each kind of value and its
 * refusals, copies, the default home, the port helpers of lib/base, and that every
 * setting is documented in docs/CLI.md and docs/DAEMON.md. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ferry/base/buf.h"
#include "ferry/base/error.h"
#include "ferry/base/settings.h"
#include "ferry/base/util.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_defaults(void **state)
{
	struct ferry_settings s;

	(void)state;
	ferry_settings_init(&s);
	assert_null(s.home);
	assert_null(s.store);
	assert_null(s.catalog_dir);
	assert_null(s.node_id);
	assert_null(s.crash_at);
	assert_int_equal(s.port_lo, 20000);
	assert_int_equal(s.port_hi, 32000);
	assert_int_equal(s.lease_ttl_ms, 30000);
	assert_int_equal(s.max_entries, 100000);
	assert_int_equal(s.max_bytes, (uint64_t)8 << 30);
	assert_int_equal(s.max_ratio, 200);
	assert_int_equal(s.store_busy_ms, 30000);
	assert_int_equal(s.store_connect_s, 10);
	assert_string_equal(ferry_settings_tmp_dir(&s), "/tmp");
	assert_string_equal(ferry_settings_tmp_dir(NULL), "/tmp");
	assert_string_equal(ferry_settings_data_dir(NULL), FERRY_DATADIR);
	ferry_settings_release(&s);
}

static void test_set(void **state)
{
	struct ferry_settings s;
	struct ferry_error err;

	(void)state;
	ferry_settings_init(&s);
	assert_int_equal(ferry_settings_set(&s, "store", "postgresql:///x", &err), 0);
	assert_string_equal(s.store, "postgresql:///x");
	assert_int_equal(ferry_settings_set(&s, "store", "", &err), 0); /* empty: back to the default */
	assert_null(s.store);
	assert_int_equal(ferry_settings_set(&s, "tmp-dir", "/var/tmp", &err), 0);
	assert_string_equal(ferry_settings_tmp_dir(&s), "/var/tmp");
	assert_int_equal(ferry_settings_set(&s, "data-dir", "/usr/share/ferry", &err), 0);
	assert_string_equal(ferry_settings_data_dir(&s), "/usr/share/ferry");
	assert_int_equal(ferry_settings_set(&s, "port-range", "21000-21009", &err), 0);
	assert_int_equal(s.port_lo, 21000);
	assert_int_equal(s.port_hi, 21009);
	assert_int_equal(ferry_settings_set(&s, "lease-ttl-ms", "1500", &err), 0);
	assert_int_equal(s.lease_ttl_ms, 1500);
	assert_int_equal(ferry_settings_set(&s, "max-bytes", "4194304", &err), 0);
	assert_int_equal(s.max_bytes, 4194304);
	assert_int_equal(ferry_settings_set(&s, "store-busy-ms", "500", &err), 0);
	assert_int_equal(s.store_busy_ms, 500);
	assert_int_equal(ferry_settings_set(&s, "node-id", "node-a", &err), 0);
	assert_string_equal(s.node_id, "node-a");
	ferry_settings_release(&s);
	assert_null(s.node_id);
	assert_int_equal(s.port_lo, 20000);
}

/* A refused value names the setting and what it accepts, and changes nothing. */
static void test_refusals(void **state)
{
	struct ferry_settings s;
	struct ferry_error err;

	(void)state;
	ferry_settings_init(&s);
	assert_int_equal(ferry_settings_set(&s, "port-range", "9-1", &err), FERRY_EINVAL);
	assert_non_null(strstr(err.msg, "port-range '9-1': expected LO-HI"));
	assert_int_equal(ferry_settings_set(&s, "port-range", "30000-20000", &err), FERRY_EINVAL);
	assert_int_equal(ferry_settings_set(&s, "port-range", "20000", &err), FERRY_EINVAL);
	assert_int_equal(s.port_lo, 20000);
	assert_int_equal(ferry_settings_set(&s, "lease-ttl-ms", "299", &err), FERRY_EINVAL);
	assert_non_null(strstr(err.msg, "lease-ttl-ms '299': expected an integer from 300"));
	assert_int_equal(ferry_settings_set(&s, "max-entries", "0", &err), FERRY_EINVAL);
	assert_int_equal(ferry_settings_set(&s, "max-entries", "12x", &err), FERRY_EINVAL);
	assert_int_equal(s.max_entries, 100000);
	assert_int_equal(ferry_settings_set(&s, "node-id", "a/b", &err), FERRY_EINVAL);
	assert_int_equal(ferry_settings_set(&s, "node-id", "a-name-longer-than-24-chars", &err), FERRY_EINVAL);
	assert_null(s.node_id);
	assert_int_equal(ferry_settings_set(&s, "prot-range", "1-2", &err), FERRY_EINVAL);
	assert_string_equal(err.msg, "unknown setting 'prot-range'");
	assert_null(ferry_settings_key("prot-range"));
	assert_non_null(ferry_settings_key("port-range"));
	ferry_settings_release(&s);
}

/* The crash hook is a setting only in test builds (FERRY_TEST_HOOKS). */
static void test_crash_hook(void **state)
{
	struct ferry_settings s, c;
	struct ferry_error err;

	(void)state;
	ferry_settings_init(&s);
#ifdef FERRY_TEST_HOOKS
	assert_non_null(ferry_settings_key("crash-at"));
	assert_int_equal(ferry_settings_set(&s, "crash-at", "work:after", &err), 0);
	assert_int_equal(ferry_settings_copy(&c, &s, &err), 0);
	assert_string_equal(c.crash_at, "work:after");
	assert_ptr_not_equal(c.crash_at, s.crash_at);
	ferry_settings_release(&c);
#else
	assert_null(ferry_settings_key("crash-at"));
	assert_int_equal(ferry_settings_set(&s, "crash-at", "work", &err), FERRY_EINVAL);
	assert_int_equal(ferry_settings_copy(&c, &s, &err), 0);
	assert_null(c.crash_at);
	ferry_settings_release(&c);
#endif
	ferry_settings_release(&s);
}

/* The test clock is a setting only in test builds; it replaces the system clock for
 * ferry_clock_ms() (schedules, windows) and nothing else. */
static void test_test_clock(void **state)
{
	struct ferry_settings s, c;
	struct ferry_error err;
	int64_t before = ferry_now_ms();

	(void)state;
	ferry_settings_init(&s);
	assert_true(ferry_clock_ms(&s) >= before);
	assert_true(ferry_clock_ms(NULL) >= before);
#ifdef FERRY_TEST_HOOKS
	{
		char path[] = "/tmp/ferry-ut-clock.XXXXXX";
		int fd = mkstemp(path);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, "1795600800000\n", 14), 14);
		close(fd);
		assert_int_equal(ferry_settings_set(&s, "test-clock", path, &err), 0);
		assert_int_equal(ferry_settings_copy(&c, &s, &err), 0);
		assert_string_equal(c.test_clock, path);
		assert_int_equal(ferry_clock_ms(&c), 1795600800000LL);
		assert_int_equal(ferry_write_file_atomic(path, "2026-11-25T10:00:05Z", 20, 0644, &err), 0);
		assert_int_equal(ferry_clock_ms(&c), 1795600805000LL);
		assert_true(ferry_now_ms() >= before);   /* the system clock is untouched */
		ferry_settings_release(&c);
		unlink(path);
	}
#else
	assert_null(ferry_settings_key("test-clock"));
	assert_int_equal(ferry_settings_set(&s, "test-clock", "/x", &err), FERRY_EINVAL);
#endif
	ferry_settings_release(&s);
}

static void test_copy(void **state)
{
	struct ferry_settings s, c;
	struct ferry_error err;

	(void)state;
	ferry_settings_init(&s);
	assert_int_equal(ferry_settings_set(&s, "home", "/h", &err), 0);
	assert_int_equal(ferry_settings_set(&s, "catalog-dir", "/cats", &err), 0);
	assert_int_equal(ferry_settings_set(&s, "port-range", "21000-21001", &err), 0);
	assert_int_equal(ferry_settings_copy(&c, &s, &err), 0);
	ferry_settings_release(&s);  /* the copy owns its own strings */
	assert_string_equal(c.home, "/h");
	assert_string_equal(c.catalog_dir, "/cats");
	assert_null(c.store);
	assert_int_equal(c.port_lo, 21000);
	ferry_settings_release(&c);
}

static void test_home_default(void **state)
{
	struct ferry_settings s;
	struct ferry_error err;

	(void)state;
	ferry_settings_init(&s);
	assert_int_equal(ferry_settings_home_default(&s, "/xdg", "/home/u", &err), 0);
	assert_string_equal(s.home, "/xdg/ferry");
	ferry_settings_release(&s);
	assert_int_equal(ferry_settings_home_default(&s, "", "/home/u", &err), 0);
	assert_string_equal(s.home, "/home/u/.local/share/ferry");
	ferry_settings_release(&s);
	assert_int_equal(ferry_settings_home_default(&s, NULL, NULL, &err), 0);
	assert_string_equal(s.home, "./.local/share/ferry");
	/* a home given already stays */
	assert_int_equal(ferry_settings_home_default(&s, "/xdg", "/home/u", &err), 0);
	assert_string_equal(s.home, "./.local/share/ferry");
	ferry_settings_release(&s);
}

/* The data directory beside the binary: <prefix>/bin/ferry -> <prefix>/share/ferry. */
static void test_data_dir_default(void **state)
{
	char tmpl[] = "/tmp/ferry-datadir-XXXXXX", path[256], want[256];
	struct ferry_settings s;
	struct ferry_error err;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(tmpl));
	snprintf(path, sizeof(path), "%s/bin", tmpl);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/bin/ferry", tmpl);
	assert_non_null(f = fopen(path, "w"));
	fclose(f);
	ferry_settings_init(&s);
	/* no share/ferry beside it: unset, the configured FERRY_DATADIR */
	assert_int_equal(ferry_settings_data_dir_default(&s, path, &err), 0);
	assert_null(s.data_dir);
	assert_string_equal(ferry_settings_data_dir(&s), FERRY_DATADIR);
	snprintf(want, sizeof(want), "%s/share", tmpl);
	assert_int_equal(mkdir(want, 0755), 0);
	snprintf(want, sizeof(want), "%s/share/ferry", tmpl);
	assert_int_equal(mkdir(want, 0755), 0);
	assert_int_equal(ferry_settings_data_dir_default(&s, path, &err), 0);
	assert_string_equal(ferry_settings_data_dir(&s), want);
	/* a value given (flag, variable, config file) wins */
	assert_int_equal(ferry_settings_set(&s, "data-dir", "/opt/x", &err), 0);
	assert_int_equal(ferry_settings_data_dir_default(&s, path, &err), 0);
	assert_string_equal(ferry_settings_data_dir(&s), "/opt/x");
	ferry_settings_release(&s);
	unlink(path);
	rmdir(want);
	snprintf(want, sizeof(want), "%s/share", tmpl);
	rmdir(want);
	snprintf(path, sizeof(path), "%s/bin", tmpl);
	rmdir(path);
	rmdir(tmpl);
}

static void test_ports(void **state)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int lo = 1, hi = 2, fd, one = 1;

	(void)state;
	assert_int_equal(ferry_port_range_parse("1024-65535", &lo, &hi), 0);
	assert_int_equal(lo, 1024);
	assert_int_equal(hi, 65535);
	assert_int_equal(ferry_port_range_parse("1023-2000", &lo, &hi), FERRY_EINVAL);
	assert_int_equal(ferry_port_range_parse("2000-65536", &lo, &hi), FERRY_EINVAL);
	assert_int_equal(ferry_port_range_parse("3000-2000", &lo, &hi), FERRY_EINVAL);
	assert_int_equal(ferry_port_range_parse("2000-", &lo, &hi), FERRY_EINVAL);
	assert_int_equal(ferry_port_range_parse(NULL, &lo, &hi), FERRY_EINVAL);
	assert_int_equal(lo, 1024);
	/* a listening port is not bindable; once closed it is */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	assert_int_equal(ferry_port_bindable(ntohs(a.sin_port)), 0);
	close(fd);
	assert_int_equal(ferry_port_bindable(ntohs(a.sin_port)), 1);
}

/* Every setting (its key and environment variable) is in the faces' documentation. */
static void test_documented(void **state)
{
	static const char *const docs[] = { FERRY_SRCDIR "/docs/CLI.md", FERRY_SRCDIR "/docs/DAEMON.md", NULL };
	const struct ferry_setting_key *k;
	char want[96], missing[512] = "";
	int i;

	(void)state;
	for (i = 0; docs[i]; i++) {
		struct ferry_buf b = FERRY_BUF_INIT;
		assert_int_equal(ferry_buf_read_file(&b, docs[i]), 0);
		for (k = ferry_settings_keys; k->key && !missing[0]; k++) {
			snprintf(want, sizeof(want), "`%s`", k->key);
			if (!strstr(b.data, want) ||
			    (k->env && snprintf(want, sizeof(want), "`%s`", k->env) > 0 && !strstr(b.data, want)))
				snprintf(missing, sizeof(missing), "%s does not document %s", docs[i], want);
		}
		ferry_buf_release(&b);
		if (missing[0])
			fail_msg("%s", missing);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_crash_hook),
		cmocka_unit_test(test_test_clock),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_home_default),
		cmocka_unit_test(test_data_dir_default),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_documented),
	};
	return cmocka_run_group_tests_name("settings", tests, NULL, NULL);
}
