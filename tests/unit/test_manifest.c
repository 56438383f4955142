/* SPDX-License-Identifier: MIT */
/* test_manifest.c: manifest.json parsing, validation errors and version ordering. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "ferry/base/error.h"
#include "ferry/package/manifest.h"

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const char *good =
	"{\"format\": 1, \"name\": \"ledger-isv-tax\", \"version\": \"8.1.2\", \"type\": \"isv\","
	" \"product\": \"finance-operations\", \"applies_to\": {\"releases\": [\"8.0\", \"8.1\"], \"platforms\": [\"PU20\"]},"
	" \"requires\": [{\"name\": \"ledger-app\", \"min_version\": \"8.1.0\"}],"
	" \"models\": [{\"name\": \"FabrikamTax\", \"owner\": \"isv\", \"layer\": \"isv\", \"overlayers\": [], \"extends\": [\"ApplicationSuite\"]}],"
	" \"service\": {\"exec\": [\"bin/ledger\", \"serve\"], \"health\": \"/health\", \"version\": \"/version\"},"
	" \"scripts\": {\"pre-install\": [{\"name\": \"check\", \"exec\": [\"bin/ledger\", \"check\"]}],"
	"   \"post-install\": [{\"name\": \"tables\", \"sql\": \"sql/t.sql\"}], \"scrub\": [{\"name\": \"s\", \"sql\": \"sql/t.sql\"}]},"
	" \"data_upgrade\": [{\"phase\": \"post-sync\", \"name\": \"c\", \"sql\": \"sql/t.sql\"},"
	"   {\"phase\": \"prerequisites\", \"name\": \"a\", \"exec\": [\"bin/ledger\"]},"
	"   {\"phase\": \"post-sync\", \"name\": \"d\", \"sql\": \"sql/t.sql\"},"
	"   {\"phase\": \"schema-sync\", \"name\": \"b\", \"sql\": \"sql/t.sql\"}],"
	" \"dvt\": [{\"service_model\": \"MRProcessService\", \"exec\": [\"bin/ledger\", \"dvt\"]}],"
	" \"payload\": [{\"path\": \"sql/t.sql\", \"size\": 3, \"mode\": \"0644\", \"sha256\": \"" H64 "\"},"
	"   {\"path\": \"bin/ledger\", \"size\": 10, \"mode\": \"0755\", \"sha256\": \"" H64 "\"}]}";

static void test_parse_good(void **state)
{
	struct ferry_manifest *m;
	struct ferry_error err;

	(void)state;
	assert_int_equal(ferry_manifest_parse(good, strlen(good), &m, &err), 0);
	assert_string_equal(m->name, "ledger-isv-tax");
	assert_int_equal(m->type, FERRY_PKG_ISV);
	assert_int_equal(m->applies_releases.n, 2);
	assert_string_equal(m->requires[0].min_version, "8.1.0");
	assert_int_equal(m->models[0].owner, FERRY_OWNER_ISV);
	assert_string_equal(m->models[0].extends.v[0], "ApplicationSuite");
	assert_true(m->service.present);
	assert_int_equal(m->service.ready_timeout_s, 20);
	assert_int_equal(m->service.health_timeout_ms, FERRY_HEALTH_TIMEOUT_MS);
	assert_int_equal(m->dvt.v[0].timeout_s, FERRY_DVT_TIMEOUT_S);
	assert_int_equal(ferry_manifest_dvt_timeout_s(json_array_get(json_object_get(m->root, "dvt"), 0)),
			 FERRY_DVT_TIMEOUT_S);
	assert_string_equal(m->pre_install.v[0].exec.v[1], "check");
	assert_string_equal(m->post_install.v[0].sql, "sql/t.sql");
	/* data upgrade: by phase, then listed order */
	assert_int_equal(m->data_upgrade.n, 4);
	assert_string_equal(m->data_upgrade.v[0].name, "a");
	assert_string_equal(m->data_upgrade.v[1].name, "b");
	assert_string_equal(m->data_upgrade.v[2].name, "c");
	assert_string_equal(m->data_upgrade.v[3].name, "d");
	assert_string_equal(m->dvt.v[0].service_model, "MRProcessService");
	assert_string_equal(m->dvt.v[0].name, "MRProcessService");
	/* payload sorted by path, with lookups */
	assert_string_equal(m->payload[0].path, "bin/ledger");
	assert_int_equal(m->payload[0].mode, 0755);
	assert_non_null(ferry_manifest_file(m, "sql/t.sql"));
	assert_null(ferry_manifest_file(m, "sql"));
	assert_true(ferry_manifest_is_dir(m, "sql"));
	assert_false(ferry_manifest_is_dir(m, "sq"));
	assert_int_equal(m->payload_bytes, 13);
	assert_true(ferry_manifest_applies(m, "8.1", "PU20"));
	assert_false(ferry_manifest_applies(m, "7.3", NULL));
	assert_false(ferry_manifest_applies(m, "8.1", "PU12"));
	ferry_manifest_free(m);
}

