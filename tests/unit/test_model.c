/* SPDX-License-Identifier: MIT */
/* test_model.c: source models, release rules, the platform overlayering check and the
 * patch engine's text transforms. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ferry/base/buf.h"
#include "ferry/catalog/catalog.h"
#include "ferry/base/error.h"
#include "ferry/catalog/model.h"
#include "ferry/lifecycle/codeupgrade.h"
#include "ferry/lifecycle/hotfix.h"
#include "ferry/lifecycle/patch.h"

#include <string.h>

static void test_release_cmp(void **state)
{
	(void)state;
	assert_true(ferry_release_cmp("7.3", "8.0") < 0);
	assert_true(ferry_release_cmp("8.1", "8.0") > 0);
	assert_int_equal(ferry_release_cmp("8.1", "8.1"), 0);
	assert_true(ferry_release_cmp("8.1.10", "8.1.9") > 0);
	assert_true(ferry_release_cmp("10.0", "8.1") > 0);
	assert_true(ferry_release_cmp(NULL, "7.0") < 0);
}

static struct ferry_catalog *fo_catalog(void)
{
	struct ferry_catalog *cat = NULL;
	struct ferry_error err;

	assert_int_equal(ferry_catalog_load(FERRY_SRCDIR "/catalog/finance-operations.json", &cat, &err), 0);
	return cat;
}

/* Nothing is compiled in: without a catalog every rule gives the cautious answer. */
static void test_rules(void **state)
{
	struct ferry_catalog *cat = fo_catalog();

	(void)state;
	assert_false(ferry_code_overlayering_locked(cat, "7.3"));
	assert_true(ferry_code_overlayering_locked(cat, "8.0"));
	assert_true(ferry_code_overlayering_locked(cat, "8.1"));
	assert_true(ferry_code_hotfixes_supported(cat, "7.3"));
	assert_true(ferry_code_hotfixes_supported(cat, "8.0"));
	assert_false(ferry_code_hotfixes_supported(cat, "8.1"));
	assert_false(ferry_code_hotfixes_supported(cat, "10.0"));
	assert_string_equal(ferry_code_hotfix_end_release(cat), "8.1");
	assert_true(ferry_code_is_platform_model(cat, "ApplicationPlatform"));
	assert_true(ferry_code_is_platform_model(cat, "ApplicationFoundation"));
	assert_true(ferry_code_is_platform_model(cat, "Directory"));
	assert_true(ferry_code_is_platform_model(cat, "TestEssentials"));
	assert_false(ferry_code_is_platform_model(cat, "ApplicationSuite"));
	assert_false(ferry_code_platform_locked(cat, "PU1"));
	assert_false(ferry_code_platform_locked(cat, "PU2"));
	assert_true(ferry_code_platform_locked(cat, "PU3"));
	assert_true(ferry_code_platform_locked(cat, "PU20"));
	assert_true(ferry_code_platform_locked(cat, NULL));
	assert_true(ferry_code_platform_locked(cat, "PU9999"));
	/* a NULL release: nothing to judge */
	assert_false(ferry_code_overlayering_locked(cat, NULL));
	assert_true(ferry_code_hotfixes_supported(cat, NULL));
	ferry_catalog_free(cat);
	/* no catalog */
	assert_true(ferry_code_overlayering_locked(NULL, "7.3"));
	assert_false(ferry_code_hotfixes_supported(NULL, "7.3"));
	assert_null(ferry_code_hotfix_end_release(NULL));
	assert_false(ferry_code_is_platform_model(NULL, "ApplicationPlatform"));
	assert_true(ferry_code_platform_locked(NULL, "PU1"));
}

/* What applies the rules refuses to run without a catalog rather than guess. */
static void test_rules_need_catalog(void **state)
{
	struct ferry_code_upgrade_opts o = { .src = "/nonexistent", .to = "8.1" };
	struct ferry_error err;
	json_t *rep = NULL;

	(void)state;
	ferry_error_clear(&err);
	assert_int_equal(ferry_hotfix_apply(NULL, "/nonexistent", NULL, 0, NULL, &rep, &err), FERRY_EINVAL);
	assert_non_null(strstr(err.msg, "catalog"));
	assert_null(rep);
	ferry_error_clear(&err);
	assert_int_equal(ferry_code_upgrade(&o, &rep, &err), FERRY_EINVAL);
	assert_non_null(strstr(err.msg, "catalog"));
	assert_null(rep);
}

