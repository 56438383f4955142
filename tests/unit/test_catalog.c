/* SPDX-License-Identifier: MIT */
/* test_catalog.c: unit tests of the release catalog: loading, validation errors,
 * lookups, rules, combinations, targets and the search path. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ferry/catalog/catalog.h"
#include "ferry/base/error.h"
#include "ferry/base/settings.h"
#include "ferry/base/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHIPPED FERRY_SRCDIR "/catalog/finance-operations.json"

static struct ferry_catalog *load_shipped(void)
{
	struct ferry_catalog *cat = NULL;
	struct ferry_error err;

	ferry_error_clear(&err);
	if (ferry_catalog_load(SHIPPED, &cat, &err))
		fail_msg("%s", err.msg);
	return cat;
}

static int setup(void **state)
{
	*state = load_shipped();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	ferry_catalog_free(*state);
	return 0;
}

/* The shipped document mutated by fn, parsed; returns the code, err filled. */
static int parse_mutated(void (*fn)(json_t *root), struct ferry_error *err)
{
	struct ferry_catalog *cat = load_shipped(), *out = NULL;
	json_t *copy = json_deep_copy(cat->json);
	char *text;
	int rc;

	fn(copy);
	text = json_dumps(copy, 0);
	ferry_error_clear(err);
	rc = ferry_catalog_parse(text, strlen(text), "mutated.json", &out, err);
	free(text);
	json_decref(copy);
	ferry_catalog_free(out);
	ferry_catalog_free(cat);
	return rc;
}

static void test_load_shipped(void **state)
{
	struct ferry_catalog *cat = *state;

	assert_string_equal(cat->product, "finance-operations");
	assert_int_equal(cat->nreleases, 9);
	assert_int_equal(cat->nplatforms, 31);
	assert_int_equal(cat->nmodels, 4);
	assert_int_equal(cat->nmoves, 12); /* 11 table rows + the 8.0 -> 8.1 update */
	assert_string_equal(cat->update_from->id, "8.0");
	assert_string_equal(cat->vendor_locked_from->id, "8.0");
	assert_string_equal(cat->hotfixes_unsupported_from->id, "8.1");
	assert_string_equal(cat->hotfixes_deprecated, "2019-04");
}

static void test_release_lookup(void **state)
{
	struct ferry_catalog *cat = *state;
	const struct ferry_catalog_release *r;
	struct ferry_error err;

	r = ferry_catalog_release(cat, "7.0.1-pu2");
	assert_non_null(r);
	assert_string_equal(r->build, "7.0.1265.27075");
	assert_string_equal(r->application, "7.0.1");
	assert_string_equal(r->platform->id, "PU2");
	assert_ptr_equal(ferry_catalog_release_by_build(cat, "7.1.1541.3036"), ferry_catalog_release(cat, "7.1"));
	assert_null(ferry_catalog_release(cat, "7.4"));
	assert_true(ferry_catalog_release(cat, "ax2012")->source_only);
	assert_null(ferry_catalog_release(cat, "ax2012")->platform);
	/* release names ignore case and spaces where that names one release */
	assert_ptr_equal(ferry_catalog_release(cat, "AX2012"), ferry_catalog_release(cat, "ax2012"));
	assert_ptr_equal(ferry_catalog_release(cat, "AX 2012"), ferry_catalog_release(cat, "ax2012"));
	assert_ptr_equal(ferry_catalog_release(cat, "7.0.1-PU2"), ferry_catalog_release(cat, "7.0.1-pu2"));
	assert_null(ferry_catalog_release(cat, "AX 201"));

	assert_int_equal(ferry_catalog_resolve_release(cat, "7.3.11971.56116", &r, &err), 0);
	assert_string_equal(r->id, "7.3");
	assert_int_equal(ferry_catalog_resolve_release(cat, "8.1", &r, &err), 0);
	assert_int_equal(ferry_catalog_resolve_release(cat, "7.3.11971", &r, &err), FERRY_EINVAL);
	assert_non_null(strstr(err.msg, "malformed AX7.version build string '7.3.11971'"));
	assert_int_equal(ferry_catalog_resolve_release(cat, "7.3.11971.1", &r, &err), FERRY_EINVAL);
	assert_non_null(strstr(err.msg, "unknown AX7.version build string"));
	assert_int_equal(ferry_catalog_resolve_release(cat, "nine", &r, &err), FERRY_EINVAL);
	assert_non_null(strstr(err.msg, "unknown release 'nine'"));
	assert_null(r);
	assert_true(ferry_catalog_release_cmp(ferry_catalog_release(cat, "7.0.1"),
					      ferry_catalog_release(cat, "7.0.1-pu2")) < 0);
	assert_true(ferry_catalog_build_ok("7.3.11971.56116"));
	assert_false(ferry_catalog_build_ok("7.3.11971.56116."));
	assert_false(ferry_catalog_build_ok("7.3..56116"));
}