/* Replace the first occurrence of `from` in good by `to` and expect an error naming `want`. */
static void expect_error(const char *from, const char *to, const char *want)
{
	char doc[8192], *p;
	struct ferry_manifest *m = NULL;
	struct ferry_error err;

	p = strstr(good, from);
	assert_non_null(p);
	snprintf(doc, sizeof(doc), "%.*s%s%s", (int)(p - good), good, to, p + strlen(from));
	ferry_error_clear(&err);
	assert_int_not_equal(ferry_manifest_parse(doc, strlen(doc), &m, &err), 0);
	assert_null(m);
	if (!strstr(err.msg, want))
		fail_msg("expected '%s' in '%s'", want, err.msg);
}

/* Timeouts a package declares: per DVT and per health request. */
static void test_timeouts(void **state)
{
	static const char *from1 = "\"exec\": [\"bin/ledger\", \"dvt\"]}", *from2 = "\"version\": \"/version\"}";
	char doc1[8192], doc[8192], *p;
	struct ferry_manifest *m;
	struct ferry_error err;

	(void)state;
	p = strstr(good, from1);
	assert_non_null(p);
	snprintf(doc1, sizeof(doc1), "%.*s\"exec\": [\"bin/ledger\", \"dvt\"], \"timeout_s\": 900}%s",
		 (int)(p - good), good, p + strlen(from1));
	p = strstr(doc1, from2);
	assert_non_null(p);
	snprintf(doc, sizeof(doc), "%.*s\"version\": \"/version\", \"health_timeout_ms\": 2500}%s",
		 (int)(p - doc1), doc1, p + strlen(from2));
	assert_int_equal(ferry_manifest_parse(doc, strlen(doc), &m, &err), 0);
	assert_int_equal(m->dvt.v[0].timeout_s, 900);
	assert_int_equal(m->service.health_timeout_ms, 2500);
	assert_int_equal(ferry_manifest_dvt_timeout_s(json_array_get(json_object_get(m->root, "dvt"), 0)), 900);
	ferry_manifest_free(m);
}