static void test_rules_from_catalog(void **state)
{
	struct ferry_catalog *cat = NULL;
	struct ferry_error err;

	(void)state;
	assert_int_equal(ferry_catalog_load(FERRY_SRCDIR "/catalog/finance-operations.json", &cat, &err), 0);
	assert_false(ferry_code_overlayering_locked(cat, "7.3"));
	assert_true(ferry_code_overlayering_locked(cat, "8.0"));
	assert_true(ferry_code_hotfixes_supported(cat, "8.0"));
	assert_false(ferry_code_hotfixes_supported(cat, "8.1"));
	assert_string_equal(ferry_code_hotfix_end_release(cat), "8.1");
	assert_true(ferry_code_is_platform_model(cat, "ApplicationFoundation"));
	assert_true(ferry_code_is_platform_model(cat, "Application Foundation"));
	assert_false(ferry_code_is_platform_model(cat, "ApplicationSuite"));
	assert_false(ferry_code_platform_locked(cat, "PU2"));
	assert_true(ferry_code_platform_locked(cat, "PU12"));
	/* unknown to the catalog: judged by number against the catalog's rule release */
	assert_true(ferry_code_overlayering_locked(cat, "9.9"));
	assert_false(ferry_code_hotfixes_supported(cat, "9.9"));
	ferry_catalog_free(cat);
}

static const char *const vendor_json =
	"{\"name\":\"ApplicationFoundation\",\"owner\":\"vendor\",\"layer\":\"sys\",\"version\":\"7.0.1\","
	"\"elements\":[{\"name\":\"NumberSeq\",\"file\":\"AxClass/NumberSeq.xpp\"}]}";
static const char *const suite_json =
	"{\"name\":\"ApplicationSuite\",\"owner\":\"vendor\",\"layer\":\"sys\",\"version\":\"7.3.11971.1\","
	"\"elements\":[{\"name\":\"CustTable\",\"file\":\"CustTable.xpp\"}]}";
static const char *const cust_json =
	"{\"name\":\"Contoso\",\"owner\":\"customer\",\"layer\":\"cus\",\"elements\":["
	"{\"name\":\"NumberSeq\",\"file\":\"NumberSeq.xpp\",\"overlayers\":\"ApplicationFoundation\"},"
	"{\"name\":\"CustTable.Contoso\",\"file\":\"CustTable.Contoso.xpp\","
	" \"extends\":{\"model\":\"ApplicationSuite\",\"element\":\"CustTable\"}},"
	"{\"name\":\"Ghost\",\"file\":\"Ghost.xpp\",\"overlayers\":{\"model\":\"ApplicationSuite\",\"element\":\"Nope\"}}]}";

static int all_exist(void *ctx, const char *path)
{
	(void)ctx;
	return strcmp(path, "Contoso/Ghost.xpp") != 0;
}

static struct ferry_source *sample(void)
{
	struct ferry_source *src = ferry_source_new();
	struct ferry_error err;

	assert_non_null(src);
	assert_int_equal(ferry_source_add(src, "Contoso", cust_json, strlen(cust_json), &err), 0);
	assert_int_equal(ferry_source_add(src, "AF", vendor_json, strlen(vendor_json), &err), 0);
	assert_int_equal(ferry_source_add(src, "AS", suite_json, strlen(suite_json), &err), 0);
	assert_int_equal(ferry_source_finish(src, all_exist, NULL, &err), 0);
	return src;
}