static void test_platforms(void **state)
{
	struct ferry_catalog *cat = *state;
	struct ferry_error err;
	int cmp = 99;

	assert_true(ferry_catalog_platform_cmp(ferry_catalog_platform(cat, "PU12"),
					       ferry_catalog_platform(cat, "PU20")) < 0);
	assert_int_equal(ferry_catalog_platform_compare(cat, "pu20", "PU12", &cmp, &err), 0);
	assert_int_equal(cmp, 1);
	assert_int_equal(ferry_catalog_platform_compare(cat, "PU9", "PU10", &cmp, &err), 0);
	assert_int_equal(cmp, -1); /* ordinal, not string order */
	assert_int_equal(ferry_catalog_platform_compare(cat, "PU9", "PU99", &cmp, &err), FERRY_EINVAL);
	assert_non_null(strstr(err.msg, "unknown platform 'PU99'"));
	assert_string_equal(ferry_catalog_platform(cat, "pu3")->date, "2016-11");
	assert_null(ferry_catalog_platform(cat, "PU4")->date);
}

static void test_rules(void **state)
{
	struct ferry_catalog *cat = *state;

	assert_int_equal(ferry_catalog_hotfixes_supported(cat, "8.0"), 1);
	assert_int_equal(ferry_catalog_hotfixes_supported(cat, "7.0"), 1);
	assert_int_equal(ferry_catalog_hotfixes_supported(cat, "8.1"), 0);
	assert_int_equal(ferry_catalog_hotfixes_supported(cat, "9.9"), FERRY_ENOTFOUND);
	assert_int_equal(ferry_catalog_vendor_overlayering_locked(cat, "7.3"), 0);
	assert_int_equal(ferry_catalog_vendor_overlayering_locked(cat, "8.0"), 1);
	assert_int_equal(ferry_catalog_vendor_overlayering_locked(cat, "8.1"), 1);
	assert_int_equal(ferry_catalog_platform_overlayering_allowed(cat, "PU1"), 1);
	assert_int_equal(ferry_catalog_platform_overlayering_allowed(cat, "PU2"), 1);
	assert_int_equal(ferry_catalog_platform_overlayering_allowed(cat, "PU3"), 0);
	assert_int_equal(ferry_catalog_platform_overlayering_allowed(cat, "PU30"), 0);
	assert_int_equal(ferry_catalog_platform_overlayering_allowed(cat, "PU31"), FERRY_ENOTFOUND);
	assert_int_equal(ferry_catalog_is_platform_model(cat, "Application Platform"), 1);
	assert_int_equal(ferry_catalog_is_platform_model(cat, "ApplicationFoundation"), 1);
	assert_int_equal(ferry_catalog_is_platform_model(cat, "directory"), 1);
	assert_int_equal(ferry_catalog_is_platform_model(cat, "TestEssentials"), 1);
	assert_int_equal(ferry_catalog_is_platform_model(cat, "ApplicationSuite"), 0);
	assert_int_equal(ferry_catalog_is_platform_model(cat, "Application"), 0);
	assert_int_equal(ferry_catalog_is_platform_model(cat, ""), 0);
	assert_string_equal(ferry_catalog_move_kind(cat, ferry_catalog_release(cat, "7.3")), "upgrade");
	assert_string_equal(ferry_catalog_move_kind(cat, ferry_catalog_release(cat, "8.0")), "update");
}

