/* SPDX-License-Identifier: MIT */
/* test_upgrade.c: the upgrade's records and rules (lib/lifecycle/upgrade_record.c,
 * upgrade_rules.c): phases, one upgrade in progress per environment, column updates
 * limited to known columns, finishing, per-project settings, the targets the catalog
 * allows and the target an operator types, and the rules of `upgrade begin` (nothing
 * else in progress, production only after a committed sandbox). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fixture.h"
#include "ferry/lifecycle/upgrade.h"
#include "ferry/ops/op.h"
#include "ferry/store/store.h"
#include "lifecycle/upgrade_int.h"

static int setup(void **state)
{
	static const char *const envs[] = { "sbx:sandbox", "prod:production", "dev:development", NULL };
	struct ufx *f = ufx_new("upgrade", NULL);

	ufx_project(f, "p", envs);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	ufx_free(*state);
	return 0;
}

/* An upgrades row for env in phase, to 8.1/PU20; returns its id. */
static int64_t insert(struct ufx *f, const char *env, const char *phase)
{
	struct ferry_env e;
	struct ferry_stmt *st;
	int64_t id;

	assert_int_equal(ferry_env_get(f->ctx, env, &e, &f->err), 0);
	if (ferry_store_query(f->ctx->store, &st, &f->err,
		"INSERT INTO upgrades(env_id, project_id, env, project, role, from_release, from_platform, "
		"to_release, to_platform, phase, app_asset, created_ms, updated_ms) "
		"VALUES(?, ?, ?, ?, ?, '7.3', 'PU12', '8.1', 'PU20', ?, 'aa', 1, 1) RETURNING id",
		"iitttt", e.id, e.project_id, e.name, e.project, ferry_env_role_name(e.role), phase))
		return -1;
	if (ferry_stmt_step(st, &f->err) != 1) {
		ferry_stmt_free(st);
		return -1;
	}
	id = ferry_stmt_int(st, 0);
	ferry_stmt_free(st);
	return id;
}

static void test_phases_and_records(void **state)
{
	static const char *const live[] = { FERRY_UP_PREPARING, FERRY_UP_PREPARED, FERRY_UP_DATA_UPGRADING,
		FERRY_UP_DATA_UPGRADED, FERRY_UP_COMMITTING, FERRY_UP_ROLLING_BACK, FERRY_UP_CANCELLING, NULL };
	static const char *const ended[] = { FERRY_UP_COMMITTED, FERRY_UP_ROLLED_BACK, FERRY_UP_CANCELLED, NULL };
	struct ufx *f = *state;
	struct ferry_upgrade u;
	int64_t id;
	size_t i;

	for (i = 0; live[i]; i++)
		assert_false(ferry_upgrade_phase_terminal(live[i]));
	for (i = 0; ended[i]; i++)
		assert_true(ferry_upgrade_phase_terminal(ended[i]));
	assert_int_equal(ferry_upgrade_active(f->ctx, "sbx", &u, &f->err), 0);
	assert_int_equal(ferry_upgrade_last(f->ctx, "sbx", &u, &f->err), 0);
	id = insert(f, "sbx", FERRY_UP_PREPARED);
	if (id <= 0)
		fail_msg("insert: %s", f->err.msg);
	/* one upgrade in progress per environment: the store refuses a second */
	assert_int_equal(insert(f, "sbx", FERRY_UP_PREPARING), -1);
	assert_int_equal(f->err.code, FERRY_EEXIST);
	assert_int_equal(ferry_upgrade_active(f->ctx, "sbx", &u, &f->err), 1);
	assert_int_equal(u.id, id);
	assert_string_equal(u.to_release, "8.1");
	/* columns: known ones only */
	assert_int_equal(up_set_int(f->ctx, id, "orig_port", 23456, &f->err), 0);
	assert_int_equal(up_set_text(f->ctx, id, "restore_point", "rp1", &f->err), 0);
	assert_int_equal(up_set_text(f->ctx, id, "phase; DROP TABLE upgrades; --", "x", &f->err), FERRY_EINTERNAL);
	assert_int_equal(up_set_int(f->ctx, id, "env_id", 99, &f->err), FERRY_EINTERNAL);
	assert_int_equal(up_set_phase(f->ctx, id, FERRY_UP_DATA_UPGRADED, &f->err), 0);
	assert_int_equal(up_get(f->ctx, id, &u, &f->err), 0);
	assert_int_equal(u.orig_port, 23456);
	assert_string_equal(u.restore_point, "rp1");
	assert_string_equal(u.phase, FERRY_UP_DATA_UPGRADED);
	/* finishing: ended, committed time, the environment's state follows its runtime */
	assert_int_equal(up_finish(f->ctx, &u, FERRY_UP_COMMITTED, "done", &f->err), 0);
	assert_int_equal(ferry_upgrade_active(f->ctx, "sbx", &u, &f->err), 0);
	assert_int_equal(ferry_upgrade_last(f->ctx, "sbx", &u, &f->err), 1);
	assert_string_equal(u.phase, FERRY_UP_COMMITTED);
	assert_string_equal(u.reason, "done");
	assert_true(u.ended_ms > 0 && u.committed_ms == u.ended_ms);
	assert_true(insert(f, "sbx", FERRY_UP_PREPARING) > 0);   /* a new one may begin */
}