static void test_errors_name_the_field(void **state)
{
	(void)state;
	expect_error("\"format\": 1", "\"format\": 2", "format: 2 is not supported");
	expect_error("\"version\": \"8.1.2\"", "\"version\": \"eight\"", "version: 'eight' is not a dotted-number");
	expect_error("\"type\": \"isv\"", "\"type\": \"plugin\"", "type: 'plugin' unknown");
	expect_error("\"owner\": \"isv\"", "\"owner\": 7", "models[0].owner: must be a non-empty string");
	expect_error("\"exec\": [\"bin/ledger\", \"check\"]", "\"exec\": []", "scripts.pre-install[0].exec: must be a non-empty array");
	expect_error("\"sql\": \"sql/t.sql\"}], \"scrub\"", "\"sql\": \"sql/nope.sql\"}], \"scrub\"",
		     "scripts.post-install[0].sql: 'sql/nope.sql' is not a file listed in payload");
	expect_error("\"phase\": \"post-sync\"", "\"phase\": \"later\"", "data_upgrade[0].phase: unknown phase 'later'");
	expect_error("\"service_model\": \"MRProcessService\", ", "", "dvt[0].name: missing");
	expect_error("\"path\": \"sql/t.sql\"", "\"path\": \"../t.sql\"", "payload[0].path: '../t.sql' is not a safe relative path");
	expect_error("\"path\": \"sql/t.sql\"", "\"path\": \"/etc/t.sql\"", "absolute path");
	expect_error("\"path\": \"sql/t.sql\"", "\"path\": \"bin/ledger\"", "'bin/ledger' listed twice");
	expect_error("\"path\": \"sql/t.sql\"", "\"path\": \"bin/ledger/x\"", "is a file and also a directory");
	expect_error("\"mode\": \"0644\"", "\"mode\": \"rwx\"", "mode must be an octal string");
	expect_error("\"size\": 3", "\"size\": -3", "size must be a non-negative integer");
	expect_error("\"sha256\": \"" H64 "\"}", "\"sha256\": \"ABC\"}", "sha256: must be 64 lowercase hex digits");
	expect_error("\"scrub\"", "\"uninstall\"", "scripts: unknown phase 'uninstall'");
	expect_error("\"health\": \"/health\"", "\"health\": \"health\"", "service.health: must be an HTTP path");
	expect_error("\"health\": \"/health\"", "\"health\": \"/health\", \"health_timeout_ms\": 0",
		     "service.health_timeout_ms: must be an integer from 1 to 600000");
	expect_error("\"exec\": [\"bin/ledger\", \"dvt\"]}", "\"exec\": [\"bin/ledger\", \"dvt\"], \"timeout_s\": \"10\"}",
		     "dvt[0].timeout_s: must be an integer from 1 to 86400");
	expect_error("\"min_version\": \"8.1.0\"", "\"min_version\": \"8.x\"", "requires[0].min_version");
	expect_error("\"name\": \"ledger-isv-tax\", ", "", "name: missing (required)");
	expect_error("{\"format\"", "{\"name\": \"dup\", \"format\"", "invalid JSON");
}

/* A data-upgrade package with a reverse mapping, and the mistakes its parser names. */
static const char *dug =
	"{\"format\": 1, \"name\": \"du\", \"version\": \"8.1.0\", \"type\": \"data-upgrade\","
	" \"product\": \"p\", \"applies_to\": {\"releases\": [\"7.3\", \"8.0\"]},"
	" \"provides\": {\"release\": \"8.1\"},"
	" \"reverse\": [{\"release\": \"7.3\", \"tables\": ["
	"   {\"table\": \"customers\", \"sql\": \"rev/c.sql\"},"
	"   {\"table\": \"orders_v2\", \"into\": \"orders\", \"copy\": true},"
	"   {\"table\": \"tax_codes\", \"drop\": \"7.3 has none\"}]}],"
	" \"payload\": [{\"path\": \"rev/c.sql\", \"size\": 3, \"mode\": \"0644\", \"sha256\": \"" H64 "\"}]}";

static void expect_dug_error(const char *from, const char *to, const char *want)
{
	char doc[8192], *p;
	struct ferry_manifest *m = NULL;
	struct ferry_error err;

	p = strstr(dug, from);
	assert_non_null(p);
	snprintf(doc, sizeof(doc), "%.*s%s%s", (int)(p - dug), dug, to, p + strlen(from));
	ferry_error_clear(&err);
	assert_int_not_equal(ferry_manifest_parse(doc, strlen(doc), &m, &err), 0);
	assert_null(m);
	if (!strstr(err.msg, want))
		fail_msg("expected '%s' in '%s'", want, err.msg);
}