static void test_combinations(void **state)
{
	struct ferry_catalog *cat = *state;
	struct ferry_error err;

	assert_int_equal(ferry_catalog_combination_check(cat, "7.3", "PU12", &err), 0);
	assert_int_equal(ferry_catalog_combination_check(cat, "7.3", "PU30", &err), 0);
	assert_int_equal(ferry_catalog_combination_check(cat, "8.1", "PU20", &err), 0);
	assert_int_equal(ferry_catalog_combination_check(cat, "8.1", "PU15", &err), FERRY_EREFUSED);
	assert_non_null(strstr(err.msg, "valid platforms are PU20 .. PU30"));
	assert_int_equal(ferry_catalog_combination_check(cat, "7.0.1-pu2", "PU1", &err), FERRY_EREFUSED);
	assert_int_equal(ferry_catalog_combination_check(cat, "7.9", "PU12", &err), FERRY_EINVAL);
	assert_non_null(strstr(err.msg, "valid releases are 7.0, 7.0.1"));
	assert_int_equal(ferry_catalog_combination_check(cat, "7.3", "PU0", &err), FERRY_EINVAL);
	assert_int_equal(ferry_catalog_combination_check(cat, "ax2012", "PU12", &err), FERRY_EINVAL);
	assert_non_null(strstr(err.msg, "only a source"));
}