static void test_source(void **state)
{
	struct ferry_source *src = sample();
	const struct ferry_model *m;
	const struct ferry_element *e;

	(void)state;
	assert_string_equal(src->release, "7.3");
	assert_string_equal(src->models[0].layer, "sys"); /* sorted by layer */
	assert_string_equal(src->models[2].name, "Contoso");
	m = ferry_source_model_of(src, "Contoso/NumberSeq.xpp");
	assert_non_null(m);
	assert_string_equal(m->name, "Contoso");
	assert_null(ferry_source_model_of(src, "Other/x.xpp"));
	e = &m->elements[0];
	assert_string_equal(e->kind, "overlayer");
	assert_string_equal(e->file, "Contoso/NumberSeq.xpp");
	assert_string_equal(e->target_model, "ApplicationFoundation");
	assert_string_equal(e->target_element, "NumberSeq");
	assert_string_equal(m->elements[1].kind, "extension");
	assert_non_null(ferry_source_element(src, "ApplicationSuite", "CustTable"));
	assert_null(ferry_source_element(src, "Contoso", "NumberSeq")); /* not its own */
	/* Ghost: its file is missing and its target element does not exist */
	assert_int_equal(json_array_size(src->problems), 2);
	ferry_source_free(src);
}

static void test_source_refusals(void **state)
{
	struct ferry_source *src = ferry_source_new();
	struct ferry_error err;
	const char *bad_owner = "{\"name\":\"X\",\"owner\":\"me\",\"layer\":\"cus\"}";
	const char *bad_file = "{\"name\":\"X\",\"owner\":\"customer\",\"layer\":\"cus\","
			       "\"elements\":[{\"name\":\"a\",\"file\":\"../../etc/passwd\"}]}";
	const char *up = "{\"name\":\"X\",\"owner\":\"vendor\",\"layer\":\"sys\","
			 "\"elements\":[{\"name\":\"a\",\"file\":\"a\",\"overlayers\":\"Contoso\"}]}";
	size_t i, found;

	(void)state;
	assert_int_equal(ferry_source_add(src, "X", bad_owner, strlen(bad_owner), &err), FERRY_EINVAL);
	assert_int_equal(ferry_source_add(src, "X", bad_file, strlen(bad_file), &err), FERRY_EUNSAFE);
	assert_int_equal(ferry_source_add(src, "X", "{", 1, &err), FERRY_EINVAL);
	ferry_source_free(src);
	/* a lower layer overlayering a higher one is a problem */
	src = ferry_source_new();
	assert_int_equal(ferry_source_add(src, "C", cust_json, strlen(cust_json), &err), 0);
	assert_int_equal(ferry_source_add(src, "X", up, strlen(up), &err), 0);
	assert_int_equal(ferry_source_finish(src, NULL, NULL, &err), 0);
	for (i = 0, found = 0; i < json_array_size(src->problems); i++)
		found += strstr(json_string_value(json_array_get(src->problems, i)), "only a lower layer") != NULL;
	assert_int_equal(found, 1);
	ferry_source_free(src);
	/* the same model twice */
	src = ferry_source_new();
	assert_int_equal(ferry_source_add(src, "A", suite_json, strlen(suite_json), &err), 0);
	assert_int_equal(ferry_source_add(src, "B", suite_json, strlen(suite_json), &err), 0);
	assert_int_equal(ferry_source_finish(src, NULL, NULL, &err), FERRY_EINVAL);
	ferry_source_free(src);
}