static void test_reverse(void **state)
{
	const struct ferry_reverse *r;
	struct ferry_manifest *m;
	struct ferry_error err;

	(void)state;
	assert_int_equal(ferry_manifest_parse(dug, strlen(dug), &m, &err), 0);
	assert_int_equal(m->n_reverse, 1);
	assert_null(ferry_manifest_reverse(m, "8.0"));
	r = ferry_manifest_reverse(m, "7.3");
	assert_non_null(r);
	assert_int_equal(r->n, 3);
	assert_int_equal(r->tables[0].kind, FERRY_REVERSE_SQL);
	assert_string_equal(r->tables[0].into, "customers");
	assert_string_equal(r->tables[1].into, "orders");
	assert_int_equal(r->tables[1].kind, FERRY_REVERSE_COPY);
	assert_int_equal(r->tables[2].kind, FERRY_REVERSE_DROP);
	assert_string_equal(r->tables[2].note, "7.3 has none");
	ferry_manifest_free(m);
	expect_dug_error("\"release\": \"7.3\", \"tables\"", "\"release\": \"7.2\", \"tables\"",
			 "reverse[0]: release '7.2' is not one this package upgrades from");
	expect_dug_error("\"sql\": \"rev/c.sql\"}", "\"sql\": \"rev/x.sql\"}",
			 "reverse[0].tables[0]: 'rev/x.sql' is not a file listed in payload");
	expect_dug_error("\"copy\": true", "\"copy\": true, \"drop\": \"x\"",
			 "reverse[0].tables[1]: table 'orders_v2' needs exactly one of");
	expect_dug_error("\"copy\": true", "\"copy\": false", "\"copy\" must be true");
	expect_dug_error("\"table\": \"tax_codes\"", "\"table\": \"customers\"",
			 "reverse[0].tables[2]: table 'customers' is mapped twice");
	expect_dug_error("\"into\": \"orders\"", "\"into\": \"or ders\"", "'or ders' is not a table name");
	expect_dug_error("\"table\": \"tax_codes\", ", "", "\"table\" is missing");
	expect_dug_error("\"tables\": [", "\"tables\": [], \"x\": [", "\"tables\" must be a non-empty array");
	expect_dug_error("\"drop\": \"7.3 has none\"", "\"drop\": \"7.3 has none\", \"where\": 1",
			 "unknown member \"where\"");
	expect_dug_error("\"type\": \"data-upgrade\"", "\"type\": \"isv\"",
			 "reverse: only data-upgrade packages map rows back");
}

/* applies_to.releases holds catalog release ids: 8.1 and 1.39-core alike; not free text. */
static void test_release_ids(void **state)
{
	struct ferry_manifest *m = NULL;
	struct ferry_error err;
	char doc[8192], *p;
	const char *from = "[\"8.0\", \"8.1\"]";

	(void)state;
	p = strstr(good, from);
	assert_non_null(p);
	snprintf(doc, sizeof(doc), "%.*s%s%s", (int)(p - good), good, "[\"1.39-core\", \"ax2012\"]",
		 p + strlen(from));
	assert_int_equal(ferry_manifest_parse(doc, strlen(doc), &m, &err), 0);
	assert_true(ferry_manifest_applies(m, "1.39-core", "PU20"));
	assert_false(ferry_manifest_applies(m, "1.39-moderation", "PU20"));
	ferry_manifest_free(m);
	expect_error("\"8.1\"]", "\"8 1\"]", "applies_to.releases: [1] '8 1' is not a release id");
	expect_error("\"8.1\"]", "\"-x\"]", "is not a release id");
}

static void test_application_needs_release(void **state)
{
	expect_error("\"type\": \"isv\"", "\"type\": \"application\"", "provides.release: required for application");
	expect_error("\"type\": \"isv\"", "\"type\": \"platform\"", "provides.platform: required");
	(void)state;
}