static void test_settings(void **state)
{
	struct ufx *f = *state;
	struct ferry_upgrade_settings s, keep = { -1, 86400, -1, -1, 1 << 20, -1, -1, -1, -1 };
	struct ferry_project p;
	json_t *j;

	assert_int_equal(ferry_project_get(f->ctx, "p", &p, &f->err), 0);
	assert_int_equal(ferry_upgrade_settings_get(f->ctx, p.id, &s, &f->err), 0);
	assert_int_equal(s.retention_s, 30 * 86400);
	assert_int_equal(s.expiry_s, 10 * 86400);
	assert_int_equal(s.warn_s, 3 * 86400);
	assert_int_equal(s.refresh_max_age_s, 7 * 86400);
	assert_int_equal(s.disk_reserve_bytes, 0);
	assert_int_equal(ferry_upgrade_settings_set(f->ctx, "p", &keep, &f->err), 0);
	assert_int_equal(ferry_upgrade_settings_get(f->ctx, p.id, &s, &f->err), 0);
	assert_int_equal(s.retention_s, 30 * 86400);   /* kept */
	assert_int_equal(s.expiry_s, 86400);
	assert_int_equal(s.disk_reserve_bytes, 1 << 20);
	j = ferry_upgrade_settings_to_json(&s);
	assert_non_null(j);
	json_decref(j);
	assert_int_equal(ferry_upgrade_settings_set(f->ctx, "nope", &keep, &f->err), FERRY_ENOTFOUND);
}

static void test_targets(void **state)
{
	struct ufx *f = *state;
	char rel[32], pu[32];
	json_t *t;
	size_t i;
	int found = 0;

	assert_int_equal(ferry_upgrade_targets(f->ctx, "sbx", &t, &f->err), 0);
	for (i = 0; i < json_array_size(t); i++)
		found += !strcmp(json_string_value(json_object_get(json_array_get(t, i), "target")) ?: "", "8.1/PU20");
	assert_int_equal(found, 1);
	json_decref(t);
	assert_int_equal(ferry_upgrade_resolve_target(f->ctx, "sbx", "8.1", rel, pu, &f->err), 0);
	assert_string_equal(rel, "8.1");
	assert_string_equal(pu, "PU20");
	assert_int_not_equal(ferry_upgrade_resolve_target(f->ctx, "sbx", "8.1/PU12", rel, pu, &f->err), 0);
	assert_non_null(strstr(f->err.msg, "PU12 is too old for release 8.1"));
	assert_int_equal(ferry_upgrade_resolve_target(f->ctx, "sbx", "9.9", rel, pu, &f->err), FERRY_EREFUSED);
	assert_non_null(strstr(f->err.msg, "allowed targets"));
	assert_int_equal(ferry_upgrade_resolve_target(f->ctx, "sbx", "7.0", rel, pu, &f->err), FERRY_EREFUSED);
	assert_int_equal(ferry_upgrade_resolve_target(f->ctx, "sbx", "", rel, pu, &f->err), FERRY_EINVAL);
	assert_int_equal(ferry_upgrade_resolve_target(f->ctx, "nope", "8.1", rel, pu, &f->err), FERRY_ENOTFOUND);
}

static void test_begin_rules(void **state)
{
	struct ufx *f = *state;
	struct ferry_env sbx, prod;
	struct ferry_op_spec spec = { "op.selftest", "sbx", NULL, NULL };
	struct ferry_op *op = NULL;
	int64_t id;

	assert_int_equal(ferry_env_get(f->ctx, "sbx", &sbx, &f->err), 0);
	assert_int_equal(ferry_env_get(f->ctx, "prod", &prod, &f->err), 0);
	if (up_begin_rules(f->ctx, &sbx, "8.1", "PU20", &f->err))
		fail_msg("sbx: %s", f->err.msg);
	/* production: not before a sandbox of the project committed the same target */
	assert_int_equal(up_begin_rules(f->ctx, &prod, "8.1", "PU20", &f->err), FERRY_EREFUSED);
	assert_non_null(strstr(f->err.msg, "a sandbox of project 'p' must first upgrade"));
	id = insert(f, "sbx", FERRY_UP_DATA_UPGRADED);
	assert_int_equal(up_begin_rules(f->ctx, &prod, "8.1", "PU20", &f->err), FERRY_EREFUSED);
	assert_int_equal(up_set_phase(f->ctx, id, FERRY_UP_COMMITTED, &f->err), 0);
	assert_int_equal(up_begin_rules(f->ctx, &prod, "8.1", "PU20", &f->err), 0);
	assert_int_equal(up_begin_rules(f->ctx, &prod, "8.1", "PU21", &f->err), FERRY_EREFUSED);
	/* an upgrade in progress, or another operation on the environment */
	assert_true(insert(f, "sbx", FERRY_UP_PREPARED) > 0);
	assert_int_equal(up_begin_rules(f->ctx, &sbx, "8.1", "PU20", &f->err), FERRY_ESTATE);
	assert_non_null(strstr(f->err.msg, "already has an upgrade"));
	spec.env = "prod";
	spec.params = json_object();
	assert_int_equal(ferry_op_create(f->ctx, &spec, &op, &f->err), 0);
	json_decref(spec.params);
	assert_int_equal(up_begin_rules(f->ctx, &prod, "8.1", "PU20", &f->err), FERRY_ESTATE);
	assert_non_null(strstr(f->err.msg, "another operation runs"));
	ferry_op_free(op);
	/* an upgrade is needed for its commands */
	{
		struct ferry_upgrade u;
		assert_int_equal(up_need_active(f->ctx, "dev", "commit", &u, &f->err), FERRY_ESTATE);
		assert_int_equal(up_need_active(f->ctx, "sbx", "commit", &u, &f->err), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_phases_and_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_settings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_targets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_begin_rules, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