static void test_platform_overlayering(void **state)
{
	struct ferry_catalog *cat = fo_catalog();
	struct ferry_source *src = sample();
	struct ferry_error err;
	json_t *view = ferry_source_to_json(cat, src), *hits = NULL, *manifest;

	(void)state;
	/* from a source tree: the element overlayering Application Foundation */
	assert_int_equal(ferry_code_platform_overlayering(cat, json_object_get(view, "models"), &hits, &err), 0);
	assert_int_equal(json_array_size(hits), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(hits, 0), "model")), "Contoso");
	assert_string_equal(json_string_value(json_object_get(json_array_get(hits, 0), "element")), "NumberSeq");
	assert_string_equal(json_string_value(json_object_get(json_array_get(hits, 0), "target_model")),
			    "ApplicationFoundation");
	json_decref(hits);
	/* from package manifests: model granularity */
	manifest = json_pack("[{s:s, s:[s, s]}, {s:s, s:[]}, {s:s}]", "name", "ContosoCore",
			     "overlayers", "ApplicationSuite", "Directory", "name", "ContosoExt",
			     "overlayers", "name", "FabrikamTax");
	assert_int_equal(ferry_code_platform_overlayering(cat, manifest, &hits, &err), 0);
	assert_int_equal(json_array_size(hits), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(hits, 0), "target_model")), "Directory");
	assert_string_equal(json_string_value(json_object_get(json_array_get(hits, 0), "element")), "*");
	json_decref(hits);
	json_decref(manifest);
	/* nothing overlayers the platform */
	manifest = json_pack("[{s:s, s:[s]}]", "name", "X", "overlayers", "ApplicationSuite");
	assert_int_equal(ferry_code_platform_overlayering(cat, manifest, &hits, &err), 0);
	assert_int_equal(json_array_size(hits), 0);
	json_decref(hits);
	json_decref(manifest);
	/* malformed input */
	manifest = json_pack("[{s:s, s:[i]}]", "name", "X", "overlayers", 3);
	assert_int_equal(ferry_code_platform_overlayering(cat, manifest, &hits, &err), FERRY_EINVAL);
	assert_null(hits);
	json_decref(manifest);
	assert_int_equal(ferry_code_platform_overlayering(cat, json_object_get(view, "release"), &hits, &err),
			 FERRY_EINVAL);
	/* without a catalog no model is a platform model */
	manifest = json_pack("[{s:s, s:[s]}]", "name", "X", "overlayers", "Directory");
	assert_int_equal(ferry_code_platform_overlayering(NULL, manifest, &hits, &err), 0);
	assert_int_equal(json_array_size(hits), 0);
	json_decref(hits);
	json_decref(manifest);
	json_decref(view);
	ferry_source_free(src);
	ferry_catalog_free(cat);
}

static void test_patch_text(void **state)
{
	const char *plain = "--- old/A/x.xpp\t2018-01-01 10:00:00\n+++ new/A/x.xpp\t2018-01-02\n"
			    "@@ -1,2 +1,2 @@\n a\n-b\n+c\n";
	struct ferry_buf n = FERRY_BUF_INIT, r = FERRY_BUF_INIT, rr = FERRY_BUF_INIT;
	struct ferry_error err;
	json_t *files = NULL;

	(void)state;
	assert_int_equal(ferry_patch_normalize(plain, strlen(plain), &n, &err), 0);
	assert_string_equal(n.data, "diff --git a/A/x.xpp b/A/x.xpp\n--- a/A/x.xpp\n+++ b/A/x.xpp\n"
				    "@@ -1,2 +1,2 @@\n a\n-b\n+c\n");
	assert_int_equal(ferry_patch_reverse(n.data, n.len, &r, &err), 0);
	assert_string_equal(r.data, "diff --git a/A/x.xpp b/A/x.xpp\n--- a/A/x.xpp\n+++ b/A/x.xpp\n"
				    "@@ -1,2 +1,2 @@\n a\n+b\n-c\n");
	assert_int_equal(ferry_patch_reverse(r.data, r.len, &rr, &err), 0);
	assert_string_equal(rr.data, n.data);
	assert_int_equal(ferry_patch_files(n.data, n.len, &files, &err), 0);
	assert_int_equal(json_array_size(files), 1);
	assert_string_equal(json_string_value(json_array_get(files, 0)), "A/x.xpp");
	json_decref(files);
	ferry_buf_reset(&r);
	assert_int_equal(ferry_patch_normalize("hello\n", 6, &r, &err), FERRY_EINVAL);
	ferry_buf_release(&n);
	ferry_buf_release(&r);
	ferry_buf_release(&rr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_release_cmp),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_rules_need_catalog),
		cmocka_unit_test(test_rules_from_catalog),
		cmocka_unit_test(test_source),
		cmocka_unit_test(test_source_refusals),
		cmocka_unit_test(test_platform_overlayering),
		cmocka_unit_test(test_patch_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