/* "model_sources": an application package's payload directory of vendor model sources. */
static void test_model_sources(void **state)
{
	static const char *app = "\"type\": \"application\", \"provides\": {\"release\": \"8.1\"},";
	char doc[8192], *p;
	struct ferry_manifest *m = NULL;
	struct ferry_error err;

	(void)state;
	p = strstr(good, "\"type\": \"isv\",");
	assert_non_null(p);
	snprintf(doc, sizeof(doc), "%.*s%s \"model_sources\": \"sql\",%s", (int)(p - good), good, app,
		 p + strlen("\"type\": \"isv\","));
	ferry_error_clear(&err);
	assert_int_equal(ferry_manifest_parse(doc, strlen(doc), &m, &err), 0);
	assert_string_equal(m->model_sources, "sql");
	ferry_manifest_free(m);
	expect_error("\"type\": \"isv\",", "\"type\": \"isv\", \"model_sources\": \"sql\",",
		     "model_sources: only application packages carry the vendor's model sources");
	expect_error("\"type\": \"isv\",", "\"type\": \"application\", \"provides\": {\"release\": \"8.1\"}, \"model_sources\": \"models\",",
		     "model_sources: 'models' holds no file of the payload");
	expect_error("\"type\": \"isv\",", "\"type\": \"application\", \"provides\": {\"release\": \"8.1\"}, \"model_sources\": \"../sql\",",
		     "model_sources: '../sql' is not a safe relative path");
	expect_error("\"type\": \"isv\",", "\"type\": \"application\", \"provides\": {\"release\": \"8.1\"}, \"model_sources\": \"sql/t.sql\",",
		     "holds no file of the payload");
}

static void test_version_cmp(void **state)
{
	(void)state;
	assert_true(ferry_version_cmp("8.1.10", "8.1.9") > 0);
	assert_true(ferry_version_cmp("8.1.9", "8.1.10") < 0);
	assert_int_equal(ferry_version_cmp("8.1", "8.1.0"), 0);
	assert_true(ferry_version_cmp("10.0", "9.9.9") > 0);
	assert_true(ferry_version_cmp("7.3", "8.0") < 0);
	assert_true(ferry_version_cmp("x", "1.0") < 0);
	assert_true(ferry_version_valid("8.1.2"));
	assert_false(ferry_version_valid("8..1"));
	assert_false(ferry_version_valid("8.1."));
	assert_false(ferry_version_valid(".8"));
	assert_false(ferry_version_valid("1234567890"));
	assert_false(ferry_version_valid(""));
}

static void test_path_check(void **state)
{
	(void)state;
	assert_int_equal(ferry_path_check("bin/ledger", NULL), 0);
	assert_int_equal(ferry_path_check("a/.hidden", NULL), 0);
	assert_int_not_equal(ferry_path_check("../x", NULL), 0);
	assert_int_not_equal(ferry_path_check("a/../x", NULL), 0);
	assert_int_not_equal(ferry_path_check("a/./x", NULL), 0);
	assert_int_not_equal(ferry_path_check("/x", NULL), 0);
	assert_int_not_equal(ferry_path_check("a//x", NULL), 0);
	assert_int_not_equal(ferry_path_check("a/", NULL), 0);
	assert_int_not_equal(ferry_path_check("a\\..\\x", NULL), 0);
	assert_int_not_equal(ferry_path_check("a\nb", NULL), 0);
	assert_int_not_equal(ferry_path_check("", NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_errors_name_the_field),
		cmocka_unit_test(test_release_ids),
		cmocka_unit_test(test_application_needs_release),
		cmocka_unit_test(test_reverse),
		cmocka_unit_test(test_model_sources),
		cmocka_unit_test(test_version_cmp),
		cmocka_unit_test(test_path_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