static void test_moves_and_targets(void **state)
{
	struct ferry_catalog *cat = *state;
	const struct ferry_catalog_move *m;
	struct ferry_catalog_target *t;
	struct ferry_error err;
	char path[48];
	size_t n;

	m = ferry_catalog_find_move(cat, ferry_catalog_release(cat, "7.2"), ferry_catalog_release(cat, "7.3"));
	assert_non_null(m);
	ferry_catalog_move_path(m, path);
	assert_string_equal(path, "$.code_upgrade[1]");
	assert_true(m->code_upgrade_required);
	m = ferry_catalog_find_move(cat, ferry_catalog_release(cat, "7.0.1"), ferry_catalog_release(cat, "7.0.1-pu2"));
	assert_non_null(m);
	assert_int_equal(m->type, FERRY_CATALOG_MOVE_PLATFORM);
	assert_false(m->code_upgrade_required);
	assert_null(ferry_catalog_find_move(cat, ferry_catalog_release(cat, "ax2012"), ferry_catalog_release(cat, "8.0")));
	assert_null(ferry_catalog_find_move(cat, ferry_catalog_release(cat, "7.3"), ferry_catalog_release(cat, "7.2")));

	assert_int_equal(ferry_catalog_targets(cat, "7.3", "PU12", &t, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(t[0].release->id, "8.1");
	assert_string_equal(t[0].min_platform->id, "PU20");
	assert_string_equal(t[0].kind, "upgrade");
	assert_string_equal(t[1].release->id, "8.0");
	assert_string_equal(t[2].release->id, "7.3");
	assert_string_equal(t[2].kind, "platform-update");
	assert_string_equal(t[2].min_platform->id, "PU13");
	free(t);
	assert_int_equal(ferry_catalog_targets(cat, "8.0", NULL, &t, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(t[0].kind, "update");
	free(t);
	assert_int_equal(ferry_catalog_targets(cat, "8.1", "PU30", &t, &n, &err), 0);
	assert_int_equal(n, 0);
	free(t);
	assert_int_equal(ferry_catalog_targets(cat, "ax2012", NULL, &t, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(t[0].release->id, "7.3");
	assert_string_equal(t[1].release->id, "7.2");
	free(t);
	assert_int_equal(ferry_catalog_targets(cat, "8.1", "PU12", &t, &n, &err), FERRY_EREFUSED);
	assert_null(t);
}

static void drop_release_name(json_t *root)
{
	json_object_del(json_array_get(json_object_get(root, "releases"), 4), "name");
}

static void unknown_combo_platform(json_t *root)
{
	json_object_set_new(json_array_get(json_object_get(root, "combinations"), 2), "min_platform",
			    json_string("PU99"));
}

static void duplicate_build(json_t *root)
{
	json_object_set_new(json_array_get(json_object_get(root, "releases"), 6), "build",
			    json_string("7.2.11792.56024"));
}

static void platform_move_changing_app(json_t *root)
{
	json_t *row = json_array_get(json_object_get(root, "code_upgrade"), 10);
	json_object_set_new(row, "targets", json_pack("[s]", "7.1"));
}

static void rules_unknown_release(json_t *root)
{
	json_object_set_new(json_object_get(json_object_get(root, "rules"), "hotfixes_unsupported_from"),
			    "release", json_string("9.0"));
}

static void test_validation_errors(void **state)
{
	struct ferry_catalog *cat = NULL;
	struct ferry_error err;

	(void)state;
	assert_int_equal(parse_mutated(drop_release_name, &err), FERRY_EINVAL);
	assert_string_equal(err.msg, "mutated.json: $.releases[4]: missing required field 'name'");
	assert_int_equal(parse_mutated(unknown_combo_platform, &err), FERRY_EINVAL);
	assert_string_equal(err.msg, "mutated.json: $.combinations[2]: 'min_platform' names unknown platform 'PU99' (not in $.platforms)");
	assert_int_equal(parse_mutated(duplicate_build, &err), FERRY_EINVAL);
	assert_non_null(strstr(err.msg, "$.releases[6]: build '7.2.11792.56024' is also the build of release '7.2'"));
	assert_int_equal(parse_mutated(platform_move_changing_app, &err), FERRY_EINVAL);
	assert_non_null(strstr(err.msg, "$.code_upgrade[10].targets[0]: a platform move must keep the application"));
	assert_int_equal(parse_mutated(rules_unknown_release, &err), FERRY_EINVAL);
	assert_non_null(strstr(err.msg, "$.rules.hotfixes_unsupported_from: 'release' names unknown release '9.0'"));

	ferry_error_clear(&err);
	assert_int_equal(ferry_catalog_parse("{\"format\": 1,\n \"product\": }", 29, "x.json", &cat, &err), FERRY_EINVAL);
	assert_null(cat);
	assert_non_null(strstr(err.msg, "x.json:2:"));
	assert_non_null(strstr(err.msg, "invalid JSON"));
	assert_int_equal(ferry_catalog_parse("[]", 2, "y.json", &cat, &err), FERRY_EINVAL);
	assert_string_equal(err.msg, "y.json: $: a catalog must be a JSON object, not an array");
	assert_int_equal(ferry_catalog_parse("{\"a\":1,\"a\":2}", 13, "d.json", &cat, &err), FERRY_EINVAL);
	assert_int_equal(ferry_catalog_load("/nonexistent/c.json", &cat, &err), FERRY_ENOTFOUND);
}

static void test_search_path(void **state)
{
	char tmpl[] = "/tmp/ferry-test-catalog.XXXXXX", file[512], *path = NULL;
	struct ferry_catalog *cat = NULL, *shipped = *state;
	struct ferry_settings s;
	struct ferry_error err;
	json_t *copy, *list;
	char *dir = mkdtemp(tmpl);

	assert_non_null(dir);
	copy = json_deep_copy(shipped->json);
	json_object_set_new(copy, "product", json_string("acme"));
	snprintf(file, sizeof(file), "%s/acme.json", dir);
	assert_int_equal(json_dump_file(copy, file, 0), 0);
	json_decref(copy);

	ferry_settings_init(&s);
	assert_int_equal(ferry_settings_set(&s, "catalog-dir", dir, &err), 0);
	assert_int_equal(ferry_catalog_find(&s, "acme", &path, &err), 0);
	assert_string_equal(path, file);
	free(path);
	assert_int_equal(ferry_catalog_open_settings(&s, "acme", &cat, &err), 0);
	assert_string_equal(cat->product, "acme");
	ferry_catalog_free(cat);
	assert_int_equal(ferry_catalog_open_settings(&s, NULL, &cat, &err), 0); /* default product, built in */
	assert_string_equal(cat->product, "finance-operations");
	ferry_catalog_free(cat);
	assert_int_equal(ferry_catalog_open_settings(&s, "nope", &cat, &err), FERRY_ENOTFOUND);
	assert_non_null(strstr(err.msg, "products with a catalog:"));
	assert_non_null(strstr(err.msg, "acme"));
	assert_int_equal(ferry_catalog_open_settings(&s, "../etc/passwd", &cat, &err), FERRY_EINVAL);
	assert_int_equal(ferry_catalog_list(&s, &list, &err), 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "product")), "acme");
	json_decref(list);
	ferry_settings_release(&s);
	assert_int_equal(ferry_catalog_open(NULL, "acme", &cat, &err), FERRY_ENOTFOUND);
	ferry_rm_rf(dir, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_load_shipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_platforms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_combinations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_moves_and_targets, setup, teardown),
		cmocka_unit_test(test_validation_errors),
		cmocka_unit_test_setup_teardown(test_search_path, setup, teardown),
	};
	return cmocka_run_group_tests_name("catalog", tests, NULL, NULL);
}
