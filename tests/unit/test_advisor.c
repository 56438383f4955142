/* SPDX-License-Identifier: MIT */
/* test_advisor.c: unit tests of the upgrade advisor against the shipped catalog. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ferry/catalog/advisor.h"
#include "ferry/catalog/catalog.h"
#include "ferry/base/error.h"

#include <stdlib.h>
#include <string.h>

static int setup(void **state)
{
	struct ferry_catalog *cat;

	if (ferry_catalog_load(FERRY_SRCDIR "/catalog/finance-operations.json", &cat, NULL))
		return -1;
	*state = cat;
	return 0;
}

static int teardown(void **state)
{
	ferry_catalog_free(*state);
	return 0;
}

static struct ferry_advice *check(void **state, const char *from, const char *fp, const char *to,
				  const char *tp, int want_rc)
{
	struct ferry_advice_request req = { from, to, fp, tp };
	struct ferry_advice *adv = NULL;
	struct ferry_error err;

	ferry_error_clear(&err);
	assert_int_equal(ferry_advisor_check(*state, &req, &adv, &err), want_rc);
	return adv;
}

static void test_upgrade(void **state)
{
	struct ferry_advice *a = check(state, "7.2.11792.56024", NULL, "8.0", NULL, 0);

	assert_int_equal(a->kind, FERRY_MOVE_UPGRADE);
	assert_string_equal(a->from->id, "7.2");
	assert_string_equal(a->from_platform->id, "PU9");
	assert_string_equal(a->to_platform->id, "PU15");
	assert_true(a->code_upgrade_required);
	assert_true(a->data_upgrade_required);
	assert_true(a->refactor_overlayering_required);
	assert_true(a->hotfixes_supported);
	assert_int_equal(a->move->row, 1);
	assert_int_equal(json_array_size(a->steps), 9);
	ferry_advice_free(a);
}

static void test_update_and_platform(void **state)
{
	struct ferry_advice *a = check(state, "8.0", NULL, "8.1", NULL, 0);
	json_t *j;

	assert_int_equal(a->kind, FERRY_MOVE_UPDATE);
	assert_false(a->code_upgrade_required);
	assert_false(a->data_upgrade_required);
	assert_false(a->refactor_overlayering_required);
	assert_false(a->hotfixes_supported);
	j = ferry_advice_to_json(a);
	assert_string_equal(json_string_value(json_object_get(j, "kind")), "update");
	assert_true(json_is_false(json_object_get(j, "data_upgrade_required")));
	json_decref(j);
	ferry_advice_free(a);

	a = check(state, "7.0.1-pu2", NULL, "7.0.1-pu2", "PU3", 0);
	assert_int_equal(a->kind, FERRY_MOVE_PLATFORM_UPDATE);
	assert_null(a->move);
	assert_false(a->code_upgrade_required);
	assert_true(a->refactor_overlayering_required);
	ferry_advice_free(a);

	a = check(state, "8.1", NULL, "8.1", "PU25", 0);
	assert_int_equal(a->kind, FERRY_MOVE_PLATFORM_UPDATE);
	assert_false(a->refactor_overlayering_required);
	ferry_advice_free(a);
}

static void test_unsupported(void **state)
{
	struct ferry_advice *a = check(state, "7.3", NULL, "7.1", NULL, FERRY_EREFUSED);
	json_t *j;

	assert_non_null(a);
	assert_int_equal(a->kind, FERRY_MOVE_UNSUPPORTED);
	assert_non_null(strstr(a->reason, "downgrades are not supported"));
	assert_int_equal(json_array_size(a->allowed_targets), 3);
	assert_int_equal(json_array_size(a->steps), 0);
	j = ferry_advice_to_json(a);
	assert_true(json_is_null(json_object_get(j, "code_upgrade_required")));
	assert_string_equal(json_string_value(json_object_get(j, "kind")), "unsupported");
	json_decref(j);
	ferry_advice_free(a);

	a = check(state, "ax2012", NULL, "8.1", NULL, FERRY_EREFUSED);
	assert_int_equal(json_array_size(a->allowed_targets), 2);
	ferry_advice_free(a);

	assert_null(check(state, "7.3.11971", NULL, "8.1", NULL, FERRY_EINVAL));
	assert_null(check(state, "7.3", "PU99", "8.1", NULL, FERRY_EINVAL));
	assert_null(check(state, "7.3", NULL, "7.3", NULL, FERRY_EINVAL));
	assert_null(check(state, "8.0", "PU12", "8.1", NULL, FERRY_EINVAL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_upgrade, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update_and_platform, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsupported, setup, teardown),
	};
	return cmocka_run_group_tests_name("advisor", tests, NULL, NULL);
}
